"""Fill-mask on held-out text: the report card's table of what the model guesses, and what was hidden.

(The held-out accuracy itself is minibert/training/mlm_eval.py's ``mlm_report``, the model card's protocol.)
"""

from __future__ import annotations

import random

from minibert.speedrun.segments import sentences

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
