"""Step 2 of tokenization: WordPiece cuts each word into pieces that are in the vocabulary.

Greedy longest-match-first, left to right. With the bert-base-uncased vocabulary::

    "unaffable" -> "unaffable"? no ... "una"? no ... "un" yes        -> "un"
                   "##affable"? no ... "##aff" yes                   -> "##aff"
                   "##able" yes                                       -> "##able"
    result: ["un", "##aff", "##able"]

``##`` marks a piece that continues the previous one (it is glued back on when decoding). A word with
a stretch that no vocabulary entry covers becomes a single ``[UNK]``, and so does any word longer than
``max_input_chars_per_word`` characters (a guard against quadratic work on garbage input).
"""

from __future__ import annotations

from collections.abc import Mapping

# (piece, start, end): the piece as it is spelled in the vocabulary and the characters of the word it covers.
Piece = tuple[str, int, int]


class WordpieceTokenizer:
    """Greedy longest-match-first sub-word splitting.

    Args:
        vocab (Mapping[str, int]): the WordPiece vocabulary, token -> id.
        unk_token (str): the token used for words that cannot be split.
        max_input_chars_per_word (int): longer words become ``unk_token`` without being looked at.
    """

    def __init__(self, vocab: Mapping[str, int], unk_token: str, max_input_chars_per_word: int = 100):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word
        # No vocabulary entry is longer than this, so longer candidates need not be looked up. This only
        # skips lookups that would fail: the result is the same, the work per word drops from O(n^2) to O(n).
        self._longest = max((len(token) for token in vocab), default=0)

    def tokenize(self, text: str) -> list[str]:
        """Split each whitespace-separated word of ``text: str`` into pieces: ``"unaffable"`` -> 3 pieces."""
        return [piece for word in text.split() for piece, _, _ in self.split_word(word)]

    def split_word(self, word: str) -> list[Piece]:
        """The pieces of one word, each with its character span in ``word: str``."""
        if len(word) > self.max_input_chars_per_word:
            return [(self.unk_token, 0, len(word))]
        vocab, longest = self.vocab, self._longest
        pieces: list[Piece] = []
        start = 0
        while start < len(word):
            # Continuation pieces are stored with a "##" prefix, which counts towards their length.
            prefix = "##" if start else ""
            end = min(len(word), start + longest - len(prefix))
            while end > start:
                candidate = prefix + word[start:end]
                if candidate in vocab:
                    break
                end -= 1
            else:  # not even one character matched: the whole word is unknown
                return [(self.unk_token, 0, len(word))]
            pieces.append((candidate, start, end))
            start = end
        return pieces
