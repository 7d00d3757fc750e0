"""Exercise 2: BERT's first tokenization step, splitting text into words.

Lesson: minibert/tokenization/basic.py (and chars.py). Grade: ``python -m minibert.exercises grade basic_tokenize``.
"""

from __future__ import annotations

import unicodedata  # noqa: F401  (unicodedata.category tells punctuation apart)

# The code-point ranges BERT treats as CJK ideographs (inclusive). Hangul, hiragana and katakana are NOT in
# them: those scripts put spaces between words, so they are split like any other letters.
CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def basic_tokenize(text: str) -> list[str]:
    """Split ``text`` into words the way BERT's BasicTokenizer does (no lowercasing, no accent stripping).

    Rules, in this order:
        1. Every CJK ideograph (a code point inside one of ``CJK_RANGES``) becomes a word of its own,
           as if it had a space on each side.
        2. Split on whitespace exactly as Python's ``str.split()`` (no argument) does.
        3. Inside each piece, every punctuation character becomes a word of its own and cuts the piece.
           A character is punctuation when it is printable ASCII but neither a letter nor a digit
           (code points 33-47, 58-64, 91-96, 123-126, so ``$``, ``+``, ``^`` and `````` count), or when its
           Unicode category starts with "P" (``unicodedata.category(c)``, e.g. "¿" is "Po", "«" is "Pi").
        Empty pieces are dropped.

    Example: ``"Hi, 你好!  ¿qué?"`` -> ``["Hi", ",", "你", "好", "!", "¿", "qué", "?"]``.

    Args:
        text: any string (the graders use NFC-normalised text without control characters).

    Returns:
        The words, a ``list[str]``, in order.
    """
    raise NotImplementedError("exercise basic_tokenize: not implemented yet — replace this line with your code")
