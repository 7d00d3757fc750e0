"""Fill-mask on held-out text: the report card's table of what the model guesses, and what was hidden.

(The held-out accuracy itself is minibert/training/mlm_eval.py's ``mlm_report``, the model card's protocol.)
"""

from __future__ import annotations

import random

from minibert.speedrun.segments import sentences
from minibert.tokenization.chars import is_cjk

# Blanks a reader of the Python documentation can judge (each has one clearly right word).
PYDOCS_PROMPTS = ["The function [MASK] a list.", "This module provides functions for working with [MASK] files.",
                  "The [MASK] statement is used to import a module.", "Return the number of [MASK] in the list.",
                  "If the file does not exist, a [MASK] is raised.", "The default value of this argument is [MASK]."]


def fill_mask_prompts(held_out: list[list[str]], tokenizer, n: int = 6, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` held-out sentences (6-20 words) with one word of 4+ letters, a single piece of the vocabulary,
    hidden behind [MASK]: ``(masked text, hidden word)``. Seeded: the same prompts on every call."""
    rng = random.Random(seed)
    candidates = [s for doc in held_out for p in doc for s in sentences(p) if 6 <= len(s.split()) <= 20]
    rng.shuffle(candidates)
    out = []
    for sentence in candidates:
        words = sentence.split()
        choices = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 4 and i > 0
                   and tokenizer.tokenize(w) == [w.lower()]]
        if choices:
            i = rng.choice(choices)
            out.append((" ".join(words[:i] + ["[MASK]"] + words[i + 1:]), words[i].lower()))
        if len(out) == n:
            break
    return out


def fill_mask_prompts_zh(held_out: list[list[str]], tokenizer, frequent: set[str], n: int = 6,
                         seed: int = 0) -> list[tuple[str, str]]:
    """The Chinese counterpart of ``fill_mask_prompts``: ``n`` held-out sentences of 12-40 characters with one
    Chinese character hidden behind [MASK] (``(masked text, hidden character)``), a character that is a token of
    the vocabulary and not one of ``frequent`` (the training text's most frequent, mostly function, characters:
    as the English prompts hide a word of 4+ letters, a content character). Seeded."""
    rng = random.Random(seed)
    vocab = tokenizer.get_vocab()
    candidates = [s for doc in held_out for p in doc for s in sentences(p) if 12 <= len(s) <= 40]
    rng.shuffle(candidates)
    out = []
    for sentence in candidates:
        choices = [i for i, ch in enumerate(sentence) if i > 0 and is_cjk(ch) and ch in vocab and ch not in frequent]
        if choices:
            i = rng.choice(choices)
            out.append((sentence[:i] + "[MASK]" + sentence[i + 1:], sentence[i]))
        if len(out) == n:
            break
    return out


def fill_mask_table(model_folder, prompts: list[tuple[str, str | None]]) -> list[dict]:
    """``[{"text", "answer", "predictions": top 3}]`` by minibert's fill-mask pipeline on the saved model."""
    import logging

    from minibert import pipeline

    quiet = logging.getLogger("minibert")
    level, quiet.level = quiet.level, logging.ERROR  # the folder's untrained pooler, unused by the MLM: expected
    try:
        unmask = pipeline("fill-mask", model=str(model_folder))
    finally:
        quiet.setLevel(level)
    return [{"text": text, "answer": answer, "predictions": [c["token_str"] for c in unmask(text, top_k=3)]}
            for text, answer in prompts]
