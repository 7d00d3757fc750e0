"""Grader for exercise 20, ``pair_inputs``."""

from minibert.exercises.compare import GradeFailure
from minibert.exercises.graders.common import assert_list, call, diagnose
from minibert.exercises.mistakes.pair_inputs import MISTAKES

# Exact: ids and token types are integers.


def test_pair_inputs(impl, case):
    i = case["inputs"]
    got = call(impl("pair_inputs"), list(i["ids_a"]), None if i["ids_b"] is None else list(i["ids_b"]),
               i["cls_id"], i["sep_id"])
    what = f"{case['name']}: pair_inputs(ids_a={i['ids_a']}, ids_b={i['ids_b']}, cls_id={i['cls_id']}, " \
           f"sep_id={i['sep_id']})"
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        raise GradeFailure(f"{what}: expected a pair (input_ids, token_type_ids), got {got!r}")
    got = [list(part) if isinstance(part, (list, tuple)) else part for part in got]
    with diagnose(got, MISTAKES, i):
        assert_list(f"{what}: input_ids", got[0], case["expected"]["input_ids"])
        assert_list(f"{what}: token_type_ids", got[1], case["expected"]["token_type_ids"])
