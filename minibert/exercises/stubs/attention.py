"""Exercise 9: scaled dot-product attention (Vaswani et al., 2017, "Attention Is All You Need", §3.2.1).

Lesson: minibert/bert/attention.py (the eager path). Grade: ``python -m minibert.exercises grade attention``.
"""

from __future__ import annotations

import math  # noqa: F401

import torch


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attention_mask: torch.Tensor | None = None,
              head_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per head: probs = softmax(Q Kᵀ / √d + M) over the keys, then probs *= head_mask, context = probs V.

    Args:
        q, k, v: float32 ``(B, H, T, d)``.
        attention_mask: ``None`` or float32 additive mask broadcastable to ``(B, H, T, T)`` (usually
            ``(B, 1, 1, T)`` from exercise 6): 0 for keys to keep, a huge negative number for padding.
        head_mask: ``None`` or float32 broadcastable to ``(B, H, T, T)`` (usually ``(1, H, 1, 1)``): multiplies
            the probabilities AFTER the softmax; 0 silences a head, 1 keeps it.

    Returns:
        ``(context, probs)``: context float32 ``(B, H, T, d)``, probs float32 ``(B, H, T, T)`` (after the
        head mask).

    Hints:
        * d is the per-head size, ``q.shape[-1]``; the scaling is by its square root.
        * The mask is added before the softmax (not multiplied, not after).
        * Do not call ``torch.nn.functional.scaled_dot_product_attention``: it does not return the probabilities.
    """
    raise NotImplementedError("exercise attention: not implemented yet — replace this line with your code")
