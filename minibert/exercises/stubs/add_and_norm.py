"""Exercise 10: the residual sublayer that ends BERT's attention block and its feed-forward block.

Lesson: minibert/bert/attention.py (``BertSelfOutput``) and minibert/bert/feed_forward.py (``BertOutput``).
Grade: ``python -m minibert.exercises grade add_and_norm``.
"""

from __future__ import annotations

import torch


def add_and_norm(hidden_states: torch.Tensor, input_tensor: torch.Tensor, dense_weight: torch.Tensor,
                 dense_bias: torch.Tensor, ln_weight: torch.Tensor, ln_bias: torch.Tensor, eps: float) -> torch.Tensor:
    """LayerNorm(input_tensor + Dense(hidden_states)), Dense(h) = h Wᵀ + b (post-LayerNorm, as in BERT).

    Args:
        hidden_states: float32 ``(B, T, I)``, the sublayer's output (I = C after attention, 4·C after the FFN).
        input_tensor: float32 ``(B, T, C)``, the sublayer's input: the residual.
        dense_weight: float32 ``(C, I)`` (``nn.Linear`` layout: out_features x in_features).
        dense_bias: float32 ``(C,)``.
        ln_weight, ln_bias: float32 ``(C,)``; eps: the LayerNorm's epsilon.

    Returns:
        float32 ``(B, T, C)``. (Dropout, applied to the Dense output in training, is the identity here.)

    Hints: the residual is added BEFORE the LayerNorm; ``torch.nn.functional.layer_norm`` is allowed.
    """
    raise NotImplementedError("exercise add_and_norm: not implemented yet — replace this line with your code")
