"""Grader for exercise 18, ``ner_label_alignment``."""

from minibert.exercises.graders.common import assert_list, call, diagnose
from minibert.exercises.mistakes.ner_label_alignment import MISTAKES

# Exact: integer labels, one right answer per piece.


def test_ner_label_alignment(impl, case):
    inputs, expected = case["inputs"], case["expected"]
    out = call(impl("ner_label_alignment"), **inputs)
    with diagnose(out, MISTAKES, inputs):
        assert_list(f"{case['name']}: labels per piece (word_ids {inputs['word_ids']}, word_labels "
                    f"{inputs['word_labels']})", out, expected["labels"])
