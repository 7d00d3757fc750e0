"""`config.unpad_inputs`: the unpadded path computes, at every real position, what the padded path computes.

The padded path is proven equal to the reference elsewhere (test_parity_model.py, test_heads_parity.py), so
here each case runs one minibert model twice, with ``unpad_inputs`` off and on, and compares: every output at
real positions within the float32 rounding of the same math summed in another order (bitwise where the kernels
allow: benchmarks/unpad_bench.py measures which; the bound, derived in tests/helpers/_numerics.py, is relative to the
values' size), padded positions of the hidden states exactly zero, and gradients of a loss over real positions
within the same bound for the backward pass (their sums over rows run in another order, so those are close,
not bitwise).
"""

from __future__ import annotations

import pytest
import torch
from _numerics import forward_depth, rounding_bound, widest_sum

import minibert
from minibert import BertConfig, BertModel
from minibert.bert.unpadding import UnpaddedBatch

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=24, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
CONFIG = BertConfig(**TINY)
HEADS = ["BertForPreTraining", "BertForMaskedLM", "BertForNextSentencePrediction", "BertForSequenceClassification",
         "BertForMultipleChoice", "BertForTokenClassification", "BertForQuestionAnswering"]


def make(cls=BertModel, impl="sdpa", seed=0, **overrides):
    torch.manual_seed(seed)
    model = cls(BertConfig(**{**TINY, **overrides}, attn_implementation=impl))
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():  # off the init values, so a bias or LayerNorm weight that is skipped would show
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)
    return model.eval()


