"""Step 1 of ``BertTokenizer``: lowercase the text, all but the special tokens.

Uncased models were trained on lowercased text, so the text is lowercased before anything else, except
tokens that must be found as they are written: ``"HELLO [MASK]"`` -> ``"hello [MASK]"``, not ``"[mask]"``.
Lowercasing may lengthen the text (``"İ".lower()`` is ``"i̇"``, two characters), so it also says where each
character of its result came from: offsets must point into the text the user gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def protecting_pattern(tokens: Iterable[str]) -> re.Pattern | None:
    """A pattern matching any of ``tokens`` (the text lowercasing leaves alone); ``None`` when there are none."""
    tokens = list(tokens)
    return re.compile("|".join(re.escape(t) for t in tokens)) if tokens else None


def lowercase_except(text: str, protected: re.Pattern | None) -> tuple[str, list[int] | None]:
    """Lowercase ``text: str`` except the matches of ``protected``, one character at a time.

    ``"HELLO [MASK] ΟΔΟΣ"`` -> ``"hello [MASK] οδοσ"``: lowering character by character (what the reference
    does) keeps the final sigma as "σ", where ``str.lower`` on the whole word would write "ς".
    Returns the text and, when some character grew (``"İ"`` -> ``"i̇"``), the original index of each output
    character (``list[int]``); otherwise ``None`` because positions are unchanged.
    """
    if protected is None or not protected.search(text):
        parts = [text]
    else:  # ordinary text at even indices, protected tokens at odd ones
        parts, last = [], 0
        for match in protected.finditer(text):
            parts += [text[last : match.start()], match.group()]
            last = match.end()
        parts.append(text[last:])
    lowered = []
    for k, part in enumerate(parts):
        if k % 2:
            lowered.append(part)  # a protected token
        elif part.isascii() or "Σ" not in part:  # the same as character by character, and faster
            lowered.append(part.lower())
        else:
            lowered.append("".join(char.lower() for char in part))
    out = "".join(lowered)
    if len(out) == len(text):
        return out, None
    back: list[int] = []
    position = 0
    for k, part in enumerate(parts):
        for i, char in enumerate(part, start=position):
            back += [i] * (1 if k % 2 else len(char.lower()))
        position += len(part)
    return out, back
