"""Grader for exercise 7, ``split_heads``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.split_heads import MISTAKES

# Exact: splitting heads only moves values around.


def test_split_heads(impl, case):
    x, H = case["inputs"]["x"], case["inputs"]["num_heads"]
    d = x.shape[-1] // H
    out = call(impl("split_heads"), **case["inputs"])
    with diagnose(out, MISTAKES, case["inputs"]):
        assert_tensor(f"{case['name']}: split_heads output", out, case["expected"]["heads"],
                      at=lambda i: f"out[b, h, t, i] = {tuple(i)} must be x[{i[0]}, {i[2]}, {i[1] * d + i[3]}]")
