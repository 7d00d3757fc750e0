"""The BERT decoder computes what `transformers` 4.57.6 computes: `BertLMHeadModel` and `BertModel` with
``is_decoder`` (causal self-attention) and ``add_cross_attention`` (cross-attention to encoder states), with
padding on both sides, on both attention paths: logits, the next-token loss, hidden states, attentions and
cross-attentions, tuple outputs, every parameter's gradient; the key/value cache (one token at a time and in
chunks, its contents, the legacy tuple format); checkpoints in both directions (bert2bert as the reference's
EncoderDecoderModel builds it); and greedy generation, token for token.

Weights are perturbed off their initial values (so a dropped or reset tensor shows) and the models run in
train mode with dropout 0, so the dropout modules are on the gradients' path.
"""

from __future__ import annotations

import logging

import pytest
import torch
import transformers
from _heads_pair import assert_close, grads, perturb
from _numerics import forward_depth, rounding_bound, widest_sum
from transformers.cache_utils import DynamicCache as RefDynamicCache
from transformers.cache_utils import EncoderDecoderCache as RefEncoderDecoderCache

import minibert

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=40, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
B, T, S = 3, 8, 7
ATTN = ["eager", "sdpa"]


def pair(tmp_path, name: str = "BertLMHeadModel", attn: str = "eager", cross: bool = False, seed: int = 0,
         **overrides):
    """(minibert, reference) decoders with the same perturbed weights, via the reference's save_pretrained."""
    fields = {**TINY, "is_decoder": True, "add_cross_attention": cross, **overrides}
    torch.manual_seed(seed)
    theirs = getattr(transformers, name)(transformers.BertConfig(**fields, attn_implementation=attn))
    perturb(theirs, seed + 100)
    theirs.save_pretrained(tmp_path / "ref")
    ours = getattr(minibert, name).from_pretrained(tmp_path / "ref", attn_implementation=attn)
    return ours.train(), theirs.train()


def batch(padding: str = "right", seed: int = 1) -> dict:
    """input_ids and attention_mask (B, T): row 0 full, rows 1 and 2 padded on ``padding``'s side."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, TINY["vocab_size"], (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    for b, n in ((1, 3), (2, 5)):
        if padding == "right":
            mask[b, T - n:] = 0
        else:
            mask[b, :n] = 0
    return {"input_ids": ids, "attention_mask": mask}


def encoder_states(seed: int = 2) -> dict:
    """encoder_hidden_states (B, S, C) and encoder_attention_mask (B, S) with padded rows."""
    g = torch.Generator().manual_seed(seed)
    mask = torch.ones(B, S, dtype=torch.long)
    mask[1, 4:] = 0
    mask[2, 2:] = 0
    return {"encoder_hidden_states": torch.randn(B, S, TINY["hidden_size"], generator=g),
            "encoder_attention_mask": mask}


def cache_tensors(cache) -> list:
    """A cache's keys and values, layer by layer. (4.57.6's own cache lists a decoder-only model's empty
    cross-attention slots as None; minibert's leaves them out.)"""
    return [[t for t in layer if t is not None] for layer in cache.to_legacy_cache()]


def assert_cached_close(a, full, what: str, cross: bool = False) -> None:
    """minibert's cached logits against its own full forward: the same math, but the keys arrive in pieces and
    the matrix products run on fewer rows, so they agree within the derived rounding bound (tests/helpers/_numerics.py),
    relative to the logits' size: the encoder, 4 more sums a layer for cross-attention, and the LM head's 2."""
    config = minibert.BertConfig(**TINY)
    depth = forward_depth(config, head=2) + (4 * config.num_hidden_layers if cross else 0)
    limit = rounding_bound(full, depth, widest_sum(config, B * T))
    diff = (a - full).abs().max().item()
    assert diff <= limit, f"{what}: max abs diff {diff:.3g} > {limit:.3g}"


def assert_same_outputs(a, b) -> None:
    """Same fields in the same order; tensors and tuples of tensors equal; caches equal layer by layer."""
    assert list(a.keys()) == list(b.keys()), (list(a.keys()), list(b.keys()))
    for key in a.keys():
        if key == "past_key_values":
            assert_close(cache_tensors(a[key]), cache_tensors(b[key]), key)
        else:
            assert_close(a[key], b[key], key)


