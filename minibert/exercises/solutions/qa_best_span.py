"""Exercise 15, reference solution: extractive question answering's answer span (BERT §4.2, SQuAD)."""

from __future__ import annotations

import torch


def qa_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, allowed: torch.Tensor,
                 max_answer_length: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """argmax over spans s <= e < s + max_answer_length, both allowed, of start_logits[s] + end_logits[e].

    (B, T) logits and bool mask -> start (B,) int64, end (B,) int64, score (B,) in the logits' dtype.
    """
    B, T = start_logits.shape
    scores = start_logits[:, :, None] + end_logits[:, None, :]  # (B, T_start, T_end)
    s = torch.arange(T)[:, None]
    e = torch.arange(T)[None, :]
    valid = (s <= e) & (e < s + max_answer_length)  # (T, T)
    valid = valid & allowed[:, :, None] & allowed[:, None, :]  # (B, T, T)
    best = scores.masked_fill(~valid, float("-inf")).reshape(B, -1).max(dim=-1)
    return best.indices // T, best.indices % T, best.values
