"""Head pruning: which rows and columns to keep, and a smaller copy of a linear layer.

A head h owns the slice [h·d, (h+1)·d) of the Q, K and V output features and the same slice of the
attention output layer's input features. Pruning deletes those slices: the model gets smaller and
faster, and computes exactly what it computed with that head's attention probabilities multiplied by 0.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn


def heads_to_keep_index(heads: set[int], n_heads: int, head_size: int, already_pruned: set[int]) -> torch.Tensor:
    """Feature indices (int64) of the heads that stay, in the layer as it is *now*.

    ``heads`` and ``already_pruned`` use the original head numbering: after pruning head 0, the original
    head 3 sits at position 2, so each index is shifted left by the number of pruned heads before it.
    """
    removed = set()
    for h in heads:
        if h < 0 or h >= n_heads + len(already_pruned):
            raise ValueError(f"cannot prune head {h}: the layer had {n_heads + len(already_pruned)} heads")
        removed.add(h - sum(1 for p in already_pruned if p < h))  # its position now
    keep = [f for pos in range(n_heads) if pos not in removed for f in range(pos * head_size, (pos + 1) * head_size)]
    # Explicitly on the CPU: from_pretrained builds the model under ``torch.device("meta")``, where a
    # default-device tensor would have no values to select with.
    return torch.tensor(keep, dtype=torch.long, device="cpu")


def prune_linear_layer(layer: nn.Linear, index: torch.Tensor, dim: int = 0) -> nn.Linear:
    """A new ``nn.Linear`` keeping only ``index`` along ``dim`` (0: output features, 1: input features).

    The bias follows the output features, so it is only cut for ``dim=0``.
    """
    index = index.to(layer.weight.device)
    weight = layer.weight.index_select(dim, index).detach().clone()  # (out, in) after the cut
    bias = None
    if layer.bias is not None:
        bias = (layer.bias[index] if dim == 0 else layer.bias).detach().clone()  # (out,)
    out_features, in_features = weight.shape
    # Built on "meta" (no memory, no random init: we set the weights ourselves right after). With every
    # head pruned the layer has zero features, and nn.Linear's initialiser warns about zero-element tensors
    # even on meta, hence the filter.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Initializing zero-element tensors is a no-op")
        new = nn.Linear(in_features, out_features, bias=bias is not None, device="meta")
    new.weight = nn.Parameter(weight, requires_grad=layer.weight.requires_grad)
    if bias is not None:
        new.bias = nn.Parameter(bias, requires_grad=layer.bias.requires_grad)
    return new


def checked_pruning_request(heads_to_prune: dict, num_layers: int, num_heads: int) -> dict[int, list[int]]:
    """``{layer: heads}`` as asked → ``{layer number 0..L-1: sorted unique heads}``, or ``ValueError`` naming the
    bad layer or heads. Checked as a whole before anything is pruned, so a bad request changes nothing."""
    L, H = num_layers, num_heads
    for layer in heads_to_prune:
        if not -L <= int(layer) < L:
            raise ValueError(f"cannot prune layer {layer}: the model has layers 0..{L - 1} (or -{L}..-1 from "
                             "the end)")
    # A negative layer counts from the end, as a Python index (and the reference) does. The reference then
    # records the key -1 itself in config.pruned_heads, so pruning layer 11 later adds a second entry for the
    # same layer; minibert records the layer's real number.
    heads_to_prune = {int(layer) % L: sorted({int(h) for h in heads}) for layer, heads in heads_to_prune.items()}
    for layer, heads in heads_to_prune.items():
        bad = [h for h in heads if not 0 <= h < H]
        if bad:
            raise ValueError(f"cannot prune heads {bad} of layer {layer}: heads are numbered 0..{H - 1}")
    return heads_to_prune
