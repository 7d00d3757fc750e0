"""`BertModel`: embeddings → encoder → pooler, with the reference's forward arguments and outputs.

    input_ids (B, T) ──BertEmbeddings──► (B, T, C) ──BertEncoder (L × BertLayer)──► (B, T, C) ──BertPooler──► (B, C)

Inputs are checked before any kernel runs: an id outside the vocabulary would otherwise be an opaque
index error on CPU and a device-side assert that kills the process on CUDA.

With ``config.is_decoder`` the same model is a decoder (see minibert/bert/layer.py): causal self-attention,
cross-attention to ``encoder_hidden_states`` when ``config.add_cross_attention``, and a key/value cache
(``use_cache``, ``past_key_values``; minibert/bert/cache.py) so that decoding one more token costs one token's work.
New tokens continue the cached ones: their default positions start at the cache's length, and the
``attention_mask`` covers the cached tokens and the new ones, (B, T_past + T).

This is the core's model, an ``nn.Module`` that needs nothing but torch. ``from minibert import BertModel`` is its
`transformers`-compatible subclass (minibert/compat/model.py): the same forward, plus ``from_pretrained`` /
``save_pretrained``, the legacy tuple output (``return_dict=False``) and a warning for padded inputs without a mask.
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.bert import checkpointing
from minibert.bert.cache import cache_for_call
from minibert.bert.config import BertConfig
from minibert.bert.embeddings import BertEmbeddings
from minibert.bert.encoder import BertEncoder
from minibert.bert.masks import cross_attention_mask, expand_head_mask, self_attention_mask
from minibert.bert.outputs import BaseModelOutputWithPooling
from minibert.bert.pooler import BertPooler
from minibert.bert.unpadding import unpadded_batch
from minibert.bert.validation import check_encoder_inputs, check_model_inputs


@torch.no_grad()
def init_weights(module: nn.Module, std: float) -> None:
    """BERT's initialisation of one module (apply it to every module with ``model.apply``).

    Weights of linear layers and embeddings ~ normal(0, std = config.initializer_range, 0.02 for BERT), small
    enough that the first layers start near the identity of their residual paths; biases 0; LayerNorm the
    identity (scale 1, shift 0); the padding row of an embedding 0, the vector [PAD] adds before training.
    """
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.padding_idx is not None:
            module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


class BertModel(nn.Module):
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
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.post_init()

    def post_init(self) -> None:
        """Initialise every weight (``init_weights``). The compatible subclass also applies the config's pruned
        heads and old settings here (minibert/compat/pretrained_model.py)."""
        self.apply(lambda module: init_weights(module, self.config.initializer_range))

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
    ) -> BaseModelOutputWithPooling:
        config = self.config
        output_attentions = config.output_attentions if output_attentions is None else output_attentions
        output_hidden_states = config.output_hidden_states if output_hidden_states is None else output_hidden_states
        use_cache = (config.use_cache if use_cache is None else use_cache) and config.is_decoder
        use_cache = checkpointing.use_cache_allowed(self.encoder, use_cache, past_key_values)
        cache = cache_for_call(past_key_values, use_cache)
        past_len = cache.get_seq_length() if cache is not None else 0
        B, T = check_model_inputs(config, input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                  past_len)
        dtype = self.embeddings.word_embeddings.weight.dtype  # the masks': what every hidden state is computed in
        encoder_mask = None
        if encoder_hidden_states is not None:
            check_encoder_inputs(config, B, T, encoder_hidden_states, encoder_attention_mask)
            encoder_mask = cross_attention_mask(encoder_attention_mask, dtype)  # (B, 1, 1 or T, S) or None
        if position_ids is None and past_len:
            position_ids = self.embeddings.position_ids[:, past_len:past_len + T]  # continue after the cached tokens

        # config.unpad_inputs: run on the N real tokens only, as (1, N) rows (minibert/bert/unpadding.py).
        layout = unpadded_batch(config, attention_mask)
        if layout is not None:
            input_ids, token_type_ids, position_ids, inputs_embeds = layout.gather_inputs(
                input_ids, token_type_ids, position_ids, inputs_embeds)
        embedding_output = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)  # (B, T, C)

        encoder_outputs = self.encoder(
            embedding_output,
            attention_mask=self_attention_mask(attention_mask, config.is_decoder, B, T, past_len, dtype,
                                               embedding_output.device),
            head_mask=expand_head_mask(head_mask, config.num_hidden_layers, dtype),
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=encoder_mask,
            past_key_values=cache,
            layout=layout,
        )
        if layout is not None:
            encoder_outputs = layout.scatter_outputs(encoder_outputs)  # back to (B, T, C), zeros at padding
        sequence_output = encoder_outputs.last_hidden_state
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return BaseModelOutputWithPooling(
            last_hidden_state=sequence_output,
            pooler_output=pooled_output,
            hidden_states=encoder_outputs.hidden_states,
            past_key_values=encoder_outputs.past_key_values,
            attentions=encoder_outputs.attentions,
            cross_attentions=encoder_outputs.cross_attentions,
        )
