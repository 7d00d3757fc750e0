"""Grader for exercise 3, ``wordpiece``."""

from minibert.exercises.graders.common import assert_list, call, diagnose
from minibert.exercises.mistakes.wordpiece import MISTAKES

# Exact: pieces are strings.


def test_wordpiece(impl, case):
    i = {**case["inputs"], "vocab": set(case["inputs"]["vocab"])}
    pieces = call(impl("wordpiece"), i["word"], i["vocab"], unk_token=i["unk_token"],
                  max_input_chars_per_word=i["max_input_chars_per_word"])
    what = f"{case['name']}: wordpiece({i['word']!r}, max_input_chars_per_word={i['max_input_chars_per_word']})"
    with diagnose(pieces, MISTAKES, i):
        assert_list(what, pieces, case["expected"]["pieces"])
