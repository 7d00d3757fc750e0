"""Grader for exercise 13, ``prune_heads_index``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.prune_heads_index import MISTAKES

# Exact, dtype int64 included: indices are integers (and index_select wants int64).


def test_prune_heads_index(impl, case):
    i = case["inputs"]
    index = call(impl("prune_heads_index"), list(i["heads"]), i["n_heads"], i["head_size"], list(i["already_pruned"]))
    what = (f"{case['name']}: prune_heads_index(heads={i['heads']}, n_heads={i['n_heads']}, "
            f"head_size={i['head_size']}, already_pruned={i['already_pruned']})")
    with diagnose(index, MISTAKES, i):  # the whole input is in `what`
        assert_tensor(what, index, case["expected"]["index"])
