"""`BertModel`: embeddings → encoder → pooler, with the reference's forward arguments and outputs.

    input_ids (B, T) ──BertEmbeddings──► (B, T, C) ──BertEncoder (L × BertLayer)──► (B, T, C) ──BertPooler──► (B, C)

Inputs are checked before any kernel runs: an id outside the vocabulary would otherwise be an opaque
index error on CPU and a device-side assert that kills the process on CUDA.

With ``config.is_decoder`` the same model is a decoder (see minibert/bert/layer.py): causal self-attention,
cross-attention to ``encoder_hidden_states`` when ``config.add_cross_attention``, and a key/value cache
(``use_cache``, ``past_key_values``; minibert/bert/cache.py) so that decoding one more token costs one token's work.
New tokens continue the cached ones: their default positions start at the cache's length, and the
``attention_mask`` covers the cached tokens and the new ones, (B, T_past + T).
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from minibert.bert.cache import DynamicCache, EncoderDecoderCache, as_cache
from minibert.bert.config import BertConfig
from minibert.bert.embeddings import BertEmbeddings
from minibert.bert.encoder import BertEncoder
from minibert.bert.masks import causal_attention_mask, expand_head_mask, extended_attention_mask
from minibert.bert.outputs import BaseModelOutputWithPooling
from minibert.bert.pooler import BertPooler
from minibert.bert.unpadding import unpadded_batch
from minibert.bert.validation import check_encoder_inputs, check_model_inputs
from minibert.compat.pretrained_model import BertPreTrainedModel

logger = logging.getLogger("minibert")
_warned: set[str] = set()


def warn_once(message: str) -> None:
    """A warning a training loop would otherwise repeat at every step."""
    if message not in _warned:
        _warned.add(message)
        logger.warning(message)


class BertModel(BertPreTrainedModel):
    """The bare BERT encoder. Output: ``last_hidden_state`` (B, T, C), ``pooler_output`` (B, C), and on request
    ``hidden_states`` (L+1 tensors (B, T, C): embeddings, then each layer) and ``attentions`` (L × (B, H, T, T)).
    A decoder adds ``past_key_values`` (its cache, with ``use_cache``) and ``cross_attentions`` (L × (B, H, T, S)).

    With ``config.unpad_inputs`` and padding in the (B, T) mask, only real tokens are computed: the padded
    positions of ``last_hidden_state`` and ``hidden_states`` are zero (the reference's numbers there mean
    nothing), and a padded *query*'s attention row differs; every value at a real position is the padded path's.
    Position 0 is computed in every row, padding or not, since the pooler reads it (left padding), and so is
    every position of a row with no real token: ``pooler_output`` is the padded path's for every row.
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
        encoder_hidden_states: torch.Tensor | None = None,  # (B, S, C): the encoder output cross-attention reads
        encoder_attention_mask: torch.Tensor | None = None,  # (B, S) or (B, T, S): 1 = real encoder token
        past_key_values=None,  # a cache from an earlier call (or the legacy tuple of per-layer tuples)
        use_cache: bool | None = None,  # decoder only; default config.use_cache
        *,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ):
        config = self.config
        output_attentions = config.output_attentions if output_attentions is None else output_attentions
        output_hidden_states = config.output_hidden_states if output_hidden_states is None else output_hidden_states
        return_dict = config.use_return_dict if return_dict is None else return_dict
        use_cache = (config.use_cache if use_cache is None else use_cache) and config.is_decoder
        if self.encoder.gradient_checkpointing and self.training:
            if past_key_values is not None:
                raise ValueError("past_key_values cannot be used with gradient checkpointing in training: the "
                                 "recomputation in the backward pass would append to the cache a second time")
            if use_cache:
                warn_once("use_cache=True is incompatible with gradient checkpointing in training; running with "
                          "use_cache=False")
                use_cache = False
        past_key_values = as_cache(past_key_values)
        if use_cache and past_key_values is None:
            past_key_values = EncoderDecoderCache(DynamicCache(), DynamicCache())
        past_len = past_key_values.get_seq_length() if past_key_values is not None else 0
        B, T = check_model_inputs(config, input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                  past_len)
        if input_ids is not None:
            self.warn_if_padding_and_no_attention_mask(input_ids, attention_mask)  # once per model

        dtype = self.embeddings.word_embeddings.weight.dtype
        if position_ids is None and past_len:
            position_ids = self.embeddings.position_ids[:, past_len:past_len + T]  # continue after the cached tokens
        # config.unpad_inputs: run on the N real tokens only, as (1, N) rows (minibert/bert/unpadding.py).
        unpadded = unpadded_batch(config, attention_mask)
        if unpadded is not None:
            input_ids, token_type_ids, position_ids, inputs_embeds = unpadded.gather_inputs(
                input_ids, token_type_ids, position_ids, inputs_embeds)
        embedding_output = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)  # (B, T, C)

        mask = None
        if config.is_decoder and (attention_mask is None or attention_mask.dim() == 2):
            # One new query without padding sees every kept token: nothing to hide. Otherwise hide the future.
            # (A 3-D mask is the caller's own picture of who sees whom, and is used as given, as in the reference.)
            if T > 1 or (attention_mask is not None and not bool(attention_mask.all())):
                mask = causal_attention_mask(attention_mask, B, T, past_len, dtype, embedding_output.device)
        elif attention_mask is not None and not (attention_mask.dim() == 2 and bool(attention_mask.all())):
            # All-ones masks are dropped: no padding means nothing to add, and SDPA may then pick a faster kernel.
            mask = extended_attention_mask(attention_mask, dtype)  # (B, 1, 1, T) additive
        if unpadded is not None:
            mask = unpadded.with_mask(mask)  # every layer gets the rows' places along with the mask

        encoder_mask = None
        if encoder_hidden_states is not None:
            check_encoder_inputs(config, B, T, encoder_hidden_states, encoder_attention_mask)
            if encoder_attention_mask is not None and not bool(encoder_attention_mask.all()):
                encoder_mask = extended_attention_mask(encoder_attention_mask, dtype)  # (B, 1, 1 or T, S)
        encoder_outputs = self.encoder(
            embedding_output,
            attention_mask=mask,
            head_mask=expand_head_mask(head_mask, config.num_hidden_layers, dtype),
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=encoder_mask,
            past_key_values=past_key_values,
        )
        if unpadded is not None:
            encoder_outputs = unpadded.scatter_outputs(encoder_outputs)  # back to (B, T, C), zeros at padding
        sequence_output = encoder_outputs.last_hidden_state
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        out = BaseModelOutputWithPooling(
            last_hidden_state=sequence_output,
            pooler_output=pooled_output,
            hidden_states=encoder_outputs.hidden_states,
            past_key_values=encoder_outputs.past_key_values,
            attentions=encoder_outputs.attentions,
            cross_attentions=encoder_outputs.cross_attentions,
        )
        if return_dict:
            return out
        # The reference's tuple keeps the pooler's slot even without a pooler (None there), so that index 1 is
        # always pooler_output; the optional fields follow from index 2, the cache first (not as in the dict).
        return (sequence_output, pooled_output) + tuple(
            x for x in (encoder_outputs.past_key_values, encoder_outputs.hidden_states, encoder_outputs.attentions,
                        encoder_outputs.cross_attentions) if x is not None)
