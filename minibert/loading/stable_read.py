"""Reading a checkpoint folder while another process may be saving into it.

``save_pretrained`` replaces ``model.safetensors`` and then ``config.json``, each atomically, but a reader
between or across those two renames could take one save's config with the other save's weights: with the
same shapes nothing fails, and the model silently computes wrong numbers. So the reader notes each file's
identity (device, inode, size, modification time in ns) before reading and compares after: an atomic
replacement always gives the file a new inode. When anything changed, the read is repeated; a folder that
keeps changing is reported. (A reader that starts in the instant between the two renames and finishes before
the second one sees a quiet folder; the identities cannot tell that moment apart.)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ATTEMPTS = 3


def is_model_file(name: str) -> bool:
    """A file ``from_pretrained`` may read: the config, weights, a shard index, TensorFlow checkpoint files.
    (Not a training run's log.jsonl or checkpoint.pt, which change at every step while a model is read.)"""
    return (name in ("config.json", "bert_config.json") or name.endswith((".safetensors", ".bin", ".index.json"))
            or ".ckpt" in name)


def identities(folder: Path) -> dict[str, tuple[int, int, int, int]]:
    """``{name: (device, inode, size, mtime_ns)}`` of the folder's model files."""
    found = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if not is_model_file(entry.name) or entry.name.startswith("."):  # temporaries are hidden
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:  # removed while we listed: the comparison will see it gone
                continue
            found[entry.name] = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def read_unchanged(folder: str | os.PathLike | None, read: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """``read()``, repeated until ``folder``'s files were the same before and after it; ``OSError`` when they
    changed every time. ``folder`` None (e.g. a Hub id, whose cached files never change): just ``read()``."""
    if folder is None or not Path(folder).is_dir():
        return read()
    for _ in range(attempts):
        before = identities(Path(folder))
        result = read()
        if identities(Path(folder)) == before:
            return result
    raise OSError(f"{folder} changed while it was being read, {attempts} times in a row: another process is "
                  "saving into it. Load it once that process has finished")
