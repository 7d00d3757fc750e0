"""Exercise 9, reference solution: scaled dot-product attention (Vaswani et al., 2017, §3.2.1)."""

from __future__ import annotations

import math

import torch


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attention_mask: torch.Tensor | None = None,
              head_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q Kᵀ / √d + M) V per head. q, k, v (B, H, T, d) -> context (B, H, T, d), probs (B, H, T, T)."""
    d = q.shape[-1]
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)  # (B, H, T, T)
    if attention_mask is not None:
        scores = scores + attention_mask  # additive: 0 keeps a key, a huge negative number removes it
    probs = scores.softmax(dim=-1)  # each row sums to 1 over the keys
    if head_mask is not None:
        probs = probs * head_mask  # after the softmax: a 0 silences a whole head
    return probs @ v, probs
