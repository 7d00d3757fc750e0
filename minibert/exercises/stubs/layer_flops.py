"""Exercise 22: the matrix-multiplication FLOPs of one BERT layer, counted from its config.

Lesson: minibert/bert/layer.py (the layer whose products you count; minibert/bert/attention.py and
minibert/bert/feed_forward.py hold them) and ``forward_flops`` in benchmarks/bench_model.py, the same count for
a whole model. Grade: ``python -m minibert.exercises grade layer_flops``.
"""

from __future__ import annotations


def layer_flops(hidden_size: int, num_attention_heads: int, intermediate_size: int, seq_len: int) -> int:
    """FLOPs of the matrix multiplications in one ``BertLayer`` forward, for ONE sequence of ``seq_len`` tokens.

    Count 2 FLOPs per multiply-add: an (m, k) @ (k, n) product costs ``2·m·k·n``. With C = hidden_size,
    I = intermediate_size, T = seq_len and H heads of d = C / H features each, the layer multiplies:

    * the query, key and value projections: three (T, C) @ (C, C);
    * per head, the scores Q·Kᵀ: (T, d) @ (d, T), and the context probs·V: (T, T) @ (T, d);
    * the attention output projection: (T, C) @ (C, C);
    * the feed-forward: (T, C) @ (C, I), then (T, I) @ (I, C).

    Leave out biases, the softmax, GELU, LayerNorm and dropout (a few FLOPs per value, not per product).
    The T² terms (scores and context) are what makes long sequences expensive.

    Returns:
        A Python ``int``.
    """
    raise NotImplementedError("exercise layer_flops: not implemented yet — replace this line with your code")
