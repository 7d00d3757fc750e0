"""DIR/data/: the corpus split, the vocabulary and the token ids of the segments, made once and reused.

    DIR/data/train.txt, heldout.txt     one paragraph a line, a blank line between documents
    DIR/data/vocab.txt                  WordPiece, trained on train.txt
    DIR/data/segments.json              {"train": [[ids]], "held_out": [[ids]]}, [CLS] ... [SEP]
    DIR/data/meta.json                  what they were made from; written last, so a killed call makes them again

A resumed run reads them back instead of making them again (the pydocs corpus takes ~15 s on one core); a run
asked for other data than the folder holds stops with an error rather than mixing two corpora.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from minibert.loading.atomic import atomic_write_bytes
from minibert.speedrun.corpus import as_text, load_corpus
from minibert.speedrun.segments import encode_segments
from minibert.speedrun.vocab import train_wordpiece


@dataclass
class Prepared:
    meta: dict                         # source, documents, held-out rule and names, vocabulary, segment counts
    tokenizer: object                  # minibert BertTokenizer on vocab.txt
    train_segments: list[list[int]]
    held_out_segments: list[list[int]]
    held_out_documents: list[list[str]]


def _documents(text: str) -> list[list[str]]:
    return [d.splitlines() for d in text.strip("\n").split("\n\n") if d.strip()]


def prepare(spec: str, folder: Path, vocab_size: int, max_length: int) -> Prepared:
    from minibert import BertTokenizer

    folder = Path(folder)
    wanted = {"corpus": spec, "vocab_size_asked": vocab_size, "max_length": max_length}
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        made = {k: meta.get(k) for k in wanted}
        if made != wanted:
            raise ValueError(f"{folder} holds data made with {made}, this run asks for {wanted}: use another --out, "
                             "or the settings of the run that made it")
        segments = json.loads((folder / "segments.json").read_text(encoding="utf-8"))
        held_docs = _documents((folder / "heldout.txt").read_text(encoding="utf-8"))
        return Prepared(meta, BertTokenizer(str(folder / "vocab.txt"), model_max_length=max_length),
                        segments["train"], segments["held_out"], held_docs)

    corpus = load_corpus(spec)
    for name, docs in (("train.txt", corpus.train), ("heldout.txt", corpus.held_out)):
        atomic_write_bytes(folder / name, as_text(docs).encode("utf-8"))
    n_vocab = train_wordpiece(folder / "train.txt", folder / "vocab.txt", vocab_size)
    tokenizer = BertTokenizer(str(folder / "vocab.txt"), model_max_length=max_length)
    train, held = encode_segments(corpus.train, tokenizer, max_length), encode_segments(corpus.held_out, tokenizer,
                                                                                        max_length)
    atomic_write_bytes(folder / "segments.json", json.dumps({"train": train, "held_out": held}).encode("utf-8"))
    meta = {**wanted, "vocab_size": n_vocab, "train_documents": len(corpus.train),
            "held_out_documents": len(corpus.held_out), "held_out_rule": f"every {_ordinal(corpus.every)} document",
            "held_out_names": corpus.held_out_names, "train_segments": len(train), "held_out_segments": len(held),
            "train_words": sum(len(p.split()) for d in corpus.train for p in d)}
    atomic_write_bytes(meta_path, json.dumps(meta, indent=2).encode("utf-8"))
    return Prepared(meta, tokenizer, train, held, corpus.held_out)


def _ordinal(n: int) -> str:
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n if n < 20 else n % 10, 'th')}"
