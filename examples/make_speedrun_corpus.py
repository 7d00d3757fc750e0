"""Write examples/data/speedrun_corpus.txt: a small corpus for a tiny ``python -m minibert speedrun``.

    python examples/make_speedrun_corpus.py      # needs Debian's python3.11-doc (apt-get install -y python3.11-doc)

Source: the prose of the 13 longest pages of the Python 3.11 tutorial (/usr/share/doc/python3.11/html/tutorial/
*.html, Debian package python3.11-doc; the 4 pages under 4,000 characters left out), read by
minibert/speedrun/pydocs.py: each page's first paragraphs, up to about 8,000 characters, one paragraph a line,
a blank line between pages. License: the Python documentation's, the PSF
License Version 2 (https://docs.python.org/3/license.html), which allows copying with the notice kept:
"Copyright © 2001-2023 Python Software Foundation; All Rights Reserved".

About 95 KB: enough for a one-minute speedrun in the tests (tests/speedrun/test_speedrun.py) to train a vocabulary, hold
out 4 whole pages and build the transfer task from them.
"""

from __future__ import annotations

from pathlib import Path

from minibert.speedrun.pydocs import DOCS, page_paragraphs

OUT = Path(__file__).resolve().parent / "data" / "speedrun_corpus.txt"
PER_PAGE = 8000
SHORTEST = 4000  # pages with less prose are left out: a held-out page must give the transfer task enough sentences


def main() -> None:
    pages = []
    for page in sorted((DOCS / "tutorial").glob("*.html")):
        paragraphs = page_paragraphs(page)
        if sum(map(len, paragraphs)) < SHORTEST:
            continue
        kept, used = [], 0
        for paragraph in paragraphs:
            if used >= PER_PAGE:
                break
            kept.append(paragraph)
            used += len(paragraph)
        pages.append("\n".join(kept))
    OUT.write_text("\n\n".join(pages) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(pages)} pages, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
