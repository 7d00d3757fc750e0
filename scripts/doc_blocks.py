"""Generated blocks in the docs: a file's text, copied between two marker comments, that no one edits by hand.

    <!-- begin: benchmarks/results/ablations-10m/table.md (how it is made) -->
    ...the file's text, exactly...
    <!-- end: benchmarks/results/ablations-10m/table.md -->

The path is relative to the repository root. ``fill`` copies each named file in again (the scripts that write a
file call it after); tests/docs/test_generated_blocks.py checks that every block of docs/*.md is its file's text.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- begin: (?P<path>\S+)[^\n]*-->\n)(?P<body>.*?)(<!-- end: (?P=path) -->)", re.S)


def blocks(text: str) -> list[tuple[str, str]]:
    """(path, text between the markers) for each generated block, in order."""
    return [(m["path"], m["body"]) for m in BLOCK.finditer(text)]


def fill(doc: Path, root: Path = ROOT) -> list[str]:
    """Copy each block's file into ``doc`` again; return the paths filled."""
    text = doc.read_text(encoding="utf-8")
    filled = []

    def body(m: re.Match) -> str:
        filled.append(m["path"])
        new = (root / m["path"]).read_text(encoding="utf-8")
        return m.group(1) + new + ("" if new.endswith("\n") else "\n") + m.group(4)

    doc.write_text(BLOCK.sub(body, text), encoding="utf-8")
    return filled
