"""Grader for exercise 19, ``qa_windows``."""

from minibert.exercises.compare import GradeFailure
from minibert.exercises.graders.common import assert_list, call, diagnose
from minibert.exercises.mistakes.qa_windows import MISTAKES

# Exact: integer token positions, one right answer.


def as_pairs(what: str, got) -> list:
    """The output as a list of (start, end) tuples of ints (a list of lists is as good), or a GradeFailure."""
    if not isinstance(got, (list, tuple)):
        raise GradeFailure(f"{what}: expected a list of (start, end) tuples, got {type(got).__name__}: {got!r:.200}")
    pairs = []
    for item in got:
        if (not isinstance(item, (list, tuple)) or len(item) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in item)):
            raise GradeFailure(f"{what}: expected (start, end) pairs of ints, got the item {item!r:.100} "
                               f"(in {got!r:.200})")
        pairs.append(tuple(item))
    return pairs


def test_qa_windows(impl, case):
    inputs, expected = case["inputs"], case["expected"]
    out = call(impl("qa_windows"), **inputs)
    what = (f"{case['name']}: windows of qa_windows(question_tokens={inputs['question_tokens']}, context_tokens="
            f"{inputs['context_tokens']}, max_length={inputs['max_length']}, stride={inputs['stride']})")
    with diagnose(out, MISTAKES, inputs):
        assert_list(what, as_pairs(what, out), [tuple(w) for w in expected["windows"]])
