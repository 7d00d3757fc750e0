"""minibert.analysis: norm-weighted attention, rollout and the Clark et al. measurements, each checked against a
direct computation written out with loops (no shared code with the module under test)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from minibert import BertConfig, BertModel, BertTokenizer
from minibert.analysis import (
    attention_rollout,
    attention_views,
    find_heads,
    norm_weighted_attention,
    offset_attention,
    token_class_masks,
    token_class_shares,
    transformed_values,
)
from minibert.analysis.views import row_shares

TINY = Path(__file__).resolve().parents[2] / "checkpoints" / "tiny-bert"


def tiny_model(seed=0, **overrides) -> BertModel:
    torch.manual_seed(seed)
    cfg = dict(vocab_size=50, hidden_size=12, num_hidden_layers=3, num_attention_heads=3, intermediate_size=20,
               max_position_embeddings=16)
    return BertModel(BertConfig(**{**cfg, **overrides})).eval()


def padded_batch():
    ids = torch.tensor([[2, 7, 9, 11, 5, 3], [2, 8, 6, 3, 0, 0]])
    return ids, torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])


def test_norm_weighted_equals_the_vectors_written_out_and_they_rebuild_the_sublayer():
    model = tiny_model()
    ids, mask = padded_batch()
    views = attention_views(model, ids, mask)
    captured = {}
    hooks = [layer.attention.output.dense.register_forward_hook(
        lambda mod, inp, out, n=n: captured.__setitem__(n, out)) for n, layer in enumerate(model.encoder.layer)]
    with torch.no_grad():
        hidden = model(ids, attention_mask=mask, output_hidden_states=True).hidden_states
    for h in hooks:
        h.remove()
    for n, layer in enumerate(model.encoder.layer):
        x, probs = hidden[n], views.raw[n]
        w_v, b_v = layer.attention.self.value.weight, layer.attention.self.value.bias  # (C, C), (C,)
        w_o, b_o = layer.attention.output.dense.weight, layer.attention.output.dense.bias
        B, H, T, _ = probs.shape
        d = w_v.shape[0] // H
        total = torch.zeros(B, T, w_o.shape[0])
        for b in range(B):
            for i in range(T):
                for j in range(T):
                    layer_vec = torch.zeros(w_o.shape[0])
                    for h in range(H):
                        cols = slice(h * d, (h + 1) * d)
                        f = (x[b, j] @ w_v[cols].T + b_v[cols]) @ w_o[:, cols].T  # f^h(x_j), (C,)
                        vec = probs[b, h, i, j] * f
                        assert math.isclose(views.norm[n][b, h, i, j].item(), vec.norm().item(), abs_tol=1e-5)
                        layer_vec += vec
                    assert math.isclose(views.norm_sum[n][b, i, j].item(), layer_vec.norm().item(), abs_tol=1e-5)
                    total[b, i] += layer_vec
        # Σ_h Σ_j α f(x_j) + b_O is exactly what the output projection produced in the real forward pass:
        # the decomposition is right, and hidden_states[n] is the input of layer n.
        torch.testing.assert_close(total + b_o, captured[n], atol=1e-5, rtol=0)


def test_norm_weighted_is_the_weight_times_the_value_norm():
    model = tiny_model(seed=1)
    x = torch.randn(2, 5, 12)
    f = transformed_values(model.encoder.layer[0].attention, x)
    assert f.shape == (2, 3, 5, 12)
    probs = torch.softmax(torch.randn(2, 3, 5, 5), -1)
    out = norm_weighted_attention(probs, f)
    assert torch.allclose(out[1, 2, 4, 1], probs[1, 2, 4, 1] * f[1, 2, 1].norm())
    shares = row_shares(out)
    assert torch.allclose(shares.sum(-1), torch.ones(2, 3, 5))
    assert torch.equal(row_shares(torch.zeros(2, 3)), torch.zeros(2, 3))  # an all-zero row stays zero, no NaN


def rollout_by_paths(attentions, residual):
    """R_L[i, j] = Σ over paths i = k_L → k_{L-1} → … → k_0 = j of Π_l Â_l[k_l, k_{l-1}]: every path spelled out."""
    import itertools

    B, H, T, _ = attentions[0].shape
    hat = []
    for probs in attentions:
        a = [[[sum(probs[b, h, i, j].item() for h in range(H)) / H for j in range(T)] for i in range(T)]
             for b in range(B)]
        a = [[[(1 - residual) * a[b][i][j] + residual * (i == j) for j in range(T)] for i in range(T)]
             for b in range(B)]
        hat.append([[[v / sum(row) for v in row] for row in a[b]] for b in range(B)])
    L = len(attentions)
    out = torch.zeros(B, T, T)
    for b in range(B):
        for path in itertools.product(range(T), repeat=L + 1):  # path[L] = i (output), path[0] = j (input)
            weight = 1.0
            for layer in range(L):
                weight *= hat[layer][b][path[layer + 1]][path[layer]]
            out[b, path[L], path[0]] += weight
    return out


@pytest.mark.parametrize("residual", [0.5, 0.0, 0.8])
def test_rollout_equals_the_sum_over_paths(residual):
    g = torch.Generator().manual_seed(0)
    attentions = [torch.softmax(torch.randn(2, 3, 4, 4, generator=g) * 2, -1) for _ in range(3)]
    rolled = attention_rollout(attentions, residual=residual)
    assert len(rolled) == 3 and rolled[0].shape == (2, 4, 4)
    torch.testing.assert_close(rolled[-1], rollout_by_paths(attentions, residual), atol=1e-6, rtol=0)
    torch.testing.assert_close(rolled[1], rollout_by_paths(attentions[:2], residual), atol=1e-6, rtol=0)
    assert torch.allclose(rolled[-1].sum(-1), torch.ones(2, 4))


def test_rollout_on_a_padded_batch_gives_padding_no_share_and_survives_a_pruned_layer():
    model = tiny_model(seed=2)
    ids, mask = padded_batch()
    model.prune_heads({1: [0, 1, 2]})  # layer 1 has no heads left: only the residual path
    views = attention_views(model, ids, mask)
    assert views.raw[1].shape == (2, 0, 6, 6)
    assert torch.allclose(views.rollout[1], views.rollout[0])  # an identity layer changes nothing
    real = mask[1].bool()
    assert (views.rollout[-1][1][real][:, ~real] == 0).all()  # real tokens draw nothing from padding
    shares = token_class_shares(views.raw, ids == 2, mask)
    assert shares.shape == (3, 3) and shares[1].isnan().all() and not shares[0].isnan().any()
    with pytest.raises(ValueError, match="residual must be"):
        attention_rollout(views.raw, residual=1.5)


def test_views_match_the_models_attentions_and_restore_training_mode():
    model = tiny_model(seed=3).train()
    ids, mask = padded_batch()
    views = attention_views(model, ids, mask, token_type_ids=torch.zeros_like(ids), offset_mapping=None)
    assert model.training  # handed back as it came
    with torch.no_grad():
        expected = model.eval()(ids, attention_mask=mask, output_attentions=True).attentions
    for ours, ref in zip(views.raw, expected):
        assert torch.equal(ours, ref)
    with pytest.raises(TypeError, match="BertModel"):
        attention_views(torch.nn.Linear(2, 2), ids)


def test_token_class_shares_and_offsets_against_loops():
    g = torch.Generator().manual_seed(4)
    B, H, T = 2, 3, 6
    attentions = [torch.softmax(torch.randn(B, H, T, T, generator=g), -1) for _ in range(2)]
    mask = torch.tensor([[1] * 6, [1, 1, 1, 1, 0, 0]])
    keys = torch.tensor([[1, 0, 0, 0, 0, 1], [1, 0, 0, 1, 0, 0]], dtype=torch.bool)
    shares = token_class_shares(attentions, keys, mask)
    for offset in (-1, 1, 2):
        got = offset_attention(attentions, mask, offset)
        for layer, probs in enumerate(attentions):
            for h in range(H):
                weights = [probs[b, h, i, i + offset].item() for b in range(B) for i in range(T)
                           if 0 <= i + offset < T and mask[b, i] and mask[b, i + offset]]
                assert math.isclose(got[layer, h].item(), sum(weights) / len(weights), abs_tol=1e-6)
    for layer, probs in enumerate(attentions):
        for h in range(H):
            per_query = [sum(probs[b, h, i, j].item() for j in range(T) if keys[b, j])
                         for b in range(B) for i in range(T) if mask[b, i]]
            assert math.isclose(shares[layer, h].item(), sum(per_query) / len(per_query), abs_tol=1e-6)
    with pytest.raises(ValueError, match="non-zero"):
        offset_attention(attentions, mask, 0)


def test_find_heads_finds_the_planted_previous_and_next_token_heads():
    T = 7
    prev = torch.diag(torch.ones(T - 1), -1)
    prev[0, 0] = 1  # query 0 has no previous token
    nxt = torch.diag(torch.ones(T - 1), 1)
    nxt[-1, -1] = 1
    uniform = torch.full((T, T), 1 / T)
    layer0 = torch.stack([uniform, prev, uniform])[None]  # (1, 3, T, T)
    layer1 = torch.stack([nxt, uniform, 0.6 * prev + 0.4 * uniform])[None]
    mask = torch.ones(1, T)
    previous = offset_attention([layer0, layer1], mask, -1)
    assert find_heads(previous) == [(0, 1, pytest.approx(1.0)), (1, 2, pytest.approx(0.6 + 0.4 / T))]
    assert [(lay, h) for lay, h, _ in find_heads(offset_attention([layer0, layer1], mask, 1))] == [(1, 0)]
    assert find_heads(previous, threshold=0.99) == [(0, 1, pytest.approx(1.0))]


def test_token_class_masks_on_the_real_tokenizer():
    tok = BertTokenizer.from_pretrained(TINY)
    batch = tok(["Hello, world... (yes)!", "no"], padding=True, return_tensors="pt")
    masks = token_class_masks(tok, batch["input_ids"])
    tokens = tok.convert_ids_to_tokens(batch["input_ids"][0])
    marked = {name: [t for t, m in zip(tokens, masks[name][0].tolist()) if m] for name in masks}
    assert marked == {"[CLS]": ["[CLS]"], "[SEP]": ["[SEP]"], "punctuation": [",", ".", ".", ".", "(", ")", "!"]}
    assert masks["punctuation"][1].sum() == 0 and masks["[SEP]"][1].sum() == 1  # [PAD] is not punctuation
