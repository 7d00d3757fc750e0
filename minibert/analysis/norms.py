"""Norm-weighted attention (Kobayashi et al., 2020, "Attention is Not Only a Weight: Analyzing Transformers
with Vector Norms", EMNLP).

An attention weight says how much of token j a query i takes, not how much that changes i. Written out, the
attention sublayer's output for token i (before its residual and LayerNorm) is a sum of one vector per head h
and key j:

    y_i = Σ_h Σ_j α^h_ij f^h(x_j) + b_O,        f^h(x) = (x W_V^h + b_V^h) W_O^h

where W_V^h (C, d) is head h's slice of the value projection and W_O^h (d, C) the rows of the output
projection that read head h's part of the context. The size of each term, ‖α^h_ij f^h(x_j)‖ = α^h_ij ‖f^h(x_j)‖,
is what token j contributes to token i through head h. A head can put a large α on a token whose
transformed value f(x_j) is tiny ([SEP] and punctuation, in the paper): a large weight that moves almost
nothing.
"""

from __future__ import annotations

import torch

from minibert.bert.attention import BertAttention


def transformed_values(attention: BertAttention, hidden_states: torch.Tensor) -> torch.Tensor:
    """f^h(x_j) for every head and token: (B, T, C) layer input → (B, H, T, C).

    ``attention`` is the layer's `BertAttention` (value projection in ``.self``, output projection in
    ``.output.dense``); ``hidden_states`` is that layer's input.
    """
    self_attn, dense = attention.self, attention.output.dense
    v = self_attn.split_heads(self_attn.value(hidden_states))  # (B, H, T, d), value bias included
    H, d = self_attn.num_attention_heads, self_attn.attention_head_size
    # nn.Linear computes context @ Wᵀ: its weight is (C, H·d), and columns h·d .. (h+1)·d read head h.
    w_o = dense.weight.view(dense.out_features, H, d)  # (C, H, d)
    return torch.einsum("bhtd,chd->bhtc", v, w_o)  # (B, H, T, C); the output bias b_O belongs to no token


def norm_weighted_attention(probs: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """‖α^h_ij f^h(x_j)‖: probabilities (B, H, T, T) and transformed values (B, H, T, C) → (B, H, T, T).

    Since α ≥ 0, the norm of the scaled vector is α times the norm of the vector: no (B, H, T, T, C) tensor
    is ever built. The result is in the units of the hidden states, not a distribution; divide each row by
    its sum to compare it with the attention weights (``views`` does).
    """
    return probs * values.norm(dim=-1)[:, :, None, :]  # key j's norm broadcast over the queries i
