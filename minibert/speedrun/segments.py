"""Pre-training segments: whole sentences of one document packed up to the model's length.

BERT trains on full-length segments of running text (Devlin et al., 2019, §A.2), not single sentences: a
segment is as many consecutive whole sentences of one document as fit in ``max_length - 2`` pieces (the other
two are [CLS] and [SEP]), across its paragraphs. A sentence longer than that is a segment of its own, cut at the
length. Chinese paragraphs are short (~36 characters in the Debian documentation corpus), so packing across them
matters: a segment holds several paragraphs, not one.

Sentences end at English ``. ! ?`` (followed by white space and a capital, a bracket or a quote) and at Chinese
``。 ！ ？`` (with any closing quotes or bracket after them), so one function splits both languages.

With Chinese whole-word masking (``--whole-word-mask zh``) each segment also gets its continuation flags
(``encode_segments_with_words``): True where a token continues the jieba word of the token before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from minibert.tokenization.chars import is_cjk

# A sentence ends at . ! or ? followed by white space and a capital, a bracket or a quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`\"'])")
# A Chinese sentence ends at 。！？ (a run of them), with the closing quotes or bracket that follow.
_ZH_SENTENCE_END = re.compile(r"[。！？]+[”’」』）)]*")


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, in order (a heuristic split: good enough for packing and for the task)."""
    out = []
    for part in _SENTENCE_END.split(paragraph):
        start = 0
        for end in _ZH_SENTENCE_END.finditer(part):
            out.append(part[start:end.end()].strip())
            start = end.end()
        out.append(part[start:].strip())
    return [s for s in out if s]


def word_count(text: str) -> int:
    """Words as BERT's BasicTokenizer counts them, roughly: white-space words, each CJK character one word
    (English text: ``len(text.split())``)."""
    return len("".join(f" {ch} " if is_cjk(ch) else ch for ch in text).split())


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


def encode_segments_with_words(documents: list[list[str]], tokenizer,
                               max_length: int) -> tuple[list[list[int]], list[list[bool]]]:
    """``encode_segments``' segments (the same ids, the same packing) and each one's ``is_continuation``:
    Chinese words from jieba (minibert/training/chinese_words.py), ``##`` pieces continue as in English BERT;
    [CLS], [SEP] and each sentence's first token start a word."""
    from minibert.training.chinese_words import chinese_continuation
    from minibert.training.masking import continuation_table

    pieces = continuation_table(tokenizer.convert_ids_to_tokens(range(tokenizer.vocab_size)))
    cache: dict[str, tuple[list[int], list[bool]]] = {}

    def encoded(sentence: str) -> tuple[list[int], list[bool]]:
        if sentence not in cache:
            # verbose=False: a sentence longer than a segment is expected here (the packing below keeps its first
            # max_length - 2 pieces), so the tokenizer's "longer than the maximum sequence length" warning would
            # only alarm the user.
            enc = tokenizer(sentence, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
            ids = enc["input_ids"]
            cache[sentence] = ids, chinese_continuation(sentence, ids, enc["offset_mapping"], pieces)
        return cache[sentence]

    budget = max_length - 2
    segments, flags = [], []
    for paragraphs in documents:
        for group in pack(paragraphs, lambda s: len(encoded(s)[0]), budget):
            ids = [i for s in group for i in encoded(s)[0]][:budget]
            cont = [c for s in group for c in encoded(s)[1]][:budget]
            segments.append([tokenizer.cls_token_id, *ids, tokenizer.sep_token_id])
            flags.append([False, *cont, False])
    return segments, flags
