"""Where each token came from: its word, its sequence and its characters, as ``BertTokenizerFast`` reports them.

For ``tok("Hello, world!", "ok")``::

    tokens        [CLS]  hello  ,      world   !        [SEP]  ok     [SEP]
    word_ids      None   0      1      2       3        None   0      None
    sequence_ids  None   0      0      0       0        None   1      None
    offsets       (0,0)  (0,5)  (5,6)  (7,12)  (12,13)  (0,0)  (0,2)  (0,0)

A word is what the BasicTokenizer splits off (a run of letters, one punctuation character, one CJK character, one
special token written in the text), counted from 0 in each sequence; a word of the pre-split input
(``is_split_into_words=True``) is that input word. Special tokens and padding belong to no word and no sequence.
``BatchEncoding`` answers the reference's questions with these lists (``AlignmentMixin``): ``word_ids()``,
``char_to_token(7)`` -> 3, ``word_to_tokens(2)`` -> ``TokenSpan(3, 4)``, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

NO_ENCODINGS = ("BatchEncoding.encodings: minibert's BertTokenizerFast has no Rust tokenizers.Encoding objects; use "
                "tokens(), word_ids(), sequence_ids(), char_to_token(), token_to_chars(), word_to_tokens() and the "
                "offset_mapping key instead")


class CharSpan(NamedTuple):
    """Characters ``start`` (included) to ``end`` (excluded) of the input text."""

    start: int
    end: int


class TokenSpan(NamedTuple):
    """Tokens ``start`` (included) to ``end`` (excluded) of the encoded sequence."""

    start: int
    end: int


@dataclass
class Alignment:
    """One encoded row: each token's text, word, sequence (0, 1 or None) and characters.

    In a row of one text (``pair`` False), the ``sequence`` argument of the lookups below is ignored (the reference's
    Rust encoding only tells sequences apart in a pair's rows): ``char_to_token(c, sequence_index=1)`` finds it.
    """

    tokens: list[str]
    word_ids: list[int | None]
    sequence_ids: list[int | None]
    offsets: list[tuple[int, int]]
    pair: bool = False

    def _in(self, token: int, sequence: int) -> bool:
        return self.sequence_ids[token] == sequence or not self.pair

    def padded(self, length: int, side: str, pad_token: str) -> Alignment:
        """The row padded to ``length`` on ``side``: padding has no word, no sequence and offsets (0, 0)."""
        missing = length - len(self.tokens)
        if missing <= 0:
            return self
        parts = ([pad_token] * missing, [None] * missing, [None] * missing, [(0, 0)] * missing)
        lists = (self.tokens, self.word_ids, self.sequence_ids, self.offsets)
        return Alignment(*[(a + b if side == "right" else b + a) for a, b in zip(lists, parts)], pair=self.pair)

    def word_to_tokens(self, word: int, sequence: int) -> TokenSpan | None:
        found = [i for i, w in enumerate(self.word_ids) if w == word and self._in(i, sequence)]
        return TokenSpan(found[0], found[-1] + 1) if found else None

    def token_to_chars(self, token: int) -> CharSpan | None:
        return None if self.sequence_ids[token] is None else CharSpan(*self.offsets[token])

    def char_to_token(self, char: int, sequence: int) -> int | None:
        for i, (start, end) in enumerate(self.offsets):
            if start <= char < end and self._in(i, sequence):
                return i
        return None

    def word_to_chars(self, word: int, sequence: int) -> CharSpan | None:
        span = self.word_to_tokens(word, sequence)
        return None if span is None else CharSpan(self.offsets[span.start][0], self.offsets[span.end - 1][1])


def _indices(first: int, second: int | None) -> tuple[int, int]:
    """The reference's two calling forms: ``f(i)`` for row 0, ``f(row, i)`` for any row. A negative token, word
    or character index is refused: the reference raises on one too (its Rust side takes no negative numbers)."""
    batch, index = (0, first) if second is None else (first, second)
    if index < 0:
        raise IndexError(f"index {index}: token, word and character indices count from 0 (the reference's fast "
                         "tokenizer takes no negative ones)")
    return batch, index


class AlignmentMixin:
    """The reference ``BatchEncoding``'s token-alignment methods; ``_alignments`` holds one ``Alignment`` per row
    (None when a slow tokenizer made the encoding: then they raise ``ValueError``, as the reference's do)."""

    _alignments: list[Alignment] | None = None

    def _row(self, method: str, batch_index: int) -> Alignment:
        if self._alignments is None:
            raise ValueError(f"{method}() is not available when using non-fast tokenizers (e.g. instance of a "
                             "`XxxTokenizerFast` class).")
        return self._alignments[batch_index]

    @property
    def encodings(self):
        """The reference holds Rust ``tokenizers.Encoding`` objects here; minibert has none (None for a slow
        tokenizer's encoding, as there; an ``AttributeError`` saying so for a fast one's)."""
        if self._alignments is None:
            return None
        raise AttributeError(NO_ENCODINGS)

    def tokens(self, batch_index: int = 0) -> list[str]:
        """Row ``batch_index``'s tokens, special tokens and padding included."""
        return list(self._row("tokens", batch_index).tokens)

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """Each token's word in its sequence (None for special tokens and padding)."""
        return list(self._row("word_ids", batch_index).word_ids)

    def words(self, batch_index: int = 0) -> list[int | None]:
        """The old name of ``word_ids``."""
        return list(self._row("words", batch_index).word_ids)

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        """Each token's sequence: 0 (the text), 1 (its pair) or None (special tokens and padding)."""
        return list(self._row("sequence_ids", batch_index).sequence_ids)

    def token_to_sequence(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        batch, token = _indices(batch_or_token_index, token_index)
        return self._row("token_to_sequence", batch).sequence_ids[token]

    def token_to_word(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        batch, token = _indices(batch_or_token_index, token_index)
        return self._row("token_to_word", batch).word_ids[token]

    def token_to_chars(self, batch_or_token_index: int, token_index: int | None = None) -> CharSpan | None:
        """The characters a token came from; None for special tokens and padding."""
        batch, token = _indices(batch_or_token_index, token_index)
        return self._row("token_to_chars", batch).token_to_chars(token)

    def word_to_tokens(self, batch_or_word_index: int, word_index: int | None = None,
                       sequence_index: int = 0) -> TokenSpan | None:
        """The tokens of a word of sequence ``sequence_index``; None if it has none here."""
        batch, word = _indices(batch_or_word_index, word_index)
        return self._row("word_to_tokens", batch).word_to_tokens(word, sequence_index)

    def char_to_token(self, batch_or_char_index: int, char_index: int | None = None,
                      sequence_index: int = 0) -> int | None:
        """The token that holds a character of sequence ``sequence_index``; None for whitespace or none."""
        batch, char = _indices(batch_or_char_index, char_index)
        return self._row("char_to_token", batch).char_to_token(char, sequence_index)

    def word_to_chars(self, batch_or_word_index: int, word_index: int | None = None,
                      sequence_index: int = 0) -> CharSpan:
        """The characters of a word of sequence ``sequence_index``."""
        batch, word = _indices(batch_or_word_index, word_index)
        span = self._row("word_to_chars", batch).word_to_chars(word, sequence_index)
        if span is None:
            raise TypeError(f"word {word} of sequence {sequence_index} has no tokens in row {batch}")
        return span

    def char_to_word(self, batch_or_char_index: int, char_index: int | None = None,
                     sequence_index: int = 0) -> int | None:
        """The word that holds a character of sequence ``sequence_index``; None for whitespace or none."""
        batch, char = _indices(batch_or_char_index, char_index)
        row = self._row("char_to_word", batch)
        token = row.char_to_token(char, sequence_index)
        return None if token is None else row.word_ids[token]
