"""Exercise 20, reference solution: [CLS] A [SEP] (B [SEP]) and the token types 0 ... 0 (1 ... 1)."""

from __future__ import annotations


def pair_inputs(ids_a: list[int], ids_b: list[int] | None, cls_id: int, sep_id: int) -> tuple[list[int], list[int]]:
    """``(input_ids, token_type_ids)`` for one text or a pair of word-piece id lists."""
    input_ids = [cls_id, *ids_a, sep_id]
    token_type_ids = [0] * len(input_ids)  # [CLS] A [SEP] is segment 0
    if ids_b is not None:
        input_ids += [*ids_b, sep_id]
        token_type_ids += [1] * (len(ids_b) + 1)  # B [SEP] is segment 1
    return input_ids, token_type_ids
