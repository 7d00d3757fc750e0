"""Exercise 3: WordPiece, greedy longest-match-first sub-word splitting (BERT §4; Wu et al., 2016).

Lesson: minibert/tokenization/wordpiece.py. Grade: ``python -m minibert.exercises grade wordpiece``.
"""

from __future__ import annotations

from collections.abc import Container


def wordpiece(word: str, vocab: Container[str], unk_token: str = "[UNK]",
              max_input_chars_per_word: int = 100) -> list[str]:
    """Cut one word (no spaces in it) into vocabulary pieces.

    Algorithm:
        * If ``len(word) > max_input_chars_per_word``, the answer is ``[unk_token]`` without looking further.
        * Otherwise, starting at position 0, take the LONGEST substring ``word[start:end]`` that is in
          ``vocab``; pieces that do not start the word are looked up with a ``"##"`` prefix
          (``"##" + word[start:end]``). Append that piece and continue from ``end``.
        * If at some position not even one character matches, the WHOLE word becomes ``[unk_token]``
          (not just the unmatched part, and the pieces found so far are dropped).

    Example with vocab {"un", "##aff", "##able", "aff"}: ``"unaffable"`` -> ``["un", "##aff", "##able"]``,
    ``"unaffablex"`` -> ``["[UNK]"]``.

    Args:
        word: the word, a ``str``.
        vocab: the pieces, a set of ``str`` (``piece in vocab`` is all you need).
        unk_token: what an unsplittable word becomes.
        max_input_chars_per_word: longer words become ``[unk_token]``.

    Returns:
        The pieces, a ``list[str]``, whose concatenation (without the "##") is ``word`` unless it is ``[unk_token]``.
    """
    raise NotImplementedError("exercise wordpiece: not implemented yet — replace this line with your code")
