"""The transfer experiment's recipe: the validation share, the mean-pooled classifier, each arm's learning rate
chosen on validation only, and ``--redo-transfer`` on a finished run. Small models and fake fine-tuning: fast."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from minibert import BertConfig, BertForMaskedLM
from minibert.__main__ import main
from minibert.speedrun import transfer as T
from minibert.speedrun import transfer_runs
from minibert.speedrun.classifier import MeanPooledClassifier, mean_pool

CORPUS = Path(__file__).resolve().parents[2] / "examples" / "data" / "speedrun_corpus.txt"
TINY = dict(vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
            max_position_embeddings=32, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def _held_out(docs: int = 5, sentences: int = 40) -> list[list[str]]:
    return [[f"Sentence {j} of document {i} is here." for j in range(sentences)] for i in range(docs)]


def test_validation_share_is_balanced_and_apart_from_test_and_pools():
    task = T.build_task(_held_out(), [f"d{i}" for i in range(5)], k=4)
    assert len(task.test) == 4 * 13 and len(task.val) == 4 * 6  # half the test share per class
    assert [sum(y == c for _, y in task.val) for c in range(4)] == [6] * 4
    val, test, pools = {s for s, _ in task.val}, {s for s, _ in task.test}, {s for p in task.pools for s in p}
    assert not val & test and not val & pools and not test & pools
    assert len(val | test | pools) == 4 * 40  # every sentence of the four documents has one place


def test_mean_pool_reads_the_real_tokens_only():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    assert mean_pool(hidden, torch.tensor([[1, 1, 0]])).tolist() == [[2.0, 3.0]]


def test_mean_pooled_classifier_takes_the_masked_lm_encoder_and_ignores_padding():
    config = BertConfig(**TINY, num_labels=3)
    torch.manual_seed(0)
    pretrained = BertForMaskedLM(config)
    model = MeanPooledClassifier(config).eval()
    model.bert.load_state_dict(pretrained.bert.state_dict())  # strict: the same keys, no pooler on either side
    assert not any("pooler" in k for k in model.state_dict())
    ids = torch.tensor([[2, 5, 6, 7, 3], [2, 8, 3, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        both = model(ids, mask).logits
        alone = model(ids[1:, :3], mask[1:, :3]).logits
        loss = model(ids, mask, labels=torch.tensor([0, 2])).loss
    assert both.shape == (2, 3) and torch.allclose(both[1:], alone, atol=1e-6)
    assert torch.isclose(loss, torch.nn.functional.cross_entropy(both, torch.tensor([0, 2])))


def test_the_encoder_is_the_reference_bert_model_without_pooler():
    transformers = pytest.importorskip("transformers")
    config = BertConfig(**TINY, num_labels=2)
    model = MeanPooledClassifier(config).eval()
    theirs = transformers.BertModel(transformers.BertConfig(**TINY), add_pooling_layer=False).eval()
    theirs.load_state_dict(model.bert.state_dict())  # strict: the same parameter names and shapes
    ids = torch.tensor([[2, 5, 6, 3]])
    with torch.no_grad():
        diff = (model.bert(ids).last_hidden_state - theirs(ids).last_hidden_state).abs().max().item()
    assert diff <= 1e-5


@pytest.mark.parametrize("pool, full, short", [
    (150, [16, 32, 128, 512], [32, 128]),  # 600 labels at most: all four; a short budget 32 and 128
    (40, [16, 32, 128], [32, 128]),        # the shipped small corpus's case (its smallest pool: 33)
    (21, [16, 32], [16, 32]),              # 84 at most: 128 does not fit, so the two smallest
    (6, [8, 24], [8, 24]),                 # 24 at most: a quarter of them and all of them
])
def test_label_counts_fit_the_pools_and_a_short_budget_takes_two(pool, full, short):
    task = T.Task([f"d{i}" for i in range(4)], [[f"s{i}.{j}" for j in range(pool)] for i in range(4)], [], [])
    assert T.label_counts(task, short=False) == full and T.label_counts(task, short=True) == short


@pytest.mark.parametrize("validation, chosen", [
    ({1e-3: [0.5, 0.7], 3e-3: [0.6, 0.65]}, 3e-3),  # means 0.600 and 0.625
    ({1e-3: [0.6, 0.6], 3e-3: [0.5, 0.7]}, 1e-3),   # a tie: the smaller rate
    ({3e-4: [0.2], 1e-2: [0.9], 1e-3: [0.4]}, 1e-2),
])
def test_choose_takes_the_best_mean_validation_accuracy(validation, chosen):
    assert transfer_runs.choose(validation) == chosen


class _Tokenizer:
    pad_token_id = 0

    def __call__(self, texts, truncation=True, max_length=64):
        return {"input_ids": [[2, 4 + len(t) % 30, 3] for t in texts]}

    def tokenize(self, text):
        return text.split()

    def convert_tokens_to_ids(self, tokens):
        return [4 + len(t) % 30 for t in tokens]

    vocab_size = 40


def test_each_arm_gets_the_rate_of_its_best_validation_and_that_rates_test_accuracy(monkeypatch):
    """Fake fine-tuning: validation and test disagree on the best rate. The row must follow validation."""
    best_val = {"pretrained": 1e-3, "random": 3e-3}
    calls = []

    def fake_finetune(model, tokenizer, train_rows, eval_sets, *, steps, lr, seed, **kw):
        val_rows, test_rows = eval_sets
        assert {s for s, _ in val_rows}.isdisjoint(s for s, _ in train_rows + test_rows)
        arm = "pretrained" if torch.equal(model.bert.embeddings.word_embeddings.weight, marker) else "random"
        calls.append((arm, lr, seed))
        val = 0.9 if lr == best_val[arm] else 0.5
        return [val, 0.3 if lr == best_val[arm] else 0.8 + seed / 100]  # the test set would pick another rate

    monkeypatch.setattr(T, "finetune", fake_finetune)
    torch.manual_seed(0)
    pretrained = BertForMaskedLM(BertConfig(**TINY))
    marker = pretrained.bert.embeddings.word_embeddings.weight.detach().clone()
    data = SimpleNamespace(tokenizer=_Tokenizer(), held_out_documents=_held_out(),
                           meta={"held_out_names": [f"d{i}" for i in range(5)]})
    result = transfer_runs.run_transfer(pretrained, data, SimpleNamespace(budget=3600.0, seed=7))
    assert len(calls) == len(result["rows"]) * 3 * 2 * len(transfer_runs.LRS)
    assert {seed for _, _, seed in calls} == {7, 8, 9}
    for row in result["rows"]:
        assert row["pretrained_lr"] == 1e-3 and row["random_lr"] == 3e-3
        assert row["pretrained"] == row["random"] == [0.3, 0.3, 0.3]
        assert row["validation"]["random"]["0.003"] == [0.9] * 3
    assert result["task"]["learning_rates"] == list(transfer_runs.LRS)
    short = transfer_runs.run_transfer(pretrained, data, SimpleNamespace(budget=120.0, seed=0))
    assert all(r["pretrained_lr"] == r["random_lr"] == transfer_runs.SHORT_LR for r in short["rows"])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A 2-second speedrun on the small corpus, without transfer (the redo below brings its own)."""
    out = tmp_path_factory.mktemp("finished")
    assert main(["speedrun", "--budget", "2s", "--corpus", str(CORPUS), "--out", str(out), "--threads", "1",
                 "--no-progress", "--no-transfer"]) == 0
    return out


