"""What every grader file imports: the checks and the diagnosis; and the cases each grader runs on."""

from __future__ import annotations

import pytest

from minibert.exercises.compare import assert_floats, assert_list, assert_tensor, call, unpack
from minibert.exercises.diagnosis import diagnose
from minibert.exercises.drawn import draw
from minibert.exercises.snapshot_io import load_cases

__all__ = ["assert_floats", "assert_list", "assert_tensor", "call", "cases", "diagnose", "unpack"]


def cases(name: str, seed: int) -> list:
    """The snapshot cases of exercise ``name`` and the cases drawn from ``seed`` (minibert/exercises/drawn.py),
    each a pytest parameter whose id is the case name. Drawn here, at collection, before any learner code runs."""
    return [pytest.param(case, id=case["name"]) for case in load_cases(name) + draw(name, seed)]
