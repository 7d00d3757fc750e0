"""`BertModel`: embeddings → encoder → pooler, with the reference's forward arguments and outputs.

    input_ids (B, T) ──BertEmbeddings──► (B, T, C) ──BertEncoder (L × BertLayer)──► (B, T, C) ──BertPooler──► (B, C)

Inputs are checked before any kernel runs: an id outside the vocabulary would otherwise be an opaque
index error on CPU and a device-side assert that kills the process on CUDA.
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.config import BertConfig
from minibert.embeddings import BertEmbeddings
from minibert.encoder import BertEncoder
from minibert.masks import expand_head_mask, extended_attention_mask
from minibert.outputs import BaseModelOutputWithPooling
from minibert.pooler import BertPooler
from minibert.pretrained import BertPreTrainedModel
from minibert.unpadding import unpadded_batch
from minibert.validation import check_model_inputs


class BertModel(BertPreTrainedModel):
    """The bare BERT encoder. Output: ``last_hidden_state`` (B, T, C), ``pooler_output`` (B, C), and on request
    ``hidden_states`` (L+1 tensors (B, T, C): embeddings, then each layer) and ``attentions`` (L × (B, H, T, T)).

    With ``config.unpad_inputs`` and padding in the (B, T) mask, only real tokens are computed: the padded
    positions of ``last_hidden_state`` and ``hidden_states`` are zero (the reference's numbers there mean
    nothing), and a padded *query*'s attention row differs; every value at a real position is the padded path's.
    """

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    def _prune_heads(self, heads_to_prune: dict[int, list[int]]) -> None:
        for layer, heads in heads_to_prune.items():
            self.encoder.layer[layer].attention.prune_heads(heads)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (B, T) int64
        attention_mask: torch.Tensor | None = None,  # (B, T) or (B, T, T): 1 = real token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T) int64 segment ids
        position_ids: torch.Tensor | None = None,  # (B, T) int64, default 0..T-1
        head_mask: torch.Tensor | None = None,  # (H,) or (L, H): 1 = keep head, 0 = silence it
        inputs_embeds: torch.Tensor | None = None,  # (B, T, C) instead of input_ids
        *,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ):
        config = self.config
        output_attentions = config.output_attentions if output_attentions is None else output_attentions
        output_hidden_states = config.output_hidden_states if output_hidden_states is None else output_hidden_states
        return_dict = config.use_return_dict if return_dict is None else return_dict
        B, T = check_model_inputs(config, input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds)
        if input_ids is not None:
            self.warn_if_padding_and_no_attention_mask(input_ids, attention_mask)  # once per model

        dtype = self.embeddings.word_embeddings.weight.dtype
        # config.unpad_inputs: run on the N real tokens only, as (1, N) rows (minibert/unpadding.py).
        unpadded = unpadded_batch(config, attention_mask)
        if unpadded is not None:
            input_ids, token_type_ids, position_ids, inputs_embeds = unpadded.gather_inputs(
                input_ids, token_type_ids, position_ids, inputs_embeds)
        embedding_output = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)  # (B, T, C)

        mask = None
        if attention_mask is not None and not (attention_mask.dim() == 2 and bool(attention_mask.all())):
            # All-ones masks are dropped: no padding means nothing to add, and SDPA may then pick a faster kernel.
            mask = extended_attention_mask(attention_mask, dtype)  # (B, 1, 1, T) additive
        if unpadded is not None:
            mask = unpadded.with_mask(mask)  # every layer gets the rows' places along with the mask
        encoder_outputs = self.encoder(
            embedding_output,
            attention_mask=mask,
            head_mask=expand_head_mask(head_mask, config.num_hidden_layers, dtype),
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )
        if unpadded is not None:
            encoder_outputs = unpadded.scatter_outputs(encoder_outputs)  # back to (B, T, C), zeros at padding
        sequence_output = encoder_outputs.last_hidden_state
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        out = BaseModelOutputWithPooling(
            last_hidden_state=sequence_output,
            pooler_output=pooled_output,
            hidden_states=encoder_outputs.hidden_states,
            attentions=encoder_outputs.attentions,
        )
        if return_dict:
            return out
        # The reference's tuple keeps the pooler's slot even without a pooler (None there), so that index 1 is
        # always pooler_output and the optional hidden states / attentions follow from index 2.
        return (sequence_output, pooled_output) + tuple(
            x for x in (encoder_outputs.hidden_states, encoder_outputs.attentions) if x is not None)
