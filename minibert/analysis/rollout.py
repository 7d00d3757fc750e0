"""Attention rollout (Abnar & Zuidema, 2020, "Quantifying Attention Flow in Transformers", ACL).

Attention in layer l mixes the tokens that layer l-1 produced, which were already mixes: to ask how much the
output at position i draws on *input* token j, follow the weights through every layer. Each layer's heads are
averaged, and the residual connection, which carries x_i past the attention unchanged, is counted as half the
flow:

    Â_l = ½ (mean_h A^h_l) + ½ I          (rows still sum to 1)
    R_1 = Â_1,   R_l = Â_l R_{l-1}

R_l[i, j] is then the share of input token j in position i after layer l. It is a model of the flow (it
ignores the feed-forward and LayerNorm, and the real mix of residual and attention), not a measurement.
"""

from __future__ import annotations

import torch


def attention_rollout(attentions, residual: float = 0.5) -> list[torch.Tensor]:
    """Per-layer attentions, L × (B, H, T, T) → the rollout after each layer, L × (B, T, T).

    ``residual`` is the weight of the identity (½ in the paper; 0 gives the bare product of attentions).
    """
    if not 0.0 <= residual <= 1.0:
        raise ValueError(f"residual must be a weight in [0, 1], got {residual}")
    rolled, out = None, []
    for probs in attentions:
        B, H, T, _ = probs.shape
        eye = torch.eye(T, dtype=probs.dtype, device=probs.device).expand(B, T, T)
        if H == 0:
            a = eye  # every head of this layer was pruned: only the residual path is left
        else:
            a = (1.0 - residual) * probs.mean(dim=1) + residual * eye  # (B, T, T): the heads averaged
            a = a / a.sum(dim=-1, keepdim=True)  # rows of a softmax sum to 1 already; a head mask may break that
        rolled = a if rolled is None else a @ rolled  # (B, T, T): later layers on the left
        out.append(rolled)
    return out
