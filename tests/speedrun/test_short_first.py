"""``--short-first``: short segments for the first share of the budget, then full-length ones (BERT's schedule).

The runs here use a clock that advances one tick per optimizer step instead of the CPU's, so the switch falls on
the same step in every run and a run stopped and resumed (twice, once in each phase) can be compared, loss for
loss, with one that ran straight through.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from minibert.__main__ import main
from minibert.speedrun import budget
from minibert.speedrun.pretrain import BudgetTrainer
from minibert.training.checkpoint import load_checkpoint
from minibert.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "examples" / "data" / "speedrun_corpus.txt"
TICK = 1 / 16  # seconds a step; a power of two, so that the sums of ticks are exact
SHORT = 32


@pytest.fixture
def step_clock(monkeypatch):
    """``--clock cpu`` reads a count of optimizer steps; every step's input length and phase are recorded."""
    ticks, seen = [0], []
    step, train_step = Trainer._optimizer_step, BudgetTrainer._train_step

    def counted(self, loss):
        ticks[0] += 1
        return step(self, loss)

    def watched(self, micro_batches):
        seen.append((self.long_phase, max(b["input_ids"].shape[1] for b in micro_batches)))
        return train_step(self, micro_batches)

    monkeypatch.setitem(budget.CLOCKS, "cpu", lambda: ticks[0] * TICK)
    monkeypatch.setattr(Trainer, "_optimizer_step", counted)
    monkeypatch.setattr(BudgetTrainer, "_train_step", watched)
    return seen


def _run(out: Path, *extra: str) -> int:
    return main(["speedrun", "--corpus", str(CORPUS), "--out", str(out), "--no-progress", "--no-transfer",
                 "--threads", "1", "--clock", "cpu", "--budget", "4s", "--short-first", "0.5", "--short-length",
                 str(SHORT), *extra])


def _losses(out: Path) -> list[float]:
    return [r["loss"] for r in map(json.loads, (out / "train" / "log.jsonl").read_text().splitlines()) if "loss" in r]


def test_short_segments_first_then_full_length_ones(tmp_path, step_clock):
    assert _run(tmp_path / "run", "--stop-after", "48") == 0
    phases = [long for long, _ in step_clock]
    switch = phases.index(True)
    # 2 s of 4 are 32 ticks: the 33rd step is the first to read a long segment, and none after it reads a short one
    assert switch == 32 and all(phases[switch:])
    assert all(length <= SHORT for _, length in step_clock[:switch])
    assert max(length for _, length in step_clock[switch:]) > SHORT  # the corpus has segments longer than 32
    saved = load_checkpoint(tmp_path / "run" / "train" / "checkpoint.pt")
    assert saved["long_phase"] and saved["train_seconds"] == 48 * TICK
    settings = json.loads((tmp_path / "run" / "train" / "settings.json").read_text())
    assert settings["recipe"]["short_first"] == 0.5 and settings["recipe"]["short_length"] == SHORT
    cut = json.loads((tmp_path / "run" / "data" / f"segments-{SHORT}.json").read_text())["train"]
    assert max(map(len, cut)) <= SHORT


def test_stopped_in_each_phase_and_resumed_it_trains_as_one_run(tmp_path, step_clock):
    assert _run(tmp_path / "straight", "--stop-after", "48") == 0
    # the same data (the `tokenizers` trainer breaks ties in hash order: two vocabularies can differ)
    shutil.copytree(tmp_path / "straight" / "data", tmp_path / "resumed" / "data")
    for steps in ("20", "20", "8"):  # stops at steps 20 (short phase), 40 (long), then 48
        assert _run(tmp_path / "resumed", "--stop-after", steps) == 0
    assert load_checkpoint(tmp_path / "resumed" / "train" / "checkpoint.pt")["step"] == 48
    straight, resumed = _losses(tmp_path / "straight"), _losses(tmp_path / "resumed")
    assert len(straight) == 48 and resumed == straight


def test_the_length_must_be_shorter_than_the_segments(tmp_path, capsys):
    assert _run(tmp_path / "run", "--short-length", "64") == 1  # the tiny budget's segments are 64 pieces
    assert "--short-length 64: expected at least 8 pieces and fewer than --max-length 64" in capsys.readouterr().err
    assert _run(tmp_path / "run", "--short-first", "1") == 1
    assert "--short-first must be in [0, 1), got 1.0" in capsys.readouterr().err