def test_redo_transfer_replaces_the_transfer_only_and_says_so(finished_run, tmp_path, monkeypatch):
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    before = json.loads((out / "report.json").read_text())
    rows = [{"labels": 8, "pretrained": [0.9] * 3, "random": [0.4] * 3, "majority": [0.25] * 3,
             "bow_logreg": [0.5] * 3, "steps": 30, "pretrained_lr": 1e-3, "random_lr": 3e-3, "validation": {}}]
    task = {"task": "which of 4 held-out documents a sentence comes from", "classes": 4, "documents": ["a", "b"],
            "test_sentences": 52, "seeds": 3, "learning_rates": [1e-3, 3e-3], "validation_sentences": 24}
    seen = {}

    def fake_run_transfer(model, data, settings):
        seen.update(budget=settings.budget, seed=settings.seed, vocab=model.config.vocab_size)
        return {"task": task, "rows": rows, "seconds": 1.5}

    monkeypatch.setattr(transfer_runs, "run_transfer", fake_run_transfer)
    assert main(["speedrun", "--out", str(out), "--redo-transfer", "--threads", "1"]) == 0
    after = json.loads((out / "report.json").read_text())
    assert seen == {"budget": 2.0, "seed": 0, "vocab": before["corpus"]["vocab_size"]}  # the run's own settings
    [record] = after["transfer_redone"]
    assert after["transfer"] == rows and record["previous"]["transfer"] == before["transfer"]
    for key in ("heldout_top1", "total_seconds", "steps", "curve", "fill_mask", "machine"):
        assert after[key] == before[key], key
    text = (out / "report.md").read_text()
    assert f"re-run on {record['date']} with" in text.replace("\n", " ")
    assert "| 8 | 90.0 % (90.0–90.0) lr 0.001 | 40.0 % (40.0–40.0) lr 0.003 |" in text

    rows = [{**rows[0], "labels": 16}]  # a second redo: the first one's record and transfer are kept
    assert main(["speedrun", "--out", str(out), "--redo-transfer", "--threads", "1"]) == 0
    again = json.loads((out / "report.json").read_text())
    assert again["transfer"] == rows and again["transfer_redone"][0] == record
    assert again["transfer_redone"][1]["previous"] == {"transfer": after["transfer"], "transfer_seconds": 1.5,
                                                       "transfer_task": task}
    assert "before that on" in (out / "report.md").read_text().replace("\n", " ")


def test_redo_transfer_keeps_the_record_of_a_card_of_before_the_list(finished_run, tmp_path, monkeypatch):
    """A card whose ``transfer_redone`` is one dict (the format of before): it becomes the list's first record."""
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    card = json.loads((out / "report.json").read_text())
    old = {"date": "2026-12-07", "seconds": 9.0, "previous": {"transfer": [], "transfer_seconds": 0.0}}
    card.update(transfer_redone=old, transfer_seconds=9.0)
    (out / "report.json").write_text(json.dumps(card))
    monkeypatch.setattr(transfer_runs, "run_transfer", lambda model, data, settings: {
        "task": card["transfer_task"], "rows": [], "seconds": 2.0})
    assert main(["speedrun", "--out", str(out), "--redo-transfer", "--threads", "1"]) == 0
    first, second = json.loads((out / "report.json").read_text())["transfer_redone"]
    assert first == old and second["previous"]["transfer_seconds"] == 9.0


def test_redo_transfer_needs_a_finished_run(tmp_path, capsys):
    assert main(["speedrun", "--out", str(tmp_path), "--redo-transfer"]) == 1
    assert "not a finished speedrun" in capsys.readouterr().err
