"""Exercise 19: doc-stride windows, so that extractive QA reads a context longer than the model's input.

Lesson: ``window_spans`` and ``question_windows`` in minibert/tokenization/windows.py (used by
minibert/training/qa_features.py). Grade: ``python -m minibert.exercises grade qa_windows``.
"""

from __future__ import annotations


def qa_windows(question_tokens: int, context_tokens: int, max_length: int, stride: int) -> list[tuple[int, int]]:
    """The context windows of the rows ``[CLS] question [SEP] window [SEP]``, as ``(start, end)`` token ranges.

    BERT reads at most ``max_length`` tokens. A question of ``question_tokens`` tokens and a context of
    ``context_tokens`` tokens that do not fit in one row are cut as the reference tokenizer does with
    ``truncation="only_second", return_overflowing_tokens=True, stride=stride``: the question is repeated in
    every row, only the context is cut, and each row holds one window of the context.

    * Each row holds 3 special tokens ([CLS], [SEP], [SEP]) and the question; the rest, the *budget*, is
      the most context tokens one window may hold.
    * ``stride`` is the number of tokens two consecutive windows SHARE (the overlap), not the distance
      between their starts: an answer cut by one window's edge is whole in the next.
    * Windows start at 0 and move forward in equal steps; the last one ends exactly at ``context_tokens``,
      and no window comes after the first one that reaches the end. Together they cover every context token.

    ``(start, end)`` is a Python slice of the context's tokens: tokens ``start, ..., end - 1``. Example: a
    question of 3 tokens, a context of 10, ``max_length`` 10 and ``stride`` 2 give
    ``[(0, 4), (2, 6), (4, 8), (6, 10)]``. A context that fits in one row gives one window, ``[(0, context_tokens)]``.

    You may assume ``question_tokens >= 1``, ``context_tokens >= 1``, a budget of at least 1 token and
    ``0 <= stride < budget``.

    Returns a list of ``(start, end)`` tuples of ints, in order.
    """
    raise NotImplementedError("exercise qa_windows: not implemented yet — replace this line with your code")
