"""DIR/data/: the corpus split, the vocabulary and the token ids of the segments, made once and reused.

    DIR/data/train.txt, heldout.txt     one paragraph a line, a blank line between documents
    DIR/data/vocab.txt                  WordPiece trained on train.txt (--language zh: one token per Chinese
                                        character, WordPiece for the rest; minibert/tokenization/char_vocab.py)
    DIR/data/segments.json              {"train": [[ids]], "held_out": [[ids]]}, [CLS] ... [SEP]
    DIR/data/words.json                 --whole-word-mask zh only: {"train": ["0110..."]}, per training segment
                                        1 where a token continues the jieba word before it (made when first asked)
    DIR/data/segments-64.json           --short-first only: {"train": [[ids]]} cut at 64 pieces (or
                                        --short-length), and "words" with --whole-word-mask zh (made when first asked)
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
from minibert.speedrun.segments import encode_segments, encode_segments_with_words, word_count
from minibert.speedrun.vocab import MIN_CHAR_COUNT, train_char_vocab, train_wordpiece

LANGUAGES = ("en", "zh")


@dataclass
class Prepared:
    meta: dict                         # source, documents, held-out rule and names, vocabulary, segment counts
    tokenizer: object                  # minibert BertTokenizer on vocab.txt
    train_segments: list[list[int]]
    held_out_segments: list[list[int]]
    held_out_documents: list[list[str]]
    train_words: list[list[bool]] | None = None  # --whole-word-mask zh: is_continuation of each training segment


def _documents(text: str) -> list[list[str]]:
    return [d.splitlines() for d in text.strip("\n").split("\n\n") if d.strip()]


def _as_text(flags: list[list[bool]]) -> list[str]:
    return ["".join("1" if c else "0" for c in row) for row in flags]


def _as_flags(rows: list[str]) -> list[list[bool]]:
    return [[c == "1" for c in row] for row in rows]


def _tokenizer(folder: Path, max_length: int):
    from minibert import BertTokenizer

    # Both languages: bert-base-chinese's (and bert-base-uncased's) BasicTokenizer, lower-case, each Chinese
    # character a word of its own; tokenizer_config.json records both, so the reference tokenizer does the same.
    return BertTokenizer(str(folder / "vocab.txt"), model_max_length=max_length, do_lower_case=True,
                         tokenize_chinese_chars=True)


def _words(folder: Path, tokenizer, max_length: int, train_segments: list[list[int]]) -> list[list[bool]]:
    """words.json's flags, made from train.txt if missing (the same packing: their ids are checked)."""
    path = folder / "words.json"
    if path.is_file():
        return _as_flags(json.loads(path.read_text(encoding="utf-8"))["train"])
    train_docs = _documents((folder / "train.txt").read_text(encoding="utf-8"))
    segments, flags = encode_segments_with_words(train_docs, tokenizer, max_length)
    if segments != train_segments:
        raise RuntimeError(f"{folder}: the segments made again for whole-word masking differ from segments.json")
    atomic_write_bytes(path, json.dumps({"train": _as_text(flags)}).encode("utf-8"))
    return flags


def prepare(spec: str, folder: Path, vocab_size: int, max_length: int, language: str = "en",
            whole_word_mask: str = "off") -> Prepared:
    if language not in LANGUAGES:
        raise ValueError(f"--language {language!r}: expected one of {', '.join(LANGUAGES)}")
    folder = Path(folder)
    wanted = {"corpus": spec, "vocab_size_asked": vocab_size, "max_length": max_length, "language": language}
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        made = {k: meta.get(k, "en" if k == "language" else None) for k in wanted}  # folders made before --language
        if made != wanted:
            raise ValueError(f"{folder} holds data made with {made}, this run asks for {wanted}: use another --out, "
                             "or the settings of the run that made it")
        segments = json.loads((folder / "segments.json").read_text(encoding="utf-8"))
        held_docs = _documents((folder / "heldout.txt").read_text(encoding="utf-8"))
        tokenizer = _tokenizer(folder, max_length)
        words = _words(folder, tokenizer, max_length, segments["train"]) if whole_word_mask == "zh" else None
        return Prepared(meta, tokenizer, segments["train"], segments["held_out"], held_docs, words)

    corpus = load_corpus(spec)
    for name, docs in (("train.txt", corpus.train), ("heldout.txt", corpus.held_out)):
        atomic_write_bytes(folder / name, as_text(docs).encode("utf-8"))
    if language == "zh":
        n_vocab, n_chars = train_char_vocab(folder / "train.txt", folder / "vocab.txt", vocab_size)
        vocab_meta = {"vocab_kind": "characters", "vocab_cjk_characters": n_chars, "min_char_count": MIN_CHAR_COUNT}
    else:
        n_vocab, vocab_meta = train_wordpiece(folder / "train.txt", folder / "vocab.txt", vocab_size), {
            "vocab_kind": "wordpiece"}
    tokenizer = _tokenizer(folder, max_length)
    words = None
    if whole_word_mask == "zh":
        train, words = encode_segments_with_words(corpus.train, tokenizer, max_length)
    else:
        train = encode_segments(corpus.train, tokenizer, max_length)
    held = encode_segments(corpus.held_out, tokenizer, max_length)
    atomic_write_bytes(folder / "segments.json", json.dumps({"train": train, "held_out": held}).encode("utf-8"))
    if words is not None:
        atomic_write_bytes(folder / "words.json", json.dumps({"train": _as_text(words)}).encode("utf-8"))
    meta = {**wanted, "vocab_size": n_vocab, **vocab_meta, "train_documents": len(corpus.train),
            "held_out_documents": len(corpus.held_out), "held_out_rule": f"every {_ordinal(corpus.every)} document",
            "held_out_names": corpus.held_out_names, "train_segments": len(train), "held_out_segments": len(held),
            "train_words": sum(word_count(p) for d in corpus.train for p in d),
            "train_characters": sum(len(p) for d in corpus.train for p in d),
            "train_tokens": sum(len(s) - 2 for s in train)}
    atomic_write_bytes(meta_path, json.dumps(meta, indent=2).encode("utf-8"))
    return Prepared(meta, tokenizer, train, held, corpus.held_out, words)


def short_segments(folder: Path, tokenizer, length: int, with_words: bool
                   ) -> tuple[list[list[int]], list[list[bool]] | None]:
    """The training documents cut again into segments of up to ``length`` pieces, with the same split and
    vocabulary (``--short-first``), and their jieba word flags when ``with_words``; cached in segments-N.json."""
    path = Path(folder) / f"segments-{length}.json"
    if path.is_file():
        cached = json.loads(path.read_text(encoding="utf-8"))
        if not with_words or "words" in cached:
            return cached["train"], _as_flags(cached["words"]) if with_words else None
    docs = _documents((Path(folder) / "train.txt").read_text(encoding="utf-8"))
    words = None
    if with_words:
        train, words = encode_segments_with_words(docs, tokenizer, length)
    else:
        train = encode_segments(docs, tokenizer, length)
    record = {"train": train, **({"words": _as_text(words)} if words is not None else {})}
    atomic_write_bytes(path, json.dumps(record).encode("utf-8"))
    return train, words


def _ordinal(n: int) -> str:
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n if n < 20 else n % 10, 'th')}"
