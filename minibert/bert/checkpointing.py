"""Gradient checkpointing: recompute activations in the backward pass instead of keeping them.

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

The core reaches this module through two seams: `BertEncoder`'s loop asks ``recomputes(encoder, i)`` and runs
the layer through ``run_checkpointed``; `BertModel`'s forward asks ``use_cache_allowed`` before it sets up a
cache. ``BertPreTrainedModel.gradient_checkpointing_enable`` / ``_disable`` (minibert/compat/) call ``enable`` /
``disable``.
"""

from __future__ import annotations

import functools

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint, create_selective_checkpoint_contexts

from minibert.bert.warn_once import warn_once

# The linear layers' GEMMs: aten.addmm (with bias) and aten.mm, what nn.Linear dispatches to.
_SAVED_BY_SELECTIVE_RECOMPUTE = [torch.ops.aten.addmm.default, torch.ops.aten.mm.default]


def selective_recompute():
    """``context_fn`` for non-reentrant checkpointing: save the linear layers' matmul outputs, recompute the rest."""
    return create_selective_checkpoint_contexts(_SAVED_BY_SELECTIVE_RECOMPUTE)


def enable(encoder: nn.Module, gradient_checkpointing_kwargs: dict | None = None) -> None:
    """Checkpoint ``encoder``'s layers from now on; the keywords go to ``torch.utils.checkpoint.checkpoint``
    (minibert's default ``use_reentrant=False`` also works with frozen embeddings)."""
    encoder.checkpoint_kwargs = {"use_reentrant": False, **(gradient_checkpointing_kwargs or {})}
    encoder.gradient_checkpointing = True


def disable(encoder: nn.Module) -> None:
    encoder.gradient_checkpointing = False


def recomputes(encoder: nn.Module, layer_index: int) -> bool:
    """Whether layer ``layer_index`` runs checkpointed: in training with checkpointing on, every layer but the
    last (backward starts there, so its recomputation would rebuild at once what was just dropped)."""
    return encoder.gradient_checkpointing and encoder.training and layer_index < len(encoder.layer) - 1


def run_checkpointed(layer: nn.Module, args: tuple, checkpoint_kwargs: dict, **layer_kwargs):
    """``layer(*args, **layer_kwargs)`` under ``torch.utils.checkpoint``, without a cache.

    The tensors go positionally (the reentrant form takes no keywords, and tracks gradients of positional
    tensors only); keywords that hold no gradient (the unpadded layout) are bound to the layer beforehand.
    """
    return checkpoint(functools.partial(layer, **layer_kwargs), *args, **checkpoint_kwargs)


def use_cache_allowed(encoder: nn.Module, use_cache: bool, past_key_values) -> bool:
    """``use_cache``, or False when checkpointing in training: the recomputation would append each layer's keys
    and values a second time. A cache passed in is refused; a cache asked for is turned off, with a warning."""
    if not (encoder.gradient_checkpointing and encoder.training):
        return use_cache
    if past_key_values is not None:
        raise ValueError("past_key_values cannot be used with gradient checkpointing in training: the "
                         "recomputation in the backward pass would append to the cache a second time")
    if use_cache:
        message = ("use_cache=True is incompatible with gradient checkpointing in training; running with "
                   "use_cache=False")
        warn_once(message, message)
    return False
