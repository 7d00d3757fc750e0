"""Evaluation metrics for the fine-tuning tasks, computed from logits and labels gathered over a dataset.

F1 is the harmonic mean of precision P (of what we predicted, how much was right) and recall R (of what was
there, how much we found): ``F1 = 2PR / (P + R)``. It matters when classes are unbalanced: always answering
the majority class can have high accuracy but has zero recall on the others.
"""

from __future__ import annotations

import torch

from minibert.heads.labels import IGNORE_INDEX


def _f1(tp: float, fp: float, fn: float) -> float:
    # 2PR/(P+R) simplifies to 2tp / (2tp + fp + fn); defined as 0 when there is nothing to find or predict.
    denom = 2 * tp + fp + fn
    return 2 * tp / denom if denom else 0.0


def classification_metrics(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """Accuracy and F1 of argmax predictions. ``logits`` ``(N, C)``, ``labels`` ``(N,)`` int.

    With 2 classes "f1" is the F1 of class 1 (the usual "positive" class); with more it is the macro average
    (the unweighted mean over classes of their one-vs-rest F1), so rare classes count as much as common ones.
    """
    if logits.dim() != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"expected logits (N, C) and labels (N,), got {tuple(logits.shape)} and {tuple(labels.shape)}")
    pred = logits.argmax(-1)
    num_classes = logits.shape[-1]
    per_class = []
    for c in range(num_classes):
        tp = ((pred == c) & (labels == c)).sum().item()
        fp = ((pred == c) & (labels != c)).sum().item()
        fn = ((pred != c) & (labels == c)).sum().item()
        per_class.append(_f1(tp, fp, fn))
    f1 = per_class[1] if num_classes == 2 else sum(per_class) / num_classes
    return {"accuracy": (pred == labels).float().mean().item(), "f1": f1}


def token_classification_metrics(logits: torch.Tensor, labels: torch.Tensor, outside_label: int = 0) -> dict:
    """Token-level accuracy and micro F1. ``logits`` ``(N, T, C)``, ``labels`` ``(N, T)`` with -100 = ignore.

    Micro F1 counts, over all real tokens, a true positive when a token tagged as an entity (label !=
    ``outside_label``, e.g. "O") gets exactly that tag; tagging "O" tokens as entities are false positives.
    """
    keep = labels != IGNORE_INDEX
    pred, gold = logits.argmax(-1)[keep], labels[keep]
    tp = ((pred == gold) & (gold != outside_label)).sum().item()
    fp = ((pred != gold) & (pred != outside_label)).sum().item()
    fn = ((pred != gold) & (gold != outside_label)).sum().item()
    accuracy = (pred == gold).float().mean().item() if gold.numel() else 0.0
    return {"accuracy": accuracy, "f1": _f1(tp, fp, fn)}


def best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, max_answer_length: int = 30) -> torch.Tensor:
    """The span (start <= end < start + max_answer_length) maximising start + end logit. ``(N, T)`` -> ``(N, 2)``."""
    T = start_logits.shape[-1]
    scores = start_logits[:, :, None] + end_logits[:, None, :]  # (N, T_start, T_end)
    i = torch.arange(T)
    valid = (i[None, :] >= i[:, None]) & (i[None, :] < i[:, None] + max_answer_length)  # (T, T)
    scores = scores.masked_fill(~valid, float("-inf")).flatten(1)
    flat = scores.argmax(-1)
    return torch.stack([flat // T, flat % T], dim=-1)


def qa_metrics(start_logits: torch.Tensor, end_logits: torch.Tensor, start_positions: torch.Tensor,
               end_positions: torch.Tensor, max_answer_length: int = 30) -> dict[str, float]:
    """SQuAD-style exact match and F1 on token spans (Rajpurkar et al. 2016).

    Exact match: the predicted span equals the gold span. F1: the overlap of the two spans as sets of token
    positions, precision = overlap / predicted length, recall = overlap / gold length; averaged over examples.
    """
    spans = best_span(start_logits, end_logits, max_answer_length)
    em, f1 = 0.0, 0.0
    for (ps, pe), gs, ge in zip(spans.tolist(), start_positions.tolist(), end_positions.tolist()):
        em += float(ps == gs and pe == ge)
        overlap = max(0, min(pe, ge) - max(ps, gs) + 1)
        if overlap:
            precision, recall = overlap / (pe - ps + 1), overlap / (ge - gs + 1)
            f1 += 2 * precision * recall / (precision + recall)
    n = max(1, len(spans))
    return {"exact_match": em / n, "f1": f1 / n}


# -- adapters for Trainer(metrics_fn=...): lists of per-batch model outputs and batches -> metrics ------------
def sequence_classification_eval(outputs: list[dict], batches: list[dict]) -> dict[str, float]:
    logits = torch.cat([o["logits"] for o in outputs])
    labels = torch.cat([b["labels"] for b in batches])
    return classification_metrics(logits, labels)


def token_classification_eval(outputs: list[dict], batches: list[dict], outside_label: int = 0) -> dict[str, float]:
    # Batches are padded to different lengths: flatten each to (tokens, C) before joining them.
    logits = torch.cat([o["logits"].flatten(0, 1) for o in outputs])
    labels = torch.cat([b["labels"].flatten() for b in batches])
    return token_classification_metrics(logits[None], labels[None], outside_label)


def question_answering_eval(outputs: list[dict], batches: list[dict]) -> dict[str, float]:
    results = [qa_metrics(o["start_logits"], o["end_logits"], b["start_positions"], b["end_positions"])
               for o, b in zip(outputs, batches)]
    sizes = [len(b["start_positions"]) for b in batches]
    total = max(1, sum(sizes))
    return {k: sum(r[k] * n for r, n in zip(results, sizes)) / total for k in ("exact_match", "f1")}
