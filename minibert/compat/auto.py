"""The Auto classes: from a checkpoint to the minibert class that loads it, as ``transformers.AutoModel...`` does.

The reference reads ``config.json``'s ``model_type`` and looks it up in tables covering hundreds of model types.
minibert implements one, BERT, so the table is this file's dictionary: which BERT class each Auto class builds::

    AutoModelForSequenceClassification.from_pretrained(path)
      1. read path/config.json                  -> {"model_type": "bert", ...}
      2. is it BERT? model_type "bert", or no model_type and every "architectures" entry a Bert* class
      3. AUTO_MODELS["AutoModelForSequenceClassification"] -> BertForSequenceClassification.from_pretrained(path)

Any other model type is refused with its name, before any weight is read: silently building a BERT around,
say, RoBERTa weights would load most tensors (same names) and compute different numbers.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

from minibert.bert import config as core_config
from minibert.compat.config import BertConfig

# Auto class -> the minibert class it builds, and the module that defines it (imported when first asked for).
AUTO_MODELS = {
    "AutoModel": "BertModel",
    "AutoModelForCausalLM": "BertLMHeadModel",  # the decoder: config.is_decoder=True for a causal mask
    "AutoModelForPreTraining": "BertForPreTraining",
    "AutoModelForMaskedLM": "BertForMaskedLM",
    "AutoModelForNextSentencePrediction": "BertForNextSentencePrediction",
    "AutoModelForSequenceClassification": "BertForSequenceClassification",
    "AutoModelForMultipleChoice": "BertForMultipleChoice",
    "AutoModelForTokenClassification": "BertForTokenClassification",
    "AutoModelForQuestionAnswering": "BertForQuestionAnswering",
}
MODEL_MODULES = {
    "BertModel": "minibert.compat.model",
    "BertLMHeadModel": "minibert.heads.causal_lm",
    "BertForPreTraining": "minibert.heads.pretraining",
    "BertForMaskedLM": "minibert.heads.masked_lm",
    "BertForNextSentencePrediction": "minibert.heads.next_sentence",
    "BertForSequenceClassification": "minibert.heads.sequence_classification",
    "BertForMultipleChoice": "minibert.heads.multiple_choice",
    "BertForTokenClassification": "minibert.heads.token_classification",
    "BertForQuestionAnswering": "minibert.heads.question_answering",
}
# Tokenizer classes a BERT checkpoint's tokenizer_config.json may name; minibert's BertTokenizer reads them all
# (the Rust BertTokenizerFast gives the same tokens).
BERT_TOKENIZERS = ("BertTokenizer", "BertTokenizerFast")
_LOCATING = ("revision", "cache_dir", "local_files_only", "subfolder")  # keywords that find files


def check_bert(config_dict: dict, where: str) -> None:
    """Raise ``ValueError`` unless ``config_dict`` (a config.json's contents) describes a BERT model."""
    model_type = config_dict.get("model_type")
    architectures = config_dict.get("architectures") or []
    if model_type == "bert":
        return
    if model_type is None and architectures and all(str(a).startswith("Bert") for a in architectures):
        return  # old files without model_type, recognised by their class names
    named = f"model type {model_type!r}" if model_type is not None else f"architectures {architectures}"
    raise ValueError(f"{where} is a {named} checkpoint, but minibert implements BERT only (model_type 'bert' or "
                     "Bert* architectures); load it with transformers instead")


def _check_checkpoint(name_or_path, kwargs: dict) -> None:
    """Read the checkpoint's config.json (located with the keywords in ``kwargs`` that find files) and check it."""
    where = {k: kwargs[k] for k in _LOCATING if k in kwargs}
    config_dict, _ = BertConfig.get_config_dict(name_or_path, **where)
    check_bert(config_dict, str(name_or_path))


def _as_bert_config(config, auto_name: str) -> BertConfig:
    if isinstance(config, core_config.BertConfig):  # the public class or the core's (a model adopts either)
        return config
    if isinstance(config, dict):
        check_bert(config, "the config passed")
        return BertConfig.from_dict(config)
    model_type = getattr(config, "model_type", type(config).__name__)
    raise ValueError(f"{auto_name} got a config of model type {model_type!r}, but minibert implements BERT only: "
                     "pass a minibert.BertConfig")


class AutoConfig:
    """``AutoConfig.from_pretrained(path)`` -> `BertConfig`, for BERT checkpoints only."""

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, **kwargs) -> BertConfig:
        config_dict, overrides = BertConfig.get_config_dict(name_or_path, **kwargs)
        check_bert(config_dict, str(name_or_path))
        return BertConfig.from_dict(config_dict, **overrides)

    @staticmethod
    def for_model(model_type: str, **kwargs) -> BertConfig:
        check_bert({"model_type": model_type}, f"AutoConfig.for_model({model_type!r})")
        return BertConfig(**kwargs)


