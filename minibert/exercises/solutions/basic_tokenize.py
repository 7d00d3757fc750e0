"""Exercise 2, reference solution: BERT's word splitting on whitespace, punctuation and CJK ideographs."""

from __future__ import annotations

import unicodedata

# The CJK Unified Ideograph blocks BERT spaces out (not Hangul, hiragana or katakana).
CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def is_punctuation(char: str) -> bool:
    code = ord(char)
    # Every printable ASCII non-alphanumeric counts, even "$" and "+" that Unicode files under symbols.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def basic_tokenize(text: str) -> list[str]:
    """``"Hi, 你好!"`` -> ``["Hi", ",", "你", "好", "!"]``."""
    spaced = "".join(f" {c} " if is_cjk(c) else c for c in text)  # each ideograph becomes a word
    words: list[str] = []
    for chunk in spaced.split():
        current = ""
        for char in chunk:
            if is_punctuation(char):
                if current:
                    words.append(current)
                words.append(char)  # punctuation is always a word of its own
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    return words
