"""Grader for exercise 12, ``mlm_masking``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases, unpack

# Exact: token ids and labels are integers; with the random numbers given, there is one right answer.


@pytest.mark.parametrize("case", cases("mlm_masking"))
def test_mlm_masking(impl, case):
    inputs = case["inputs"]
    original = inputs["input_ids"].clone()
    out = call(impl("mlm_masking"), **inputs)
    masked, labels = unpack(f"{case['name']}: mlm_masking(...)", out, ("masked_input_ids", "labels"))
    assert_tensor(f"{case['name']}: input_ids after the call (must not be modified in place)",
                  inputs["input_ids"], original)
    assert_tensor(f"{case['name']}: labels", labels, case["expected"]["labels"])
    assert_tensor(f"{case['name']}: masked_input_ids", masked, case["expected"]["masked_input_ids"])
