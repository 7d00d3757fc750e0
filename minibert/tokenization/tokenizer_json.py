"""``tokenizer.json``: the one-file form of a fast tokenizer, read and written for BERT's pipeline only.

The file describes a Rust ``tokenizers`` pipeline part by part. For BERT it is always the same five parts, which
are the steps of minibert's ``BertTokenizer``:

    normalizer      BertNormalizer   clean_text, handle_chinese_chars, strip_accents, lowercase
    pre_tokenizer   BertPreTokenizer (split on whitespace and punctuation)
    model           WordPiece        unk_token, continuing_subword_prefix "##", max_input_chars_per_word 100, vocab
    post_processor  TemplateProcessing "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" (or BertProcessing)
    decoder         WordPiece        prefix "##", cleanup

plus ``added_tokens`` (the special tokens) and, from the library that saved it, ``truncation`` and ``padding``.
``read`` checks a file is exactly that and raises ``ValueError`` naming the part that is not: minibert cannot run
another pipeline, and reading it as BERT's would give other tokens. ``write`` produces the file the reference
writes for the same tokenizer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

FILE = "tokenizer.json"
PREFIX, MAX_CHARS = "##", 100


@dataclass
class Spec:
    """What a BERT ``tokenizer.json`` holds for minibert: the vocabulary, the tokens its pipeline itself uses
    (the WordPiece model's unknown token, the template's [CLS] and [SEP]) and the sides it truncates and pads."""

    vocab: dict[str, int]
    pipeline_tokens: dict[str, str]
    sides: dict[str, str]


def _expect(part: str, found, wanted) -> None:
    if found != wanted:
        raise ValueError(f"{FILE}: {part} is {found!r}; minibert reads BERT's pipeline only ({part} {wanted!r}), "
                         "so it cannot give this tokenizer's tokens: load it with transformers")


def _template(cls: str, sep: str) -> tuple[list, list]:
    def special(token, type_id):
        return {"SpecialToken": {"id": token, "type_id": type_id}}

    def sequence(name, type_id):
        return {"Sequence": {"id": name, "type_id": type_id}}

    return ([special(cls, 0), sequence("A", 0), special(sep, 0)],
            [special(cls, 0), sequence("A", 0), special(sep, 0), sequence("B", 1), special(sep, 1)])


def read(path: str | os.PathLike) -> Spec:
    """The vocabulary and settings of a BERT ``tokenizer.json``; ``ValueError`` for any other pipeline."""
    from minibert.loading.text_file import read_json

    data = read_json(path, dict, f"{FILE} as a fast tokenizer saves it")
    normalizer, model = data.get("normalizer") or {}, data.get("model") or {}
    _expect("normalizer", normalizer.get("type"), "BertNormalizer")
    _expect("normalizer.clean_text", normalizer.get("clean_text"), True)
    _expect("pre_tokenizer", (data.get("pre_tokenizer") or {}).get("type"), "BertPreTokenizer")
    _expect("model", model.get("type"), "WordPiece")
    _expect("model.continuing_subword_prefix", model.get("continuing_subword_prefix"), PREFIX)
    _expect("model.max_input_chars_per_word", model.get("max_input_chars_per_word"), MAX_CHARS)
    decoder = data.get("decoder") or {}
    _expect("decoder", (decoder.get("type"), decoder.get("prefix"), decoder.get("cleanup")),
            ("WordPiece", PREFIX, True))
    vocab = model.get("vocab")
    if not isinstance(vocab, dict) or sorted(vocab.values()) != list(range(len(vocab))):
        raise ValueError(f"{FILE}: model.vocab must map each token to an id, the ids 0..n-1 without gaps")
    post = data.get("post_processor") or {}
    if post.get("type") == "BertProcessing":
        cls, sep = post["cls"][0], post["sep"][0]
        _expect("post_processor ids", (post["cls"][1], post["sep"][1]), (vocab.get(cls), vocab.get(sep)))
    else:
        _expect("post_processor", post.get("type"), "TemplateProcessing")
        single = post.get("single") or [{}]
        cls, sep = (single[0].get("SpecialToken", {}).get("id"), single[-1].get("SpecialToken", {}).get("id"))
        _expect("post_processor template", (post.get("single"), post.get("pair")), _template(cls, sep))
        _expect("post_processor special tokens", post.get("special_tokens"), _special_ids(cls, sep, vocab))
    for token in data.get("added_tokens") or []:
        flags = {k: token.get(k) for k in ("single_word", "lstrip", "rstrip", "normalized", "special")}
        _expect(f"added token {token.get('content')!r}", (flags, vocab.get(token.get("content"))),
                ({"single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
                 token.get("id")))
    # The normalizer's switches are not read: the reference's BertTokenizerFast replaces them with its own
    # arguments (do_lower_case=True unless told otherwise). The sides of truncation and padding it does read.
    sides = {"truncation_side": (data.get("truncation") or {}).get("direction"),
             "padding_side": (data.get("padding") or {}).get("direction")}
    return Spec(vocab, {"unk_token": model.get("unk_token"), "cls_token": cls, "sep_token": sep},
                {k: v.lower() for k, v in sides.items() if isinstance(v, str)})


def _special_ids(cls: str, sep: str, vocab: dict[str, int]) -> dict:
    return {token: {"id": token, "ids": [vocab.get(token)], "tokens": [token]} for token in (cls, sep)}


def write(tok, path: str | os.PathLike) -> str:
    """Write ``tok``'s ``tokenizer.json`` (the reference's file for the same tokenizer); returns its path."""
    from minibert.loading.atomic import atomic_write_bytes

    single, pair = _template(tok.cls_token, tok.sep_token)
    data = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": index, "content": token.content, "single_word": token.single_word,
                          "lstrip": token.lstrip, "rstrip": token.rstrip, "normalized": token.normalized,
                          "special": token.special} for index, token in sorted(tok.added_tokens_decoder.items())],
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": tok.basic_tokenizer.tokenize_chinese_chars,
                       "strip_accents": tok.basic_tokenizer.strip_accents, "lowercase": tok.do_lower_case},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing", "single": single, "pair": pair,
                           "special_tokens": _special_ids(tok.cls_token, tok.sep_token, tok.get_vocab())},
        "decoder": {"type": "WordPiece", "prefix": PREFIX, "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": tok.unk_token, "continuing_subword_prefix": PREFIX,
                  "max_input_chars_per_word": MAX_CHARS,
                  "vocab": dict(sorted(tok.vocab.items(), key=lambda item: item[1]))},
    }
    atomic_write_bytes(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return str(path)
