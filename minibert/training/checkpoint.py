"""Training checkpoints: everything needed to continue a run as if it had never stopped.

Weights alone are not enough to resume *exactly*. We also need the optimizer's moment estimates (AdamW's
m and v), the scheduler's step (the learning rate), the fp16 grad scaler's scale, where we were in the data
(epoch and batch), and the random number generators' states (dropout masks, shuffling), for python,
numpy, torch and every CUDA device, and for every process. With all of that, the resumed run performs
bit-for-bit the same computations as the uninterrupted one.

The file is written atomically (temporary file + rename, see minibert/loading/atomic.py): a run killed while
saving leaves the previous checkpoint intact instead of a half-written one.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from minibert.loading.atomic import atomic_write

CHECKPOINT_NAME = "checkpoint.pt"


def rng_state() -> dict:
    """The states of every random number generator this process uses, as plain tensors/lists."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": [kind, keys.tolist(), pos, has_gauss, cached],  # lists: loadable with weights_only=True
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(_as_tuple(state["python"]))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuple(x):
    # random.setstate wants (version, tuple_of_ints, gauss_next); a saved copy may hold lists.
    return tuple(_as_tuple(v) for v in x) if isinstance(x, (list, tuple)) else x


def save_checkpoint(path: str | Path, state: dict) -> None:
    """Write ``state`` (a dict of tensors, numbers, lists, state dicts) atomically with ``torch.save``."""
    atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_checkpoint(path: str | Path) -> dict:
    # weights_only=True: a checkpoint is data, never code (an untrusted pickle could run anything).
    return torch.load(path, map_location="cpu", weights_only=True)
