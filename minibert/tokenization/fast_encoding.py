"""Model inputs as the reference's Rust tokenizer builds them: its truncation, its overflow windows, its maps.

The tokens are minibert's (``BertTokenizer._run``); what differs from the slow reference is what happens next:

* **a pair too long** (``truncation=True``): the shorter sequence keeps its length if the longer one can make
  room (else both get half of ``max_length``), where the slow tokenizer removes one token at a time from the
  longer (docs/tokenizer.md, row 7);
* **overflow** (``return_overflowing_tokens=True``): every window of ``max_length`` becomes a row of its own, each
  ``stride`` tokens into the one before, with ``overflow_to_sample_mapping`` naming its example (row 4); for a
  pair, the windows of each sequence are combined: the kept part of the first with every window of the second,
  then each overflow window of the first with the kept second and with every overflow window of the second;
* **maps**: each row remembers every token's word, sequence and characters (``alignment.Alignment``).
"""

from __future__ import annotations

from dataclasses import dataclass

from minibert.tokenization.alignment import Alignment
from minibert.tokenization.batch_encoding import BatchEncoding
from minibert.tokenization.options import EncodeOptions

# The keys of a row, in the reference's order (``overflow_to_sample_mapping`` follows them).
KEYS = ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask", "offset_mapping", "length")


@dataclass
class Piece:
    """A run of one sequence's tokens (before special tokens): ids, texts, characters and words."""

    ids: list[int]
    tokens: list[str]
    offsets: list[tuple[int, int]]
    words: list[int]

    def __len__(self) -> int:
        return len(self.ids)

    def part(self, start: int, stop: int) -> Piece:
        return Piece(self.ids[start:stop], self.tokens[start:stop], self.offsets[start:stop], self.words[start:stop])


def read(tok, text, split_into_words: bool) -> Piece:
    """A text (``str``), or with ``split_into_words`` a list of words, as a ``Piece``.

    A word starts at every token but a WordPiece continuation (``##...``): the BasicTokenizer cuts ``#`` off as
    punctuation, so no word's first piece starts with it. Words of a pre-split input are the input's words.
    """
    if isinstance(text, str) and not split_into_words:
        tok._check_text(text)
        tokens, ids, offsets = tok._run(text, want_offsets=True)
        words, word = [], -1
        for token in tokens:
            word += not (token.startswith("##") and token not in tok._added.tokens)
            words.append(word)
        return Piece(ids, tokens, offsets, words)
    if split_into_words and isinstance(text, (list, tuple)) and all(isinstance(w, str) for w in text):
        piece = Piece([], [], [], [])
        for index, word in enumerate(text):
            tok._check_text(word)
            tokens, ids, offsets = tok._run(word, want_offsets=True)
            piece.ids += ids
            piece.tokens += tokens
            piece.offsets += offsets
            piece.words += [index] * len(ids)
        return piece
    raise TypeError(f"BertTokenizerFast encodes text: a str, or a list of str with is_split_into_words=True; got "
                    f"{type(text).__name__} {text!r:.80} (token ids or token lists: use BertTokenizer)")


def windows(piece: Piece, keep: int, stride: int, side: str) -> list[Piece]:
    """``piece`` cut to ``keep`` tokens, then the windows that overflow: [kept, overflow 1, overflow 2, ...].

    Each window holds ``keep`` tokens and starts ``keep - stride`` after the one before (from the end with
    ``side="left"``), until one reaches the far end. ``keep`` 0 keeps nothing and overflows all in one window.
    """
    n = len(piece)
    if keep >= n:
        return [piece]
    if keep == 0:
        return [piece.part(0, 0), piece]
    if stride >= keep:
        raise ValueError(f"stride ({stride}) must be smaller than the tokens a window keeps of this sequence ({keep}: "
                         "max_length less the special tokens, shared between the two sequences of a pair)")
    step, spans = keep - stride, []
    if side == "right":
        for start in range(0, n, step):
            spans.append((start, min(start + keep, n)))
            if spans[-1][1] == n:
                break
    else:
        for last in range(n - 1, -1, -step):
            spans.append((max(last + 1 - keep, 0), last + 1))
            if spans[-1][0] == 0:
                break
    return [piece.part(a, b) for a, b in spans]


def truncate(first: Piece, second: Piece | None, room: int | None, strategy: str, stride: int, side: str):
    """(windows of ``first``, windows of ``second`` or None) so that the kept parts fit ``room`` tokens.

    ``room``: ``max_length`` less the special tokens; None (``max_length`` smaller than they need) truncates nothing.
    """
    total = len(first) + (len(second) if second is not None else 0)
    if strategy == "do_not_truncate" or room is None or total <= room:
        return [first], None if second is None else [second]
    if room == 0:  # nothing fits: whatever the strategy, both sequences keep nothing
        return windows(first, 0, stride, side), None if second is None else windows(second, 0, stride, side)
    if strategy == "longest_first" and second is not None:
        short, long_ = sorted((len(first), len(second)))
        keep_short, keep_long = short, (short if short > room else max(short, room - short))
        if keep_short + keep_long > room:  # both are long: each gets half
            keep_short, keep_long = room // 2, room // 2 + room % 2
        first_keep, second_keep = (keep_short, keep_long) if len(first) <= len(second) else (keep_long, keep_short)
        return windows(first, first_keep, stride, side), windows(second, second_keep, stride, side)
    if strategy == "only_second" and second is None:
        raise ValueError("cannot truncate: truncation='only_second' but there is no second sequence")
    target = second if strategy == "only_second" else first
    remove = total - room
    if len(target) <= remove:
        raise ValueError(f"cannot truncate: {remove} tokens must be removed but the sequence to truncate has only "
                         f"{len(target)}; max_length is too small for this input and its special tokens")
    cut = windows(target, len(target) - remove, stride, side)
    if strategy == "only_second":
        return [first], cut
    return cut, None if second is None else [second]


