"""What a `BertConfig`'s values may be: the names it knows, the limits it enforces, and the checks themselves.

A config is checked when it is made (minibert/bert/config.py calls these): a wrong size fails there, with the
field, its value and what is expected named, rather than as a shape error deep inside the first forward pass.
The limits guard against a corrupted or hostile ``config.json``: they refuse before anything is allocated.
JSON keys are strings, so the fields keyed by numbers (``id2label``, ``pruned_heads``) are converted here too.
"""

from __future__ import annotations

# The activations `BertIntermediate` knows (see minibert/bert/activations.py).
KNOWN_ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "quick_gelu", "relu", "silu",
                     "swish", "tanh", "mish")
POSITION_EMBEDDING_TYPES = ("absolute", "relative_key", "relative_key_query")
ATTENTION_IMPLEMENTATIONS = ("eager", "sdpa")
PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")
# A guard against absurd configs (a corrupted or hostile config.json): refuse before allocating.
MAX_PARAMETERS = 20_000_000_000
# More labels than any classification task has: a bigger num_labels is a corrupted config.json, refused before
# a label table of that size is built (10^9 labels would take many GB before any other check could run).
MAX_LABELS = 10_000_000


def check_values(config) -> None:
    """Raise ``ValueError`` naming the field of ``config`` (a `BertConfig`), its value and what is expected."""
    for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                 "intermediate_size", "max_position_embeddings", "type_vocab_size"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"BertConfig.{name} must be a positive integer, got {value!r}")
    if not (isinstance(config.hidden_act, str) and config.hidden_act in KNOWN_ACTIVATIONS):
        raise ValueError(f"BertConfig.hidden_act {config.hidden_act!r} is not one of {KNOWN_ACTIVATIONS}")
    if config.position_embedding_type not in POSITION_EMBEDDING_TYPES:
        raise ValueError(f"BertConfig.position_embedding_type {config.position_embedding_type!r} is not one "
                         f"of {POSITION_EMBEDDING_TYPES}")
    if not isinstance(config.unpad_inputs, bool):
        raise ValueError(f"BertConfig.unpad_inputs must be true or false, got {config.unpad_inputs!r}")
    if config.attn_implementation not in ATTENTION_IMPLEMENTATIONS:
        raise ValueError(f"attn_implementation {config.attn_implementation!r} is not one of "
                         f"{ATTENTION_IMPLEMENTATIONS}")
    for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
        value = getattr(config, name)
        if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise ValueError(f"BertConfig.{name} must be a probability in [0, 1], got {value!r}")
    if config.classifier_dropout is not None and not 0.0 <= config.classifier_dropout <= 1.0:
        raise ValueError(f"BertConfig.classifier_dropout must be None or in [0, 1], got "
                         f"{config.classifier_dropout!r}")
    if not isinstance(config.layer_norm_eps, (int, float)) or config.layer_norm_eps <= 0:
        raise ValueError(f"BertConfig.layer_norm_eps must be a positive number, got {config.layer_norm_eps!r}")
    if config.problem_type is not None and config.problem_type not in PROBLEM_TYPES:
        raise ValueError(f"BertConfig.problem_type {config.problem_type!r} is not None or one of {PROBLEM_TYPES}")
    if not isinstance(config.chunk_size_feed_forward, int) or config.chunk_size_feed_forward < 0:
        raise ValueError("BertConfig.chunk_size_feed_forward must be an integer >= 0, got "
                         f"{config.chunk_size_feed_forward!r}")
    if config.pad_token_id is not None and not 0 <= config.pad_token_id < config.vocab_size:
        raise ValueError(f"BertConfig.pad_token_id ({config.pad_token_id}) must be in [0, vocab_size="
                         f"{config.vocab_size})")
    for name in ("is_decoder", "add_cross_attention"):
        if not isinstance(getattr(config, name), bool):
            raise ValueError(f"BertConfig.{name} must be true or false, got {getattr(config, name)!r}")
    if config.unpad_inputs and config.is_decoder:
        raise ValueError("BertConfig.unpad_inputs is for encoders: a decoder (is_decoder=True) keeps the padded "
                         "path, which its causal mask, cross-attention and cache work on")
    if config.estimated_parameters() > MAX_PARAMETERS:
        raise ValueError(f"this config describes about {config.estimated_parameters():.3g} parameters, more "
                         f"than the {MAX_PARAMETERS:.0e} minibert accepts: a corrupted config.json?")


def check_num_labels(n) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_LABELS:
        raise ValueError(f"BertConfig.num_labels must be an integer from 0 to {MAX_LABELS:,}, got {n!r} (in "
                         "config.json, or passed to from_pretrained): a larger value is a corrupted config")


def as_int(field: str, value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"BertConfig.{field} has {value!r:.40} where a number is expected (in config.json)") from None


def int_keyed(field: str, value, meaning: str, valid=lambda v: True) -> dict | None:
    """A JSON object keyed by numbers (``{"0": ...}``) -> a dict keyed by ints; a clear error for anything else."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(valid(v) for v in value.values()):
        raise ValueError(f"BertConfig.{field} must be a JSON object mapping {meaning}, got {value!r:.80} "
                         "(in config.json)")
    return {as_int(field, k): v for k, v in value.items()}
