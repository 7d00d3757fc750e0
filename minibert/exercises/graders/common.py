"""What every grader file imports: its snapshot's cases as pytest parameters, the checks, and the diagnosis."""

from __future__ import annotations

import pytest

from minibert.exercises.compare import assert_floats, assert_list, assert_tensor, call, unpack
from minibert.exercises.diagnosis import diagnose
from minibert.exercises.snapshot_io import load_cases

__all__ = ["assert_floats", "assert_list", "assert_tensor", "call", "cases", "diagnose", "unpack"]


def cases(name: str) -> list:
    """The snapshot cases of exercise ``name``, each a pytest parameter whose id is the case name."""
    return [pytest.param(case, id=case["name"]) for case in load_cases(name)]
