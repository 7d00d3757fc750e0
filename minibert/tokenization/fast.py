"""BertTokenizerFast: the reference's Rust tokenizer's outputs, computed by minibert's Python tokenizer.

Code written for ``transformers.BertTokenizerFast`` relies on what only the fast tokenizer has: ``is_fast``, the
maps from tokens to words and characters (``enc.word_ids()``, ``enc.sequence_ids()``, ``enc.char_to_token(i)``,
...), long inputs cut into overlapping windows (``return_overflowing_tokens=True`` with ``stride``, one row per
window, ``overflow_to_sample_mapping``), its way of truncating pairs, ``tokenizer.json``. This class gives those
outputs, the reference fast tokenizer's, on the tokens of minibert's ``BertTokenizer`` (the two tokenizers agree
on the tokens wherever this class accepts the text: ``fast_unicode``).

What it does not do raises, never answers otherwise than the reference would:

* text the Rust tokenizer reads by other Unicode tables (``fast_unicode.check``): ``ValueError``;
* added tokens beyond the five special tokens (``add_tokens``, ``additional_special_tokens``, ``lstrip``...):
  ``NotImplementedError``;
* token ids or token lists as input (the reference's fast tokenizer refuses them too): ``TypeError``;
* ``backend_tokenizer`` and ``BatchEncoding.encodings`` (Rust objects): ``AttributeError``.

It ignores ``do_basic_tokenize`` and ``never_split``, as the reference's fast tokenizer does (kept and saved).
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

from minibert.tokenization import fast_encoding, fast_unicode, tokenizer_json
from minibert.tokenization.added_tokens import AddedToken
from minibert.tokenization.batch_encoding import BatchEncoding
from minibert.tokenization.bert_tokenizer import BertTokenizer
from minibert.tokenization.encoding import EncodingMixin
from minibert.tokenization.files import CONFIG_FILE, VOCAB_FILE

_NO_BACKEND = ("BertTokenizerFast.{name}: minibert has no Rust tokenizers backend; its BertTokenizerFast gives the "
               "reference fast tokenizer's outputs from Python (tokenizer.json: save_pretrained writes it)")
_IGNORED = ("do_basic_tokenize", "never_split")  # the reference's fast tokenizer keeps them, and ignores them


class BertTokenizerFast(BertTokenizer):
    """A drop-in for the reference ``BertTokenizerFast`` (see the module docstring for what it refuses).

    Args:
        vocab_file (str | PathLike | None): the ``vocab.txt`` to use.
        tokenizer_file (str | PathLike | None): a ``tokenizer.json`` (BERT's pipeline; its vocabulary is used).
        do_lower_case, unk_token, sep_token, pad_token, cls_token, mask_token, tokenize_chinese_chars,
        strip_accents, and the other keywords: as ``BertTokenizer``.
    """

    def __init__(self, vocab_file=None, tokenizer_file=None, do_lower_case: bool = True, unk_token: str = "[UNK]",
                 sep_token: str = "[SEP]", pad_token: str = "[PAD]", cls_token: str = "[CLS]",
                 mask_token: str = "[MASK]", tokenize_chinese_chars: bool = True, strip_accents: bool | None = None,
                 **kwargs):
        vocab, spec = vocab_file, None
        if tokenizer_file is not None:
            spec = tokenizer_json.read(tokenizer_file)
            vocab = spec.vocab
            for name, value in spec.sides.items():
                kwargs.setdefault(name, value)
        if vocab is None:
            raise ValueError("BertTokenizerFast needs a vocab_file (vocab.txt) or a tokenizer_file (tokenizer.json)")
        ignored = {key: kwargs.pop(key) for key in _IGNORED if key in kwargs}
        super().__init__(vocab, do_lower_case=do_lower_case, unk_token=unk_token, sep_token=sep_token,
                         pad_token=pad_token, cls_token=cls_token, mask_token=mask_token,
                         tokenize_chinese_chars=tokenize_chinese_chars, strip_accents=strip_accents, **kwargs)
        for key in _IGNORED:
            self.init_kwargs.pop(key, None)
        self.init_kwargs.update(copy.deepcopy(ignored))
        if spec is not None:
            mine = {"unk_token": self.unk_token, "cls_token": self.cls_token, "sep_token": self.sep_token}
            if spec.pipeline_tokens != mine:
                raise ValueError(f"{tokenizer_file}: its pipeline uses {spec.pipeline_tokens}, this tokenizer {mine}; "
                                 "minibert cannot run a pipeline whose special tokens differ from the tokenizer's")

    @property
    def is_fast(self) -> bool:
        """bool: True, as the reference's ``BertTokenizerFast`` (its outputs, computed in Python)."""
        return True

    @property
    def backend_tokenizer(self):
        raise AttributeError(_NO_BACKEND.format(name="backend_tokenizer"))

    @property
    def _tokenizer(self):
        raise AttributeError(_NO_BACKEND.format(name="_tokenizer"))

    def _check_text(self, text: str) -> None:
        fast_unicode.check(text, fast_unicode.keeps_accents(self))

    def _register(self, token: AddedToken, index: int) -> None:
        """Only the tokenizer's own special tokens, as they are in the vocabulary, unstripped: the reference's Rust
        tokenizer matches other added tokens by rules of its own, which minibert does not reproduce."""
        roles = (self.unk_token, self.sep_token, self.pad_token, self.cls_token, self.mask_token)
        plain = not (token.lstrip or token.rstrip or token.single_word or token.normalized)
        if token.content not in roles or not token.special or not plain or self.vocab.get(token.content) != index:
            raise NotImplementedError(
                f"BertTokenizerFast: added token {token.content!r} (id {index}): minibert's BertTokenizerFast "
                "takes the five special tokens of the vocabulary only; use BertTokenizer to add tokens")
        super()._register(token, index)

    # -- text -> tokens, ids and maps ------------------------------------------------------------
    def tokenize(self, text: str, pair: str | None = None, add_special_tokens: bool = False, **kwargs) -> list[str]:
        """The tokens of ``text`` (and ``pair``), as the reference's fast tokenizer lists them."""
        return self.encode_plus(text, pair, add_special_tokens=add_special_tokens, **kwargs).tokens()

    def _encode_one(self, text, text_pair, options) -> BatchEncoding:
        # One example: an empty pair ("" or []) is no pair, as the reference's fast tokenizer reads it.
        return fast_encoding.encode_batch(self, [(text, text_pair or None)], options, single=True)

    def _encode_batch(self, batch, options) -> BatchEncoding:
        examples = []
        for item in batch:
            pretokenized = options.is_split_into_words and not isinstance(item[0], (list, tuple))
            examples.append((item, None) if not isinstance(item, (list, tuple)) or pretokenized else tuple(item))
        return fast_encoding.encode_batch(self, examples, options, single=False)

    def prepare_for_model(self, ids: list[int], pair_ids: list[int] | None = None, **kwargs) -> BatchEncoding:
        """Ids -> model inputs, by the Python rules the reference's fast tokenizer applies here too."""
        from minibert.tokenization.options import EncodeOptions

        return EncodingMixin._encode_one(self, ids, pair_ids, EncodeOptions.bind("prepare_for_model", (), kwargs))

    # -- ids -> text --------------------------------------------------------------------------------
    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """The Rust WordPiece decoder's join: ``##`` pieces glued, a space before every other token but the first,
        and the spaces before punctuation removed token by token (``["a", "'", "s"]`` stays ``"a ' s"``)."""
        text = []
        for i, token in enumerate(tokens):
            if i and token.startswith("##"):
                token = token[2:]
            elif i:
                token = " " + token
            text.append(self.clean_up_tokenization(token))
        return "".join(text)

    def decode(self, token_ids, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None,
               **kwargs) -> str:
        """Ids -> text as the reference's fast tokenizer decodes: the Rust decoder, then (unless
        ``clean_up_tokenization_spaces=False``) the spaces before punctuation removed in the whole text."""
        if hasattr(token_ids, "tolist"):
            token_ids = token_ids.tolist()
        tokens = self.convert_ids_to_tokens(token_ids, skip_special_tokens=skip_special_tokens)
        text = self.convert_tokens_to_string([tokens] if isinstance(tokens, str) else tokens)
        if clean_up_tokenization_spaces is None:
            clean_up_tokenization_spaces = self.clean_up_tokenization_spaces
        return self.clean_up_tokenization(text) if clean_up_tokenization_spaces else text

    # -- files ----------------------------------------------------------------------------------------
    @classmethod
    def _vocabulary_files(cls, find) -> tuple[Path | None, dict]:
        """A folder's ``tokenizer.json`` when it has one (the reference reads that first), else its ``vocab.txt``."""
        found = find(tokenizer_json.FILE)
        if found is None:
            return find(VOCAB_FILE, required=True), {}
        return find(VOCAB_FILE), {"tokenizer_file": found}

    def save_pretrained(self, save_directory: str | os.PathLike) -> tuple[str, ...]:
        """``BertTokenizer``'s files (with ``do_basic_tokenize`` / ``never_split`` as given) and ``tokenizer.json``."""
        from minibert.loading.atomic import atomic_write_bytes

        paths = super().save_pretrained(save_directory)
        config_path = Path(save_directory) / CONFIG_FILE
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config.update({key: self.init_kwargs[key] for key in _IGNORED if key in self.init_kwargs})
        atomic_write_bytes(config_path, (json.dumps(config, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        return (*paths, tokenizer_json.write(self, Path(save_directory) / tokenizer_json.FILE))

    def __repr__(self) -> str:
        return super().__repr__().replace("BertTokenizer(", "BertTokenizerFast(", 1)
