"""Grader for exercise 11, ``pooler``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.pooler import MISTAKES

# atol 1e-6: one matmul and a tanh (bounded by 1), so fp32 rounding stays below 1e-6 whatever the
# summation order; mean pooling instead of position 0 is off by 1.5 (batch_of_three).
ATOL = 1e-6


def test_pooler(impl, case):
    T = case["inputs"]["hidden_states"].shape[1]
    out = call(impl("pooler"), **case["inputs"])
    with diagnose(out, MISTAKES, case["inputs"], atol=ATOL):
        assert_tensor(f"{case['name']}: pooled output", out, case["expected"]["pooled"], atol=ATOL,
                      at=lambda i: f"sequence {i[0]} of hidden_states, its {T} positions, feature {i[1]}")
