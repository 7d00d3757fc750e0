"""AdamW with BERT's parameter groups.

Weight decay (Loshchilov & Hutter 2019, "decoupled" from the Adam update) pulls every weight towards zero by
``lr * weight_decay * w`` per step. BERT applies it to the weight matrices only: a bias or a LayerNorm gain
(gamma) / shift (beta) sets a scale or an offset, not a learned feature, and shrinking LayerNorm's gain to
zero would silence its whole layer. So parameters go into two groups: with decay, and without.
"""

from __future__ import annotations

import torch
from torch import nn


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Two optimizer groups: weights with ``weight_decay``; biases and LayerNorm parameters with 0.

    Tied parameters (the MLM decoder shares the word embeddings) appear once: ``named_parameters``
    yields each tensor a single time. Frozen parameters (``requires_grad=False``) are left out.
    """
    no_decay_ids = set()
    for module in model.modules():
        if isinstance(module, nn.LayerNorm):
            no_decay_ids.update(id(p) for p in module.parameters(recurse=False))
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.endswith("bias") or id(param) in no_decay_ids:
            no_decay.append(param)
        else:
            decay.append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def create_optimizer(
    model: nn.Module,
    lr: float = 5e-5,
    weight_decay: float = 0.01,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-6,
) -> torch.optim.AdamW:
    """``torch.optim.AdamW`` over :func:`parameter_groups` (BERT's defaults: beta2 0.999, eps 1e-6, decay 0.01)."""
    if lr <= 0:
        raise ValueError(f"learning rate must be positive, got {lr}")
    return torch.optim.AdamW(parameter_groups(model, weight_decay), lr=lr, betas=betas, eps=eps)
