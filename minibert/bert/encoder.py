"""`BertEncoder`: the stack of `BertLayer`s, and gradient checkpointing.

Gradient checkpointing (Chen et al., 2016, "Training Deep Nets with Sublinear Memory Cost"): in training,
autograd normally keeps every intermediate activation of every layer until the backward pass. With
checkpointing on, each layer keeps only its input; during backward the layer's forward is run again to
rebuild what the gradient needs. Memory for activations drops from all layers' internals to one layer's
worth plus the layer inputs, for the price of one extra forward per layer.

We use ``torch.utils.checkpoint`` in its non-reentrant form: it works when no input requires a gradient
(frozen embeddings, where the reentrant form silently computes no weight gradients) and, with
``preserve_rng_state`` (the default), the recomputation draws the *same* dropout masks as the first pass,
so gradients match a run without checkpointing.

Two measured refinements (benchmarks/results/advanced.md):

* The last layer is not checkpointed. Backward starts with it, so its recomputation would run at once and
  rebuild exactly the activations we had just thrown away; keeping them costs no extra peak memory (the peak
  of a checkpointed step is reached while one layer's activations are rebuilt anyway) and saves one
  layer's forward per step. Gradients are unchanged: that layer simply runs as without checkpointing.
* ``selective_recompute`` (Korthikanti et al., 2022, "Reducing Activation Recomputation in Large
  Transformer Models") is a ``context_fn`` for ``torch.utils.checkpoint``: inside a checkpointed layer it
  keeps the outputs of the matrix multiplications of the linear layers, which are expensive to recompute,
  and recomputes the rest (attention scores, softmax, dropout, GELU, LayerNorm), which is cheap in FLOPs
  but large in memory, the (B, H, T, T) attention maps above all. Pass it as
  ``model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"context_fn": selective_recompute})``.

A key/value cache (minibert/bert/cache.py) and checkpointing do not mix: the recomputation would append each
layer's keys and values to the cache a second time. In training with checkpointing on, BertModel turns
``use_cache`` off, as the reference does.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint, create_selective_checkpoint_contexts

from minibert.bert.config import BertConfig
from minibert.bert.layer import BertLayer
from minibert.bert.outputs import BaseModelOutputWithPastAndCrossAttentions

# The linear layers' GEMMs: aten.addmm (with bias) and aten.mm, what nn.Linear dispatches to.
_SAVED_BY_SELECTIVE_RECOMPUTE = [torch.ops.aten.addmm.default, torch.ops.aten.mm.default]


def selective_recompute():
    """``context_fn`` for non-reentrant checkpointing: save the linear layers' matmul outputs, recompute the rest."""
    return create_selective_checkpoint_contexts(_SAVED_BY_SELECTIVE_RECOMPUTE)


class BertEncoder(nn.Module):
    """(B, T, C) embeddings → (B, T, C) contextual vectors, optionally every layer's output and attention.

    In a decoder with cross-attention, every layer also reads ``encoder_hidden_states`` (B, S, C).
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.layer = nn.ModuleList([BertLayer(config, layer_idx=i) for i in range(config.num_hidden_layers)])
        self.gradient_checkpointing = False
        self.checkpoint_kwargs = {"use_reentrant": False}  # set by BertPreTrainedModel.gradient_checkpointing_enable

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
    ) -> BaseModelOutputWithPastAndCrossAttentions:
        all_hidden_states = (hidden_states,) if output_hidden_states else None  # entry 0: the embeddings
        all_attentions = () if output_attentions else None
        cross = encoder_hidden_states is not None
        all_cross_attentions = () if output_attentions and cross else None
        last = len(self.layer) - 1
        for i, layer in enumerate(self.layer):
            layer_head_mask = head_mask[i] if head_mask is not None else None
            args = (hidden_states, attention_mask, layer_head_mask, output_attentions)
            if cross:
                args += (encoder_hidden_states, encoder_attention_mask)
            if self.gradient_checkpointing and self.training and i < last:  # the last layer: see the docstring
                outputs = checkpoint(layer, *args, **self.checkpoint_kwargs)  # no cache here (see the docstring)
            else:
                outputs = layer(*args, past_key_values=past_key_values)
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
