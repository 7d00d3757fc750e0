"""Pre-training segments: whole sentences of one document packed up to the model's length.

BERT trains on full-length segments of running text (Devlin et al., 2019, §A.2), not single sentences: a
segment is as many consecutive whole sentences of one document as fit in ``max_length - 2`` pieces (the other
two are [CLS] and [SEP]). A sentence longer than that is a segment of its own, cut at the length.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at . ! or ? followed by white space and a capital, a bracket or a quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`\"'])")


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, in order (a heuristic split: good enough for packing and for the task)."""
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def pack(paragraphs: list[str], length_of: Callable[[str], int], budget: int) -> list[list[str]]:
    """Group one document's sentences, in order, into runs of at most ``budget`` pieces (``length_of`` counts)."""
    groups, current, used = [], [], 0
    for paragraph in paragraphs:
        for sentence in sentences(paragraph):
            n = length_of(sentence)
            if current and used + n > budget:
                groups.append(current)
                current, used = [], 0
            current.append(sentence)
            used += n
    if current:
        groups.append(current)
    return groups


def encode_segments(documents: list[list[str]], tokenizer, max_length: int) -> list[list[int]]:
    """Token ids ``[CLS] pieces [SEP]`` of every packed segment of ``documents`` (each sentence tokenized once)."""
    cache: dict[str, list[int]] = {}

    def ids(sentence: str) -> list[int]:
        if sentence not in cache:
            cache[sentence] = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(sentence))
        return cache[sentence]

    budget = max_length - 2
    out = []
    for paragraphs in documents:
        for group in pack(paragraphs, lambda s: len(ids(s)), budget):
            pieces = [i for s in group for i in ids(s)][:budget]
            out.append([tokenizer.cls_token_id, *pieces, tokenizer.sep_token_id])
    return out
