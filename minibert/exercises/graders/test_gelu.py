"""Grader for exercise 1, ``gelu``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.gelu import MISTAKES

# atol 1e-6 + rtol 1e-6. The erf formula in fp32 agrees with torch's fused kernel to 5.4e-7 (measured by
# the snapshot script; that is at x = 15, half a float32 ulp of 15), hence the relative term for large x.
# The tanh approximation ("gelu_new") is off by up to ~5e-4 near |x| = 2, so it cannot pass.
ATOL, RTOL = 1e-6, 1e-6


def test_gelu(impl, case):
    x = case["inputs"]["x"]
    y = call(impl("gelu"), **case["inputs"])
    with diagnose(y, MISTAKES, case["inputs"], atol=ATOL, rtol=RTOL):  # a failure names the known mistake
        assert_tensor(f"{case['name']}: gelu(x)", y, case["expected"]["y"], atol=ATOL, rtol=RTOL,
                      at=lambda i: f"x = {x[i].item():.6g}")
