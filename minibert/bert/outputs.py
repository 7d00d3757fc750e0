"""Model outputs you can read by attribute, by key or by position, like the reference's.

    out.last_hidden_state  ==  out["last_hidden_state"]  ==  out[0]

Fields that are ``None`` (attentions you did not ask for, a loss without labels) are skipped by keys and
positions, exactly as in ``transformers``: with labels, ``out[0]`` is the loss; without, the logits.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import torch


@dataclass
class ModelOutput:
    """Base class: a dataclass whose non-``None`` fields also behave like an ordered dict and a tuple."""

    def keys(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def values(self) -> list[Any]:
        return [getattr(self, k) for k in self.keys()]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, getattr(self, k)) for k in self.keys()]

    def to_tuple(self) -> tuple:
        return tuple(self.values())

    def get(self, key: str, default: Any = None) -> Any:
        value = getattr(self, key, None)
        return default if value is None else value

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self.keys():
                raise KeyError(f"{type(self).__name__} has no (non-None) field {key!r}; it has {self.keys()}")
            return getattr(self, key)
        return self.to_tuple()[key]  # int or slice

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __iter__(self):
        return iter(self.keys())  # iterating a dict gives its keys; the reference's outputs do the same

    def __len__(self) -> int:
        return len(self.keys())


@dataclass
class BaseModelOutput(ModelOutput):
    """Encoder output. last_hidden_state (B, T, C); hidden_states L+1 × (B, T, C); attentions L × (B, H, T, T)."""

    last_hidden_state: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class BaseModelOutputWithPastAndCrossAttentions(ModelOutput):
    """`BertEncoder` output: `BaseModelOutput`'s fields, plus a decoder's cache (minibert/bert/cache.py) and its
    cross-attention probabilities L × (B, H, T, S). Both are None in an encoder, so its keys do not change."""

    last_hidden_state: torch.Tensor | None = None
    past_key_values: Any = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    cross_attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class BaseModelOutputWithPooling(ModelOutput):
    """`BertModel` output: the encoder's, plus pooler_output (B, C) (None with ``add_pooling_layer=False``).

    A decoder also fills ``past_key_values`` (its cache) and, with cross-attention, ``cross_attentions``.
    """

    last_hidden_state: torch.Tensor | None = None
    pooler_output: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    past_key_values: Any = None
    attentions: tuple[torch.Tensor, ...] | None = None
    cross_attentions: tuple[torch.Tensor, ...] | None = None


# The reference's name for the same thing.
BaseModelOutputWithPoolingAndCrossAttentions = BaseModelOutputWithPooling


@dataclass
class BertForPreTrainingOutput(ModelOutput):
    """loss (scalar, MLM + NSP); prediction_logits (B, T, V); seq_relationship_logits (B, 2)."""

    loss: torch.Tensor | None = None
    prediction_logits: torch.Tensor | None = None
    seq_relationship_logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class MaskedLMOutput(ModelOutput):
    """loss (scalar); logits (B, T, V)."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class NextSentencePredictorOutput(ModelOutput):
    """loss (scalar); logits (B, 2), class 0 = "B follows A"."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class SequenceClassifierOutput(ModelOutput):
    """loss (scalar); logits (B, num_labels)."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class MultipleChoiceModelOutput(ModelOutput):
    """loss (scalar); logits (B, num_choices)."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class TokenClassifierOutput(ModelOutput):
    """loss (scalar); logits (B, T, num_labels)."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class QuestionAnsweringModelOutput(ModelOutput):
    """loss (scalar); start_logits and end_logits (B, T)."""

    loss: torch.Tensor | None = None
    start_logits: torch.Tensor | None = None
    end_logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class CausalLMOutputWithCrossAttentions(ModelOutput):
    """`BertLMHeadModel` output. loss (scalar, next-token); logits (B, T, V); past_key_values (the cache);
    hidden_states, attentions, cross_attentions as in `BaseModelOutputWithPooling`."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    past_key_values: Any = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    cross_attentions: tuple[torch.Tensor, ...] | None = None
