"""Google's BERT variable names -> the reference's state-dict keys, written once as a table.

The original TensorFlow code (google-research/bert, ``modeling.py``) names its variables by scope:
``bert/encoder/layer_3/attention/self/query/kernel``. The reference (and minibert) name the same weight by
module path: ``bert.encoder.layer.3.attention.self.query.weight``. Three things change on the way:

* ``layer_N`` becomes ``layer.N``, and ``/`` becomes ``.``;
* a dense layer's ``kernel`` is stored (in, out), because TF computes ``x @ W``; ``nn.Linear`` stores
  (out, in) and computes ``x @ W.T``: kernels are *transposed*. ``gamma``/``beta`` (LayerNorm) become
  ``weight``/``bias``; an embedding table is used as is;
* the output layers Google wrote by hand with ``tf.matmul(x, output_weights, transpose_b=True)`` are already
  (out, in) and keep their layout: ``cls/seq_relationship/output_weights``, ``output_weights`` at the top level
  (a ``run_classifier.py`` fine-tune) and ``cls/squad/output_weights`` (a ``run_squad.py`` fine-tune).

Variables that are training state, not model weights (Adam's moment estimates, the step counter), are skipped.
"""

from __future__ import annotations

import re

# Scopes holding a dense layer (kernel + bias); {i} is a layer number.
DENSE = ("bert/encoder/layer_{i}/attention/self/query", "bert/encoder/layer_{i}/attention/self/key",
         "bert/encoder/layer_{i}/attention/self/value", "bert/encoder/layer_{i}/attention/output/dense",
         "bert/encoder/layer_{i}/intermediate/dense", "bert/encoder/layer_{i}/output/dense",
         "bert/pooler/dense", "cls/predictions/transform/dense")
# Scopes holding a LayerNorm (gamma + beta).
LAYER_NORMS = ("bert/embeddings/LayerNorm", "bert/encoder/layer_{i}/attention/output/LayerNorm",
               "bert/encoder/layer_{i}/output/LayerNorm", "cls/predictions/transform/LayerNorm")
EMBEDDINGS = ("bert/embeddings/word_embeddings", "bert/embeddings/position_embeddings",
              "bert/embeddings/token_type_embeddings")
# Hand-written output layers: already (out, in), one name each.
OUTPUT_LAYERS = {
    "cls/predictions/output_bias": "cls.predictions.bias",  # the MLM decoder's bias (its weight: word embeddings)
    "cls/seq_relationship/output_weights": "cls.seq_relationship.weight",  # next-sentence prediction (2, C)
    "cls/seq_relationship/output_bias": "cls.seq_relationship.bias",
    "output_weights": "classifier.weight",  # run_classifier.py: (num_labels, C)
    "output_bias": "classifier.bias",
    "cls/squad/output_weights": "qa_outputs.weight",  # run_squad.py: (2, C), start and end logits
    "cls/squad/output_bias": "qa_outputs.bias",
}
# Training state: Adam's slots (google-research/bert's AdamWeightDecayOptimizer names them NAME/adam_m and
# NAME/adam_v; tf.train.AdamOptimizer NAME/Adam and NAME/Adam_1, plus beta1_power/beta2_power), LAMB's slots
# and the step counter.
SLOT_SUFFIXES = ("/adam_m", "/adam_v", "/Adam", "/Adam_1", "/lamb_m", "/lamb_v")
TRAINING_STATE = ("global_step", "beta1_power", "beta2_power")


def is_training_state(name: str) -> bool:
    return name.endswith(SLOT_SUFFIXES) or name in TRAINING_STATE


def reference_key(name: str) -> tuple[str, bool] | None:
    """(the reference's key, transpose?) for a Google variable name, or None when it is not a BERT weight."""
    if name in OUTPUT_LAYERS:
        return OUTPUT_LAYERS[name], False
    scope, _, leaf = name.rpartition("/")
    generic = re.sub(r"/layer_\d+/", "/layer_{i}/", scope + "/")[:-1]  # the scope with its layer number as {i}
    key = re.sub(r"/layer_(\d+)/", r"/layer/\1/", scope + "/")[:-1].replace("/", ".")
    if generic in DENSE and leaf in ("kernel", "bias"):
        return f"{key}.{'weight' if leaf == 'kernel' else 'bias'}", leaf == "kernel"
    if generic in LAYER_NORMS and leaf in ("gamma", "beta"):
        return f"{key}.{'weight' if leaf == 'gamma' else 'bias'}", False
    if name in EMBEDDINGS:
        return name.replace("/", ".") + ".weight", False
    return None


def mapping_table() -> list[tuple[str, str, str]]:
    """(Google's name, the reference's key, layout) for every rule, layer 0 standing for every layer."""
    rows = []
    for scope in EMBEDDINGS:
        rows.append((scope, reference_key(scope)[0], "as is"))
    for scope, leaves in [(s, ("gamma", "beta")) for s in LAYER_NORMS[:1]] + \
            [(s, ("kernel", "bias")) for s in DENSE[:6]] + [(s, ("gamma", "beta")) for s in LAYER_NORMS[1:3]] + \
            [(DENSE[6], ("kernel", "bias")), (DENSE[7], ("kernel", "bias")), (LAYER_NORMS[3], ("gamma", "beta"))]:
        for leaf in leaves:
            name = f"{scope.replace('{i}', '0')}/{leaf}"
            key, transpose = reference_key(name)
            rows.append((name, key, "transposed" if transpose else "as is"))
    rows += [(name, key, "as is") for name, key in OUTPUT_LAYERS.items()]
    return rows
