"""`BertConfig`: every size and switch of a BERT model, with their defaults.

The field names and defaults are the reference's (Hugging Face ``transformers`` ``BertConfig``), so a
``config.json`` written by either library is read by the other. Values are checked when the config is made,
by minibert/bert/config_checks.py (which says what each may be).

This is the core's config: fields, defaults, and conversion to and from a dict or a JSON string. Reading and
writing ``config.json`` (``from_pretrained``, ``save_pretrained``, ...) is the public subclass's, in
minibert/compat/config.py: ``from minibert import BertConfig`` gives that one.
"""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

from minibert.bert.config_checks import as_int, check_num_labels, check_values, int_keyed

# Fields of the reference's BertConfig and their defaults (bert-base-uncased sizes).
BERT_DEFAULTS: dict[str, Any] = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "use_cache": True,
    "classifier_dropout": None,
}
# Fields every reference config has (its PretrainedConfig base) that minibert uses.
COMMON_DEFAULTS: dict[str, Any] = {
    "architectures": None,
    "id2label": None,
    "label2id": None,
    "problem_type": None,
    "pruned_heads": None,
    "chunk_size_feed_forward": 0,
    "output_attentions": False,
    "output_hidden_states": False,
    "return_dict": True,
    "is_decoder": False,
    "add_cross_attention": False,
    "tie_word_embeddings": True,
    "is_encoder_decoder": False,
    # The weights' dtype when saved ("float32", "bfloat16", ...): the reference writes it as "dtype" since 4.56,
    # as "torch_dtype" before; a config with either is read, and "dtype" is written.
    "dtype": None,
}


