"""End to end on the shipped demo data: ``pretrain`` (MLM, MLM+NSP, JSONL) then ``finetune``, a few steps each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from minibert.__main__ import main

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
TINY = ["--hidden-size", "32", "--layers", "2", "--heads", "2", "--intermediate-size", "64", "--max-length", "32",
        "--no-progress"]



@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny models: thread start-up and synchronisation cost more than they save, badly so on a busy machine.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

def _losses(folder):
    return [r["loss"] for r in map(json.loads, (Path(folder) / "log.jsonl").read_text().splitlines()) if "loss" in r]


def test_pretrain_then_finetune(tmp_path, capsys):
    pre = tmp_path / "pre"
    rc = main(["pretrain", "--data", str(DATA / "corpus.txt"), "--vocab", str(DATA / "vocab.txt"),
               "--output", str(pre), "--steps", "40", "--lr", "3e-3", *TINY])
    out = capsys.readouterr().out
    assert rc == 0, out
    for name in ("config.json", "model.safetensors", "vocab.txt", "log.jsonl"):
        assert (pre / name).is_file(), name
    losses = _losses(pre)
    assert len(losses) == 40
    # 67-token vocabulary: guessing costs ln 67 = 4.2 nats; 40 steps learn the corpus' frequent words
    # (measured: mean of the first 5 steps 4.14, of the last 5 3.20). A model that does not learn stays at ~4.2.
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.5, losses
    assert "held-out masked-LM loss" in out

    ft = tmp_path / "ft"
    rc = main(["finetune", "--model", str(pre), "--data", str(DATA / "sentiment.csv"), "--output", str(ft),
               "--steps", "40", "--lr", "5e-3", "--max-length", "32", "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0, out
    evals = [r for r in map(json.loads, (ft / "log.jsonl").read_text().splitlines()) if "eval_accuracy" in r]
    assert len(evals) == 1 and "held-out accuracy" in out
    assert evals[0]["eval_accuracy"] > 0.8, evals  # majority class is ~0.51; the adjective decides the label
    config = json.loads((ft / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}


def test_pretrain_with_nsp_on_jsonl(tmp_path, capsys):
    # NSP needs documents: .txt gives them; JSONL rows are single-sentence documents, fine for MLM only.
    rc = main(["pretrain", "--data", str(DATA / "corpus.txt"), "--vocab", str(DATA / "vocab.txt"), "--nsp",
               "--whole-word-mask", "--output", str(tmp_path / "nsp"), "--steps", "3", *TINY])
    assert rc == 0 and len(_losses(tmp_path / "nsp")) == 3
    assert "BertForPreTraining" in capsys.readouterr().out
    rows = [{"text": s} for s in (DATA / "corpus.txt").read_text().splitlines() if s][:100]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    rc = main(["pretrain", "--data", str(tmp_path / "c.jsonl"), "--vocab", str(DATA / "vocab.txt"),
               "--output", str(tmp_path / "j"), "--steps", "2", "--batch-size", "8", *TINY])
    assert rc == 0 and len(_losses(tmp_path / "j")) == 2


@pytest.mark.parametrize("argv,message", [
    (["--text-column", "body"], "has no column 'body'"),
    (["--label-column", "text", "--eval-fraction", "1.5"], "--eval-fraction"),
])
def test_finetune_errors_are_one_line(tmp_path, capsys, argv, message):
    pre = tmp_path / "pre"
    assert main(["pretrain", "--data", str(DATA / "corpus.txt"), "--vocab", str(DATA / "vocab.txt"),
                 "--output", str(pre), "--steps", "1", *TINY]) == 0
    rc = main(["finetune", "--model", str(pre), "--data", str(DATA / "sentiment.csv"), "--output",
               str(tmp_path / "ft"), "--steps", "1", *argv])
    assert rc == 1 and message in capsys.readouterr().err
