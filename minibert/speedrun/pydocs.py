"""The Python documentation as a corpus: the prose (``<p>`` paragraphs) of Debian's HTML pages.

Debian packages the documentation under the PSF license::

    apt-get update && apt-get install -y python3.11-doc      # -> /usr/share/doc/python3.11/html

A page gives one document: its paragraphs outside tables, code blocks left out (inline code such as ``len()``
kept), each of at least 8 words (real prose, not captions). Pages are read in sorted path order, so the corpus
is a pure function of the installed package. ``scripts/pretrain_pydocs.py`` and ``python -m minibert speedrun``
both read it from here, and notebook 11 its held-out pages. ``MINIBERT_PYDOCS_DIR`` names another folder (the
same HTML elsewhere; or a missing one, to see what happens without the package).
"""

from __future__ import annotations

import html.parser
import os
from pathlib import Path

DOCS = Path(os.environ.get("MINIBERT_PYDOCS_DIR") or "/usr/share/doc/python3.11/html")
INSTALL = "apt-get update && apt-get install -y python3.11-doc"


class _Paragraphs(html.parser.HTMLParser):
    """The text of every ``<p>`` of a Sphinx page, outside tables; code is kept only inline (``len()``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._depth_p = self._depth_table = 0
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth_table += 1
        elif tag == "p" and not self._depth_table:
            self._depth_p += 1
            self._buf = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._depth_table = max(0, self._depth_table - 1)
        elif tag == "p" and self._depth_p:
            self._depth_p -= 1
            text = " ".join("".join(self._buf).split())
            if len(text.split()) >= 8:  # real prose, not captions or one-word labels
                self.paragraphs.append(text)

    def handle_data(self, data):
        if self._depth_p:
            self._buf.append(data)


def page_paragraphs(path: Path) -> list[str]:
    """The prose paragraphs of one HTML page, in page order (the pilcrow anchors removed)."""
    parser = _Paragraphs()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return [p.replace("¶", "").strip() for p in parser.paragraphs]


def pages(docs: Path = DOCS) -> list[Path]:
    """The documentation's HTML pages in sorted path order (static files and the index left out).

    Raises FileNotFoundError with the install command when the documentation is not there.
    """
    if not Path(docs).is_dir():
        raise FileNotFoundError(f"{docs} not found: the pydocs corpus is Debian's Python documentation; install it "
                                f"with `{INSTALL}` (as root), or pass --corpus PATH to a text file or folder")
    return sorted(p for p in Path(docs).rglob("*.html") if "_static" not in p.parts and "genindex" not in p.name)


def documents(docs: Path = DOCS) -> list[tuple[str, list[str]]]:
    """``(page path relative to docs, paragraphs)`` for every page, in sorted path order.

    Pages without prose are kept (with no paragraphs): the held-out rule counts every page, as the shipped
    checkpoint's corpus did, and drops the empty ones after.
    """
    return [(str(page.relative_to(docs)), page_paragraphs(page)) for page in pages(docs)]
