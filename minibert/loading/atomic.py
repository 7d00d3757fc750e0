"""Atomic file writes: the new file appears whole under its name, or not at all.

A save that crashes half-way (power cut, SIGKILL, full disk) must not destroy the good file it was
replacing. We write to a temporary file in the same folder, flush it to disk, and ``os.replace`` it over
the target: on POSIX and Windows a rename within one file system is atomic, so a reader sees either the
old file or the complete new one.

A writer killed before the rename (SIGKILL, power cut) leaves its temporary behind. Its name carries the
writer's process id (``.NAME.PID.XXXXXXXX.tmp``), so the next save of the same file removes the temporaries
whose writer is dead (``remove_stale_temporaries``) and leaves a live writer's alone.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows: folders cannot be opened; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _final_mode(path: Path) -> int:
    """The permissions the file should end with: those of the file it replaces, else what ``open`` would
    give a new file (0o666 less the umask). mkstemp makes its file 0o600, private to the writer, and the
    rename would keep that: a saved checkpoint or page would be unreadable to everyone else."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)  # the only portable way to read the umask is to set it and put it back
        os.umask(umask)
        return 0o666 & ~umask


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # ours (another thread's save); on Windows os.kill would kill
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete the temporaries that killed saves of ``path`` left beside it; return what was deleted.

    A temporary is stale when the process named in it is dead, or when it has no process id at all (written
    by an earlier minibert, whose names were ``.NAME.XXXXXXXX.tmp``). Anything else is left alone.
    """
    path = Path(path)
    pattern = re.compile(re.escape(f".{path.name}.") + r"(?:(\d+)\.)?[a-z0-9_]{8}\.tmp")
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:  # no folder yet: nothing to clean
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not (match[1] and _alive(int(match[1]))):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except FileNotFoundError:  # another save cleaned it first
                pass
    return removed


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` to produce the file, then move it into place atomically.

    Stale temporaries of earlier, killed saves of ``path`` are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _final_mode(path))
        with open(tmp, "rb+") as f:  # make sure the bytes are on disk before the rename makes them visible
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_write(path, write)
