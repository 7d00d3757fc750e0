"""Head pruning and head masks, against `transformers` 4.57.6 and against each other.

* ``prune_heads`` physically removes rows of Q/K/V and columns of the attention output projection; repeated
  calls use the original head numbering; ``config.pruned_heads`` records it and survives save/load, in both
  directions with the reference.
* ``head_mask`` of shape (H,) or (L, H) matches the reference (outputs and gradients), eager and sdpa.
* Pruning a head computes what masking it with ``head_mask`` = 0 computes (to float32 rounding:
  tests/helpers/_numerics.py).
* Pruning every head of a layer works: the attention sublayer gives LayerNorm(x + output bias).

Observed with transformers 4.57.6 (``test_reference_crashes_when_every_head_of_a_layer_is_pruned``):
``prune_heads`` of all heads of a layer succeeds, but the next forward pass raises ``RuntimeError: cannot
reshape tensor of 0 elements into shape [B, -1, 0, d] because the unspecified dimension size -1 can be any
value and is ambiguous`` (the ``view`` of the empty query projection). minibert returns instead.
"""

from __future__ import annotations

import pytest
import torch
import transformers
from _numerics import forward_depth, rounding_bound, widest_sum
from _reference_pair import TINY, assert_grads_close, grads, max_diff, model_pair, random_batch, weighted_loss

from minibert import BertConfig, BertModel

C, H, L = TINY["hidden_size"], TINY["num_attention_heads"], TINY["num_hidden_layers"]
D = C // H  # head size


def bound(values, backward: bool = False, rows: int = 24) -> float:
    """Pruned vs masked: the same math, but smaller matrices summed in another order, so they agree within the
    derived rounding bound (tests/helpers/_numerics.py), relative to the values' size; the pooler adds one sum, the
    backward pass runs the chain back, and a weight's gradient sums over the batch's ``rows`` tokens."""
    config = BertConfig(**TINY)
    return rounding_bound(values, forward_depth(config, 1, backward), widest_sum(config, rows))


def head_rows(heads) -> torch.Tensor:
    """Feature indices (rows of Q/K/V, columns of the output dense) owned by ``heads``."""
    return torch.cat([torch.arange(h * D, (h + 1) * D) for h in heads])


def test_prune_removes_rows_and_columns():
    model, _ = model_pair()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.prune_heads({0: [1], 2: [0, 3]})

    for layer, kept in ((0, [0, 2, 3]), (1, [0, 1, 2, 3]), (2, [1, 2])):
        attn = model.encoder.layer[layer].attention
        assert attn.self.num_attention_heads == len(kept)
        assert attn.self.all_head_size == len(kept) * D
        p = f"encoder.layer.{layer}.attention."
        rows = head_rows(kept)
        for name in ("query", "key", "value"):
            lin = getattr(attn.self, name)
            assert lin.weight.shape == (len(kept) * D, C) and lin.bias.shape == (len(kept) * D,)
            assert torch.equal(lin.weight, before[p + f"self.{name}.weight"][rows])
            assert torch.equal(lin.bias, before[p + f"self.{name}.bias"][rows])
        dense = attn.output.dense
        assert dense.weight.shape == (C, len(kept) * D) and dense.bias.shape == (C,)
        assert torch.equal(dense.weight, before[p + "output.dense.weight"][:, rows])
        assert torch.equal(dense.bias, before[p + "output.dense.bias"])  # the bias belongs to the outputs
    assert model.config.pruned_heads == {0: [1], 2: [0, 3]}
    assert model.encoder.layer[2].attention.pruned_heads == {0, 3}


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_repeated_pruning_keeps_original_numbering(impl):
    ids, mask, types = random_batch(3, 9)
    stepwise, reference = model_pair(impl)
    at_once, _ = model_pair(impl)
    stepwise.prune_heads({0: [1]})
    stepwise.prune_heads({0: [0, 2], 1: [3]})
    stepwise.prune_heads({0: [2]})  # already gone: a no-op
    at_once.prune_heads({0: [0, 1, 2], 1: [3]})
    reference.prune_heads({0: [1]})
    reference.prune_heads({0: [0, 2], 1: [3]})

    assert stepwise.config.pruned_heads == at_once.config.pruned_heads == {0: [0, 1, 2], 1: [3]}
    assert {int(k): sorted(v) for k, v in reference.config.pruned_heads.items()} == stepwise.config.pruned_heads
    s, a, r = stepwise.state_dict(), at_once.state_dict(), reference.state_dict()
    for k, v in s.items():
        assert torch.equal(v, a[k]) and torch.equal(v, r[k]), k  # the very same rows survived
    with torch.no_grad():
        out_s, out_a = stepwise(ids, mask, types), at_once(ids, mask, types)
        out_r = reference(ids, mask, types)
    assert max_diff(out_s.last_hidden_state, out_a.last_hidden_state) == 0.0
    assert max_diff(out_s.last_hidden_state, out_r.last_hidden_state) <= 1e-5
    assert max_diff(out_s.pooler_output, out_r.pooler_output) <= 1e-5