def combine(firsts: list[Piece], seconds: list[Piece] | None) -> list[tuple[Piece, Piece | None]]:
    """The rows the windows make, in the reference's order (see the module docstring)."""
    if seconds is None:
        return [(f, None) for f in firsts]
    rows = [(firsts[0], s) for s in seconds[:1]]
    for f in firsts[1:]:
        rows += [(f, seconds[0])] + [(f, s) for s in seconds[1:]]
    return rows + [(firsts[0], s) for s in seconds[1:]]


def assemble(tok, a: Piece, b: Piece | None, options: EncodeOptions) -> tuple[dict, Alignment]:
    """One row: special tokens around the pieces, and the lists and maps that were asked for."""
    pieces = [(a, 0)] + ([(b, 1)] if b is not None else [])
    ids, types, tokens, words, seqs, offsets, special = [], [], [], [], [], [], []

    def put(token_ids, token_texts, type_id, seq, token_words, token_offsets, is_special):
        ids.extend(token_ids)
        tokens.extend(token_texts)
        types.extend([type_id] * len(token_ids))
        seqs.extend([seq] * len(token_ids))
        words.extend(token_words)
        offsets.extend(token_offsets)
        special.extend([is_special] * len(token_ids))

    add = options.add_special_tokens
    if add:
        put([tok.cls_token_id], [tok.cls_token], 0, None, [None], [(0, 0)], 1)
    for piece, seq in pieces:  # the pair's tokens have type 1 even without special tokens
        put(piece.ids, piece.tokens, seq, seq, piece.words, piece.offsets, 0)
        if add:
            put([tok.sep_token_id], [tok.sep_token], seq, None, [None], [(0, 0)], 1)
    row = {"input_ids": ids}
    if options.return_token_type_ids is not False:
        row["token_type_ids"] = types
    if options.return_special_tokens_mask:
        row["special_tokens_mask"] = special
    if options.return_offsets_mapping:
        row["offset_mapping"] = offsets
    return row, Alignment(tokens, words, seqs, offsets, pair=b is not None)


def encode_batch(tok, batch: list, options: EncodeOptions, single: bool) -> BatchEncoding:
    """Examples (a text, or a ``(text, pair)`` tuple) -> a ``BatchEncoding`` with a row per window and maps."""
    options = options.resolve(tok.model_max_length, tok.pad_token_id is not None)
    one = tok.num_special_tokens_to_add(False)
    effective = (options.max_length or 0) - one
    if options.truncation != "do_not_truncate" and effective >= 0 and options.stride > effective:
        raise ValueError(f"stride ({options.stride}) must be smaller than max_length ({options.max_length}) less "
                         f"the {one} special tokens of one sequence, as the reference's fast tokenizer requires")
    rows, maps, sample = [], [], []
    for index, (first, second) in enumerate(batch):
        a = read(tok, first, options.is_split_into_words)
        b = None if second is None else read(tok, second, options.is_split_into_words)
        specials = tok.num_special_tokens_to_add(b is not None) if options.add_special_tokens else 0
        room = None if options.max_length is None or options.max_length < specials else options.max_length - specials
        firsts, seconds = truncate(a, b, room, options.truncation, options.stride, tok.truncation_side)
        for x, y in combine(firsts, seconds):
            row, alignment = assemble(tok, x, y, options)
            rows.append(row)
            maps.append(alignment)
            sample.append(index)
    if not rows:
        raise ValueError("pad needs 'input_ids' among the inputs, got []")
    tok._pad_rows(rows, options)
    side = options.padding_side or tok.padding_side
    maps = [m.padded(len(r["input_ids"]), side, tok.pad_token) for m, r in zip(maps, rows)]
    if options.return_length:  # counted after padding, as the reference's Rust tokenizer counts
        for row in rows:
            row["length"] = len(row["input_ids"])
    data = {key: [row[key] for row in rows] for key in KEYS if key in rows[0]}
    if options.return_overflowing_tokens:
        data["overflow_to_sample_mapping"] = sample
    n_sequences = 1 if batch[0][1] is None else 2
    if single and not options.return_overflowing_tokens and options.return_tensors is None:
        # one example: the lists lose their batch axis (the lengths, one number a row, keep theirs: [n])
        data = {key: value[0] if isinstance(value[0], list) else value for key, value in data.items()}
    return BatchEncoding(data, tensor_type=options.return_tensors, alignments=maps, n_sequences=n_sequences)
