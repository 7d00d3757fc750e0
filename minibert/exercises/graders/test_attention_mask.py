"""Grader for exercise 6, ``attention_mask``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases

# Exact, dtype included: every value is either 0 or torch.finfo(dtype).min, so -inf, -1e4, -1e9 or a
# float32 minimum cast to float16 (-inf) are all wrong, and exactly so.


@pytest.mark.parametrize("case", cases("attention_mask"))
def test_attention_mask(impl, case):
    out = call(impl("attention_mask"), **case["inputs"])
    assert_tensor(f"{case['name']}: additive mask", out, case["expected"]["mask"])
