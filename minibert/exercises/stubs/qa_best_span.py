"""Exercise 15: decode the answer span of extractive question answering (BERT §4.2, SQuAD).

Lesson: ``best_span`` in minibert/training/metrics.py. Grade: ``python -m minibert.exercises grade qa_best_span``.
"""

from __future__ import annotations

import torch


def qa_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, allowed: torch.Tensor,
                 max_answer_length: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For each example, the span (s, e) with the highest score start_logits[s] + end_logits[e] among spans with

        * s <= e (the answer ends after it starts),
        * e - s + 1 <= max_answer_length (at most that many tokens),
        * allowed[s] and allowed[e] both True (inside the context: not the question, not [CLS]/[SEP]/padding).

    Args:
        start_logits, end_logits: float32 ``(B, T)``.
        allowed: bool ``(B, T)``; every example has at least one allowed position.
        max_answer_length: a positive int.

    Returns:
        ``(start, end, score)``: start and end int64 ``(B,)``, score float32 ``(B,)``.

    Hints: a ``(B, T, T)`` table of start + end scores (broadcasting), a ``(T, T)`` validity mask
    (``torch.arange``), ``masked_fill`` with ``-inf``, then an argmax over the flattened table; row = start,
    column = end. A double loop over s and e is fine too: T is small.
    """
    raise NotImplementedError("exercise qa_best_span: not implemented yet — replace this line with your code")
