"""Version-agnostic parity: runs against whichever ``transformers`` is installed.

The dev extra pins 4.57.6 (the reference for every feature). CI also runs this file against the newest 5.x
release in a second environment (see .ci/run): everything 5.x still implements (the encoder on both attention
paths, every task head with its loss, checkpoints in both directions, the official MiniLM weights, tokenizer ids)
must agree with minibert there too. Known, deliberate difference: for a sequence whose attention mask is all
zeros, 5.x's SDPA path computes something else than 4.57.6 (whose result minibert reproduces), so inputs here
have at least one real token per row; padded positions of partly padded rows are compared. The decoder
(`BertLMHeadModel`, causal self-attention, cross-attention, the cache, greedy generation) is compared through
calls both versions share: 5.x renamed the cache argument and output field (``cache``), so each library's
cached steps are checked against the other's uncached forward, and prompts are right-padded (a left-padded
prompt's first rows see no real token at all).
"""

from __future__ import annotations

import pytest
import torch

transformers = pytest.importorskip("transformers")
import minibert  # noqa: E402

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=24, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
HEADS = ["BertModel", "BertForPreTraining", "BertForMaskedLM", "BertForNextSentencePrediction",
         "BertForSequenceClassification", "BertForMultipleChoice", "BertForTokenClassification",
         "BertForQuestionAnswering"]
TOL = 1e-5


def _inputs(choices: int | None = None, B: int = 3, T: int = 9) -> dict:
    g = torch.Generator().manual_seed(1)
    shape = (B, T) if choices is None else (B, choices, T)
    mask = torch.ones(shape, dtype=torch.long)
    for b in range(1, B):
        mask[b, ..., T - 3 * b:] = 0  # rows 1 and 2 padded, never all padding
    return {"input_ids": torch.randint(1, 99, shape, generator=g), "attention_mask": mask,
            "token_type_ids": torch.randint(0, 2, shape, generator=g)}


def _labels(name: str, B: int = 3, T: int = 9) -> dict:
    g = torch.Generator().manual_seed(2)
    mlm = torch.randint(0, 99, (B, T), generator=g)
    mlm[:, ::2] = -100
    return {
        "BertForPreTraining": {"labels": mlm, "next_sentence_label": torch.tensor([0, 1, 0])},
        "BertForMaskedLM": {"labels": mlm},
        "BertForNextSentencePrediction": {"labels": torch.tensor([1, 0, 1])},
        "BertForSequenceClassification": {"labels": torch.tensor([1, 0, 1])},
        "BertForMultipleChoice": {"labels": torch.tensor([2, 0, 1])},
        "BertForTokenClassification": {"labels": torch.randint(0, 2, (B, T), generator=g)},
        "BertForQuestionAnswering": {"start_positions": torch.tensor([1, 4, 30]),
                                     "end_positions": torch.tensor([3, 4, 5])},
    }.get(name, {})


def _pair(name: str, attn: str, tmp_path, **config):
    torch.manual_seed(0)
    theirs = getattr(transformers, name)(transformers.BertConfig(**TINY, **config, attn_implementation=attn))
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():  # move every weight off its init so a dropped or reset tensor shows
        for p in theirs.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)
    theirs.save_pretrained(tmp_path / "ref")
    ours = getattr(minibert, name).from_pretrained(tmp_path / "ref", attn_implementation=attn)
    return ours.train(), theirs.train()


def _tensors(out) -> dict:
    return {k: v for k, v in out.items() if isinstance(v, torch.Tensor)}


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
@pytest.mark.parametrize("name", HEADS)
def test_outputs_losses_and_gradients_match(name, attn, tmp_path):
    ours, theirs = _pair(name, attn, tmp_path)
    batch = {**_inputs(choices=3 if name == "BertForMultipleChoice" else None), **_labels(name)}
    a, b = ours(**batch, output_hidden_states=True), theirs(**batch, output_hidden_states=True)
    ta, tb = _tensors(a), _tensors(b)
    assert ta.keys() == tb.keys()
    for key in tb:
        assert (ta[key] - tb[key]).abs().max().item() <= TOL, key
    for i, (x, y) in enumerate(zip(a.hidden_states, b.hidden_states)):
        assert (x - y).abs().max().item() <= TOL, f"hidden_states[{i}]"
    scalar = a.loss if "loss" in ta else sum(t.float().square().mean() for t in ta.values())
    ref_scalar = b.loss if "loss" in tb else sum(t.float().square().mean() for t in tb.values())
    scalar.backward()
    ref_scalar.backward()
    theirs_grads = {n: p.grad for n, p in theirs.named_parameters()}
    for n, p in ours.named_parameters():
        if p.grad is not None and theirs_grads.get(n) is not None:
            assert (p.grad - theirs_grads[n]).abs().max().item() <= TOL, f"grad {n}"


