"""Grader for exercise 5, ``embeddings``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases

# atol 1e-5 (fp32 parity bar): summation order of the three embeddings and LayerNorm's reduction order
# move results by ~5e-7 (measured against minibert.BertEmbeddings by the snapshot script); a wrong table
# row or a missing term moves them by O(1).
ATOL = 1e-5


@pytest.mark.parametrize("case", cases("embeddings"))
def test_embeddings(impl, case):
    out = call(impl("embeddings"), **case["inputs"])
    assert_tensor(f"{case['name']}: embeddings output", out, case["expected"]["embeddings"], atol=ATOL)
