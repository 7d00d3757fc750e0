"""Head pruning: which rows and columns to keep, and a smaller copy of a linear layer.

A head h owns the slice [h·d, (h+1)·d) of the Q, K and V output features and the same slice of the
attention output layer's input features. Pruning deletes those slices: the model gets smaller and
faster, and computes exactly what it computed with that head's attention probabilities multiplied by 0.
"""

from __future__ import annotations

import torch
from torch import nn


def heads_to_keep_index(heads: set[int], n_heads: int, head_size: int, already_pruned: set[int]) -> torch.Tensor:
    """Feature indices (int64) of the heads that stay, in the layer as it is *now*.

    ``heads`` and ``already_pruned`` use the original head numbering: after pruning head 0, the original
    head 3 sits at position 2, so each index is shifted left by the number of pruned heads before it.
    """
    keep = torch.ones(n_heads, head_size)
    for h in heads:
        if h < 0 or h >= n_heads + len(already_pruned):
            raise ValueError(f"cannot prune head {h}: the layer had {n_heads + len(already_pruned)} heads")
        position = h - sum(1 for p in already_pruned if p < h)
        keep[position] = 0
    return torch.arange(n_heads * head_size)[keep.view(-1).eq(1)]


def prune_linear_layer(layer: nn.Linear, index: torch.Tensor, dim: int = 0) -> nn.Linear:
    """A new ``nn.Linear`` keeping only ``index`` along ``dim`` (0: output features, 1: input features).

    The bias follows the output features, so it is only cut for ``dim=0``.
    """
    index = index.to(layer.weight.device)
    weight = layer.weight.index_select(dim, index).detach().clone()
    out_features, in_features = weight.shape
    new = nn.Linear(in_features, out_features, bias=layer.bias is not None,
                    device=layer.weight.device, dtype=layer.weight.dtype)
    with torch.no_grad():
        new.weight.copy_(weight)
        if layer.bias is not None:
            new.bias.copy_(layer.bias[index] if dim == 0 else layer.bias)
    new.weight.requires_grad_(layer.weight.requires_grad)
    if layer.bias is not None:
        new.bias.requires_grad_(layer.bias.requires_grad)
    return new