@pytest.mark.parametrize("name", ["BertForMaskedLM", "BertForSequenceClassification", "BertForQuestionAnswering"])
def test_minibert_checkpoints_load_in_the_reference(name, tmp_path):
    torch.manual_seed(4)
    ours = getattr(minibert, name)(minibert.BertConfig(**TINY)).eval()
    ours.save_pretrained(tmp_path / "ours")
    theirs = getattr(transformers, name).from_pretrained(tmp_path / "ours", attn_implementation="eager").eval()
    batch = _inputs()
    with torch.no_grad():
        ta, tb = _tensors(ours(**batch)), _tensors(theirs(**batch))
    for key in tb:
        assert (ta[key] - tb[key]).abs().max().item() <= TOL, key


def test_official_checkpoint_matches(official_checkpoint):
    tok = transformers.BertTokenizer.from_pretrained(official_checkpoint)
    batch = tok(["A man is eating food.", "Ünïcödé and CJK 中文 words, too!"], padding=True, return_tensors="pt")
    ours = minibert.BertModel.from_pretrained(official_checkpoint, attn_implementation="eager")
    theirs = transformers.BertModel.from_pretrained(official_checkpoint, attn_implementation="eager").eval()
    with torch.no_grad():
        a, b = ours(**batch, output_hidden_states=True), theirs(**batch, output_hidden_states=True)
    for i, (x, y) in enumerate(zip(a.hidden_states, b.hidden_states)):
        assert (x - y).abs().max().item() <= TOL, f"hidden_states[{i}]"
    assert minibert.BertTokenizer.from_pretrained(official_checkpoint)(
        ["A man is eating food.", "Ünïcödé and CJK 中文 words, too!"], padding=True)["input_ids"] == \
        batch["input_ids"].tolist()



def _encoder_states(B: int = 3, S: int = 5) -> dict:
    g = torch.Generator().manual_seed(4)
    mask = torch.ones(B, S, dtype=torch.long)
    mask[1, 3:] = 0
    return {"encoder_hidden_states": torch.randn(B, S, TINY["hidden_size"], generator=g),
            "encoder_attention_mask": mask}


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
@pytest.mark.parametrize("cross", [False, True], ids=["decoder-only", "cross-attention"])
def test_decoder_outputs_loss_gradients_and_cache(attn, cross, tmp_path):
    ours, theirs = _pair("BertLMHeadModel", attn, tmp_path, is_decoder=True, add_cross_attention=cross)
    batch = {**_inputs(), **(_encoder_states() if cross else {})}
    batch.pop("token_type_ids")
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    a, b = ours(**batch, labels=labels), theirs(**batch, labels=labels)
    assert (a.logits - b.logits).abs().max().item() <= TOL
    assert (a.loss - b.loss).abs().item() <= TOL
    a.loss.backward()
    b.loss.backward()
    theirs_grads = {n: p.grad for n, p in theirs.named_parameters()}
    for n, p in ours.named_parameters():
        assert (p.grad - theirs_grads[n]).abs().max().item() <= TOL, f"grad {n}"
    # minibert's cache, a prompt of 5 then one token at a time, gives the reference's uncached logits.
    ids, mask = batch.pop("input_ids"), batch.pop("attention_mask")
    with torch.no_grad():
        full = theirs.eval()(ids, attention_mask=mask, use_cache=False, **batch).logits
        cache = None
        for start, stop in ((0, 5), (5, 6), (6, 7), (7, 9)):
            out = ours.eval()(ids[:, start:stop], attention_mask=mask[:, :stop], past_key_values=cache, **batch)
            assert (out.logits - full[:, start:stop]).abs().max().item() <= TOL, f"cached {start}:{stop}"
            cache = out.past_key_values


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
def test_greedy_generation_matches(attn, tmp_path):
    ours, theirs = _pair("BertLMHeadModel", attn, tmp_path, is_decoder=True)
    prompt = _inputs(T=6)
    prompt.pop("token_type_ids")
    prompt["attention_mask"][:] = 1  # one prompt length: nothing to pad
    a = ours.eval().generate(**prompt, max_new_tokens=8)
    b = theirs.eval().generate(**prompt, max_new_tokens=8, do_sample=False)
    assert a.tolist() == b.tolist()
