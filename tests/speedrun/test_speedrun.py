"""``python -m minibert speedrun`` end to end on the shipped small corpus, with a budget of seconds: the report
card's keys and figures, the model folder read by the reference with the same logits, and resuming after a kill
(a real SIGKILL, and a deterministic stop after a few steps). Nothing here depends on how fast the machine is:
a slow machine trains fewer steps, and every assertion holds for any number of steps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from minibert.__main__ import main
from minibert.speedrun import bow, corpus, pydocs, transfer_runs
from minibert.speedrun import transfer as T
from minibert.speedrun.budget import budget_factor, parse_budget
from minibert.training.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "examples" / "data" / "speedrun_corpus.txt"
KEYS = {"heldout_top1", "heldout_top5", "baseline_top1", "train_seconds", "total_seconds", "steps", "transfer",
        "parity_max_abs_diff", "machine", "transfer_seconds", "curve", "fill_mask", "figures", "per_kind"}


def _command(out: Path, budget: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "minibert", "speedrun", "--budget", budget, "--corpus", str(CORPUS), "--out",
            str(out), "--threads", "1", "--no-progress", *extra]


def _env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


def _log(out: Path) -> list[dict]:
    return [json.loads(ln) for ln in (out / "train" / "log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory):
    """A 15-second speedrun killed with SIGKILL once its first checkpoint is on disk, then run again to the end."""
    out = tmp_path_factory.mktemp("speedrun")
    cmd = _command(out, "15s")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    checkpoint = out / "train" / "checkpoint.pt"
    deadline = time.monotonic() + 600
    while not checkpoint.is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checkpoint.is_file(), proc.stderr.read().decode() if proc.poll() is not None else "no checkpoint"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = load_checkpoint(checkpoint)  # the atomic write: the file is whole, whenever the kill came
    done = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, saved, done.stdout


def test_report_card_keys_and_figures(killed_run):
    out, _, stdout = killed_run
    card = json.loads((out / "report.json").read_text())
    assert KEYS <= set(card)
    for key in ("heldout_top1", "heldout_top5", "baseline_top1"):
        assert 0 <= card[key] <= 1, key
    assert card["steps"] >= 1 and card["train_seconds"] >= card["budget_seconds"] == 15
    assert card["total_seconds"] >= card["train_seconds"]
    assert {"cores", "threads", "torch"} <= set(card["machine"]) and card["machine"]["threads"] == 1
    assert len(card["transfer"]) >= 2  # a short budget: two label counts, never fewer
    for row in card["transfer"]:
        assert row["labels"] >= 2 and len(row["pretrained"]) == len(row["random"]) == 3
        assert all(0 <= a <= 1 for a in row["pretrained"] + row["random"] + row["bow_logreg"] + row["majority"])
        assert row["pretrained_lr"] == row["random_lr"] == transfer_runs.SHORT_LR  # a short budget: no choice
    assert [r["labels"] for r in card["transfer"]] == [32, 128]  # the small corpus fills both: a short budget's two
    assert card["figures"] == ["curve.png", "fill_mask.png", "transfer.png"]
    for name in card["figures"]:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"]({name})" in (out / "report.md").read_text() or name == "fill_mask.png"
    assert len(card["fill_mask"]) >= 1 and all(len(f["predictions"]) == 3 for f in card["fill_mask"])
    # the held-out figure of the card is the one printed, and the curve's points are the log's
    assert f"held-out top-1 {100 * card['heldout_top1']:.1f} %" in stdout
    assert card["curve"]["heldout_top1"] == [r for r in _log(out) if "heldout_top1" in r]


def test_resumed_after_sigkill_where_the_checkpoint_was(killed_run):
    out, saved, _ = killed_run
    log = _log(out)
    steps = [r["step"] for r in log if "loss" in r]
    assert steps == list(range(1, len(steps) + 1))  # every step once: the lines after the checkpoint were dropped
    card = json.loads((out / "report.json").read_text())
    assert card["steps"] == steps[-1] >= saved["step"]
    at_kill = [r for r in log if "loss" in r and r["step"] == saved["step"]]
    assert not at_kill or at_kill[0]["train_seconds"] <= saved["train_seconds"]
    later = [r["train_seconds"] for r in log if "loss" in r and r["step"] > saved["step"]]
    assert all(s > saved["train_seconds"] for s in later)  # the clock carried on from the checkpoint's seconds


def test_reference_loads_the_model_folder_with_the_same_logits(killed_run):
    transformers = pytest.importorskip("transformers")
    from minibert import BertForMaskedLM, BertTokenizer
    from minibert.parity.check import check_checkpoint

    out, _, _ = killed_run
    folder = out / "model"
    for name in ("config.json", "model.safetensors", "vocab.txt", "reference_outputs.safetensors"):
        assert (folder / name).is_file(), name
    theirs = transformers.BertForMaskedLM.from_pretrained(folder, attn_implementation="eager").eval()
    ours = BertForMaskedLM.from_pretrained(folder).eval()
    tokenizer = transformers.BertTokenizer.from_pretrained(folder)
    assert tokenizer.vocab_size == BertTokenizer.from_pretrained(folder).vocab_size
    text = (out / "data" / "heldout.txt").read_text().splitlines()[:4]
    batch = tokenizer(text, padding=True, truncation=True, max_length=64, return_tensors="pt")
    with torch.no_grad():
        diff = (ours(**batch).logits - theirs(**batch).logits).abs().max().item()
    assert diff <= 1e-5
    card = json.loads((out / "report.json").read_text())
    assert card["parity_max_abs_diff"] is not None and card["parity_max_abs_diff"] <= 1e-5
    stored = check_checkpoint(folder, reference="stored")
    assert stored.ok  # the stored outputs: checkable without transformers
    assert not [n for n in stored.notes if "kernels" in n]  # they record the kernels that computed them: these


def test_stop_after_steps_then_resume_continues_the_schedule(tmp_path):
    out = tmp_path / "run"
    cmd = _command(out, "8s", "--no-transfer", "--clock", "cpu")  # CPU seconds: 3 steps stay far below 8 s, however
    # busy the machine is, so the first call always ends by --stop-after, never by the budget
    first = subprocess.run([*cmd, "--stop-after", "3"], cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "run the same command again" in first.stdout and not (out / "report.json").exists()
    saved = load_checkpoint(out / "train" / "checkpoint.pt")
    assert saved["step"] == 3 and 0 < saved["train_seconds"] < 8
    second = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-3000:]
    log = [r for r in _log(out) if "loss" in r]
    assert [r["step"] for r in log] == list(range(1, len(log) + 1)) and len(log) > 3
    # step 4 uses the rate the schedule had reached at the checkpoint: no new warm-up, no jump
    assert log[3]["lr"] == pytest.approx(saved["scheduler"]["_last_lr"][0], rel=1e-12)
    assert log[3]["train_seconds"] > saved["train_seconds"]
    card = json.loads((out / "report.json").read_text())
    assert card["transfer"] == [] and card["figures"] == ["curve.png", "fill_mask.png"]


def test_a_run_with_other_settings_in_the_same_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["speedrun", "--corpus", str(CORPUS), "--out", str(out), "--no-progress", "--no-transfer", "--threads", "1"]
    assert main([*args, "--budget", "4s", "--stop-after", "1"]) == 0
    capsys.readouterr()
    assert main([*args, "--budget", "5s"]) == 1
    err = capsys.readouterr().err
    assert "other settings (budget: 4.0 now 5.0)" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("2m", 120), ("1h", 3600), ("1.5h", 5400)])
def test_budget_reads_seconds_minutes_hours(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("bad", ["90", "1d", "-1h", "0s", "h"])
def test_a_bad_budget_is_one_line(bad, capsys):
    assert main(["speedrun", f"--budget={bad}"]) == 1
    err = capsys.readouterr().err
    assert "--budget" in err and "90s, 2m or 1h" in err and len(err.strip().splitlines()) == 1


def test_schedule_warms_up_then_ends_at_zero_when_the_budget_ends():
    assert budget_factor(0.0, 0.1) == 0 and budget_factor(0.05, 0.1) == pytest.approx(0.5)
    assert budget_factor(0.1, 0.1) == 1 and budget_factor(0.55, 0.1) == pytest.approx(0.5)
    assert budget_factor(1.0, 0.1) == 0 and budget_factor(1.2, 0.1) == 0


def test_pydocs_missing_says_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"apt-get install -y python3\.11-doc"):
        pydocs.pages(tmp_path / "no-docs")


def test_documents_are_held_out_whole(tmp_path):
    docs = [[f"document {i} line {j} " + "word " * 8 for j in range(3)] for i in range(12)]
    (tmp_path / "c.txt").write_text("\n\n".join("\n".join(d) for d in docs) + "\n", encoding="utf-8")
    c = corpus.load_corpus(str(tmp_path / "c.txt"))
    assert c.every == 3 and len(c.held_out) == 4 and len(c.train) == 8
    held_ids = {p.split()[1] for d in c.held_out for p in d}
    train_ids = {p.split()[1] for d in c.train for p in d}
    assert held_ids == {"2", "5", "8", "11"} and not held_ids & train_ids


def test_pydocs_held_out_pages_are_those_of_the_whole_split(tmp_path, monkeypatch):
    """Notebook 11 reads only the held-out pages: the same pages, names and paragraphs as ``load_corpus``, pages
    without prose counted by the rule and then dropped (page 10 here)."""
    for i in range(45):  # every 11th page held out: 10, 21, 32, 43
        prose = "" if i % 7 == 3 else f"<p>page {i} says " + "word " * 8 + "</p>"
        (tmp_path / f"p{i:02d}.html").write_text(f"<html><body>{prose}<p>too short</p></body></html>", encoding="utf-8")
    read_all = pydocs.documents
    monkeypatch.setattr(pydocs, "documents", lambda: read_all(tmp_path))
    split = corpus.load_corpus("pydocs")
    held, names = corpus.pydocs_held_out(tmp_path)
    assert names == split.held_out_names == ["p21.html", "p32.html", "p43.html"]
    assert held == split.held_out and held[0] == ["page 21 says " + "word " * 7 + "word"]


def test_a_folder_corpus_reads_its_txt_files_only_inside_it(tmp_path):
    folder, outside = tmp_path / "texts", tmp_path / "secret.txt"
    folder.mkdir()
    outside.write_text("outside the folder\n", encoding="utf-8")
    for i in range(4):
        (folder / f"{i}.txt").write_text(f"text {i}\n\nmore\n", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    (folder / "notes.md").write_text("not a txt file\n", encoding="utf-8")
    docs = corpus.read_documents(str(folder))
    assert [name for name, _ in docs] == ["0.txt", "1.txt", "2.txt", "3.txt"] and docs[0][1] == ["text 0", "more"]


@pytest.mark.parametrize("content, message", [(b"caf\xe9\n\nx\n", "not UTF-8 text (byte 3"),
                                              (b"one\n\ntwo\n", "2 document(s) found, at least 4")])
def test_bad_corpus_files_are_named(tmp_path, content, message, capsys):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert main(["speedrun", "--corpus", str(path), "--out", str(tmp_path / "o"), "--budget", "1s"]) == 1
    err = capsys.readouterr().err
    assert message in err and str(path) in err and len(err.strip().splitlines()) == 1


def test_transfer_draws_are_balanced_and_seeded():
    held = [[f"Sentence {j} of document {i} is here." for j in range(40)] for i in range(5)]
    task = T.build_task(held, [f"d{i}" for i in range(5)], k=4)
    assert len(task.pools) == 4 and len(task.test) == 4 * 13
    rows = T.draw(task, 32, seed=1)
    assert [sum(y == c for _, y in rows) for c in range(4)] == [8, 8, 8, 8]
    assert rows == T.draw(task, 32, seed=1) != T.draw(task, 32, seed=2)
    assert not {s for s, _ in rows} & {s for s, _ in task.test}
    # 21 sentences left in each pool (13 test, 6 validation): 84 labels at most, so 16 and 32, short or not
    assert T.label_counts(task, short=False) == T.label_counts(task, short=True) == [16, 32]


def test_bag_of_words_regression_learns_which_words_decide():
    train = [[1, 5], [2, 5], [3, 6], [4, 6]] * 3
    labels = [0, 0, 1, 1] * 3
    assert bow.fit_predict(train, labels, [[7, 5], [7, 6]], vocab_size=8, num_labels=2) == [0, 1]


def test_the_pydocs_corpus_is_the_one_the_checkpoint_script_builds(tmp_path):
    """The speedrun's pydocs split is scripts/pretrain_pydocs.py's (train.txt / heldout.txt byte for byte), read
    from the installed documentation. Skipped where Debian's python3.11-doc is missing, except in CI
    (MINIBERT_REQUIRE_PYDOCS=1, .ci/run installs it)."""
    if not pydocs.DOCS.is_dir():
        if os.environ.get("MINIBERT_REQUIRE_PYDOCS") == "1":
            pytest.fail(f"{pydocs.DOCS} is missing: {pydocs.INSTALL}")
        pytest.skip(f"{pydocs.DOCS} is missing: {pydocs.INSTALL}")
    done = subprocess.run([sys.executable, "scripts/pretrain_pydocs.py", "corpus", "--work", str(tmp_path)], cwd=ROOT,
                          env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    split = corpus.load_corpus("pydocs")
    assert split.every == 20 and len(split.held_out) == 25
    assert corpus.as_text(split.train) == (tmp_path / "train.txt").read_text(encoding="utf-8")
    assert corpus.as_text(split.held_out) == (tmp_path / "heldout.txt").read_text(encoding="utf-8")
    assert corpus.pydocs_held_out() == (split.held_out, split.held_out_names)
