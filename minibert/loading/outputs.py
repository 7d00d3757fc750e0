"""The one rule for every command that writes: never destroy an input or a user's files, check before working.

Every command that writes (``embed --file --out``, ``attention --html``, ``pretrain`` / ``finetune --output``,
``convert``, ``python -m minibert.docs build --out``) calls this module before any model work:

* an output that is one of the command's inputs, or lies inside an input folder, is refused
  (``embed --file notes.txt --out notes.txt`` would turn the text into a NumPy array);
* an output file must not be a folder, an output folder must not be a file;
* a folder output that is not empty and was not written by this same command earlier is refused, naming the
  files that would be lost, unless ``--overwrite`` is given. A command marks its folder as its own with a
  small record, ``.minibert-output.json`` (for training runs it also holds the arguments, see run_record.py);
  ``convert`` leaves no mark (its folder is a plain checkpoint) and so refuses every non-empty folder;
* a folder output is locked while the command writes it (``.minibert.lock``, holding the writer's process
  id): a second run into the same folder is refused instead of interleaving its files with the first's. The
  lock is an ``fcntl.flock``, which the kernel drops when the process dies, so a killed run never leaves a
  lock that blocks the next one.

Stale temporaries of killed saves are removed by the next save of the same file (minibert/loading/atomic.py).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from minibert.loading.atomic import atomic_write_bytes

RECORD_NAME = ".minibert-output.json"
LOCK_NAME = ".minibert.lock"


def _resolved(path) -> Path:
    return Path(path).expanduser().resolve()


def _local(inputs: dict) -> dict[str, Path]:
    """The inputs that are local files or folders (a Hub repo id is not), resolved."""
    return {flag: _resolved(p) for flag, p in inputs.items() if p is not None and Path(p).expanduser().exists()}


def refuse_input_as_output(out, inputs: dict) -> None:
    """``ValueError`` when ``out`` is one of ``inputs`` ({flag: path}), holds one, or lies inside an input folder."""
    target = _resolved(out)
    for flag, path in _local(inputs).items():
        if target == path:
            raise ValueError(f"the output {out} is the {flag} input: writing it would destroy the input; "
                             "choose another output")
        if path.is_dir() and path in target.parents:
            raise ValueError(f"the output {out} lies inside the {flag} folder {path}: write it elsewhere, so the "
                             "input stays as it is")
        if target in path.parents:
            raise ValueError(f"the {flag} input {path} lies inside the output folder {out}, which this command "
                             "rewrites: move the input out of it, or choose another output folder")


def check_output_file(out, inputs: dict | None = None, example: str = "out") -> Path:
    """Before the work: ``out`` can become a file (not a folder, its parent not a file) and is no input."""
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"the output {out} is a folder: give a file name, e.g. {out / example}")
    parent = next((p for p in out.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ValueError(f"the output {out} cannot be written: {parent} is a file, not a folder")
    refuse_input_as_output(out, inputs or {})
    return out


def read_record(folder) -> dict | None:
    """The record of the command that wrote ``folder``, or None (no record, or not readable)."""
    try:
        record = json.loads((Path(folder) / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_record(folder, record: dict) -> None:
    atomic_write_bytes(Path(folder) / RECORD_NAME, (json.dumps(record, indent=2) + "\n").encode("utf-8"))


def _machinery(name: str) -> bool:
    """This module's own files: the lock, and a record being written (another run's, which the lock stops)."""
    return name == LOCK_NAME or (name.startswith(f".{RECORD_NAME}.") and name.endswith(".tmp"))


def _listing(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_output_folder(out, command: str, inputs: dict | None = None, overwrite: bool = False,
                        adopt=None) -> dict | None:
    """Before the work: ``out`` may receive ``command``'s files. Returns the folder's earlier record of this
    same command (None for a new or empty folder, or with ``overwrite``). ``adopt(out)`` may recognise an
    unmarked folder as the command's own (written before outputs were marked) by returning its record."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output {out} is a file: give a folder (new or empty) for {command} to write into")
    refuse_input_as_output(out, inputs or {})
    names = sorted(p.name for p in out.iterdir() if not _machinery(p.name)) if out.is_dir() else []
    if not names or overwrite:
        return None
    record = read_record(out)
    if record is None and adopt is not None:
        record = adopt(out)
    if record is None or record.get("command") != command:
        other = f" (it was written by {record['command']})" if record and "command" in record else ""
        raise ValueError(f"the output {out} is not an empty folder nor an earlier {command} output{other}; "
                         f"its files would be lost or mixed up ({_listing(names)}): choose a new or empty folder, "
                         "or pass --overwrite to write into it anyway")
    return record


@contextlib.contextmanager
def locked(folder, command: str):
    """Hold ``folder/.minibert.lock`` while the body writes the folder; refuse when another process holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks in the standard library; the other checks still apply
        yield
        return
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ValueError(f"another {command} (process {holder}) is writing into {folder}: wait for it to "
                             "finish, or choose another output") from None
        except OSError:  # a file system without locks (some network mounts): write unlocked, as before
            os.close(fd)
            fd = None
            break
        # The holder before us may have removed the file after we opened it: then our lock is on a file nobody
        # else sees, and we try again on the new one.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    if fd is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        yield
        return
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)  # closing drops the lock (so does the kernel when a killed process's files close)


@contextlib.contextmanager
def claim_folder(out, command: str, inputs: dict | None = None, overwrite: bool = False, accept=None,
                 mark: bool = True, adopt=None):
    """Check ``out`` (check_output_folder), lock it, mark it as ``command``'s (unless ``mark`` is False: then
    even its own earlier output is a folder to refuse), then run the body.

    ``accept(earlier)``, given the folder's earlier record of this command (or None), may refuse by raising and
    returns the fields to record (e.g. a training run's arguments); the body gets that record.
    """
    check_output_folder(out, command, inputs, overwrite, adopt)  # before creating anything
    created = not Path(out).exists()
    try:
        with locked(out, command):
            earlier = check_output_folder(out, command, inputs, overwrite, adopt)  # again: another may have come
            record = {"command": command, **(accept(earlier) if accept else {})}
            if mark:
                write_record(out, record)
            yield record
    except BaseException:
        if created:  # a command that failed leaves no folder of its own making behind, only what it wrote
            _remove_if_only_our_record(Path(out))
        raise


def _remove_if_only_our_record(folder: Path) -> None:
    with contextlib.suppress(OSError):
        if {p.name for p in folder.iterdir()} <= {RECORD_NAME}:
            with contextlib.suppress(FileNotFoundError):
                (folder / RECORD_NAME).unlink()
            folder.rmdir()  # fails, harmlessly, if anything else appeared meanwhile
