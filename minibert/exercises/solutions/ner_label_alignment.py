"""Exercise 18, reference solution: word labels -> piece labels, on each word's first piece (run_ner.py's recipe)."""

from __future__ import annotations

IGNORE_INDEX = -100  # the label cross-entropy (and minibert's metrics) skip


def ner_label_alignment(word_labels: list[int], word_ids: list[int | None]) -> list[int]:
    """``word_labels[w]`` on the first piece of word w, -100 on its other pieces and on special tokens (None)."""
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(IGNORE_INDEX)
        elif word != previous:  # the first piece of a word
            labels.append(word_labels[word])
        else:  # a continuation piece (##...)
            labels.append(IGNORE_INDEX)
        previous = word
    return labels
