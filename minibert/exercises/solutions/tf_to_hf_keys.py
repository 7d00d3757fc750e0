"""Exercise 21, reference solution: Google's variable names -> Hugging Face keys, and which to transpose."""

from __future__ import annotations

import re

HAND_WRITTEN = {"cls/seq_relationship/output_weights": "cls.seq_relationship.weight",
                "cls/seq_relationship/output_bias": "cls.seq_relationship.bias",
                "cls/predictions/output_bias": "cls.predictions.bias"}


def tf_to_hf_keys(names: list[str]) -> tuple[list[str | None], list[bool]]:
    """``(keys, transpose)``: each name's key (``None`` for training state) and whether it is a dense kernel."""
    keys, transpose = [], []
    for name in names:
        if name.endswith(("/adam_m", "/adam_v")) or name == "global_step":  # optimizer state, not a weight
            keys.append(None)
            transpose.append(False)
            continue
        if name in HAND_WRITTEN:  # already (out, in): kept as it is
            keys.append(HAND_WRITTEN[name])
            transpose.append(False)
            continue
        key = re.sub(r"/layer_(\d+)/", r"/layer/\1/", name).replace("/", ".")
        leaf = key.rpartition(".")[2]
        if leaf.endswith("_embeddings"):
            key += ".weight"
        else:
            key = key[: -len(leaf)] + {"kernel": "weight", "gamma": "weight", "beta": "bias"}.get(leaf, leaf)
        keys.append(key)
        transpose.append(leaf == "kernel")  # x @ W (TF) -> x @ W.T (nn.Linear)
    return keys, transpose
