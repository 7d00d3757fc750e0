"""Exercise 13: which rows of Q/K/V (and columns of the attention output) survive head pruning.

Lesson: minibert/bert/pruning.py and ``BertAttention.prune_heads`` in minibert/bert/attention.py (Michel et al.,
2019, "Are Sixteen Heads Really Better than One?"). Grade: ``python -m minibert.exercises grade prune_heads_index``.
"""

from __future__ import annotations

import torch


def prune_heads_index(heads: list[int], n_heads: int, head_size: int, already_pruned: list[int]) -> torch.Tensor:
    """Feature indices to keep when removing ``heads`` from a layer that has ``n_heads`` heads NOW.

    Head h of the current layer owns features ``[h·head_size, (h+1)·head_size)``. ``heads`` and
    ``already_pruned`` are numbered as in the ORIGINAL, unpruned layer (which had
    ``n_heads + len(already_pruned)`` heads): after pruning original head 0, original head 3 sits at
    current position 2. So each head to remove is shifted left by the number of already-pruned heads with
    a smaller original number. Heads in ``heads`` that were already pruned are ignored.

    Example: n_heads=3 (original 4, head 1 already pruned), head_size=2, heads=[3] -> original 3 is now
    position 2 -> keep positions 0 and 1 -> ``tensor([0, 1, 2, 3])``.

    Args:
        heads: original head numbers to remove (may repeat, may include already-pruned ones).
        n_heads: current number of heads; head_size: features per head.
        already_pruned: original numbers of heads removed earlier.

    Returns:
        int64 1-D tensor of the kept feature indices, ascending (empty if every head goes).
    """
    raise NotImplementedError("exercise prune_heads_index: not implemented yet — replace this line with your code")
