"""Tables in docs/*.md that a script writes are copied in between marker comments (scripts/doc_blocks.py): each
such block must be its file's text exactly, so a page never shows numbers its results folder no longer has."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from scripts.doc_blocks import blocks  # noqa: E402

PAGES = sorted((REPO / "docs").glob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_generated_block_is_its_file(page):
    for path, body in blocks(page.read_text(encoding="utf-8")):
        assert (REPO / path).is_file(), f"{page.name}: its block names {path}, which does not exist"
        assert body == (REPO / path).read_text(encoding="utf-8"), (
            f"{page.name}: the block of {path} differs from the file; copy it in again (the command in its "
            "begin marker; scripts/doc_blocks.py)")


def test_the_ablation_table_of_the_pretraining_page_is_generated():
    paths = [path for path, _ in blocks((REPO / "docs" / "pretraining.md").read_text(encoding="utf-8"))]
    assert "benchmarks/results/ablations-10m/table.md" in paths
