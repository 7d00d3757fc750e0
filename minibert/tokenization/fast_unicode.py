"""The text ``BertTokenizerFast`` refuses: where the reference's Rust tokenizer reads characters otherwise.

minibert reads characters by Python's ``unicodedata`` (Unicode 14 in Python 3.11), as the reference's slow
tokenizer does; the Rust one reads them by older tables of its own. They disagree on (docs/tokenizer.md):

* code points unassigned in Python's Unicode (the slow reading deletes them, the Rust one keeps them) and lone
  surrogates (the Rust one raises);
* characters added to Unicode after the Rust tables were made: new combining marks (the slow reading strips them
  from accented words, the Rust one keeps them), new punctuation (split off, or not), a block of CJK ideographs;
* with accents kept (``do_lower_case=False`` without ``strip_accents``, or ``strip_accents=False``), text that
  Unicode's NFC would change: the slow reading composes ``"e\\u0301"`` into ``"é"`` first, the Rust one does not.

``fast_unicode.json`` lists the first two kinds, found by asking both tokenizers about every code point
(scripts/make_fast_unicode_table.py); the third is checked on each text. A refused text raises ``ValueError``
naming the character: other tokens than the reference's would be wrong numbers.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from pathlib import Path

from minibert.tokenization.chars import is_control

TABLE = Path(__file__).with_name("fast_unicode.json")


@functools.cache
def table() -> dict:
    return json.loads(TABLE.read_text(encoding="utf-8"))


def runs(code_points) -> list[tuple[int, int]]:
    """Sorted code points as (first, last) runs: ``[65, 66, 67, 90]`` -> ``[(65, 67), (90, 90)]``."""
    found: list[list[int]] = []
    for c in code_points:
        if found and found[-1][1] == c - 1:
            found[-1][1] = c
        else:
            found.append([c, c])
    return [(a, b) for a, b in found]


def _character_class(code_points) -> re.Pattern:
    """A regular expression matching one character of ``code_points`` (sorted ints)."""
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs(code_points)) + "]")


def listed() -> set[int]:
    """The code points the table refuses."""
    found = set()
    for run in table()["refused"].split():
        first, last = (int(x, 16) for x in run.split("-"))
        found.update(range(first, last + 1))
    return found


@functools.cache
def _refused() -> re.Pattern:
    """Every refused code point (and, under another Unicode than the table's, every code point that Unicode leaves
    unassigned: the slow reading deletes those)."""
    refused = listed()
    if unicodedata.unidata_version != table()["unicode"]:
        refused.update(c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cn")
    return _character_class(sorted(refused))


@functools.cache
def _deleted() -> re.Pattern:
    """The characters the BasicTokenizer deletes before it composes (``chars.DROP``: controls, format characters,
    U+FFFD): a mark after one still composes with the letter before it there."""
    return _character_class([c for c in range(0x110000) if c == 0xFFFD or is_control(chr(c))])


def keeps_accents(tok) -> bool:
    """Whether tokenizer ``tok`` leaves accents on (then NFC's composing shows in its tokens)."""
    strip = tok.basic_tokenizer.strip_accents
    return strip is False or (strip is None and not tok.basic_tokenizer.do_lower_case)


def composes(text: str) -> bool:
    """Whether Unicode's NFC changes ``text`` once the BasicTokenizer has deleted what it deletes."""
    return not unicodedata.is_normalized("NFC", _deleted().sub("", text))


def check(text: str, keeps_accents: bool) -> None:
    """Raise ``ValueError`` if the reference's fast tokenizer could read ``text`` otherwise than minibert."""
    found = _refused().search(text)
    if found is not None:
        c = found.group()
        raise ValueError(
            f"BertTokenizerFast: character U+{ord(c):04X} ({unicodedata.name(c, 'unassigned')}) at position "
            f"{found.start()} is read differently by the reference's Rust tokenizer (older Unicode tables) and by "
            "minibert (Python's unicodedata, as the slow BertTokenizer); minibert refuses it rather than give other "
            "tokens. Use BertTokenizer, which gives the slow reference's tokens for any text"
        )
    if keeps_accents and composes(text):
        raise ValueError(
            "BertTokenizerFast: the text is not in Unicode's NFC form; with accents kept, the reference's Rust "
            "tokenizer reads it as it is, the slow one (and minibert) composed (e.g. 'e\\u0301' as 'é'), so their "
            "tokens differ. Normalize it first (unicodedata.normalize('NFC', text)) or use BertTokenizer"
        )
