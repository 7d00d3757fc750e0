"""Grader for exercise 7, ``split_heads``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases

# Exact: splitting heads only moves values around.


@pytest.mark.parametrize("case", cases("split_heads"))
def test_split_heads(impl, case):
    out = call(impl("split_heads"), **case["inputs"])
    assert_tensor(f"{case['name']}: split_heads output", out, case["expected"]["heads"])
