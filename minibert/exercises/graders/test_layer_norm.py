"""Grader for exercise 4, ``layer_norm``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.layer_norm import MISTAKES

# atol 1e-5, the project's fp32 parity bar. A two-pass mean/variance in fp32 agrees with
# torch.nn.functional.layer_norm to 1.1e-6 on these inputs (snapshot script); mistakes are far larger:
# the unbiased variance (divide by C - 1) is off by 0.1, eps outside the root by 1.4e-3 (visible only in
# the eps = 1e-3 case), a missing mean subtraction by 0.4 to 11.
ATOL = 1e-5


def test_layer_norm(impl, case):
    x = case["inputs"]["x"]

    def row(i):  # the input vector the worst value came from
        v = x[i[:-1]]
        return f"row x[{', '.join(map(str, i[:-1]))}]: mean {v.mean():.4g}, variance {v.var(unbiased=False):.4g}"

    y = call(impl("layer_norm"), **case["inputs"])
    with diagnose(y, MISTAKES, case["inputs"], atol=ATOL):
        assert_tensor(f"{case['name']}: layer_norm output", y, case["expected"]["y"], atol=ATOL, at=row)
