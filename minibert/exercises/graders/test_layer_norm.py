"""Grader for exercise 4, ``layer_norm``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases

# atol 1e-5, the project's fp32 parity bar. A two-pass mean/variance in fp32 agrees with
# torch.nn.functional.layer_norm to 1.1e-6 on these inputs (snapshot script); mistakes are far larger:
# the unbiased variance (divide by C - 1) is off by ~1e-2 for C = 16, eps outside the root by ~eps/std
# only where eps is large (the 1e-3 case catches it), a missing mean subtraction by ~1 (the offset case).
ATOL = 1e-5


@pytest.mark.parametrize("case", cases("layer_norm"))
def test_layer_norm(impl, case):
    y = call(impl("layer_norm"), **case["inputs"])
    assert_tensor(f"{case['name']}: layer_norm output", y, case["expected"]["y"], atol=ATOL)
