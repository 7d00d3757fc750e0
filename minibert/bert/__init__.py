"""BERT's core: the model a learner reads, top to bottom, in the order the data flows.

    config.py         every size and switch (BertConfig's fields, defaults and checks)
    embeddings.py     ids (B, T) → word + position + segment vectors (B, T, C)
    masks.py          padding and causal masks, as additive biases on the attention scores
    attention.py      attention() — softmax(QKᵀ/√d + mask)·V, one function — then the multi-head module around it
    activations.py    GELU and friends
    feed_forward.py   the position-wise MLP, C → 4C → C
    layer.py          attention + feed-forward, each with its residual and LayerNorm
    encoder.py        L layers in a stack
    pooler.py         the [CLS] vector through a tanh layer
    model.py          BertModel: embeddings → encoder → pooler
    outputs.py        the output records (by attribute, key or position)

Beside the core path, each feature in the module named after it, reached through one small seam:
relative_positions.py (a score bias), cache.py (the decoder's key/value cache), unpadding.py (compute on real
tokens only), pruning.py (remove heads), checkpointing.py (recompute activations in the backward pass),
validation.py (input checks before any kernel runs), warn_once.py (a warning logged the first time only).

The seams: attention adds ``distance_embedding(q, k)`` to its scores (relative positions), asks the cache for
keys and values (``self_attention_update``, ``cross_attention_keys_values``), and pads/unpads through the
``layout=`` keyword the encoder and each layer pass along beside the mask; the encoder asks checkpointing,
per layer, whether to recompute it.

This package imports torch and itself only (tests/bert/test_core_imports.py): loading files, the Hub,
``from_pretrained`` / ``save_pretrained``, the legacy tuple outputs and the Auto classes are the
`transformers`-compatible surface in minibert/compat/, whose `BertConfig` and `BertModel` subclass the core's
(``from minibert import BertConfig, BertModel`` gives those).
"""
