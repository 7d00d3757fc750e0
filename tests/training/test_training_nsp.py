"""NSP pair creation: structure, truthful labels, the 50/50 coin, truncation, determinism.

Every token encodes where it came from: token = doc * 10_000 + sentence * 100 + position, so the test can
tell, for each pair, which document and sentence every token of A and B was read from.
"""

from __future__ import annotations

import math
import random

import pytest

from minibert.training.nsp import create_nsp_examples, truncate_seq_pair

CLS, SEP = -1, -2


def _corpus(num_docs=40, seed=0, sent_len=5):
    rng = random.Random(seed)
    return [[[d * 10_000 + s * 100 + k for k in range(sent_len)] for s in range(rng.randint(4, 30))]
            for d in range(num_docs)]


def _split(ex):
    ids = ex["input_ids"]
    first = ids.index(SEP)
    return ids[1:first], ids[first + 1:-1]


def test_structure_and_token_types():
    examples = create_nsp_examples(_corpus(), max_seq_length=48, cls_id=CLS, sep_id=SEP, seed=1)
    assert len(examples) > 100
    for ex in examples:
        ids, tt = ex["input_ids"], ex["token_type_ids"]
        a, b = _split(ex)
        assert ids[0] == CLS and ids[-1] == SEP and ids.count(SEP) == 2 and len(ids) <= 48
        assert a and b
        assert tt == [0] * (len(a) + 2) + [1] * (len(b) + 1)
        assert ex["special_tokens_mask"] == [1] + [0] * len(a) + [1] + [0] * len(b) + [1]
        assert ex["next_sentence_label"] in (0, 1)


def test_labels_tell_the_truth():
    for ex in create_nsp_examples(_corpus(), max_seq_length=48, cls_id=CLS, sep_id=SEP, seed=2):
        a, b = _split(ex)
        doc_a, doc_b = {t // 10_000 for t in a}, {t // 10_000 for t in b}
        assert len(doc_a) == 1 and len(doc_b) == 1  # each side is contiguous text of one document
        assert a == sorted(a) and b == sorted(b)  # in reading order
        if ex["next_sentence_label"] == 0:  # IsNext: B continues A in the same document, nothing in between
            assert doc_a == doc_b
            last_a, first_b = max(a) % 10_000, min(b) % 10_000
            assert first_b > last_a
        else:
            assert doc_a != doc_b


def test_next_or_random_is_a_fair_coin():
    # The coin is only flipped for chunks of >= 2 segments (one-segment chunks are always NotNext, as in the
    # original script). A covering >= 2 sentences implies a chunk of >= 3 segments; truncation removes at most
    # sent_len - 1 = 4 tokens here (the overshoot of one sentence), so it cannot hide a sentence of A.
    # Conditioned on that, label ~ Bernoulli(1/2): we accept 5 binomial SDs, sqrt(n / 4).
    examples = create_nsp_examples(_corpus(num_docs=400, seed=3), max_seq_length=64, cls_id=CLS, sep_id=SEP,
                                   short_seq_prob=0.0, seed=4)
    labels = [ex["next_sentence_label"] for ex in examples if len({t // 100 for t in _split(ex)[0]}) >= 2]
    n, k = len(labels), sum(labels)
    assert n > 600
    assert abs(k - n / 2) <= 5 * math.sqrt(n / 4), f"{k} NotNext of {n}"


def test_short_seq_prob_makes_shorter_inputs():
    long = create_nsp_examples(_corpus(), max_seq_length=64, cls_id=CLS, sep_id=SEP, short_seq_prob=0.0, seed=5)
    short = create_nsp_examples(_corpus(), max_seq_length=64, cls_id=CLS, sep_id=SEP, short_seq_prob=1.0, seed=5)
    mean = lambda exs: sum(len(e["input_ids"]) for e in exs) / len(exs)  # noqa: E731
    assert mean(short) < 0.8 * mean(long)


def test_truncate_seq_pair_trims_the_longer_side_from_both_ends():
    rng = random.Random(0)
    fronts = backs = 0
    for _ in range(50):
        a, b = list(range(20)), list(range(100, 105))
        truncate_seq_pair(a, b, 15, rng)
        assert len(a) + len(b) == 15 and b == list(range(100, 105))  # only the longer side (a) lost tokens
        fronts += a[0] > 0
        backs += a[-1] < 19
    assert fronts > 0 and backs > 0
    a, b = list(range(6)), list(range(10, 16))
    truncate_seq_pair(a, b, 8, rng)
    assert len(a) == len(b) == 4  # they shrink in turn once equal


def test_deterministic_and_errors():
    kw = dict(max_seq_length=32, cls_id=CLS, sep_id=SEP)
    assert create_nsp_examples(_corpus(), seed=9, **kw) == create_nsp_examples(_corpus(), seed=9, **kw)
    assert create_nsp_examples(_corpus(), seed=9, **kw) != create_nsp_examples(_corpus(), seed=10, **kw)
    with pytest.raises(ValueError, match="at least 2"):
        create_nsp_examples(_corpus(num_docs=1), **kw)
    with pytest.raises(ValueError, match="max_seq_length"):
        create_nsp_examples(_corpus(), max_seq_length=4, cls_id=CLS, sep_id=SEP)
