"""Input rules shared by every pipeline and every command: blank text, strides, top-k, pairs.

Each rule raises a ``PipelineError`` (a ``ValueError``) that names the value and what is expected; ``name``
is what the caller calls the setting (``"stride"`` in Python, ``"--stride"`` on the command line), so the
message points at something the user can actually change.
"""

from __future__ import annotations

import unicodedata

from minibert.tokenization import windows

# BERT's text cleaning (BasicTokenizer) deletes control and format characters (Cc, Cf: NUL, zero-width
# space, BOM, ...) and U+FFFD, and splits on separators (Zs, Zl, Zp): a text of only these is no text at all.
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


class PipelineError(ValueError):
    """Bad input or an unsuitable checkpoint: the message says what was wrong and what is expected."""


def is_blank(text: str) -> bool:
    """True when ``text`` has no character BERT reads: empty, whitespace, NUL, zero-width spaces, ..."""
    return all(c.isspace() or c == "\ufffd" or unicodedata.category(c) in _INVISIBLE for c in text)


def shown(text: str, width: int = 40) -> str:
    """A text as a message quotes it: its repr, cut to ``width`` characters."""
    return repr(text[:width]) + ("..." if len(text) > width else "")


def check_text(text, what: str = "text") -> str:
    """``text`` itself, if it is a str with something to read; else a ``PipelineError``."""
    if not isinstance(text, str):
        raise PipelineError(f"the {what} must be a str, got {type(text).__name__}: {text!r:.80}")
    if is_blank(text):
        invisible = f" ({shown(text)} has only invisible characters)" if text.strip() else ""
        raise PipelineError(f"the {what} is empty{invisible}: give some words")
    return text


def check_stride(stride: int | None, window: int | None = None, name: str = "stride") -> None:
    """A stride (overlap of consecutive windows) must be >= 0 and smaller than the window it moves
    (the rule of minibert/tokenization/windows.py, raised as a ``PipelineError``)."""
    try:
        windows.check_stride(stride, window, name)
    except ValueError as err:
        raise PipelineError(str(err)) from None


def check_top_k(top_k: int | None, name: str = "top_k", zero_means_all: bool = False) -> None:
    """``top_k`` must be >= 1 (or 0 where 0 means "all")."""
    if top_k is None:
        return
    lowest = 0 if zero_means_all else 1
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < lowest:
        extra = " (0 = all)" if zero_means_all else ""
        raise PipelineError(f"{name} must be an integer >= {lowest}{extra}, got {top_k!r}")


def check_pair(pair: str | None, name: str = "text_pair") -> None:
    """A second text, when given, must have words: an empty one is refused, never silently dropped."""
    if pair is not None:
        check_text(pair, name)
