"""The key/value cache of a decoder: `DynamicCache` and `EncoderDecoderCache`.

A decoder generates one token at a time, and each new token attends to every token before it. Without a
cache, step t recomputes the keys and values of all t earlier tokens in every layer, although they cannot
change: the causal mask means token i never sees tokens after it, so its K and V are final as soon as it
is read. The cache keeps them. Each step then projects only the new token(s), appends their K and V, and
attends with the new queries over everything kept:

    step 1 (the prompt, T tokens):  K, V (B, H, T, d)  → cache holds T positions
    step 2 (1 new token):           K, V (B, H, 1, d)  → appended: T + 1 positions, queries (B, H, 1, d)

The work per step drops from O(t) projections to O(1) (attention itself still reads all t keys).

Cross-attention (the decoder reading an encoder's output) has its own cache: its keys and values come from
the encoder states, which do not change while decoding, so they are computed at the first step and reused
as they are (``is_updated`` marks the layers that hold them).

The classes keep the reference's names and the methods code written for it calls (``get_seq_length``,
``update``, ``to_legacy_cache`` / ``from_legacy_cache``, indexing by layer), so a cache returned in
``outputs.past_key_values`` is passed back as ``past_key_values=`` exactly as there. They are updated in
place, as the reference's are: the object you pass in is the one that grows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

KeysValues = tuple[torch.Tensor, torch.Tensor]  # keys and values, each (B, H, T_k, d)


@dataclass
class CacheLayer:
    """One layer's kept keys and values, each (B, H, T_kept, d)."""

    keys: torch.Tensor
    values: torch.Tensor


