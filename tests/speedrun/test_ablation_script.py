"""scripts/speedrun_ablations.py: the table, results and figure from a root of report cards (made up here), the
readout against the seed spread, the table copied into a page's generated block, the queue's skipping of finished
runs, and the length ablation's data folder (the same vocabulary, cut again)."""

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
    assert "* ahead of the recipe by more than the spread: mask15 (+5.0)\n" in done.stdout
    assert "* behind it by more than the spread: none\n* within the spread: none\n" in done.stdout
    assert "Ran on: 2 cores, torch x, 1 thread(s), cpu clock; 700–700 s of wall-clock time a run" in done.stdout
    results = json.loads((res / "results.json").read_text())
    assert abs(results["seed_spread_top1"] - 0.02) < 1e-9 and [r["name"] for r in results["runs"]] == [
        "recipe", "recipe-seed1", "mask15"]
    assert (res / "table.md").read_text().strip() == done.stdout.strip()
    assert (res / "ablations.png").read_bytes()[:4] == b"\x89PNG"


def test_the_readout_sorts_the_variants_by_the_spread_and_names_those_at_the_baseline(tmp_path):
    sys.path.insert(0, str(ROOT))
    from scripts.ablation_table import collect, readout

    for name, top1 in [("recipe", 0.10), ("recipe-seed1", 0.12), ("mask15", 0.11), ("lr1e-3", 0.075),
                       ("lr4e-3", 0.052), ("warmup0.2", 0.125)]:
        _card(tmp_path / name, top1, 100)
    lines = readout(collect(tmp_path))
    assert "(2.0 points;" in lines[1]
    assert lines[2:] == ["", "* ahead of the recipe by more than the spread: warmup0.2 (+2.5)",
                         "* behind it by more than the spread: lr1e-3 (-2.5), lr4e-3 (-4.8)",
                         "* within the spread: mask15 (+1.0)",
                         "* ahead or behind by more than twice the spread: lr4e-3 (-4.8)",
                         "* still at the most-frequent-token baseline (5.0 %, within half a point): lr4e-3"]
    (tmp_path / "recipe-seed1" / "report.json").unlink()
    assert readout(collect(tmp_path)) == []  # no spread, no readout


def test_doc_gets_the_written_table_in_its_block_and_nothing_else_changes(tmp_path):
    root, res, repo = tmp_path / "root", tmp_path / "repo" / "res", tmp_path / "repo"
    _card(root / "recipe", 0.20, 100)
    _card(root / "recipe-seed1", 0.22, 101)
    sys.path.insert(0, str(ROOT))
    from scripts.ablation_table import main
    from scripts.doc_blocks import blocks, fill

    main(root, res)
    doc = repo / "page.md"
    head, tail = "# Page\n\nBefore.\n\n", "\nAfter.\n"
    doc.write_text(head + "<!-- begin: res/table.md (made by a command) -->\nan old table\n<!-- end: res/table.md -->"
                   + tail)
    assert fill(doc, repo) == ["res/table.md"]
    text = doc.read_text()
    assert blocks(text) == [("res/table.md", (res / "table.md").read_text())]
    assert text.startswith(head) and text.endswith(tail) and "an old table" not in text
    fill(doc, repo)
    assert doc.read_text() == text  # filling again changes nothing


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
