"""One forward pass, three views of its attention: raw weights, norm-weighted, rollout.

    views = attention_views(model, **tokenizer(["The cat sat."], return_tensors="pt"))
    views.raw[l]      (B, H, T, T)  α: the softmax probabilities of layer l
    views.norm[l]     (B, H, T, T)  ‖α f(x_j)‖ per head (minibert/analysis/norms.py)
    views.norm_sum[l] (B, T, T)     ‖Σ_h α^h f^h(x_j)‖: what token j adds to token i through the whole layer
    views.rollout[l]  (B, T, T)     the flow from the input tokens to layer l's output (rollout.py)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from minibert.analysis.norms import norm_weighted_attention, transformed_values
from minibert.analysis.rollout import attention_rollout


@dataclass
class AttentionViews:
    """Per-layer lists of fp32 CPU tensors; ``attention_mask`` (B, T), 1 = real token."""

    raw: list[torch.Tensor]
    norm: list[torch.Tensor]
    norm_sum: list[torch.Tensor]
    rollout: list[torch.Tensor]
    attention_mask: torch.Tensor


def row_shares(x: torch.Tensor) -> torch.Tensor:
    """Divide each row (last dim) by its sum, so norms read as shares like attention weights (0-rows stay 0)."""
    total = x.sum(dim=-1, keepdim=True)
    return torch.where(total > 0, x / total.clamp_min(torch.finfo(x.dtype).tiny), torch.zeros_like(x))


@torch.no_grad()
def attention_views(model, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                    token_type_ids: torch.Tensor | None = None, residual: float = 0.5, **_ignored) -> AttentionViews:
    """Run ``model`` (a `BertModel`, or a task model whose encoder is ``.bert``) once on (B, T) ids.

    Extra keyword arguments (what a tokenizer returns besides the three above) are ignored, so
    ``attention_views(model, **batch)`` works. The model is run in eval mode: dropout would make the maps random.
    """
    bert = getattr(model, "bert", model)
    if not hasattr(bert, "encoder"):
        raise TypeError(f"expected a BertModel or a model with a .bert encoder, got {type(model).__name__}")
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    was_training = bert.training
    bert.eval()
    try:
        out = bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                   output_attentions=True, output_hidden_states=True, return_dict=True)
        raw, norm, norm_sum = [], [], []
        for layer, x, probs in zip(bert.encoder.layer, out.hidden_states, out.attentions):
            f = transformed_values(layer.attention, x)  # (B, H, T, C), from the layer's own input x
            raw.append(probs.float().cpu())
            norm.append(norm_weighted_attention(probs, f).float().cpu())
            # Σ_h α^h_ij f^h(x_j): (B, T_q, T_k, C), then its norm; the vectors of all heads add up first.
            norm_sum.append(torch.einsum("bhij,bhjc->bijc", probs, f).norm(dim=-1).float().cpu())
    finally:
        bert.train(was_training)
    return AttentionViews(raw=raw, norm=norm, norm_sum=norm_sum, rollout=attention_rollout(raw, residual),
                          attention_mask=attention_mask.cpu())
