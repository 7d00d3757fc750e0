"""The input rules of minibert/pipelines/inputs.py, applied to command-line flags before any model loads.

Every task command calls ``check_flags(args)`` first: a bad ``--top-k``, ``--stride``, ``--doc-stride`` or
``--pair`` is one line naming the flag, before seconds go into loading a model. ``for_cli(pipe)`` makes the
pipeline's own messages name flags too (``pass --truncation``, not ``pass truncation=True``), and shows the
pipeline's warnings (a text cut short, weights initialised randomly) as ``note:`` lines on stderr.
"""

from __future__ import annotations

import logging
import sys

from minibert.pipelines.inputs import check_pair, check_stride, check_top_k, is_blank, shown

# The pipelines' option names -> the flags that set them on the command line.
FLAGS = {"truncation": "--truncation", "stride": "--stride", "doc_stride": "--doc-stride",
         "max_seq_len": "--max-seq-len", "top_k": "--top-k"}


def check_flags(args, top_k_zero_means_all: bool = False) -> None:
    """Check whichever of ``--top-k``, ``--stride``, ``--doc-stride``, ``--pair``, ``--max-seq-len`` and
    ``--max-answer-len`` the command has."""
    if getattr(args, "top_k", None) is not None:
        check_top_k(args.top_k, "--top-k", zero_means_all=top_k_zero_means_all)
    for name in ("stride", "doc_stride"):
        check_stride(getattr(args, name, None), name=FLAGS[name])
    check_pair(getattr(args, "pair", None), "--pair")
    for name in ("max_seq_len", "max_answer_len"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {value}")


def check_texts(texts: list[str]) -> list[str]:
    """Each text must have something to read: empty, whitespace or invisible-only (NUL, U+200B) is refused."""
    for n, text in enumerate(texts, start=1):
        if is_blank(text):
            where = f"text {n} of {len(texts)}" if len(texts) > 1 else "the text"
            invisible = f", {shown(text)} has only invisible characters" if text.strip() else ""
            raise ValueError(f"an input text is empty ({where}{invisible}): give some words")
    return texts


class _Notes(logging.Handler):
    """Prints a pipeline's warnings as ``note: ...`` on the current stderr (no logging set-up needed).

    A corpus can hold thousands of long lines: each kind of note is printed ``LIMIT`` times, then once more
    as a count of the rest when the command ends (``flush_notes``).
    """

    LIMIT = 3

    def __init__(self):
        super().__init__()
        self.seen: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        n = self.seen[record.msg] = self.seen.get(record.msg, 0) + 1
        if n <= self.LIMIT:
            print(f"note: {record.getMessage()}", file=sys.stderr)

    def flush_notes(self) -> None:
        hidden = sum(n - self.LIMIT for n in self.seen.values() if n > self.LIMIT)
        if hidden:
            print(f"note: {hidden} more note(s) of the same kinds as above were not shown", file=sys.stderr)
        self.seen.clear()


def flush_notes() -> None:
    """Say how many notes were held back (called once a command's pipeline has run)."""
    for handler in logging.getLogger("minibert.pipelines").handlers:
        if isinstance(handler, _Notes):
            handler.flush_notes()


def for_cli(pipe):
    """``pipe`` with messages that name command-line flags, and its warnings printed as notes."""
    pipe.option_names = {**pipe.option_names, **FLAGS}
    log = logging.getLogger("minibert.pipelines")
    notes = next((h for h in log.handlers if isinstance(h, _Notes)), None)
    if notes is None:
        log.addHandler(_Notes())
    else:
        notes.seen.clear()  # a new command (in the same process): count afresh
    return pipe
