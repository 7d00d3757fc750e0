r"""Relative position scores: attention learns from *how far apart* two tokens are, not where each one stands.

With ``config.position_embedding_type`` ``"relative_key"`` or ``"relative_key_query"`` (Shaw et al., 2018,
"Self-Attention with Relative Position Representations"; Huang et al., 2020, "Improve Transformer Models with
Better Relative Position Embeddings", methods 3 and 4), the embeddings add no position vector
(minibert/bert/embeddings.py) and attention adds a bias to its raw scores instead, before the scaling:

$$s_{ij} = q_i \cdot k_j + q_i \cdot r_{i-j} \;\left(+\; k_j \cdot r_{i-j}\right) \qquad \text{then } s / \sqrt{d}$$

with $r_{i-j}$ one learned d-vector per distance i - j in [-(P-1), P-1] (P = max_position_embeddings),
looked up at index i - j + P - 1. Only the scores change; softmax, dropout and the values are as without it.
Cross-attention has no relative positions: a decoder token and an encoder token are not in one sequence.
"""

from __future__ import annotations

import torch
from torch import nn


class RelativePositionScores(nn.Embedding):
    """The distance table (2P - 1, d) and the score bias it gives: (q, k) each (B, H, ·, d) → (B, H, T, T_k).

    An ``nn.Embedding`` itself, held by `BertSelfAttention` as ``distance_embedding``, so that the checkpoint
    key stays the reference's ``...attention.self.distance_embedding.weight``; calling it with (q, k) returns
    the bias attention adds to its scores.
    """

    def __init__(self, max_position_embeddings: int, head_size: int, with_keys: bool):
        super().__init__(2 * max_position_embeddings - 1, head_size)
        self.max_position_embeddings = max_position_embeddings  # P
        self.with_keys = with_keys  # relative_key_query: the keys look back at the distance too

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        T, T_k, P = q.shape[2], k.shape[2], self.max_position_embeddings
        if T_k > P:
            # The table holds distances -(P-1) .. P-1 only; a longer sequence would index past it.
            raise ValueError(f"sequence length {T_k} is longer than max_position_embeddings={P}: relative position "
                             f"embeddings cover distances up to {P - 1} only; truncate the input to {P} tokens")
        # With a cache the T queries are the *last* T of the T_k positions: query i stands at T_k - T + i.
        pos_q = torch.arange(T_k - T, T_k, device=q.device)
        pos_k = torch.arange(T_k, device=q.device)
        distance = pos_q[:, None] - pos_k[None, :]  # (T, T_k): i - j
        r = super().forward(distance + P - 1).to(q.dtype)  # (T, T_k, d)
        scores = torch.einsum("bhid,ijd->bhij", q, r)  # relative_key: the query looks at "how far away": q_i · r_ij
        if self.with_keys:
            scores = scores + torch.einsum("bhjd,ijd->bhij", k, r)  # ... and the key looks back: k_j · r_ij
        return scores
