"""From tokens to model inputs: ``__call__``, ``encode``, ``encode_plus``, ``batch_encode_plus``.

For one text, or a pair (question + passage), BERT expects::

    [CLS] tokens of A [SEP]                      token_type_ids 0 ... 0
    [CLS] tokens of A [SEP] tokens of B [SEP]    token_type_ids 0 ... 0 1 ... 1

so ``tokenizer("hello", "world")`` gives ``input_ids [101, 7592, 102, 2088, 102]``,
``token_type_ids [0, 0, 0, 1, 1]`` and ``attention_mask [1, 1, 1, 1, 1]``. Truncation happens before the
special tokens are added (they always survive), padding after.
"""

from __future__ import annotations

import logging

from minibert.tokenization import padding as padding_lib
from minibert.tokenization import truncation as truncation_lib
from minibert.tokenization.batch_encoding import BatchEncoding

logger = logging.getLogger("minibert.tokenization")
LARGE_INTEGER = int(1e20)  # a model_max_length above this means "the model sets no limit"


def _valid_text(text) -> bool:
    """A str, a list of str, or a list of lists of str (the input shapes ``__call__`` accepts)."""
    if isinstance(text, str):
        return True
    if isinstance(text, (list, tuple)):
        if not text or isinstance(text[0], str):
            return True
        if isinstance(text[0], (list, tuple)):
            return not text[0] or isinstance(text[0][0], str)
    return False


