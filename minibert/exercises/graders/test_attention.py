"""Grader for exercise 9, ``attention``."""

import pytest

from minibert.exercises.graders.common import assert_tensor, call, cases, unpack

# atol 1e-5 (fp32 parity bar) on both outputs. A hand-written softmax (exp of max-subtracted scores over
# their sum) or torch.softmax, matmul or einsum: all agree to ~5e-7 (measured against torch's sdpa and
# minibert's BertSelfAttention by the snapshot script). A missing 1/sqrt(d), a 1/d scaling, the mask applied
# after the softmax or the head mask before it change probabilities by more than 1e-2.
ATOL = 1e-5


@pytest.mark.parametrize("case", cases("attention"))
def test_attention(impl, case):
    out = call(impl("attention"), **case["inputs"])
    context, probs = unpack(f"{case['name']}: attention(...)", out, ("context", "probs"))
    assert_tensor(f"{case['name']}: probs", probs, case["expected"]["probs"], atol=ATOL)
    assert_tensor(f"{case['name']}: context", context, case["expected"]["context"], atol=ATOL)
