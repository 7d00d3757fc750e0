"""Label checks for the heads' losses: a clear error naming the bad value before the loss kernel runs.

A class id outside ``[0, num_classes)`` is an opaque "Target out of bounds" on CPU and a device-side
assert that kills the whole process on CUDA; checking first costs one reduction.
"""

from __future__ import annotations

import torch

IGNORE_INDEX = -100  # PyTorch's cross-entropy default: positions labelled -100 add nothing to the loss


def check_class_labels(name: str, labels: torch.Tensor, num_classes: int, count: int, what: str) -> None:
    """``labels`` must hold ``count`` integer class ids, each in ``[0, num_classes)`` or -100 (ignored).

    ``what`` says where ``num_classes`` comes from, for the error message (e.g. "config.vocab_size is 30522").
    """
    if not isinstance(labels, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(labels).__name__}")
    if labels.dtype.is_floating_point or labels.dtype.is_complex or labels.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer class ids (torch.long), got dtype {labels.dtype}")
    if labels.numel() != count:
        raise ValueError(f"{name} has shape {tuple(labels.shape)} ({labels.numel()} values) but the logits need "
                         f"{count} labels")
    kept = labels[labels != IGNORE_INDEX]
    if kept.numel() and (int(kept.min()) < 0 or int(kept.max()) >= num_classes):
        bad = int(kept.min()) if int(kept.min()) < 0 else int(kept.max())
        raise ValueError(f"{name} contains {bad}, outside [0, {num_classes}) ({what}); use -100 to ignore a position")
