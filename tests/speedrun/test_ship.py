"""scripts/ship_speedrun.py on a tiny finished speedrun: the folder (fp16 on disk, read by minibert and by the
reference with the same logits, checkable without ``transformers``), the card's figures (report.json's), the command
on the card (the run's settings), the card's protocol (checked, and measured again when the segments differ), the
bar, and the old checkpoint kept whole whatever fails."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
from types import SimpleNamespace

import pytest
import torch
from _ship_run import ROOT, manifest, no_leftovers, ship_script, speedrun, without_transformers
from safetensors import safe_open

CORPUS = ROOT / "examples" / "data" / "speedrun_corpus.txt"
PACKAGES = {"python3.11-doc": {"version": "3.11.2-6+deb12u9", "licence": "PSF License Version 2"}}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    pytest.importorskip("transformers", reason="shipping runs the reference: pip install -e '.[dev]'")
    base = tmp_path_factory.mktemp("ship")
    run = speedrun(base / "run", CORPUS)
    man = manifest(base / "manifest.json", CORPUS, PACKAGES)
    ship, out = ship_script(), base / "checkpoints" / "tiny"
    assert ship.main([str(run), str(out), "--corpus-manifest", str(man)]) == 0
    report = json.loads((run / "report.json").read_text())
    return SimpleNamespace(run=run, out=out, args=["--corpus-manifest", str(man)], ship=ship, base=base, report=report,
                           eval=json.loads((out / "eval.json").read_text()), card=(out / "README.md").read_text())


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def test_the_folder_loads_in_minibert_and_transformers_with_the_same_logits(shipped):
    import transformers

    from minibert import BertForMaskedLM

    folder = shipped.out
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["README.md", "config.json", "eval.json", "heldout_sample.txt", "model.safetensors",
         "reference_outputs.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"])
    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    config = json.loads((folder / "config.json").read_text())
    assert not {"dtype", "torch_dtype"} & set(config)
    assert config["hidden_dropout_prob"] == config["attention_probs_dropout_prob"] == 0.1  # BERT's, for fine-tuning
    umask = os.umask(0)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o666 & ~umask}
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask
    ours = BertForMaskedLM.from_pretrained(folder).eval()
    theirs = transformers.BertForMaskedLM.from_pretrained(folder, attn_implementation="eager").eval()
    assert ours.dtype == torch.float32
    lines = (folder / "heldout_sample.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == shipped.eval["heldout_sample"] == min(100, shipped.report["held_out_segments"])
    held = " ".join((shipped.run / "data" / "heldout.txt").read_text(encoding="utf-8").split())
    assert all(" ".join(line.split()) in held for line in lines)  # held-out text, never training text
    batch = transformers.BertTokenizer.from_pretrained(folder)(lines[:4], padding=True, truncation=True,
                                                               max_length=64, return_tensors="pt")
    with torch.no_grad():
        assert (ours(**batch).logits - theirs(**batch).logits).abs().max().item() <= 1e-5
    assert shipped.eval["parity"]["max_abs_diff"] <= 1e-5


def test_a_fresh_clone_loads_it_whatever_order_its_files_were_written_in(shipped, tmp_path):
    """The weights name the shipped config.json (not the run's, which had a dtype and another dropout): a folder
    whose config.json is older than its weights, as a git checkout may leave it, still loads."""
    import os
    import shutil

    from safetensors import safe_open

    from minibert import BertForMaskedLM
    from minibert.loading.stable_read import CONFIG_DIGEST, config_digest

    with safe_open(str(shipped.out / "model.safetensors"), framework="pt") as f:
        assert f.metadata()[CONFIG_DIGEST] == config_digest((shipped.out / "config.json").read_bytes())
    clone = shutil.copytree(shipped.out, tmp_path / "clone")
    weights = (clone / "model.safetensors").stat().st_mtime_ns
    os.utime(clone / "config.json", ns=(weights - 10**9, weights - 10**9))
    assert BertForMaskedLM.from_pretrained(clone).config.hidden_dropout_prob == 0.1


def test_check_and_walkthrough_verify_it_without_transformers(shipped):
    done = without_transformers("check", str(shipped.out), "--reference", "stored")
    assert done.returncode == 0 and "stored reference outputs" in done.stdout and "result: OK" in done.stdout
    done = without_transformers("walkthrough", "--model", str(shipped.out))
    assert done.returncode == 0, done.stderr
    assert "stored reference outputs" in done.stdout and "every stage matches the reference" in done.stdout


def test_the_card_figures_are_the_report_figures(shipped):
    r, e, card = shipped.report, shipped.eval, shipped.card
    assert e["protocol"]["identical_segments"] is True
    assert [e[k] for k in ("top1", "top5", "blanks", "held_out_segments", "per_kind")] == [
        r[k] for k in ("heldout_top1", "heldout_top5", "blanks", "held_out_segments", "per_kind")]
    top = f"**{_pct(r['heldout_top1'])}** | **{_pct(r['heldout_top5'])}**"
    assert f"| this model, step {r['steps']:,} | {top} |" in card
    assert f"{r['blanks']:,} blanks" in card and f"on {r['held_out_segments']:,} segments" in card
    assert f"{', '.join(r['baseline_tokens'])} | {_pct(r['baseline_top1'])} | {_pct(r['baseline_top5'])} |" in card
    for kind, v in r["per_kind"].items():
        assert f"| {kind} | {v['blanks']} | {_pct(v['top1'])} | {_pct(v['top5'])} |" in card
    for row in r["fill_mask"]:
        assert f"| `{row['text']}` |" in card
    m = r["machine"]
    assert f"{r['train_seconds'] / 3600:.2f} h of cpu clock ({r['train_seconds']:.0f} s" in card
    assert f"{m['threads']} thread(s)" in card and f"({r['total_seconds']:.0f} s)" in card
    assert f"| torch (training) | {m['torch']} |" in card and f"transformers {e['versions']['transformers']}" in card
    assert f"| training | {r['corpus']['train_documents']:,} |" in card
    assert "| `python3.11-doc` | 3.11.2-6+deb12u9 | PSF License Version 2 |" in card
    assert f"within max |Δ|\n{e['parity']['max_abs_diff']:.2e}" in card
    assert "## Transfer" not in card  # the run had none


def test_a_run_with_transfer_has_its_table_on_the_card(shipped):
    from minibert.speedrun.card import model_card

    rows = [{"labels": 32, "pretrained": [0.5, 0.6, 0.7], "random": [0.3] * 3, "bow_logreg": [0.4] * 3,
             "majority": [0.25] * 3, "steps": 30}]
    task = {"task": "which of 4 held-out documents a sentence comes from", "test_sentences": 40, "seeds": 3,
            "documents": ["a.html", "b.html", "c.html", "d.html"]}
    e = {**shipped.eval, "report": {**shipped.report, "transfer": rows, "transfer_task": task,
                                    "transfer_seconds": 12.0}}
    card = model_card(e)
    assert "## Transfer: which of 4 held-out documents a sentence comes from" in card
    assert "| 32 | 60.0 % (50.0–70.0) | 30.0 % (30.0–30.0) | 40.0 % (40.0–40.0) | 25.0 % |" in card


def test_the_command_on_the_card_rebuilds_the_run(shipped):
    from minibert.cli import speedrun as cli
    from minibert.speedrun.budget import parse_budget

    command = shipped.eval["command"]
    assert f"```bash\n{command}\n```" in shipped.card
    words = shlex.split(command)
    assert words[:4] == ["python", "-m", "minibert", "speedrun"]
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(words[4:])
    settings = json.loads((shipped.run / "train" / "settings.json").read_text())
    budget = parse_budget(args.budget)
    assert budget == settings["budget"] and args.clock == settings["clock"] and args.corpus == settings["corpus"]
    assert cli.recipe_from(args, budget).to_dict() == shipped.report["recipe"]
    assert args.threads == 1 and args.no_transfer and args.language == "en" and args.seed == 0


def test_below_the_bar_nothing_is_written_and_both_figures_are_named(shipped, capsys):
    out = shipped.base / "checkpoints" / "refused"
    assert shipped.ship.main([str(shipped.run), str(out), *shipped.args, "--require-top1", "0.99"]) == 1
    err = capsys.readouterr().err
    assert f"held-out top-1 {100 * shipped.report['heldout_top1']:.2f} %" in err and "the bar 99.00 %" in err
    assert not out.exists() and no_leftovers(out.parent) == []


def test_an_old_checkpoint_stays_whole_until_the_new_one_replaces_it(shipped, monkeypatch, capsys):
    ship, out = shipped.ship, shipped.base / "checkpoints" / "replaced"
    argv = [str(shipped.run), str(out), *shipped.args]
    assert ship.main(argv) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert ship.main(argv) == 1 and "pass --replace" in capsys.readouterr().err
    assert ship.main([*argv, "--replace", "--require-top1", "current"]) == 1  # the same model is not above itself
    assert "is not above the bar" in capsys.readouterr().err

    def fail(_):
        raise OSError("no space left on device")

    monkeypatch.setattr(ship, "model_card", fail)  # fails once the new folder is all but written
    assert ship.main([*argv, "--replace"]) == 1 and "no space left" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and no_leftovers(out.parent) == []
    monkeypatch.undo()
    assert ship.main([*argv, "--replace"]) == 0
    e, old = json.loads((out / "eval.json").read_text()), json.loads(before["eval.json"])
    assert e["earlier"][0]["top1"] == old["top1"] and e["corpus"]["same_as_replaced"] is True
    assert e["earlier"][0]["label"].startswith("shipped before: python -m minibert speedrun")
    assert e["earlier"][0]["label"] in (out / "README.md").read_text() and no_leftovers(out.parent) == []


def test_other_segments_are_measured_again_by_the_card_protocol(shipped, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(shipped.run, run)
    segments = json.loads((run / "data" / "segments.json").read_text())
    segments["held_out"] = segments["held_out"][:-1]  # the run measured one segment fewer than the protocol packs
    (run / "data" / "segments.json").write_text(json.dumps(segments))
    assert shipped.ship.main([str(run), str(tmp_path / "out"), *shipped.args]) == 0
    e, r = json.loads((tmp_path / "out" / "eval.json").read_text()), shipped.report
    assert e["protocol"]["identical_segments"] is False and e["protocol"]["speedrun"]["top1"] == r["heldout_top1"]
    # measured again, on the segments the run was really measured on: the same figures, not copied ones
    assert e["held_out_segments"] == r["held_out_segments"] and e["blanks"] == r["blanks"]
    assert e["top1"] == pytest.approx(r["heldout_top1"], abs=1e-9)
    assert {k: v["blanks"] for k, v in e["per_kind"].items()} == {k: v["blanks"] for k, v in r["per_kind"].items()}
    assert "measured so when the model was shipped" in (tmp_path / "out" / "README.md").read_text()
