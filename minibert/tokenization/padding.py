"""Padding: make every sequence of a batch the same length so they stack into one tensor.

``padding=True``/``"longest"`` pads to the longest sequence of the batch, ``"max_length"`` to
``max_length``; ``pad_to_multiple_of=8`` then rounds that length up (tensor cores like multiples of 8).
Padding positions get ``[PAD]`` ids, attention mask 0 (the model must ignore them), token type
``pad_token_type_id`` and special-tokens-mask 1::

    input_ids       [101, 7592, 102]  -> [101, 7592, 102, 0, 0]
    attention_mask  [1, 1, 1]         -> [1, 1, 1, 0, 0]

``pad_rows`` is the one place that pads: ``tokenizer(...)`` pads its single example (a batch of one) and its
batches through it, and so does ``tokenizer.pad``.
"""

from __future__ import annotations

STRATEGIES = ("longest", "max_length", "do_not_pad")

# What each key is padded with (input_ids and token_type_ids take the tokenizer's values).
_FILL = {"attention_mask": 0, "special_tokens_mask": 1, "offset_mapping": (0, 0)}


def target_length(length: int, max_length: int | None, multiple: int | None) -> int:
    """Round ``max_length`` up to a multiple of ``multiple``; ``length`` is used when ``max_length`` is None."""
    target = length if max_length is None else max_length
    if multiple and target % multiple:
        target = (target // multiple + 1) * multiple
    return target


def pad_one(
    encoded: dict,
    length: int | None,
    pad_id: int,
    pad_type_id: int,
    side: str = "right",
    return_attention_mask: bool = True,
) -> dict:
    """Pad one example's lists (``encoded: dict[str, list]``) in place to ``length`` (``None``: no padding)."""
    ids = encoded["input_ids"]
    if return_attention_mask and "attention_mask" not in encoded:
        encoded["attention_mask"] = [1] * len(ids)
    missing = 0 if length is None else length - len(ids)
    if missing <= 0:
        return encoded
    if side not in ("left", "right"):
        raise ValueError(f"padding side must be 'left' or 'right', got {side!r}")
    fill = {**_FILL, "input_ids": pad_id, "token_type_ids": pad_type_id}
    for key, value in fill.items():
        if key in encoded and isinstance(encoded[key], list):
            extra = [value] * missing
            encoded[key] = encoded[key] + extra if side == "right" else extra + encoded[key]
    return encoded


def pad_rows(
    rows: list[dict],
    strategy: str,
    max_length: int | None,
    pad_to_multiple_of: int | None,
    pad_id: int,
    pad_type_id: int,
    side: str = "right",
    return_attention_mask: bool = True,
) -> list[dict]:
    """Pad every example of ``rows`` (each a ``dict[str, list]``, changed in place) to one length.

    ``strategy`` is ``"longest"`` (the longest row), ``"max_length"`` (``max_length``) or ``"do_not_pad"``
    (only add the attention masks); ``pad_to_multiple_of`` then rounds the length up. Returns ``rows``.
    """
    length = None
    if strategy == "longest":
        length = target_length(max(len(row["input_ids"]) for row in rows), None, pad_to_multiple_of)
    elif strategy == "max_length":
        length = target_length(0, max_length, pad_to_multiple_of)
    for row in rows:
        pad_one(row, length, pad_id, pad_type_id, side, return_attention_mask)
    return rows
