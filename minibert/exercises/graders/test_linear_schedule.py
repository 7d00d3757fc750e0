"""Grader for exercise 14, ``linear_schedule``."""

import pytest

from minibert.exercises.graders.common import assert_float, call, cases

# atol 1e-12: plain float64 arithmetic on small integers; writing the decay as 1 - progress instead of
# remaining / length changes the result by ~1e-16 at most. Any formula mistake is >= 1/total.
ATOL = 1e-12


@pytest.mark.parametrize("case", cases("linear_schedule"))
def test_linear_schedule(impl, case):
    i = case["inputs"]
    fn = impl("linear_schedule")
    for step, expected in zip(i["steps"], case["expected"]["factors"]):
        got = call(fn, step, i["num_warmup_steps"], i["num_training_steps"])
        assert_float(f"{case['name']}: linear_schedule(step={step}, num_warmup_steps={i['num_warmup_steps']}, "
                     f"num_training_steps={i['num_training_steps']})", got, expected, atol=ATOL)
