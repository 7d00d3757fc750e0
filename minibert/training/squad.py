"""The SQuAD answer scores (Rajpurkar et al. 2016): exact match and word-overlap F1 on answer *text*.

Both compare normalised text, so that "the Python Software Foundation." and "Python Software Foundation"
are the same answer: lower case, no punctuation, no articles (a, an, the), single spaces. A question may have
several gold answers; a prediction scores the best of its comparisons. The scores are the means over questions.

F1 treats the two answers as bags of words: precision = shared words / predicted words, recall = shared words /
gold words, F1 = 2PR / (P + R). "in London" against "London" gets P = 1/2, R = 1, F1 = 2/3.
"""

from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not ref:  # an empty answer is right only against an empty answer
        return float(pred == ref)
    shared = sum((Counter(pred) & Counter(ref)).values())
    if not shared:
        return 0.0
    precision, recall = shared / len(pred), shared / len(ref)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: list[str], golds: list[list[str]]) -> dict[str, float]:
    """Mean exact match and F1 (each in [0, 1]) of ``predictions[i]`` against the answers ``golds[i]``."""
    if len(predictions) != len(golds) or not predictions:
        raise ValueError(f"need one prediction per question, got {len(predictions)} for {len(golds)}")
    em = sum(max(exact_match(p, g) for g in gs) for p, gs in zip(predictions, golds))
    f = sum(max(f1(p, g) for g in gs) for p, gs in zip(predictions, golds))
    return {"exact_match": em / len(predictions), "f1": f / len(predictions)}