class DynamicCache:
    """Keys and values of every layer, growing along the sequence axis as tokens are decoded."""

    def __init__(self):
        self.layers: list[CacheLayer] = []

    def update(self, keys: torch.Tensor, values: torch.Tensor, layer_idx: int, cache_kwargs=None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Append this step's (B, H, T_new, d) keys and values to layer ``layer_idx``; return all kept ones."""
        if layer_idx == len(self.layers):
            self.layers.append(CacheLayer(keys, values))
        elif layer_idx < len(self.layers):
            layer = self.layers[layer_idx]
            layer.keys = torch.cat([layer.keys, keys], dim=-2)
            layer.values = torch.cat([layer.values, values], dim=-2)
        else:
            raise IndexError(f"cache update for layer {layer_idx}, but layers 0..{len(self.layers) - 1} come first")
        return self.layers[layer_idx].keys, self.layers[layer_idx].values

    def get_seq_length(self, layer_idx: int = 0) -> int:
        """How many positions are kept (0 for an empty cache): the offset of the next token."""
        return self.layers[layer_idx].keys.shape[-2] if layer_idx < len(self.layers) else 0

    # -- what attention calls (minibert/bert/attention.py) --------------------------------------------
    def self_attention_update(self, keys: torch.Tensor, values: torch.Tensor, layer_idx: int) -> KeysValues:
        """Self-attention: append this step's keys and values; return every kept one, (B, H, T_past + T, d)."""
        return self.update(keys, values, layer_idx)

    def cross_attention_keys_values(self, layer_idx: int, project: Callable[[], KeysValues]) -> KeysValues:
        """Cross-attention: a self-attention-only cache keeps nothing for it, so project every time."""
        return project()

    def reorder_cache(self, beam_idx: torch.Tensor) -> None:
        """Keep the batch rows ``beam_idx`` (B',) in that order (beam search reorders its hypotheses)."""
        for layer in self.layers:
            layer.keys = layer.keys.index_select(0, beam_idx.to(layer.keys.device))
            layer.values = layer.values.index_select(0, beam_idx.to(layer.values.device))

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, layer_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.layers[layer_idx].keys, self.layers[layer_idx].values

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def to_legacy_cache(self) -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
        """The older format: one (keys, values) tuple per layer."""
        return tuple(self)

    @classmethod
    def from_legacy_cache(cls, past_key_values) -> DynamicCache:
        cache = cls()
        for i, (keys, values) in enumerate(past_key_values or ()):
            cache.update(keys, values, i)
        return cache


class EncoderDecoderCache:
    """A self-attention cache and a cross-attention cache side by side (what a BERT decoder returns)."""

    def __init__(self, self_attention_cache: DynamicCache, cross_attention_cache: DynamicCache):
        self.self_attention_cache = self_attention_cache
        self.cross_attention_cache = cross_attention_cache
        # layer index -> True once that layer's cross-attention keys/values are stored (they never change)
        self.is_updated = {i: True for i in range(len(cross_attention_cache))}

    def get_seq_length(self, layer_idx: int = 0) -> int:
        """Decoded positions kept (the self-attention side; the encoder's length does not count)."""
        return self.self_attention_cache.get_seq_length(layer_idx)

    # -- what attention calls (minibert/bert/attention.py) --------------------------------------------
    def self_attention_update(self, keys: torch.Tensor, values: torch.Tensor, layer_idx: int) -> KeysValues:
        """Self-attention: append this step's keys and values; return every kept one, (B, H, T_past + T, d)."""
        return self.self_attention_cache.update(keys, values, layer_idx)

    def cross_attention_keys_values(self, layer_idx: int, project: Callable[[], KeysValues]) -> KeysValues:
        """Cross-attention: the keys and values of the encoder states, (B, H, S, d), ``project()``-ed at the first
        step and kept; the encoder states do not change while decoding, so every later step reuses them."""
        if self.is_updated.get(layer_idx):
            return self.cross_attention_cache[layer_idx]
        keys, values = project()
        self.cross_attention_cache.update(keys, values, layer_idx)
        self.is_updated[layer_idx] = True
        return keys, values

    def reorder_cache(self, beam_idx: torch.Tensor) -> None:
        self.self_attention_cache.reorder_cache(beam_idx)
        self.cross_attention_cache.reorder_cache(beam_idx)

    def __len__(self) -> int:
        return len(self.self_attention_cache)

    def __getitem__(self, layer_idx: int) -> tuple[torch.Tensor, ...]:
        """(keys, values) of the self-attention, then (keys, values) of the cross-attention if it has them."""
        cross = self.cross_attention_cache[layer_idx] if layer_idx < len(self.cross_attention_cache) else ()
        return self.self_attention_cache[layer_idx] + tuple(cross)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def to_legacy_cache(self) -> tuple[tuple[torch.Tensor, ...], ...]:
        """The older format: per layer (self keys, self values[, cross keys, cross values])."""
        return tuple(self)

    @classmethod
    def from_legacy_cache(cls, past_key_values) -> EncoderDecoderCache:
        cache = cls(DynamicCache(), DynamicCache())
        for i, layer in enumerate(past_key_values or ()):
            cache.self_attention_cache.update(layer[0], layer[1], i)
            if len(layer) > 2:
                cache.cross_attention_cache.update(layer[2], layer[3], i)
                cache.is_updated[i] = True
        return cache


def as_cache(past_key_values) -> EncoderDecoderCache | DynamicCache:
    """A cache object from what a caller passed: a cache as is, a legacy tuple of per-layer tuples converted."""
    if isinstance(past_key_values, (tuple, list)):
        return EncoderDecoderCache.from_legacy_cache(past_key_values)
    return past_key_values


def cache_for_call(past_key_values, use_cache: bool) -> EncoderDecoderCache | DynamicCache | None:
    """The cache a forward pass reads and appends to: the caller's (a legacy tuple converted), else a new empty
    one when ``use_cache`` asks for one, else None."""
    past_key_values = as_cache(past_key_values)
    if use_cache and past_key_values is None:
        past_key_values = EncoderDecoderCache(DynamicCache(), DynamicCache())
    return past_key_values
