"""Never lose a user's work, never report success on the wrong work: every command that writes, resumes or reads.

One output rule (minibert/loading/outputs.py): an output that is an input is refused; a non-empty folder that is
not this command's earlier output is refused (naming its files) unless --overwrite; the output's type is
checked before any work; a second run into a folder being written is refused by a lock. Killed saves' stale
temporaries are removed by the next save (minibert/loading/atomic.py). A training run resumes only when its
arguments and data are the run's own (minibert/cli/run_record.py). A folder replaced while ``from_pretrained``
reads it is read again (minibert/loading/stable_read.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from minibert import BertConfig, BertForMaskedLM, BertModel
from minibert.__main__ import main
from minibert.loading.atomic import atomic_write_bytes

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
TINY_CKPT = ROOT / "checkpoints" / "tiny-bert"
TINY = ["--hidden-size", "32", "--layers", "2", "--heads", "2", "--intermediate-size", "64", "--max-length", "32",
        "--no-progress"]


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: threads cost more than they save
    yield
    torch.set_num_threads(n)


def _pretrain(output, *extra, data=DATA / "corpus.txt", vocab=DATA / "vocab.txt", steps=4):
    return main(["pretrain", "--data", str(data), "--vocab", str(vocab), "--output", str(output),
                 "--steps", str(steps), *TINY, *extra])


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _steps(folder) -> list[int]:
    return [r["step"] for r in map(json.loads, (Path(folder) / "log.jsonl").read_text().splitlines()) if "loss" in r]


def _mine(folder, names=("config.json", "vocab.txt", "log.jsonl", "notes.md")) -> dict[str, str]:
    """A folder of the user's own files; returns their contents."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: f"my own {name}, keep it\n" for name in names}
    for name, text in files.items():
        (folder / name).write_text(text)
    return files


# -- 1. an output that is an input; the output's type, checked before the work ------------------------------

