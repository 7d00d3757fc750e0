"""Resizing the vocabulary: a word-embedding matrix (V, C) grown or shrunk to (V', C), old rows kept.

    old (V, C) ──keep rows 0..min(V, V')-1──► new (V', C);  rows V..V'-1 (when growing) are new tokens

WHY the new rows start at the mean of the old ones (``mean_resizing=True``, the reference's default since
4.46): a new token whose vector is drawn from N(0, initializer_range) is far from every trained vector, and an
MLM head tied to the embeddings gives it a logit unrelated to the others. Starting at the average vector, with a
tiny spread along the old vectors' covariance, keeps the model's predictions almost unchanged until training
moves the new rows (Hewitt 2021, https://nlp.stanford.edu/~johnhew/vocab-expansion.html).

The random draws are made in the reference's order (the new layer's default initialisation, then the new rows),
so the same seed gives the same matrix in both libraries.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.distributions import MultivariateNormal, constraints

SPREAD = 1e-9  # the covariance is scaled by this: new rows sit at the mean, nudged apart only slightly


def padded_size(new_num_tokens: int | None, old_num_tokens: int, pad_to_multiple_of: int | None) -> int:
    """The vocabulary size to build: ``new_num_tokens`` (default: unchanged) rounded up to ``pad_to_multiple_of``.

    A multiple of 8 or 64 lets GPU matrix units (Tensor Cores) run the (B·T, C) x (C, V) logits product at full
    speed; the extra rows are tokens no tokenizer produces.
    """
    size = old_num_tokens if new_num_tokens is None else new_num_tokens
    if pad_to_multiple_of is not None:
        if isinstance(pad_to_multiple_of, bool) or not isinstance(pad_to_multiple_of, int) or pad_to_multiple_of <= 0:
            raise ValueError(f"pad_to_multiple_of must be a positive integer, got {pad_to_multiple_of!r}")
        size = -(-size // pad_to_multiple_of) * pad_to_multiple_of
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValueError(f"new_num_tokens must be a positive integer, got {new_num_tokens!r}")
    return size


def mean_rows(old: torch.Tensor, count: int) -> torch.Tensor:
    """``count`` rows drawn from N(mean of ``old``'s rows, SPREAD · their covariance); (count, C) in ``old``'s dtype.

    Computed in float32 (a bfloat16 covariance would be mostly rounding). When the scaled covariance is not
    positive definite (fewer rows than columns, or duplicate rows) no Gaussian exists: every new row is the mean.
    """
    rows = old.detach().to(torch.float32)  # (V, C)
    mean = rows.mean(dim=0)  # (C,)
    centred = rows - mean
    covariance = SPREAD * (centred.T @ centred / rows.shape[0])  # (C, C)
    if bool(constraints.positive_definite.check(covariance).all()):
        drawn = MultivariateNormal(mean, covariance_matrix=covariance).sample((count,))  # (count, C)
    else:
        drawn = mean[None, :].repeat(count, 1)
    return drawn.to(old.dtype)


def resized_embedding(old: nn.Embedding, size: int, mean_resizing: bool,
                      init: Callable[[nn.Module], None]) -> nn.Embedding:
    """A new ``nn.Embedding`` (size, C): ``old``'s first rows, then new rows (mean-based, or ``init``)."""
    old_size = old.num_embeddings
    padding_idx = old.padding_idx if old.padding_idx is not None and old.padding_idx < size else None
    new = nn.Embedding(size, old.embedding_dim, padding_idx=padding_idx, device=old.weight.device,
                       dtype=old.weight.dtype)
    with torch.no_grad():
        if size > old_size and mean_resizing:
            new.weight[old_size:] = mean_rows(old.weight, size - old_size)
        elif size > old_size:
            init(new)
        keep = min(old_size, size)
        new.weight[:keep] = old.weight[:keep]
    new.weight.requires_grad_(old.weight.requires_grad)
    return new


def resized_linear(old: nn.Linear, size: int, mean_resizing: bool, init: Callable[[nn.Module], None]) -> nn.Linear:
    """An untied output layer (V, C) resized like the embeddings; a new token's bias starts at the old biases'
    mean (spread SPREAD · their std) with ``mean_resizing``."""
    old_size = old.out_features
    new = nn.Linear(old.in_features, size, bias=old.bias is not None, device=old.weight.device,
                    dtype=old.weight.dtype)
    with torch.no_grad():
        if size > old_size and mean_resizing:
            new.weight[old_size:] = mean_rows(old.weight, size - old_size)
            if old.bias is not None:
                bias = old.bias.detach()
                new.bias[old_size:].normal_(mean=float(bias.float().mean()), std=SPREAD * float(bias.std().float()))
        elif size > old_size:
            init(new)
        keep = min(old_size, size)
        new.weight[:keep] = old.weight[:keep]
        if old.bias is not None:
            new.bias[:keep] = old.bias[:keep]
    new.weight.requires_grad_(old.weight.requires_grad)
    return new