@pytest.mark.parametrize("attn", ATTN)
@pytest.mark.parametrize("cross", [False, True], ids=["decoder-only", "cross-attention"])
@pytest.mark.parametrize("padding", ["right", "left"])
def test_lm_head_outputs_loss_and_gradients(tmp_path, attn, cross, padding):
    ours, theirs = pair(tmp_path, attn=attn, cross=cross)
    inputs = {**batch(padding), **(encoder_states() if cross else {})}
    labels = inputs["input_ids"].masked_fill(inputs["attention_mask"] == 0, -100)
    a = ours(**inputs, labels=labels, output_hidden_states=True)
    b = theirs(**inputs, labels=labels, output_hidden_states=True)
    assert_same_outputs(a, b)  # loss, logits, hidden_states (no cache: labels turn use_cache off, as there)
    a.loss.backward()
    b.loss.backward()
    ga, gb = grads(ours), grads(theirs)
    assert ga.keys() == gb.keys()
    for name in ga:
        assert_close(ga[name], gb[name], f"grad {name}")


@pytest.mark.parametrize("attn", ATTN)
def test_masked_lm_reads_encoder_states_as_the_reference(tmp_path, attn):
    # BertForMaskedLM takes encoder_hidden_states / encoder_attention_mask (7th and 8th arguments, as there):
    # with add_cross_attention its layers read them; the MLM loss and every gradient match.
    ours, theirs = pair(tmp_path, name="BertForMaskedLM", attn=attn, cross=True)
    inputs = {**batch("right"), **encoder_states()}
    labels = inputs["input_ids"].masked_fill(inputs["attention_mask"] == 0, -100)
    a = ours(**inputs, labels=labels, output_attentions=True)
    b = theirs(**inputs, labels=labels, output_attentions=True)
    assert_close(a.logits, b.logits, "logits")
    assert_close(a.loss, b.loss, "loss")
    assert_close(a.attentions, b.attentions, "attentions")
    plain = ours(**batch("right"), labels=labels)  # the encoder states are read, not ignored
    assert (plain.logits - a.logits).abs().max() > 1e-3
    a.loss.backward()
    b.loss.backward()
    ga, gb = grads(ours), grads(theirs)
    assert ga.keys() == gb.keys() and any("crossattention" in n for n in ga)
    for name in ga:
        assert_close(ga[name], gb[name], f"grad {name}")


@pytest.mark.parametrize("cross", [False, True], ids=["decoder-only", "cross-attention"])
def test_attentions_and_cross_attentions(tmp_path, cross):
    ours, theirs = pair(tmp_path, attn="sdpa", cross=cross)  # output_attentions takes the eager path on both
    inputs = {**batch("right"), **(encoder_states() if cross else {})}
    with torch.no_grad():
        a = ours(**inputs, output_attentions=True)
        b = theirs(**inputs, output_attentions=True)
    assert_same_outputs(a, b)  # logits, past_key_values, attentions[, cross_attentions]
    assert a.attentions[0][0, 0].triu(1).abs().max() == 0  # causal: nothing above the diagonal


@pytest.mark.parametrize("attn", ATTN)
@pytest.mark.parametrize("cross", [False, True], ids=["decoder-only", "cross-attention"])
def test_bert_model_as_decoder_and_tuple_outputs(tmp_path, attn, cross):
    ours, theirs = pair(tmp_path, "BertModel", attn=attn, cross=cross)
    inputs = {**batch("right"), **(encoder_states() if cross else {})}
    with torch.no_grad():
        a, b = ours(**inputs, output_hidden_states=True), theirs(**inputs, output_hidden_states=True)
        assert_same_outputs(a, b)  # last_hidden_state, pooler_output, hidden_states, past_key_values
        at = ours(**inputs, output_hidden_states=True, return_dict=False)
        bt = theirs(**inputs, output_hidden_states=True, return_dict=False)
    # The reference's tuple order differs from its dict order: (sequence, pooled, cache, hidden states).
    assert len(at) == len(bt) == 4
    assert_close(at[:2], bt[:2], "tuple[:2]")
    assert_close(cache_tensors(at[2]), cache_tensors(bt[2]), "tuple[2] (cache)")
    assert_close(at[3], bt[3], "tuple[3] (hidden states)")


def test_lm_tuple_output_order(tmp_path):
    ours, theirs = pair(tmp_path, cross=True)
    inputs = {**batch("right"), **encoder_states()}
    with torch.no_grad():
        at = ours(**inputs, output_attentions=True, return_dict=False)
        bt = theirs(**inputs, output_attentions=True, return_dict=False)
    assert [type(x).__name__ for x in at] == ["Tensor", "EncoderDecoderCache", "tuple", "tuple"]
    assert len(at) == len(bt)
    assert_close(at[0], bt[0], "logits")
    assert_close(at[2:], bt[2:], "attentions, cross_attentions")