def test_embed_out_onto_its_own_input_is_refused_and_the_text_kept(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello world\nanother line\n")
    assert main(["embed", "--file", str(notes), "--out", str(notes), "--model", str(TINY_CKPT)]) == 1
    assert "is the --file input" in capsys.readouterr().err
    assert notes.read_text() == "hello world\nanother line\n"


def test_embed_out_inside_the_model_folder_is_refused(tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(TINY_CKPT, model)
    before = _sha(model / "model.safetensors")
    (tmp_path / "t.txt").write_text("a text\n")
    assert main(["embed", "--file", str(tmp_path / "t.txt"), "--out", str(model / "model.safetensors"),
                 "--format", "npy", "--model", str(model)]) == 1
    assert "inside the --model folder" in capsys.readouterr().err
    assert _sha(model / "model.safetensors") == before


@pytest.mark.parametrize("command", ["embed", "attention"])
def test_an_output_file_that_is_a_folder_is_refused_before_the_work(tmp_path, capsys, monkeypatch, command):
    import minibert.cli.attention
    import minibert.cli.embed
    import minibert.defaults

    def no_model_work(*args, **kwargs):
        raise AssertionError("the model was loaded before the output was checked")

    monkeypatch.setattr(minibert.cli.embed, "build", no_model_work)
    monkeypatch.setattr(minibert.defaults, "resolve_model", no_model_work)
    (tmp_path / "t.txt").write_text("a text\n")
    argv = (["embed", "--file", str(tmp_path / "t.txt"), "--out", str(tmp_path)] if command == "embed" else
            ["attention", "a text", "--html", str(tmp_path)])
    assert main([*argv, "--model", str(TINY_CKPT)]) == 1
    err = capsys.readouterr().err
    assert f"the output {tmp_path} is a folder: give a file name" in err, err


def test_pretrain_vocab_inside_the_output_is_refused_before_training(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    shutil.copyfile(DATA / "vocab.txt", out / "vocab.txt")
    assert _pretrain(out, vocab=out / "vocab.txt") == 1
    err = capsys.readouterr().err
    assert f"the --vocab input {out / 'vocab.txt'} lies inside the output folder {out}" in err, err
    assert not (out / "model.safetensors").exists() and not (out / "log.jsonl").exists()  # nothing was trained
    assert (out / "vocab.txt").read_bytes() == (DATA / "vocab.txt").read_bytes()


def test_finetune_output_onto_its_model_folder_is_refused(tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(TINY_CKPT, model)
    before = _sha(model / "model.safetensors")
    assert main(["finetune", "--model", str(model), "--data", str(DATA / "sentiment.csv"), "--output", str(model),
                 "--steps", "1", "--max-length", "32", "--no-progress"]) == 1
    assert "is the --model input" in capsys.readouterr().err
    assert _sha(model / "model.safetensors") == before


# -- 2. a non-empty folder that is not this command's output ----------------------------------------------

@pytest.mark.parametrize("command", ["pretrain", "finetune"])
def test_training_into_a_folder_of_other_files_is_refused_naming_them(tmp_path, capsys, command):
    out = tmp_path / "mine"
    files = _mine(out)
    argv = ["finetune", "--model", str(TINY_CKPT), "--data", str(DATA / "sentiment.csv"), "--output", str(out),
            "--steps", "1", "--max-length", "32", "--no-progress"]
    assert (_pretrain(out, steps=1) if command == "pretrain" else main(argv)) == 1
    err = capsys.readouterr().err
    assert "not an empty folder nor an earlier " + command in err and "--overwrite" in err, err
    assert "config.json, log.jsonl, notes.md, vocab.txt" in err
    assert {name: (out / name).read_text() for name in files} == files
    assert not (out / "model.safetensors").exists()
    # --overwrite: the user said so; the run writes there (notes.md, not one of its files, stays)
    assert (_pretrain(out, "--overwrite", steps=1) if command == "pretrain" else main([*argv, "--overwrite"])) == 0
    assert (out / "model.safetensors").is_file() and (out / "notes.md").read_text() == files["notes.md"]


def test_finetune_into_a_pretraining_folder_is_refused_in_one_line(tmp_path, capsys):
    pre = tmp_path / "pre"
    assert _pretrain(pre, "--save-every", "2") == 0
    capsys.readouterr()
    assert main(["finetune", "--model", str(TINY_CKPT), "--data", str(DATA / "sentiment.csv"), "--output", str(pre),
                 "--steps", "1", "--max-length", "32", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "not an empty folder nor an earlier finetune output (it was written by pretrain)" in err, err
    assert "checkpoint.pt" in err and "Traceback" not in err


def _tiny_package(tmp_path) -> tuple[Path, Path]:
    package = tmp_path / "pkg" / "minibert"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""A tiny package."""\n')
    (package / "model.py").write_text('"""A model."""\n\n\ndef f():\n    """Return 1."""\n    return 1\n')
    (tmp_path / "pkg" / "notebooks").mkdir()
    return package, tmp_path / "pkg" / "notebooks"


def test_docs_build_onto_a_folder_of_other_files_is_refused(tmp_path, capsys):
    from minibert.docs.__main__ import main as docs_main

    site = tmp_path / "site"
    files = _mine(site, ("index.html", "style.css", "attention.html"))
    package, notebooks = _tiny_package(tmp_path)
    argv = ["build", "--out", str(site), "--package-dir", str(package), "--notebooks", str(notebooks), "--no-execute"]
    assert docs_main(argv) == 1
    err = capsys.readouterr().err
    assert "attention.html, index.html, style.css" in err and "--overwrite" in err, err
    assert {name: (site / name).read_text() for name in files} == files
    # its own earlier output is rebuilt without a word; --overwrite writes into the user's folder
    assert docs_main(["build", "--out", str(tmp_path / "fresh"), *argv[3:]]) == 0
    assert docs_main(["build", "--out", str(tmp_path / "fresh"), *argv[3:]]) == 0
    assert docs_main([*argv, "--overwrite"]) == 0
    assert (site / "attention.html").read_text() == files["attention.html"]  # not one of the site's pages


def test_docs_build_onto_its_own_package_is_refused(tmp_path, capsys):
    from minibert.docs.__main__ import main as docs_main

    package, notebooks = _tiny_package(tmp_path)
    assert docs_main(["build", "--out", str(package.parent), "--package-dir", str(package), "--notebooks",
                      str(notebooks), "--no-execute"]) == 1
    assert "lies inside the output folder" in capsys.readouterr().err
    assert not (package.parent / "index.html").exists()


# -- 4. stale temporaries of killed saves -------------------------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_save_removes_the_temporaries_killed_saves_left(tmp_path):
    model = BertModel(BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=16))
    model.save_pretrained(tmp_path)
    stale = [tmp_path / ".model.safetensors.k2j4x9_a.tmp",  # an earlier minibert's name, without a process id
             tmp_path / f".model.safetensors.{_dead_pid()}.abcdefgh.tmp"]
    live = tmp_path / f".model.safetensors.{os.getppid()}.abcdefgh.tmp"  # a live process's save in progress
    other = tmp_path / ".model.safetensors.notes.tmp"  # not a name atomic_write makes
    for path in (*stale, live, other):
        path.write_bytes(b"x" * 1000)
    model.save_pretrained(tmp_path)
    assert [p.exists() for p in stale] == [False, False]
    assert live.exists() and other.exists()


def test_embed_file_removes_its_stale_temporaries(tmp_path):
    (tmp_path / "t.txt").write_text("a text\nanother\n")
    stale = tmp_path / f".v.npy.{_dead_pid()}.abcdefgh.tmp"
    stale.write_bytes(b"x" * 1000)
    assert main(["embed", "--file", str(tmp_path / "t.txt"), "--out", str(tmp_path / "v.npy"), "--model",
                 str(TINY_CKPT)]) == 0
    assert not stale.exists() and (tmp_path / "v.npy").is_file()


def test_a_save_killed_by_sigkill_leaves_a_temporary_the_next_save_removes(tmp_path):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"the good file")
    victim = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from minibert.loading.atomic import atomic_write
        def write(tmp):
            with open(tmp, "wb") as f:
                f.write(b"half a file")
            print("writing", flush=True)
            time.sleep(120)
        atomic_write({str(target)!r}, write)
        """)], stdout=subprocess.PIPE, text=True)
    assert victim.stdout.readline().strip() == "writing"  # the temporary exists: kill the save there
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    left = list(tmp_path.glob(".model.safetensors.*.tmp"))
    assert len(left) == 1 and target.read_bytes() == b"the good file"
    atomic_write_bytes(target, b"the next save")
    assert not left[0].exists() and target.read_bytes() == b"the next save"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


# -- 5. resume only what matches ---------------------------------------------------------------------------

def test_a_finished_run_rerun_with_other_data_and_lr_is_refused_listing_both(tmp_path, capsys):
    out = tmp_path / "run"
    assert _pretrain(out, "--save-every", "2") == 0
    weights = _sha(out / "model.safetensors")
    other = tmp_path / "other.txt"
    other.write_text("\n".join((DATA / "corpus.txt").read_text().splitlines()[::-1]) + "\n")
    capsys.readouterr()
    assert _pretrain(out, "--save-every", "2", "--lr", "0.01", data=other) == 1
    err = capsys.readouterr().err
    assert "other arguments or data" in err and "--lr 0.01 (the run has 0.001)" in err, err
    assert f"--data {other} has other content" in err and "--overwrite" in err
    assert _sha(out / "model.safetensors") == weights and _steps(out) == [1, 2, 3, 4]


def test_a_finished_run_says_so_and_fails_unless_asked_to_evaluate(tmp_path, capsys):
    out = tmp_path / "run"
    assert _pretrain(out) == 0  # no checkpoint.pt: a finished run is recognised by its record
    weights, log = _sha(out / "model.safetensors"), (out / "log.jsonl").read_text()
    capsys.readouterr()
    assert _pretrain(out) == 1
    assert "this pretrain run already finished at step 4, nothing to train" in capsys.readouterr().err
    assert _pretrain(out, "--evaluate") == 0
    assert "held-out masked-LM loss" in capsys.readouterr().out
    assert _sha(out / "model.safetensors") == weights and (out / "log.jsonl").read_text() == log
    assert _pretrain(out, steps=6) == 1  # more steps, but no checkpoint.pt to continue from
    assert "without a checkpoint.pt to continue from" in capsys.readouterr().err


def test_a_run_goes_on_with_a_larger_steps_and_restarts_with_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    assert _pretrain(out, "--save-every", "2", "--stop-at", "2") == 0
    assert _pretrain(out, "--save-every", "2", "--stop-at", "2") == 1
    assert "already reached step 2, past the --stop-at 2" in capsys.readouterr().err
    # What may change between the parts of a run: how far (--steps, --stop-at), how often it saves and reports.
    assert _pretrain(out, "--save-every", "4", "--eval-every", "2", steps=4) == 0
    assert _pretrain(out, "--save-every", "2", steps=6) == 0
    assert _steps(out) == [1, 2, 3, 4, 5, 6]
    assert _pretrain(out, "--save-every", "2", "--lr", "0.01", "--overwrite", steps=3) == 0
    assert _steps(out) == [1, 2, 3]


def test_a_run_from_before_runs_were_recorded_resumes_with_its_trainer_arguments_only(tmp_path, capsys):
    out = tmp_path / "run"
    assert _pretrain(out, "--save-every", "2", "--stop-at", "2") == 0
    (out / ".minibert-output.json").unlink(missing_ok=True)  # as an earlier minibert left its run folders
    capsys.readouterr()
    assert _pretrain(out, "--save-every", "2", "--lr", "0.01") == 1
    assert "--lr 0.01 (the run has 0.001)" in capsys.readouterr().err
    assert main(["finetune", "--model", str(TINY_CKPT), "--data", str(DATA / "sentiment.csv"), "--output", str(out),
                 "--steps", "1", "--max-length", "32", "--no-progress"]) == 1
    assert "(it was written by pretrain)" in capsys.readouterr().err
    assert _pretrain(out, "--save-every", "2") == 0 and _steps(out) == [1, 2, 3, 4]


def test_a_damaged_checkpoint_is_reported_in_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert _pretrain(out, "--save-every", "2", "--stop-at", "2") == 0
    (out / "checkpoint.pt").write_bytes(b"not a checkpoint")
    capsys.readouterr()
    assert _pretrain(out, "--save-every", "2") == 1
    err = capsys.readouterr().err
    assert f"{out / 'checkpoint.pt'} is not a readable training checkpoint" in err and "--overwrite" in err, err


def test_pretrain_pydocs_replays_its_stages_and_extends_the_run(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("pretrain_pydocs", ROOT / "scripts" / "pretrain_pydocs.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    runs = []

    def run_here(cmd, check, cwd, env):  # python -m minibert pretrain ..., in this process
        runs.append(cmd[cmd.index("--steps") + 1])
        assert main(cmd[3:]) == 0

    monkeypatch.setattr(script.subprocess, "run", run_here)
    shutil.copyfile(DATA / "corpus.txt", tmp_path / "train_packed.txt")
    shutil.copyfile(DATA / "vocab.txt", tmp_path / "vocab.txt")
    recipe = dict(script.RECIPE, hidden_size=32, layers=2, heads=2, intermediate_size=64, max_length=32,
                  stages=(4, 8), stops=(None, 6), threads=(1, 1), eval_every=0, save_every=2, warmup_steps=1)
    script.train(tmp_path, recipe, None)
    assert runs == ["4", "8"] and _steps(tmp_path / "model") == [1, 2, 3, 4, 5, 6]
    script.train(tmp_path, recipe, None)  # every stage done: nothing is run, nothing fails
    assert runs == ["4", "8"]
    script.train(tmp_path, dict(recipe, stages=(4, 8, 10), stops=(None, 6, None), threads=(1, 1, 1)), None)
    assert runs == ["4", "8", "10"] and _steps(tmp_path / "model") == list(range(1, 11))


# -- 9. concurrent runs, and a folder replaced while it is read -----------------------------------------------

def test_a_second_run_into_a_folder_being_written_is_refused_and_a_dead_runs_lock_is_not(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, time
        fd = os.open({str(out / ".minibert.lock")!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"%d" % os.getpid())
        print("locked", flush=True)
        time.sleep(120)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert _pretrain(out, steps=2) == 1
        assert f"another pretrain (process {holder.pid}) is writing into {out}" in capsys.readouterr().err
        assert not (out / "log.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    assert (out / ".minibert.lock").exists()  # the dead holder's lock file is still there, its lock is not
    assert _pretrain(out, steps=2) == 0 and _steps(out) == [1, 2]
    assert not (out / ".minibert.lock").exists()


def _tiny_mlm(seed: int, eps: float) -> BertForMaskedLM:
    torch.manual_seed(seed)
    return BertForMaskedLM(BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                      intermediate_size=16, layer_norm_eps=eps))


def test_a_folder_saved_into_while_it_is_read_is_read_again(tmp_path, monkeypatch):
    from minibert.loading import weights

    a, b = _tiny_mlm(0, 1e-12), _tiny_mlm(1, 1e-3)  # same shapes, other config and weights
    a.save_pretrained(tmp_path)
    read = weights.load_state_dict
    calls = []

    def read_while_b_is_saved(*args, **kwargs):
        result = read(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:  # another process saves B after this reader took A's config and weights
            b.save_pretrained(tmp_path)
        return result

    monkeypatch.setattr(weights, "load_state_dict", read_while_b_is_saved)
    loaded = BertForMaskedLM.from_pretrained(tmp_path)
    assert len(calls) == 2  # read again
    assert loaded.config.layer_norm_eps == 1e-3
    assert torch.equal(loaded.bert.embeddings.word_embeddings.weight, b.bert.embeddings.word_embeddings.weight)


def test_a_folder_that_keeps_changing_while_read_is_reported(tmp_path, monkeypatch):
    from minibert.loading import weights

    models = [_tiny_mlm(0, 1e-12), _tiny_mlm(1, 1e-3)]
    models[0].save_pretrained(tmp_path)
    read = weights.load_state_dict

    def read_while_saved(*args, **kwargs):
        result = read(*args, **kwargs)
        models.reverse()
        models[0].save_pretrained(tmp_path)
        return result

    monkeypatch.setattr(weights, "load_state_dict", read_while_saved)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with pytest.raises(OSError, match="changed while it was being read, 5 times in a row"):
        BertForMaskedLM.from_pretrained(tmp_path)


def _caught_between_two_renames(tmp_path) -> tuple[Path, Path]:
    """A folder as a save leaves it between its two renames: B's new weights, A's config (older)."""
    a, b = tmp_path / "a", tmp_path / "b"
    _tiny_mlm(0, 1e-12).save_pretrained(a)
    _tiny_mlm(1, 1e-3).save_pretrained(b)
    shutil.copyfile(b / "model.safetensors", a / "model.safetensors")
    config_ns = (a / "config.json").stat().st_mtime_ns
    os.utime(a / "model.safetensors", ns=(config_ns + 10**9, config_ns + 10**9))  # written after the config
    return a, b


def test_a_folder_caught_between_a_saves_two_renames_is_read_once_the_save_ends(tmp_path, monkeypatch):
    a, b = _caught_between_two_renames(tmp_path)
    waits = []

    def the_save_goes_on(seconds):  # the writer's second rename happens while the reader waits
        waits.append(seconds)
        shutil.copyfile(b / "config.json", a / "config.json")

    monkeypatch.setattr(time, "sleep", the_save_goes_on)
    loaded = BertForMaskedLM.from_pretrained(a)
    assert len(waits) == 1 and loaded.config.layer_norm_eps == 1e-3
    assert torch.equal(loaded.bert.embeddings.word_embeddings.weight,
                       BertForMaskedLM.from_pretrained(b).bert.embeddings.word_embeddings.weight)


def test_a_save_killed_between_its_two_files_is_reported_and_an_edited_config_is_not(tmp_path, monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    a, _ = _caught_between_two_renames(tmp_path)
    with pytest.raises(OSError, match="is not the config .* was saved with, and is older"):
        BertForMaskedLM.from_pretrained(a)
    edited = json.loads((tmp_path / "b" / "config.json").read_text())
    edited["hidden_dropout_prob"] = 0.5  # the user's own change, after the save
    (tmp_path / "b" / "config.json").write_text(json.dumps(edited))
    weights_ns = (tmp_path / "b" / "model.safetensors").stat().st_mtime_ns
    os.utime(tmp_path / "b" / "config.json", ns=(weights_ns + 10**9, weights_ns + 10**9))
    assert BertForMaskedLM.from_pretrained(tmp_path / "b").config.hidden_dropout_prob == 0.5
