"""Reading a checkpoint folder while another process may be saving into it.

``save_pretrained`` replaces ``model.safetensors`` and then ``config.json``, each atomically, but a reader
across or between those two renames could take one save's config with the other save's weights: with the same
shapes nothing fails, and the model silently computes wrong numbers. Two checks catch it:

* each model file's identity (device, inode, size, modification time in ns) is noted before the read and
  compared after it: an atomic replacement gives the file a new inode, so a save *during* the read shows;
* ``model.safetensors`` carries the sha256 of the ``config.json`` saved with it (``CONFIG_DIGEST`` in its
  metadata, which other readers ignore), so a folder caught *between* the two renames (new weights, old config,
  nothing moving at that instant) shows too.

Either way the read is repeated after a short wait. A folder that keeps changing, or whose config stays other
than the one its weights were saved with (a save killed between its two files), is reported. A config.json
edited after the save (not older than the weights) is the user's choice and is read as it is.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ATTEMPTS = 5
CONFIG_DIGEST = "minibert_config_sha256"


def config_digest(config_json: bytes) -> str:
    return hashlib.sha256(config_json).hexdigest()


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


def config_matches_weights(folder: Path) -> bool:
    """False when ``model.safetensors`` names another ``config.json`` than the one beside it, which is not newer."""
    config, weights = folder / "config.json", folder / "model.safetensors"
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="pt") as f:
            digest = (f.metadata() or {}).get(CONFIG_DIGEST)
        if digest is None or config_digest(config.read_bytes()) == digest:
            return True
        # Written after the weights (or in the same clock tick): the user's own edit, or config.save_pretrained
        # called after model.save_pretrained. Older: the weights of a later save, whose config is not there yet.
        return config.stat().st_mtime_ns >= weights.stat().st_mtime_ns
    except Exception:  # no such files, or not safetensors: the loader itself reports what is wrong
        return True


def read_unchanged(folder: str | os.PathLike | None, read: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """``read()``, repeated until ``folder``'s model files were the same before and after it and its config is
    the one its weights were saved with; ``OSError`` when that never happened. ``folder`` None (e.g. a Hub id,
    whose cached files never change): just ``read()``."""
    if folder is None or not Path(folder).is_dir():
        return read()
    folder = Path(folder)
    for attempt in range(attempts):
        before = identities(folder)
        result = read()
        matches = config_matches_weights(folder)  # before the second look: a save after it cannot slip by
        quiet = identities(folder) == before
        if quiet and matches:
            return result
        time.sleep(0.02 * 2**attempt)  # a save's second rename follows its first within milliseconds
    if quiet:
        raise OSError(f"{folder / 'config.json'} is not the config {folder / 'model.safetensors'} was saved with, "
                      "and is older (a save killed between its two files?): save the model again")
    raise OSError(f"{folder} changed while it was being read, {attempts} times in a row: another process is "
                  "saving into it. Load it once that process has finished")
