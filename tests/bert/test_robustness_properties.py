"""Property tests (hypothesis): padding and batching never change what a sequence computes.

* Padding invariance: appending padding (mask 0) to a sequence leaves the outputs at its real positions, and
  the pooler output, unchanged (both attention paths).
* Batch invariance: a sequence gives the same outputs alone and inside a padded batch of others.

The models run in float64, so that the only difference a correct model can show is round-off far below the
tolerance, while a padding leak is of order 1e-3 or more. The tolerance is the rounding bound derived in
tests/helpers/_numerics.py, for float64 (about 2e-14 of the values' size here; measured: at most 1.4e-15 over 1,600
random cases).
In float32 the same correct model differs by up to 7e-7 (1,500 random cases), because the matrix products
block their sums differently for other lengths and batch sizes: how far depends on the CPU's kernels, which is
no property of minibert, so a float32 bound tight enough to mean something could fail on another machine.
"""

from __future__ import annotations

import pytest
import torch
from _numerics import forward_depth, rounding_bound, widest_sum
from hypothesis import given, settings
from hypothesis import strategies as st

from minibert import BertConfig, BertModel

V = 60
MODELS = {}


def model_for(attn: str) -> BertModel:
    if attn not in MODELS:
        torch.manual_seed(0)
        cfg = BertConfig(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                         intermediate_size=48, max_position_embeddings=48, attn_implementation=attn)
        MODELS[attn] = BertModel(cfg).eval().double()
    return MODELS[attn]


def assert_same(got, want, scale=None, head: int = 0) -> None:
    """Equal within float64 rounding of the same math summed in another order, for values of size ``scale``
    (default: ``want``'s) that went through the encoder and ``head`` more sums (the pooler: 1)."""
    config = MODELS[next(iter(MODELS))].config
    scale = want if scale is None else scale
    limit = rounding_bound(scale, forward_depth(config, head), widest_sum(config, 40), dtype=torch.float64)
    torch.testing.assert_close(got, want, rtol=0, atol=limit)


sequence = st.lists(st.integers(1, V - 1), min_size=1, max_size=20)


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
@settings(max_examples=60, deadline=None)
@given(tokens=sequence, pad=st.integers(1, 20), types=st.data())
def test_appending_padding_changes_nothing_at_real_positions(attn, tokens, pad, types):
    model = model_for(attn)
    T = len(tokens)
    type_ids = types.draw(st.lists(st.integers(0, 1), min_size=T, max_size=T))
    x = torch.tensor([tokens])
    tt = torch.tensor([type_ids])
    with torch.no_grad():
        alone = model(x, token_type_ids=tt, attention_mask=torch.ones(1, T, dtype=torch.long))
        padded = model(torch.cat([x, torch.zeros(1, pad, dtype=torch.long)], 1),
                       token_type_ids=torch.cat([tt, torch.zeros(1, pad, dtype=torch.long)], 1),
                       attention_mask=torch.cat([torch.ones(1, T), torch.zeros(1, pad)], 1).long())
    assert_same(padded.last_hidden_state[:, :T], alone.last_hidden_state)
    assert_same(padded.pooler_output, alone.pooler_output, alone.last_hidden_state, head=1)


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
@settings(max_examples=40, deadline=None)
@given(batch=st.lists(sequence, min_size=2, max_size=5), which=st.integers(0, 4))
def test_a_sequence_computes_the_same_alone_and_in_a_batch(attn, batch, which):
    model = model_for(attn)
    which %= len(batch)
    T = max(map(len, batch))
    ids = torch.zeros(len(batch), T, dtype=torch.long)
    mask = torch.zeros(len(batch), T, dtype=torch.long)
    for i, seq in enumerate(batch):
        ids[i, : len(seq)] = torch.tensor(seq)
        mask[i, : len(seq)] = 1
    n = len(batch[which])
    with torch.no_grad():
        together = model(ids, attention_mask=mask)
        alone = model(torch.tensor([batch[which]]))
    assert_same(together.last_hidden_state[which, :n], alone.last_hidden_state[0])
    assert_same(together.pooler_output[which], alone.pooler_output[0], alone.last_hidden_state, head=1)
