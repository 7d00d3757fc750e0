"""Gradient checkpointing: same gradients as without it (dropout on, same seed), really recomputing, and
working with frozen embeddings; and the same gradients as `transformers` 4.57.6's own checkpointing.

Dropout draws from the global RNG. ``torch.utils.checkpoint`` saves the RNG state before a layer's first
forward and restores it for the recomputation, so the recomputed dropout masks are the original ones:
that is what makes "same seed => same gradients" hold with dropout on.
"""

from __future__ import annotations

import pytest
import torch
from _reference_pair import TINY, assert_grads_close, grads, model_pair, random_batch, weighted_loss

DROPOUT = dict(hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)


def train_step(model, batch, seed: int = 7, checkpointing: bool = False, **kwargs):
    """One forward + backward in train mode with a fixed dropout seed; returns (output, gradients)."""
    model.zero_grad(set_to_none=True)
    if checkpointing:
        model.gradient_checkpointing_enable(**kwargs)
    else:
        model.gradient_checkpointing_disable()
    model.train()
    ids, mask, types = batch
    torch.manual_seed(seed)
    out = model(ids, attention_mask=mask, token_type_ids=types)
    weighted_loss(out).backward()
    return out, grads(model)


def test_enable_disable_and_real_recomputation():
    model, _ = model_pair()
    calls = []
    model.encoder.layer[1].register_forward_pre_hook(lambda *_: calls.append(1))
    batch = random_batch(2, 6)
    assert not model.is_gradient_checkpointing
    train_step(model, batch)
    assert len(calls) == 1

    last_calls = []
    model.encoder.layer[-1].register_forward_pre_hook(lambda *_: last_calls.append(1))
    calls.clear()
    train_step(model, batch, checkpointing=True)
    assert model.is_gradient_checkpointing
    assert len(calls) == 2  # forward, then again during backward: the activations were not kept
    # The last layer keeps its activations: backward would rebuild them at once (minibert/bert/checkpointing.py).
    assert len(last_calls) == 1

    calls.clear()
    model.eval()
    with torch.no_grad():
        model(batch[0])
    assert len(calls) == 1  # checkpointing applies to training only

    model.gradient_checkpointing_disable()
    assert not model.is_gradient_checkpointing
    calls.clear()
    train_step(model, batch)
    assert len(calls) == 1


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_same_gradients_with_dropout(impl):
    model, _ = model_pair(impl, **DROPOUT)
    batch = random_batch(3, 10)
    out_plain, g_plain = train_step(model, batch, seed=11)
    out_ckpt, g_ckpt = train_step(model, batch, seed=11, checkpointing=True)
    assert torch.equal(out_plain.last_hidden_state, out_ckpt.last_hidden_state)
    assert_grads_close(g_ckpt, g_plain, atol=1e-6)
    # Dropout really was on: another seed gives other outputs.
    out_other, _ = train_step(model, batch, seed=12)
    assert not torch.allclose(out_other.last_hidden_state, out_plain.last_hidden_state)


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_frozen_embeddings(impl):
    model, _ = model_pair(impl, **DROPOUT)
    model.embeddings.requires_grad_(False)
    batch = random_batch(2, 8)
    _, g_plain = train_step(model, batch)
    _, g_ckpt = train_step(model, batch, checkpointing=True)
    encoder = {n for n, p in model.named_parameters() if n.startswith("encoder.")}
    assert encoder <= g_ckpt.keys()
    assert all(g_ckpt[n].abs().sum() > 0 for n in encoder)
    assert not any(n.startswith("embeddings.") for n in g_ckpt)
    assert_grads_close(g_ckpt, g_plain, atol=1e-6)


