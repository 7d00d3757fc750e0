"""Grader for exercise 15, ``qa_best_span``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose, unpack
from minibert.exercises.mistakes.qa_best_span import MISTAKES

# start/end exact (positions). score atol 1e-6: one fp32 addition of two logits, so any correct code gives
# the identical float; the tolerance only forgives a float64 detour. Spans in the snapshots win by > 0.1,
# so there are no ties to break.
SCORE_ATOL = 1e-6


def test_qa_best_span(impl, case):
    inputs, expected = case["inputs"], case["expected"]

    def example(i):
        allowed = inputs["allowed"][i[0]].nonzero().reshape(-1).tolist()
        return (f"example {i[0]}: expected span ({expected['start'][i[0]].item()}, {expected['end'][i[0]].item()}), "
                f"allowed positions {allowed}, max_answer_length {inputs['max_answer_length']}")

    out = call(impl("qa_best_span"), **inputs)
    with diagnose(out, MISTAKES, inputs, atol=SCORE_ATOL):
        start, end, score = unpack(f"{case['name']}: qa_best_span(...)", out, ("start", "end", "score"))
        assert_tensor(f"{case['name']}: start", start, expected["start"], at=example)
        assert_tensor(f"{case['name']}: end", end, expected["end"], at=example)
        assert_tensor(f"{case['name']}: score", score, expected["score"], atol=SCORE_ATOL, at=example)
