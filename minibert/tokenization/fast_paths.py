"""Why ``BertTokenizer`` is fast: caches and shortcuts, kept apart from the lesson in ``bert_tokenizer``.

None of this changes a single token; each shortcut gives what the plain pipeline
(``BertTokenizer._encode_chunk``: BasicTokenizer -> WordPiece -> ids) gives, only sooner. It rests on one
observation: the words of real text repeat. BasicTokenizer and WordPiece only ever look inside one
whitespace-separated chunk (``"wörld!"``), so the result for a chunk can be computed once and kept:

1. **chunk cache**: chunk -> (tokens, ids, offsets inside the chunk). After warm-up, tokenizing is mostly
   ``str.split`` plus dictionary lookups.
2. **word cache**: word -> WordPiece pieces with ids; ``"world"`` recurs in ``"world,"`` and ``"World."``.
3. **printable-ASCII chunks** (most of English text) skip the BasicTokenizer: no cleaning, CJK, NFC or
   accents apply, so it reduces to lowercasing and cutting around punctuation.
4. **no offsets asked**: ``str.split`` finds the chunks, faster than a regular expression.

Both caches are emptied when tokens are added (``SpecialTokensMixin._add``): a cached chunk may hold text
that now is an added token.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minibert.tokenization.added_tokens import Segment
    from minibert.tokenization.bert_tokenizer import BertTokenizer

Span = tuple[int, int]
# What one whitespace-separated chunk becomes: its tokens, their ids and their offsets inside the chunk as
# flat spans (start0, end0, start1, end1, ...). Flat on purpose: Python's garbage
# collector stops tracking a tuple of plain str/int at its first pass, while tuples of tuples stay tracked for
# several passes and, held by the cache, reach the oldest generation, whose growth triggers full collections
# that scan every object of the process (torch's included): measured, a third of a cold run's time.
ChunkResult = tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]
# A WordPiece piece of a word: (piece, id, start, end), the span counted in characters of the word.
WordPiece = tuple[str, int, int, int]

# Characters that ``str.split`` treats as whitespace but BERT deletes as control characters, which
# glues their neighbours together: "a\x1fb" is one word, "ab". Text holding one is cut with _BERT_CHUNK.
_GLUE_CHARS = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"
_HAS_GLUE = re.compile(f"[{_GLUE_CHARS}]")
_BERT_CHUNK = re.compile(rf"(?:[^\s]|[{_GLUE_CHARS}])+")
_SPLIT_CHUNK = re.compile(r"\S+")
# Each cache is emptied when it reaches this many entries: bounded memory on endless streams of new words.
_CACHE_LIMIT = 1 << 20
# Printable ASCII without spaces, and the BasicTokenizer's split of it: a punctuation character alone, or a
# run of anything else (ASCII punctuation is 33-47, 58-64, 91-96 and 123-126).
_PLAIN_ASCII = re.compile(r"[!-~]+")
_ASCII_WORD = re.compile(r"[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~]+")


class TokenCache:
    """The two caches of one tokenizer: ``chunks`` (chunk -> ``ChunkResult``) and ``words`` (word -> pieces)."""

    def __init__(self) -> None:
        self.chunks: dict[str, ChunkResult] = {}
        self.words: dict[str, tuple[WordPiece, ...]] = {}

    def clear(self) -> None:
        self.chunks.clear()
        self.words.clear()


def wordpieces(tok: BertTokenizer, word: str) -> tuple[WordPiece, ...]:
    """``tok.wordpiece_tokenizer.split_word(word)`` with the ids, remembered: ``"world"`` -> ``(("world", 2088,
    0, 5),)``."""
    cache = tok._cache.words
    found = cache.get(word)
    if found is None:
        found = tuple((p, tok._token_to_id(p), a, b) for p, a, b in tok.wordpiece_tokenizer.split_word(word))
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[word] = found
    return found


def _protected(tok: BertTokenizer, chunk: str) -> bool:
    """Whether ``never_split`` or a special token could keep this chunk whole (then take the plain path)."""
    never = tok.basic_tokenizer.never_split
    return (
        chunk in never
        or chunk.lower() in never
        or chunk in tok._added.tokens
        or "[" in chunk
        and any(chunk == t or chunk.lower() == t for t in tok.all_special_tokens)
    )


def encode_chunk(tok: BertTokenizer, chunk: str) -> ChunkResult:
    """Steps 3-5 for one chunk not in the chunk cache, then remembered there: ``"wörld!"`` -> ``(("world", "!"),
    (2088, 999), (0, 5, 5, 6))``. (Callers look in ``tok._cache.chunks`` first: a call less per chunk.)"""
    tokens, ids, spans = [], [], []
    if tok.do_basic_tokenize and _PLAIN_ASCII.fullmatch(chunk) and not _protected(tok, chunk):
        # Printable ASCII: BasicTokenizer reduces to lowercasing and cutting around punctuation, and every
        # character keeps its own offset. "World!" -> "world!" -> ["world", "!"]
        text = chunk.lower() if tok.basic_tokenizer.do_lower_case else chunk
        for match in _ASCII_WORD.finditer(text):
            base = match.start()
            for piece, piece_id, start, end in wordpieces(tok, match.group()):
                tokens.append(piece)
                ids.append(piece_id)
                spans += (base + start, base + end)
    else:
        for piece, piece_id, (start, end) in zip(*tok._encode_chunk(chunk)):
            tokens.append(piece)
            ids.append(piece_id)
            spans += (start, end)
    result = (tuple(tokens), tuple(ids), tuple(spans))
    if len(tok._cache.chunks) >= _CACHE_LIMIT:
        tok._cache.chunks.clear()
    tok._cache.chunks[chunk] = result
    return result


def encode_text(
    tok: BertTokenizer, text: str, segment: Segment, tokens: list[str], ids: list[int], spans: list[Span] | None
) -> None:
    """Steps 3-5 for one stretch of ordinary text (no added tokens in it), appending to the lists.

    ``segment`` is ``(start, end, None)`` or, after an ``AddedToken.single_word`` merge, ``(start, end, None,
    parts)``: the ``[a, b)`` parts of ``text`` to read joined. ``spans`` (``list[(start, end)]`` into ``text``,
    or ``None`` when no offsets are wanted) receives one span per token.
    """
    start, cached = segment[0], tok._cache.chunks
    stretch, positions = text[start : segment[1]], None
    if len(segment) > 3:  # text read across stripped whitespace: parts joined, each character's position kept
        stretch = "".join(text[a:b] for a, b in segment[3])
        positions = [i for a, b in segment[3] for i in range(a, b)]
    if spans is None and not (tok.do_basic_tokenize and _HAS_GLUE.search(stretch)):
        # No offsets wanted, no glue characters: plain str.split gives exactly BERT's chunks.
        for chunk in stretch.split():
            result = cached.get(chunk) or encode_chunk(tok, chunk)
            tokens += result[0]
            ids += result[1]
        return
    chunk_re = _BERT_CHUNK if tok.do_basic_tokenize else _SPLIT_CHUNK
    for match in chunk_re.finditer(stretch):
        chunk = match.group()
        result = cached.get(chunk) or encode_chunk(tok, chunk)
        tokens += result[0]
        ids += result[1]
        if spans is None:
            continue
        base, flat = match.start(), result[2]
        if positions is None:
            base += start
            spans += [(base + flat[i], base + flat[i + 1]) for i in range(0, len(flat), 2)]
        else:
            spans += [(positions[base + flat[i]], positions[base + flat[i + 1] - 1] + 1)
                      for i in range(0, len(flat), 2)]
