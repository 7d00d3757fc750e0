"""A data folder cut again at another segment length, keeping the split and the vocabulary of the one it copies.

The speedrun's prepare step (minibert/speedrun/prepare.py) would make a new vocabulary for a new length (its
meta.json records the length); the ablation of the length wants the same vocabulary, so this copies train.txt,
heldout.txt and vocab.txt and writes segments.json and meta.json for the new length.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def reseg(source: Path, target: Path, max_length: int) -> None:
    from minibert.loading.atomic import atomic_write_bytes
    from minibert.speedrun.prepare import _documents, _tokenizer
    from minibert.speedrun.segments import encode_segments

    target.mkdir(parents=True, exist_ok=True)
    for name in ("train.txt", "heldout.txt", "vocab.txt"):
        shutil.copy(source / name, target / name)
    tok = _tokenizer(target, max_length)
    train, held = (encode_segments(_documents((target / f).read_text(encoding="utf-8")), tok, max_length)
                   for f in ("train.txt", "heldout.txt"))
    atomic_write_bytes(target / "segments.json", json.dumps({"train": train, "held_out": held}).encode("utf-8"))
    meta = json.loads((source / "meta.json").read_text(encoding="utf-8"))
    meta.update(max_length=max_length, train_segments=len(train), held_out_segments=len(held),
                train_tokens=sum(len(s) - 2 for s in train), resegmented_from=str(source))
    atomic_write_bytes(target / "meta.json", json.dumps(meta, indent=2).encode("utf-8"))
