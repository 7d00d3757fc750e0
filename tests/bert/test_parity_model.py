"""Live parity: minibert.BertModel vs transformers.BertModel (4.57.6, the reference) on the same weights.

For several random configs (sizes, head counts, activations, position embeddings, type vocabularies) and
inputs (padding, a fully padded row, token types, a 3-D mask, inputs_embeds, position_ids): every hidden state,
attention map and pooler output within 1e-5 in fp32, the gradients of a scalar loss w.r.t. every parameter
within 1e-5, eager == sdpa, and half precision close to fp32 with the tolerances written down below.
Also: BertConfig against the reference's (config.json both ways, defaults, validation).
"""

from __future__ import annotations

import json
import math

import pytest
import torch

transformers = pytest.importorskip("transformers")

from minibert import BertConfig, BertModel  # noqa: E402
from minibert.bert.outputs import BaseModelOutputWithPooling  # noqa: E402

TOL = 1e-5
CONFIGS = {
    "gelu-4heads": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=24, hidden_act="gelu"),
    "gelu_new-1head-3types": dict(vocab_size=50, hidden_size=16, num_hidden_layers=3, num_attention_heads=1,
                                  intermediate_size=20, max_position_embeddings=16, type_vocab_size=3,
                                  hidden_act="gelu_new"),
    "relu-8heads": dict(vocab_size=70, hidden_size=32, num_hidden_layers=2, num_attention_heads=8,
                        intermediate_size=64, max_position_embeddings=20, hidden_act="relu", layer_norm_eps=1e-6),
    "silu-relative_key": dict(vocab_size=40, hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
                              intermediate_size=30, max_position_embeddings=16, hidden_act="silu",
                              position_embedding_type="relative_key"),
    "gelu-relative_key_query": dict(vocab_size=40, hidden_size=24, num_hidden_layers=2, num_attention_heads=2,
                                    intermediate_size=30, max_position_embeddings=16, type_vocab_size=1,
                                    position_embedding_type="relative_key_query"),
}
NO_DROPOUT = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


