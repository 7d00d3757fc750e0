"""BertTokenizer: text -> tokens -> ids, and back.

The whole pipeline for one string, with bert-base-uncased::

    "Héllo [MASK], wörld!"
      1. lowercase (not the special tokens)    -> "héllo [MASK], wörld!"
      2. cut out added/special tokens           -> "héllo " | "[MASK]" | ", wörld!"
      3. BasicTokenizer on the ordinary text    -> "hello" | "[MASK]" | "," "world" "!"
      4. WordPiece on each word                 -> same here; "unaffable" would give "un" "##aff" "##able"
      5. vocabulary lookup                      -> [7592, 103, 1010, 2088, 999]
      6. (in __call__) add [CLS] ... [SEP]       -> [101, 7592, 103, 1010, 2088, 999, 102]

Speed comes from one observation: the words of real text repeat. Steps 3-5 only ever look inside one
whitespace-separated chunk (``"wörld!"``), so their result for a chunk is computed once and kept in a
dict. After warm-up, tokenizing is mostly ``str.split`` plus dictionary lookups.
"""

from __future__ import annotations

import copy
import io
import os
import re
from collections.abc import Iterable

from minibert.tokenization.added_tokens import AddedToken, as_token
from minibert.tokenization.basic import BasicTokenizer
from minibert.tokenization.encoding import EncodingMixin
from minibert.tokenization.files import FilesMixin
from minibert.tokenization.special_tokens import SpecialTokensMixin
from minibert.tokenization.wordpiece import WordpieceTokenizer

VERY_LARGE_INTEGER = int(1e30)  # "no limit", the value the reference uses when a model sets none
Span = tuple[int, int]
# What one whitespace-separated chunk becomes: its tokens, their ids and their offsets inside the chunk as
# flat spans (start0, end0, start1, end1, ...). Flat on purpose: Python's garbage
# collector stops tracking a tuple of plain str/int at its first pass, while tuples of tuples stay tracked for
# several passes and, held by the cache, reach the oldest generation, whose growth triggers full collections
# that scan every object of the process (torch's included): measured, a third of a cold run's time.
ChunkResult = tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]

# Characters that ``str.split`` treats as whitespace but BERT deletes as control characters, which
# glues their neighbours together: "a\x1fb" is one word, "ab".
_GLUE_CHARS = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"
_HAS_GLUE = re.compile(f"[{_GLUE_CHARS}]")
_BERT_CHUNK = re.compile(rf"(?:[^\s]|[{_GLUE_CHARS}])+")
_SPLIT_CHUNK = re.compile(r"\S+")
_CACHE_LIMIT = 1 << 20
# Printable ASCII without spaces, and the BasicTokenizer's split of it: a punctuation character alone, or a
# run of anything else (ASCII punctuation is 33-47, 58-64, 91-96 and 123-126).
_PLAIN_ASCII = re.compile(r"[!-~]+")
_ASCII_WORD = re.compile(r"[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~]+")


def load_vocab(vocab_file: str | os.PathLike) -> dict[str, int]:
    """Read a WordPiece vocabulary: one token per line, the line number is the id."""
    if not os.path.isfile(vocab_file):
        raise FileNotFoundError(f"no vocabulary file at {str(vocab_file)!r} (expected a vocab.txt, one token a line)")
    from minibert.loading.text_file import read_text

    # Universal newlines, as the reference reads it; read_text names the line of a byte that is not UTF-8.
    text = read_text(vocab_file, keep_bom=True)
    return {line.rstrip("\n"): index for index, line in enumerate(io.StringIO(text, newline=None))}


