"""``python -m minibert check`` and ``python -m minibert walkthrough``: exit codes, tables, and failures caught."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from minibert.__main__ import main
from minibert.cli import walkthrough

REPO = Path(__file__).resolve().parents[2]
CHECKPOINTS = REPO / "checkpoints"
NAMES = sorted(p.parent.name for p in CHECKPOINTS.glob("*/reference_outputs.safetensors"))


def run_cli(*args: str, block_transformers: bool = False) -> subprocess.CompletedProcess:
    """``python -m minibert ARGS`` in a fresh interpreter, from a cwd outside the repo, offline."""
    code = "import sys; from minibert.__main__ import main; sys.exit(main(sys.argv[1:]))"
    if block_transformers:  # a machine without the reference installed
        code = "import sys; sys.modules['transformers'] = None; " + code
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd="/", env=env,
                          timeout=600)


# -- check -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_check_passes_against_stored_outputs(name, capsys):
    assert main(["check", str(CHECKPOINTS / name), "--reference", "stored"]) == 0
    out = capsys.readouterr().out
    assert "stored reference outputs" in out and "result: OK" in out
    assert "encoder.layer.1.attention.self" in out and "pooler" in out and "FAIL" not in out


def test_check_passes_against_transformers_with_json(capsys):
    pytest.importorskip("transformers")
    assert main(["check", str(CHECKPOINTS / "tiny-bert"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["reference"].startswith("transformers 4.57.6")
    modules = [r["module"] for r in report["rows"]]
    assert modules[0] == "embeddings" and modules[-1] == "pooler" and len(modules) == 1 + 2 * 5 + 1
    assert all(r["max_abs_diff"] <= 1e-5 and r["ok"] for r in report["rows"])
    assert report["rows"][0]["weight"] == "word_embeddings (30522, 32)"
    assert any("cls.predictions" in n for n in report["notes"])  # the unused head weights are reported


def test_check_fails_on_a_perturbed_weight(tmp_path, capsys):
    """Weights that no longer match the stored reference outputs: FAIL from the perturbed module on, exit 1."""
    folder = tmp_path / "perturbed"
    shutil.copytree(CHECKPOINTS / "tiny-bert-silu-8-heads", folder)
    state = load_file(str(folder / "model.safetensors"))
    state["encoder.layer.1.intermediate.dense.weight"][0, 0] += 0.01
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    assert main(["check", str(folder), "--reference", "stored", "--json"]) == 1
    rows = {r["module"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["encoder.layer.1.attention.output"]["ok"]  # upstream of the change: still equal
    assert not rows["encoder.layer.1.intermediate"]["ok"]
    assert not rows["encoder.layer.1.output"]["ok"] and not rows["pooler"]["ok"]
    assert main(["check", str(folder), "--reference", "stored"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_check_catches_an_implementation_that_drifts(monkeypatch, capsys):
    """Against transformers on the same weights: a minibert module computing something slightly different
    (here the feed-forward activation off by 1e-4) fails from that module on."""
    pytest.importorskip("transformers")
    import minibert.bert.feed_forward as ff

    real = ff.BertIntermediate.forward
    monkeypatch.setattr(ff.BertIntermediate, "forward", lambda self, x: real(self, x) + 1e-4)
    assert main(["check", str(CHECKPOINTS / "tiny-bert"), "--json"]) == 1
    rows = {r["module"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["encoder.layer.0.attention.output"]["ok"] and not rows["encoder.layer.0.intermediate"]["ok"]


def test_check_half_precision(capsys):
    assert main(["check", str(CHECKPOINTS / "tiny-bert"), "--reference", "stored", "--dtype", "bfloat16"]) == 0
    out = capsys.readouterr().out
    assert "dtype: bfloat16" in out and "tolerance: 0.15" in out and "result: OK" in out


def test_check_errors_are_one_line(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "nowhere" in err
    folder = tmp_path / "no-reference"
    folder.mkdir()
    for f in ("config.json", "model.safetensors"):
        shutil.copy(CHECKPOINTS / "tiny-bert-silu-8-heads" / f, folder)
    assert main(["check", str(folder), "--reference", "stored"]) == 1
    assert "reference_outputs.safetensors" in capsys.readouterr().err


def test_check_as_a_process_exit_codes(tmp_path):
    done = run_cli("check", str(CHECKPOINTS / "tiny-bert-gelu-new-relative-key"), "--reference", "stored")
    assert done.returncode == 0, done.stderr
    assert "result: OK (17/17 modules within 1e-05)" in done.stdout


# -- walkthrough -------------------------------------------------------------------------------------------
TINY = str(CHECKPOINTS / "tiny-bert")  # random weights: the walkthrough must say so


def test_walkthrough_tiny_bert_against_transformers(capsys):
    pytest.importorskip("transformers")
    assert main(["walkthrough", "--model", TINY]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "checkpoints/tiny-bert" in out and "transformers 4.57.6" in out
    assert "RANDOM weights" in out and out.count("(random weights: meaningless)") == 2
    assert "given explicitly; RANDOM weights" in captured.err
    assert "[CLS] the quick brown fox jumps over the lazy dog . [SEP]" in out
    for stage in ("1. tokenize", "2. embeddings", "3. layer 0", "4. layer 1", "5. pooler"):
        assert stage in out, stage
    assert "(1, 4, 12, 8)" in out  # Q, K, V of 4 heads of size 8 over 12 tokens
    assert out.count("OK") >= 11 and "FAIL" not in out and "every stage matches the reference" in out


def test_walkthrough_without_transformers_uses_stored_outputs():
    """A fresh machine without the reference: the default sentence is checked against the stored outputs."""
    done = run_cli("walkthrough", "--model", TINY, block_transformers=True)
    assert done.returncode == 0, done.stderr
    assert "stored reference outputs" in done.stdout
    assert "every stage matches the reference" in done.stdout
    # Numbers from other CPU kernels (or unrecorded ones) come with a note saying what that means; the same kernels
    # need none.
    from minibert.loading.reference_outputs import kernels_note, load_stored_reference

    note = kernels_note(load_stored_reference(TINY)[1])
    assert (f"note: {note}" in done.stdout) if note else ("note: the stored outputs" not in done.stdout)


def test_walkthrough_other_text_without_reference(capsys):
    text = "Hello there, unaffable world!"
    assert main(["walkthrough", "--model", TINY, "--reference", "stored", "--text", text]) == 0
    out = capsys.readouterr().out
    assert "hello there , una ##ffa ##ble world !" in out and "no reference" in out


def test_walkthrough_missing_default_checkpoint_error(tmp_path, monkeypatch, capsys):
    from minibert import defaults

    monkeypatch.delenv("MINIBERT_MODEL", raising=False)
    monkeypatch.setattr(defaults, "hub_snapshot", lambda local_files_only, cache_dir=None: None)
    monkeypatch.setattr(defaults, "_hub_unavailable", lambda: "offline")
    monkeypatch.setattr(defaults, "SHIPPED", tmp_path / "site-packages" / "checkpoints" / "minibert-pydocs")
    monkeypatch.setattr(defaults, "CHECKPOINTS", tmp_path / "site-packages" / "checkpoints")
    assert main(["walkthrough"]) == 1
    err = capsys.readouterr().err
    assert "minibert-pydocs" in err and "MINIBERT_MODEL" in err


def test_minimal_wordpiece_fallback_matches_the_tokenizer():
    tokenization = pytest.importorskip("minibert.tokenization")
    full = tokenization.BertTokenizer.from_pretrained(CHECKPOINTS / "tiny-bert")
    minimal = walkthrough.MinimalWordPiece.from_folder(CHECKPOINTS / "tiny-bert")
    for text in ("The quick brown fox jumps over the lazy dog.", "Héllo, wörld! unaffable $3.50 e-mail",
                 "Where is the cat? It sleeps on the mat.", "xqzvbn"):
        assert minimal(text)["input_ids"] == full(text)["input_ids"], text


def test_walkthrough_runs_on_cuda_when_available(capsys):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    assert main(["walkthrough", "--model", TINY, "--device", "cuda", "--reference", "stored"]) == 0
    assert "every stage matches the reference" in capsys.readouterr().out


@pytest.mark.parametrize("reference", ["stored", "transformers"])
def test_check_a_checkpoint_without_pooler(tmp_path, reference, capsys):
    if reference == "transformers":
        pytest.importorskip("transformers")
    folder = tmp_path / "no-pooler"
    shutil.copytree(CHECKPOINTS / "tiny-bert-silu-8-heads", folder)
    state = {k: v for k, v in load_file(str(folder / "model.safetensors")).items() if not k.startswith("pooler.")}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    assert main(["check", str(folder), "--reference", reference, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "pooler" not in [r["module"] for r in report["rows"]]
    assert any("no pooler" in n for n in report["notes"])


@pytest.mark.parametrize("reference", ["stored", "transformers"])
def test_check_a_repo_id_from_the_hub_cache(tmp_path, reference, capsys):
    """``check org/name``: weights, config and stored outputs all resolved through huggingface_hub's cache."""
    if reference == "transformers":
        pytest.importorskip("transformers")
    import hashlib

    source, commit = CHECKPOINTS / "tiny-bert-silu-8-heads", "c" * 40
    repo = tmp_path / "hub" / "models--org--tiny"
    (repo / "blobs").mkdir(parents=True)
    (repo / "snapshots" / commit).mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    for f in ("config.json", "model.safetensors", "reference_outputs.safetensors"):
        data = (source / f).read_bytes()
        blob = hashlib.sha256(data).hexdigest()
        (repo / "blobs" / blob).write_bytes(data)
        (repo / "snapshots" / commit / f).symlink_to(Path("..", "..", "blobs", blob))
    args = ["check", "org/tiny", "--cache-dir", str(tmp_path / "hub"), "--local-files-only", "--reference", reference]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "result: OK (12/12 modules" in out and ("stored reference outputs" in out) == (reference == "stored")


