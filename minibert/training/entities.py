"""Entity-level scores for BIO tagging: the CoNLL-2003 measure (``conlleval``, and ``seqeval``'s default mode).

Tags are read as entities (chunks) first, then compared whole: an entity counts as found only if its type and
its first and last word are all right. Tagging "Guido van Rossum" as B-PER I-PER O finds no person at all,
though two of three words are right, which is why entity F1 is lower, and stricter, than token accuracy::

    words   Guido  van    Rossum  works  for  Google
    tags    B-PER  I-PER  I-PER   O      O    B-ORG      ->  {(PER, 0, 2), (ORG, 5, 5)}

An ``I-X`` that does not continue an ``X`` entity (after ``O`` or after another type) starts a new one, as in
``conlleval``: a model's tags need not be well formed to be scored.
"""

from __future__ import annotations

from minibert.training.metrics import _f1


def bio_entities(tags: list[str]) -> set[tuple[str, int, int]]:
    """The entities of one tagged sentence as ``(type, first word, last word)``, both ends inclusive."""
    entities, kind, first = set(), None, 0
    for i, tag in enumerate([*tags, "O"]):  # a final "O" closes an entity that runs to the end
        prefix, _, new_kind = tag.partition("-")
        continues = prefix == "I" and new_kind == kind
        if kind is not None and not continues:  # the open entity ends before this word
            entities.add((kind, first, i - 1))
            kind = None
        if prefix in ("B", "I") and not continues:  # this word opens an entity
            kind, first = new_kind, i
    return entities


def entity_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, float]:
    """Micro precision, recall and F1 over all entities of all sentences (lists of tags, one list per sentence)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    tp = n_gold = n_pred = 0
    for g, p in zip(gold, predicted):
        if len(g) != len(p):
            raise ValueError(f"a sentence has {len(g)} gold tags but {len(p)} predicted")
        g_set, p_set = bio_entities(g), bio_entities(p)
        tp, n_gold, n_pred = tp + len(g_set & p_set), n_gold + len(g_set), n_pred + len(p_set)
    return {"precision": tp / n_pred if n_pred else 0.0, "recall": tp / n_gold if n_gold else 0.0,
            "f1": _f1(tp, n_pred - tp, n_gold - tp)}


def ner_eval(id2label: dict[int, str]):
    """A ``Trainer(metrics_fn=...)``: entity precision/recall/F1 and word accuracy from logits and labels.

    Labels are -100 except on each word's first piece (word_labels.py), so the kept positions, in order, are
    the sentence's words: the model's tag for a word is the argmax at its first piece.
    """
    def metrics(outputs: list[dict], batches: list[dict]) -> dict[str, float]:
        gold, predicted, right, words = [], [], 0, 0
        for out, batch in zip(outputs, batches):
            for logits, labels in zip(out["logits"], batch["labels"]):  # (T, C), (T,)
                keep = labels != -100
                g, p = labels[keep].tolist(), logits[keep].argmax(-1).tolist()
                gold.append([id2label[i] for i in g])
                predicted.append([id2label[i] for i in p])
                right, words = right + sum(a == b for a, b in zip(g, p)), words + len(g)
        return {**entity_scores(gold, predicted), "accuracy": right / words if words else 0.0}

    return metrics
