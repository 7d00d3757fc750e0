"""Unpadded inference: compute on the real tokens only, and bring the padding back only where positions meet.

A padded batch spends arithmetic on padding: with lengths spread over 16–128 tokens, half of a (B, T) batch
is [PAD]. Everything in BERT except attention works on each position alone (embeddings, every Linear,
LayerNorm, GELU, the feed-forward), so it can run on the N real tokens instead of B·T positions. Only
attention lets positions meet, and there we put the rows back into their padded places for one moment.
This is the "remove padding" idea of NVIDIA FasterTransformer's effective transformer, ByteTransformer,
PyTorch's BetterTransformer and ModernBERT::

      (B, T, C) padded            (N, C) real tokens                          (B, T, C) padded
    ┌─────────────────┐  gather  ┌───────┐  embeddings, Q/K/V, output  ┌─────────────────┐
    │ a a a a · · · · │ ───────► │ a a a │  dense, LayerNorm, GELU,    │ a a a a 0 0 0 0 │
    │ b b b b b b b · │          │ a b b │  feed-forward: N rows only  │ b b b b b b b 0 │
    │ c c · · · · · · │          │  ...  │ ──────────────────────────► │ c c 0 0 0 0 0 0 │
    └─────────────────┘          └───────┘          scatter            └─────────────────┘
                                     │ ▲
                  per layer: scatter │ │ gather    attention alone sees (B, H, T, d): Q, K, V of the real rows
                   Q, K, V (B,H,T,d) ▼ │ context   in their padded places, the padding mask as before

Why the outputs at real positions do not change: a row of a Linear, LayerNorm or GELU depends on that row
alone, so computing it among N rows or among B·T rows is the same arithmetic on the same numbers. In
attention a padded key gets the score min_f, and exp(min_f - max) is exactly 0 in float32 — whatever the
padded key or value holds (the reference's leftover numbers there, zeros here), it adds exactly nothing.
What could differ is a matrix-multiply kernel's blocking for N rows instead of B·T (float rounding):
tests/bert/test_unpadding.py holds every output to 1e-6, and with torch 2.13's fp32 CPU kernels, at bert-base width
and on both attention paths, the outputs at real positions were measured bitwise equal (docs/performance.md).
Weight gradients are sums over rows, taken over N rows instead of B·T: equal within 1e-6, not bitwise.

Two kinds of padded position are computed all the same, because an output reads them (``rows_to_compute``):
position 0 of every row, which the pooler reads whatever it holds (with left padding it is [PAD], and the
padded path's pooler_output, like the reference's, is a function of that position's hidden state), and every
position of a row with no real token at all (there every key is masked, so softmax spreads its weight evenly
over all T positions and reads every one of their values). The other padded positions are zero.

The rows are kept as a batch of one sequence, (1, N, C) (the "packed" layout), so that every module still sees
(batch, sequence, C) and reads as before; only ``BertSelfAttention`` asks this module to re-pad (``pad``) and
to gather back (``unpad``). The layout is its own keyword, ``layout=``, from `BertModel` through the encoder and
each layer to attention, beside the padding mask (``attention_mask``), which stays what it is everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from minibert.bert.outputs import BaseModelOutputWithPastAndCrossAttentions


@dataclass
class UnpaddedBatch:
    """Where the N real tokens of a padded (B, T) batch are: the *layout* every layer receives as ``layout=``.

    ``indices`` (N,) int64: positions in the flattened B·T grid, row by row. The padding mask itself travels
    beside it, as ``attention_mask``, unchanged: attention runs on the re-padded (B, T) batch.
    """

    indices: torch.Tensor
    batch_size: int
    seq_len: int

    @classmethod
    def from_mask(cls, attention_mask: torch.Tensor) -> UnpaddedBatch:
        """(B, T) 0/1 mask → the flat indices of its ones."""
        B, T = attention_mask.shape
        indices = torch.nonzero(attention_mask.reshape(-1), as_tuple=False).squeeze(1)  # (N,)
        return cls(indices, B, T)

    @property
    def num_tokens(self) -> int:
        return self.indices.numel()

    def gather(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, ...) padded → (1, N, ...) real rows only."""
        return x.reshape(self.batch_size * self.seq_len, *x.shape[2:]).index_select(0, self.indices).unsqueeze(0)

    def pad(self, rows: torch.Tensor) -> torch.Tensor:
        """(1, N, D) real rows → (B, T, D), zeros at the padding. Differentiable (gradients flow to the rows)."""
        flat = rows.new_zeros(self.batch_size * self.seq_len, rows.shape[-1])
        return flat.index_copy(0, self.indices, rows[0]).view(self.batch_size, self.seq_len, -1)

    def unpad(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, D) → (1, N, D): the same as ``gather``, named for the way back from attention."""
        return self.gather(x)

    def gather_inputs(self, input_ids, token_type_ids, position_ids, inputs_embeds):
        """The model's (B, T) inputs → (1, N) rows (inputs_embeds (1, N, C)), defaults filled in first.

        Positions and segments must be made explicit before gathering: the defaults (0..T-1, segment 0) are
        facts about the padded grid that the N rows no longer carry.
        """
        B, T = self.batch_size, self.seq_len
        device = self.indices.device
        if position_ids is None:
            position_ids = torch.arange(T, device=device)
        position_ids = position_ids.expand(B, T)
        if token_type_ids is None:
            token_type_ids = torch.zeros(B, T, dtype=torch.long, device=device)

        def rows(x):
            return None if x is None else self.gather(x.reshape(B, T, *x.shape[2:]))

        return rows(input_ids), rows(token_type_ids), rows(position_ids), rows(inputs_embeds)

    def scatter_outputs(self, out: BaseModelOutputWithPastAndCrossAttentions
                        ) -> BaseModelOutputWithPastAndCrossAttentions:
        """The encoder's (1, N, C) last state and hidden states → (B, T, C), zeros at the padding."""
        hidden = None if out.hidden_states is None else tuple(self.pad(h) for h in out.hidden_states)
        return replace(out, last_hidden_state=self.pad(out.last_hidden_state), hidden_states=hidden)


