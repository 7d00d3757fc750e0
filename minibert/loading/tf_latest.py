"""The latest checkpoint of a TensorFlow run folder, as its ``checkpoint`` state file names it, resolved so that a
folder that was moved or copied reads its own files.

TensorFlow's saver writes the path it was given into ``checkpoint`` (a text proto)::

    model_checkpoint_path: "model.ckpt-1000"                       relative: resolved against the folder
    model_checkpoint_path: "/home/a/run/model.ckpt-1000"           absolute: where the run was, maybe elsewhere
    model_checkpoint_path: "gs://bucket/run/model.ckpt-1000"       remote: a bucket this machine cannot read

Only the folder the user named is read. A path that leads outside it (absolute, remote, or a relative one with
``..``) stands for the file of the same name in the folder: a copy of a run folder then reads the copy, never the
original, and a folder from another machine or a bucket loads as it is. If the folder lacks that file, the error
names the path the state file gave and lists the checkpoints the folder holds; another file is never picked in
its place, since that would silently give other weights.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path, PureWindowsPath

logger = logging.getLogger("minibert")
STATE_FILE = "checkpoint"
_LATEST = re.compile(r'^\s*model_checkpoint_path:\s*"([^"]+)"', re.M)
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # gs://, s3://, hdfs://, file://
_noted: set[tuple[str, str]] = set()  # (folder, path given): the note is logged once per process


def checkpoints_in(folder: Path) -> list[str]:
    """The checkpoint prefixes a folder holds (``model.ckpt-3``, ``model.ckpt-12``), in step order."""
    def step_order(name: str) -> list:
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]

    return sorted((p.name[: -len(".index")] for p in folder.glob("*.index")), key=step_order)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def latest(folder: Path) -> Path | None:
    """The prefix (``FOLDER/model.ckpt-1000``, no suffix) that ``FOLDER/checkpoint`` names, inside ``folder``.

    None when the folder has no state file or it names nothing. Raises FileNotFoundError when it names a
    checkpoint the folder does not hold.
    """
    state = folder / STATE_FILE
    if not state.is_file():
        return None
    match = _LATEST.search(state.read_text(encoding="utf-8", errors="replace"))
    if match is None:
        return None
    given = match.group(1)
    if _REMOTE.match(given) or PureWindowsPath(given).drive:
        candidate = None  # a bucket, or another machine's drive: never a file of this folder
    else:
        candidate = Path(given) if Path(given).is_absolute() else folder / given
    if candidate is not None and _inside(candidate, folder):
        if Path(f"{candidate}.index").is_file():
            return candidate
        return _missing(folder, state, given, candidate.name, outside=False)
    # Outside the folder: the file of the same name in the folder stands for it.
    name = re.split(r"[/\\]", given.rstrip("/\\"))[-1]
    own = folder / name
    if name and Path(f"{own}.index").is_file():
        if (str(folder.resolve()), given) not in _noted:
            _noted.add((str(folder.resolve()), given))
            logger.warning("%s names %s, outside this folder; reading the folder's own %s instead", state, given,
                           own)
        return own
    return _missing(folder, state, given, name, outside=True)


def _missing(folder: Path, state: Path, given: str, name: str, outside: bool):
    held = checkpoints_in(folder)
    where = (f"which is outside {folder} (never read unless you name it) and {folder} has no {name}.index"
             if outside else f"but {folder} has no {name}.index")
    listing = (f"the folder holds {', '.join(held)}: pass the one you want, e.g. {folder / held[-1]}" if held
               else "the folder holds no checkpoint (*.index)")
    raise FileNotFoundError(f"{state} names {given!r} as the latest checkpoint, {where}; {listing}")