class BertConfig:
    """Hyper-parameters of a BERT model.

    Every keyword of the reference ``BertConfig`` is accepted with the same default; unknown keys
    (``transformers_version``, ``gradient_checkpointing``, ...) are kept as attributes and written back,
    so reading and re-writing a config loses nothing.

    ``attn_implementation`` is a run-time choice, not part of ``config.json``: ``"sdpa"`` (default, fused
    ``scaled_dot_product_attention``) or ``"eager"`` (the explicit softmax(QKᵀ/√d + mask) of the lesson).

    ``unpad_inputs`` (minibert's own, default ``False``): compute on the real tokens only when the attention
    mask has padding (minibert/bert/unpadding.py). Outputs at real positions stay those of the padded path, and so
    does ``pooler_output`` (position 0 is always computed, left padding included); other padded
    positions of ``last_hidden_state`` and ``hidden_states`` are then zero, so a loss that reads padded
    positions changes: ``BertForQuestionAnswering``'s softmax runs over all T positions (padding included),
    and token-level labels at padding must be -100. Written to ``config.json`` only when on, so default
    configs stay the reference's.
    """

    model_type = "bert"

    def __init__(self, num_labels: int | None = None, attn_implementation: str = "sdpa", **kwargs: Any):
        torch_dtype = kwargs.pop("torch_dtype", None)  # the old name: "dtype" wins when both are given
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = torch_dtype
        for name, default in {**BERT_DEFAULTS, **COMMON_DEFAULTS}.items():
            setattr(self, name, kwargs.pop(name, copy.deepcopy(default)))
        for name in ("model_type", "_commit_hash", "_name_or_path", "name_or_path"):  # facts about the file
            kwargs.pop(name, None)
        if kwargs.get("gradient_checkpointing", False):
            # Old configs (transformers < 4.11) switched checkpointing on here. The model still honours it (its
            # post_init enables checkpointing and drops the key), with the reference's deprecation warning.
            warnings.warn("Passing `gradient_checkpointing` to a config initialization is deprecated: use "
                          "`model.gradient_checkpointing_enable()` instead.", UserWarning, stacklevel=2)
        self.attn_implementation = kwargs.pop("_attn_implementation", None) or attn_implementation
        self.unpad_inputs = kwargs.pop("unpad_inputs", False)
        for name, value in kwargs.items():  # everything else is kept verbatim
            setattr(self, name, value)

        # JSON keys are strings; labels and pruned heads are keyed by integers.
        self.pruned_heads = {k: sorted(set(v)) for k, v in (int_keyed(
            "pruned_heads", self.pruned_heads, 'a layer number to a list of head numbers, e.g. {"0": [1, 2]}',
            lambda v: isinstance(v, (list, tuple)) and all(isinstance(h, int) for h in v)) or {}).items()}
        self.id2label = int_keyed("id2label", self.id2label, 'a class number to its label, e.g. {"0": "negative"}')
        if self.label2id is not None and not isinstance(self.label2id, dict):
            raise ValueError(f"BertConfig.label2id must be a JSON object mapping each label to its class number, "
                             f'e.g. {{"negative": 0}}, got {self.label2id!r:.80} (in config.json)')
        if num_labels is not None:
            check_num_labels(num_labels)
        if self.id2label is None:
            self.id2label = {i: f"LABEL_{i}" for i in range(2 if num_labels is None else num_labels)}
        elif num_labels is not None and num_labels != len(self.id2label):
            self.id2label = {i: f"LABEL_{i}" for i in range(num_labels)}
        self.id2label = {int(k): v for k, v in self.id2label.items()}
        if self.label2id is None or len(self.label2id) != len(self.id2label):
            self.label2id = {v: k for k, v in self.id2label.items()}
        self.label2id = {k: as_int("label2id", v) for k, v in self.label2id.items()}
        self.validate()

    # ----------------------------------------------------------------------------------------------
    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, n: int) -> None:
        check_num_labels(n)
        self.id2label = {i: f"LABEL_{i}" for i in range(n)}
        self.label2id = {v: k for k, v in self.id2label.items()}

    @property
    def use_return_dict(self) -> bool:
        return bool(self.return_dict)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the field, its value and what is expected."""
        check_values(self)

    def check_head_size(self) -> None:
        """Raise ``ValueError`` unless ``hidden_size`` splits evenly into the heads.

        Called when a model is built, not when the config is made: as in the reference, a config may hold any
        sizes (users build one, then edit fields), and only a model needs hidden_size / num_attention_heads.
        """
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"BertConfig.hidden_size ({self.hidden_size}) must be a multiple of num_attention_heads "
                f"({self.num_attention_heads}): each head gets hidden_size / num_attention_heads dimensions"
            )

    @property
    def torch_dtype(self):
        """The old name of ``dtype`` (deprecated in the reference since 4.56)."""
        return self.dtype

    @torch_dtype.setter
    def torch_dtype(self, value) -> None:
        self.dtype = value

    def get_text_config(self, decoder: bool | None = None, encoder: bool | None = None) -> BertConfig:
        """The config of the model's text part: a BERT config is all text, so the config itself."""
        return self

    def estimated_parameters(self) -> int:
        """Rough parameter count, computed before anything is allocated."""
        h, i = self.hidden_size, self.intermediate_size
        embeddings = (self.vocab_size + self.max_position_embeddings + self.type_vocab_size) * h
        layer = 4 * h * h + 2 * h * i + (4 * h * h if self.add_cross_attention else 0)
        return embeddings + self.num_hidden_layers * layer + h * h

    # ----------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field, with ``model_type`` as ``config.json`` has it."""
        out = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "attn_implementation"}
        if not out["unpad_inputs"]:
            del out["unpad_inputs"]  # minibert's own switch: absent from config.json unless it is on
        out["model_type"] = self.model_type
        if self.dtype is not None and not isinstance(self.dtype, str):  # a torch.dtype: JSON holds its name
            out["dtype"] = str(self.dtype).removeprefix("torch.")
        out["id2label"] = {str(k): v for k, v in self.id2label.items()}
        out["pruned_heads"] = {str(k): list(v) for k, v in self.pruned_heads.items()}
        return dict(sorted(out.items()))

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, config_dict: dict[str, Any], **overrides: Any) -> BertConfig:
        if not isinstance(config_dict, dict):
            raise ValueError(f"a config must be a JSON object (dict), got {type(config_dict).__name__}")
        model_type = config_dict.get("model_type", "bert")
        if model_type != "bert":
            raise ValueError(f"config has model_type {model_type!r}; minibert only builds 'bert' models")
        return cls(**{**config_dict, **overrides})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BertConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"BertConfig {self.to_json_string()}"
