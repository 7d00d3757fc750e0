"""minibert/tokenization/fast_unicode.json against the reference: every character it refuses is read otherwise by
the reference's Rust tokenizer, and a sample of those it accepts is read alike (ids and offsets, each setting)."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

transformers = pytest.importorskip("transformers")

from minibert.tokenization import fast_unicode  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import make_fast_unicode_table as script  # noqa: E402

TABLE = fast_unicode.table()
REFUSED = fast_unicode.listed()


def test_the_table_says_how_it_was_made():
    assert TABLE["script"] == "scripts/make_fast_unicode_table.py" and TABLE["transformers"] == "4.57.6"
    assert TABLE["settings"] == script.SETTINGS and TABLE["contexts"] == list(script.CONTEXTS)
    assert TABLE["unassigned"] <= len(REFUSED) <= TABLE["unassigned"] + sum(TABLE["differing_assigned"].values())


def _unassigned(c: int) -> bool:
    return unicodedata.category(chr(c)) in ("Cn", "Cs")


@pytest.mark.skipif(unicodedata.unidata_version != TABLE["unicode"], reason="the table was made with another Unicode")
def test_every_refused_character_is_read_otherwise():
    assigned = sorted(c for c in REFUSED if not _unassigned(c))
    assert 0 < len(assigned) < 2000
    found = set()
    for settings in script.SETTINGS.values():
        if set(assigned) - found:
            found |= script.differing(sorted(set(assigned) - found), settings)
    assert found == set(assigned)
    unassigned = [c for c in range(0, 0x110000, 997) if unicodedata.category(chr(c)) == "Cn"]
    assert script.differing(unassigned, {}) == set(unassigned)  # deleted by the slow reading, kept by the Rust one


@pytest.mark.parametrize("name", list(script.SETTINGS))
def test_a_sample_of_the_accepted_characters_is_read_alike(name):
    accepted = [c for c in range(0x110000) if c not in REFUSED]
    classics = [0x0085, 0x2028, 0x3000, 0x00AD, 0xFFFD, 0x1F600, 0x4E00, 0x2B81D, 0x212B, 0xF900]
    sample = accepted[::211] + [c for c in classics if c not in REFUSED]
    assert script.differing(sample, script.SETTINGS[name]) == set()
