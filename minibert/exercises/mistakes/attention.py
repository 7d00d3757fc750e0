"""Exercise 9, typical mistakes: the scaling, the softmax axis, where and how the masks apply."""

import math

from minibert.exercises.diagnosis import Mistake


def attend(q, k, v, attention_mask=None, head_mask=None, *, scale=None, axis=-1, mask="add", head="after",
           probs_before_head_mask=False):
    """Scaled dot-product attention with one step changed; the keywords say which, the defaults are right."""
    scale = math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ k.transpose(-1, -2) / scale
    if attention_mask is not None and mask == "add":
        scores = scores + attention_mask
    elif attention_mask is not None and mask == "multiply":
        scores = scores * attention_mask
    if head_mask is not None and head == "before":
        scores = scores * head_mask
    probs = scores.softmax(dim=axis)
    if attention_mask is not None and mask == "add_after":
        probs = probs + attention_mask
    elif attention_mask is not None and mask == "zero_after":
        probs = probs * (attention_mask == 0)
    shown = probs
    if head_mask is not None and head == "after":
        probs = probs * head_mask
    return probs @ v, shown if probs_before_head_mask else probs


MISTAKES = [
    Mistake("no_scaling",
            "Probably the scores are not scaled: divide Q Kᵀ by √d, d = q.shape[-1], before the softmax.",
            lambda **i: attend(**i, scale=1.0)),
    Mistake("scaled_by_d",
            "Probably Q Kᵀ divided by d instead of √d (d = q.shape[-1]): use math.sqrt(d).",
            lambda **i: attend(**i, scale=i["q"].shape[-1])),
    Mistake("softmax_over_queries",
            "Probably the softmax runs over the queries (dim=-2): each row of probs must sum to 1 over the KEYS, "
            "softmax(dim=-1).",
            lambda **i: attend(**i, axis=-2)),
    Mistake("multiplicative_mask",
            "Probably the mask is multiplied into the scores: attention_mask is ADDITIVE (0 keeps a key, a huge "
            "negative number removes it); scores + attention_mask.",
            lambda **i: attend(**i, mask="multiply")),
    Mistake("mask_added_after_softmax",
            "Probably the mask is applied after the softmax: add it to the scores BEFORE the softmax, so that "
            "padding keys get probability 0 and each row still sums to 1.",
            lambda **i: attend(**i, mask="add_after")),
    Mistake("keys_zeroed_after_softmax",
            "Probably the padding keys are zeroed after the softmax, so rows no longer sum to 1: add the mask to "
            "the scores BEFORE the softmax instead.",
            lambda **i: attend(**i, mask="zero_after")),
    Mistake("mask_ignored",
            "Probably attention_mask is ignored: padding keys get attention; add it to the scores before the "
            "softmax.",
            lambda **i: attend(**i, mask=None)),
    Mistake("head_mask_before_softmax",
            "Probably the head mask multiplies the scores before the softmax: it multiplies the PROBABILITIES, "
            "after the softmax (a 0 then silences the head).",
            lambda **i: attend(**i, head="before")),
    Mistake("head_mask_ignored",
            "Probably head_mask is ignored: multiply the probabilities by it after the softmax.",
            lambda **i: attend(**i, head=None)),
    Mistake("probs_before_head_mask",
            "Probably the probabilities are returned before the head mask: return probs AFTER multiplying by "
            "head_mask (the same probs that multiply V).",
            lambda **i: attend(**i, probs_before_head_mask=True)),
]
