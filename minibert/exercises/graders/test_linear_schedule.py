"""Grader for exercise 14, ``linear_schedule``."""

from minibert.exercises.graders.common import assert_floats, call, diagnose
from minibert.exercises.mistakes.linear_schedule import MISTAKES

# atol 1e-12: plain float64 arithmetic on small integers; writing the decay as 1 - progress instead of
# remaining / length changes the result by ~1e-16 at most. Any formula mistake is >= 1/total.
ATOL = 1e-12


def test_linear_schedule(impl, case):
    i = case["inputs"]
    fn = impl("linear_schedule")
    factors = [call(fn, step, i["num_warmup_steps"], i["num_training_steps"]) for step in i["steps"]]
    with diagnose(factors, MISTAKES, i, atol=ATOL):
        assert_floats(f"{case['name']}: linear_schedule(step, num_warmup_steps={i['num_warmup_steps']}, "
                      f"num_training_steps={i['num_training_steps']})", factors, case["expected"]["factors"],
                      atol=ATOL, at=lambda j: f"step={i['steps'][j[0]]}")
