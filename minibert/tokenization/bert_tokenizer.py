"""BertTokenizer: text -> tokens -> ids, and back.

The whole pipeline for one string, with bert-base-uncased::

    "Héllo [MASK], wörld!"
      1. lowercase (not the special tokens)    -> "héllo [MASK], wörld!"
      2. cut out added/special tokens           -> "héllo " | "[MASK]" | ", wörld!"
      3. BasicTokenizer on the ordinary text    -> "hello" | "[MASK]" | "," "world" "!"
      4. WordPiece on each word                 -> same here; "unaffable" would give "un" "##aff" "##able"
      5. vocabulary lookup                      -> [7592, 103, 1010, 2088, 999]
      6. (in __call__) add [CLS] ... [SEP]       -> [101, 7592, 103, 1010, 2088, 999, 102]

Steps 1-2 are ``_run`` below, steps 3-5 ``_encode_chunk`` (BasicTokenizer, then WordPiece, then the
vocabulary) and step 6 ``encoding``; ``decoding`` goes back from ids to text. That is the whole lesson. It runs
through ``fast_paths``, which remembers each chunk's result and takes shortcuts that give the same tokens.
``call_api`` is the reference's calling surface (``tokenizer(...)``, ``encode_plus``, ``pad``, ...).
"""

from __future__ import annotations

import copy
import io
import os
from collections.abc import Iterable, Mapping

from minibert.tokenization import fast_paths
from minibert.tokenization.added_tokens import AddedToken, as_token
from minibert.tokenization.basic import BasicTokenizer
from minibert.tokenization.call_api import CallApiMixin
from minibert.tokenization.decoding import DecodingMixin
from minibert.tokenization.encoding import EncodingMixin
from minibert.tokenization.files import FilesMixin
from minibert.tokenization.lowercase import lowercase_except, protecting_pattern
from minibert.tokenization.options import VERY_LARGE_INTEGER
from minibert.tokenization.special_tokens import SpecialTokensMixin
from minibert.tokenization.wordpiece import WordpieceTokenizer

Span = tuple[int, int]


def load_vocab(vocab_file: str | os.PathLike) -> dict[str, int]:
    """Read a WordPiece vocabulary: one token per line, the line number is the id."""
    if not os.path.isfile(vocab_file):
        raise FileNotFoundError(f"no vocabulary file at {str(vocab_file)!r} (expected a vocab.txt, one token a line)")
    from minibert.loading.text_file import read_text

    # Universal newlines, as the reference reads it; read_text names the line of a byte that is not UTF-8.
    text = read_text(vocab_file, keep_bom=True)
    return {line.rstrip("\n"): index for index, line in enumerate(io.StringIO(text, newline=None))}


class BertTokenizer(SpecialTokensMixin, CallApiMixin, EncodingMixin, DecodingMixin, FilesMixin):
    """BERT's WordPiece tokenizer, a drop-in for the reference ``BertTokenizer``.

    Args:
        vocab_file (str | PathLike | Mapping[str, int]): the ``vocab.txt`` to use (or the vocabulary itself).
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
        vocab_file: str | os.PathLike | Mapping[str, int],
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
        self.vocab = dict(vocab_file) if isinstance(vocab_file, Mapping) else load_vocab(vocab_file)
        if str(unk_token) not in self.vocab:
            where = "given" if isinstance(vocab_file, Mapping) else repr(str(vocab_file))
            raise ValueError(f"the vocabulary {where} has no unknown token {str(unk_token)!r}")
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
        self._cache = fast_paths.TokenCache()  # chunk and word results, emptied when tokens are added
        self._init_added_tokens(added_tokens_decoder)
        if additional_special_tokens:
            self.add_special_tokens({"additional_special_tokens": list(additional_special_tokens)})

    # -- text -> tokens: the lesson ------------------------------------------------------------------
    def tokenize(self, text: str, **kwargs) -> list[str]:
        """Split ``text: str`` into tokens: ``"Hello, wörld!"`` -> ``["hello", ",", "world", "!"]``."""
        return self._run(text, want_offsets=False)[0]

    def _run(self, text: str, want_offsets: bool) -> tuple[list[str], list[int], list[Span] | None]:
        """Steps 1-5 of the module docstring: tokens, ids and (if asked) each token's ``(start, end)`` in ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}: {text!r:.80}")
        # 1. lowercase all but the special tokens; ``back`` maps positions back when lowercasing lengthened text
        lowered, back = lowercase_except(text, self._special_pattern) if self.do_lower_case else (text, None)
        tokens: list[str] = []
        ids: list[int] = []
        spans: list[Span] | None = [] if want_offsets else None
        # 2. cut out the added and special tokens: each is one token, its id known
        for segment in self._added.split(lowered):
            start, end, added_id = segment[0], segment[1], segment[2]
            if added_id is not None:
                tokens.append(lowered[start:end])
                ids.append(added_id)
                if want_offsets:
                    spans.append((start, end))
            else:  # 3-5. the ordinary text between them, one whitespace-separated chunk at a time (cached)
                fast_paths.encode_text(self, lowered, segment, tokens, ids, spans)
        if back is not None and want_offsets:
            spans = [(back[a], back[b - 1] + 1) for a, b in spans]
        return tokens, ids, spans

    def _encode_chunk(self, chunk: str) -> tuple[list[str], list[int], list[Span]]:
        """Steps 3-5 for one whitespace-separated chunk: ``"wörld!"`` -> ``["world", "!"]``, ``[2088, 999]``,
        ``[(0, 5), (5, 6)]`` (spans inside the chunk). ``fast_paths`` remembers the result for each chunk."""
        if self.do_basic_tokenize:  # 3. words, each with the span of each of its characters
            words = self.basic_tokenizer.tokenize_with_offsets(chunk, never_split=self.all_special_tokens)
        else:
            words = [(chunk, [(i, i + 1) for i in range(len(chunk))])]
        tokens, ids, spans = [], [], []
        for word, word_spans in words:
            if word in self.basic_tokenizer.never_split and self.do_basic_tokenize:
                pieces = ((word, self._token_to_id(word), 0, len(word)),)  # kept whole
            else:  # 4-5. WordPiece, each piece with its id (remembered per word)
                pieces = fast_paths.wordpieces(self, word)
            for piece, piece_id, start, end in pieces:
                tokens.append(piece)
                ids.append(piece_id)
                covered = word_spans[start:end]  # NFC may have reordered marks: take the extremes
                spans.append((min(c[0] for c in covered), max(c[1] for c in covered)))
        return tokens, ids, spans

    def _protect_specials(self) -> None:
        """Build the pattern of tokens that lowercasing must leave alone (called whenever tokens are added)."""
        keep = list(self.all_special_tokens)
        keep += [t.content for t in self._added_decoder.values() if not t.special and t.normalized]
        self._special_pattern = protecting_pattern(keep)

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

    def __repr__(self) -> str:
        return (
            f"BertTokenizer(vocab_size={self.vocab_size}, do_lower_case={self.do_lower_case}, "
            f"model_max_length={self.model_max_length}, added_tokens={len(self._added.tokens)})"
        )
