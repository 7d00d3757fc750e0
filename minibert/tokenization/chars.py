"""Step 0 of tokenization: what kind of character is this?

BERT's tokenizer sorts every code point into a handful of classes, and every later step only asks
"which class?". The rules are the original BERT ones (as kept by the reference tokenizer):

* DROP   -- NUL, U+FFFD (the "replacement character" left by bad decoding) and every Unicode ``C*``
            category (controls, format characters like the zero-width joiner, private use, unassigned)
            except tab, newline and carriage return. ``"a\\u200bb"`` -> ``"ab"``.
* SPACE  -- space, tab, newline, carriage return and every ``Zs`` ("space separator") character.
            ``"a\\u3000b"`` -> ``"a b"``.
* PUNCT  -- every ASCII character that is neither a letter, a digit, space nor a control
            (so ``$``, ``^``, `````` and ``+`` count, although Unicode files them as symbols), plus every
            Unicode ``P*`` category. ``"¿qué?"`` -> ``"¿" "qué" "?"``.
* CJK    -- the CJK Unified Ideograph blocks (not Hangul, not kana): each one becomes its own word.
* OTHER  -- everything else (letters, digits, symbols such as emoji, combining marks).

The answer for a character never changes, so it is computed once and remembered in a dict: after
warm-up, classifying a character costs one dictionary lookup.
"""

from __future__ import annotations

import unicodedata

OTHER, DROP, SPACE, PUNCT, CJK = 0, 1, 2, 3, 4

# The code-point ranges BERT treats as "Chinese characters" (CJK Unified Ideographs, extensions A-E,
# and the two compatibility blocks). Hangul, hiragana and katakana are deliberately absent: those
# scripts separate words with spaces, so they are tokenized like any other letters.
CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)

# ASCII 33-47, 58-64, 91-96, 123-126: the printable non-alphanumerics.
_ASCII_PUNCT = frozenset(chr(c) for c in (*range(33, 48), *range(58, 65), *range(91, 97), *range(123, 127)))

_TABLE: dict[str, int] = {}


def _compute(char: str) -> int:
    code = ord(char)
    # Tab, newline and carriage return are "Cc" controls to Unicode, but to BERT they separate words.
    if char in " \t\n\r":
        return SPACE
    if code == 0 or code == 0xFFFD:
        return DROP
    category = unicodedata.category(char)
    if category == "Zs":
        return SPACE
    if category[0] == "C":
        return DROP
    if char in _ASCII_PUNCT or category[0] == "P":
        return PUNCT
    for low, high in CJK_RANGES:
        if low <= code <= high:
            return CJK
    return OTHER


def char_class(char: str) -> int:
    """The class (``OTHER``/``DROP``/``SPACE``/``PUNCT``/``CJK``) of one character ``char: str``."""
    found = _TABLE.get(char)
    if found is None:
        found = _TABLE[char] = _compute(char)
    return found


def is_whitespace(char: str) -> bool:
    """True for space, tab, newline, carriage return and ``Zs`` characters."""
    return char_class(char) == SPACE


def is_control(char: str) -> bool:
    """True for ``C*`` characters other than tab, newline and carriage return."""
    return char not in "\t\n\r" and unicodedata.category(char)[0] == "C"


def is_punctuation(char: str) -> bool:
    """True for ASCII non-alphanumerics and Unicode ``P*`` characters."""
    return char_class(char) == PUNCT


def is_cjk(char: str) -> bool:
    """True for code points in BERT's CJK ideograph ranges."""
    return char_class(char) == CJK