def test_check_takes_the_checkpoint_as_an_option_too(capsys):
    from minibert.__main__ import main

    assert main(["check", "--model", str(CHECKPOINTS / "tiny-bert"), "--reference", "stored"]) == 0
    assert "result: OK" in capsys.readouterr().out


def test_check_without_a_checkpoint_uses_the_default_model(capsys, monkeypatch):
    monkeypatch.setenv("MINIBERT_MODEL", TINY)
    assert main(["check", "--reference", "stored"]) == 0
    captured = capsys.readouterr()
    assert "result: OK" in captured.out and f"model: {TINY} (MINIBERT_MODEL is set; RANDOM weights" in captured.err


@pytest.mark.parametrize("argv", [["check", str(CHECKPOINTS / "tiny-bert")], ["walkthrough"]])
def test_cuda_without_a_gpu_is_a_one_line_error(argv, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # this machine, or one without CUDA
    assert main([*argv, "--device", "cuda"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("error: device 'cuda' was asked for but this machine has no CUDA GPU")


def test_check_local_files_only_with_an_empty_cache_says_where_it_looked(tmp_path, capsys):
    argv = ["check", "org/absent", "--cache-dir", str(tmp_path), "--local-files-only"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pass local_files_only" not in err  # the user just did
    assert f"holds no repo 'org/absent' (looked for {tmp_path / 'models--org--absent'})" in err
    assert "--local-files-only" in err and "the Hub is not asked" in err
