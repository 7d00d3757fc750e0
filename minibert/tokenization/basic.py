"""Step 1 of tokenization: the BasicTokenizer turns raw text into "words".

A word here is what WordPiece will later cut into sub-word pieces. Running example::

    "Héllo,\\u200b wörld! 你好"
      clean        -> "Héllo, wörld! 你好"          (zero-width space dropped)
      CJK spacing  -> "Héllo, wörld!  你  好 "     (each ideograph becomes its own word)
      NFC          -> same string, with "e" + U+0301 merged into "é" had it been decomposed
      split        -> ["Héllo,", "wörld!", "你", "好"]
      lowercase    -> ["héllo,", "wörld!", "你", "好"]
      strip accents-> ["hello,", "world!", "你", "好"]
      punctuation  -> ["hello", ",", "world", "!", "你", "好"]

Every character keeps a note of where it came from in the input (its *span*), so the final words
know their character offsets even after characters were deleted, merged (NFC) or expanded
(``"İ".lower()`` is two characters). ``tokenize`` just forgets the spans.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from minibert.tokenization.chars import CJK, DROP, PUNCT, SPACE, char_class

# (start, end) in the original text; a character that NFC merged from several also lists their spans after.
Span = tuple[int, ...]
# A word with one (start, end) span in the original text per character of the word.
AlignedWord = tuple[str, list[Span]]

# Python's ``str.split()`` notion of whitespace, which the reference uses to cut words.
_NON_SPACE_RUN = re.compile(r"\S+")


def _aligned(text: str, spans: list[Span], transform: Callable[[str], str]) -> AlignedWord:
    """Apply ``transform`` to ``text`` and work out which input span each output character came from.

    Most transforms (lowercasing, accent stripping) act character by character, so transforming each
    character alone and concatenating gives the same string -- then the spans follow the characters.
    When context matters (Greek final sigma, rare combining-mark reorderings) we keep the whole-string
    result, which is what the reference computes, and fall back to a coarser alignment.
    """
    out = transform(text)
    if out == text:
        return text, spans
    pieces = [transform(char) for char in text]
    if "".join(pieces) == out:
        return out, [span for piece, span in zip(pieces, spans) for _ in piece]
    if len(out) == len(text):
        return out, spans
    whole = (spans[0][0], spans[-1][1])  # never seen in practice
    return out, [whole] * len(out)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _nfc_aligned(text: str, spans: list[Span]) -> AlignedWord:
    """NFC-normalise, so that "e" + COMBINING ACUTE (2 code points) and "é" (1) become the same word.

    Composition only glues a character onto the one before it, so we cut the text into groups that
    NFC cannot join across, normalise each group alone, and give every output character its group's span.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, spans
    out = _nfc(text)
    bounds = [0]
    for k in range(1, len(text)):
        char = text[k]
        if unicodedata.combining(char) == 0:
            head = text[bounds[-1] : k]
            if _nfc(head + char) == _nfc(head) + _nfc(char):
                bounds.append(k)
    bounds.append(len(text))
    parts, new_spans = [], []
    for a, b in zip(bounds, bounds[1:]):
        group = text[a:b]
        part = _nfc(group)
        parts.append(part)
        if part == group:  # nothing merged here: every character keeps its own span
            new_spans += spans[a:b]
        else:
            new_spans += _match_parts(group, part, spans[a:b])
    if "".join(parts) != out:  # never seen; stay correct on the text, coarse on the offsets
        whole = (spans[0][0], spans[-1][1])
        return out, [whole] * len(out)
    return out, new_spans


def _match_parts(group: str, merged: str, spans: list[Span]) -> list[Span]:
    """Spans for the NFC form ``merged`` of ``group``: each output character is traced to the code points it
    was built from. "m" + U+0301 -> "ḿ" gets ``(start, end, *spans of "m", *spans of U+0301)``, so that stripping
    the accent later gives "m" back its own span, as if NFC had never merged them."""
    pool = [[cp, span, False] for char, span in zip(group, spans) for cp in unicodedata.normalize("NFD", char)]
    out: list[Span] = []
    for char in merged:
        found = []
        for cp in unicodedata.normalize("NFD", char):
            entry = next((e for e in pool if e[0] == cp and not e[2]), None)
            if entry is None:  # cannot trace it: the whole group's span
                return [(spans[0][0], spans[-1][1])] * len(merged)
            entry[2] = True
            found.append(entry[1][:2])
        start, end = min(f[0] for f in found), max(f[1] for f in found)
        out.append((start, end, *[x for f in found for x in f]) if len(found) > 1 else (start, end))
    return out


