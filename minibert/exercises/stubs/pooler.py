"""Exercise 11: BERT's pooler, one vector per sequence for sentence-level tasks.

Lesson: minibert/bert/pooler.py. Grade: ``python -m minibert.exercises grade pooler``.
"""

from __future__ import annotations

import torch


def pooler(hidden_states: torch.Tensor, dense_weight: torch.Tensor, dense_bias: torch.Tensor) -> torch.Tensor:
    """pooled = tanh(h_CLS Wᵀ + b), where h_CLS is the hidden state at the FIRST position of each sequence.

    Args:
        hidden_states: float32 ``(B, T, C)``, the encoder's last layer.
        dense_weight: float32 ``(C, C)`` (``nn.Linear`` layout: out x in); dense_bias: float32 ``(C,)``.

    Returns:
        float32 ``(B, C)``.

    Hint: not the mean over positions (that is what sentence-embedding models do instead).
    """
    raise NotImplementedError("exercise pooler: not implemented yet — replace this line with your code")
