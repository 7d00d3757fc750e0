"""Grader for exercise 10, ``add_and_norm``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.add_and_norm import MISTAKES

# atol 1e-5 (fp32 parity bar): a different matmul/LayerNorm reduction order moves results by < 1e-6;
# LayerNorm(dense(h)) without the residual, or the residual added after the LayerNorm, is off by O(1).
ATOL = 1e-5


def test_add_and_norm(impl, case):
    out = call(impl("add_and_norm"), **case["inputs"])
    with diagnose(out, MISTAKES, case["inputs"], atol=ATOL):
        assert_tensor(f"{case['name']}: add_and_norm output", out, case["expected"]["y"], atol=ATOL,
                      at=lambda i: f"sequence {i[0]}, position {i[1]}: hidden_states[{i[0]}, {i[1]}] and "
                                   f"input_tensor[{i[0]}, {i[1]}]")