def _strip_accents(text: str) -> str:
    # "é" -> NFD "e" + U+0301 -> drop the nonspacing mark (category Mn) -> "e"
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _strip_accents_aligned(word: str, spans: list[Span]) -> AlignedWord:
    """``_strip_accents`` with spans: each kept character keeps the span of the code point it came from."""
    out = _strip_accents(word)
    if out == word:
        return word, spans
    chars, new_spans = [], []
    for char, span in zip(word, spans):
        decomposed = unicodedata.normalize("NFD", char)
        # A character merged by NFC carries the spans of its parts after its own (start, end).
        parts = [span[k : k + 2] for k in range(2, len(span), 2)]
        if len(parts) != len(decomposed):
            parts = [span[:2]] * len(decomposed)
        for piece, piece_span in zip(decomposed, parts):
            if unicodedata.category(piece) != "Mn":
                chars.append(piece)
                new_spans.append(piece_span)
    if "".join(chars) == out:
        return out, new_spans
    return _aligned(word, spans, _strip_accents)  # a reordering across characters: align coarsely


class BasicTokenizer:
    """Cleaning, CJK spacing, NFC, whitespace split, lowercasing, accent stripping, punctuation split.

    Args:
        do_lower_case (bool): lowercase every word (except ``never_split`` ones).
        never_split (Iterable[str] | None): words kept exactly as they are (no lowercasing, no splitting).
        tokenize_chinese_chars (bool): put spaces around CJK ideographs.
        strip_accents (bool | None): ``None`` strips accents only when lowercasing (original BERT),
            ``True`` always strips, ``False`` never does.
        do_split_on_punc (bool): split words around punctuation characters.
    """

    def __init__(
        self,
        do_lower_case: bool = True,
        never_split: Iterable[str] | None = None,
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        do_split_on_punc: bool = True,
    ):
        self.do_lower_case = do_lower_case
        self.never_split = set(never_split or ())
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        self.do_split_on_punc = do_split_on_punc

    def tokenize(self, text: str, never_split: Iterable[str] | None = None) -> list[str]:
        """Split ``text: str`` into words: ``"Héllo, wörld!"`` -> ``["hello", ",", "world", "!"]``."""
        return [word for word, _ in self.tokenize_with_offsets(text, never_split)]

    def tokenize_with_offsets(self, text: str, never_split: Iterable[str] | None = None) -> list[AlignedWord]:
        """Like ``tokenize``, but each word comes with one ``(start, end)`` offset into ``text`` per character."""
        never = self.never_split.union(never_split) if never_split else self.never_split

        # 1. Clean and space out CJK, one character at a time.
        #    "a\x00b\tc你" -> "ab c 你 "   (NUL dropped, tab -> space, spaces around the ideograph)
        chars: list[str] = []
        spans: list[Span] = []
        for i, char in enumerate(text):
            kind = char_class(char)
            if kind == DROP:
                continue
            if kind == SPACE:
                char = " "
            elif kind == CJK and self.tokenize_chinese_chars:
                chars += (" ", char, " ")
                spans += ((i, i + 1),) * 3
                continue
            chars.append(char)
            spans.append((i, i + 1))

        # 2. Canonical composition: "cafe\u0301" -> "café", so both spellings give the same tokens.
        cleaned, spans = _nfc_aligned("".join(chars), spans)

        # 3. Split on whitespace: "hello, world!" -> ["hello,", "world!"]
        words: list[AlignedWord] = []
        for match in _NON_SPACE_RUN.finditer(cleaned):
            word, word_spans = match.group(), spans[match.start() : match.end()]
            # 4. Lowercase and strip accents, unless the word is protected: "Wörld!" -> "world!"
            if word not in never:
                if self.do_lower_case:
                    word, word_spans = _aligned(word, word_spans, str.lower)
                if self.strip_accents or (self.do_lower_case and self.strip_accents is None):
                    word, word_spans = _strip_accents_aligned(word, word_spans)
            # 5. Punctuation becomes a word of its own: "world!" -> ["world", "!"]
            words += self._split_on_punctuation(word, word_spans, never)
        return words

    def _split_on_punctuation(self, word: str, spans: list[Span], never: set[str]) -> list[AlignedWord]:
        if not word:  # a word made only of accents is empty once they are stripped
            return []
        if not self.do_split_on_punc or word in never:
            return [(word, spans)]
        pieces: list[AlignedWord] = []
        start = 0
        for k, char in enumerate(word):
            if char_class(char) == PUNCT:
                if start < k:
                    pieces.append((word[start:k], spans[start:k]))
                pieces.append((char, spans[k : k + 1]))
                start = k + 1
        if start < len(word):
            pieces.append((word[start:], spans[start:]))
        return pieces