@pytest.mark.parametrize("attn", ATTN)
@pytest.mark.parametrize("cross", [False, True], ids=["decoder-only", "cross-attention"])
def test_cache_incremental_decoding(tmp_path, attn, cross):
    """Prompt of 4, then 1 token, then 3 at once: each step's logits are the full forward's at those positions
    and the reference's own incremental logits; the cache holds the reference's keys and values."""
    ours, theirs = pair(tmp_path, attn=attn, cross=cross)
    ours.eval(), theirs.eval()
    inputs = batch("right")
    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    enc = encoder_states() if cross else {}
    with torch.no_grad():
        full = ours(**inputs, **enc, use_cache=False).logits
        assert_close(full, theirs(**inputs, **enc, use_cache=False).logits, "full forward")
        cache_a = cache_b = None
        for start, stop in ((0, 4), (4, 5), (5, 8)):
            step = dict(input_ids=ids[:, start:stop], attention_mask=mask[:, :stop], use_cache=True, **enc)
            a, b = ours(**step, past_key_values=cache_a), theirs(**step, past_key_values=cache_b)
            assert_cached_close(a.logits, full[:, start:stop], f"cached logits {start}:{stop} vs full forward", cross)
            assert_same_outputs(a, b)
            cache_a, cache_b = a.past_key_values, b.past_key_values
            assert cache_a.get_seq_length() == cache_b.get_seq_length() == stop
    assert isinstance(cache_a, minibert.EncoderDecoderCache) and len(cache_a) == TINY["num_hidden_layers"]
    assert len(cache_a[0]) == (4 if cross else 2)  # self keys, values[, cross keys, values]


def test_cache_formats_and_positions(tmp_path):
    """The legacy tuple format is accepted (as 4.57.6 does), a DynamicCache works for a decoder-only model,
    explicit position_ids override the cache offset, and the cache is updated in place."""
    ours, theirs = pair(tmp_path)
    ours.eval(), theirs.eval()
    ids = batch("right")["input_ids"]
    with torch.no_grad():
        full = ours(ids, use_cache=False).logits
        legacy = ours(ids[:, :5]).past_key_values.to_legacy_cache()
        assert_cached_close(ours(ids[:, 5:], past_key_values=legacy).logits, full[:, 5:], "from the legacy tuple")
        dynamic = minibert.DynamicCache()
        ours(ids[:, :5], past_key_values=dynamic)
        assert dynamic.get_seq_length() == 5  # the object passed in grew
        assert_cached_close(ours(ids[:, 5:], past_key_values=dynamic).logits, full[:, 5:], "with a DynamicCache")
        assert dynamic.get_seq_length() == T
        # Positions given explicitly are used as given, with or without a cache (as in the reference).
        pos = torch.tensor([[3, 4, 5]])
        cache = ours(ids[:, :5]).past_key_values
        a = ours(ids[:, 5:], past_key_values=cache, position_ids=pos).logits
        ref_cache = theirs(ids[:, :5]).past_key_values
        assert_close(a, theirs(ids[:, 5:], past_key_values=ref_cache, position_ids=pos).logits, "position_ids")


@pytest.mark.parametrize("kind", ["relative_key", "relative_key_query"])
def test_relative_positions_with_cache(tmp_path, kind):
    """Relative positions in a decoder. Query i of a cached call stands at T_past + i. 4.57.6 places every query
    of a multi-token call at the last position once a cache is in use (and a decoder uses one by default), so
    its cached result differs from its own uncached one: minibert matches the uncached reference there, and the
    reference's cached steps where they are right (one new token per step)."""
    ours, theirs = pair(tmp_path, attn="eager", position_embedding_type=kind)
    ours.eval(), theirs.eval()
    ids, mask = batch("right").values()
    with torch.no_grad():
        ref_full = theirs(ids, attention_mask=mask, use_cache=False).logits
        assert_close(ours(ids, attention_mask=mask).logits, ref_full, "with the default cache")
        assert (theirs(ids, attention_mask=mask).logits - ref_full).abs().max() > 1e-3  # the reference's slip
        cache_a = ours(ids[:, :5], attention_mask=mask[:, :5]).past_key_values
        cache_b = RefEncoderDecoderCache(RefDynamicCache(), RefDynamicCache())
        for t in range(5):  # the reference's prompt one token at a time (where its distances are right)
            theirs(ids[:, t:t + 1], attention_mask=mask[:, :t + 1], past_key_values=cache_b)
        for t in range(5, T):
            step = dict(input_ids=ids[:, t:t + 1], attention_mask=mask[:, :t + 1])
            a = ours(**step, past_key_values=cache_a).logits
            assert_close(a, theirs(**step, past_key_values=cache_b).logits, f"step {t}")
            assert_close(a, ref_full[:, t:t + 1], f"step {t} vs full")


