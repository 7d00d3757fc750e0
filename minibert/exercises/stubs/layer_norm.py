"""Exercise 4: Layer Normalization (Ba, Kiros & Hinton, 2016), the normaliser after every BERT sublayer.

Lesson: minibert/bert/embeddings.py uses torch's nn.LayerNorm; here you write it. Grade:
``python -m minibert.exercises grade layer_norm``.
"""

from __future__ import annotations

import torch


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    """Normalise over the last dimension, then scale and shift.

        y = (x - mean) / sqrt(var + eps) * weight + bias

    with ``mean`` and ``var`` taken over the last dimension (size C) of each vector separately.

    Args:
        x: float32 ``(..., C)``.
        weight, bias: float32 ``(C,)``, the learned gain (gamma) and shift (beta).
        eps: a small float added to the variance, e.g. 1e-12 in BERT.

    Returns:
        float32 tensor of ``x``'s shape.

    Hints:
        * ``var`` is the *biased* variance: divide by C, not C - 1 (``torch.var`` defaults to C - 1).
        * ``eps`` goes inside the square root.
        * Do not call ``torch.nn.functional.layer_norm``: that is what the grader compares with.
    """
    raise NotImplementedError("exercise layer_norm: not implemented yet — replace this line with your code")
