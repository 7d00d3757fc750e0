"""From tokens to model inputs, one example at a time.

For one text, or a pair (question + passage), BERT expects::

    [CLS] tokens of A [SEP]                      token_type_ids 0 ... 0
    [CLS] tokens of A [SEP] tokens of B [SEP]    token_type_ids 0 ... 0 1 ... 1

so ``tokenizer("hello", "world")`` gives ``input_ids [101, 7592, 102, 2088, 102]``,
``token_type_ids [0, 0, 0, 1, 1]`` and ``attention_mask [1, 1, 1, 1, 1]``. Truncation happens before the
special tokens are added (they always survive), padding after. ``_encode_one`` and ``_encode_batch`` do it
all for the entry points of ``call_api``, with the options of ``options.EncodeOptions``.
"""

from __future__ import annotations

import logging

from minibert.bert.warn_once import warn_once
from minibert.tokenization import padding as padding_lib
from minibert.tokenization import truncation as truncation_lib
from minibert.tokenization.batch_encoding import BatchEncoding
from minibert.tokenization.options import EncodeOptions

logger = logging.getLogger("minibert.tokenization")


class EncodingMixin:
    """Ids -> model inputs; needs ``_run``, ``convert_tokens_to_ids`` and the special-token attributes."""

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

    def _prepare(self, ids, pair_ids, spans, pair_spans, options: EncodeOptions) -> dict:
        """Truncate, add special tokens and build every requested list for one example (no padding).

        ``ids``/``pair_ids`` are ``list[int]`` (``pair_ids`` ``None`` for one text), ``spans``/``pair_spans`` their
        ``(start, end)`` offsets or ``None``; ``options`` is resolved. Returns ``dict[str, list]``.
        """
        add_special_tokens, trunc, max_length = options.add_special_tokens, options.truncation, options.max_length
        return_token_type_ids = options.return_token_type_ids
        return_overflowing_tokens = options.return_overflowing_tokens
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
            cut = (total - max_length, trunc, options.stride, self.truncation_side)
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
        if options.return_special_tokens_mask:
            out["special_tokens_mask"] = (
                self.get_special_tokens_mask(ids, pair_ids) if add_special_tokens else [0] * len(out["input_ids"])
            )
        if spans is not None:
            none = [(0, 0)] if add_special_tokens else []
            offsets = none + list(spans) + none
            if pair:
                offsets += list(pair_spans) + none
            out["offset_mapping"] = offsets
        if max_length is None and options.verbose and len(out["input_ids"]) > self.model_max_length > 0:
            warn_once("sequence_too_long", "Token indices sequence length is longer than the specified maximum "
                      "sequence length for this model (%d > %d). Running this sequence through the model will result "
                      "in indexing errors", len(out["input_ids"]), self.model_max_length, logger=logger, owner=self)
        return out

    # -- whole examples ---------------------------------------------------------------------------
    def _encode_one(self, text, text_pair, options: EncodeOptions) -> BatchEncoding:
        """One text (or pair) -> a ``BatchEncoding`` of ``list[int]`` (no batch axis unless tensors)."""
        options = options.resolve(self.model_max_length, self.pad_token_id is not None)
        ids, spans = self._ids(text, options.is_split_into_words, options.return_offsets_mapping)
        pair_ids, pair_spans = (None, None)
        if text_pair is not None:
            pair_ids, pair_spans = self._ids(text_pair, options.is_split_into_words, options.return_offsets_mapping)
        out = self._prepare(ids, pair_ids, spans, pair_spans, options)
        self._pad_rows([out], options)  # a batch of one: "longest" is its own length
        if options.return_length:
            out["length"] = len(out["input_ids"])
        return BatchEncoding(
            out, tensor_type=options.return_tensors, prepend_batch_axis=True, n_sequences=1 if text_pair is None else 2
        )

    def _encode_batch(self, batch, options: EncodeOptions) -> BatchEncoding:
        """Texts or ``(text, pair)`` tuples -> a ``BatchEncoding`` whose every value is a list over the batch."""
        options = options.resolve(self.model_max_length, self.pad_token_id is not None)
        rows: list[dict] = []
        for item in batch:
            if not isinstance(item, (list, tuple)) or (
                options.is_split_into_words and not isinstance(item[0], (list, tuple))
            ):
                first, second = item, None
            else:
                first, second = item
            ids, spans = self._ids(first, options.is_split_into_words, options.return_offsets_mapping)
            pair_ids, pair_spans = (None, None)
            if second is not None:
                pair_ids, pair_spans = self._ids(second, options.is_split_into_words, options.return_offsets_mapping)
            row = self._prepare(ids, pair_ids, spans, pair_spans, options)
            if options.return_length:
                row["length"] = len(row["input_ids"])  # before padding, as the reference reports it
            rows.append(row)
        if not rows:  # the message of the reference's path through pad(), which finds no inputs
            raise ValueError("pad needs 'input_ids' among the inputs, got []")
        self._pad_rows(rows, options)
        return BatchEncoding({key: [row[key] for row in rows] for key in rows[0]}, tensor_type=options.return_tensors)

    def _pad_rows(self, rows: list[dict], options: EncodeOptions) -> None:
        """Pad ``rows`` in place as the resolved ``options`` say (``padding.pad_rows``, the one padding routine)."""
        padding_lib.pad_rows(
            rows,
            options.padding,
            options.max_length,
            options.pad_to_multiple_of,
            self.pad_token_id,
            self.pad_token_type_id,
            options.padding_side or self.padding_side,
            options.return_attention_mask is not False,
        )

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
