"""The GPU run as one command (benchmarks/gpu.sh): CUDA parity checks, rows 7, 8 and 9, notebooks 01 and 04.

    bash benchmarks/gpu.sh               # on a machine with one CUDA GPU: results in benchmarks/results/gpu.{json,md}
    bash benchmarks/gpu.sh --dry-run     # the same steps on the CPU with a tiny model: proves the script runs

Parity: minibert vs the reference on the same random weights, on the device, for fp32 (TF32 off), bf16 and
fp16; eager, sdpa and sdpa unpadded; BertModel and every head; a batch with padding and one fully padded row
(whose outputs must be finite). Tolerances follow the dtype (fp32 1e-5; bf16 and fp16 a few of their own
steps, relative to the values' size). Then ``benchmarks/run.py --rows 7,8,9`` with ``MINIBERT_BENCH_DEVICE``
set to the device, results in benchmarks/results/gpu-bench/: row 7 (bf16 32 × 512 forward and training
step, TFLOP/s and MFU), row 8 (bert-base forward on 16 texts of 16–128 tokens, minibert unpadded vs padded vs
the reference, fp32 and bf16) and row 9 (all-MiniLM-L6-v2 on 3,000 docstrings at batch 32: minibert embed vs
sentence-transformers encode vs the reference pipeline, identical vectors; it needs MINIBERT_OFFICIAL_CHECKPOINT
and the bench extra, and is skipped with the reason without them). On CUDA every timed call is wall time
around synchronized work, after warm-up calls. Notebooks 01 and 04 run top to bottom with ``MINIBERT_DEVICE``.

Sized to stay under 8 minutes on one GPU (not yet timed on one): parity builds 144 models of bert-base's 12
layers (a 1,000-word vocabulary) and runs each once; row 7 times 6 calls of each library per measurement;
row 8 is 3 warm-up and 20 timed rounds of milliseconds-long calls; row 9 is 7 passes of each peer over 87 k
tokens (the first, cold one timed apart, one more warm-up, 5 timed). Each step's seconds are written down,
next to the 8-minute budget.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HEADS = ["BertModel", "BertForPreTraining", "BertForMaskedLM", "BertForNextSentencePrediction",
         "BertForSequenceClassification", "BertForMultipleChoice", "BertForTokenClassification",
         "BertForQuestionAnswering"]
TOLERANCE = {"float32": 1e-5, "bfloat16": 3e-2, "float16": 5e-3}  # relative to max |reference output|, min 1
BENCH_ROWS = (7, 8, 9)  # benchmarks/run.py's rows that run on the GPU
BUDGET_S = 480  # the whole run, on one GPU


def parity(device: str, tiny: bool) -> list[dict]:
    import torch
    import transformers

    import minibert

    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 means fp32: TF32 would round the inputs to 10 bits
    torch.backends.cudnn.allow_tf32 = False
    size = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64) if tiny else \
        dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)
    fields = dict(vocab_size=1000, max_position_embeddings=128, hidden_dropout_prob=0.0,
                  attention_probs_dropout_prob=0.0, **size)
    g = torch.Generator().manual_seed(0)
    B, T = 4, 32
    ids = torch.randint(1, 1000, (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    mask[1, 20:] = 0
    mask[2, 5:] = 0
    mask[3] = 0  # a fully padded row: finite outputs, nothing compared
    real = mask.bool()
    results = []
    for dtype_name in ("float32", "bfloat16", "float16"):
        dtype = getattr(torch, dtype_name)
        for impl, unpad in (("eager", False), ("sdpa", False), ("sdpa", True)):
            for name in HEADS:
                torch.manual_seed(0)
                theirs = getattr(transformers, name)(transformers.BertConfig(**fields, attn_implementation=impl))
                ours = getattr(minibert, name)(minibert.BertConfig(**fields, attn_implementation=impl,
                                                                   unpad_inputs=unpad))
                ours.load_state_dict(theirs.state_dict(), strict=False)
                ours, theirs = (m.to(device=device, dtype=dtype).eval() for m in (ours, theirs))
                x, m = ids.to(device), mask.to(device)
                if name == "BertForMultipleChoice":
                    x, m = x[:, None].repeat(1, 2, 1), m[:, None].repeat(1, 2, 1)
                with torch.no_grad():
                    a, b = ours(input_ids=x, attention_mask=m), theirs(input_ids=x, attention_mask=m)
                key = "last_hidden_state" if name == "BertModel" else next(k for k in a.keys() if k != "loss")
                ta, tb = a[key].float().cpu(), b[key].float().cpu()
                finite = bool(torch.isfinite(ta).all())
                rows = real[:, None].expand(B, 2, T) if name == "BertForMultipleChoice" else real
                if ta.shape[:rows.dim()] == rows.shape:  # per token: the real positions
                    sel_a, sel_b = ta[rows], tb[rows]
                else:  # per sequence: the rows that have a real token
                    sel_a, sel_b = ta[:3], tb[:3]
                diff = (sel_a - sel_b).abs().max().item()
                limit = TOLERANCE[dtype_name] * max(1.0, sel_b.abs().max().item())
                results.append({"dtype": dtype_name, "impl": impl + (" unpadded" if unpad else ""), "model": name,
                                "output": key, "max_abs_diff": diff, "tolerance": limit, "finite": finite,
                                "ok": finite and diff <= limit})
    return results


def benchmark_rows(device: str, out: Path, dry_run: bool) -> dict:
    """``benchmarks/run.py --rows 7,8,9`` on ``device`` in a child process (its own thread setting, its own
    CUDA context): its exit status, where it wrote, and its rows and goals as bench.json holds them."""
    env = {**os.environ, "MINIBERT_BENCH_DEVICE": device}
    cmd = [sys.executable, str(HERE / "run.py"), "--rows", ",".join(map(str, BENCH_ROWS)), "--out", str(out)]
    start = time.time()
    done = subprocess.run(cmd + (["--quick"] if dry_run else []), env=env, capture_output=True, text=True)
    results = out / "bench.json"
    # run.py writes bench.json after every row, so a row that crashed still leaves the ones measured before it;
    # a file older than this run holds none of its rows.
    fresh = results.exists() and results.stat().st_mtime >= start
    data = json.loads(results.read_text()) if fresh else {}
    found = {"bench_returncode": done.returncode, "bench_results": str(out),
             "bench_rows_done": data.get("rows_done", []),
             "bench_rows": data.get("rows", []), "bench_goals": data.get("goals", [])}
    if done.returncode != 0:
        found["_output"] = done.stdout[-2000:] + done.stderr[-2000:]
    return found


def notebooks(device: str, numbers=("01", "04")) -> list[dict]:
    import nbclient
    import nbformat

    out = []
    for number in numbers:
        path = next((REPO / "notebooks").glob(f"{number}_*.ipynb"))
        nb = nbformat.read(path, as_version=4)
        os.environ["MINIBERT_DEVICE"] = device
        start = time.perf_counter()
        try:
            nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                    resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
            error = None
        except Exception as err:  # noqa: BLE001 - any failing cell is reported, the run goes on
            error = f"{type(err).__name__}: {str(err)[:300]}"
        out.append({"notebook": path.name, "device": device, "seconds": round(time.perf_counter() - start, 1),
                    "ok": error is None, "error": error})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dry-run", action="store_true", help="the same steps on the CPU, tiny model, quick row 7")
    p.add_argument("--out", type=Path, default=HERE / "results", help="folder for gpu.json and gpu.md")
    args = p.parse_args(argv)
    import torch

    device = "cpu" if args.dry_run else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("error: no CUDA GPU here (torch.cuda.is_available() is False); use --dry-run on the CPU",
              file=sys.stderr)
        return 2
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    seconds, clock = {}, time.perf_counter()
    checks = parity(device, tiny=args.dry_run)
    seconds["parity"] = time.perf_counter() - clock
    print(f"parity: {sum(c['ok'] for c in checks)}/{len(checks)} ok", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    bench_out = args.out / ("gpu-bench" if not args.dry_run else "gpu-bench-dry-run")
    clock = time.perf_counter()
    bench = benchmark_rows(device, bench_out, args.dry_run)
    bench_output = bench.pop("_output", "")
    seconds["rows " + ",".join(map(str, BENCH_ROWS))] = time.perf_counter() - clock
    clock = time.perf_counter()
    lessons = notebooks(device)
    seconds["notebooks"] = time.perf_counter() - clock
    seconds = {k: round(v, 1) for k, v in seconds.items()}
    report = {"date": started, "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu (dry run)",
              "torch": torch.__version__, "parity": checks, **bench, "notebooks": lessons, "seconds": seconds,
              "total_seconds": round(sum(seconds.values()), 1), "budget_seconds": BUDGET_S}
    name = "gpu-dry-run" if args.dry_run else "gpu"
    (args.out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    md = [f"# GPU run ({report['device']}, {started}, torch {report['torch']})", "",
          "| dtype | attention | model | output | max abs diff | tolerance | finite | |",
          "|---|---|---|---|---:|---:|---|---|"]
    md += [f"| {c['dtype']} | {c['impl']} | {c['model']} | {c['output']} | {c['max_abs_diff']:.1e} | "
           f"{c['tolerance']:.1e} | {c['finite']} | {'ok' if c['ok'] else '**FAIL**'} |" for c in checks]
    md += ["", f"Rows {', '.join(map(str, BENCH_ROWS))}: `benchmarks/run.py --rows {','.join(map(str, BENCH_ROWS))}` "
           f"exit {bench['bench_returncode']}, full table in {bench_out}/bench.md:", ""]
    md += [f"- row {r['row']} {r['name']}: " + (r["note"] if r.get("skipped") else
                                                f"ratio {r['ratio']['median']:.2f} ({r['clock']})")
           for r in bench["bench_rows"]]
    md += [f"- {g['goal']}: {g['measured']} ({'met' if g['met'] else '–' if g['met'] is None else 'MISSED'})"
           for g in bench["bench_goals"]]
    md += [""] + [f"- notebook {n['notebook']} on {n['device']}: {'ok' if n['ok'] else 'FAILED: ' + n['error']} "
                  f"({n['seconds']} s)" for n in lessons]
    md += ["", "Seconds per step: " + ", ".join(f"{k} {v}" for k, v in seconds.items())
           + f"; total {report['total_seconds']} (budget {BUDGET_S})."]
    (args.out / f"{name}.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    if bench["bench_returncode"] != 0:
        print(bench_output, file=sys.stderr)
    ok = all(c["ok"] for c in checks) and bench["bench_returncode"] == 0 and all(n["ok"] for n in lessons)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
