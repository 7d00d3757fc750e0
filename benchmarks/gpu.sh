#!/usr/bin/env bash
# The GPU run, one command: CUDA parity checks (fp32 with TF32 off, bf16, fp16; eager, sdpa, unpadded; every
# head; fully padded rows finite), row 7 of benchmarks/run.py (bf16 32 x 512 forward and training step, TFLOP/s
# and MFU) and notebooks 01 and 04 on CUDA; results in benchmarks/results/gpu.{json,md} (benchmarks/gpu_run.py).
#   bash benchmarks/gpu.sh             # on a machine with a CUDA GPU
#   bash benchmarks/gpu.sh --dry-run   # the same steps on the CPU with a tiny model (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
exec "$PY" benchmarks/gpu_run.py "$@"
