"""Self-check of the student release: ``python check.py [NAME ...] [--impl FOLDER]``.

This file is copied into the folder ``python -m minibert.exercises release OUT`` writes, as ``OUT/check.py``.
It imports only the standard library and torch, never minibert: the release carries no solution, so this
check cannot compute an expected output. It grades the SHIPPED cases only (``snapshots/<name>.json``, whose
expected outputs were computed by the reference solutions when the snapshots were made), and names a
catalogued mistake by comparing the learner's output with the outputs that mistake gave on the same case
(stored in the snapshot beside the expected ones): the numbers, never the mistake's code.

A pass here is a good sign, not a grade: the instructor's ``grade --batch`` also draws fresh cases and
computes their answers with the reference solutions, which a student's copy does not have.
Exit code: 0 when every exercise checked passes, 1 when one fails, 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "snapshots"
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
          "float64": torch.float64, "int64": torch.int64, "int32": torch.int32, "bool": torch.bool}


def decode(value):
    """A snapshot value -> tensors, dtypes, lists and plain values (the format of snapshot_io.py)."""
    if isinstance(value, dict):
        if value.get("__tensor__"):
            return torch.tensor(value["data"], dtype=DTYPES[value["dtype"]]).reshape(value["shape"])
        if "__dtype__" in value:
            return DTYPES[value["__dtype__"]]
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def same(got, want, atol: float, rtol: float) -> bool:
    """``got`` equals ``want``: tensors of one shape and dtype within tolerance, lists item by item."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor) or got.shape != want.shape or got.dtype != want.dtype:
            return False
        g, w = got.detach().cpu(), want
        if not w.dtype.is_floating_point:
            return bool((g == w).all())
        g, w = g.double(), w.double()
        close = ((g - w).abs() <= atol + rtol * w.abs()) | (g == w) | (g.isnan() & w.isnan())
        return bool(close.all())
    if isinstance(want, list):
        return (isinstance(got, (list, tuple)) and len(got) == len(want)
                and all(same(g, w, atol, rtol) for g, w in zip(got, want)))
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return abs(got - want) <= atol + rtol * abs(want)
    return got == want


def difference(got, want, atol: float, rtol: float) -> str:
    """What differs between ``got`` and the expected ``want``, in one phrase (only called when they differ)."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"expected a torch.Tensor of shape {tuple(want.shape)}, got {type(got).__name__}"
        if got.shape != want.shape or got.dtype != want.dtype:
            return f"got {tuple(got.shape)} {got.dtype}, expected {tuple(want.shape)} {want.dtype}"
        g, w = got.detach().cpu().double(), want.double()
        diff = (g - w).abs().nan_to_num(nan=float("inf"))
        bad = ~((diff <= atol + rtol * w.abs()) | (g == w) | (g.isnan() & w.isnan()))
        return (f"{int(bad.sum())} of {want.numel()} values differ, max abs diff {diff[bad].max().item():.3g} "
                f"(tolerance atol={atol:g}, rtol={rtol:g})")
    if isinstance(want, list) and isinstance(got, (list, tuple)):
        i = next((i for i, (g, w) in enumerate(zip(got, want)) if not same(g, w, atol, rtol)), None)
        if i is None:
            return f"got {len(got)} items, expected {len(want)}"
        return f"first difference at position {i}: got {got[i]!r}, expected {want[i]!r}"
    return f"got {got!r}, expected {want!r}"


def load_function(folder: Path, name: str):
    """The function ``name`` from ``folder/<name>.py``; its folder comes first on sys.path (neighbour imports)."""
    path = folder / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no {path} (the release's exercises/ folder has one stub per exercise)")
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(f"_student_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    fn = getattr(module, name, None)
    if not callable(fn):
        raise AttributeError(f"{path} defines no function {name!r}")
    return fn


def run(fn, how: str, inputs: dict):
    """Call the learner's function on one case's inputs, as the instructor's grader does."""
    if how == "wordpiece":
        return fn(**{**inputs, "vocab": set(inputs["vocab"])})
    if how == "per_step":
        return [fn(s, inputs["num_warmup_steps"], inputs["num_training_steps"]) for s in inputs["steps"]]
    return fn(**inputs)


def check_case(fn, spec: dict, says: dict, case: dict) -> str:
    """"" when the case passes, else one sentence: the mistake recognised (if any), then what differs."""
    try:
        got = run(fn, spec["call"], decode(case["inputs"]))
    except NotImplementedError:
        return "not implemented yet"
    except Exception as err:  # the learner's code raised: say what, as the grader would
        return f"raised {type(err).__name__}: {err}"
    names, atol, rtol = spec["outputs"], case.get("atol", spec["atol"]), spec["rtol"]  # a case may carry its own
    expected = [decode(case["expected"][n]) for n in names]
    outputs = [got] if len(names) == 1 else got
    if len(names) > 1 and (not isinstance(got, (tuple, list)) or len(got) != len(names)):
        problem = f"expected a tuple of {len(names)} outputs ({', '.join(names)})"
    else:
        problem = next((f"{n}: {difference(g, e, atol, rtol)}" for n, g, e in zip(names, outputs, expected)
                        if not same(g, e, atol, rtol)), "")
    if not problem:
        return ""
    theirs = [key for key, value in case.get("mistake_outputs", {}).items()
              if same(got, decode(value), atol, max(rtol, 1e-6))]
    named = " Or, ".join(says[key] for key in theirs)
    return f"{named} (your output equals what mistake {', '.join(theirs)} gives) — {problem}" if theirs else problem


def check(name: str, folder: Path) -> tuple[bool, str]:
    """(passed, first problem) of exercise ``name`` over the snapshot's cases."""
    snapshot = json.loads((SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8"))
    says = {m["key"]: m["says"] for m in snapshot.get("mistakes", [])}
    try:
        fn = load_function(folder, name)
    except Exception as err:
        return False, f"could not load your {name}.py: {type(err).__name__}: {err}"
    for case in snapshot["cases"]:
        problem = check_case(fn, snapshot["self_check"], says, case)
        if problem:
            return False, f"case {case['name']}: {problem}"
    return True, f"{len(snapshot['cases'])} shipped cases match"


def main(argv: list[str] | None = None) -> int:
    known = sorted(p.stem for p in SNAPSHOTS.glob("*.json"))
    parser = argparse.ArgumentParser(prog="python check.py", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"exercises (default: all): {', '.join(known)}")
    parser.add_argument("--impl", type=Path, default=HERE / "exercises",
                        help="the folder with your <name>.py files (default: exercises/ beside this file)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in known]
    if unknown:
        print(f"error: unknown exercise {unknown[0]!r}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    names = args.names or known
    results = [(name, *check(name, args.impl.resolve())) for name in names]
    for name, passed, message in results:
        print(f"{name:18s} {'PASS' if passed else 'FAIL'}  {message}")
    n_pass = sum(passed for _, passed, _ in results)
    print(f"{n_pass}/{len(results)} exercises pass the shipped cases (the instructor's grading also draws fresh "
          "cases: it is the grade)")
    return 0 if n_pass == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
