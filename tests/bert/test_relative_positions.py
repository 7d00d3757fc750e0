"""Relative position embeddings ("relative_key", "relative_key_query") against `transformers` 4.57.6.

Random tiny configs (heads, head size, layers, max_position_embeddings, batch, length up to and including
max_position_embeddings, padding): outputs, attention probabilities and every gradient, the
``distance_embedding`` tables included, within 1e-5. With ``attn_implementation="sdpa"`` the fused kernel
cannot add the distance scores, so attention must take the eager path (checked with a spy on
``scaled_dot_product_attention``).

Sequences longer than max_position_embeddings P: distances then exceed the table's range -(P-1)..P-1.
minibert raises a ValueError saying so. Observed with the reference: ``RuntimeError: The expanded size of
the tensor (T) must match the existing size (P)`` (its token_type_ids buffer) when token_type_ids are not
passed, and ``IndexError: index out of range in self`` (the distance lookup) when they are.
"""

from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F
from _reference_pair import assert_grads_close, grads, max_diff, model_pair, random_batch, weighted_loss

TYPES = ["relative_key", "relative_key_query"]


def random_config(seed: int) -> tuple[dict, int, int]:
    """(config fields, batch size, sequence length) drawn from ``seed``; the last seed uses T == P."""
    rng = random.Random(seed)
    heads, head_size = rng.choice([1, 2, 3, 4]), rng.choice([4, 8])
    P = rng.choice([6, 9, 16])
    fields = dict(hidden_size=heads * head_size, num_attention_heads=heads, num_hidden_layers=rng.choice([1, 2]),
                  intermediate_size=rng.choice([16, 40]), max_position_embeddings=P, hidden_act=rng.choice(
                      ["gelu", "relu"]), layer_norm_eps=rng.choice([1e-12, 1e-5]))
    T = P if seed == 3 else rng.randint(2, P)
    return fields, rng.choice([2, 3]), T  # B >= 2: random_batch pads rows 1.., see above


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("kind", TYPES)
def test_matches_reference(kind, impl, seed):
    fields, B, T = random_config(seed)
    ours, theirs = model_pair(impl, seed=seed, position_embedding_type=kind, **fields)
    ids, mask, types = random_batch(B, T, seed=seed)
    results = []
    for model in (ours, theirs):
        model.train()  # dropout is 0: train mode only to run as in training
        out = model(ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
        weighted_loss(out).backward()
        with torch.no_grad():
            probs = model(ids, attention_mask=mask, token_type_ids=types, output_attentions=True).attentions
        results.append((out, probs, grads(model)))
    (out_o, probs_o, g_o), (out_t, probs_t, g_t) = results
    for a, b in zip(out_o.hidden_states, out_t.hidden_states):
        assert max_diff(a, b) <= 1e-5
    assert max_diff(out_o.pooler_output, out_t.pooler_output) <= 1e-5
    for a, b in zip(probs_o, probs_t):
        assert max_diff(a, b) <= 1e-5
    assert "encoder.layer.0.attention.self.distance_embedding.weight" in g_o
    assert_grads_close(g_o, g_t, atol=1e-5)


@pytest.mark.parametrize("kind", TYPES)
def test_distance_embedding_gradient_only_on_used_distances(kind):
    P, T = 10, 4
    ours, _ = model_pair(position_embedding_type=kind, max_position_embeddings=P)
    ours.train()
    ids, mask, types = random_batch(2, T, pad=False)
    weighted_loss(ours(ids, mask, types)).backward()
    g = ours.encoder.layer[0].attention.self.distance_embedding.weight.grad  # (2P - 1, d)
    used = torch.zeros(2 * P - 1, dtype=torch.bool)
    used[P - 1 - (T - 1): P - 1 + T] = True  # distances -(T-1) .. T-1, stored at distance + P - 1
    assert g[~used].abs().max() == 0
    assert (g[used].abs().sum(dim=1) > 0).all()


@pytest.mark.parametrize("kind", TYPES)
def test_sdpa_falls_back_to_eager(kind, monkeypatch):
    calls = []
    fused = F.scaled_dot_product_attention

    def spy(*args, **kwargs):
        calls.append(1)
        return fused(*args, **kwargs)

    monkeypatch.setattr(F, "scaled_dot_product_attention", spy)
    ids, mask, types = random_batch(2, 7)
    relative_sdpa, _ = model_pair("sdpa", position_embedding_type=kind)
    relative_eager, _ = model_pair("eager", position_embedding_type=kind)
    with torch.no_grad():
        a = relative_sdpa(ids, mask, types).last_hidden_state
        b = relative_eager(ids, mask, types).last_hidden_state
    assert calls == [] and torch.equal(a, b)

    absolute_sdpa, _ = model_pair("sdpa")
    with torch.no_grad():
        absolute_sdpa(ids, mask, types)
    assert len(calls) == absolute_sdpa.config.num_hidden_layers  # the spy does see the fused path


@pytest.mark.parametrize("kind", TYPES)
def test_longer_than_max_position_embeddings(kind):
    P = 8
    ours, theirs = model_pair(position_embedding_type=kind, max_position_embeddings=P)
    ids, mask, types = random_batch(2, P + 1)
    with pytest.raises(ValueError, match=r"sequence length 9 is longer than max_position_embeddings=8: relative "
                                         r"position embeddings cover distances up to 7 only; truncate"):
        ours(ids, mask, types)
    # The reference fails too, less clearly (see the module docstring).
    with pytest.raises(RuntimeError, match="expanded size of the tensor"):
        theirs(ids, mask)
    with pytest.raises(IndexError, match="index out of range"):
        theirs(ids, mask, types)
    # Exactly P tokens is fine: the longest distance, P - 1, is the table's last row.
    with torch.no_grad():
        ours(*random_batch(2, P))