class EncodingMixin:
    """The encoding API; needs ``_run``, ``convert_tokens_to_ids`` and the special-token attributes."""

    # -- special tokens around the sequences ------------------------------------------------------
    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        """int: 2 for ``[CLS] A [SEP]``, 3 for ``[CLS] A [SEP] B [SEP]``."""
        return 3 if pair else 2

    def build_inputs_with_special_tokens(self, token_ids_0: list[int], token_ids_1: list[int] | None = None):
        """``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]`` (``list[int]``)."""
        if token_ids_1 is None:
            return [self.cls_token_id] + token_ids_0 + [self.sep_token_id]
        return [self.cls_token_id] + token_ids_0 + [self.sep_token_id] + token_ids_1 + [self.sep_token_id]

    def create_token_type_ids_from_sequences(self, token_ids_0: list[int], token_ids_1: list[int] | None = None):
        """Segment ids (``list[int]``): 0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``."""
        first = [0] * (len(token_ids_0) + 2)
        return first if token_ids_1 is None else first + [1] * (len(token_ids_1) + 1)

    def get_special_tokens_mask(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None, already_has_special_tokens: bool = False
    ) -> list[int]:
        """1 where ``build_inputs_with_special_tokens`` puts a special token, else 0 (``list[int]``)."""
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError("a second sequence makes no sense when the ids already hold special tokens")
            special = set(self.all_special_ids)
            return [1 if i in special else 0 for i in token_ids_0]
        mask = [1] + [0] * len(token_ids_0) + [1]
        return mask if token_ids_1 is None else mask + [0] * len(token_ids_1) + [1]

    # -- options -> strategies --------------------------------------------------------------------
    def _strategies(self, padding, truncation, max_length, pad_to_multiple_of):
        """Resolve the user's ``padding``/``truncation``/``max_length`` the way the reference does."""
        if max_length is not None and padding is False and truncation is None:
            truncation = "longest_first"  # a bare max_length means "truncate to it"
        pad = {True: "longest", False: "do_not_pad"}.get(padding, getattr(padding, "value", padding))
        trunc = {True: "longest_first", False: "do_not_truncate", None: "do_not_truncate"}.get(
            truncation, getattr(truncation, "value", truncation)
        )
        if pad not in padding_lib.STRATEGIES:
            raise ValueError(f"padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}")
        if trunc not in truncation_lib.STRATEGIES:
            raise ValueError(f"truncation must be a bool or one of {truncation_lib.STRATEGIES}, got {truncation!r}")
        if max_length is None:
            unlimited = self.model_max_length > LARGE_INTEGER
            if pad == "max_length":
                pad, max_length = ("do_not_pad", None) if unlimited else (pad, self.model_max_length)
            if trunc != "do_not_truncate":
                trunc, max_length = ("do_not_truncate", None) if unlimited else (trunc, self.model_max_length)
        if pad != "do_not_pad" and self.pad_token_id is None:
            raise ValueError("asked to pad but the tokenizer has no pad_token")
        if (
            trunc != "do_not_truncate"
            and pad != "do_not_pad"
            and pad_to_multiple_of
            and max_length is not None
            and max_length % pad_to_multiple_of
        ):
            raise ValueError(
                f"truncation length ({max_length}) is not a multiple of pad_to_multiple_of ({pad_to_multiple_of})"
            )
        return pad, trunc, max_length

    # -- one text -> ids (+ offsets) --------------------------------------------------------------
    def _ids(self, text, is_split_into_words: bool, want_offsets: bool):
        """``(ids, offsets or None)`` for a str, a list of words, a list of tokens, or a list of ids."""
        if isinstance(text, str):
            _, ids, spans = self._run(text, want_offsets)
            return ids, spans
        if isinstance(text, (list, tuple)) and text and isinstance(text[0], str):
            if is_split_into_words:  # each word on its own; offsets are relative to each word
                ids, spans = [], []
                for word in text:
                    _, word_ids, word_spans = self._run(word, want_offsets)
                    ids += word_ids
                    spans += word_spans or []
                return ids, spans if want_offsets else None
            if want_offsets:
                raise ValueError("return_offsets_mapping needs text, not a list of tokens")
            return self.convert_tokens_to_ids(text), None
        if isinstance(text, (list, tuple)) and text and isinstance(text[0], int):
            if want_offsets:
                raise ValueError("return_offsets_mapping needs text, not a list of ids")
            return list(text), None
        raise ValueError(
            f"input must be a str, a list of str or a list of int, got {type(text).__name__}: {text!r:.80}"
        )

    def _prepare(
        self,
        ids,
        pair_ids,
        spans,
        pair_spans,
        *,
        add_special_tokens=True,
        trunc="do_not_truncate",
        max_length=None,
        stride=0,
        return_token_type_ids=None,
        return_overflowing_tokens=False,
        return_special_tokens_mask=False,
        verbose=True,
    ) -> dict:
        """Truncate, add special tokens and build every requested list for one example (no padding)."""
        pair = pair_ids is not None
        if return_token_type_ids and not add_special_tokens:
            raise ValueError("return_token_type_ids=True needs add_special_tokens=True")
        if return_overflowing_tokens and trunc == "longest_first" and pair:
            raise ValueError(
                "overflowing tokens are not returned for pairs with truncation='longest_first'; "
                "use 'only_first' or 'only_second'"
            )
        specials = self.num_special_tokens_to_add(pair) if add_special_tokens else 0
        total = len(ids) + (len(pair_ids) if pair else 0) + specials
        out: dict = {}
        overflow: list = []
        if trunc != "do_not_truncate" and max_length and total > max_length:
            if max_length < specials:
                raise ValueError(f"max_length={max_length} is smaller than the {specials} special tokens need")
            cut = (total - max_length, trunc, stride, self.truncation_side)
            ids, pair_ids, overflow = truncation_lib.truncate(ids, pair_ids, *cut)
            if spans is not None:
                spans, pair_spans, _ = truncation_lib.truncate(spans, pair_spans, *cut)
        if return_overflowing_tokens:
            out["overflowing_tokens"] = list(overflow)
            out["num_truncated_tokens"] = total - max_length if max_length is not None else 0
        ids, pair_ids = list(ids), (list(pair_ids) if pair else None)
        if add_special_tokens:
            out["input_ids"] = self.build_inputs_with_special_tokens(ids, pair_ids)
            types = self.create_token_type_ids_from_sequences(ids, pair_ids)
        else:
            out["input_ids"] = ids + pair_ids if pair else ids
            types = [0] * len(out["input_ids"])
        if return_token_type_ids is None or return_token_type_ids:
            out["token_type_ids"] = types
        if return_special_tokens_mask:
            out["special_tokens_mask"] = (
                self.get_special_tokens_mask(ids, pair_ids) if add_special_tokens else [0] * len(out["input_ids"])
            )
        if spans is not None:
            none = [(0, 0)] if add_special_tokens else []
            offsets = none + list(spans) + none
            if pair:
                offsets += list(pair_spans) + none
            out["offset_mapping"] = offsets
        if max_length is None and verbose and len(out["input_ids"]) > self.model_max_length > 0:
            if not self._warned_long:
                logger.warning(
                    "Token indices sequence length is longer than the specified maximum sequence length for this "
                    f"model ({len(out['input_ids'])} > {self.model_max_length}). Running this sequence through the "
                    "model will result in indexing errors"
                )
            self._warned_long = True
        return out

    # -- the public entry points ------------------------------------------------------------------
    def prepare_for_model(self, ids: list[int], pair_ids: list[int] | None = None, **kwargs) -> BatchEncoding:
        """Turn already-converted ids (and optional pair ids) into model inputs; options as ``__call__``."""
        return self.encode_plus(ids, pair_ids, **kwargs)

    def encode(self, text, text_pair=None, add_special_tokens: bool = True, **kwargs):
        """Text -> ``list[int]`` with ``[CLS]``/``[SEP]`` (or a tensor with ``return_tensors``)."""
        return self.encode_plus(text, text_pair, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]

    def encode_plus(
        self,
        text,
        text_pair=None,
        add_special_tokens=True,
        padding=False,
        truncation=None,
        max_length=None,
        stride=0,
        is_split_into_words=False,
        pad_to_multiple_of=None,
        padding_side=None,
        return_tensors=None,
        return_token_type_ids=None,
        return_attention_mask=None,
        return_overflowing_tokens=False,
        return_special_tokens_mask=False,
        return_offsets_mapping=False,
        return_length=False,
        verbose=True,
    ) -> BatchEncoding:
        """Encode one text (or one pair) into a ``BatchEncoding`` of lists (no batch axis unless tensors)."""
        pad, trunc, max_length = self._strategies(padding, truncation, max_length, pad_to_multiple_of)
        ids, spans = self._ids(text, is_split_into_words, return_offsets_mapping)
        pair_ids, pair_spans = (None, None)
        if text_pair is not None:
            pair_ids, pair_spans = self._ids(text_pair, is_split_into_words, return_offsets_mapping)
        out = self._prepare(
            ids,
            pair_ids,
            spans,
            pair_spans,
            add_special_tokens=add_special_tokens,
            trunc=trunc,
            max_length=max_length,
            stride=stride,
            return_token_type_ids=return_token_type_ids,
            return_overflowing_tokens=return_overflowing_tokens,
            return_special_tokens_mask=return_special_tokens_mask,
            verbose=verbose,
        )
        if pad != "do_not_pad" or return_attention_mask is None or return_attention_mask:
            length = (
                padding_lib.target_length(
                    len(out["input_ids"]), None if pad == "longest" else max_length, pad_to_multiple_of
                )
                if pad != "do_not_pad"
                else None
            )
            padding_lib.pad_one(
                out,
                length,
                self.pad_token_id,
                self.pad_token_type_id,
                padding_side or self.padding_side,
                return_attention_mask is not False,
            )
        if return_length:
            out["length"] = len(out["input_ids"])
        return BatchEncoding(
            out, tensor_type=return_tensors, prepend_batch_axis=True, n_sequences=1 if text_pair is None else 2
        )

    def batch_encode_plus(
        self,
        batch_text_or_text_pairs,
        add_special_tokens=True,
        padding=False,
        truncation=None,
        max_length=None,
        stride=0,
        is_split_into_words=False,
        pad_to_multiple_of=None,
        padding_side=None,
        return_tensors=None,
        return_token_type_ids=None,
        return_attention_mask=None,
        return_overflowing_tokens=False,
        return_special_tokens_mask=False,
        return_offsets_mapping=False,
        return_length=False,
        verbose=True,
    ) -> BatchEncoding:
        """Encode a list of texts or of ``(text, pair)`` tuples; every value becomes a list over the batch."""
        pad, trunc, max_length = self._strategies(padding, truncation, max_length, pad_to_multiple_of)
        rows: list[dict] = []
        for item in batch_text_or_text_pairs:
            if not isinstance(item, (list, tuple)) or (is_split_into_words and not isinstance(item[0], (list, tuple))):
                first, second = item, None
            else:
                first, second = item
            ids, spans = self._ids(first, is_split_into_words, return_offsets_mapping)
            pair_ids, pair_spans = (None, None)
            if second is not None:
                pair_ids, pair_spans = self._ids(second, is_split_into_words, return_offsets_mapping)
            row = self._prepare(
                ids,
                pair_ids,
                spans,
                pair_spans,
                add_special_tokens=add_special_tokens,
                trunc=trunc,
                max_length=max_length,
                stride=stride,
                return_token_type_ids=return_token_type_ids,
                return_overflowing_tokens=return_overflowing_tokens,
                return_special_tokens_mask=return_special_tokens_mask,
                verbose=verbose,
            )
            if return_length:
                row["length"] = len(row["input_ids"])  # before padding, as the reference reports it
            rows.append(row)
        batch = {key: [row[key] for row in rows] for key in (rows[0] if rows else {})}
        return self.pad(
            batch,
            padding=pad,
            max_length=max_length,
            pad_to_multiple_of=pad_to_multiple_of,
            padding_side=padding_side,
            return_attention_mask=return_attention_mask,
            return_tensors=return_tensors,
        )

    def __call__(
        self,
        text=None,
        text_pair=None,
        add_special_tokens: bool = True,
        padding=False,
        truncation=None,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors=None,
        return_token_type_ids=None,
        return_attention_mask=None,
        return_overflowing_tokens=False,
        return_special_tokens_mask=False,
        return_offsets_mapping=False,
        return_length=False,
        verbose=True,
    ) -> BatchEncoding:
        """Tokenize a text, a pair, or a batch of either into model inputs (see ``encode_plus`` for options)."""
        if text is None:
            raise ValueError("text is required: a str, a list of str, or a list of lists of str")
        for value in (text, text_pair):
            if value is not None and not _valid_text(value):
                raise ValueError(f"text must be a str, list[str] or list[list[str]], got {type(value).__name__}")
        options = dict(
            add_special_tokens=add_special_tokens,
            padding=padding,
            truncation=truncation,
            max_length=max_length,
            stride=stride,
            is_split_into_words=is_split_into_words,
            pad_to_multiple_of=pad_to_multiple_of,
            padding_side=padding_side,
            return_tensors=return_tensors,
            return_token_type_ids=return_token_type_ids,
            return_attention_mask=return_attention_mask,
            return_overflowing_tokens=return_overflowing_tokens,
            return_special_tokens_mask=return_special_tokens_mask,
            return_offsets_mapping=return_offsets_mapping,
            return_length=return_length,
            verbose=verbose,
        )
        if is_split_into_words:
            batched = isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
        else:
            batched = isinstance(text, (list, tuple))
        if not batched:
            return self.encode_plus(text, text_pair, **options)
        if isinstance(text_pair, str):
            raise TypeError("for a batch of texts, text_pair must be a list of the same length")
        if text_pair is not None and len(text) != len(text_pair):
            raise ValueError(f"batch length of text ({len(text)}) and text_pair ({len(text_pair)}) differ")
        return self.batch_encode_plus(list(zip(text, text_pair)) if text_pair is not None else text, **options)

    def pad(
        self,
        encoded_inputs,
        padding=True,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_attention_mask: bool | None = None,
        return_tensors=None,
    ) -> BatchEncoding:
        """Pad one example or a batch (a dict of lists, or a list of dicts) to a common length."""
        if isinstance(encoded_inputs, (list, tuple)) and encoded_inputs and isinstance(encoded_inputs[0], dict):
            encoded_inputs = {key: [row[key] for row in encoded_inputs] for key in encoded_inputs[0]}
        data = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in dict(encoded_inputs).items()}
        if "input_ids" not in data:
            raise ValueError(f"pad needs 'input_ids' among the inputs, got {list(data)}")
        strategy, _, max_length = self._strategies(padding, False, max_length, pad_to_multiple_of)
        side = padding_side or self.padding_side
        ids = data["input_ids"]
        if not ids or not isinstance(ids[0], (list, tuple)):  # a single example
            if ids or strategy != "do_not_pad":
                length = (
                    None
                    if strategy == "do_not_pad"
                    else padding_lib.target_length(
                        len(ids), None if strategy == "longest" else max_length, pad_to_multiple_of
                    )
                )
                padding_lib.pad_one(
                    data, length, self.pad_token_id, self.pad_token_type_id, side, return_attention_mask is not False
                )
            elif return_attention_mask is not False:
                data["attention_mask"] = []
            return BatchEncoding(data, tensor_type=return_tensors)
        if strategy == "longest":
            strategy, max_length = "max_length", max(len(row) for row in ids)
        length = None if strategy == "do_not_pad" else padding_lib.target_length(0, max_length, pad_to_multiple_of)
        rows = [
            padding_lib.pad_one(
                {k: v[i] for k, v in data.items()},
                length,
                self.pad_token_id,
                self.pad_token_type_id,
                side,
                return_attention_mask is not False,
            )
            for i in range(len(ids))
        ]
        batch = {key: [row[key] for row in rows] for key in rows[0]}
        return BatchEncoding(batch, tensor_type=return_tensors)

    def truncate_sequences(
        self,
        ids: list[int],
        pair_ids: list[int] | None = None,
        num_tokens_to_remove: int = 0,
        truncation_strategy: str = "longest_first",
        stride: int = 0,
    ):
        """``(ids, pair_ids, overflowing_tokens)`` after removing ``num_tokens_to_remove`` tokens."""
        strategy = getattr(truncation_strategy, "value", truncation_strategy)
        return truncation_lib.truncate(ids, pair_ids, num_tokens_to_remove, strategy, stride, self.truncation_side)
