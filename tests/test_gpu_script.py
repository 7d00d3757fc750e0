"""benchmarks/gpu.sh --dry-run: the GPU run's every step (parity in fp32/bf16/fp16 on eager, sdpa and unpadded
for every head, row 7, notebooks 01 and 04) runs end to end on the CPU with a tiny model, so the script is
ready for a CUDA GPU. Timings are not checked: on the CPU they mean nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_script_dry_run(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu.sh"), "--dry-run", "--out", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "gpu-dry-run.json").read_text())
    checks = report["parity"]
    assert len(checks) == 3 * 3 * 8 and all(c["ok"] and c["finite"] for c in checks)
    assert {c["impl"] for c in checks} == {"eager", "sdpa", "sdpa unpadded"}
    bench = json.loads((Path(report["row7_results"]) / "bench.json").read_text())
    assert [r["row"] for r in bench["rows"]] == [7, 7, 7] and not any(r.get("skipped") for r in bench["rows"])
    lessons = report["notebooks"]
    assert [n["notebook"][:2] for n in lessons] == ["01", "04"] and all(n["ok"] for n in lessons)
