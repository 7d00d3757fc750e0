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
        single_word (bool): kept for file compatibility (not used by BERT's tokenizer).
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


# A segment of text: (start, end, id of the added token, or None for ordinary text to tokenize).
Segment = tuple[int, int, "int | None"]


class AddedTokenMatcher:
    """Finds added tokens in text. ``tokens`` maps each token's content to its id and ``AddedToken``."""

    def __init__(self, tokens: Iterable[tuple[AddedToken, int]] = ()):
        self.tokens: dict[str, tuple[AddedToken, int]] = {}
        self._pattern: re.Pattern | None = None
        for token, index in tokens:
            self.add(token, index)

    def add(self, token: AddedToken, index: int) -> None:
        self.tokens[token.content] = (token, index)
        # Alternatives are tried left to right at each position, so listing longer tokens first makes
        # the regex take the longest token starting at the leftmost match position.
        contents = sorted(self.tokens, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(c) for c in contents))

    def split(self, text: str) -> list[Segment]:
        """Cut ``text: str`` into ordinary-text and added-token segments (empty text segments are dropped)."""
        if self._pattern is None:
            return [(0, len(text), None)] if text else []
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
