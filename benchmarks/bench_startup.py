"""Row 6 of the suite: cold start, each measurement a fresh Python process.

The child imports the library, loads a real checkpoint with ``BertModel.from_pretrained`` and runs one
forward pass on a 4-token input, then exits. We record the process's wall-clock time from spawn to exit
(perf_counter in the parent), its CPU time (user + system, from ``getrusage(RUSAGE_CHILDREN)`` before
and after: the kernel's account of the child, independent of how busy the machine is), and the child's
own split into import / load / forward. minibert and the reference alternate, one process each per
repeat, after one untimed pair that brings the files into the page cache.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

CHILD = """
import json, time
t0 = time.perf_counter()
import torch
from {lib} import BertModel
t1 = time.perf_counter()
model = BertModel.from_pretrained({path!r})
t2 = time.perf_counter()
with torch.inference_mode():
    model(input_ids=torch.tensor([[101, 7592, 2088, 102]]) % model.config.vocab_size)
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "load": t2 - t1, "forward": t3 - t2}}))
"""
LIBS = {"minibert": "minibert", "reference": "transformers"}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_once(lib: str, checkpoint: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD.format(lib=LIBS[lib], path=checkpoint)], env=env,
                          capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode != 0:
        raise RuntimeError(f"cold-start child for {lib} failed:\n{proc.stderr[-2000:]}")
    return {"wall": wall, "cpu": cpu, "split": json.loads(proc.stdout.strip().splitlines()[-1])}


def measure(checkpoint: str, repeats: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        for lib in LIBS:
            run_once(lib, checkpoint)
    times = {lib: {"wall": [], "cpu": [], "split": []} for lib in LIBS}
    for _ in range(repeats):
        for lib in LIBS:
            r = run_once(lib, checkpoint)
            for key in ("wall", "cpu", "split"):
                times[lib][key].append(r[key])
    return {"times": times, "checkpoint": checkpoint}
