"""Exercise 17: train a WordPiece vocabulary from word counts, the way the shipped vocabularies were trained.

Lesson: minibert/speedrun/vocab.py (minibert trains its vocabularies with the ``tokenizers`` library's
``WordPieceTrainer``: this is its algorithm, made deterministic). Grade:
``python -m minibert.exercises grade wordpiece_trainer``.
"""

from __future__ import annotations


def wordpiece_trainer(word_counts: dict[str, int], vocab_size: int, special_tokens: list[str]) -> list[str]:
    """The vocabulary, in id order, that merging the most frequent adjacent pair of pieces builds.

    This is the rule of Hugging Face ``tokenizers``' ``WordPieceTrainer`` (BPE-style merging by pair FREQUENCY,
    with the ``"##"`` prefix on pieces that continue a word), not the classic likelihood score
    freq(ab) / (freq(a)·freq(b)). Ties are broken as below, so there is exactly one right answer.

    1. The vocabulary starts with ``special_tokens`` (in their order), then every character of every word as a
       piece of its own, in code-point order (``sorted``), then ``"##" + c`` for every character ``c`` that
       occurs somewhere other than at the start of a word, again in code-point order.
    2. Each word is split into characters: the first as it is, every later one with ``"##"``
       (``"hugs"`` -> ``h ##u ##g ##s``).
    3. While the vocabulary has fewer than ``vocab_size`` pieces:

       * count every pair of adjacent pieces (a, b) over all words, each occurrence weighted by the word's
         count (recount after every merge: a merge changes the pairs around it);
       * if there is no pair left (every word is one piece), stop;
       * take the pair with the HIGHEST count; on a tie, the pair whose ``a`` comes earliest in the vocabulary
         (smallest id), and among those the one whose ``b`` comes earliest;
       * the new piece is ``a`` followed by ``b`` without its ``"##"`` (``"h" + "##u"`` -> ``"hu"``,
         ``"##u" + "##g"`` -> ``"##ug"``); append it to the vocabulary unless it is already there (two
         different pairs can make one piece: ``"##aa" + "##a"`` and ``"##a" + "##aa"``), and in every word replace each
         occurrence of a followed by b, left to right, by the new piece.

    Example: ``{"hug": 10, "pug": 5, "hugs": 5}``, ``vocab_size=12``, no special tokens: the alphabet is
    ``g h p s u ##g ##s ##u`` (8 pieces); (##u, ##g) occurs 10 + 5 + 5 = 20 times -> ``"##ug"``; then
    (h, ##ug) 15 times -> ``"hug"``; then (p, ##ug) and (hug, ##s) 5 times each: the tie goes to
    ``p`` (id 2) before ``hug`` (id 9) -> ``"pug"``; the vocabulary is now 11 pieces, so one more: ``"hugs"``.

    Args:
        word_counts: word -> how often it occurs (an int ≥ 1). Words are non-empty and contain no ``"#"``.
        vocab_size: the size to stop at (the answer may be shorter, when no pair is left; it is never cut).
        special_tokens: pieces such as ``"[PAD]"``, ``"[UNK]"`` that come first, with ids 0, 1, ...

    Returns:
        The vocabulary, a ``list[str]``, in id order, without duplicates.
    """
    raise NotImplementedError("exercise wordpiece_trainer: not implemented yet — replace this line with your code")
