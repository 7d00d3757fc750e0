"""Reading and writing weight files: safetensors (preferred), sharded safetensors, and PyTorch ``.bin``.

``pytorch_model.bin`` is a pickle, and unpickling can run arbitrary code. It is only ever read with
``torch.load(weights_only=True)``, which accepts tensors and plain containers and refuses everything else.
safetensors files hold a JSON header and raw bytes: nothing in them can execute.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import torch

from minibert.loading import hub
from minibert.loading.atomic import atomic_write


def _read_index(index_path: Path) -> dict[str, str]:
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        weight_map = index["weight_map"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{index_path} is not a valid shard index (JSON with a 'weight_map'): {err}") from None
    if not isinstance(weight_map, dict):
        raise ValueError(f"{index_path}: 'weight_map' must map tensor names to shard file names")
    for key, shard in weight_map.items():
        # Shard names are plain file names in the same folder. Anything else (a path, '..', an absolute
        # name) could make us read a file outside the checkpoint, so it is refused.
        if not isinstance(shard, str) or not shard or shard != os.path.basename(shard) or shard in (".", "..") \
                or "\\" in shard:
            raise ValueError(f"{index_path}: the entry {key!r} names the shard {shard!r}, which is not a plain file "
                             "name; expected the name of a file next to the index (like "
                             "'model-00001-of-00002.safetensors'), as a path could lead outside the checkpoint")
    return weight_map


def _check_inside(shard_path: Path, folder: Path) -> None:
    """A shard that is a symlink must stay inside its checkpoint (or, for a Hub cache snapshot, its repo)."""
    root = (hub.cache_repo_folder(shard_path) or folder).resolve()  # the cache: snapshots/REV/f -> ../../blobs/SHA
    target = shard_path.resolve()
    if root != target and root not in target.parents:
        raise ValueError(f"shard {shard_path} points outside the checkpoint folder (to {target}); refused")


def load_file(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Tensors of one weights file (``.safetensors`` or a PyTorch pickle), on the CPU."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file as load_safetensors

        try:
            return load_safetensors(str(path), device="cpu")
        except (SafetensorError, OSError, ValueError) as err:
            raise ValueError(f"cannot read {path} as safetensors (truncated or corrupted?): {err}") from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling refused, truncated file, not a pickle at all
        raise ValueError(f"cannot read {path} as a PyTorch weights file with weights_only=True "
                         f"(only tensors are accepted, never arbitrary objects): {err}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} does not hold a dict of tensors")
    return state


def load_state_dict(weights: Path, resolve_shard: Callable[[str], Path] | None = None
                    ) -> tuple[dict[str, torch.Tensor], list[Path]]:
    """All tensors of a checkpoint, and the files they came from.

    ``weights`` is a weights file or a ``*.index.json`` shard index; ``resolve_shard(name)`` finds a
    shard (for Hub repos it downloads it), by default next to the index.
    """
    if not weights.name.endswith(".index.json"):
        return load_file(weights), [weights]
    weight_map = _read_index(weights)
    state: dict[str, torch.Tensor] = {}
    files = []
    for shard in sorted(set(weight_map.values())):
        shard_path = resolve_shard(shard) if resolve_shard else weights.parent / shard
        _check_inside(Path(shard_path), Path(shard_path).parent if resolve_shard else weights.parent)
        state.update(load_file(shard_path))
        files.append(Path(shard_path))
    missing = sorted(set(weight_map) - set(state))
    if missing:
        raise ValueError(f"{weights} lists tensors its shards do not contain: {missing[:5]}")
    return state, files


def save_file(state: dict[str, torch.Tensor], path: str | os.PathLike, safe_serialization: bool = True,
              metadata: dict[str, str] | None = None) -> None:
    """Write a state dict atomically as safetensors (with ``{"format": "pt"}`` and ``metadata``) or a PyTorch
    pickle."""
    state = {k: v.detach().contiguous() for k, v in state.items()}
    if safe_serialization:
        from safetensors.torch import save_file as save_safetensors

        atomic_write(path, lambda tmp: save_safetensors(state, tmp, metadata={"format": "pt", **(metadata or {})}))
    else:
        atomic_write(path, lambda tmp: torch.save(state, tmp))