@pytest.mark.parametrize("attn,use_cache", [("eager", True), ("sdpa", True), ("sdpa", False)])
def test_greedy_generation_matches_reference(tmp_path, attn, use_cache):
    ours, theirs = pair(tmp_path, attn=attn, seed=3)
    ours.eval(), theirs.eval()
    prompt = batch("left")  # batched prompts are left-padded for generation
    a = ours.generate(**prompt, max_new_tokens=10, use_cache=use_cache)
    b = theirs.generate(**prompt, max_new_tokens=10, do_sample=False, use_cache=use_cache)
    assert a.shape == (B, T + 10)
    assert a.tolist() == b.tolist()
    assert len(set(map(tuple, a[:, T:].tolist()))) > 1  # the rows continue differently: the test can tell


def test_greedy_generation_with_cross_attention_and_eos(tmp_path):
    ours, theirs = pair(tmp_path, attn="sdpa", cross=True, seed=4)
    ours.eval(), theirs.eval()
    prompt, enc = batch("left"), encoder_states()
    a = ours.generate(**prompt, **enc, max_new_tokens=8)
    # 4.57.6's generate makes a self-attention-only cache for a decoder that is not inside an EncoderDecoderModel:
    # hand it the two-part cache its BertModel makes for itself.
    ref_cache = RefEncoderDecoderCache(RefDynamicCache(), RefDynamicCache())
    b = theirs.generate(**prompt, **enc, max_new_tokens=8, do_sample=False, past_key_values=ref_cache)
    assert a.tolist() == b.tolist()
    # An end token: the row that produces it is padded from then on; decoding stops when all rows have ended.
    eos = int(a[0, T + 2])
    a = ours.generate(**prompt, **enc, max_new_tokens=8, eos_token_id=eos, pad_token_id=0)
    ref_cache = RefEncoderDecoderCache(RefDynamicCache(), RefDynamicCache())
    b = theirs.generate(**prompt, **enc, max_new_tokens=8, do_sample=False, past_key_values=ref_cache,
                        eos_token_id=eos, pad_token_id=0)
    assert a.tolist() == b.tolist()
    assert a[0, T + 3:].eq(0).all()


