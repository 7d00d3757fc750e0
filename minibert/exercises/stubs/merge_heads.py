"""Exercise 8: put the heads' outputs side by side again.

Lesson: minibert/bert/attention.py (``BertSelfAttention.merge_heads``).
Grade: ``python -m minibert.exercises grade merge_heads``.
"""

from __future__ import annotations

import torch


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """``(B, H, T, d)`` -> ``(B, T, H·d)``, the inverse of ``split_heads``: ``out[b, t, h·d + i] == x[b, h, t, i]``.

    Args:
        x: ``(B, H, T, d)`` tensor, any dtype.

    Returns:
        ``(B, T, H·d)``, same dtype.

    Hints: after swapping H and T back the tensor is not contiguous, so ``view`` fails where ``reshape``
    (or ``.contiguous().view``) works.
    """
    raise NotImplementedError("exercise merge_heads: not implemented yet — replace this line with your code")
