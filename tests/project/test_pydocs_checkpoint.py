"""The shipped, trained checkpoints/minibert-pydocs: small, read by the reference tokenizer, trained (above the
frequency baseline on held-out text), and the walkthrough's default offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from _heldout_sample import heldout_sample_blanks
from safetensors import safe_open

from minibert import BertForMaskedLM, BertTokenizer
from minibert.defaults import SHIPPED, is_trained

TEXTS = ["The function returns a list of the lines in the file.", "Raise ValueError if the argument is negative.",
         "Héllo, wörld! unaffable __init__() self.assertEqual(x, 3.5e-3)", "os.path.join(a, *p) — “quoted” 中文"]


def test_small_fp16_on_disk_fp32_in_memory():
    size = sum(p.stat().st_size for p in SHIPPED.iterdir())
    assert size <= 25e6, f"{SHIPPED} is {size / 1e6:.1f} MB"
    with safe_open(str(SHIPPED / "model.safetensors"), framework="pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    model = BertForMaskedLM.from_pretrained(SHIPPED)
    assert model.dtype == torch.float32 and is_trained(SHIPPED)


def test_the_reference_tokenizer_reads_the_vocabulary():
    transformers = pytest.importorskip("transformers")
    theirs = transformers.BertTokenizer.from_pretrained(SHIPPED)
    fast = transformers.BertTokenizerFast.from_pretrained(SHIPPED)
    ours = BertTokenizer.from_pretrained(SHIPPED)
    assert theirs.vocab_size == ours.vocab_size == 12000
    for text in TEXTS:
        assert ours(text)["input_ids"] == theirs(text)["input_ids"] == fast(text)["input_ids"], text


def test_trained_far_above_the_frequency_baseline_on_held_out_text():
    """Recomputed here on the shipped held-out sample: not a number copied from eval.json."""
    blanks = heldout_sample_blanks(SHIPPED)
    recorded = json.loads((SHIPPED / "eval.json").read_text())
    baseline = recorded["baseline_most_frequent"]
    assert len(blanks.labels) > 1000
    assert blanks.accuracy(1) > baseline["top1"] + 0.01 and blanks.accuracy(5) > baseline["top5"] + 0.01
    # the sample is 100 of the held-out segments: its accuracy is close to the full evaluation's
    assert abs(blanks.accuracy(1) - recorded["top1"]) < 0.05


def test_walkthrough_default_is_the_trained_checkpoint_offline(tmp_path):
    """A fresh machine: no MINIBERT_MODEL, no Hub, an empty HF cache, no transformers: stored outputs only."""
    env = {k: v for k, v in os.environ.items() if k != "MINIBERT_MODEL"}
    env.update(HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(tmp_path / "hub"), HF_HOME=str(tmp_path / "hf"))
    code = ("import sys; sys.modules['transformers'] = None; from minibert.__main__ import main; "
            "sys.exit(main(['walkthrough']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"model: {SHIPPED} (the project's own pre-trained BERT" in done.stderr and "trained weights" in done.stderr
    assert "RANDOM" not in done.stdout and "stored reference outputs" in done.stdout
    assert "every stage matches the reference" in done.stdout
