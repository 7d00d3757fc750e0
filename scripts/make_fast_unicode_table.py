"""Regenerate minibert/tokenization/fast_unicode.json: the characters BertTokenizerFast refuses.

    .venv/bin/python scripts/make_fast_unicode_table.py        # minutes: every code point, five settings

minibert's tokenizer reads characters by Python's ``unicodedata``, as the reference's slow ``BertTokenizer``
does. The reference's Rust ``BertTokenizerFast`` reads them by its own, older Unicode tables, so on some
characters the two disagree (docs/tokenizer.md, rows 1-3): minibert's ``BertTokenizerFast`` refuses those rather
than give other tokens than the reference's. This script finds them, by asking both: every code point, in the
contexts ``a{c}b`` and ``A{c} B``, under each tokenizer setting in ``SETTINGS``, tokenized by minibert and by the
reference's ``BertTokenizerFast`` (ids and offsets compared). Refused: every one that differs somewhere, every
surrogate, and every code point Python's Unicode leaves unassigned (the slow reading deletes those, the Rust
one keeps them). The table records the versions it was made with.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import tokenizers
import transformers

from minibert.tokenization import BertTokenizer
from minibert.tokenization.fast_unicode import composes, keeps_accents, runs

REFERENCE_VERSION = "4.57.6"
REPO = Path(__file__).resolve().parents[1]
VOCAB = REPO / "checkpoints" / "vocab" / "bert-base-uncased-vocab.txt"
OUT = REPO / "minibert" / "tokenization" / "fast_unicode.json"
CONTEXTS = ("a{}b", "A{} B")
SETTINGS = {
    "uncased": {},
    "cased": {"do_lower_case": False},
    "cased_strip_accents": {"do_lower_case": False, "strip_accents": True},
    "uncased_keep_accents": {"strip_accents": False},
    "no_chinese_chars": {"tokenize_chinese_chars": False},
}


def differing(code_points: list[int], settings: dict) -> set[int]:
    """The code points whose text, in some context, minibert and the reference's fast tokenizer read differently.

    With accents kept, a text that NFC changes is refused by that rule already (``fast_unicode.composes``), so
    only the others count: the table need not refuse "Å" (U+212B) where accents are stripped.
    """
    ours = BertTokenizer(str(VOCAB), **settings)
    theirs = transformers.BertTokenizerFast(str(VOCAB), **settings)
    accents = keeps_accents(ours)
    found = set()
    for context in CONTEXTS:
        texts = [context.format(chr(c)) for c in code_points]
        reference = theirs(texts, add_special_tokens=False, return_offsets_mapping=True)
        for c, text, ids, offsets in zip(code_points, texts, reference["input_ids"], reference["offset_mapping"]):
            if accents and composes(text):
                continue
            mine = ours(text, add_special_tokens=False, return_offsets_mapping=True)
            if mine["input_ids"] != ids or mine["offset_mapping"] != [tuple(o) for o in offsets]:
                found.add(c)
    return found


def main() -> None:
    if transformers.__version__ != REFERENCE_VERSION:
        sys.exit(f"the reference is transformers=={REFERENCE_VERSION}, found {transformers.__version__}")
    unassigned = {c for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cn", "Cs")}
    assigned = [c for c in range(0x110000) if c not in unassigned]
    refused, by_setting = set(unassigned), {}
    for name, settings in SETTINGS.items():
        found = differing(assigned, settings)
        by_setting[name] = len(found)
        refused |= found
        print(f"{name:22s} {len(found):5d} assigned characters read differently", flush=True)
    table = {
        "script": "scripts/make_fast_unicode_table.py", "unicode": unicodedata.unidata_version,
        "python": sys.version.split()[0], "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__, "contexts": list(CONTEXTS), "settings": SETTINGS,
        "differing_assigned": by_setting, "unassigned": len(unassigned),
        "refused": " ".join(f"{a:x}-{b:x}" for a, b in runs(sorted(refused))),
    }
    OUT.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    print(f"{len(refused)} code points refused, in {len(runs(sorted(refused)))} ranges -> {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
