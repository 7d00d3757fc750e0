"""Grader for exercise 5, ``embeddings``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose
from minibert.exercises.mistakes.embeddings import MISTAKES

# atol 1e-5 (fp32 parity bar): summation order of the three embeddings and LayerNorm's reduction order
# move results by ~5e-7 (measured against minibert.BertEmbeddings by the snapshot script); a wrong table
# row or a missing term moves them by O(1).
ATOL = 1e-5


def test_embeddings(impl, case):
    ids, types = case["inputs"]["input_ids"], case["inputs"]["token_type_ids"]
    out = call(impl("embeddings"), **case["inputs"])
    with diagnose(out, MISTAKES, case["inputs"], atol=ATOL):
        assert_tensor(f"{case['name']}: embeddings output", out, case["expected"]["embeddings"], atol=ATOL,
                      at=lambda i: f"sequence {i[0]}, position {i[1]}: input_ids {ids[i[:2]].item()}, "
                                   f"token_type_ids {types[i[:2]].item()}")
