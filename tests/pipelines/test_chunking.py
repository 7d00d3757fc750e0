"""Chunked feed-forward (``config.chunk_size_feed_forward``): the same numbers as unchunked, and as the
reference's chunking.

Observed with transformers 4.57.6: its chunking requires the sequence length to be a multiple of the chunk
size (``ValueError: The dimension to be chunked 7 has to be a multiple of the chunk size 3``). minibert
accepts any length (the last chunk is shorter), so parity with the reference is checked on lengths it
accepts, and equality with the unchunked model on all lengths.

"Identical to unchunked" holds without dropout (inference, or dropout 0): in training the feed-forward
output dropout draws its mask chunk by chunk, so the random numbers land on other positions than in one
(B, T, C) draw. The reference does the same, and with dropout on we match it draw for draw.

Outputs and gradients: chunking runs the feed-forward's matrix products on fewer rows (kernels block their
sums by the shape, and differently on each CPU) and sums weight gradients chunk by chunk, so they agree to
float32 rounding, not bit for bit. The bound is derived in tests/helpers/_numerics.py, relative to the values' size:
the token-type embedding's gradient, a sum over B*T/2 positions, reaches |g| ~ 12.
"""

from __future__ import annotations

import math

import pytest
import torch
from _numerics import forward_depth, rounding_bound, widest_sum
from _reference_pair import assert_grads_close, grads, max_diff, model_pair, random_batch, weighted_loss

from minibert import BertConfig


def forward_backward(model, batch, seed=4):
    model.zero_grad(set_to_none=True)
    model.train()
    torch.manual_seed(seed)  # the same dropout masks for every chunk size
    out = model(*batch, output_hidden_states=True)
    weighted_loss(out).backward()
    return out, grads(model)


def set_chunk(model, size: int) -> None:
    model.config.chunk_size_feed_forward = size
    for layer in model.encoder.layer:
        layer.chunk_size_feed_forward = size


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("T", [7, 11])
def test_chunked_equals_unchunked(impl, T):
    model, _ = model_pair(impl)  # dropout 0, see the module docstring
    batch = random_batch(3, T)
    out_ref, g_ref = forward_backward(model, batch)
    depth, width = forward_depth(model.config), widest_sum(model.config, 3 * T)
    for chunk in (1, 2, 3, 5, T - 1, T, 64):  # most of them do not divide T
        set_chunk(model, chunk)
        out, g = forward_backward(model, batch)
        for a, b in zip(out.hidden_states, out_ref.hidden_states):
            assert max_diff(a, b) <= rounding_bound(b, depth, width), chunk
        # The pooler adds one sum; tanh never enlarges a difference.
        assert max_diff(out.pooler_output, out_ref.pooler_output) <= rounding_bound(out_ref.last_hidden_state,
                                                                                   depth + 1, width)
        assert g.keys() == g_ref.keys()
        # Gradients: the chain run back (depth twice), relative to the largest weight gradient, since a small
        # gradient is a sum of larger parts; the longest sum is over the batch's 3·T tokens.
        limit = rounding_bound(list(g_ref.values()), forward_depth(model.config, 1, backward=True), width)
        for k in g:
            assert max_diff(g[k], g_ref[k]) <= limit, (chunk, k)


def test_chunks_really_are_cut():
    model, _ = model_pair(chunk_size_feed_forward=3)
    shapes = []
    model.encoder.layer[0].intermediate.register_forward_hook(lambda m, args, out: shapes.append(tuple(out.shape)))
    with torch.no_grad():
        model(random_batch(2, 8)[0])
    I = model.config.intermediate_size
    assert shapes == [(2, 3, I), (2, 3, I), (2, 2, I)]  # ceil(8 / 3) chunks; never the whole (2, 8, I)
    assert len(shapes) == math.ceil(8 / 3)


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("chunk", [2, 4])
def test_matches_reference_chunking(impl, chunk):
    ours, theirs = model_pair(impl, chunk_size_feed_forward=chunk, hidden_dropout_prob=0.1,
                              attention_probs_dropout_prob=0.1)
    assert theirs.encoder.layer[0].chunk_size_feed_forward == chunk
    batch = random_batch(3, 8)
    out_o, g_o = forward_backward(ours, batch)
    out_t, g_t = forward_backward(theirs, batch)
    assert max_diff(out_o.last_hidden_state, out_t.last_hidden_state) <= 1e-5
    assert max_diff(out_o.pooler_output, out_t.pooler_output) <= 1e-5
    assert_grads_close(g_o, g_t, atol=1e-5)


def test_reference_refuses_lengths_not_divisible_by_the_chunk():
    ours, theirs = model_pair(chunk_size_feed_forward=3)
    batch = random_batch(2, 7)
    with pytest.raises(ValueError, match="has to be a multiple of the chunk size 3"):
        theirs(*batch)
    with torch.no_grad():
        assert ours(*batch).last_hidden_state.shape == (2, 7, ours.config.hidden_size)


def test_chunk_size_is_validated():
    with pytest.raises(ValueError, match="chunk_size_feed_forward must be an integer >= 0, got -1"):
        BertConfig(chunk_size_feed_forward=-1)
