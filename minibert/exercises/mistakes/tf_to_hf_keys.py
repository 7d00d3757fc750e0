"""Exercise 21, typical mistakes: the transposes, the layer numbers, LayerNorm's names, the training state."""

import re

from minibert.exercises.diagnosis import Mistake

HAND_WRITTEN = {"cls/seq_relationship/output_weights": "cls.seq_relationship.weight",
                "cls/seq_relationship/output_bias": "cls.seq_relationship.bias",
                "cls/predictions/output_bias": "cls.predictions.bias"}


def mapping(names, *, transpose_kernels=True, transpose_output_weights=False, layer_dot=True, rename_ln=True,
            skip_state=True, embedding_weight=True):
    """(keys, transpose) with one rule changed; the defaults are right."""
    keys, flips = [], []
    for name in names:
        if skip_state and (name.endswith(("/adam_m", "/adam_v")) or name == "global_step"):
            keys.append(None)
            flips.append(False)
            continue
        if name in HAND_WRITTEN:
            keys.append(HAND_WRITTEN[name])
            flips.append(transpose_output_weights and name.endswith("output_weights"))
            continue
        key = re.sub(r"/layer_(\d+)/", r"/layer/\1/", name) if layer_dot else name
        key = key.replace("/", ".")
        leaf = key.rpartition(".")[2]
        renames = {"kernel": "weight"} | ({"gamma": "weight", "beta": "bias"} if rename_ln else {})
        if leaf.endswith("_embeddings"):
            key += ".weight" if embedding_weight else ""
        else:
            key = key[: -len(leaf)] + renames.get(leaf, leaf)
        keys.append(key)
        flips.append(transpose_kernels and leaf == "kernel")
    return keys, flips


MISTAKES = [
    Mistake("kernels_not_transposed",
            "Probably the dense kernels are not transposed: TF stores a kernel (in, out) for x @ W, nn.Linear "
            "stores its weight (out, in) for x @ W.T, so every `kernel` is transposed (True).",
            lambda names: mapping(names, transpose_kernels=False)),
    Mistake("output_weights_transposed",
            "Probably the hand-written output layers are transposed too: `output_weights` was used as "
            "tf.matmul(x, W, transpose_b=True), so it is already (out, in): False.",
            lambda names: mapping(names, transpose_output_weights=True)),
    Mistake("layer_number_kept",
            "Probably `layer_N` is kept as it is: the module path is `layer.N` (encoder.layer is a list), "
            "so `layer_3` becomes `layer.3`.",
            lambda names: mapping(names, layer_dot=False)),
    Mistake("gamma_beta_kept",
            "Probably a LayerNorm's `gamma` and `beta` keep their names: nn.LayerNorm calls them `weight` and "
            "`bias`.",
            lambda names: mapping(names, rename_ln=False)),
    Mistake("embedding_without_weight",
            "Probably the embedding tables get no `.weight`: TF names the table itself "
            "(`bert/embeddings/word_embeddings`), nn.Embedding stores it as its `weight`.",
            lambda names: mapping(names, embedding_weight=False)),
    Mistake("training_state_kept",
            "Probably the optimizer's state is mapped like a weight: names ending in `/adam_m` or `/adam_v`, and "
            "`global_step`, are training state, not model weights: None.",
            lambda names: mapping(names, skip_state=False)),
]
