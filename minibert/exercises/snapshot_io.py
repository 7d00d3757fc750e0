"""Reading and writing the graders' reference snapshots: plain JSON, one file per exercise.

A snapshot holds the exercise's cases, each with its ``inputs`` (the keyword arguments of the exercise
function) and ``expected`` outputs, plus the versions that produced it. JSON keeps them readable and
diffable; a tensor is written as ``{"dtype": "float32", "shape": [2, 3], "data": [...]}`` with its values
flattened, a dtype argument as ``{"__dtype__": "float16"}``. Every float32/float16/bfloat16 value is
exactly representable as a Python float, and Python writes floats with enough digits to read them back
bit for bit, so nothing is lost.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"

_DTYPES = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float64": torch.float64,
    "int64": torch.int64,
    "int32": torch.int32,
    "bool": torch.bool,
}


def encode(value):
    """Tensors -> tagged dicts, recursively through dicts, lists and tuples; other JSON values as they are."""
    if isinstance(value, torch.Tensor):
        name = str(value.dtype).removeprefix("torch.")
        if name not in _DTYPES:
            raise TypeError(f"cannot store a tensor of dtype {value.dtype}; supported: {sorted(_DTYPES)}")
        data = value.detach().cpu().reshape(-1).tolist()
        return {"__tensor__": True, "dtype": name, "shape": list(value.shape), "data": data}
    if isinstance(value, torch.dtype):  # an argument such as attention_mask(..., dtype=torch.float16)
        return {"__dtype__": str(value).removeprefix("torch.")}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value):
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        if value.get("__tensor__"):
            dtype = _DTYPES[value["dtype"]]
            return torch.tensor(value["data"], dtype=dtype).reshape(value["shape"])
        if "__dtype__" in value:
            return _DTYPES[value["__dtype__"]]
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def snapshot_path(name: str, directory: Path | None = None) -> Path:
    return (directory or SNAPSHOT_DIR) / f"{name}.json"


def load_snapshot(name: str, directory: Path | None = None) -> dict:
    """The raw (still encoded) snapshot of exercise ``name``."""
    path = snapshot_path(name, directory)
    if not path.is_file():
        raise FileNotFoundError(f"no snapshot for exercise {name!r} at {path}; "
                                "regenerate with: python scripts/make_exercise_snapshots.py")
    return json.loads(path.read_text(encoding="utf-8"))


def load_cases(name: str, directory: Path | None = None) -> list[dict]:
    """The cases of exercise ``name``, tensors decoded: ``[{"name", "inputs", "expected"}, ...]``."""
    return [decode(case) for case in load_snapshot(name, directory)["cases"]]


def dump_snapshot(snapshot: dict) -> str:
    """The file text: the header fields indented, then one case per line (long, but each diff names its case)."""
    snapshot = encode(snapshot)
    head = {k: v for k, v in snapshot.items() if k != "cases"}
    lines = json.dumps(head, indent=1, ensure_ascii=False)[:-2].splitlines()  # without the closing "\n}"
    cases = [json.dumps(case, ensure_ascii=False) for case in snapshot["cases"]]
    return "\n".join(lines) + ',\n "cases": [\n  ' + ",\n  ".join(cases) + "\n ]\n}\n"