class AutoTokenizer:
    """``AutoTokenizer.from_pretrained(path)`` -> minibert's `BertTokenizer`, for BERT checkpoints only.

    The reference returns its Rust ``BertTokenizerFast`` by default; minibert returns its ``BertTokenizer``, which
    gives the slow reference's tokens on any text (tests/tokenization/test_tokenizer_parity.py), and ignores
    ``use_fast``. Code that needs the fast tokenizer's outputs (``word_ids()``, overflow windows) asks for
    ``minibert.BertTokenizerFast.from_pretrained(path)``, which refuses the texts the two read differently.
    """

    @staticmethod
    def from_pretrained(name_or_path: str | os.PathLike, *inputs, use_fast: bool = True, **kwargs):
        from minibert.loading.resolve import resolve_file
        from minibert.tokenization import BertTokenizer

        where = {k: kwargs[k] for k in _LOCATING if k in kwargs}
        if not Path(name_or_path).is_file():  # a folder or repo id: check what it says it is
            found = resolve_file(name_or_path, "tokenizer_config.json", required=False, **where)
            tokenizer_class = json.loads(found.read_text(encoding="utf-8")).get("tokenizer_class") if found else None
            if tokenizer_class is not None and tokenizer_class not in BERT_TOKENIZERS:
                raise ValueError(f"{name_or_path} has a {tokenizer_class}, but minibert implements BERT only "
                                 f"(tokenizer classes {', '.join(BERT_TOKENIZERS)}); load it with transformers")
            found = resolve_file(name_or_path, "config.json", required=False, **where)
            if found is not None and tokenizer_class is None:
                check_bert(json.loads(found.read_text(encoding="utf-8")), str(name_or_path))
        return BertTokenizer.from_pretrained(name_or_path, *inputs, **kwargs)


class _AutoModel:
    """Shared by the ``AutoModelFor...`` classes; ``_name`` is the Auto class's name, a key of ``AUTO_MODELS``."""

    _name = "AutoModel"

    @classmethod
    def model_class(cls):
        name = AUTO_MODELS[cls._name]
        return getattr(importlib.import_module(MODEL_MODULES[name]), name)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *model_args, **kwargs):
        """Check the checkpoint is BERT, then ``Bert....from_pretrained`` with the same arguments."""
        config = kwargs.get("config")
        if config is not None:
            kwargs["config"] = _as_bert_config(config, cls._name)
        elif pretrained_model_name_or_path is not None:
            _check_checkpoint(pretrained_model_name_or_path, kwargs)
        return cls.model_class().from_pretrained(pretrained_model_name_or_path, *model_args, **kwargs)

    @classmethod
    def from_config(cls, config, **kwargs):
        """A new, randomly initialised model for ``config``."""
        return cls.model_class()(_as_bert_config(config, cls._name), **kwargs)


def _auto_class(name: str) -> type:
    doc = f"``{name}.from_pretrained(path)`` / ``from_config(config)`` -> `{AUTO_MODELS[name]}`, for BERT only."
    return type(name, (_AutoModel,), {"_name": name, "__doc__": doc, "__module__": __name__})


AutoModel = _auto_class("AutoModel")
AutoModelForCausalLM = _auto_class("AutoModelForCausalLM")
AutoModelForPreTraining = _auto_class("AutoModelForPreTraining")
AutoModelForMaskedLM = _auto_class("AutoModelForMaskedLM")
AutoModelForNextSentencePrediction = _auto_class("AutoModelForNextSentencePrediction")
AutoModelForSequenceClassification = _auto_class("AutoModelForSequenceClassification")
AutoModelForMultipleChoice = _auto_class("AutoModelForMultipleChoice")
AutoModelForTokenClassification = _auto_class("AutoModelForTokenClassification")
AutoModelForQuestionAnswering = _auto_class("AutoModelForQuestionAnswering")