@pytest.mark.filterwarnings("ignore:None of the inputs have requires_grad=True")
def test_reentrant_variant_loses_encoder_gradients_with_frozen_embeddings():
    """Why minibert defaults to use_reentrant=False: the reentrant form, asked for explicitly, silently
    computes no gradient for the encoder weights when no input of a checkpointed layer requires one."""
    model, _ = model_pair(**DROPOUT)
    model.embeddings.requires_grad_(False)
    _, g = train_step(model, random_batch(2, 8), checkpointing=True,
                      gradient_checkpointing_kwargs={"use_reentrant": True})
    last = f"encoder.layer.{TINY['num_hidden_layers'] - 1}."
    assert not any(n.startswith("encoder.") and not n.startswith(last) for n in g)
    # Only what is not checkpointed learns: the last layer (never checkpointed) and the pooler.
    assert any(n.startswith(last) for n in g) and any(n.startswith("pooler.") for n in g)


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("reentrant", [False, True])
def test_matches_reference_checkpointing(impl, reentrant):
    """The reference's checkpointed training step (its default is use_reentrant=True) gives our gradients.

    Comparable with dropout on: both models draw their dropout masks from the global RNG in the same order
    (embeddings, then per layer attention probabilities, attention output, feed-forward output).
    """
    ours, theirs = model_pair(impl, **DROPOUT)
    batch = random_batch(3, 9)
    out_o, g_o = train_step(ours, batch, checkpointing=True)
    out_t, g_t = train_step(theirs, batch, checkpointing=True,
                            gradient_checkpointing_kwargs={"use_reentrant": reentrant})
    assert theirs.is_gradient_checkpointing
    assert (out_o.last_hidden_state - out_t.last_hidden_state).abs().max() <= 1e-5
    assert_grads_close(g_o, g_t, atol=1e-5)


def test_checkpointing_with_head_mask_and_attentions():
    """Non-tensor and optional arguments (head mask, output_attentions) go through the checkpoint intact."""
    model, _ = model_pair(**DROPOUT)
    batch = random_batch(2, 7)
    head_mask = torch.ones(TINY["num_hidden_layers"], TINY["num_attention_heads"])
    head_mask[0, 2] = 0
    results = []
    for ckpt in (False, True):
        model.zero_grad(set_to_none=True)
        model.gradient_checkpointing_enable() if ckpt else model.gradient_checkpointing_disable()
        model.train()
        torch.manual_seed(3)
        out = model(batch[0], batch[1], head_mask=head_mask, output_attentions=True)
        weighted_loss(out).backward()
        results.append((out, grads(model)))
    (o1, g1), (o2, g2) = results
    assert all(torch.equal(a, b) for a, b in zip(o1.attentions, o2.attentions))
    assert o2.attentions[0][:, 2].abs().max() == 0
    assert_grads_close(g2, g1, atol=1e-6)


def _backward_flops(model, batch, **kwargs) -> dict:
    """FLOPs per operator counted while backward runs, after a (possibly checkpointed) forward."""
    from torch.utils.flop_counter import FlopCounterMode

    model.zero_grad(set_to_none=True)
    model.gradient_checkpointing_enable(**kwargs) if kwargs.get("gradient_checkpointing_kwargs") is not None \
        else model.gradient_checkpointing_disable()
    model.train()
    ids, mask, types = batch
    torch.manual_seed(5)
    loss = weighted_loss(model(ids, attention_mask=mask, token_type_ids=types))
    with FlopCounterMode(display=False) as counter:
        loss.backward()
    return {str(op): n for op, n in counter.get_flop_counts()["Global"].items()}


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_selective_recompute_same_gradients_and_no_recomputed_matmuls(impl):
    """selective_recompute: gradients equal to no checkpointing (dropout on), the linear layers' matmuls are
    not run again in backward (full checkpointing runs them again), the attention matmuls are."""
    from minibert import selective_recompute

    model, _ = model_pair(impl, **DROPOUT)
    batch = random_batch(3, 10)
    out_plain, g_plain = train_step(model, batch, seed=11)
    out_sel, g_sel = train_step(model, batch, seed=11, checkpointing=True,
                                gradient_checkpointing_kwargs={"context_fn": selective_recompute})
    assert torch.equal(out_plain.last_hidden_state, out_sel.last_hidden_state)
    assert_grads_close(g_sel, g_plain, atol=1e-6)

    plain = _backward_flops(model, batch)
    full = _backward_flops(model, batch, gradient_checkpointing_kwargs={})
    selective = _backward_flops(model, batch, gradient_checkpointing_kwargs={"context_fn": selective_recompute})
    addmm = "aten.addmm"  # the linear layers' forward GEMM (backward uses aten.mm)
    assert plain.get(addmm, 0) == 0 and selective.get(addmm, 0) == 0
    assert full.get(addmm, 0) > 0  # full checkpointing recomputes every linear layer of the checkpointed layers
    assert sum(full.values()) > sum(selective.values()) > sum(plain.values())  # selective recomputes attention


def test_selective_recompute_needs_the_non_reentrant_form():
    from minibert import selective_recompute

    model, _ = model_pair()
    with pytest.raises(ValueError, match="use_reentrant=False"):
        train_step(model, random_batch(2, 6), checkpointing=True,
                   gradient_checkpointing_kwargs={"use_reentrant": True, "context_fn": selective_recompute})
