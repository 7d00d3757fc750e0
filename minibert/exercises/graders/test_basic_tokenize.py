"""Grader for exercise 2, ``basic_tokenize``."""

from minibert.exercises.graders.common import assert_list, call, diagnose
from minibert.exercises.mistakes.basic_tokenize import MISTAKES

# Exact: words are strings, there is nothing to round.


def test_basic_tokenize(impl, case):
    text = case["inputs"]["text"]
    words = call(impl("basic_tokenize"), text)
    with diagnose(words, MISTAKES, case["inputs"]):
        assert_list(f"{case['name']}: basic_tokenize({text!r})", words, case["expected"]["words"])
