"""The training loop: accumulation, clipping, precision, metrics, SIGKILL + resume (bitwise), torchrun (2 procs)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from minibert import BertConfig, BertForMaskedLM, BertForSequenceClassification
from minibert.training import metrics
from minibert.training.data import Collator, MaskedLMDataset
from minibert.training.trainer import Trainer, TrainingArguments

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "helpers" / "_train_tiny.py"
from _train_tiny import examples as mlm_examples  # noqa: E402
from _train_tiny import main as train_tiny  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny models: thread start-up and synchronisation cost more than they save, badly so on a busy machine.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _config(**kw):
    return BertConfig(vocab_size=40, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                      max_position_embeddings=32, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **kw)


def _cls_examples(n=32):
    g = torch.Generator().manual_seed(1)
    out = []
    for _ in range(n):
        ids = torch.randint(5, 40, (int(torch.randint(4, 10, (1,), generator=g)),), generator=g).tolist()
        out.append({"input_ids": [1, *ids, 2], "labels": int(sum(ids) % 2)})
    return out


def _train(tmp, model_cls, data, steps=3, **kw):
    torch.manual_seed(0)
    model = model_cls(_config(num_labels=2) if model_cls is BertForSequenceClassification else _config())
    args = TrainingArguments(output_dir=str(tmp), max_steps=steps, lr=1e-2, progress=False, **kw)
    Trainer(model, args, data, Collator()).train()
    losses = [json.loads(ln)["loss"] for ln in (Path(tmp) / "log.jsonl").read_text().splitlines()]
    return model, losses


@pytest.mark.parametrize("task", ["classification", "mlm"])
def test_accumulating_two_halves_equals_one_batch(tmp_path, task):
    if task == "mlm":  # micro-batches hold different numbers of masked tokens: the weighting must handle it
        cls = BertForMaskedLM
        data = MaskedLMDataset(mlm_examples(), mask_token_id=3, vocab_size=40, mlm_probability=0.3)
    else:
        cls, data = BertForSequenceClassification, _cls_examples()
    full, loss_full = _train(tmp_path / "a", cls, data, batch_size=8, grad_accum_steps=1)
    acc, loss_acc = _train(tmp_path / "b", cls, data, batch_size=4, grad_accum_steps=2)
    torch.manual_seed(0)
    init = cls(_config(num_labels=2) if cls is BertForSequenceClassification else _config())
    # fp32 summation order differs (one mean over 8 vs two weighted means of 4): ~1e-7 relative per step.
    for (name, p), q in zip(full.named_parameters(), acc.parameters()):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=1e-5, msg=name)
    assert any(not torch.equal(p, p0) for p, p0 in zip(full.parameters(), init.parameters()))  # it trained
    assert loss_full == pytest.approx(loss_acc, abs=1e-6)


def test_stop_at_step_then_resume_equals_one_run(tmp_path):
    # A time-budgeted run: stop at step 4 of a 10-step plan, then go on. The schedule is the 10-step one
    # throughout, and the two runs together are bit for bit the uninterrupted run.
    data = MaskedLMDataset(mlm_examples(), mask_token_id=3, vocab_size=40, mlm_probability=0.3)
    common = dict(batch_size=4, warmup_steps=2)
    whole, whole_losses = _train(tmp_path / "whole", BertForMaskedLM, data, steps=10, **common)
    part, _ = _train(tmp_path / "part", BertForMaskedLM, data, steps=10, stop_at_step=4, **common)
    log = [json.loads(ln) for ln in (tmp_path / "part" / "log.jsonl").read_text().splitlines()]
    whole_log = [json.loads(ln) for ln in (tmp_path / "whole" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3, 4]
    assert [r["lr"] for r in log] == [r["lr"] for r in whole_log[:4]]  # the 10-step schedule, not a 4-step one
    assert (tmp_path / "part" / "checkpoint.pt").is_file() and (tmp_path / "part" / "model.safetensors").is_file()
    assert any(not torch.equal(p, q) for p, q in zip(part.parameters(), whole.parameters()))
    resumed, losses = _train(tmp_path / "part", BertForMaskedLM, data, steps=10, **common)  # the same folder
    assert losses == whole_losses
    for (name, p), q in zip(whole.named_parameters(), resumed.parameters()):
        assert torch.equal(p, q), name
    with pytest.raises(ValueError, match="stop_at_step must be in 1..max_steps=10, got 11"):
        TrainingArguments(output_dir=str(tmp_path), max_steps=10, stop_at_step=11).validate()


def test_gradient_clipping(tmp_path):
    torch.manual_seed(0)
    model = BertForSequenceClassification(_config(num_labels=2))
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=3, batch_size=8, lr=1e-3, max_grad_norm=1e-4,
                             progress=False)
    trainer = Trainer(model, args, _cls_examples(), Collator())
    seen = []

    def check(optimizer, *_):
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        seen.append(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])).item())

    trainer.optimizer.register_step_pre_hook(check)
    trainer.train()
    logged = [json.loads(ln)["grad_norm"] for ln in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert len(seen) == 3 and all(n > 1e-4 for n in logged)  # the raw norm (logged) was above the limit ...
    assert all(n <= 1e-4 * (1 + 1e-5) for n in seen)  # ... and the optimizer saw it rescaled to the limit
    # clip_grad_norm_ scales by max_norm / (norm + 1e-6): the 1e-6 guards against division by zero.
    assert seen == pytest.approx([1e-4 * n / (n + 1e-6) for n in logged], rel=1e-5)


def test_bf16_autocast_on_cpu_and_fp16_needs_cuda(tmp_path):
    torch.manual_seed(0)
    model = BertForSequenceClassification(_config(num_labels=2))
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=2, batch_size=8, precision="bf16", progress=False)
    out = Trainer(model, args, _cls_examples(), Collator()).train()
    assert torch.isfinite(torch.tensor(out["loss"])) and model.classifier.weight.dtype == torch.float32
    if not torch.cuda.is_available():
        args.precision = "fp16"
        with pytest.raises(ValueError, match="fp16.*CUDA"):
            Trainer(model, args, _cls_examples(), Collator())


def test_evaluation_logs_metrics(tmp_path):
    torch.manual_seed(0)
    model = BertForSequenceClassification(_config(num_labels=2))
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=4, batch_size=8, eval_every=2, progress=False)
    Trainer(model, args, _cls_examples(), Collator(), eval_dataset=_cls_examples(12),
            metrics_fn=metrics.sequence_classification_eval).train()
    records = [json.loads(ln) for ln in (tmp_path / "log.jsonl").read_text().splitlines()]
    evals = [r for r in records if "eval_loss" in r]
    assert [r["step"] for r in evals] == [2, 4] and all(0 <= r["eval_accuracy"] <= 1 for r in evals)
    assert [r["step"] for r in records if "loss" in r] == [1, 2, 3, 4]


def test_metrics_against_brute_force():
    g = torch.Generator().manual_seed(0)
    logits, labels = torch.randn(50, 3, generator=g), torch.randint(0, 3, (50,), generator=g)
    pred = logits.argmax(-1).tolist()
    f1s = []
    for c in range(3):
        tp = sum(p == c and y == c for p, y in zip(pred, labels.tolist()))
        prec = tp / max(1, pred.count(c))
        rec = tp / max(1, labels.tolist().count(c))
        f1s.append(0 if tp == 0 else 2 * prec * rec / (prec + rec))
    m = metrics.classification_metrics(logits, labels)
    assert m["f1"] == pytest.approx(sum(f1s) / 3)
    assert m["accuracy"] == pytest.approx(sum(p == y for p, y in zip(pred, labels.tolist())) / 50)
    # token classification: ignored positions do not count; "O" (0) predicted for an entity is a miss
    tok_logits = torch.nn.functional.one_hot(torch.tensor([[1, 0, 2, 2]]), 3).float()
    tok_labels = torch.tensor([[1, 1, 2, -100]])
    t = metrics.token_classification_metrics(tok_logits, tok_labels)
    assert t["accuracy"] == pytest.approx(2 / 3) and t["f1"] == pytest.approx(2 * 2 / (2 * 2 + 0 + 1))
    # QA: the best valid span, exact match and overlap F1
    start = torch.full((2, 6), -9.0)
    end = torch.full((2, 6), -9.0)
    start[0, 1], end[0, 3] = 5, 5  # predicted span (1, 3)
    start[1, 4], end[1, 2], end[1, 5] = 5, 9, 4  # end 2 < start 4 is invalid: (4, 5)
    qa = metrics.qa_metrics(start, end, torch.tensor([1, 2]), torch.tensor([3, 4]))
    # example 2: predicted {4, 5}, gold {2, 3, 4}: overlap 1, P = 1/2, R = 1/3, F1 = 0.4
    assert qa["exact_match"] == pytest.approx(0.5) and qa["f1"] == pytest.approx((1 + 0.4) / 2)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(HERE.parents[1]))
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(var, None)
    return env


def _run(args, out, **kw):
    cmd = [sys.executable, str(SCRIPT), "--out", str(out), *args]
    return subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=600, **kw)


def _log_steps(out):
    path = Path(out) / "log.jsonl"
    return [json.loads(ln) for ln in path.read_text().splitlines()] if path.exists() else []


def test_resume_after_sigkill_is_bitwise_identical(tmp_path):
    common = ["--steps", "12", "--save-every", "3"]  # dropout 0.1 on: the RNG states must be restored too
    victim_dir = tmp_path / "victim"
    victim = subprocess.Popen([sys.executable, str(SCRIPT), "--out", str(victim_dir), *common, "--slow", "0.02"],
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    train_tiny(["--out", str(tmp_path / "ref"), *common])  # the uninterrupted run, here, while the victim starts
    deadline = time.time() + 90
    while time.time() < deadline and victim.poll() is None:
        if (victim_dir / "checkpoint.pt").exists() and len(_log_steps(victim_dir)) >= 5:
            break
        time.sleep(0.05)
    assert victim.poll() is None, f"run ended before it could be killed: {victim.stdout.read().decode()[-2000:]}"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    steps_at_kill = len(_log_steps(victim_dir))
    assert 5 <= steps_at_kill < 12 and not (victim_dir / "model.safetensors").exists()
    saved_step = torch.load(victim_dir / "checkpoint.pt", weights_only=True)["step"]
    assert 3 <= saved_step < 12

    resumed = _run(common, victim_dir)  # same command; finds checkpoint.pt and continues
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    a, b = load_file(tmp_path / "ref" / "model.safetensors"), load_file(victim_dir / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs after resume: max {(a[k] - b[k]).abs().max().item()}"
    ref_log, log = _log_steps(tmp_path / "ref"), _log_steps(victim_dir)
    assert [r["step"] for r in log] == list(range(1, 13))  # the killed run's extra lines were dropped
    assert [r["loss"] for r in log] == [r["loss"] for r in ref_log]


def test_torchrun_two_processes_match_one(tmp_path):
    # Global batch 8 per step: 1 process x 4 examples x 2 micro-batches, or 2 processes x 2 x 2 (no_sync path).
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           f"--master_port={_free_port()}", str(SCRIPT), "--out", str(tmp_path / "two"),
           "--batch-size", "2", "--accum", "2", "--dropout", "0"]
    two = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    train_tiny(["--out", str(tmp_path / "one"), "--batch-size", "4", "--accum", "2", "--dropout", "0"])  # here
    out, _ = two.communicate(timeout=600)
    assert two.returncode == 0, out[-3000:]
    a, b = _log_steps(tmp_path / "one"), _log_steps(tmp_path / "two")
    assert len(a) == len(b) == 12
    # Same examples, same masks (seeded per example), same math; only the order of fp32 additions differs
    # (one mean over 8 vs per-process sums all-reduced by gloo), a few ulps per step (float32 eps = 1.2e-7 on
    # losses of ~3.7), carried through 12 Adam steps: we measured differences below 5e-7 and allow 1e-5.
    # Summing the per-process means instead of weighting by masked-token counts is off by ~1e-2, so this fails.
    for x, y in zip(a, b):
        assert x["loss"] == pytest.approx(y["loss"], abs=1e-5), (x, y)
    w1, w2 = load_file(tmp_path / "one" / "model.safetensors"), load_file(tmp_path / "two" / "model.safetensors")
    for k in w1:
        torch.testing.assert_close(w1[k], w2[k], atol=1e-5, rtol=0, msg=k)
