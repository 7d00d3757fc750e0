"""Grader for exercise 4, ``layer_norm``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases

# atol 1e-5, the project's fp32 parity bar. A two-pass mean/variance in fp32 agrees with
# torch.nn.functional.layer_norm to 1.1e-6 on these inputs (snapshot script); mistakes are far larger:
# the unbiased variance (divide by C - 1) is off by 0.1, eps outside the root by 1.4e-3 (visible only in
# the eps = 1e-3 case), a missing mean subtraction by 0.4 to 11.
ATOL = 1e-5


@pytest.mark.parametrize("case", cases("layer_norm"))
def test_layer_norm(impl, case):
    y = call(impl("layer_norm"), **case["inputs"])
    assert_tensor(f"{case['name']}: layer_norm output", y, case["expected"]["y"], atol=ATOL)
