"""Grader for exercise 15, ``qa_best_span``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases, unpack

# start/end exact (positions). score atol 1e-6: one fp32 addition of two logits, so any correct code gives
# the identical float; the tolerance only forgives a float64 detour. Spans in the snapshots win by > 0.1,
# so there are no ties to break.
SCORE_ATOL = 1e-6


@pytest.mark.parametrize("case", cases("qa_best_span"))
def test_qa_best_span(impl, case):
    out = call(impl("qa_best_span"), **case["inputs"])
    start, end, score = unpack(f"{case['name']}: qa_best_span(...)", out, ("start", "end", "score"))
    expected = case["expected"]
    assert_tensor(f"{case['name']}: start", start, expected["start"])
    assert_tensor(f"{case['name']}: end", end, expected["end"])
    assert_tensor(f"{case['name']}: score", score, expected["score"], atol=SCORE_ATOL)
