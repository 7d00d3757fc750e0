"""Exercise 11, reference solution: BERT's pooler."""

from __future__ import annotations

import torch


def pooler(hidden_states: torch.Tensor, dense_weight: torch.Tensor, dense_bias: torch.Tensor) -> torch.Tensor:
    """tanh(h[:, 0] Wᵀ + b): (B, T, C) -> (B, C), read from the first ([CLS]) position only."""
    return torch.tanh(hidden_states[:, 0] @ dense_weight.T + dense_bias)
