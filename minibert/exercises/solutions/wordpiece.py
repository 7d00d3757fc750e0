"""Exercise 3, reference solution: WordPiece, greedy longest-match-first (Wu et al., 2016; BERT §4)."""

from __future__ import annotations

from collections.abc import Container


def wordpiece(word: str, vocab: Container[str], unk_token: str = "[UNK]",
              max_input_chars_per_word: int = 100) -> list[str]:
    """``"unaffable"`` -> ``["un", "##aff", "##able"]``; an uncoverable or too long word -> ``[unk_token]``."""
    if len(word) > max_input_chars_per_word:
        return [unk_token]
    pieces: list[str] = []
    start = 0
    while start < len(word):
        for end in range(len(word), start, -1):  # longest candidate first
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:  # no prefix of the rest is in the vocabulary: the whole word is unknown
            return [unk_token]
    return pieces
