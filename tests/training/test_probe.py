"""The probe (minibert/training/probe.py, scripts/probe_minilm.py) on a tiny random encoder: what is frozen stays
frozen, the cached features are the encoder's output at the masked positions, the head learns, saving and loading
round-trip and refuse a different encoder, and the script runs end to end. Seconds, no official checkpoint needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from minibert import BertConfig, BertForMaskedLM, BertModel, BertTokenizer
from minibert.training.masking import IGNORE_INDEX, mask_tokens
from minibert.training.mlm_eval import accuracy_by_kind, fill_blanks
from minibert.training.probe import HEAD_FILE, PROBE_FILE, fit_head, load_probe, masked_features, probe_model, save_head

REPO = Path(__file__).resolve().parents[2]
WORDS = ("the function returns a list of lines in file module provides functions for working with files "
         "statement is used to import number default value this argument if does not exist raised").split()
TEXT = ["The function returns a list of lines.", "This module provides functions for working with files.",
        "The import statement is used to import a module.", "If the file does not exist, a value is raised.",
        "Return the number of lines in the file.", "The default value of this argument is a list."]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> Path:
    """A random 2-layer, 16-wide BertModel with a small vocabulary, saved as a folder (as the official one is)."""
    folder = tmp_path_factory.mktemp("encoder")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *WORDS, "##s", "##ed"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    return folder


def _rows(encoder: Path, n: int = 24) -> tuple[BertTokenizer, list[list[int]]]:
    tokenizer = BertTokenizer.from_pretrained(encoder)
    return tokenizer, tokenizer([TEXT[i % len(TEXT)] for i in range(n)])["input_ids"]


def test_encoder_and_tied_decoder_are_frozen_only_the_head_trains(encoder):
    model = probe_model(encoder, tie=True)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"cls.predictions.bias", "cls.predictions.transform.dense.weight",
                         "cls.predictions.transform.dense.bias", "cls.predictions.transform.LayerNorm.weight",
                         "cls.predictions.transform.LayerNorm.bias"}
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    untied = probe_model(encoder, tie=False)
    decoder = untied.cls.predictions.decoder.weight
    assert decoder.requires_grad and decoder is not untied.bert.embeddings.word_embeddings.weight
    assert torch.equal(decoder, untied.bert.embeddings.word_embeddings.weight)  # starts as a copy of E


def test_features_are_the_encoders_output_at_the_masked_positions(encoder):
    tokenizer, rows = _rows(encoder, 6)
    model = probe_model(encoder)
    special = set(tokenizer.all_special_ids)
    x, y = masked_features(model.bert, rows, mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                           special_ids=special, seed=3, batch_size=4)
    again = masked_features(model.bert, rows, mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                            special_ids=special, seed=3, batch_size=4)
    assert torch.equal(x, again[0]) and torch.equal(y, again[1])  # seeded
    # Recompute the first batch by hand: the same masking draws, the full encoder output, the chosen rows.
    g = torch.Generator().manual_seed(3)
    first = rows[:4]
    ids = torch.zeros(4, max(map(len, first)), dtype=torch.long)
    attention = torch.zeros_like(ids)
    for b, row in enumerate(first):
        ids[b, :len(row)], attention[b, :len(row)] = torch.tensor(row), 1
    masked, labels = mask_tokens(ids, mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                                 special_tokens_mask=torch.isin(ids, torch.tensor(sorted(special))),
                                 attention_mask=attention, generator=g)
    with torch.no_grad():
        h = model.bert(input_ids=masked, attention_mask=attention).last_hidden_state
    chosen = labels != IGNORE_INDEX
    n = int(chosen.sum())
    assert n > 0 and x.shape[1] == 16 and x.dtype == torch.float32
    torch.testing.assert_close(x[:n], h[chosen], rtol=0, atol=0)
    assert torch.equal(y[:n], ids[chosen]) and not set(y.tolist()) & special


def test_fitting_lowers_the_loss_and_leaves_the_encoder_unchanged(encoder):
    tokenizer, rows = _rows(encoder, 48)
    model = probe_model(encoder)
    before = {k: v.clone() for k, v in model.bert.state_dict().items()}
    x, y = masked_features(model.bert, rows, mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                           special_ids=set(tokenizer.all_special_ids))
    losses = fit_head(model, x, y, epochs=60, batch_size=16, lr=3e-2)
    # Below the labels' entropy, the loss of the best context-free guess (what the bias alone can learn): the head
    # reads the features.
    p = torch.bincount(y)[torch.bincount(y) > 0] / len(y)
    entropy = -(p * p.log()).sum().item()
    assert sum(losses[:5]) / 5 > entropy and sum(losses[-5:]) / 5 < entropy - 0.3, (losses[:5], losses[-5:], entropy)
    assert all(torch.equal(before[k], v) for k, v in model.bert.state_dict().items())


@pytest.mark.parametrize("tie", [True, False])
def test_save_and_load_round_trip_and_refuse_another_encoder(encoder, tmp_path, tie):
    tokenizer, rows = _rows(encoder, 24)
    model = probe_model(encoder, tie=tie)
    x, y = masked_features(model.bert, rows, mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                           special_ids=set(tokenizer.all_special_ids))
    fit_head(model, x, y, epochs=2, batch_size=16)
    save_head(model, tmp_path / "head", {"encoder": "tiny"})
    with __import__("safetensors").safe_open(str(tmp_path / "head" / HEAD_FILE), framework="pt") as f:
        keys = set(f.keys())
    assert all(k.startswith("cls.") for k in keys) and ("cls.predictions.decoder.weight" in keys) == (not tie)
    loaded = load_probe(tmp_path / "head", encoder)
    batch = tokenizer(TEXT[:2], padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(loaded(**batch).logits, model.eval()(**batch).logits, rtol=0, atol=0)
    # The same architecture with one weight changed: the head does not fit it, and load_probe says so.
    other = BertModel.from_pretrained(encoder)
    with torch.no_grad():
        other.encoder.layer[0].output.dense.weight[0, 0] += 1e-3
    other.save_pretrained(tmp_path / "other")
    (tmp_path / "other" / "vocab.txt").write_text((encoder / "vocab.txt").read_text())
    with pytest.raises(ValueError, match="holds other weights"):
        load_probe(tmp_path / "head", tmp_path / "other")


def test_fill_blanks_decodes_only_the_blanks_with_the_full_decoders_answers(encoder):
    """mlm_eval.fill_blanks runs the decoder at the blanks only: the same top-k as the full (B, T, V) logits."""
    tokenizer, rows = _rows(encoder, 10)
    torch.manual_seed(1)
    model = BertForMaskedLM(BertModel.from_pretrained(encoder).config).eval()
    special = set(tokenizer.all_special_ids)
    blanks = fill_blanks(model, rows, mask_token_id=tokenizer.mask_token_id, special_ids=special, seed=5, k=3)
    g = torch.Generator().manual_seed(5)  # fill_blanks' choice of blanks, redone: one batch, the same draws
    ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
    attention, chosen = torch.zeros_like(ids), torch.zeros_like(ids, dtype=torch.bool)
    for b, row in enumerate(rows):
        ids[b, :len(row)], attention[b, :len(row)] = torch.tensor(row), 1
        candidates = torch.tensor([i for i, t in enumerate(row) if t not in special])
        chosen[b, candidates[torch.randperm(len(candidates), generator=g)[:max(1, round(0.15 * len(candidates)))]]] = 1
    with torch.no_grad():
        full = model(input_ids=ids.masked_fill(chosen, tokenizer.mask_token_id), attention_mask=attention).logits
    assert torch.equal(blanks.labels, ids[chosen])
    assert torch.equal(blanks.topk, full[chosen].topk(3, dim=-1).indices)


def test_accuracy_by_kind_splits_frequent_words_other_words_and_pieces():
    from minibert.training.mlm_eval import Blanks

    blanks = Blanks(labels=torch.tensor([7, 7, 8, 9]), topk=torch.tensor([[7], [1], [8], [1]]))
    kinds = accuracy_by_kind(blanks, [[7, 7, 7, 8, 9]], ["the", "the", "file", "##s"], set(), n_common=1)
    assert kinds == {"the 1 most frequent tokens (mostly function words)": {"blanks": 2, "top1": 0.5, "top5": 0.5},
                     "other whole words": {"blanks": 1, "top1": 1.0, "top5": 1.0},
                     "word pieces (##...)": {"blanks": 1, "top1": 0.0, "top5": 0.0}}


def test_the_script_end_to_end(encoder, tmp_path, monkeypatch):
    """scripts/probe_minilm.py on the tiny encoder: every stage, the card, the shipped copy; a rerun reuses them."""
    text = tmp_path / "text"
    text.mkdir()
    for name, n in (("train", 40), ("heldout", 8)):
        (text / f"{name}_packed.txt").write_text("\n".join(TEXT[i % 6] + " " + TEXT[(i + 1) % 6] for i in range(n)))
    sys.path.insert(0, str(REPO / "scripts"))
    import probe_minilm

    monkeypatch.setattr(probe_minilm, "SHIP", tmp_path / "shipped")
    argv = ["--model", str(encoder), "--text", str(text), "--output", str(tmp_path / "out"), "--train-segments", "30",
            "--epochs", "1", "--ship"]
    assert probe_minilm.main(argv) == 0
    out = tmp_path / "out"
    for head in ("head-tied", "head-untied"):
        result = json.loads((out / head / "eval.json").read_text())
        assert result["held_out_segments"] == 8 and result["blanks"] > 0 and 0 <= result["top1"] <= result["top5"] <= 1
        assert set(result["fill_mask_examples"]) == set(probe_minilm.PROMPTS)
    probe = json.loads((out / "head-tied" / PROBE_FILE).read_text())
    assert probe["train_segments"] == 30 and probe["train_segments_total"] == 40 and probe["tie_word_embeddings"]
    card = (out / "README.md").read_text()
    assert "untied MLM head" in card and f"{100 * result['top1']:.1f} %" in card
    assert sorted(p.name for p in (tmp_path / "shipped").iterdir()) == ["README.md", "eval.json", HEAD_FILE, PROBE_FILE]
    load_probe(tmp_path / "shipped", encoder)
    stamp = (out / "features.pt").stat().st_mtime_ns
    assert probe_minilm.main(argv) == 0 and (out / "features.pt").stat().st_mtime_ns == stamp  # resumed, not redone
    with pytest.raises(SystemExit, match="features of another sample"):  # a cache made for another recipe
        probe_minilm.main([a if a != "30" else "20" for a in argv])


SHIPPED_HEAD = REPO / "checkpoints" / "minilm-pydocs-mlm-head"


def test_the_shipped_head_is_small_and_refuses_an_encoder_it_was_not_fitted_on():
    with __import__("safetensors").safe_open(str(SHIPPED_HEAD / HEAD_FILE), framework="pt") as f:
        shapes = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    head = "cls.predictions.transform."
    assert shapes == {"cls.predictions.bias": (30522,), head + "dense.weight": (384, 384), head + "dense.bias": (384,),
                      head + "LayerNorm.weight": (384,), head + "LayerNorm.bias": (384,)}  # no decoder: MiniLM's E
    with pytest.raises(ValueError, match="holds other weights"):
        load_probe(SHIPPED_HEAD, REPO / "checkpoints" / "tiny-bert")


@pytest.mark.official
def test_the_shipped_head_on_the_official_minilm_fills_held_out_blanks(official_checkpoint):
    """Recomputed on 100 held-out segments (checkpoints/minibert-pydocs/heldout_sample.txt, the same pages as the
    full evaluation): close to the recorded figure and above the most-frequent-token baseline. Not copied numbers."""
    model = load_probe(SHIPPED_HEAD, official_checkpoint)
    tokenizer = BertTokenizer.from_pretrained(official_checkpoint)
    lines = (REPO / "checkpoints" / "minibert-pydocs" / "heldout_sample.txt").read_text(encoding="utf-8").splitlines()
    rows = tokenizer(lines, truncation=True, max_length=512)["input_ids"]
    blanks = fill_blanks(model, rows, mask_token_id=tokenizer.mask_token_id, special_ids=set(tokenizer.all_special_ids))
    recorded = json.loads((SHIPPED_HEAD / "eval.json").read_text())
    assert len(blanks.labels) > 1000
    assert abs(blanks.accuracy(1) - recorded["top1"]) < 0.03 and abs(blanks.accuracy(5) - recorded["top5"]) < 0.03
    # Against the most-frequent-token guess on these same blanks (the training text's top tokens, as recorded).
    common = torch.tensor(tokenizer.convert_tokens_to_ids(recorded["baseline_most_frequent"]["tokens"]))
    baseline1 = (blanks.labels == common[0]).float().mean().item()
    baseline5 = (blanks.labels[:, None] == common[None]).any(-1).float().mean().item()
    assert blanks.accuracy(1) > baseline1 + 0.01 and blanks.accuracy(5) > baseline5, (baseline1, baseline5)
