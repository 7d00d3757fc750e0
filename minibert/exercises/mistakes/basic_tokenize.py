"""Exercise 2, typical mistakes: the wrong notion of punctuation, of CJK, or of whitespace."""

import string
import unicodedata

from minibert.exercises.diagnosis import Mistake

CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def is_cjk(c):
    return any(lo <= ord(c) <= hi for lo, hi in CJK_RANGES)


def ascii_punct(c):
    return c in string.punctuation  # exactly code points 33-47, 58-64, 91-96, 123-126


def unicode_punct(c):
    return unicodedata.category(c).startswith("P")


def split(text, is_punct, cjk=True, chunks=str.split):
    """BERT's word splitting with the rule for punctuation, CJK and whitespace swapped in."""
    text = "".join(f" {c} " if cjk and is_cjk(c) else c for c in text)
    words = []
    for chunk in chunks(text):
        current = ""
        for c in chunk:
            if is_punct(c):
                words += [current, c] if current else [c]
                current = ""
            else:
                current += c
        if current:
            words.append(current)
    return words


def right(c):
    return ascii_punct(c) or unicode_punct(c)


MISTAKES = [
    Mistake("ascii_punctuation_only",
            "Probably only ASCII punctuation is split off: \"¿\", \"«\", \"…\", \"—\" are punctuation too "
            "(unicodedata.category starts with \"P\"); look at your punctuation test.",
            lambda text: split(text, ascii_punct)),
    Mistake("unicode_punctuation_only",
            "Probably only Unicode category P counts as punctuation: BERT also splits off every printable ASCII "
            "non-alphanumeric (\"$\", \"+\", \"^\", \"`\", \"|\", \"~\", \"=\"); look at your punctuation test.",
            lambda text: split(text, unicode_punct)),
    Mistake("symbols_split",
            "Probably every non-alphanumeric character is split off: symbols such as \"€\", \"©\", \"°\", \"🙂\" "
            "(category S) stay attached; only ASCII non-alphanumerics and category P are punctuation.",
            lambda text: split(text, lambda c: not c.isalnum())),
    Mistake("cjk_not_split",
            "Probably CJK ideographs are not split: each character inside CJK_RANGES is a word of its own "
            "(rule 1, before splitting on whitespace).",
            lambda text: split(text, right, cjk=False)),
    Mistake("split_on_space_only",
            "Probably text.split(\" \"): split() with no argument splits on every whitespace (tabs, newlines, "
            "U+3000, no-break space) and drops empty pieces; look at rule 2.",
            lambda text: split(text, right, chunks=lambda t: [p for p in t.split(" ") if p])),
]
