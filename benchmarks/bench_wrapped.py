"""Rows 4 and 5 of the suite, measured by the scripts that own them.

Row 4 (gradient checkpointing) uses ``advanced_bench.spawn``: one fresh process per measurement, peak
memory from the kernel's VmHWM (see that script's docstring for why). Here the processes alternate
(minibert off, reference off, minibert on, reference on, minibert selective, reference selective, then
again), one measured step each after a warm-up step, so that load from other processes spreads over all six
configurations.

Row 5 (tokenizer throughput) calls ``tokenizer_bench.main`` ``repeats`` times on a corpus of ``n_texts``,
each time with fresh tokenizers, timed in CPU time (``process_time``) instead of wall-clock.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import advanced_bench  # noqa: E402
import tokenizer_bench  # noqa: E402

LIBS = {"minibert": "minibert", "reference": "transformers"}
# Row 4's configurations: off, each library's default checkpointing, and selective recomputation (the same
# torch policy, minibert.selective_recompute, in both libraries).
MODES = {"off": False, "on": True, "selective": "selective"}


def checkpointing(cfg: dict, seq: int, batch: int, repeats: int, fresh_process: bool = True) -> dict:
    """Step times and peak memory per checkpointing mode (MODES), both libraries, lists over the repeats.

    ``fresh_process=False`` (the suite's --quick smoke test) runs the same job in this process: it checks the
    plumbing in a fraction of the time, but its memory figures are not meaningful.
    """
    out = {lib: {on: {"wall": [], "cpu": [], "peak_mib": []} for on in MODES} for lib in LIBS}
    for _ in range(repeats):
        for on, flag in MODES.items():
            for lib, name in LIBS.items():
                job = {"device": "cpu", "repeats": 1, "kind": "checkpointing", "lib": name, "impl": "sdpa",
                       "checkpointing": flag, "batch": batch, "seq": seq, "overrides": cfg}
                res = advanced_bench.spawn(job) if fresh_process else advanced_bench.run_job(job)
                out[lib][on]["wall"].append(res["seconds"][0])
                out[lib][on]["cpu"].append(res["cpu_seconds"][0])
                out[lib][on]["peak_mib"].append(res["peak_bytes"][0] / 2**20)
    return {"times": out, "seq": seq, "batch": batch, "fresh_process": fresh_process}


def tokenizer(n_texts: int, repeats: int) -> dict:
    """Texts/s per tokenizer and mode, one list entry per repeat."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            runs.append(tokenizer_bench.main(Path(tmp) / "tokenizer.md", n_texts=n_texts, timer=time.process_time))
    names = list(runs[0]["results"])
    modes = ("per_text_texts_per_s", "batched_texts_per_s")
    throughput = {name: {mode: [r["results"][name][mode] for r in runs] for mode in modes} for name in names}
    meta = runs[-1]["meta"]
    return {"throughput": throughput, "corpus_texts": meta["corpus_texts"],
            "corpus_megabytes": meta["corpus_megabytes"], "slow_texts": runs[-1]["results"]["reference slow"]["texts"],
            "identical_ids": all(r["meta"]["identical_ids_on_first_2000_texts"] for r in runs)}
