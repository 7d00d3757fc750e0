"""Exercise 10, reference solution: the residual sublayer that ends attention and feed-forward blocks."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def add_and_norm(hidden_states: torch.Tensor, input_tensor: torch.Tensor, dense_weight: torch.Tensor,
                 dense_bias: torch.Tensor, ln_weight: torch.Tensor, ln_bias: torch.Tensor, eps: float) -> torch.Tensor:
    """LayerNorm(input_tensor + hidden_states Wᵀ + b): (B, T, I) and (B, T, C) -> (B, T, C)."""
    projected = hidden_states @ dense_weight.T + dense_bias  # (B, T, C); dropout is the identity at eval
    return F.layer_norm(projected + input_tensor, (input_tensor.shape[-1],), ln_weight, ln_bias, eps)
