"""`BertEncoder`: the stack of `BertLayer`s.

Gradient checkpointing (recompute each layer's activations in the backward pass instead of keeping them) is
minibert/bert/checkpointing.py; the loop below asks it, per layer, whether to run the layer checkpointed.
"""

from __future__ import annotations

import torch
from torch import nn

from minibert.bert import checkpointing
from minibert.bert.config import BertConfig
from minibert.bert.layer import BertLayer
from minibert.bert.outputs import BaseModelOutputWithPastAndCrossAttentions


class BertEncoder(nn.Module):
    """(B, T, C) embeddings → (B, T, C) contextual vectors, optionally every layer's output and attention.

    In a decoder with cross-attention, every layer also reads ``encoder_hidden_states`` (B, S, C).
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.layer = nn.ModuleList([BertLayer(config, layer_idx=i) for i in range(config.num_hidden_layers)])
        self.gradient_checkpointing = False  # switched by minibert/bert/checkpointing.py's enable / disable
        self.checkpoint_kwargs = {"use_reentrant": False}  # torch.utils.checkpoint's keywords

    def forward(
        self,
        hidden_states: torch.Tensor,  # (B, T, C)
        attention_mask: torch.Tensor | None = None,  # additive, broadcastable to (B, H, T, T)
        head_mask: list | None = None,  # one (1, H, 1, 1) mask or None per layer
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        encoder_hidden_states: torch.Tensor | None = None,  # (B, S, C): what cross-attention reads
        encoder_attention_mask: torch.Tensor | None = None,  # additive, broadcastable to (B, H, T, S)
        past_key_values=None,  # a cache (minibert/bert/cache.py): each layer appends its keys and values
        *,
        layout=None,  # unpadded rows' places (minibert/bert/unpadding.py); hidden states are then (1, N, C)
    ) -> BaseModelOutputWithPastAndCrossAttentions:
        all_hidden_states = (hidden_states,) if output_hidden_states else None  # entry 0: the embeddings
        all_attentions = () if output_attentions else None
        cross = encoder_hidden_states is not None
        all_cross_attentions = () if output_attentions and cross else None
        for i, layer in enumerate(self.layer):
            layer_head_mask = head_mask[i] if head_mask is not None else None
            args = (hidden_states, attention_mask, layer_head_mask, output_attentions)
            if cross:
                args += (encoder_hidden_states, encoder_attention_mask)
            if checkpointing.recomputes(self, i):
                outputs = checkpointing.run_checkpointed(layer, args, self.checkpoint_kwargs, layout=layout)
            else:
                outputs = layer(*args, past_key_values=past_key_values, layout=layout)
            hidden_states = outputs[0]
            if output_hidden_states:
                all_hidden_states += (hidden_states,)
            if output_attentions:
                all_attentions += (outputs[1],)
                if cross:
                    all_cross_attentions += (outputs[2],)
        return BaseModelOutputWithPastAndCrossAttentions(
            last_hidden_state=hidden_states, past_key_values=past_key_values, hidden_states=all_hidden_states,
            attentions=all_attentions, cross_attentions=all_cross_attentions)
