"""Exercise 16, reference solution: one AdamW update (Loshchilov & Hutter, 2019), as torch.optim.AdamW."""

from __future__ import annotations

import torch


def adamw_step(param: torch.Tensor, grad: torch.Tensor, exp_avg: torch.Tensor, exp_avg_sq: torch.Tensor,
               step: int, lr: float, betas: tuple[float, float], eps: float,
               weight_decay: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Decay the weight (decoupled), update both moments, correct their bias, then take the Adam step."""
    beta1, beta2 = betas
    decayed = param * (1 - lr * weight_decay)  # decoupled: on the weight, not through the gradient
    new_m = beta1 * exp_avg + (1 - beta1) * grad
    new_v = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = new_m / (1 - beta1 ** step)  # bias corrections: the moments start at 0
    v_hat = new_v / (1 - beta2 ** step)
    new_param = decayed - lr * m_hat / (v_hat.sqrt() + eps)  # eps outside the root
    return new_param, new_m, new_v
