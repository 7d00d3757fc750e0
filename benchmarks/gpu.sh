#!/usr/bin/env bash
# The GPU run, one command: CUDA parity checks (fp32 with TF32 off, bf16, fp16; eager, sdpa, unpadded; every
# head; fully padded rows finite), rows 7, 8 and 9 of benchmarks/run.py on the GPU (row 7: bf16 32 x 512 forward
# and training step, TFLOP/s and MFU; row 8: unpadded forward on 16 texts of 16-128 tokens, fp32 and bf16; row 9:
# corpus embedding with all-MiniLM-L6-v2, which needs MINIBERT_OFFICIAL_CHECKPOINT and the bench extra, else it
# is skipped with the reason) and notebooks 01 and 04 on CUDA; results in benchmarks/results/gpu.{json,md} and
# benchmarks/results/gpu-bench/ (benchmarks/gpu_run.py). Sized to stay under 8 minutes; each step's time is
# written down.
#   MINIBERT_OFFICIAL_CHECKPOINT=path/to/all-MiniLM-L6-v2 bash benchmarks/gpu.sh   # on a machine with a CUDA GPU
#   bash benchmarks/gpu.sh --dry-run   # the same steps on the CPU with a tiny model and small sizes (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
exec "$PY" benchmarks/gpu_run.py "$@"