def batch(B=4, T=12, seed=1, shape=None):
    """Ragged right padding (row 0 full, row b ends 3·b early), two segments."""
    g = torch.Generator().manual_seed(seed)
    shape = shape or (B, T)
    ids = torch.randint(1, TINY["vocab_size"], shape, generator=g)
    mask = torch.ones(shape, dtype=torch.long)
    for b in range(1, shape[0]):
        mask[b, ..., max(1, shape[-1] - 3 * b):] = 0
    ids[mask == 0] = 0
    types = torch.zeros(shape, dtype=torch.long)
    types[..., shape[-1] // 3:] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def run(model, unpad, **inputs):
    model.config.unpad_inputs = unpad  # read at every forward: the same weights, both paths
    return model(**inputs, return_dict=True)


def real(x, mask):
    """Values at real positions: (B, T, ...) → (N, ...)."""
    return x[mask.bool()]


def diff(a, b):
    return (a - b).abs().max().item() if a.numel() else 0.0


def bound(values, head: int = 2, backward: bool = False) -> float:
    """How far the padded and unpadded paths may differ on ``values`` (tests/helpers/_numerics.py): the same math, its
    matrix products run on other row counts and so summed in another order. ``head``: sums after the encoder
    (pooler or MLM transform, then the classifier or decoder); ``backward``: gradients, the chain run back.
    The longest sum is over every token of the batch (a weight's gradient), at most 60 here."""
    return rounding_bound(values, forward_depth(CONFIG, head, backward), widest_sum(CONFIG, 60))


def grad_bound(*grads: dict) -> float:
    """Gradients: relative to the largest gradient of any weight (a small one is a sum of larger parts)."""
    return bound([g for grad in grads for g in grad.values()], backward=True)


def test_default_off_and_config_round_trip(tmp_path):
    config = BertConfig(**TINY)
    assert config.unpad_inputs is False and "unpad_inputs" not in config.to_dict()  # config.json as the reference
    BertModel(config).save_pretrained(tmp_path)
    model = BertModel.from_pretrained(tmp_path, unpad_inputs=True)
    assert model.config.unpad_inputs is True
    model.save_pretrained(tmp_path / "again")
    assert BertConfig.from_pretrained(tmp_path / "again").unpad_inputs is True
    with pytest.raises(ValueError, match="unpad_inputs must be true or false"):
        BertConfig(**TINY, unpad_inputs="yes")


def test_gather_pad_picture():
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    u = UnpaddedBatch.from_mask(mask)
    assert u.indices.tolist() == [0, 1, 2, 4, 5] and u.num_tokens == 5
    x = torch.arange(8.0).view(2, 4, 1)
    rows = u.gather(x)  # (1, N, 1)
    assert rows.flatten().tolist() == [0, 1, 2, 4, 5]
    assert u.pad(rows).flatten().tolist() == [0, 1, 2, 0, 4, 5, 0, 0]  # padding comes back as zeros


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("position", ["absolute", "relative_key", "relative_key_query"])
def test_model_outputs_equal_at_real_positions(impl, position):
    model = make(impl=impl, position_embedding_type=position)
    inputs = batch()
    mask = inputs["attention_mask"]
    with torch.no_grad():
        a = run(model, False, **inputs, output_hidden_states=True, output_attentions=True)
        b = run(model, True, **inputs, output_hidden_states=True, output_attentions=True)
    assert diff(real(a.last_hidden_state, mask), real(b.last_hidden_state, mask)) <= bound(a.last_hidden_state)
    assert diff(a.pooler_output, b.pooler_output) <= bound(a.last_hidden_state)  # tanh shrinks, never grows, Δ
    assert len(a.hidden_states) == len(b.hidden_states) == TINY["num_hidden_layers"] + 1
    for h_pad, h_unpad in zip(a.hidden_states, b.hidden_states):
        assert h_unpad.shape == h_pad.shape
        assert diff(real(h_pad, mask), real(h_unpad, mask)) <= bound(h_pad)
        assert torch.count_nonzero(h_unpad[mask == 0]) == 0  # padded positions are zero, as documented
    for p_pad, p_unpad in zip(a.attentions, b.attentions):
        assert p_unpad.shape == p_pad.shape  # (B, H, T, T)
        # The rows of real queries: (N, H, T) after moving the query axis next to the batch. Probabilities are
        # at most 1: the bound for values of that size through the whole encoder.
        assert diff(real(p_pad.transpose(1, 2), mask), real(p_unpad.transpose(1, 2), mask)) <= bound(1.0)


def test_embeddings_bitwise():
    """No matrix multiply before the first layer: the embedding rows are the same bits on any build. (Whether
    the layers' GEMMs are bitwise too depends on the BLAS; benchmarks/unpad_bench.py measures it.)"""
    model = make(num_hidden_layers=1)
    inputs = batch(B=5, T=17, seed=3)
    with torch.no_grad():
        a = run(model, False, **inputs, output_hidden_states=True)
        b = run(model, True, **inputs, output_hidden_states=True)
    mask = inputs["attention_mask"].bool()
    assert torch.equal(a.hidden_states[0][mask], b.hidden_states[0][mask])


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_head_mask_and_pruned_heads(impl):
    model = make(impl=impl)
    inputs = batch()
    mask = inputs["attention_mask"]
    head_mask = torch.ones(3, 4)
    head_mask[1, 0], head_mask[1, 2] = 0.0, 0.5
    with torch.no_grad():
        a = run(model, False, **inputs, head_mask=head_mask, output_attentions=True)
        b = run(model, True, **inputs, head_mask=head_mask, output_attentions=True)
        plain = run(model, False, **inputs)
    assert diff(real(a.last_hidden_state, mask), real(b.last_hidden_state, mask)) <= bound(a.last_hidden_state)
    assert diff(real(a.last_hidden_state, mask), real(plain.last_hidden_state, mask)) > 1e-4  # the mask acted
    model.prune_heads({0: [0, 1, 2, 3], 2: [1]})  # layer 0 loses every head
    with torch.no_grad():
        a = run(model, False, **inputs, output_attentions=True)
        b = run(model, True, **inputs, output_attentions=True)
    assert diff(real(a.last_hidden_state, mask), real(b.last_hidden_state, mask)) <= bound(a.last_hidden_state)
    assert [t.shape for t in a.attentions] == [t.shape for t in b.attentions]


def head_inputs(name):
    if name == "BertForMultipleChoice":
        return batch(B=3, T=10, shape=(3, 2, 10))
    return batch()


def head_labels(name, inputs, num_labels=3):
    g = torch.Generator().manual_seed(5)
    mask = inputs["attention_mask"]
    B = mask.shape[0]
    token = torch.randint(0, num_labels, mask.shape, generator=g).masked_fill(mask == 0, -100)
    return {
        "BertForPreTraining": {"labels": torch.randint(0, TINY["vocab_size"], mask.shape, generator=g)
                               .masked_fill(mask == 0, -100), "next_sentence_label": torch.tensor([0, 1, 1, 0])},
        "BertForMaskedLM": {"labels": torch.randint(0, TINY["vocab_size"], mask.shape, generator=g)
                            .masked_fill(mask == 0, -100)},
        "BertForNextSentencePrediction": {"labels": torch.tensor([0, 1, 1, 0])},
        "BertForSequenceClassification": {"labels": torch.randint(0, num_labels, (B,), generator=g)},
        "BertForMultipleChoice": {"labels": torch.randint(0, 2, (B,), generator=g)},
        "BertForTokenClassification": {"labels": token},
        "BertForQuestionAnswering": {"start_positions": torch.tensor([1, 2, 3, 0]),
                                     "end_positions": torch.tensor([4, 5, 3, 2])},
    }[name]


def compare_head_outputs(name, a, b, mask):
    """Per-token outputs at real positions, per-sequence outputs whole, losses whole."""
    for key in a.keys():
        x, y = a[key], b[key]
        if isinstance(x, tuple) or x is None:
            continue
        per_token = x.dim() >= 2 and x.shape[:2] == mask.shape
        d = diff(real(x, mask), real(y, mask)) if per_token else diff(x, y)
        # A loss is a mean of -log p: it moves by at most the logits' bound, twice (tests/helpers/_numerics.py).
        limit = bound(x) if key != "loss" else 2 * bound([v for v in a.values() if isinstance(v, torch.Tensor)])
        assert d <= limit, f"{name}.{key}: {d:.3g} > {limit:.3g}"


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("name", HEADS)
def test_every_head_outputs_and_gradients(name, impl):
    model = make(getattr(minibert, name), impl=impl, num_labels=2 if name == "BertForQuestionAnswering" else 3)
    inputs = head_inputs(name)
    labels = head_labels(name, inputs)
    mask = inputs["attention_mask"].reshape(-1, inputs["attention_mask"].shape[-1])
    model.train()  # dropout is 0 in TINY: the two runs differ only in padding
    results = []
    for unpad in (False, True):
        model.zero_grad(set_to_none=True)
        out = run(model, unpad, **inputs, **labels)
        out.loss.backward()
        results.append((out, {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}))
    (a, ga), (b, gb) = results
    if name == "BertForQuestionAnswering":
        # Its loss is a softmax over all T positions, padding included (as in the reference): the padded
        # positions' logits are part of it, so with unpadding the loss (and its gradients) is another number.
        # The logits at real positions are equal; what this head is trained with is not.
        assert diff(a.loss, b.loss) > 1e-4
        a.loss = b.loss = None
        compare_head_outputs(name, a, b, mask)
        return
    compare_head_outputs(name, a, b, mask)
    assert ga.keys() == gb.keys()
    worst = max((diff(ga[k], gb[k]), k) for k in ga)
    assert worst[0] <= grad_bound(ga), f"{name}: gradient of {worst[1]} differs by {worst[0]:.3g}"


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("selective", [False, True])
def test_gradients_with_checkpointing_and_dropout(impl, selective):
    """Training with unpadding and checkpointing: the recomputation replays the rows' own dropout masks."""
    from minibert.bert.checkpointing import selective_recompute

    model = make(minibert.BertForTokenClassification, impl=impl, num_labels=3, hidden_dropout_prob=0.1,
                 attention_probs_dropout_prob=0.1).train()
    inputs = batch()
    labels = head_labels("BertForTokenClassification", inputs)
    kwargs = {"gradient_checkpointing_kwargs": {"context_fn": selective_recompute}} if selective else {}
    grads = {}
    for checkpointing in (False, True):
        if checkpointing:
            model.gradient_checkpointing_enable(**kwargs)
        model.zero_grad(set_to_none=True)
        torch.manual_seed(3)
        out = run(model, True, **inputs, **labels)
        out.loss.backward()
        grads[checkpointing] = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.gradient_checkpointing_disable()
    worst = max(diff(grads[False][k], grads[True][k]) for k in grads[False])
    assert worst <= grad_bound(grads[False])
    # Without dropout, the checkpointed unpadded gradients equal the padded path's.
    model = make(minibert.BertForTokenClassification, impl=impl, num_labels=3).train()
    model.gradient_checkpointing_enable(**kwargs)
    both = []
    for unpad in (False, True):
        model.zero_grad(set_to_none=True)
        run(model, unpad, **inputs, **labels).loss.backward()
        both.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    assert max(diff(both[0][k], both[1][k]) for k in both[0]) <= grad_bound(both[0])


def test_inputs_embeds_position_ids_and_chunking():
    model = make(chunk_size_feed_forward=5)
    inputs = batch()
    mask = inputs["attention_mask"]
    embeds = model.embeddings.word_embeddings(inputs["input_ids"]).detach()
    positions = torch.arange(12).flip(0).unsqueeze(0) % 7  # given, not the default 0..T-1
    with torch.no_grad():
        a = run(model, False, inputs_embeds=embeds, attention_mask=mask, position_ids=positions)
        b = run(model, True, inputs_embeds=embeds, attention_mask=mask, position_ids=positions)
    assert diff(real(a.last_hidden_state, mask), real(b.last_hidden_state, mask)) <= bound(a.last_hidden_state)


def left_padded(inputs):
    """The batch with its padding moved to the front of each row (ids and mask flipped together)."""
    return {k: v.flip(-1) for k, v in inputs.items()}


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_left_padding_fully_padded_rows_and_fallbacks(impl):
    """The pooler reads position 0 whatever it holds: with left padding that is [PAD], so the unpadded path
    computes it too (and every position of a row without a real token), and pooler_output is the padded
    path's for every row. The padded positions nothing reads stay zero."""
    model = make(impl=impl)
    inputs = left_padded(batch())
    mask = inputs["attention_mask"].clone()
    mask[2] = 0  # a row with no token at all
    inputs["attention_mask"] = mask
    assert (mask[:, 0] == 0).sum() == 3  # three rows start with padding
    with torch.no_grad():
        a = run(model, False, **inputs, output_hidden_states=True)
        b = run(model, True, **inputs, output_hidden_states=True)
    assert diff(real(a.last_hidden_state, mask), real(b.last_hidden_state, mask)) <= bound(a.last_hidden_state)
    assert diff(a.pooler_output, b.pooler_output) <= bound(a.last_hidden_state)
    computed = mask.bool().clone()
    computed[:, 0] = True
    computed[2] = True
    for h_pad, h_unpad in zip(a.hidden_states, b.hidden_states):
        assert diff(real(h_pad, computed), real(h_unpad, computed)) <= bound(h_pad)  # position 0, the empty row
        assert torch.count_nonzero(h_unpad[~computed]) == 0
    assert torch.isfinite(b.last_hidden_state).all()
    # No padding, no mask, or a 3-D mask: the padded path itself, bit for bit.
    full = torch.ones_like(mask)
    pairs = torch.ones(4, 12, 12, dtype=torch.long).tril()
    with torch.no_grad():
        for extra in ({"attention_mask": full}, {}, {"attention_mask": pairs}):
            x = run(model, False, input_ids=inputs["input_ids"], **extra).last_hidden_state
            y = run(model, True, input_ids=inputs["input_ids"], **extra).last_hidden_state
            assert torch.equal(x, y)


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("name", ["BertForSequenceClassification", "BertForNextSentencePrediction"])
def test_left_padding_pooler_heads_equal_the_reference(name, impl):
    """A head on the pooler, left-padded batch, ``unpad_inputs`` on: logits, loss and every gradient are the
    reference's (the same weights in transformers, padded) and minibert's padded path's."""
    import transformers

    num_labels = 2 if name == "BertForNextSentencePrediction" else 3
    torch.manual_seed(0)
    theirs = getattr(transformers, name)(transformers.BertConfig(**TINY, num_labels=num_labels,
                                                                 attn_implementation=impl))
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)
    ours = getattr(minibert, name)(BertConfig(**TINY, num_labels=num_labels, attn_implementation=impl))
    ours.load_state_dict(theirs.state_dict(), strict=False)
    inputs = left_padded(batch())
    labels = torch.tensor([0, 1, 1, 0])
    results = []
    for model, unpad in ((theirs, None), (ours, False), (ours, True)):
        model.train()  # dropout is 0 in TINY
        if unpad is not None:
            model.config.unpad_inputs = unpad
        model.zero_grad(set_to_none=True)
        out = model(**inputs, labels=labels, return_dict=True)
        out.loss.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((out.logits.detach(), out.loss.detach(), grads))
    (ref_logits, ref_loss, ref_grads), (pad_logits, pad_loss, pad_grads), (logits, loss, grads) = results
    assert diff(logits, pad_logits) <= bound(pad_logits) and diff(loss, pad_loss) <= 2 * bound(pad_logits)
    assert diff(logits, ref_logits) <= 1e-5 and diff(loss, ref_loss) <= 1e-5  # the reference's tolerance
    assert grads.keys() == pad_grads.keys()
    worst = max((diff(grads[k], pad_grads[k]), k) for k in grads)
    assert worst[0] <= grad_bound(pad_grads), f"gradient of {worst[1]} differs from the padded path by {worst[0]:.3g}"
    worst = max((diff(grads[k], ref_grads[k]), k) for k in grads if k in ref_grads)
    assert worst[0] <= 1e-5, f"gradient of {worst[1]} differs from the reference by {worst[0]:.3g}"
