"""Measure the advanced mechanisms on bert-base-sized models (a benchmark, not a test).

    .venv/bin/python benchmarks/advanced_bench.py            # writes benchmarks/results/advanced.{json,md}

(a) gradient checkpointing: peak activation memory and step time (forward + backward, train mode, dropout
    on) with it on and off, bert-base (12 x 768, intermediate 3072) at sequence length 512;
(b) chunked feed-forward: peak memory of inference at sequence length 512 for a few chunk sizes;
(c) head pruning: inference time of bert-base with 0 %, 25 % and 50 % of the heads of every layer pruned.
Each of minibert and transformers runs the same configurations, with the same sizes and random weights.

How memory is measured. On CPU, torch allocates outside Python (tracemalloc sees none of it), so we read
the kernel's own account of the process: every configuration runs in a fresh subprocess; after building
the model and inputs, allocating the weight gradients and a warm-up run, we reset the peak resident
set size (write "5" to /proc/self/clear_refs), note VmRSS, run once, and report VmHWM - VmRSS_before:
how far resident memory rose above the steady state (weights, gradients, inputs) during the run. For a
training step this includes, besides the activations, the transient dense gradient of the word-embedding
table (30522 x 768 fp32 = 90 MiB) that backward builds before adding it to ``.grad``: a floor under any
step's figure, checkpointed or not. The subprocesses run with MALLOC_MMAP_THRESHOLD_=65536 so that glibc
serves every large buffer with mmap and returns it to the kernel when torch frees it; otherwise freed
activations stay cached in the heap and the next run's peak would be hidden. With CUDA available
(``--device cuda``) the same runs use torch.cuda.max_memory_allocated after reset_peak_memory_stats.
Times: wall-clock per run (perf_counter) and the process's CPU time (process_time, all threads), median of
``--repeats`` runs after a warm-up, with min/max. On a machine shared with other busy processes wall-clock
time mostly measures the neighbours; CPU time counts only our own work, so ratios are judged on it.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BERT_BASE = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512)
GOAL_MEMORY_SAVING, GOAL_TIME_OVERHEAD = 0.50, 0.40  # from the issue: >= 50 % less memory, <= 40 % more time


# -- inside a worker subprocess --------------------------------------------------------------------
def _proc_status() -> dict[str, int]:
    text = Path("/proc/self/status").read_text()
    return {k: int(re.search(rf"^{k}:\s+(\d+) kB", text, re.M).group(1)) * 1024 for k in ("VmRSS", "VmHWM")}


class PeakMemory:
    """Peak bytes allocated above the level at ``start()``: CUDA allocator stats, or the process's VmHWM."""

    def __init__(self, device: str):
        self.device = device

    def start(self) -> None:
        import torch

        gc.collect()
        if self.device == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current VmRSS
            self.base = _proc_status()["VmRSS"]

    def stop(self) -> int:
        import torch

        if self.device == "cuda":
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() - self.base
        return _proc_status()["VmHWM"] - self.base


def build_model(lib: str, impl: str, **overrides):
    fields = {**BERT_BASE, **overrides}
    if lib == "minibert":
        from minibert import BertConfig, BertModel

        return BertModel(BertConfig(**fields, attn_implementation=impl))
    import transformers

    return transformers.BertModel(transformers.BertConfig(**fields, attn_implementation=impl))


def run_job(job: dict) -> dict:
    """Build what ``job`` describes, warm up once, then time and measure ``job['repeats']`` runs."""
    import torch

    torch.manual_seed(0)
    device = job["device"]
    model = build_model(job["lib"], job["impl"], **job.get("overrides", {})).to(device)
    B, T = job["batch"], job["seq"]
    ids = torch.randint(1000, 30000, (B, T), device=device)
    mask = torch.ones(B, T, dtype=torch.long, device=device)

    if job["kind"] == "checkpointing":
        model.train()  # dropout on, as in training
        if job["checkpointing"] == "selective":  # both libraries: non-reentrant, the same torch policy
            from minibert import selective_recompute

            model.gradient_checkpointing_enable(
                gradient_checkpointing_kwargs={"use_reentrant": False, "context_fn": selective_recompute})
        elif job["checkpointing"]:  # each library's default
            model.gradient_checkpointing_enable()

        def run():
            model.zero_grad(set_to_none=False)  # keep the gradient buffers: they are not activations
            out = model(ids, attention_mask=mask)
            (out.last_hidden_state.square().mean() + out.pooler_output.square().mean()).backward()
    else:
        model.eval()
        if job["kind"] == "pruning" and job["heads_pruned"]:
            k = job["heads_pruned"]
            model.prune_heads({layer: list(range(k)) for layer in range(model.config.num_hidden_layers)})

        def run():
            with torch.no_grad():
                model(ids, attention_mask=mask)

    meter = PeakMemory(device)
    # Warm-up at full size: gradient buffers (not activations) get allocated, and one-time costs (kernel
    # selection, first touches) stay out of the measured runs; a shorter warm-up left them in the first one.
    run()
    seconds, cpu_seconds, peaks = [], [], []
    for _ in range(job["repeats"]):
        meter.start()
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        if device == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
        peaks.append(meter.stop())
    return {**job, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_bytes": peaks,
            "threads": torch.get_num_threads()}


