"""The reference's calling surface: ``tokenizer(...)``, ``encode``, ``encode_plus``, ``batch_encode_plus``,
``prepare_for_model`` and ``pad``.

These are the entry points code written for ``transformers`` calls. Each gathers its keywords once into an
``EncodeOptions`` (``options``), works out whether it was given one example or a batch, and hands over to
``encoding`` (``_encode_one`` / ``_encode_batch``), where the work is done.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from minibert.tokenization.batch_encoding import BatchEncoding
from minibert.tokenization.options import EncodeOptions


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


def _takes_options(*leading: str):
    """Show the options as the method's own keywords to ``help`` and ``inspect.signature``, as the reference's.

    The method receives them as ``*args, **kwargs`` and turns them into an ``EncodeOptions`` with
    ``EncodeOptions.bind``; the keywords are listed once, as the fields of that class.
    """
    first = inspect.Parameter.POSITIONAL_OR_KEYWORD

    def decorate(method):
        params = [inspect.Parameter("self", first)]
        params += [inspect.Parameter(n.rstrip("="), first, **({"default": None} if "=" in n else {})) for n in leading]
        method.__signature__ = inspect.Signature(params + EncodeOptions.parameters(), return_annotation=BatchEncoding)
        return method

    return decorate


class CallApiMixin:
    """The entry points; needs ``EncodingMixin`` (``_encode_one``, ``_encode_batch``, ``_pad_rows``)."""

    @_takes_options("text=", "text_pair=")
    def __call__(self, text=None, text_pair=None, *args, **kwargs) -> BatchEncoding:
        """Tokenize a text, a pair, or a batch of either into model inputs.

        ``text``: ``str`` (one text), ``list[str]`` (a batch; or one pre-split text with
        ``is_split_into_words=True``) or ``list[list[str]]`` (a batch of pre-split texts); ``text_pair`` the same
        shape, for pairs. The other keywords are the fields of ``options.EncodeOptions``
        (``padding``, ``truncation``, ``max_length``, ``return_tensors``, ...), in the reference's order.
        """
        options = EncodeOptions.bind("__call__", args, kwargs)
        if text is None:
            raise ValueError("text is required: a str, a list of str, or a list of lists of str")
        for value in (text, text_pair):
            if value is not None and not _valid_text(value):
                raise ValueError(f"text must be a str, list[str] or list[list[str]], got {type(value).__name__}")
        if options.is_split_into_words:
            batched = isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
        else:
            batched = isinstance(text, (list, tuple))
        if not batched:
            return self._encode_one(text, text_pair, options)
        if isinstance(text_pair, str):
            raise TypeError("for a batch of texts, text_pair must be a list of the same length")
        if text_pair is not None and len(text) != len(text_pair):
            raise ValueError(f"batch length of text ({len(text)}) and text_pair ({len(text_pair)}) differ")
        return self._encode_batch(list(zip(text, text_pair)) if text_pair is not None else text, options)

    @_takes_options("text", "text_pair=")
    def encode_plus(self, text, text_pair=None, *args, **kwargs) -> BatchEncoding:
        """Encode one text (or one pair) into a ``BatchEncoding`` of lists (no batch axis unless tensors);
        options as ``__call__``."""
        return self._encode_one(text, text_pair, EncodeOptions.bind("encode_plus", args, kwargs))

    @_takes_options("batch_text_or_text_pairs")
    def batch_encode_plus(self, batch_text_or_text_pairs, *args, **kwargs) -> BatchEncoding:
        """Encode a list of texts or of ``(text, pair)`` tuples; every value becomes a list over the batch;
        options as ``__call__``."""
        options = EncodeOptions.bind("batch_encode_plus", args, kwargs)
        return self._encode_batch(batch_text_or_text_pairs, options)

    def encode(self, text, text_pair=None, add_special_tokens: bool = True, **kwargs):
        """Text -> ``list[int]`` with ``[CLS]``/``[SEP]`` (or a tensor with ``return_tensors``)."""
        return self.encode_plus(text, text_pair, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]

    def prepare_for_model(self, ids: list[int], pair_ids: list[int] | None = None, **kwargs) -> BatchEncoding:
        """Turn already-converted ids (and optional pair ids) into model inputs; options as ``__call__``."""
        return self.encode_plus(ids, pair_ids, **kwargs)

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
        """Pad one example or a batch (a dict of lists, or a list of dicts or ``BatchEncoding``s) to a common length."""
        if isinstance(encoded_inputs, (list, tuple)) and encoded_inputs and isinstance(encoded_inputs[0], Mapping):
            encoded_inputs = {key: [row[key] for row in encoded_inputs] for key in encoded_inputs[0]}
        data = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in dict(encoded_inputs).items()}
        if "input_ids" not in data:
            raise ValueError(f"pad needs 'input_ids' among the inputs, got {list(data)}")
        options = EncodeOptions(
            padding=padding,
            truncation=False,
            max_length=max_length,
            pad_to_multiple_of=pad_to_multiple_of,
            padding_side=padding_side,
            return_attention_mask=return_attention_mask,
        ).resolve(self.model_max_length, self.pad_token_id is not None)
        ids = data["input_ids"]
        if not ids or not isinstance(ids[0], (list, tuple)):  # a single example: a batch of one
            self._pad_rows([data], options)
            return BatchEncoding(data, tensor_type=return_tensors)
        rows = [{key: value[i] for key, value in data.items()} for i in range(len(ids))]
        self._pad_rows(rows, options)
        return BatchEncoding({key: [row[key] for row in rows] for key in rows[0]}, tensor_type=return_tensors)
