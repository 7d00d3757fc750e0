"""Peak memory of ``python -m minibert embed --file`` against the file's length, before and after the release.

    .venv/bin/python benchmarks/bench_memory.py --lines 2000,8000,16000          # all-MiniLM-L6-v2 by default
    .venv/bin/python benchmarks/bench_memory.py --quick                          # tiny-bert, 200 and 800 lines

For each length, a text file of that many lines (benchmarks/corpus.py's docstrings cut at 300 characters,
repeated when the corpus is shorter) is embedded by the command in a fresh process, twice: "after" as
shipped, "before" with minibert/pipelines/heap.py's release switched off (the memory each batch freed stays
in the heap, as before). Measured per process (``os.wait4``): peak RSS and CPU time. Writes memory.json,
memory.md and memory.png (peak RSS against lines, one line per variant) to --out. The model comes from
--checkpoint, else $MINIBERT_OFFICIAL_CHECKPOINT, else checkpoints/tiny-bert; --threads sets OMP_NUM_THREADS.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

# The command's own entry point, with the release optionally switched off first (the "before" variant).
RUN = """
import sys
import minibert.pipelines.features as features
if sys.argv.pop(1) == "before":
    features.release_freed_memory = lambda: False
from minibert.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def write_corpus(path: Path, lines: int) -> None:
    import corpus

    texts = [t[:300] for t in corpus.build(20000)]
    path.write_text("\n".join(texts[i % len(texts)] for i in range(lines)) + "\n", encoding="utf-8")


def measure(variant: str, text_file: Path, checkpoint: str, threads: int, batch_size: int) -> dict:
    """One fresh process embedding the file: its peak RSS (MB), CPU time (s, of which in the kernel) and minor
    page faults (what returning memory costs: each page handed back is faulted in again when next used; unlike
    CPU time, the count does not move with the machine's load)."""
    out = text_file.with_suffix(f".{variant}.npy")
    argv = [sys.executable, "-c", RUN, variant, "embed", "--file", str(text_file), "--out", str(out),
            "--model", checkpoint, "--batch-size", str(batch_size)]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"embed --file ({variant}) failed:\n{err[-2000:]}")
    out.unlink()
    return {"peak_rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
            "sys_s": usage.ru_stime, "minor_faults": usage.ru_minflt, "wall_s": wall}


def cpu_name() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    labels = {"before": "before: kept in the heap", "after": "after: returned after each batch"}
    for variant, style in (("before", "o--"), ("after", "s-")):
        rows = [r for r in results["rows"] if r["variant"] == variant]
        ax.plot([r["lines"] for r in rows], [r["peak_rss_mb"] for r in rows], style, label=labels[variant])
    s = results["settings"]
    ax.set_xlabel("lines in the file")
    ax.set_ylabel("peak RSS (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"embed --file: {Path(s['checkpoint']).name}, batch {s['batch_size']}, "
                 f"{s['threads']} thread{'s' if s['threads'] > 1 else ''}", fontsize=10)
    ax.legend(title="memory a batch frees", fontsize=9, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def table(results: dict) -> str:
    s = results["settings"]
    lines = [f"# embed --file: peak memory against the file's length ({results['finished']})", "",
             f"{Path(s['checkpoint']).name}, batch {s['batch_size']}, {s['threads']} thread(s), {s['machine']}; "
             f"load average {s['load_start']} at the start, {s['load_end']} at the end.", "",
             "| lines | peak RSS before (MB) | peak RSS after (MB) | CPU s before | CPU s after | CPU after / before "
             "| page faults before | page faults after |",
             "|---|---|---|---|---|---|---|---|"]
    by = {(r["lines"], r["variant"]): r for r in results["rows"]}
    for n in s["lines"]:
        b, a = by[n, "before"], by[n, "after"]
        lines.append(f"| {n:,} | {b['peak_rss_mb']:.0f} | {a['peak_rss_mb']:.0f} | {b['cpu_s']:.1f} | "
                     f"{a['cpu_s']:.1f} | {a['cpu_s'] / b['cpu_s']:.2f} | {b['minor_faults']:,} | "
                     f"{a['minor_faults']:,} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", default="2000,8000,16000", help="comma-separated file lengths")
    p.add_argument("--quick", action="store_true", help="smoke test: tiny-bert, 200 and 800 lines")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--out", type=Path, default=HERE / "results" / "memory")
    args = p.parse_args(argv)
    lines = [200, 800] if args.quick else [int(n) for n in args.lines.split(",")]
    checkpoint = args.checkpoint or (None if args.quick else os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")) \
        or str(REPO / "checkpoints" / "tiny-bert")
    args.out.mkdir(parents=True, exist_ok=True)
    settings = {"lines": lines, "checkpoint": checkpoint, "threads": args.threads, "batch_size": args.batch_size,
                "machine": f"{cpu_name()}, {os.cpu_count()} CPUs, {' '.join(platform.libc_ver())}".strip(),
                "load_start": round(os.getloadavg()[0], 1)}
    rows = []
    for n in lines:
        text_file = args.out / f"texts-{n}.txt"
        write_corpus(text_file, n)
        for variant in ("before", "after"):
            row = {"lines": n, "variant": variant,
                   **measure(variant, text_file, checkpoint, args.threads, args.batch_size)}
            print(json.dumps(row), flush=True)
            rows.append(row)
        text_file.unlink()
    settings["load_end"] = round(os.getloadavg()[0], 1)
    results = {"settings": settings, "rows": rows,
               "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    (args.out / "memory.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (args.out / "memory.md").write_text(table(results), encoding="utf-8")
    plot(results, args.out / "memory.png")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
