"""Exercise 6: the additive attention mask that keeps attention away from padding.

Lesson: minibert/bert/masks.py. Grade: ``python -m minibert.exercises grade attention_mask``.
"""

from __future__ import annotations

import torch


def attention_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Turn a 0/1 padding mask into the mask that attention *adds* to its scores before the softmax.

        out[b, 0, 0, j] = 0                        where mask[b, j] is 1 (a real token)
                        = torch.finfo(dtype).min   where mask[b, j] is 0 (padding)

    Args:
        mask: ``(B, T)``, int64 or bool; 1/True = real token, 0/False = padding.
        dtype: the floating dtype of the result (float32, float16, bfloat16).

    Returns:
        ``(B, 1, 1, T)`` tensor of ``dtype``: the two singleton dimensions broadcast over heads and queries
        when added to scores of shape ``(B, H, T, T)``.

    Hints:
        * Use the most negative *finite* number of the dtype, not ``-inf`` (a fully padded row would give
          NaN after the softmax) and not ``-1e4`` (not small enough, and ``-1e4`` differs per dtype).
        * ``x[:, None, None, :]`` inserts the two singleton dimensions.
    """
    raise NotImplementedError("exercise attention_mask: not implemented yet — replace this line with your code")
