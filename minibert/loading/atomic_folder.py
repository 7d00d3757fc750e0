"""Atomic folder writes: a new folder appears whole under its name, or not at all, and never costs the old one.

    folder = new_folder(out)                 # an empty folder beside out: .NAME.tmp-XXXXXXXX
    ... write the files into folder ...
    replace_folder(folder, out, replace)     # renamed to out; an existing out only with replace=True

A rename within one file system is atomic. An existing ``out`` is first moved aside (``.NAME.old-PID``), put back
if the rename of the new folder fails, and deleted only once the new folder is in place; a caller that fails
before ``replace_folder`` deletes its temporary folder and ``out`` is untouched (scripts/ship_speedrun.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def _umask() -> int:
    umask = os.umask(0)  # the only portable way to read the umask is to set it and put it back
    os.umask(umask)
    return umask


def new_folder(out: str | os.PathLike) -> Path:
    """An empty folder beside ``out``, with the permissions of a new folder (mkdtemp's is private to its owner)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    folder.chmod(0o777 & ~_umask())
    return folder


def replace_folder(tmp: str | os.PathLike, out: str | os.PathLike, replace: bool) -> None:
    """Rename the finished folder ``tmp`` (beside ``out``) to ``out``, its files given a new file's permissions
    (some writers, safetensors among them, make them private). An existing ``out`` is replaced only with
    ``replace``: moved aside, put back if the rename fails, deleted once the new folder is in place."""
    tmp, out = Path(tmp), Path(out)
    for path in tmp.iterdir():
        path.chmod(0o666 & ~_umask())
    if not out.exists():
        os.rename(tmp, out)
        return
    if not replace:
        raise FileExistsError(f"{out} exists: pass --replace to replace it")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old)
