"""The options of ``tokenizer(...)``, ``encode_plus`` and ``batch_encode_plus``, held in one object.

The reference's entry points take the same 16 keywords (``padding``, ``truncation``, ``max_length``,
``return_tensors``, ...). They are gathered once into an ``EncodeOptions`` and passed around as one
value, then ``resolve`` turns the user's many spellings into strategies::

    padding=True -> "longest"       truncation=True -> "longest_first"      max_length=8 alone -> truncate to 8
    padding="max_length" without max_length -> pad to the model's maximum length (or not at all if it has none)
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass

from minibert.tokenization import padding as padding_lib
from minibert.tokenization import truncation as truncation_lib

# "No limit": the model_max_length of a tokenizer whose model sets none (the reference's value, int(1e30)).
VERY_LARGE_INTEGER = int(1e30)


def is_unlimited(model_max_length: int | float) -> bool:
    """Whether ``model_max_length`` means "no limit": above 1e20, as the reference tests it, so that any huge
    number a config holds counts, not only ``VERY_LARGE_INTEGER`` itself."""
    return model_max_length > 1e20  # exact: 1e20 is a float with no rounding, and int > float compares exactly


@dataclass
class EncodeOptions:
    """What to build from the token ids, and in which shape (fields in the reference's keyword order).

    After ``resolve``, ``padding`` is one of ``padding.STRATEGIES`` (``str``), ``truncation`` one of
    ``truncation.STRATEGIES`` and ``max_length`` the length both use (``int | None``).
    """

    add_special_tokens: bool = True
    padding: bool | str = False
    truncation: bool | str | None = None
    max_length: int | None = None
    stride: int = 0
    is_split_into_words: bool = False
    pad_to_multiple_of: int | None = None
    padding_side: str | None = None
    return_tensors: str | None = None
    return_token_type_ids: bool | None = None
    return_attention_mask: bool | None = None
    return_overflowing_tokens: bool = False
    return_special_tokens_mask: bool = False
    return_offsets_mapping: bool = False
    return_length: bool = False
    verbose: bool = True

    @classmethod
    def parameters(cls) -> list[inspect.Parameter]:
        """The fields as keyword parameters with their defaults: the public signature of the entry points."""
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        return [inspect.Parameter(f.name, kind, default=f.default) for f in dataclasses.fields(cls)]

    @classmethod
    def bind(cls, method: str, args: tuple, kwargs: dict) -> EncodeOptions:
        """The options from a call's extra positional ``args`` (in field order) and ``kwargs``.

        Raises ``TypeError`` naming ``method`` for an unknown keyword, a repeated one or too many arguments, as
        Python does for a function that lists the keywords itself.
        """
        if not args:  # the usual call, keywords only: the dataclass takes them as they are
            try:
                return cls(**kwargs)
            except TypeError:
                pass  # an unknown keyword: binding below says which, naming the method
        try:
            bound = _SIGNATURE.bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"{method}() {err}") from None
        return cls(**bound.arguments)

    def resolve(self, model_max_length: int, has_pad_token: bool) -> EncodeOptions:
        """Turn ``padding``/``truncation`` into strategy names and ``max_length`` into the length they use.

        In place (each call builds its own options; a copy would cost a tenth of a short text's encoding) and
        returns ``self``; resolving again changes nothing. ``model_max_length`` fills in a missing ``max_length``.
        Raises ``ValueError`` for an unknown strategy, padding without a pad token, or a truncation length that
        ``pad_to_multiple_of`` does not divide.
        """
        padding, truncation, max_length = self.padding, self.truncation, self.max_length
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
            unlimited = is_unlimited(model_max_length)
            if pad == "max_length":
                pad, max_length = ("do_not_pad", None) if unlimited else (pad, model_max_length)
            if trunc != "do_not_truncate":
                trunc, max_length = ("do_not_truncate", None) if unlimited else (trunc, model_max_length)
        if pad != "do_not_pad" and not has_pad_token:
            raise ValueError("asked to pad but the tokenizer has no pad_token")
        multiple = self.pad_to_multiple_of
        if trunc != "do_not_truncate" and pad != "do_not_pad" and multiple and max_length is not None:
            if max_length % multiple:
                raise ValueError(
                    f"truncation length ({max_length}) is not a multiple of pad_to_multiple_of ({multiple})"
                )
        self.padding, self.truncation, self.max_length = pad, trunc, max_length
        return self


_SIGNATURE = inspect.Signature(EncodeOptions.parameters())
