"""Grader for exercise 21, ``tf_to_hf_keys``."""

from minibert.exercises.compare import GradeFailure
from minibert.exercises.graders.common import assert_list, call, diagnose
from minibert.exercises.mistakes.tf_to_hf_keys import MISTAKES

# Exact: keys are strings, transposes booleans.


def test_tf_to_hf_keys(impl, case):
    names = list(case["inputs"]["names"])
    got = call(impl("tf_to_hf_keys"), list(names))
    what = f"{case['name']}: tf_to_hf_keys({len(names)} names)"
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        raise GradeFailure(f"{what}: expected a pair (keys, transpose), got {got!r}")
    got = [list(part) if isinstance(part, (list, tuple)) else part for part in got]
    with diagnose(got, MISTAKES, case["inputs"]):
        for kind, part, expected in zip(("keys", "transpose"), got, (case["expected"]["keys"],
                                                                      case["expected"]["transpose"])):
            if isinstance(part, list) and len(part) == len(names):
                wrong = next((j for j, (g, e) in enumerate(zip(part, expected)) if g != e), None)
                if wrong is not None:
                    raise GradeFailure(f"{what}: {kind} of {names[wrong]!r}: got {part[wrong]!r}, "
                                       f"expected {expected[wrong]!r}")
            assert_list(f"{what}: {kind}", part, expected)
