"""BatchEncoding: the dictionary the tokenizer returns (``input_ids``, ``attention_mask``, ...).

It behaves like the reference's: ``enc["input_ids"]`` and ``enc.input_ids`` both work, ``return_tensors``
turns the lists into ``torch`` or ``numpy`` arrays, and ``enc.to("cuda")`` moves every tensor. Made by
``BertTokenizerFast``, it also knows where each token came from (``alignment``: ``word_ids()``, ...).
"""

from __future__ import annotations

from collections import UserDict
from typing import Any

from minibert.tokenization.alignment import NO_ENCODINGS, Alignment, AlignmentMixin


def _is_empty(value: Any) -> bool:
    """True for ``[]``, ``[[], []]``, ...: nothing to infer a dtype from, so it will be int64."""
    return isinstance(value, (list, tuple)) and all(_is_empty(v) for v in value)


def _to_tensor(value: Any, kind: str):
    if kind == "pt":
        import torch

        if torch.is_tensor(value):
            return value
        return torch.tensor(value, dtype=torch.int64 if _is_empty(value) else None)
    if kind == "np":
        import numpy as np

        if isinstance(value, list) and value and isinstance(value[0], (list, tuple)):
            if len({len(v) for v in value}) > 1:  # ragged batch: an array of arrays
                out = np.empty(len(value), dtype=object)
                out[:] = [np.asarray(v) for v in value]
                return out
        return np.asarray(value, dtype=np.int64 if _is_empty(value) else None)
    raise ValueError(f"return_tensors must be 'pt', 'np' or None, got {kind!r}")


class BatchEncoding(AlignmentMixin, UserDict):
    """A ``dict`` of model inputs with attribute access and tensor conversion.

    Args:
        data (dict[str, Any] | None): the lists (or tensors) by name.
        tensor_type (str | None): ``"pt"``, ``"np"`` or ``None`` (keep Python lists).
        prepend_batch_axis (bool): wrap each value in a batch of one before converting.
        n_sequences (int | None): 1 for single texts, 2 for pairs.
        alignments (list[Alignment] | None): each row's tokens, words, sequences and characters (fast tokenizer).
    """

    def __init__(
        self,
        data: dict | None = None,
        tensor_type: str | None = None,
        prepend_batch_axis: bool = False,
        n_sequences: int | None = None,
        alignments: list[Alignment] | None = None,
    ):
        super().__init__(data)
        self.n_sequences = n_sequences
        self._alignments = alignments
        self.convert_to_tensors(tensor_type, prepend_batch_axis)

    @property
    def is_fast(self) -> bool:
        """bool: whether a fast tokenizer made it (then ``word_ids()`` and the other alignment methods work)."""
        return self._alignments is not None

    def __getitem__(self, item):
        if isinstance(item, str):
            return self.data[item]
        if isinstance(item, slice):
            return {key: value[item] for key, value in self.data.items()}
        raise KeyError(f"use a key like 'input_ids' or a slice, not {item!r} (minibert has no Rust tokenizers.Encoding "
                       "objects to index by row)")

    def __getattr__(self, item: str):
        # Only called when normal lookup fails, so methods and self.data are never shadowed.
        if item in ("data", "_alignments"):
            raise AttributeError(item)
        if item == "encodings":  # the property raised: a fast encoding, whose Rust objects minibert does not have
            raise AttributeError(NO_ENCODINGS)
        try:
            return self.data[item]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no key or attribute {item!r}") from None

    def __getstate__(self):
        return {"data": self.data, "n_sequences": self.n_sequences, "alignments": self._alignments}

    def __setstate__(self, state):
        self.data = state["data"]
        self.n_sequences = state.get("n_sequences")
        self._alignments = state.get("alignments")

    def convert_to_tensors(self, tensor_type: str | None = None, prepend_batch_axis: bool = False) -> BatchEncoding:
        """Turn every value into a tensor of ``tensor_type`` (``"pt"``/``"np"``); ``None`` keeps lists."""
        if tensor_type is None:
            return self
        kind = getattr(tensor_type, "value", tensor_type)
        for key, value in self.data.items():
            if prepend_batch_axis:
                value = [value]
            try:
                self.data[key] = _to_tensor(value, kind)
            except ValueError as err:
                if "return_tensors" in str(err):
                    raise
                raise ValueError(
                    f"Unable to create tensor from `{key}`: its rows have different lengths. Pass padding=True "
                    "(and truncation=True) to get rectangular batches."
                ) from err
        return self

    def to(self, device, *, non_blocking: bool = False) -> BatchEncoding:
        """Move every tensor to ``device`` (``str``, ``int`` or ``torch.device``); returns ``self``."""
        self.data = {
            key: value.to(device=device, non_blocking=non_blocking) if hasattr(value, "to") else value
            for key, value in self.data.items()
        }
        return self
