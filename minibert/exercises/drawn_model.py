"""Fresh cases for the exercises on the encoder itself: its tensors, its sizes and its weights' names.

The drawers of gelu, layer_norm, embeddings, attention_mask, split_heads, merge_heads, attention, add_and_norm,
pooler, prune_heads_index, tf_to_hf_keys and layer_flops, each ``(r, g) -> inputs`` (minibert/exercises/drawn.py
says how they are called); and ``randn`` and ``padding``, the random tensors and masks they share.
"""

from __future__ import annotations

import math

import torch


def randn(g, *shape, scale=1.0, shift=0.0):
    """A float32 tensor of ``shape`` from ``g``: N(shift, scale²)."""
    return torch.randn(*shape, generator=g) * scale + shift


def gelu(r, g):
    return {"x": randn(g, *[r.randint(1, 6) for _ in range(r.randint(1, 3))], scale=r.uniform(0.5, 5.0))}


def layer_norm(r, g):
    C = r.randint(2, 24)
    shape = [r.randint(1, 4) for _ in range(r.randint(0, 2))] + [C]
    return {"x": randn(g, *shape, scale=r.uniform(0.5, 3.0), shift=r.uniform(-5, 5)),
            "weight": randn(g, C, scale=0.5, shift=1.0), "bias": randn(g, C, scale=0.3),
            "eps": r.choice([1e-12, 1e-5, 1e-3])}


def embeddings(r, g):
    B, T, V, C = r.randint(1, 3), r.randint(1, 10), r.randint(10, 40), r.randint(4, 20)
    P = T + r.randint(0, 6)
    return {"input_ids": torch.randint(0, V, (B, T), generator=g),
            "token_type_ids": torch.randint(0, 2, (B, T), generator=g), "word_embeddings": randn(g, V, C),
            "position_embeddings": randn(g, P, C), "token_type_embeddings": randn(g, 2, C),
            "ln_weight": randn(g, C, scale=0.5, shift=1.0), "ln_bias": randn(g, C, scale=0.3),
            "eps": r.choice([1e-12, 1e-5])}


def padding(r, B, T, dtype=torch.long):
    """A (B, T) 0/1 padding mask: each row 1 on a first stretch of 1 to T positions, 0 after."""
    mask = torch.zeros(B, T, dtype=dtype)
    for b in range(B):
        mask[b, :r.randint(1, T)] = 1
    return mask


def attention_mask(r, g):
    B, T = r.randint(1, 4), r.randint(2, 8)
    mask = padding(r, B, T, r.choice([torch.long, torch.bool]))
    return {"mask": mask, "dtype": r.choice([torch.float32, torch.float16, torch.bfloat16])}


def split_heads(r, g):
    H = r.randint(1, 5)
    return {"x": randn(g, r.randint(1, 3), r.randint(1, 6), H * r.randint(1, 4)), "num_heads": H}


def merge_heads(r, g):
    return {"x": randn(g, r.randint(1, 3), r.randint(2, 4), r.randint(1, 6), r.randint(1, 5))}


def attention(r, g):
    B, H, T, d = r.randint(1, 3), r.randint(2, 4), r.randint(2, 7), r.randint(2, 8)
    q, k, v = (randn(g, B, H, T, d, scale=1.5) for _ in range(3))
    mask, kind = None, r.choice(["none", "padding", "causal"])
    if kind == "padding":
        mask = (1.0 - padding(r, B, T).float())[:, None, None, :] * torch.finfo(torch.float32).min
    elif kind == "causal":
        mask = ((1.0 - torch.tril(torch.ones(T, T))) * torch.finfo(torch.float32).min).expand(B, 1, T, T).clone()
    head_mask = None if r.random() < 0.3 else \
        torch.tensor([r.choice([0.0, 1.0, 1.0, 0.5]) for _ in range(H)]).reshape(1, H, 1, 1)
    return {"q": q, "k": k, "v": v, "attention_mask": mask, "head_mask": head_mask}


def add_and_norm(r, g):
    B, T, I, C = r.randint(1, 3), r.randint(1, 5), r.randint(4, 48), r.randint(4, 20)
    return {"hidden_states": randn(g, B, T, I), "input_tensor": randn(g, B, T, C, scale=2.0),
            "dense_weight": randn(g, C, I) / math.sqrt(I), "dense_bias": randn(g, C),
            "ln_weight": randn(g, C, scale=0.5, shift=1.0), "ln_bias": randn(g, C, scale=0.3),
            "eps": r.choice([1e-12, 1e-5])}


def pooler(r, g):
    B, T, C = r.randint(1, 4), r.randint(1, 6), r.randint(2, 20)
    return {"hidden_states": randn(g, B, T, C, scale=r.uniform(0.5, 3.0)),
            "dense_weight": randn(g, C, C, scale=0.4), "dense_bias": randn(g, C, scale=0.2)}


def prune_heads_index(r, g):
    total = r.randint(2, 8)
    pruned = sorted(r.sample(range(total), r.randint(0, total - 1)))
    heads = [r.randrange(total) for _ in range(r.randint(1, total))]  # may repeat, may name pruned heads
    return {"heads": heads, "n_heads": total - len(pruned), "head_size": r.randint(1, 4), "already_pruned": pruned}


def tf_to_hf_keys(r, g):
    layer = f"bert/encoder/layer_{r.randint(0, 23)}"
    dense = [f"{layer}/attention/self/query", f"{layer}/attention/self/key", f"{layer}/attention/self/value",
             f"{layer}/attention/output/dense", f"{layer}/intermediate/dense", f"{layer}/output/dense",
             "bert/pooler/dense", "cls/predictions/transform/dense"]
    norms = ["bert/embeddings/LayerNorm", f"{layer}/attention/output/LayerNorm", f"{layer}/output/LayerNorm",
             "cls/predictions/transform/LayerNorm"]
    pool = ([f"{s}/{leaf}" for s in dense for leaf in ("kernel", "bias")]
            + [f"{s}/{leaf}" for s in norms for leaf in ("gamma", "beta")]
            + [f"bert/embeddings/{t}_embeddings" for t in ("word", "position", "token_type")]
            + ["cls/seq_relationship/output_weights", "cls/seq_relationship/output_bias",
               "cls/predictions/output_bias", "global_step"])
    names = r.sample(pool, r.randint(4, 12))
    names += [f"{r.choice(names)}/{slot}" for slot in r.sample(["adam_m", "adam_v"], r.randint(0, 2))]
    return {"names": names}


def layer_flops(r, g):
    H = r.randint(1, 16)
    C = H * r.randint(1, 64)
    return {"hidden_size": C, "num_attention_heads": H, "intermediate_size": r.randint(1, 4) * C,
            "seq_len": r.randint(1, 512)}
