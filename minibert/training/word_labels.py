"""Word-level tags -> WordPiece-level training labels, for token classification (NER, part of speech).

A tagged corpus (CoNLL-2003) labels *words*; BERT reads *pieces*. Like the reference's ``run_ner.py`` example,
the label goes on the first piece of each word, and every other piece, like ``[CLS]`` and ``[SEP]``, gets -100,
which the loss and the metrics skip::

    words     Ada          Lovelace             lived   in   London
    tags      B-PER        I-PER                O       O    B-LOC
    pieces    [CLS]  ad ##a  lo ##vel ##ace     lived   in   lon ##do ##n   [SEP]
    labels    -100   B-PER -100  I-PER -100 -100  O     O    B-LOC -100 -100  -100

So each word is predicted once, from its first piece, and a word split into many pieces counts no more than one
kept whole. Each word is tokenized on its own, as the reference's fast tokenizer does with
``is_split_into_words=True``; a word with no pieces (only whitespace or control characters) loses its tag.
"""

from __future__ import annotations

from minibert.training.masking import IGNORE_INDEX

TAG_PREFIXES = ("B-", "I-")


def check_tags(words: list, tags: list, where: str) -> None:
    """One BIO tag (``O``, ``B-TYPE`` or ``I-TYPE``) per word, or a ``ValueError`` naming the row."""
    if not isinstance(words, list) or not isinstance(tags, list):
        raise ValueError(f"{where}: tokens and tags must be lists (pre-split words and one tag per word), got "
                         f"{type(words).__name__} and {type(tags).__name__}")
    if len(words) != len(tags):
        raise ValueError(f"{where}: {len(words)} words but {len(tags)} tags; give one tag per word")
    for tag in tags:
        if not isinstance(tag, str) or not (tag == "O" or (tag[:2] in TAG_PREFIXES and len(tag) > 2)):
            raise ValueError(f"{where}: tag {tag!r} is not a BIO tag; expected 'O', 'B-TYPE' or 'I-TYPE' (e.g. "
                             "B-PER, I-LOC)")


def align_word_labels(tokenizer, words: list[str], tags: list[str], label2id: dict[str, int],
                      max_length: int) -> dict[str, list[int]]:
    """``input_ids``, ``token_type_ids`` and ``labels``, each ``(T,)`` with T <= ``max_length``.

    ``labels[t]`` is ``label2id[tag]`` on the first piece of a word, -100 elsewhere. A sentence longer than
    ``max_length`` pieces is cut (the words past the cut are not trained on), as ``truncation=True`` does.
    """
    ids: list[int] = []
    labels: list[int] = []
    for word, tag in zip(words, tags):
        pieces = tokenizer(word, add_special_tokens=False, verbose=False)["input_ids"]
        ids += pieces
        labels += [label2id[tag]] + [IGNORE_INDEX] * (len(pieces) - 1) if pieces else []
    budget = max_length - tokenizer.num_special_tokens_to_add(False)  # room left by [CLS] ... [SEP]
    ids, labels = ids[:budget], labels[:budget]
    input_ids = tokenizer.build_inputs_with_special_tokens(ids)
    return {"input_ids": input_ids, "token_type_ids": [0] * len(input_ids),
            "labels": [IGNORE_INDEX, *labels, IGNORE_INDEX]}
