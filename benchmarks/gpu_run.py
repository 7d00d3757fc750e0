"""The GPU run as one command (benchmarks/gpu.sh): CUDA parity checks, row 7, and notebooks 01 and 04 on CUDA.

    bash benchmarks/gpu.sh               # on a machine with one CUDA GPU: results in benchmarks/results/gpu.{json,md}
    bash benchmarks/gpu.sh --dry-run     # the same steps on the CPU with a tiny model: proves the script runs

Parity: minibert vs the reference on the same random weights, on the device, for fp32 (TF32 off), bf16 and
fp16; eager, sdpa and sdpa unpadded; BertModel and every head; a batch with padding and one fully padded row
(whose outputs must be finite). Tolerances follow the dtype (fp32 1e-5; bf16 and fp16 a few of their own
steps, relative to the values' size). Row 7: ``benchmarks/run.py --rows 7`` (bf16 32 × 512 forward and training
step, TFLOP/s and MFU). Notebooks 01 and 04 run top to bottom with ``MINIBERT_DEVICE`` set to the device.
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
    checks = parity(device, tiny=args.dry_run)
    print(f"parity: {sum(c['ok'] for c in checks)}/{len(checks)} ok", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    bench_out = args.out / ("gpu-bench" if not args.dry_run else "gpu-bench-dry-run")
    env = {**os.environ, "MINIBERT_BENCH_DEVICE": device}
    bench = subprocess.run([sys.executable, str(HERE / "run.py"), "--rows", "7", "--out", str(bench_out)]
                           + (["--quick"] if args.dry_run else []), env=env, capture_output=True, text=True)
    lessons = notebooks(device)
    report = {"date": started, "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu (dry run)",
              "torch": torch.__version__, "parity": checks, "row7_returncode": bench.returncode,
              "row7_results": str(bench_out), "notebooks": lessons}
    name = "gpu-dry-run" if args.dry_run else "gpu"
    (args.out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    md = [f"# GPU run ({report['device']}, {started}, torch {report['torch']})", "",
          "| dtype | attention | model | output | max abs diff | tolerance | finite | |",
          "|---|---|---|---|---:|---:|---|---|"]
    md += [f"| {c['dtype']} | {c['impl']} | {c['model']} | {c['output']} | {c['max_abs_diff']:.1e} | "
           f"{c['tolerance']:.1e} | {c['finite']} | {'ok' if c['ok'] else '**FAIL**'} |" for c in checks]
    md += ["", f"Row 7: `benchmarks/run.py --rows 7` exit {bench.returncode}, results in {bench_out}/bench.md.", ""]
    md += [f"- notebook {n['notebook']} on {n['device']}: {'ok' if n['ok'] else 'FAILED: ' + n['error']} "
           f"({n['seconds']} s)" for n in lessons]
    (args.out / f"{name}.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    if bench.returncode != 0:
        print(bench.stdout[-2000:], bench.stderr[-2000:], file=sys.stderr)
    ok = all(c["ok"] for c in checks) and bench.returncode == 0 and all(n["ok"] for n in lessons)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