def test_bert2bert_encoder_decoder_checkpoints(tmp_path):
    """The reference's EncoderDecoderModel built from two BERTs (bert2bert): its decoder's checkpoint, with the
    crossattention keys, loads into minibert's BertLMHeadModel, and minibert's encoder + decoder give its logits
    and loss; minibert's decoder saved back loads in the reference with nothing missing."""
    torch.manual_seed(5)
    enc_cfg = transformers.BertConfig(**TINY, attn_implementation="eager")
    dec_cfg = transformers.BertConfig(**TINY, is_decoder=True, add_cross_attention=True, attn_implementation="eager")
    seq2seq = transformers.EncoderDecoderModel(
        encoder=transformers.BertModel(enc_cfg), decoder=transformers.BertLMHeadModel(dec_cfg)).eval()
    perturb(seq2seq, 6)
    seq2seq.encoder.save_pretrained(tmp_path / "encoder")
    seq2seq.decoder.save_pretrained(tmp_path / "decoder")
    encoder = minibert.BertModel.from_pretrained(tmp_path / "encoder").eval()
    decoder, info = minibert.BertLMHeadModel.from_pretrained(tmp_path / "decoder", output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert any(".crossattention.self.query." in k for k in decoder.state_dict())
    src, tgt = batch("right", seed=7), batch("right", seed=8)
    labels = tgt["input_ids"].masked_fill(tgt["attention_mask"] == 0, -100)
    with torch.no_grad():
        ref = seq2seq(input_ids=src["input_ids"], attention_mask=src["attention_mask"],
                      decoder_input_ids=tgt["input_ids"], decoder_attention_mask=tgt["attention_mask"])
        memory = encoder(**src).last_hidden_state
        ours = decoder.eval()(**tgt, encoder_hidden_states=memory, encoder_attention_mask=src["attention_mask"],
                              labels=labels)
    assert_close(ours.logits, ref.logits, "bert2bert logits")
    # EncoderDecoderModel's own loss is not shifted (its decoder inputs are); ours is the decoder's next-token loss.
    ref_loss = torch.nn.functional.cross_entropy(ref.logits[:, :-1].reshape(-1, TINY["vocab_size"]),
                                                 labels[:, 1:].reshape(-1))
    assert_close(ours.loss, ref_loss, "next-token loss")
    decoder.save_pretrained(tmp_path / "ours")
    back, ref_info = transformers.BertLMHeadModel.from_pretrained(tmp_path / "ours", output_loading_info=True)
    assert not ref_info["missing_keys"] and not ref_info["mismatched_keys"]
    with torch.no_grad():
        again = back.eval()(**tgt, encoder_hidden_states=memory, encoder_attention_mask=src["attention_mask"])
    assert_close(again.logits, ours.logits, "minibert checkpoint in the reference")


def test_encoder_checkpoint_warm_starts_a_decoder(tmp_path):
    """A plain BERT encoder checkpoint loaded as a decoder with cross-attention (how bert2bert starts): the
    cross-attention and LM-head weights are new, and both libraries report the same missing keys."""
    torch.manual_seed(6)
    transformers.BertModel(transformers.BertConfig(**TINY)).save_pretrained(tmp_path / "enc")
    kw = dict(is_decoder=True, add_cross_attention=True, output_loading_info=True)
    model, ours = minibert.BertLMHeadModel.from_pretrained(tmp_path / "enc", **kw)
    _, theirs = transformers.BertLMHeadModel.from_pretrained(tmp_path / "enc", **kw)
    assert sorted(ours["missing_keys"]) == sorted(theirs["missing_keys"])
    assert any("crossattention" in k for k in ours["missing_keys"])
    cross = model.bert.encoder.layer[0].crossattention  # new weights are initialised like any new layer
    assert abs(cross.self.query.weight.std().item() - TINY.get("initializer_range", 0.02)) < 0.005
    assert cross.self.query.bias.abs().max() == 0 and bool((cross.output.LayerNorm.weight == 1).all())


def test_decoder_with_gradient_checkpointing(tmp_path):
    ours, theirs = pair(tmp_path, cross=True)
    inputs = {**batch("right"), **encoder_states()}
    ours(**inputs).logits.square().mean().backward()
    plain = grads(ours)
    ours.zero_grad()
    ours.gradient_checkpointing_enable()
    out = ours(**inputs, use_cache=True)  # turned off: the recomputation would append to the cache again
    assert out.past_key_values is None
    out.logits.square().mean().backward()
    for name, g in grads(ours).items():
        assert_close(g, plain[name], f"grad {name}")
    with pytest.raises(ValueError, match="gradient checkpointing"):
        ours(**inputs, past_key_values=minibert.EncoderDecoderCache(minibert.DynamicCache(), minibert.DynamicCache()))


def test_clear_errors_and_warnings(tmp_path, caplog):
    with pytest.raises(ValueError, match="needs is_decoder=True"):
        minibert.BertModel(minibert.BertConfig(**TINY, add_cross_attention=True))
    ours, _ = pair(tmp_path)
    ids = batch()["input_ids"]
    with pytest.raises(ValueError, match="no cross-attention layers"):
        ours(ids, **encoder_states())
    cache = ours(ids[:, :4]).past_key_values
    with pytest.raises(ValueError, match=r"4 cached \+ 1 new"):
        ours(ids[:, 4:5], attention_mask=torch.ones(B, 1, dtype=torch.long), past_key_values=cache)
    with pytest.raises(ValueError, match="max_position_embeddings"):
        ours(ids, past_key_values=ours(torch.ones(B, 35, dtype=torch.long)).past_key_values)
    with pytest.raises(ValueError, match="greedily"):
        ours.generate(ids, max_new_tokens=2, do_sample=True)
    with pytest.raises(ValueError, match="labels must have shape"):
        ours(ids, labels=ids[:, :-1])
    with pytest.raises(ValueError, match="outside"):
        ours(ids, labels=ids + 200)
    with pytest.raises(ValueError, match="unpad_inputs is for encoders"):
        minibert.BertConfig(**TINY, is_decoder=True, unpad_inputs=True)
    with caplog.at_level(logging.WARNING, logger="minibert"):
        minibert.BertLMHeadModel(minibert.BertConfig(**TINY))
    assert "is_decoder=True" in caplog.text


def test_encoder_outputs_are_unchanged_by_the_decoder_fields(tmp_path):
    """An encoder's output has no cache and no cross-attention fields, in the dict or in the tuple."""
    torch.manual_seed(0)
    model = minibert.BertModel(minibert.BertConfig(**TINY)).eval()
    out = model(**batch(), output_attentions=True)
    assert list(out.keys()) == ["last_hidden_state", "pooler_output", "attentions"]
    assert len(model(**batch(), return_dict=False)) == 2
