"""Exercise 15, typical mistakes: the span rules (start <= end, the length limit, allowed positions)."""

import torch

from minibert.exercises.diagnosis import Mistake


def best(start_logits, end_logits, allowed, max_answer_length, *, ordered=True, longest=None, check_allowed=True):
    """The best span with one rule changed; ``longest`` is the largest e - s allowed (right: max_answer_length - 1)."""
    B, T = start_logits.shape
    longest = max_answer_length - 1 if longest is None else longest
    s, e = torch.arange(T)[:, None], torch.arange(T)[None, :]
    valid = (e - s <= longest) & ((s <= e) if ordered else torch.ones(T, T, dtype=torch.bool))
    if check_allowed:
        valid = valid & allowed[:, :, None] & allowed[:, None, :]
    scores = (start_logits[:, :, None] + end_logits[:, None, :]).masked_fill(~valid, float("-inf"))
    top = scores.reshape(B, -1).max(-1)
    return top.indices // T, top.indices % T, top.values


MISTAKES = [
    Mistake("end_before_start",
            "Probably spans that end before they start are allowed (as when the best start and the best end are "
            "chosen independently): score each pair with s <= e only.",
            lambda **i: best(**i, ordered=False)),
    Mistake("length_ignored",
            "Probably max_answer_length is ignored (as when the best start and the best end are chosen "
            "independently): a span has e - s + 1 <= max_answer_length tokens.",
            lambda **i: best(**i, longest=10**9)),
    Mistake("length_off_by_one",
            "Probably the length limit is off by one: a span of max_answer_length tokens has e - s + 1 == "
            "max_answer_length, so e <= s + max_answer_length - 1.",
            lambda **i: best(**i, longest=i["max_answer_length"])),
    Mistake("allowed_ignored",
            "Probably `allowed` is ignored: both s and e must be allowed positions (inside the context).",
            lambda **i: best(**i, check_allowed=False)),
]
