"""Next-sentence-prediction pairs from a corpus of documents, as BERT's original data script builds them.

Devlin et al. (2019), §3.1 "Task #2": for each pair ``[CLS] A [SEP] B [SEP]``, 50% of the time B is the
text that really follows A ("IsNext", label 0) and 50% of the time B is taken from another document
("NotNext", label 1). The procedure below follows the original ``create_pretraining_data.py``:

1. Walk through a document's segments (sentences), collecting them into a *chunk* until it holds
   ``target_length`` tokens. The target is ``max_seq_length - 3`` (room for [CLS] and two [SEP]) but, with
   probability ``short_seq_prob``, a random shorter length, so the model also sees short inputs.
2. A = the first ``a_end`` segments of the chunk (``a_end`` uniform in ``[1, len(chunk) - 1]``).
3. B = the rest of the chunk (IsNext), or, with probability 1/2 and always when the chunk has one segment,
   consecutive segments from a random point of another document (NotNext); the chunk's unused segments are
   then put back, so they start the next chunk instead of being wasted.
4. Trim the pair to ``max_seq_length - 3`` tokens, one token at a time from the longer side, randomly from its
   front or back (so the model does not learn that truncated text always ends abruptly).

Note the one-segment case in 3: such chunks are always NotNext, so the overall NotNext share is slightly
above 50% on corpora with many one-sentence chunks; it is exactly a fair coin whenever the chunk has two or
more segments.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

Segment = Sequence  # one sentence, as a list of token ids (or token strings)


def truncate_seq_pair(tokens_a: list, tokens_b: list, max_num_tokens: int, rng: random.Random) -> None:
    """Shorten ``tokens_a``/``tokens_b`` in place until together they hold at most ``max_num_tokens``."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def _pair_example(tokens_a: list, tokens_b: list, is_random_next: bool, cls_id, sep_id) -> dict:
    input_ids = [cls_id, *tokens_a, sep_id, *tokens_b, sep_id]
    # Segment embeddings tell the model which sentence a token belongs to: 0 for [CLS] A [SEP], 1 for B [SEP].
    token_type_ids = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
    special = [1] + [0] * len(tokens_a) + [1] + [0] * len(tokens_b) + [1]
    return {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "special_tokens_mask": special,
        "next_sentence_label": int(is_random_next),  # 0 = B follows A, 1 = B is random
    }


def _pairs_from_document(documents: list, doc_index: int, max_seq_length: int, short_seq_prob: float,
                         rng: random.Random, cls_id, sep_id) -> list[dict]:
    document = documents[doc_index]
    max_num_tokens = max_seq_length - 3
    target_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_length = rng.randint(2, max_num_tokens)

    examples: list[dict] = []
    chunk: list[Segment] = []
    chunk_length = 0
    i = 0
    while i < len(document):
        chunk.append(document[i])
        chunk_length += len(document[i])
        if i == len(document) - 1 or chunk_length >= target_length:
            a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
            tokens_a = [t for segment in chunk[:a_end] for t in segment]
            if len(chunk) == 1 or rng.random() < 0.5:
                is_random_next = True
                # Pick another document uniformly (never this one) and read from a random segment on.
                other = rng.randint(0, len(documents) - 2)
                other += other >= doc_index
                random_doc = documents[other]
                tokens_b: list = []
                start = rng.randint(0, len(random_doc) - 1)
                for segment in random_doc[start:]:
                    tokens_b.extend(segment)
                    if len(tokens_b) >= target_length - len(tokens_a):
                        break
                i -= len(chunk) - a_end  # put the unused segments back
            else:
                is_random_next = False
                tokens_b = [t for segment in chunk[a_end:] for t in segment]
            truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
            if tokens_a and tokens_b:  # an empty side can only come from empty segments; skip it
                examples.append(_pair_example(tokens_a, tokens_b, is_random_next, cls_id, sep_id))
            chunk, chunk_length = [], 0
        i += 1
    return examples


def create_nsp_examples(
    documents: Sequence[Sequence[Segment]],
    *,
    max_seq_length: int,
    cls_id,
    sep_id,
    short_seq_prob: float = 0.1,
    dupe_factor: int = 1,
    seed: int = 12345,
) -> list[dict]:
    """Build NSP examples from ``documents`` (each a list of segments, each a list of token ids).

    Returns a shuffled list of dicts with python lists ``input_ids``, ``token_type_ids``,
    ``special_tokens_mask`` (all of one length <= ``max_seq_length``) and an int ``next_sentence_label``.
    ``dupe_factor`` passes over the corpus make different pairs from the same text. Same seed, same output.
    """
    documents = [list(doc) for doc in documents if len(doc) > 0]
    if len(documents) < 2:
        raise ValueError(f"NSP needs at least 2 non-empty documents to draw random next sentences from, "
                         f"got {len(documents)}")
    if max_seq_length < 5:
        raise ValueError(f"max_seq_length must be >= 5 ([CLS] A [SEP] B [SEP], one token each), got {max_seq_length}")
    rng = random.Random(seed)
    examples: list[dict] = []
    for _ in range(dupe_factor):
        for doc_index in range(len(documents)):
            examples.extend(_pairs_from_document(documents, doc_index, max_seq_length, short_seq_prob,
                                                 rng, cls_id, sep_id))
    rng.shuffle(examples)
    return examples
