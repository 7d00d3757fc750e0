"""Checking a config's sizes against the checkpoint's tensors *before* the model is built.

``from_pretrained`` builds the model from ``config.json`` and only then loads the weights. A config whose sizes
are wrong (``vocab_size: 500000000`` typed by hand, a ``config.json`` from another model) would first allocate
a model of those sizes -- 64 GB for that vocabulary at hidden size 32 -- and fail with an allocator error, or
take minutes, before the shape check could name the field. The tensors are already read (their shapes are in
the file's header), so each size is compared with the tensor that has it, and a mismatch is refused first::

    vocab_size, hidden_size   <->  embeddings.word_embeddings.weight        (vocab_size, hidden_size)
    max_position_embeddings   <->  embeddings.position_embeddings.weight    (max_position_embeddings, hidden_size)
    type_vocab_size           <->  embeddings.token_type_embeddings.weight  (type_vocab_size, hidden_size)
    intermediate_size         <->  encoder.layer.0.intermediate.dense.weight (intermediate_size, hidden_size)
    num_labels                <->  classifier.weight / qa_outputs.weight    (num_labels, hidden_size)

With ``ignore_mismatched_sizes=True`` nothing is refused here: the reference then starts the differing weights
anew at the config's sizes (a new classifier with another ``num_labels``), and so do we.
"""

from __future__ import annotations

import torch

from minibert.loading.keys import ShapeMismatchError

# (config field, the end of the tensor's key, the dimension that holds the size)
SIZES = (
    ("vocab_size", "embeddings.word_embeddings.weight", 0),
    ("hidden_size", "embeddings.word_embeddings.weight", 1),
    ("max_position_embeddings", "embeddings.position_embeddings.weight", 0),
    ("type_vocab_size", "embeddings.token_type_embeddings.weight", 0),
    ("intermediate_size", "encoder.layer.0.intermediate.dense.weight", 0),
)
# The heads whose output layer has config.num_labels rows, and that layer's weight.
LABEL_HEADS = {"BertForSequenceClassification": "classifier.weight",
               "BertForTokenClassification": "classifier.weight",
               "BertForQuestionAnswering": "qa_outputs.weight"}


def _find(state: dict[str, torch.Tensor], suffix: str) -> str | None:
    """The key ending in ``suffix`` (``bert.`` prefix or none; only the model's own tensor, not a head's)."""
    for key in (suffix, "bert." + suffix):
        if key in state:
            return key
    return None


def check_config_fits(config, state: dict[str, torch.Tensor], model_class: str, source: str) -> None:
    """Raise ``ShapeMismatchError`` naming every config size that differs from the weights' own."""
    rules = [*SIZES, *([("num_labels", LABEL_HEADS[model_class], 0)] if model_class in LABEL_HEADS else [])]
    wrong = []
    for field, suffix, dim in rules:
        key = _find(state, suffix)
        if key is None or state[key].dim() <= dim:
            continue
        shape = tuple(state[key].shape)
        have, want = shape[dim], getattr(config, field)
        if have != want:
            would = (*shape[:dim], want, *shape[dim + 1:])
            wrong.append(f"{field} is {have} in the weights ({key} is {shape}) but {want} in the config (which "
                         f"would make it {would})")
    if wrong:
        raise ShapeMismatchError(
            f"the config does not fit the weights in {source}: {'; '.join(wrong)}. Fix config.json to match the "
            "weights (or pass ignore_mismatched_sizes=True to start the differing weights anew, e.g. a classifier "
            "with another num_labels)")