@torch.no_grad()
def randomize(model: torch.nn.Module, seed: int) -> None:
    """Large-scale random weights (as scripts/make_reference_checkpoints.py): sharp attention, non-zero biases
    and LayerNorm gains away from 1, so a missing bias, scale or mask cannot hide behind BERT's tiny init."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        noise = torch.randn(p.shape, generator=g)
        if name.endswith("LayerNorm.weight"):
            p.copy_(1.0 + 0.1 * noise)
        elif name.endswith("bias"):
            p.copy_(0.1 * noise)
        elif "embeddings" in name:
            p.copy_(noise)
        else:
            p.copy_(noise / math.sqrt(p.shape[-1]))


def make_pair(fields: dict, impl: str = "eager", seed: int = 0, add_pooling_layer: bool = True):
    """(minibert, reference) BertModels holding the same random weights, in eval mode."""
    theirs = transformers.BertModel(transformers.BertConfig(**fields, attn_implementation=impl),
                                    add_pooling_layer=add_pooling_layer)
    randomize(theirs, seed)
    ours = BertModel(BertConfig(**fields, attn_implementation=impl), add_pooling_layer=add_pooling_layer)
    missing, unexpected = ours.load_state_dict(theirs.state_dict(), strict=False)
    # the reference keeps two constant buffers (position_ids, token_type_ids) in its state dict; nothing else
    assert not missing and set(unexpected) <= {"embeddings.position_ids", "embeddings.token_type_ids"}
    return ours.eval(), theirs.eval()


def make_batch(config: dict, lengths=(9, 6, 1, 0), seed: int = 1) -> dict:
    """Padded rows of the given real lengths (0 = a fully padded row), random segments."""
    g = torch.Generator().manual_seed(seed)
    B, T = len(lengths), max(lengths)
    ids = torch.randint(1, config["vocab_size"], (B, T), generator=g)
    types = torch.randint(0, config.get("type_vocab_size", 2), (B, T), generator=g)
    mask = torch.zeros(B, T, dtype=torch.long)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float((a.double() - b.double()).abs().max())


def assert_same_outputs(ours, theirs, with_attentions: bool = True) -> None:
    assert len(ours.hidden_states) == len(theirs.hidden_states)
    for i, (a, b) in enumerate(zip(ours.hidden_states, theirs.hidden_states)):
        assert max_diff(a, b) <= TOL, f"hidden_states[{i}]: {max_diff(a, b):.2e}"
    if with_attentions:
        assert len(ours.attentions) == len(theirs.attentions)
        for i, (a, b) in enumerate(zip(ours.attentions, theirs.attentions)):
            assert max_diff(a, b) <= TOL, f"attentions[{i}]: {max_diff(a, b):.2e}"
    assert max_diff(ours.last_hidden_state, theirs.last_hidden_state) <= TOL
    if theirs.pooler_output is not None:
        assert max_diff(ours.pooler_output, theirs.pooler_output) <= TOL


# -- forward -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_forward_matches_reference(name, impl):
    fields = CONFIGS[name]
    ours, theirs = make_pair(fields, impl, seed=len(name))
    batch = make_batch(fields)
    # eager returns attentions; on sdpa ask for hidden states only, so both libraries take the fused kernel
    with_attentions = impl == "eager"
    kw = dict(output_hidden_states=True, output_attentions=with_attentions)
    with torch.no_grad():
        assert_same_outputs(ours(**batch, **kw), theirs(**batch, **kw), with_attentions)


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_three_dimensional_mask_inputs_embeds_and_position_ids(impl):
    fields = CONFIGS["gelu-4heads"]
    ours, theirs = make_pair(fields, impl, seed=3)
    batch = make_batch(fields, lengths=(7, 7, 5))
    B, T = batch["input_ids"].shape
    g = torch.Generator().manual_seed(5)
    mask3 = (torch.rand(B, T, T, generator=g) > 0.3).long()
    mask3[:, :, 0] = 1  # every query sees at least one key
    mask3[2, 4] = 0  # ... except one query that sees none: must stay finite
    position_ids = torch.randint(0, fields["max_position_embeddings"], (B, T), generator=g)
    embeds = theirs.embeddings.word_embeddings(batch["input_ids"]).detach()
    cases = {
        "3-D mask": dict(input_ids=batch["input_ids"], attention_mask=mask3),
        "inputs_embeds": dict(inputs_embeds=embeds, attention_mask=batch["attention_mask"],
                              token_type_ids=batch["token_type_ids"]),
        "position_ids": dict(input_ids=batch["input_ids"], position_ids=position_ids),
        "position_ids (1, T)": dict(input_ids=batch["input_ids"], position_ids=torch.arange(T).flip(0)[None]),
        "no mask, no types": dict(input_ids=batch["input_ids"]),
    }
    for case, kwargs in cases.items():
        with torch.no_grad():
            a = ours(**kwargs, output_hidden_states=True)
            b = theirs(**kwargs, output_hidden_states=True)
        try:
            assert_same_outputs(a, b, with_attentions=False)
        except AssertionError as err:
            raise AssertionError(f"{case}: {err}") from None
        assert all(bool(torch.isfinite(h).all()) for h in a.hidden_states), case


# -- backward ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("name", ["gelu-4heads", "gelu_new-1head-3types", "gelu-relative_key_query"])
def test_gradients_match_reference(name, impl):
    fields = {**CONFIGS[name], **NO_DROPOUT}
    ours, theirs = make_pair(fields, impl, seed=7)
    ours.train(), theirs.train()  # training mode (dropout 0): the path a fine-tuning run takes
    batch = make_batch(fields, lengths=(8, 5, 2))
    g = torch.Generator().manual_seed(11)
    C = fields["hidden_size"]
    w_seq, w_pool = torch.randn(batch["input_ids"].shape + (C,), generator=g), torch.randn(3, C, generator=g)

    def loss(model):
        out = model(**batch)
        # weights make every position and feature matter (a plain sum of LayerNorm outputs has gradient ~0)
        return (out.last_hidden_state * w_seq).sum() + (out.pooler_output * w_pool).sum()

    loss(ours).backward()
    loss(theirs).backward()
    theirs_params = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert set(names) == set(theirs_params)
    for n, p in ours.named_parameters():
        q = theirs_params[n]
        assert (p.grad is None) == (q.grad is None), n
        if p.grad is None:  # the absolute position table, unused with relative positions, in both libraries
            assert n == "embeddings.position_embeddings.weight" and fields.get("position_embedding_type"), n
            continue
        assert max_diff(p.grad, q.grad) <= TOL, f"grad of {n}: {max_diff(p.grad, q.grad):.2e}"
    # the comparison means something only if the gradients are not all zero
    assert float(ours.encoder.layer[0].attention.self.query.weight.grad.abs().max()) > 1e-3


# -- eager vs sdpa and half precision ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gelu-4heads", "relu-8heads"])
def test_eager_and_sdpa_agree(name):
    fields = CONFIGS[name]
    eager, _ = make_pair(fields, "eager", seed=2)
    sdpa = BertModel(BertConfig(**fields, attn_implementation="sdpa")).eval()
    sdpa.load_state_dict(eager.state_dict())
    batch = make_batch(fields)
    with torch.no_grad():
        a, b = eager(**batch, output_hidden_states=True), sdpa(**batch, output_hidden_states=True)
        # asking sdpa for attentions falls back to the eager formula for that call: same probabilities
        pa, pb = eager(**batch, output_attentions=True), sdpa(**batch, output_attentions=True)
    for i, (x, y) in enumerate(zip(a.hidden_states, b.hidden_states)):
        assert max_diff(x, y) <= TOL, f"hidden_states[{i}]"
    assert max_diff(a.pooler_output, b.pooler_output) <= TOL
    for x, y in zip(pa.attentions, pb.attentions):
        assert max_diff(x, y) <= TOL


# Half precision vs fp32 on the same weights, through all layers, max |Δ| over every position of the
# last hidden state (LayerNorm output, values of size ~1-3). Bounds: a few units in the last place of such
# values, about 3x the worst measured over the five CONFIGS on both paths (torch 2.13 CPU):
#   fp16: 10 mantissa bits, ulp(2) ≈ 2e-3;   measured worst 6.7e-3  → 2e-2
#   bf16:  7 mantissa bits, ulp(2) ≈ 1.6e-2; measured worst 5.5e-2  → 1.5e-1
# The reference in the same dtype lands at the same distance (bit-identical to minibert for absolute positions).
HALF_TOLERANCE = {torch.float16: 2e-2, torch.bfloat16: 1.5e-1}


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
def test_half_precision_close_to_fp32(dtype, impl):
    fields = CONFIGS["gelu-4heads"]
    ours, theirs = make_pair(fields, impl, seed=4)
    batch = make_batch(fields, lengths=(9, 6, 3))  # no fully padded row: its outputs are arbitrary, compared below
    with torch.no_grad():
        full = ours(**batch).last_hidden_state
        half = ours.to(dtype)(**batch).last_hidden_state
        ref_half = theirs.to(dtype)(**batch).last_hidden_state
    assert half.dtype == dtype
    assert max_diff(half, full) <= HALF_TOLERANCE[dtype], f"{dtype}: {max_diff(half, full):.2e}"
    # the reference in the same dtype lands as close to fp32 (both round the same operations)
    assert max_diff(ref_half, full) <= HALF_TOLERANCE[dtype]


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16], ids=["fp32", "fp16", "bf16"])
def test_fully_padded_row_stays_finite(dtype, impl):
    """A row whose attention_mask is all 0 gets equal scores everywhere (uniform softmax), never NaN."""
    fields = CONFIGS["gelu-4heads"]
    ours, theirs = make_pair(fields, impl, seed=5)
    batch = make_batch(fields, lengths=(5, 0, 0))
    with torch.no_grad():  # large scores (|QKᵀ/√d| up to ~100): in fp16, score + min(fp16) then overflows to -inf
        for model in (ours, theirs):
            model.encoder.layer[0].attention.self.query.weight.mul_(30.0)
    ours, theirs = ours.to(dtype), theirs.to(dtype)
    with torch.no_grad():
        out = ours(**batch, output_hidden_states=True, output_attentions=(impl == "eager"))
        ref = theirs(**batch, output_hidden_states=True)
    for h in out.hidden_states:
        assert bool(torch.isfinite(h).all()), f"non-finite hidden state in {dtype} / {impl}"
    assert bool(torch.isfinite(out.pooler_output).all())
    if impl == "eager":
        probs = out.attentions[0][1].float()  # (H, T, T) of the padded row
        assert torch.allclose(probs.sum(-1), torch.ones(probs.shape[:-1]), atol=1e-2)
        if dtype != torch.float16:
            # score + min rounds to min for every key (|score| is far below min's ulp): a uniform row. In fp16
            # min is -65504 with an ulp of 32, so scores of size ~100 still move it: finite, not uniform.
            assert torch.allclose(probs, torch.full_like(probs, 1 / probs.shape[-1]), atol=1e-2)
    if dtype == torch.float32:
        assert max_diff(out.last_hidden_state, ref.last_hidden_state) <= TOL


# -- output structure --------------------------------------------------------------------------------------
def test_without_pooling_layer():
    fields = CONFIGS["gelu-4heads"]
    ours, theirs = make_pair(fields, add_pooling_layer=False)
    assert ours.pooler is None
    assert not any(k.startswith("pooler.") for k in ours.state_dict())
    batch = make_batch(fields)
    with torch.no_grad():
        a, b = ours(**batch, output_hidden_states=True), theirs(**batch, output_hidden_states=True)
    assert a.pooler_output is None and "pooler_output" not in a.keys()
    assert_same_outputs(a, b, with_attentions=False)


@pytest.mark.parametrize("add_pooling_layer", [True, False])
def test_return_dict_false_gives_the_reference_tuple(add_pooling_layer):
    fields = CONFIGS["gelu-4heads"]
    ours, theirs = make_pair(fields, add_pooling_layer=add_pooling_layer)
    batch = make_batch(fields)
    for kw in ({}, {"output_hidden_states": True}, {"output_hidden_states": True, "output_attentions": True},
               {"output_attentions": True}):
        with torch.no_grad():
            a = ours(**batch, **kw, return_dict=False)
            b = theirs(**batch, **kw, return_dict=False)
        assert isinstance(a, tuple) and len(a) == len(b), (kw, len(a), len(b))
        for x, y in zip(a, b):  # (last_hidden_state, pooler_output[, hidden_states][, attentions])
            assert (x is None) == (y is None), kw
            if isinstance(y, tuple):
                assert len(x) == len(y) and all(max_diff(s, t) <= TOL for s, t in zip(x, y))
            elif y is not None:
                assert max_diff(x, y) <= TOL


def test_output_by_attribute_key_and_index():
    fields = CONFIGS["gelu-4heads"]
    ours, theirs = make_pair(fields)
    batch = make_batch(fields)
    with torch.no_grad():
        a = ours(**batch, output_hidden_states=True)
        b = theirs(**batch, output_hidden_states=True)
    assert isinstance(a, BaseModelOutputWithPooling)
    assert list(a.keys()) == [k for k in b.keys()]  # last_hidden_state, pooler_output, hidden_states
    assert a.last_hidden_state is a["last_hidden_state"] is a[0]
    assert a.pooler_output is a["pooler_output"] is a[1]
    assert a.hidden_states is a["hidden_states"] is a[2]
    assert len(a.to_tuple()) == len(b.to_tuple()) == 3
    assert a.attentions is None and "attentions" not in a
    with pytest.raises(KeyError):
        a["attentions"]
    assert max_diff(a[0], b[0]) <= TOL and max_diff(a["pooler_output"], b["pooler_output"]) <= TOL


# -- BertConfig --------------------------------------------------------------------------------------------
def test_config_defaults_equal_the_reference():
    # compared in their JSON form (what config.json holds): there, id2label's keys are strings in both
    ours = json.loads(BertConfig().to_json_string())
    theirs = json.loads(transformers.BertConfig().to_json_string(use_diff=False))
    shared = [k for k in ours if k in theirs]
    assert len(shared) >= 20
    for field in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                  "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
                  "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id",
                  "position_embedding_type", "use_cache", "classifier_dropout", "chunk_size_feed_forward",
                  "id2label", "label2id", "tie_word_embeddings", "is_decoder", "add_cross_attention"):
        assert ours[field] == theirs[field], field
    mismatched = {k: (ours[k], theirs[k]) for k in shared if ours[k] != theirs[k] and k not in ("torch_dtype",)}
    assert not mismatched


def test_config_json_round_trips_with_the_reference(tmp_path):
    fields = dict(CONFIGS["silu-relative_key"], num_labels=3, classifier_dropout=0.2, hidden_dropout_prob=0.05)
    # reference -> minibert
    transformers.BertConfig(**fields).save_pretrained(tmp_path / "ref")
    ours = BertConfig.from_pretrained(tmp_path / "ref")
    for k, v in fields.items():
        if k != "num_labels":
            assert getattr(ours, k) == v, k
    assert ours.num_labels == 3 and ours.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    # minibert -> reference
    ours.save_pretrained(tmp_path / "ours")
    written = json.loads((tmp_path / "ours" / "config.json").read_text())
    assert written["model_type"] == "bert" and "attn_implementation" not in written
    theirs = transformers.BertConfig.from_pretrained(tmp_path / "ours")
    for k, v in fields.items():
        assert getattr(theirs, k) == v, k
    # and back again: nothing lost, unknown keys (transformers_version) kept
    assert BertConfig.from_pretrained(tmp_path / "ours") == ours
    assert BertConfig.from_json_file(tmp_path / "ref" / "config.json").transformers_version == "4.57.6"


@pytest.mark.parametrize("bad, message", [
    (dict(hidden_size=0), "hidden_size must be a positive integer"),
    (dict(num_hidden_layers=-1), "num_hidden_layers must be a positive integer"),
    (dict(vocab_size=0), "vocab_size must be a positive integer"),
    (dict(intermediate_size=2.5), "intermediate_size must be a positive integer"),
    (dict(hidden_act="gelu_fancy"), "'gelu_fancy' is not one of"),
    (dict(position_embedding_type="rotary"), "'rotary'"),
])
def test_config_validation_errors_name_the_field(bad, message):
    with pytest.raises(ValueError, match=message):
        BertConfig(**bad)
