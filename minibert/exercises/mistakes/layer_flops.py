"""Exercise 22, typical mistakes: the T² terms, the factor 2, one head for all, a forgotten product."""

from minibert.exercises.diagnosis import Mistake


def flops(hidden_size, num_attention_heads, intermediate_size, seq_len, *, per_mac=2, attention=True,
          heads="all", projections=4, ffn_products=2):
    """The count with one rule changed; the defaults are right."""
    C, H, I, T = hidden_size, num_attention_heads, intermediate_size, seq_len
    d = C // H
    n_heads = H if heads == "all" else 1
    total = projections * T * C * C + ffn_products * T * C * I
    if attention:
        total += n_heads * 2 * T * T * d
    return per_mac * total


MISTAKES = [
    Mistake("no_attention_products",
            "Probably the attention products are left out: the scores Q·Kᵀ and the context probs·V cost "
            "2·T²·d each per head, 4·T²·C in all, the term that grows with the square of the length.",
            lambda **i: flops(**i, attention=False)),
    Mistake("multiply_adds",
            "Probably multiply-adds are counted, not FLOPs: each multiply-add is 2 FLOPs, so an (m, k) @ (k, n) "
            "product costs 2·m·k·n.",
            lambda **i: flops(**i, per_mac=1)),
    Mistake("one_head",
            "Probably the scores and the context are counted for one head only: every one of the H heads "
            "computes its own (T, d) @ (d, T) and (T, T) @ (T, d).",
            lambda **i: flops(**i, heads="one")),
    Mistake("output_projection_forgotten",
            "Probably the attention's output projection is forgotten: four (T, C) @ (C, C) products, query, key, "
            "value AND the dense layer after the heads are merged.",
            lambda **i: flops(**i, projections=3)),
    Mistake("feed_forward_once",
            "Probably the feed-forward is counted once: it has two products, (T, C) @ (C, I) up and "
            "(T, I) @ (I, C) back down.",
            lambda **i: flops(**i, ffn_products=1)),
]
