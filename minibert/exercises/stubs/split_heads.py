"""Exercise 7: split the hidden features into attention heads.

Lesson: minibert/bert/attention.py (``BertSelfAttention.split_heads``).
Grade: ``python -m minibert.exercises grade split_heads``.
"""

from __future__ import annotations

import torch


def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """``(B, T, H·d)`` -> ``(B, H, T, d)`` with H = ``num_heads``, d = C / H.

    Head h owns the contiguous features ``[h·d, (h+1)·d)`` of each position:
    ``out[b, h, t, i] == x[b, t, h·d + i]``. (That layout is what makes checkpoints' Q/K/V weights work.)

    Args:
        x: ``(B, T, C)`` tensor, any dtype, with C divisible by ``num_heads``.
        num_heads: H.

    Returns:
        ``(B, H, T, d)``, same dtype, same values (only moved).

    Hints: ``view``/``reshape`` to ``(B, T, H, d)`` then swap two dimensions (``transpose``/``permute``).
    """
    raise NotImplementedError("exercise split_heads: not implemented yet — replace this line with your code")
