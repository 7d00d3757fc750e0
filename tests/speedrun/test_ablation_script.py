"""scripts/speedrun_ablations.py: the table, results and figure from a root of report cards (made up here), the
queue's skipping of finished runs, and the length ablation's data folder (the same vocabulary, cut again)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "examples" / "data" / "speedrun_corpus.txt"
SCRIPT = ROOT / "scripts" / "speedrun_ablations.py"


def _card(run: Path, top1: float, steps: int) -> None:
    (run / "train").mkdir(parents=True)
    machine = {"cores": 2, "threads": 1, "torch": "x", "clock": "cpu"}
    (run / "report.json").write_text(json.dumps({
        "steps": steps, "heldout_top1": top1, "heldout_top5": top1 + 0.2, "baseline_top1": 0.05, "blanks": 100,
        "train_seconds": 600.0, "total_seconds": 700.0, "machine": machine}))
    log = [{"step": s, "loss": 5.0 if s <= steps - 50 else 4.0, "train_seconds": s} for s in range(1, steps + 1)]
    log += [{"step": steps, "train_seconds": 600.0, "heldout_top1": top1}]
    (run / "train" / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in log))


def test_the_table_gives_the_difference_beside_the_seed_spread_and_names_what_is_unfinished(tmp_path):
    root, res = tmp_path / "root", tmp_path / "res"
    _card(root / "recipe", 0.20, 100)
    _card(root / "recipe-seed1", 0.22, 101)
    _card(root / "mask15", 0.25, 120)
    (root / "4x256" / "train").mkdir(parents=True)
    (root / "queue.txt").write_text("recipe\nrecipe-seed1\nmask15\n4x256\nlr1e-3\n")
    done = subprocess.run([sys.executable, str(SCRIPT), "table", "--out", str(root), "--write", str(res)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {ln.split(" | ")[0].strip("| "): ln.split(" | ") for ln in done.stdout.splitlines() if ln.startswith("| ")}
    assert rows["mask15"][2:6] == ["120", "25.0 %", "+5.0", "45.0 %"] and rows["mask15"][6] == "4.000"
    assert rows["recipe-seed1"][4] == "+2.0" and rows["recipe"][4] == ""
    assert "spread of the recipe (seeds 0 and 1): 2.0 points" in done.stdout
    assert "Not finished: 4x256 (started); not started: lr1e-3." in done.stdout
    results = json.loads((res / "results.json").read_text())
    assert abs(results["seed_spread_top1"] - 0.02) < 1e-9 and [r["name"] for r in results["runs"]] == [
        "recipe", "recipe-seed1", "mask15"]
    assert (res / "table.md").read_text().strip() == done.stdout.strip()
    assert (res / "ablations.png").read_bytes()[:4] == b"\x89PNG"


def test_run_skips_a_finished_variant(tmp_path):
    _card(tmp_path / "mask15", 0.25, 120)
    done = subprocess.run([sys.executable, str(SCRIPT), "run", "mask15", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "mask15: done already" in done.stdout


def test_the_length_ablation_keeps_the_vocabulary_and_cuts_the_segments_again(tmp_path):
    sys.path.insert(0, str(ROOT))
    from minibert.speedrun.prepare import prepare
    from scripts.ablation_data import reseg

    first = prepare(str(CORPUS), tmp_path / "a", 800, 128)
    reseg(tmp_path / "a", tmp_path / "b", 32)
    again = prepare(str(CORPUS), tmp_path / "b", 800, 32)  # read back, not made again: meta.json says 32
    assert (tmp_path / "a" / "vocab.txt").read_bytes() == (tmp_path / "b" / "vocab.txt").read_bytes()
    assert max(map(len, again.train_segments)) <= 32 < max(map(len, first.train_segments))
    assert len(again.train_segments) > len(first.train_segments) and again.meta["max_length"] == 32
    short, long = again.held_out_segments[0][1:-1], first.held_out_segments[0][1:-1]
    assert long[:len(short)] == short  # the same text, cut shorter (segments.py drops what a long sentence overruns)
