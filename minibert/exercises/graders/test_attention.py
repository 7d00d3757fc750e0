"""Grader for exercise 9, ``attention``."""

from minibert.exercises.graders.common import assert_tensor, call, diagnose, unpack
from minibert.exercises.mistakes.attention import MISTAKES

# atol 1e-5 (fp32 parity bar) on both outputs. A hand-written softmax (exp of max-subtracted scores over
# their sum) or torch.softmax, matmul or einsum: all agree to ~5e-7 (measured against torch's sdpa and
# minibert's BertSelfAttention by the snapshot script). A missing 1/sqrt(d), a 1/d scaling, the mask applied
# after the softmax or the head mask before it change probabilities by more than 1e-2.
ATOL = 1e-5


def where(inputs, i):
    """Batch, head, query (and key) of an output index, with the masks' values there."""
    b, h, q = i[:3]
    text = f"batch {b}, head {h}, query {q}"
    mask, head_mask = inputs["attention_mask"], inputs["head_mask"]
    if len(i) == 4:  # a probability: one query, one key
        text += f", key {i[3]}"
        if mask is not None:
            text += f"; attention_mask there {mask.expand(-1, -1, inputs['q'].shape[2], -1)[b, 0, q, i[3]].item():.3g}"
    if head_mask is not None:
        text += f"; head_mask {head_mask.reshape(-1)[h].item():g}"
    return text


def test_attention(impl, case):
    out = call(impl("attention"), **case["inputs"])
    with diagnose(out, MISTAKES, case["inputs"], atol=ATOL):
        context, probs = unpack(f"{case['name']}: attention(...)", out, ("context", "probs"))
        assert_tensor(f"{case['name']}: probs", probs, case["expected"]["probs"], atol=ATOL,
                      at=lambda i: where(case["inputs"], i))
        assert_tensor(f"{case['name']}: context", context, case["expected"]["context"], atol=ATOL,
                      at=lambda i: where(case["inputs"], i[:3]))
