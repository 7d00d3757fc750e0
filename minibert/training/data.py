"""Datasets on disk -> lists of examples -> padded batches.

Three formats, chosen by the file's extension:

* ``.txt``: plain text, one sentence per line; an empty line ends a document (the format of BERT's original
  pre-training data, which NSP needs: "the next sentence" only makes sense inside a document).
* ``.jsonl``: one JSON object per line, e.g. ``{"text": "...", "label": "positive"}``.
* ``.csv``: a header row naming the columns, e.g. ``text,label``.

The training loop consumes a map-style dataset (``len`` and ``[i]``) of examples, each a dict of python
lists / ints; :class:`Collator` pads a list of them into a batch of tensors.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import torch

from minibert.loading.text_file import read_lines, read_text
from minibert.training.masking import IGNORE_INDEX, mask_tokens


def read_documents(path: str | Path) -> list[list[str]]:
    """A ``.txt`` corpus as documents, each a list of non-empty lines (sentences)."""
    documents, current = [], []
    for line in read_lines(path):  # lines end at "\n" only; bad UTF-8 names the file and line
        line = line.strip()
        if line:
            current.append(line)
        elif current:
            documents.append(current)
            current = []
    if current:
        documents.append(current)
    return documents


def read_records(path: str | Path) -> list[dict]:
    """The rows of a ``.jsonl`` or ``.csv`` file as dicts (a ``.txt`` file gives one ``{"text": line}`` per line)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        rows = []
        for n, line in enumerate(read_lines(path), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{n}: not a JSON object ({err.msg})") from None
        return rows
    if suffix == ".csv":
        # An Excel export starts with a byte-order mark, which read_text drops: the first column is "text".
        return list(csv.DictReader(io.StringIO(read_text(path), newline="")))
    if suffix == ".txt":
        return [{"text": s} for doc in read_documents(path) for s in doc]
    raise ValueError(f"{path}: unsupported dataset format {suffix!r}; expected .txt, .jsonl or .csv")


def require_columns(row: dict, names, where: str) -> None:
    """A clear error if ``row`` lacks one of the columns ``names``; ``where`` names the row ("data.csv: row 3")."""
    for name in names:
        if name not in row:
            raise ValueError(f"{where} has no column {name!r} (columns: {', '.join(map(str, row))})")


def column(rows: list[dict], name: str, path: str | Path = "dataset") -> list:
    """The values of column ``name``; a clear error if a row lacks it."""
    for n, row in enumerate(rows):
        require_columns(row, (name,), f"{path}: row {n}")
    return [row[name] for row in rows]


class MaskedLMDataset(torch.utils.data.Dataset):
    """Tokenized examples, masked afresh in every epoch ("dynamic masking", Liu et al. 2019, RoBERTa).

    The mask of example ``i`` in epoch ``e`` is drawn from a generator seeded with ``(seed, e, i)``: a pure
    function of those three numbers. So a resumed run re-creates exactly the masks it would have seen, and
    2 processes splitting a batch see the same masks as 1 process reading all of it.
    """

    def __init__(self, examples: list[dict], *, mask_token_id: int, vocab_size: int, seed: int = 0,
                 whole_word_mask: bool = False, is_continuation: torch.Tensor | None = None,
                 mlm_probability: float = 0.15):
        if whole_word_mask and is_continuation is None and not all("is_continuation" in ex for ex in examples):
            raise ValueError("whole_word_mask=True needs is_continuation (see masking.continuation_table) or an "
                             "is_continuation list in every example (see training.chinese_words)")
        self.examples, self.seed, self.epoch = examples, seed, 0
        self.mask_token_id, self.vocab_size = mask_token_id, vocab_size
        self.whole_word_mask, self.is_continuation = whole_word_mask, is_continuation
        self.mlm_probability = mlm_probability

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict:
        ex = dict(self.examples[i])
        ids = torch.tensor(ex["input_ids"])
        # An example may carry its own word boundaries (Chinese words from a segmenter depend on the text, not on
        # the ids alone); otherwise the table of "##" pieces gives them.
        own = ex.pop("is_continuation", None)
        continuation = torch.tensor(own, dtype=torch.bool) if own is not None else (
            None if self.is_continuation is None else self.is_continuation[ids])
        g = torch.Generator().manual_seed((self.seed * 1_000_003 + self.epoch) * 1_000_003 + i)
        masked, labels = mask_tokens(
            ids, mask_token_id=self.mask_token_id, vocab_size=self.vocab_size,
            special_tokens_mask=torch.tensor(ex["special_tokens_mask"]), mlm_probability=self.mlm_probability,
            whole_word_mask=self.whole_word_mask,
            is_continuation=continuation,
            generator=g,
        )
        ex.pop("special_tokens_mask")
        ex["input_ids"], ex["labels"] = masked.tolist(), labels.tolist()
        return ex


class Collator:
    """Pad a list of examples into a batch: ``(B, T)`` tensors, T = the longest example.

    ``input_ids`` are padded with ``pad_token_id``, ``labels`` lists with -100 (ignored by the loss), other
    lists with 0; ``attention_mask`` (1 = real token) is added. Integer fields (class labels,
    ``next_sentence_label``) become ``(B,)`` tensors; float fields (regression targets) float tensors.
    """

    def __init__(self, pad_token_id: int = 0):
        self.pad_token_id = pad_token_id

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        lengths = [len(ex["input_ids"]) for ex in examples]
        T = max(lengths)
        batch: dict[str, torch.Tensor] = {}
        for key, first in examples[0].items():
            if isinstance(first, list):
                fill = self.pad_token_id if key == "input_ids" else IGNORE_INDEX if key == "labels" else 0
                batch[key] = torch.tensor([ex[key] + [fill] * (T - len(ex[key])) for ex in examples])
            else:
                batch[key] = torch.tensor([ex[key] for ex in examples])
        if "attention_mask" not in batch:
            batch["attention_mask"] = torch.tensor([[1] * n + [0] * (T - n) for n in lengths])
        return batch