class BertTokenizer(SpecialTokensMixin, EncodingMixin, FilesMixin):
    """BERT's WordPiece tokenizer, a drop-in for the reference ``BertTokenizer``.

    Args:
        vocab_file (str | PathLike): the ``vocab.txt`` to use.
        do_lower_case (bool): lowercase the text (uncased models).
        do_basic_tokenize (bool): run the BasicTokenizer before WordPiece.
        never_split (Iterable[str] | None): words the BasicTokenizer keeps whole.
        unk_token, sep_token, pad_token, cls_token, mask_token (str): the special tokens.
        tokenize_chinese_chars (bool): one word per CJK ideograph.
        strip_accents (bool | None): see ``BasicTokenizer``.
        model_max_length (int | None): the model's maximum input length (warnings and truncation default).
        clean_up_tokenization_spaces (bool): ``decode`` glues punctuation back (``"a , b"`` -> ``"a, b"``).
    """

    model_input_names = ["input_ids", "token_type_ids", "attention_mask"]
    padding_side = "right"
    truncation_side = "right"

    def __init__(
        self,
        vocab_file: str | os.PathLike,
        do_lower_case: bool = True,
        do_basic_tokenize: bool = True,
        never_split: Iterable[str] | None = None,
        unk_token: str = "[UNK]",
        sep_token: str = "[SEP]",
        pad_token: str = "[PAD]",
        cls_token: str = "[CLS]",
        mask_token: str = "[MASK]",
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        model_max_length: int | None = None,
        clean_up_tokenization_spaces: bool = True,
        additional_special_tokens: Iterable[str] | None = None,
        added_tokens_decoder: dict[int, AddedToken] | None = None,
        padding_side: str | None = None,
        truncation_side: str | None = None,
        **kwargs,
    ):
        # Every argument is kept in ``init_kwargs`` and written back by ``save_pretrained``, including keywords
        # minibert does not use (``verbose``, a library's own settings), as the reference does. Each keyword of
        # this signature that has a default is there even when left at it (``model_max_length=None`` too): the
        # reference's rule, which its tests check against the class's own signature. A keyword named like a
        # method (``encode=...``) would shadow it when the file is read back: refused, as there.
        for key in kwargs:
            if callable(getattr(self, key, None)):
                raise AttributeError(f"{key} conflicts with the method {key} in {type(self).__name__}")
        self.init_inputs: tuple = ()
        self.init_kwargs = copy.deepcopy(dict(
            do_lower_case=do_lower_case, do_basic_tokenize=do_basic_tokenize, never_split=never_split,
            unk_token=unk_token, sep_token=sep_token, pad_token=pad_token, cls_token=cls_token, mask_token=mask_token,
            tokenize_chinese_chars=tokenize_chinese_chars, strip_accents=strip_accents,
            model_max_length=model_max_length, clean_up_tokenization_spaces=clean_up_tokenization_spaces,
            additional_special_tokens=additional_special_tokens, added_tokens_decoder=added_tokens_decoder,
            padding_side=padding_side, truncation_side=truncation_side, **kwargs))
        self.verbose = bool(kwargs.get("verbose", False))
        self.name_or_path = str(kwargs.get("name_or_path", ""))
        for name in ("bos_token", "eos_token"):  # BERT has neither, but a config may set them
            if kwargs.get(name) is not None:
                setattr(self, name, str(as_token(kwargs[name])))
        self.vocab = load_vocab(vocab_file)
        if str(unk_token) not in self.vocab:
            raise ValueError(f"the vocabulary {str(vocab_file)!r} has no unknown token {str(unk_token)!r}")
        self.ids_to_tokens = {index: token for token, index in self.vocab.items()}
        self.do_basic_tokenize = do_basic_tokenize
        self.basic_tokenizer = BasicTokenizer(do_lower_case, never_split, tokenize_chinese_chars, strip_accents)
        self.wordpiece_tokenizer = WordpieceTokenizer(self.vocab, str(unk_token))
        self.unk_token, self.sep_token, self.pad_token = str(unk_token), str(sep_token), str(pad_token)
        self.cls_token, self.mask_token = str(cls_token), str(mask_token)
        self.model_max_length = VERY_LARGE_INTEGER if model_max_length is None else model_max_length
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.padding_side = padding_side or type(self).padding_side
        self.truncation_side = truncation_side or type(self).truncation_side
        self._cache: dict[str, ChunkResult] = {}
        self._word_cache: dict[str, tuple] = {}
        self._warned_long = False
        self._init_added_tokens(added_tokens_decoder)
        if additional_special_tokens:
            self.add_special_tokens({"additional_special_tokens": list(additional_special_tokens)})

    # -- sizes and lookups ------------------------------------------------------------------------
    @property
    def is_fast(self) -> bool:
        """bool: False. This is the pure-Python tokenizer, like the reference's ``BertTokenizer`` (the Rust one is
        ``BertTokenizerFast``); they give the same tokens."""
        return False

    @property
    def do_lower_case(self) -> bool:
        """bool: whether text is lowercased (only meaningful with the BasicTokenizer, as in the reference)."""
        return self.do_basic_tokenize and self.basic_tokenizer.do_lower_case

    @property
    def vocab_size(self) -> int:
        """int: size of the base vocabulary, without added tokens."""
        return len(self.vocab)

    def get_vocab(self) -> dict[str, int]:
        """dict[str, int]: every token, base vocabulary and added tokens, with its id."""
        return {**self.vocab, **self.added_tokens_encoder}

    def __len__(self) -> int:
        return len(self.get_vocab())

    def _token_to_id(self, token: str) -> int:
        found = self._added.tokens.get(token)
        if found is not None:
            return found[1]
        found = self.vocab.get(token)
        return self.vocab.get(self.unk_token) if found is None else found

    def convert_tokens_to_ids(self, tokens: str | Iterable[str] | None) -> int | list[int] | None:
        """One token (``str``) -> ``int``, or a list of tokens -> ``list[int]``; unknown tokens get the [UNK] id."""
        if tokens is None:
            return None
        if isinstance(tokens, str):
            return self._token_to_id(tokens)
        return [self._token_to_id(token) for token in tokens]

    def convert_ids_to_tokens(self, ids: int | Iterable[int], skip_special_tokens: bool = False) -> str | list[str]:
        """One id (``int``) -> ``str``, or ids -> ``list[str]``. Ids outside the vocabulary raise ``IndexError``."""
        if isinstance(ids, int):
            return self._id_to_token(ids)
        skip = set(self.all_special_ids) if skip_special_tokens else ()
        return [self._id_to_token(int(i)) for i in ids if int(i) not in skip]

    def _id_to_token(self, index: int) -> str:
        added = self._added_decoder.get(index)
        if added is not None:
            return added.content
        token = self.ids_to_tokens.get(index)
        if token is None:
            raise IndexError(f"token id {index} is outside the vocabulary (valid ids: 0..{len(self) - 1})")
        return token

    # -- text -> tokens ---------------------------------------------------------------------------
    def tokenize(self, text: str, **kwargs) -> list[str]:
        """Split ``text: str`` into tokens: ``"Hello, wörld!"`` -> ``["hello", ",", "world", "!"]``."""
        return self._run(text, want_offsets=False)[0]

    def _protect_specials(self) -> None:
        """Build the pattern of tokens that lowercasing must leave alone (called whenever tokens are added)."""
        keep = list(self.all_special_tokens)
        keep += [t.content for t in self._added_decoder.values() if not t.special and t.normalized]
        self._special_pattern = re.compile("|".join(re.escape(t) for t in keep)) if keep else None

    def _lowercase(self, text: str) -> tuple[str, list[int] | None]:
        """Lowercase all but the special tokens, one character at a time.

        ``"HELLO [MASK] ΟΔΟΣ"`` -> ``"hello [MASK] οδοσ"``: lowering character by character (what the reference
        does) keeps the final sigma as "σ", where ``str.lower`` on the whole word would write "ς".
        Returns the text and, when some character grew (``"İ"`` -> ``"i̇"``), the original index of each output
        character; otherwise ``None`` because positions are unchanged.
        """
        if self._special_pattern is None or not self._special_pattern.search(text):
            parts = [text]
        else:
            parts, last = [], 0
            for match in self._special_pattern.finditer(text):
                parts += [text[last : match.start()], match.group()]
                last = match.end()
            parts.append(text[last:])
        lowered = []
        for k, part in enumerate(parts):
            if k % 2:
                lowered.append(part)  # a protected token
            elif part.isascii() or "Σ" not in part:
                lowered.append(part.lower())
            else:
                lowered.append("".join(char.lower() for char in part))
        out = "".join(lowered)
        if len(out) == len(text):
            return out, None
        back: list[int] = []
        position = 0
        for k, part in enumerate(parts):
            for i, char in enumerate(part, start=position):
                back += [i] * (1 if k % 2 else len(char.lower()))
            position += len(part)
        return out, back

    def _protected(self, chunk: str) -> bool:
        """Whether ``never_split`` or a special token could keep this chunk whole (then take the general path)."""
        never = self.basic_tokenizer.never_split
        return (
            chunk in never
            or chunk.lower() in never
            or chunk in self._added.tokens
            or "[" in chunk
            and any(chunk == t or chunk.lower() == t for t in self.all_special_tokens)
        )

    def _wordpieces(self, word: str) -> tuple[tuple[str, int, int, int], ...]:
        """WordPiece pieces of one word with their ids, remembered: "world" recurs in "world," and "World."."""
        found = self._word_cache.get(word)
        if found is None:
            found = tuple((p, self._token_to_id(p), a, b) for p, a, b in self.wordpiece_tokenizer.split_word(word))
            if len(self._word_cache) >= _CACHE_LIMIT:
                self._word_cache.clear()
            self._word_cache[word] = found
        return found

    def _encode_chunk(self, chunk: str) -> ChunkResult:
        """BasicTokenizer + WordPiece + ids for one chunk: ``"wörld!"`` -> ``("world", "!"), (2088, 999)``."""
        tokens, ids, spans = [], [], []
        if self.do_basic_tokenize and _PLAIN_ASCII.fullmatch(chunk) and not self._protected(chunk):
            # Fast path for printable ASCII (most chunks of English text): no cleaning, CJK, NFC or accents
            # apply, so BasicTokenizer reduces to lowercasing and cutting around punctuation, and every
            # character keeps its own offset. "World!" -> "world!" -> ["world", "!"]
            text = chunk.lower() if self.basic_tokenizer.do_lower_case else chunk
            for match in _ASCII_WORD.finditer(text):
                base = match.start()
                for piece, piece_id, start, end in self._wordpieces(match.group()):
                    tokens.append(piece)
                    ids.append(piece_id)
                    spans += (base + start, base + end)
        else:
            if self.do_basic_tokenize:
                words = self.basic_tokenizer.tokenize_with_offsets(chunk, never_split=self.all_special_tokens)
            else:
                words = [(chunk, [(i, i + 1) for i in range(len(chunk))])]
            for word, word_spans in words:
                if word in self.basic_tokenizer.never_split and self.do_basic_tokenize:
                    pieces = ((word, self._token_to_id(word), 0, len(word)),)
                else:
                    pieces = self._wordpieces(word)
                for piece, piece_id, start, end in pieces:
                    tokens.append(piece)
                    ids.append(piece_id)
                    covered = word_spans[start:end]  # NFC may have reordered marks: take the extremes
                    spans += (min(c[0] for c in covered), max(c[1] for c in covered))
        result = (tuple(tokens), tuple(ids), tuple(spans))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[chunk] = result
        return result

    def _run(self, text: str, want_offsets: bool) -> tuple[list[str], list[int], list[Span] | None]:
        """Tokens, ids and (if asked) character offsets into ``text`` of every token."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}: {text!r:.80}")
        lowered, back = self._lowercase(text) if self.do_lower_case else (text, None)
        tokens: list[str] = []
        ids: list[int] = []
        spans: list[Span] | None = [] if want_offsets else None
        cache, encode_chunk = self._cache, self._encode_chunk
        chunk_re = _BERT_CHUNK if self.do_basic_tokenize else _SPLIT_CHUNK
        for seg in self._added.split(lowered):
            seg_start, seg_end, added_id = seg[0], seg[1], seg[2]
            segment, positions = lowered[seg_start:seg_end], None
            if len(seg) > 3:  # text read across stripped whitespace (AddedToken.single_word): parts joined
                segment = "".join(lowered[a:b] for a, b in seg[3])
                positions = [i for a, b in seg[3] for i in range(a, b)]
            if added_id is not None:
                tokens.append(segment)
                ids.append(added_id)
                if want_offsets:
                    spans.append((seg_start, seg_end))
            elif not want_offsets and not (self.do_basic_tokenize and _HAS_GLUE.search(segment)):
                # The fast path: plain str.split gives exactly BERT's chunks.
                for chunk in segment.split():
                    result = cache.get(chunk) or encode_chunk(chunk)
                    tokens += result[0]
                    ids += result[1]
            else:
                for match in chunk_re.finditer(segment):
                    chunk = match.group()
                    result = cache.get(chunk) or encode_chunk(chunk)
                    tokens += result[0]
                    ids += result[1]
                    if want_offsets and positions is None:
                        base = seg_start + match.start()
                        flat = result[2]
                        spans += [(base + flat[i], base + flat[i + 1]) for i in range(0, len(flat), 2)]
                    elif want_offsets:
                        base, flat = match.start(), result[2]
                        spans += [(positions[base + flat[i]], positions[base + flat[i + 1] - 1] + 1)
                                  for i in range(0, len(flat), 2)]
        if back is not None and want_offsets:
            spans = [(back[a], back[b - 1] + 1) for a, b in spans]
        return tokens, ids, spans

    # -- tokens -> text ---------------------------------------------------------------------------
    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """Join tokens, gluing ``##`` pieces to their word: ``["un", "##aff", "##able"]`` -> ``"unaffable"``."""
        return " ".join(tokens).replace(" ##", "").strip()

    def decode(
        self,
        token_ids,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        spaces_between_special_tokens: bool = True,
    ) -> str:
        """Ids (list, tensor or array) -> text: ``[101, 7592, 102]`` -> ``"[CLS] hello [SEP]"``."""
        if hasattr(token_ids, "tolist"):
            token_ids = token_ids.tolist()
        tokens = self.convert_ids_to_tokens(token_ids, skip_special_tokens=skip_special_tokens)
        if isinstance(tokens, str):
            tokens = [tokens]
        # Added tokens that are not special (and extra special tokens beyond the vocabulary) are kept as
        # separate pieces, so no "##" gluing can touch them.
        specials = set(self.all_special_tokens)
        loose = {t for t in self._added.tokens if t not in specials}
        loose |= {t for t in self.additional_special_tokens if self._token_to_id(t) >= self.vocab_size}
        texts: list[str] = []
        run: list[str] = []
        for token in tokens:
            if skip_special_tokens and token in specials:
                continue
            if token in loose:
                if run and (joined := self.convert_tokens_to_string(run)):
                    texts.append(joined)
                run = []
                texts.append(token)
            else:
                run.append(token)
        if run:
            texts.append(self.convert_tokens_to_string(run))
        text = (" " if spaces_between_special_tokens else "").join(texts)
        if clean_up_tokenization_spaces is None:
            clean_up_tokenization_spaces = self.clean_up_tokenization_spaces
        return self.clean_up_tokenization(text) if clean_up_tokenization_spaces else text

    def batch_decode(self, sequences, **kwargs) -> list[str]:
        """``decode`` for each sequence of a batch (list of lists, or a 2-d tensor/array)."""
        if hasattr(sequences, "tolist"):
            sequences = sequences.tolist()
        return [self.decode(sequence, **kwargs) for sequence in sequences]

    @staticmethod
    def clean_up_tokenization(text: str) -> str:
        """Undo the spaces tokenization puts before punctuation: ``"hello , world !"`` -> ``"hello, world!"``."""
        for spaced, glued in (
            (" .", "."),
            (" ?", "?"),
            (" !", "!"),
            (" ,", ","),
            (" ' ", "'"),
            (" n't", "n't"),
            (" 'm", "'m"),
            (" 's", "'s"),
            (" 've", "'ve"),
            (" 're", "'re"),
        ):
            text = text.replace(spaced, glued)
        return text

    def __repr__(self) -> str:
        return (
            f"BertTokenizer(vocab_size={self.vocab_size}, do_lower_case={self.do_lower_case}, "
            f"model_max_length={self.model_max_length}, added_tokens={len(self._added.tokens)})"
        )
