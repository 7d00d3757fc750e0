"""Exercise 13, reference solution: which Q/K/V features survive head pruning."""

from __future__ import annotations

import torch


def prune_heads_index(heads: list[int], n_heads: int, head_size: int, already_pruned: list[int]) -> torch.Tensor:
    """Indices (int64, ascending) of the features to keep in a layer that has ``n_heads`` heads *now*.

    ``heads`` and ``already_pruned`` use the original numbering; heads pruned before are ignored.
    """
    pruned = set(already_pruned)
    keep = torch.ones(n_heads, dtype=torch.bool)
    for h in set(heads) - pruned:
        keep[h - sum(p < h for p in pruned)] = False  # slide left past the heads that are gone
    return torch.arange(n_heads * head_size).reshape(n_heads, head_size)[keep].reshape(-1)
