"""Exercise 19, reference solution: doc-stride windows over a long QA context (the reference's overflowing tokens)."""

from __future__ import annotations

SPECIAL_TOKENS = 3  # [CLS] question [SEP] context [SEP]


def qa_windows(question_tokens: int, context_tokens: int, max_length: int, stride: int) -> list[tuple[int, int]]:
    """``(start, end)`` context ranges of at most ``max_length - question_tokens - 3`` tokens, overlapping by
    ``stride``, the last ending at ``context_tokens``."""
    budget = max_length - question_tokens - SPECIAL_TOKENS  # context tokens one row holds
    step = budget - stride  # consecutive windows share `stride` tokens
    windows = [(0, min(budget, context_tokens))]
    while windows[-1][1] < context_tokens:  # stop after the first window that reaches the end
        start = windows[-1][0] + step
        windows.append((start, min(start + budget, context_tokens)))
    return windows
