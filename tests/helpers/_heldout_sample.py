"""The held-out sample a shipped checkpoint carries (heldout_sample.txt), scored again by the model beside it: the
card's protocol (15 % of each segment's tokens hidden, seed 0), so a test recomputes the figure it checks."""

from __future__ import annotations

from pathlib import Path

import torch

from minibert import BertForMaskedLM, BertTokenizer
from minibert.training.mlm_eval import Blanks, fill_blanks


def heldout_sample_blanks(folder: Path) -> Blanks:
    torch.manual_seed(0)
    tokenizer = BertTokenizer.from_pretrained(folder)
    model = BertForMaskedLM.from_pretrained(folder)
    lines = (folder / "heldout_sample.txt").read_text(encoding="utf-8").splitlines()
    rows = tokenizer(lines, truncation=True, max_length=128)["input_ids"]
    return fill_blanks(model, rows, mask_token_id=tokenizer.mask_token_id, special_ids=set(tokenizer.all_special_ids))
