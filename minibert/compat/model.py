"""The public `BertModel`: BERT's core model (minibert/bert/model.py) with the `transformers`-compatible surface.

``class BertModel(BertPreTrainedModel, core BertModel)``: the core builds the modules and computes the forward
pass; `BertPreTrainedModel` (pretrained_model.py) adds ``from_pretrained`` / ``save_pretrained``, the
``post_init`` that also applies a config's pruned heads and ties weights, vocabulary resizing and gradient
checkpointing. This class adds what only the public forward does: the reference's one-time warning for padded
``input_ids`` without an ``attention_mask``, and its legacy tuple output (``return_dict=False``). The class is
named ``BertModel`` as the reference's is: checkpoints record it in ``config.architectures``.
"""

from __future__ import annotations

import torch

from minibert.bert import model as core
from minibert.bert.outputs import BaseModelOutputWithPooling
from minibert.compat.config import BertConfig
from minibert.compat.pretrained_model import BertPreTrainedModel


class BertModel(BertPreTrainedModel, core.BertModel):
    """The bare BERT encoder: ``last_hidden_state`` (B, T, C), ``pooler_output`` (B, C), and on request every
    layer's hidden states and attentions; a decoder's cache and cross-attentions (minibert/bert/model.py)."""

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        # The core's __init__ builds the modules and calls post_init(), which is BertPreTrainedModel's here.
        core.BertModel.__init__(self, self._checked_config(config), add_pooling_layer)

    # The core's own, not BertPreTrainedModel's hand-over to ``self.bert``: a bare model is its own base model.
    get_input_embeddings = core.BertModel.get_input_embeddings
    set_input_embeddings = core.BertModel.set_input_embeddings

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T) or (B, T, T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T) int64 segment ids
        position_ids: torch.Tensor | None = None,  # (B, T) int64, default 0..T-1
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H): 1 = keep head, 0 = silence it
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C) instead of input_ids
        encoder_hidden_states: torch.Tensor | None = None,  # (B, S, C): the encoder output cross-attention reads
        encoder_attention_mask: torch.Tensor | None = None,  # (B, S) or (B, T, S): 1 = real encoder token
        past_key_values=None,  # a cache from an earlier call (or the legacy tuple of per-layer tuples)
        use_cache: bool | None = None,  # decoder only; default config.use_cache
        *,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ):
        """The core's forward (minibert/bert/model.py); ``return_dict=False`` gives the reference's tuple."""
        out = super().forward(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
                              encoder_hidden_states, encoder_attention_mask, past_key_values, use_cache,
                              output_attentions=output_attentions, output_hidden_states=output_hidden_states)
        if input_ids is not None:
            self.warn_if_padding_and_no_attention_mask(input_ids, attention_mask)  # once per model
        return_dict = self.config.use_return_dict if return_dict is None else return_dict
        return out if return_dict else legacy_tuple(out)


def legacy_tuple(out: BaseModelOutputWithPooling) -> tuple:
    """The reference's tuple: it keeps the pooler's slot even without a pooler (None there), so that index 1 is
    always pooler_output; the optional fields follow from index 2, the cache first (not as in the record)."""
    return (out.last_hidden_state, out.pooler_output) + tuple(
        x for x in (out.past_key_values, out.hidden_states, out.attentions, out.cross_attentions) if x is not None)
