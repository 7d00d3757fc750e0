"""Exercise 22, reference solution: matmul FLOPs of one BERT layer for one sequence."""

from __future__ import annotations


def layer_flops(hidden_size: int, num_attention_heads: int, intermediate_size: int, seq_len: int) -> int:
    """8·T·C² (Q, K, V, output) + 4·T²·C (scores and context, all heads) + 4·T·C·I (feed-forward)."""
    C, H, I, T = hidden_size, num_attention_heads, intermediate_size, seq_len
    d = C // H
    projections = 4 * 2 * T * C * C  # query, key, value and the attention output: (T, C) @ (C, C) each
    attention = H * (2 * T * d * T + 2 * T * T * d)  # per head: Q·Kᵀ (T, d) @ (d, T) and probs·V (T, T) @ (T, d)
    feed_forward = 2 * T * C * I + 2 * T * I * C  # (T, C) @ (C, I), then (T, I) @ (I, C)
    return projections + attention + feed_forward
