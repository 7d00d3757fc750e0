"""The benchmark suite, one command: minibert vs transformers (the reference), side by side.

    .venv/bin/python benchmarks/run.py              # every row, bert-base: benchmarks/results/bench.{json,md}
    .venv/bin/python benchmarks/run.py --rows 1,6   # a subset
    .venv/bin/python benchmarks/run.py --quick      # smoke test: tiny model, 1 repeat, small corpus

Rows (issue 8): 1 BertModel forward, bert-base, 8 × 128, fp32 CPU, eager and sdpa, inference_mode;
2 the same with half the rows padded to 50 %; 3 one training step (forward + backward + AdamW) of
BertForSequenceClassification, 8 × 128; 4 gradient checkpointing off/on, seq 512 (benchmarks/advanced_bench.py);
5 tokenizer throughput (benchmarks/tokenizer_bench.py); 6 cold start in fresh processes (import +
from_pretrained of a real checkpoint + one forward); 7 on CUDA, rows 1 and 3 at 32 × 512 in bf16 with
TFLOP/s and MFU (skipped, with a note, without a GPU); 8 a batch of 16 with lengths uniform in 16–128, minibert
unpadded (and row 2 gains the unpadded variant); 9 corpus embedding with all-MiniLM-L6-v2 (minibert embed vs
sentence-transformers encode vs the reference pipeline) and the padding-waste figure (benchmarks/bench_unpad.py);
the GPU run (benchmarks/gpu.sh) runs rows 7, 8 and 9 on CUDA by setting MINIBERT_BENCH_DEVICE.
Ratio = minibert / reference (time, or memory):
below 1 minibert is faster. How each row is timed: bench_model.py, bench_startup.py, bench_wrapped.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
ALL_ROWS = (1, 2, 3, 4, 5, 6, 7, 8, 9)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default=",".join(map(str, ALL_ROWS)), help="comma-separated rows to run (default all)")
    p.add_argument("--quick", action="store_true", help="smoke test: tiny config, 1 repeat, no warm-up, tiny corpus")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per measurement (default 5, quick 1)")
    p.add_argument("--ckpt-repeats", type=int, default=None, help="row 4 repeats (fresh processes; default --repeats)")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads, the same for both libraries")
    p.add_argument("--checkpoint", default=None, help="checkpoint for row 6 (default $MINIBERT_OFFICIAL_CHECKPOINT, "
                   "else checkpoints/tiny-bert)")
    p.add_argument("--tokenizer-texts", type=int, default=None, help="row 5 corpus size (default 4000, quick 64)")
    p.add_argument("--corpus-texts", type=int, default=None, help="row 9 corpus size (default 3000, quick 64)")
    p.add_argument("--gpu-peak-tflops", type=float, default=None, help="bf16 peak for MFU if the GPU is not known")
    p.add_argument("--out", type=Path, default=HERE / "results", help="folder for bench.json and bench.md")
    p.add_argument("--note", default="", help="free text stored with the results")
    args = p.parse_args(argv)
    args.rows = sorted({int(r) for r in args.rows.split(",")})
    if not set(args.rows) <= set(ALL_ROWS):
        p.error(f"--rows takes numbers from {ALL_ROWS}, got {args.rows}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # Fixed before torch is imported, so that this process and every child process use the same count.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import bench_model
    import bench_report
    import bench_rows
    import torch

    torch.set_num_threads(args.threads)
    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    settings = {
        "quick": quick, "config": "tiny" if quick else "bert-base", "repeats": repeats, "threads": args.threads,
        "warmup": 0 if quick else 1, "ckpt_repeats": args.ckpt_repeats or repeats,
        "checkpoint": args.checkpoint or os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
        or str(REPO / "checkpoints" / "tiny-bert"),
        "tokenizer_texts": args.tokenizer_texts or (64 if quick else 4000),
        "gpu_peak_tflops": args.gpu_peak_tflops,
        "corpus_texts": args.corpus_texts or (64 if quick else 3000),
        "embedding_checkpoint": os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT"), "out": str(args.out),
    }
    cfg = bench_model.TINY if quick else bench_model.BERT_BASE
    report = {"date": started.isoformat(timespec="seconds"), "finished": None, "machine": None,
              "settings": settings, "rows_run": args.rows, "rows_done": [], "note": args.note,
              "rows": [], "goals": [], "raw": {}}
    for number in args.rows:
        print(f"row {number} ...", file=sys.stderr, flush=True)
        r, g, data = bench_rows.RUNNERS[number](cfg, settings)
        report["rows"] += r
        report["goals"] += g
        report["raw"][str(number)] = data
        report["rows_done"].append(number)
        # Written after every row (finished stays null until the last): a long run that is killed, or a row
        # that crashes, keeps every row measured before it.
        report["machine"] = bench_report.machine(load_start, os.getloadavg())
        _write(args.out, report)
    report["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    _write(args.out, report)
    print((args.out / "bench.md").read_text())
    return 0


def _write(out: Path, report: dict) -> None:
    """bench.json and bench.md, each replaced atomically (a reader never sees half a file)."""
    import bench_report

    from minibert.loading.atomic import atomic_write_bytes

    atomic_write_bytes(out / "bench.json", (json.dumps(report, indent=2) + "\n").encode())
    atomic_write_bytes(out / "bench.md", bench_report.markdown(report).encode())


if __name__ == "__main__":
    sys.exit(main())
