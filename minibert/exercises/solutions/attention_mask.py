"""Exercise 6, reference solution: the additive attention mask."""

from __future__ import annotations

import torch


def attention_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(B, T) 1 = real token, 0 = padding -> (B, 1, 1, T) in ``dtype``: 0 where real, finfo(dtype).min where padding."""
    keep = mask[:, None, None, :].to(dtype)  # (B, 1, 1, T): broadcasts over heads and queries
    return (1.0 - keep) * torch.finfo(dtype).min