# -- in the parent ---------------------------------------------------------------------------------
def spawn(job: dict) -> dict:
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(job)], env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed for {job}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def machine() -> dict:
    import torch
    import transformers

    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    mem = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    info = {"cpu": cpu.group(1) if cpu else platform.processor(), "cores": os.cpu_count(),
            "ram_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None, "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per configuration (after 1 warm-up)")
    parser.add_argument("--batch", type=int, default=1, help="batch size of the checkpointing runs")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--note", default="", help="free text stored with the results (e.g. machine load)")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_job(json.loads(args.worker))))
        return 0

    import torch

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    common = {"device": device, "repeats": args.repeats}
    jobs = []
    for lib in ("minibert", "transformers"):
        for on in (False, True, "selective"):
            jobs.append({**common, "kind": "checkpointing", "lib": lib, "impl": "sdpa", "checkpointing": on,
                         "batch": args.batch, "seq": 512})
    for lib in ("minibert", "transformers"):
        for chunk in (0, 256, 64, 16):  # powers of two: the reference needs T % chunk == 0
            # Inference frees each layer's activations before the next: the peak is reached inside one layer,
            # so 2 layers of bert-base width show the same peak as 12, in a sixth of the time.
            jobs.append({**common, "kind": "chunking", "lib": lib, "impl": "sdpa", "batch": 4, "seq": 512,
                         "overrides": {"num_hidden_layers": 2, "chunk_size_feed_forward": chunk}, "chunk": chunk})
    for lib in ("minibert", "transformers"):
        for k in (0, 3, 6):  # of 12 heads per layer: 0 %, 25 %, 50 %
            jobs.append({**common, "kind": "pruning", "lib": lib, "impl": "sdpa", "batch": 4, "seq": 128,
                         "heads_pruned": k})

    started = time.perf_counter()
    results = []
    for i, job in enumerate(jobs, 1):
        t0 = time.perf_counter()
        res = spawn(job)
        res["time"], res["cpu_time"] = summary(res["seconds"]), summary(res["cpu_seconds"])
        res["peak_mib"] = summary([b / 2**20 for b in res["peak_bytes"]])
        results.append(res)
        print(f"[{i}/{len(jobs)}] {job['kind']:<13} {job['lib']:<12} "
              f"{ {k: job[k] for k in ('checkpointing', 'chunk', 'heads_pruned') if k in job} } "
              f"time {res['time']['median']:.2f}s cpu {res['cpu_time']['median']:.2f}s  "
              f"peak {res['peak_mib']['median']:.0f} MiB  "
              f"({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)

    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "device": device,
        "shared_machine_note": "measured on a shared 2-core machine (other jobs running at the same time): "
                               "timings are noisy; medians with min/max of the repeats are given",
        "note": args.note,
        "memory_method": ("CUDA: torch.cuda.max_memory_allocated - memory_allocated before the run"
                          if device == "cuda" else
                          "CPU: fresh subprocess per configuration, MALLOC_MMAP_THRESHOLD_=65536; after a warm-up run, "
                          "peak RSS reset via /proc/self/clear_refs, peak = VmHWM - VmRSS before the measured run "
                          "(weights, gradient buffers and inputs already resident; a train step's figure includes the "
                          "90 MiB transient dense gradient of the word-embedding table)"),
        "total_seconds": round(time.perf_counter() - started, 1),
        "results": results,
        "checkpointing_goal": goal_check(results),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "advanced.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "advanced.md").write_text(markdown(report))
    print((RESULTS / "advanced.md").read_text())
    return 0


def goal_check(results: list[dict]) -> dict:
    out = {}
    for lib in ("minibert", "transformers"):
        runs = {r["checkpointing"]: r for r in results if r["kind"] == "checkpointing" and r["lib"] == lib}
        off = runs[False]
        for mode, on in ((True, runs[True]), ("selective", runs["selective"])):
            saving = 1 - on["peak_mib"]["median"] / off["peak_mib"]["median"]
            cpu_overhead = on["cpu_time"]["median"] / off["cpu_time"]["median"] - 1
            wall_overhead = on["time"]["median"] / off["time"]["median"] - 1
            out[f"{lib}, {_mode(mode)}"] = {
                "memory_saving": round(saving, 3), "cpu_time_overhead": round(cpu_overhead, 3),
                "wall_time_overhead": round(wall_overhead, 3), "memory_goal_met": saving >= GOAL_MEMORY_SAVING,
                "time_goal_met_cpu": cpu_overhead <= GOAL_TIME_OVERHEAD,
                "time_goal_met_wall": wall_overhead <= GOAL_TIME_OVERHEAD}
    return out


def _mode(checkpointing) -> str:
    return {False: "off", True: "on (default)", "selective": "selective_recompute"}[checkpointing]


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |\n"


def _t(r, key: str = "time") -> str:
    t = r[key]
    return f"{t['median']:.2f} ({t['min']:.2f}–{t['max']:.2f})"


def _m(r) -> str:
    m = r["peak_mib"]
    return f"{m['median']:.0f} ({m['min']:.0f}–{m['max']:.0f})"


def markdown(rep: dict) -> str:
    m = rep["machine"]
    res = rep["results"]
    s = "# Advanced mechanisms: measured\n\n"
    s += f"Measured {rep['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM"
    s += f" (GPU: {m['gpu']})" if m["gpu"] else " (no GPU)"
    s += f"; Python {m['python']}, torch {m['torch']}, transformers {m['transformers']}. "
    s += f"Device: {rep['device']}. Whole run: {rep['total_seconds']:.0f} s.\n\n"
    s += f"**{rep['shared_machine_note'].capitalize()}.** {rep['note']}\n\n"
    s += f"Memory method: {rep['memory_method']}. Time: CPU time of the process (all threads) and wall-clock, "
    s += "per run; ratios are judged on CPU time, which other processes on the machine barely affect. "
    s += f"Cells: median (min–max) of {res[0]['time']['n']} runs after a warm-up.\n\n"

    s += "## (a) Gradient checkpointing (bert-base, train step = forward + backward, dropout on)\n\n"
    ck = [r for r in res if r["kind"] == "checkpointing"]
    s += f"Batch {ck[0]['batch']} × seq {ck[0]['seq']}, attn_implementation sdpa. transformers uses its default "
    s += ("checkpointing (use_reentrant=True, every layer), minibert its default (use_reentrant=False, every "
          "layer but the last); `selective_recompute`: both libraries non-reentrant with minibert.selective_recompute "
          "as context_fn (keep the linear layers' matmul outputs, recompute the rest).\n\n")
    s += _row(["library", "checkpointing", "peak activation MiB", "step CPU time s", "step wall time s"])
    s += _row(["---"] * 5)
    for r in ck:
        s += _row([r["lib"], _mode(r["checkpointing"]), _m(r), _t(r, "cpu_time"), _t(r)])
    s += "\n"
    for lib, g in rep["checkpointing_goal"].items():
        s += (f"- {lib}: activation memory {100 * g['memory_saving']:.0f} % lower "
              f"(goal ≥ {100 * GOAL_MEMORY_SAVING:.0f} %: {'met' if g['memory_goal_met'] else 'NOT met'}); "
              f"step CPU time {100 * g['cpu_time_overhead']:+.0f} % (goal ≤ +{100 * GOAL_TIME_OVERHEAD:.0f} %: "
              f"{'met' if g['time_goal_met_cpu'] else 'NOT met'}); wall time {100 * g['wall_time_overhead']:+.0f} % "
              f"({'met' if g['time_goal_met_wall'] else 'NOT met'} by wall time).\n")
    s += "\n## (b) Chunked feed-forward (inference, seq 512)\n\n"
    ch = [r for r in res if r["kind"] == "chunking"]
    s += (f"Batch {ch[0]['batch']}, 2 layers of bert-base width (the inference peak is reached inside one layer), "
          "sdpa. chunk 0 = unchunked.\n\n")
    s += _row(["library", "chunk_size_feed_forward", "peak MiB", "forward CPU s", "forward wall s"])
    s += _row(["---"] * 5)
    for r in ch:
        s += _row([r["lib"], r["chunk"], _m(r), _t(r, "cpu_time"), _t(r)])

    s += "\n## (c) Head pruning (bert-base inference)\n\n"
    pr = [r for r in res if r["kind"] == "pruning"]
    s += f"Batch {pr[0]['batch']} × seq {pr[0]['seq']}, sdpa; the first k of 12 heads pruned in every layer.\n\n"
    s += _row(["library", "heads pruned per layer", "forward CPU s", "CPU vs unpruned", "forward wall s"])
    s += _row(["---"] * 5)
    for r in pr:
        base = next(b for b in pr if b["lib"] == r["lib"] and b["heads_pruned"] == 0)
        ratio = r["cpu_time"]["median"] / base["cpu_time"]["median"]
        s += _row([r["lib"], f"{r['heads_pruned']} ({100 * r['heads_pruned'] // 12} %)", _t(r, "cpu_time"),
                   f"{ratio:.2f}×", _t(r)])
    return s


if __name__ == "__main__":
    sys.exit(main())