def pad_and_unpad(layout: UnpaddedBatch | None):
    """For ``BertSelfAttention``: (pad, unpad), identity functions unless there is a layout, when hidden states
    arrive as (1, N, C) rows and attention needs them as (B, T, C)."""
    if layout is None:
        return _same, _same
    return layout.pad, layout.unpad


def _same(x: torch.Tensor) -> torch.Tensor:
    return x


def rows_to_compute(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T) 0/1 mask → (B, T) bool: the positions the unpadded path computes.

    The real tokens; position 0 of every row, real or not; every position of a row without a real token.
    Computing a padded position changes nothing for the others: attention still masks it as a key (the
    additive mask comes from ``attention_mask`` itself), so it only gives that position its own padded-path
    output, which the pooler (position 0) or an all-masked softmax (an empty row) would otherwise miss.
    """
    real = attention_mask != 0
    keep = real.clone()
    keep[:, 0] = True  # the pooler's input: left padding puts [PAD] there, and its output still counts
    keep[~real.any(dim=1)] = True  # no real token: softmax over all-masked keys is uniform over every position
    return keep


def unpadded_batch(config, attention_mask: torch.Tensor | None) -> UnpaddedBatch | None:
    """An ``UnpaddedBatch`` when ``config.unpad_inputs`` is on and the (B, T) mask has padding, else None.

    A 3-D mask (B, T_q, T_k) says which pairs may meet, not which tokens are padding: it keeps the padded path.
    """
    if not getattr(config, "unpad_inputs", False) or attention_mask is None or attention_mask.dim() != 2:
        return None
    keep = rows_to_compute(attention_mask)
    if bool(keep.all()):
        return None  # nothing to remove
    return UnpaddedBatch.from_mask(keep)
