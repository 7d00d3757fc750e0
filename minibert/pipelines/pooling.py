"""From token vectors to one sentence vector, the way a sentence-transformers checkpoint says to.

BERT gives one vector per token, (T, C). A sentence embedding needs one vector per text, and how to get it
is a choice the checkpoint was trained with (Reimers & Gurevych, 2019, "Sentence-BERT", §3):

* ``mean``: average the token vectors, padding excluded  -- all-MiniLM-L6-v2 and most sentence models;
* ``cls``: the [CLS] token's vector;  ``max``: per-feature maximum;
* ``mean_sqrt_len``: the sum divided by sqrt(T) instead of T.

A sentence-transformers folder records the choice in ``modules.json`` (the module list: Transformer ->
Pooling -> maybe Normalize) and ``1_Pooling/config.json`` (which modes are on; several are concatenated).
A ``Normalize`` module means unit-length (L2) vectors, so a dot product is the cosine similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import torch
import torch.nn.functional as F

MODES = ("cls", "max", "mean", "mean_sqrt_len")  # sentence-transformers concatenates in this order


@dataclass
class PoolingConfig:
    """Which poolings to apply (concatenated in ``MODES`` order), whether to L2-normalise, how many tokens."""

    modes: tuple[str, ...] = ("mean",)
    normalize: bool = False
    max_seq_length: int | None = None  # sentence_bert_config.json's limit, if any


def _read(source, filename: str, **hub) -> dict | list | None:
    from minibert.loading.resolve import resolve_file

    try:
        path = resolve_file(source, filename, required=False, **hub)
    except (FileNotFoundError, OSError):
        return None
    if path is None:
        return None
    from minibert.loading.text_file import read_json

    return read_json(path, (dict, list), "a sentence-transformers settings file (a JSON object or list)")


def _module_folder(source, path) -> str:
    """A module's folder as ``modules.json`` names it (``"1_Pooling"``): it must lie inside the checkpoint, so a
    name that is absolute or climbs out (``..``) is refused rather than followed."""
    parts = PurePosixPath(path).parts if isinstance(path, str) and "\\" not in path else ()
    if not parts or PurePosixPath(path).is_absolute() or any(p in (".", "..") for p in parts):
        raise ValueError(f"{source}/modules.json: the Pooling entry names the folder {path!r}; expected a folder "
                         "inside the checkpoint, like '1_Pooling' (a path leading out of it is not followed)")
    return path


def read_pooling_config(source, **hub) -> PoolingConfig:
    """The pooling a checkpoint asks for; plain BERT checkpoints (no ``modules.json``) get mean pooling,
    the default sentence-transformers itself uses when it wraps a plain transformer."""
    modules = _read(source, "modules.json", **hub)
    if not modules:
        return PoolingConfig()
    by_type = {m["type"].rsplit(".", 1)[-1]: m for m in modules}
    config = PoolingConfig(normalize="Normalize" in by_type)
    settings = _read(source, "sentence_bert_config.json", **hub) or {}
    config.max_seq_length = settings.get("max_seq_length")
    pooling = by_type.get("Pooling")
    if pooling is not None:
        found = _read(source, f"{_module_folder(source, pooling.get('path'))}/config.json", **hub) or {}
        modes = tuple(m for m in MODES if found.get(f"pooling_mode_{m}_tokens" if m != "cls" else
                                                   "pooling_mode_cls_token"))
        others = [k for k, v in found.items() if k.startswith("pooling_mode_") and v and k not in
                  {"pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_tokens",
                   "pooling_mode_mean_sqrt_len_tokens"}]
        if others:
            raise ValueError(f"the checkpoint {str(source)!r} asks for pooling {others}, which minibert does not "
                             f"implement (it has {', '.join(MODES)})")
        config.modes = modes or ("mean",)
    return config


def pool(hidden: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """hidden (B, T, C) float, mask (B, T) 1 = token / 0 = padding -> sentence vectors (B, C)."""
    if mode == "cls":
        return hidden[:, 0]
    weights = mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    if mode == "max":
        # Padding must never win the maximum: give it a very negative value first.
        return hidden.masked_fill(weights == 0, -1e9).max(dim=1).values
    total = (hidden * weights).sum(dim=1)  # (B, C)
    count = weights.sum(dim=1).clamp(min=1e-9)  # (B, 1); the clamp only matters for an all-padding row
    if mode == "mean":
        return total / count
    if mode == "mean_sqrt_len":
        return total / count.sqrt()
    raise ValueError(f"unknown pooling mode {mode!r}; use one of {MODES}")


def embed(hidden: torch.Tensor, mask: torch.Tensor, config: PoolingConfig) -> torch.Tensor:
    """hidden (B, T, C), mask (B, T) -> (B, C * len(config.modes)), unit length if ``config.normalize``."""
    vectors = torch.cat([pool(hidden, mask, mode) for mode in config.modes], dim=-1)
    return F.normalize(vectors, p=2, dim=-1) if config.normalize else vectors


def cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a (N, D), b (M, D) -> (N, M) cosines: normalise each vector, then all dot products at once."""
    return F.normalize(a, p=2, dim=-1) @ F.normalize(b, p=2, dim=-1).T
