"""Grader for exercise 8, ``merge_heads``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.merge_heads import MISTAKES

# Exact: merging heads only moves values around.


def test_merge_heads(impl, case):
    d = case["inputs"]["x"].shape[-1]
    out = call(impl("merge_heads"), **case["inputs"])
    with diagnose(out, MISTAKES, case["inputs"]):
        assert_tensor(f"{case['name']}: merge_heads output", out, case["expected"]["merged"],
                      at=lambda i: f"out[b, t, f] = {tuple(i)} must be x[{i[0]}, {i[2] // d}, {i[1]}, {i[2] % d}]")
