"""Added tokens: strings that are matched in the raw text *before* any other step and never split.

The special tokens (``[CLS]``, ``[SEP]``, ``[PAD]``, ``[UNK]``, ``[MASK]``) are added tokens, so a literal
``"[MASK]"`` typed in the text becomes the single mask token instead of ``"[", "mask", "]"``::

    "paris is the [MASK] of france"
      -> "paris is the "  |  "[MASK]"  |  " of france"
      -> the outer pieces go through BasicTokenizer + WordPiece, the middle one is already a token.

Matching is leftmost first and, among tokens starting at the same place, longest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(eq=False)
class AddedToken:
    """A token matched verbatim in the text.

    Args:
        content (str): the text of the token.
        single_word (bool): the token only counts as a whole word: glued to text on its left or right (no
            space between), it is read as part of that text instead.
        lstrip (bool): the token swallows the whitespace on its left.
        rstrip (bool): the token swallows the whitespace on its right.
        normalized (bool): for non-special tokens, the text is lowercased before matching (uncased models).
        special (bool): special tokens are skipped by ``decode(..., skip_special_tokens=True)``.
    """

    content: str
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool = True
    special: bool = False

    def __str__(self) -> str:
        return self.content

    def to_dict(self) -> dict:
        """The ``tokenizer_config.json`` form of this token."""
        return asdict(self)


TOKEN_FIELDS = ("content", "single_word", "lstrip", "rstrip", "normalized", "special")


def is_token(value: object) -> bool:
    """An ``AddedToken``, ours or any object with the same fields (``tokenizers.AddedToken``, the reference's)."""
    return isinstance(value, AddedToken) or all(hasattr(value, f) for f in TOKEN_FIELDS)


def as_token(value: object) -> str | AddedToken:
    """``value`` as a str or as our ``AddedToken``: another library's token is copied field by field (so it is
    never changed behind its owner's back), anything else is a ``TypeError`` that says what is expected."""
    if isinstance(value, (str, AddedToken)):
        return value
    if is_token(value):
        return AddedToken(**{f: getattr(value, f) for f in TOKEN_FIELDS})
    raise TypeError(f"token {value!r} is a {type(value).__module__}.{type(value).__name__}; expected a str or an "
                    f"AddedToken (any object with the fields {', '.join(TOKEN_FIELDS)})")


# A segment of text: (start, end, id of the added token, or None for ordinary text to tokenize). Only with
# single_word tokens, ordinary text read across stripped whitespace comes as (start, end, None, parts): the
# [start, end) parts to read joined.
Segment = tuple[int, int, int | None] | tuple[int, int, None, tuple[tuple[int, int], ...]]


class AddedTokenMatcher:
    """Finds added tokens in text. ``tokens`` maps each token's content to its id and ``AddedToken``."""

    def __init__(self, tokens: Iterable[tuple[AddedToken, int]] = ()):
        self.tokens: dict[str, tuple[AddedToken, int]] = {}
        self._pattern: re.Pattern | None = None
        self._single_word = False  # any token with single_word=True: then split step by step
        for token, index in tokens:
            self.add(token, index)

    def add(self, token: AddedToken, index: int) -> None:
        self.tokens[token.content] = (token, index)
        self._single_word = any(t.single_word for t, _ in self.tokens.values())
        # Alternatives are tried left to right at each position, so listing longer tokens first makes
        # the regex take the longest token starting at the leftmost match position.
        contents = sorted(self.tokens, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(c) for c in contents))

    def split(self, text: str) -> list[Segment]:
        """Cut ``text: str`` into ordinary-text and added-token segments (empty text segments are dropped)."""
        if self._pattern is None:
            return [(0, len(text), None)] if text else []
        if self._single_word:
            return self._split_step_by_step(text)
        pieces: list[list] = []
        position = 0
        for match in self._pattern.finditer(text):
            token, index = self.tokens[match.group()]
            start, end = match.span()
            if token.lstrip:  # "a   [X]" -> "a" + "[X]": eat the spaces on the left
                while start > position and text[start - 1].isspace():
                    start -= 1
            pieces.append([position, start, None])
            pieces.append([match.start(), match.end(), index])
            position = end
            if token.rstrip:
                while position < len(text) and text[position].isspace():
                    position += 1
        pieces.append([position, len(text), None])
        return [(a, b, i) for a, b, i in pieces if b > a]

    def _split_step_by_step(self, text: str) -> list[Segment]:
        """``split`` when a token is ``single_word``: the reference's rules, applied piece by piece.

        The text is cut at every token, then each token in turn eats the whitespace beside it (``rstrip``,
        ``lstrip``) and, if ``single_word`` and glued to its left neighbour (else its right one) with no
        space between, is merged into that neighbour, which becomes ordinary text. The neighbours are
        judged as they were before this token stripped them, as the reference does. A piece is a list of
        [start, end) parts of ``text``: a merge across stripped whitespace leaves a gap, and such a piece is
        returned as ``(start, end, None, parts)`` so the tokenizer reads the parts joined, as the reference does.
        """
        pieces: list[list[list[int]]] = []  # each piece: its [start, end) parts; a merged-away piece: []
        position = 0
        for match in self._pattern.finditer(text):
            if match.start() > position:
                pieces.append([[position, match.start()]])
            pieces.append([[match.start(), match.end()]])
            position = match.end()
        if position < len(text):
            pieces.append([[position, len(text)]])

        def read(piece) -> str:
            return "".join(text[a:b] for a, b in piece)

        for i, piece in enumerate(pieces):
            content = read(piece)
            if content not in self.tokens:  # ordinary text, or emptied by a merge
                continue
            token = self.tokens[content][0]
            left = pieces[i - 1] if i > 0 else []
            right = pieces[i + 1] if i + 1 < len(pieces) else []
            left_text, right_text = read(left), read(right)
            if token.rstrip and right_text:
                _strip(text, right, front=True)
            if token.lstrip and left_text:
                _strip(text, left, front=False)
            if token.single_word and left_text and left_text[-1] != " ":
                left += piece
            elif token.single_word and right_text and right_text[0] != " ":
                right[:0] = piece
            else:
                continue
            piece.clear()
        segments: list = []
        for piece in pieces:
            piece = [part for part in piece if part[1] > part[0]]
            if not piece:
                continue
            start, end, content = piece[0][0], piece[-1][1], read(piece)
            if content in self.tokens:  # a merged piece stripped back down to a token's exact text is that token
                segments.append((start, end, self.tokens[content][1]))
            elif end - start == len(content):
                segments.append((start, end, None))
            else:
                segments.append((start, end, None, tuple(tuple(part) for part in piece)))
        return segments


def _strip(text: str, piece: list[list[int]], front: bool) -> None:
    """Remove whitespace from the front (or back) of a piece, in place."""
    while piece:
        part = piece[0] if front else piece[-1]
        while part[0] < part[1] and text[part[0] if front else part[1] - 1].isspace():
            if front:
                part[0] += 1
            else:
                part[1] -= 1
        if part[0] < part[1]:
            return
        piece.pop(0 if front else -1)
