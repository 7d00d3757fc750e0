"""The speedrun's schedule shapes (--schedule), its batch-size ramp (--batch-ramp), and resuming a run recorded
before either existed. The shapes are pure functions of the share of the budget spent; the ramp runs end to end
on the shipped small corpus for a few CPU seconds (every assertion holds for any number of steps)."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest
import torch

from minibert.__main__ import main
from minibert.speedrun.budget import budget_factor, check_schedule, ramp_parts
from minibert.training.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "examples" / "data" / "speedrun_corpus.txt"


@pytest.mark.parametrize("shape", ["linear", "cosine", "trapezoid"])
def test_every_shape_warms_up_the_same_and_ends_at_zero(shape):
    assert [budget_factor(p, 0.1, shape) for p in (0.0, 0.05, 0.1)] == pytest.approx([0.0, 0.5, 1.0])
    assert budget_factor(1.0, 0.1, shape) == 0 and budget_factor(1.3, 0.1, shape) == 0
    values = [budget_factor(i / 100, 0.1, shape) for i in range(10, 101)]
    assert all(a >= b for a, b in zip(values, values[1:]))  # never rises after the warm-up


def test_the_shapes_differ_where_they_should():
    # halfway through the decay: linear and cosine both at 1/2; a quarter in, cosine is higher than linear
    assert budget_factor(0.55, 0.1, "linear") == pytest.approx(0.5)
    assert budget_factor(0.55, 0.1, "cosine") == pytest.approx(0.5)
    assert budget_factor(0.325, 0.1, "cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))
    assert budget_factor(0.325, 0.1, "linear") == pytest.approx(0.75)
    # the trapezoid holds the peak until the last 20 %, then falls linearly
    assert budget_factor(0.5, 0.1, "trapezoid") == 1 and budget_factor(0.8, 0.1, "trapezoid") == pytest.approx(1)
    assert budget_factor(0.9, 0.1, "trapezoid") == pytest.approx(0.5)


def test_bad_schedules_are_refused():
    with pytest.raises(ValueError, match="expected one of linear, cosine, trapezoid"):
        check_schedule(0.05, "step")
    with pytest.raises(ValueError, match="must end before it"):
        check_schedule(0.9, "trapezoid")
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        check_schedule(1.0, "linear")


def test_the_ramp_takes_one_quarter_then_grows_to_the_whole_batch():
    assert [ramp_parts(p, 0.4, 4) for p in (0.0, 0.09, 0.11, 0.21, 0.31, 0.39, 0.4, 0.9)] == [1, 1, 2, 3, 4, 4, 4, 4]
    assert ramp_parts(0.0, 0.0, 4) == 4  # no ramp: the whole batch from the start


def _args(out: Path, *extra: str) -> list[str]:
    return ["speedrun", "--corpus", str(CORPUS), "--out", str(out), "--no-progress", "--no-transfer", "--threads", "1",
            "--clock", "cpu", *extra]


def test_a_run_recorded_before_the_knobs_resumes_and_a_changed_schedule_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*_args(out, "--budget", "6s"), "--stop-after", "1"]) == 0
    path = out / "train" / "settings.json"
    record = json.loads(path.read_text())
    assert record["recipe"]["schedule"] == "linear" and record["recipe"]["batch_ramp"] == 0.0
    for key in ("schedule", "batch_ramp"):  # as written before --schedule and --batch-ramp existed
        del record["recipe"][key]
    path.write_text(json.dumps(record))
    capsys.readouterr()
    assert main([*_args(out, "--budget", "6s"), "--stop-after", "1"]) == 0
    assert "run the same command again" in capsys.readouterr().out
    assert main([*_args(out, "--budget", "6s", "--schedule", "cosine"), "--stop-after", "1"]) == 1
    assert "other settings (recipe:" in capsys.readouterr().err


def test_the_ramp_grows_the_batch_and_the_data_position_counts_its_quarters(tmp_path):
    out = tmp_path / "ramp"
    cmd = ["python", "-m", "minibert", *_args(out, "--budget", "6s", "--batch-ramp", "0.5", "--batch-size", "16")]
    import sys

    cmd[0] = sys.executable
    first = subprocess.run([*cmd, "--stop-after", "4"], cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-3000:]
    saved = load_checkpoint(out / "train" / "checkpoint.pt")
    log = [json.loads(ln) for ln in (out / "train" / "log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "loss" in r]
    assert len(steps) == 4 and steps[0]["batch"] == 4  # a quarter of 16 at the start
    assert saved["epoch"] == 0 and saved["batch_in_epoch"] == sum(r["batch"] for r in steps) // 4
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-3000:]
    steps = [json.loads(ln) for ln in (out / "train" / "log.jsonl").read_text().splitlines()]
    steps = [r for r in steps if "loss" in r]
    batches = [r["batch"] for r in steps]
    assert batches == sorted(batches) and set(batches) <= {4, 8, 12, 16}
    assert all(r["batch"] == 16 for r in steps if r["train_seconds"] > 0.5 * 6 + 0.5)  # the step after the ramp
    assert all(r["batch"] == 4 for r in steps if r["train_seconds"] < 0.5 * 6 / 4 - 0.5)


def test_subnormals_are_flushed_while_training_unless_kept(tmp_path, monkeypatch):
    """The speedrun trains with subnormal floats read as 0 (fast on a CPU), and gives torch its default back."""
    from minibert.speedrun.pretrain import BudgetTrainer

    tiny = torch.full((64,), 1e-39)  # a float32 subnormal: 0 under flushing, itself otherwise
    seen = []
    step = BudgetTrainer._train_step

    def watched(self, micro_batches):
        seen.append(float((tiny * 1.0)[0]))
        return step(self, micro_batches)

    monkeypatch.setattr(BudgetTrainer, "_train_step", watched)
    assert main([*_args(tmp_path / "flush", "--budget", "6s"), "--stop-after", "2"]) == 0
    assert seen == [0.0, 0.0]
    assert float((tiny * 1.0)[0]) > 0  # torch's default again after the run
    seen.clear()
    assert main([*_args(tmp_path / "keep", "--budget", "6s"), "--stop-after", "2", "--keep-subnormals"]) == 0
    assert seen and all(v > 0 for v in seen)