def test_bad_prune_requests_change_nothing():
    model, _ = model_pair()
    model.prune_heads({1: [0]})
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=r"cannot prune layer 3: the model has layers 0\.\.2"):
        model.prune_heads({0: [1], 3: [0]})
    with pytest.raises(ValueError, match=r"cannot prune heads \[4\] of layer 0: heads are numbered 0\.\.3"):
        model.prune_heads({0: [1, 4]})
    assert model.config.pruned_heads == {1: [0]}
    assert {k: v.shape for k, v in model.state_dict().items()} == shapes


def test_head_mask_for_a_pruned_layer_must_fit_its_remaining_heads():
    model, _ = model_pair()
    model.prune_heads({0: [2]})
    ids, mask, _ = random_batch(2, 5)
    with pytest.raises(ValueError, match="head_mask gives 4 heads but this layer has 3"):
        model(ids, mask, head_mask=torch.ones(H))


@pytest.mark.parametrize("safe", [True, False])
def test_save_and_load_pruned_model_both_ways_with_reference(tmp_path, safe):
    ids, mask, types = random_batch(2, 8)
    ours, theirs = model_pair()
    ours.prune_heads({0: [0, 3], 2: [1]})
    theirs.prune_heads({0: [0, 3], 2: [1]})
    with torch.no_grad():
        expected = ours(ids, mask, types).last_hidden_state

    ours.save_pretrained(tmp_path / "ours", safe_serialization=safe)
    theirs.save_pretrained(tmp_path / "theirs", safe_serialization=safe)
    loaded = {
        "ours->ours": BertModel.from_pretrained(tmp_path / "ours"),
        "ours->reference": transformers.BertModel.from_pretrained(tmp_path / "ours", attn_implementation="eager"),
        "reference->ours": BertModel.from_pretrained(tmp_path / "theirs"),
    }
    for how, model in loaded.items():
        pruned = {int(k): sorted(v) for k, v in model.config.pruned_heads.items()}
        assert pruned == {0: [0, 3], 2: [1]}, how
        assert model.encoder.layer[0].attention.self.query.weight.shape == (2 * D, C), how
        assert model.encoder.layer[2].attention.output.dense.weight.shape == (C, 3 * D), how
        with torch.no_grad():
            got = model(ids, mask, types).last_hidden_state
        assert max_diff(got, expected) <= 1e-5, how
    # Loading re-applies the recorded pruning once: the heads are not removed a second time.
    assert loaded["ours->ours"].encoder.layer[0].attention.pruned_heads == {0, 3}


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
def test_reference_crashes_when_every_head_of_a_layer_is_pruned():
    """What transformers 4.57.6 does (see the module docstring); minibert's behaviour is tested below."""
    _, theirs = model_pair()
    theirs.prune_heads({1: list(range(H))})  # succeeds ...
    ids, mask, _ = random_batch(2, 6)
    with pytest.raises(RuntimeError, match="cannot reshape tensor of 0 elements"):
        theirs(ids, mask)  # ... the forward pass does not


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_pruning_every_head_of_a_layer(impl):
    ids, mask, types = random_batch(3, 7)
    pruned, _ = model_pair(impl)
    masked, _ = model_pair(impl)
    pruned.prune_heads({1: [0, 1, 2, 3]})
    attn = pruned.encoder.layer[1].attention
    assert attn.self.query.weight.shape == (0, C) and attn.output.dense.weight.shape == (C, 0)

    # The sublayer is now LayerNorm(x + b_out): only the residual and the output bias remain.
    x = torch.randn(2, 5, C)
    with torch.no_grad():
        got, _ = attn(x)
        want = attn.output.LayerNorm(x + attn.output.dense.bias)
    assert max_diff(got, want) <= rounding_bound(want, 1, C)  # one LayerNorm: a sum over C features

    # And the whole model equals the unpruned one with that layer's heads masked to zero.
    head_mask = torch.ones(L, H)
    head_mask[1] = 0
    out_p = pruned.train()(ids, mask, types, output_hidden_states=True)
    out_m = masked.train()(ids, mask, types, head_mask=head_mask, output_hidden_states=True)
    for hp, hm in zip(out_p.hidden_states, out_m.hidden_states):
        assert max_diff(hp, hm) <= bound(hm)
    weighted_loss(out_p).backward()
    weighted_loss(out_m).backward()
    gp, gm = grads(pruned), grads(masked)
    for name in ("query", "key", "value"):
        for kind in ("weight", "bias"):
            key = f"encoder.layer.1.attention.self.{name}.{kind}"
            assert key not in gp and gm[key].abs().max() == 0  # (0, C) weights take no part; masked: all 0
    gm["encoder.layer.1.attention.output.dense.weight"] = gm["encoder.layer.1.attention.output.dense.weight"][:, :0]
    limit = bound(list(gm.values()), backward=True)
    for k in gm:
        if ".layer.1.attention.self." not in k:
            assert max_diff(gp[k], gm[k]) <= limit, k


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("per_layer", [False, True])
def test_head_mask_matches_reference(impl, per_layer):
    ids, mask, types = random_batch(3, 9)
    ours, theirs = model_pair(impl)
    g = torch.Generator().manual_seed(5)
    # Not only 0/1: the reference multiplies the probabilities, so fractional "soft" masks must agree too.
    values = torch.rand((L, H) if per_layer else (H,), generator=g)
    values[..., 1] = 0.0
    results = []
    for model in (ours, theirs):
        model.train()  # dropout is 0 in TINY: train mode only to build the graph as in training
        head_mask = values.clone().requires_grad_(True)  # its gradient = head importance (Michel et al., 2019)
        out = model(ids, mask, types, head_mask=head_mask, output_attentions=True)
        weighted_loss(out).backward()
        results.append((out, grads(model), head_mask.grad))
    (out_o, g_o, hm_o), (out_t, g_t, hm_t) = results
    assert max_diff(out_o.last_hidden_state, out_t.last_hidden_state) <= 1e-5
    assert max_diff(out_o.pooler_output, out_t.pooler_output) <= 1e-5
    for a_o, a_t in zip(out_o.attentions, out_t.attentions):
        assert max_diff(a_o, a_t) <= 1e-5  # the masked probabilities, as the reference returns them
    assert_grads_close(g_o, g_t, atol=1e-5)
    assert max_diff(hm_o, hm_t) <= 1e-5


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_pruning_equals_masking(impl):
    to_prune = {0: [1, 3], 2: [0]}
    ids, mask, types = random_batch(3, 8)
    pruned, _ = model_pair(impl)
    masked, _ = model_pair(impl)
    pruned.prune_heads(to_prune)
    head_mask = torch.ones(L, H)
    for layer, heads in to_prune.items():
        head_mask[layer, heads] = 0.0

    out_p = pruned.train()(ids, mask, types, output_hidden_states=True)
    out_m = masked.train()(ids, mask, types, head_mask=head_mask, output_hidden_states=True)
    for hp, hm in zip(out_p.hidden_states, out_m.hidden_states):
        assert max_diff(hp, hm) <= bound(hm)
    assert max_diff(out_p.pooler_output, out_m.pooler_output) <= bound(out_m.last_hidden_state)

    weighted_loss(out_p).backward()
    weighted_loss(out_m).backward()
    gp, gm = grads(pruned), grads(masked)
    assert gp.keys() == gm.keys()
    limit = bound(list(gm.values()), backward=True)
    for k in gm:
        layer = int(k.split(".")[2]) if k.startswith("encoder.layer.") else None
        if layer in to_prune and ".attention." in k and "LayerNorm" not in k and "output.dense.bias" not in k:
            gone = head_rows(to_prune[layer])
            kept = head_rows(sorted(set(range(H)) - set(to_prune[layer])))
            if ".output.dense." in k:  # columns of the output projection
                assert gm[k][:, gone].abs().max() == 0, k
                gm[k] = gm[k][:, kept]
            else:  # rows of Q/K/V and their biases
                assert gm[k][gone].abs().max() == 0, k
                gm[k] = gm[k][kept]
        assert max_diff(gp[k], gm[k]) <= limit, k
