"""Grader for exercise 8, ``merge_heads``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases

# Exact: merging heads only moves values around.


@pytest.mark.parametrize("case", cases("merge_heads"))
def test_merge_heads(impl, case):
    out = call(impl("merge_heads"), **case["inputs"])
    assert_tensor(f"{case['name']}: merge_heads output", out, case["expected"]["merged"])
