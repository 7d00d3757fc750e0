"""MLM masking: proportions (statistical, tolerances from the binomial SD), eligibility, whole words, seeds.

Tolerance derivation. Every eligible position is chosen independently with p = 0.15, so the number chosen is
C ~ Binomial(N, p) with mean Np and SD sqrt(N p (1 - p)). Given C, each chosen token independently becomes
[MASK] with q = 0.8, a random token with 0.1, stays with 0.1: counts ~ Binomial(C, q), SD sqrt(C q (1 - q)).
We accept |observed - expected| <= 5 SD. Under a correct implementation a fixed seed lands beyond 5 SD with
probability < 6e-7, and the seeds are fixed, so the test is deterministic; a wrong rate (e.g. 0.12 chosen
instead of 0.15, or a 70/20/10 split) is 10+ SD away at these sizes and fails.
"""

from __future__ import annotations

import math

import pytest
import torch

from minibert.training.masking import IGNORE_INDEX, continuation_table, mask_tokens

V, MASK, CLS, SEP, PAD = 1000, 3, 1, 2, 0


def _batch(B=128, T=128, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, V, (B, T), generator=g)
    lengths = torch.randint(T // 2, T + 1, (B,), generator=g)
    attention = (torch.arange(T)[None, :] < lengths[:, None]).long()
    special = torch.zeros_like(ids)
    ids[:, 0] = CLS
    special[:, 0] = 1
    ids[torch.arange(B), lengths - 1] = SEP
    special[torch.arange(B), lengths - 1] = 1
    ids[attention == 0] = PAD
    return ids, special, attention


def _within(observed, n, p, sigmas=5.0):
    sd = math.sqrt(n * p * (1 - p))
    assert abs(observed - n * p) <= sigmas * sd, f"{observed} vs expected {n * p:.1f} (n={n}, p={p}, sd={sd:.1f})"


def test_proportions_80_10_10():
    ids, special, attention = _batch()
    masked, labels = mask_tokens(ids, mask_token_id=MASK, vocab_size=V, special_tokens_mask=special,
                                 attention_mask=attention, generator=torch.Generator().manual_seed(1))
    eligible = (special == 0) & (attention == 1)
    chosen = labels != IGNORE_INDEX
    N, C = int(eligible.sum()), int(chosen.sum())
    assert N > 5000
    _within(C, N, 0.15)
    assert torch.equal(labels[chosen], ids[chosen])  # the label is the original token
    assert torch.equal(masked[~chosen], ids[~chosen])  # nothing outside the targets changes
    n_mask = int((masked[chosen] == MASK).sum())
    # A random replacement equal to the original token or to [MASK] (chance 1/V each) is counted elsewhere;
    # its expected effect (C * 0.1 * 2/V ~ 0.3 tokens) is far below one SD.
    n_random = int(((masked[chosen] != MASK) & (masked[chosen] != ids[chosen])).sum())
    n_same = int((masked[chosen] == ids[chosen]).sum())
    _within(n_mask, C, 0.8)
    _within(n_random, C, 0.1)
    _within(n_same, C, 0.1)


def test_other_probability_is_honoured():
    ids, special, attention = _batch(seed=3)
    _, labels = mask_tokens(ids, mask_token_id=MASK, vocab_size=V, special_tokens_mask=special,
                            attention_mask=attention, mlm_probability=0.4, generator=torch.Generator().manual_seed(2))
    N = int(((special == 0) & (attention == 1)).sum())
    _within(int((labels != IGNORE_INDEX).sum()), N, 0.4)


def test_special_and_padding_never_chosen():
    ids, special, attention = _batch(B=16, T=40)
    # mlm_probability=1: every eligible token is chosen, so any leak into special/padding would show.
    masked, labels = mask_tokens(ids, mask_token_id=MASK, vocab_size=V, special_tokens_mask=special,
                                 attention_mask=attention, mlm_probability=1.0,
                                 generator=torch.Generator().manual_seed(0))
    ineligible = (special == 1) | (attention == 0)
    assert (labels[ineligible] == IGNORE_INDEX).all()
    assert torch.equal(masked[ineligible], ids[ineligible])
    assert (labels[~ineligible] != IGNORE_INDEX).all()


def test_whole_word_masking_chooses_words():
    vocab = ["[PAD]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(50)] + [f"##p{i}" for i in range(50)]
    table = continuation_table(vocab)
    g = torch.Generator().manual_seed(5)
    B, T = 64, 64
    # Random words of 1-3 pieces; an orphan "##" piece right after [CLS] is a word of its own.
    ids = torch.zeros(B, T, dtype=torch.long)
    for b in range(B):
        row = [1, 60]  # [CLS] ##p...
        while len(row) < T - 1:
            row.append(int(torch.randint(4, 54, (1,), generator=g)))
            row += [int(x) for x in torch.randint(54, 104, (int(torch.randint(0, 3, (1,), generator=g)),), generator=g)]
        ids[b] = torch.tensor(row[: T - 1] + [2])
    special = ((ids == 1) | (ids == 2)).long()
    masked, labels = mask_tokens(ids, mask_token_id=MASK, vocab_size=len(vocab), special_tokens_mask=special,
                                 whole_word_mask=True, is_continuation=table[ids],
                                 generator=torch.Generator().manual_seed(7))
    chosen = labels != IGNORE_INDEX
    words, picked = 0, 0
    for b in range(B):
        start = 1
        for t in range(2, T):  # split the row into words: a start and its following "##" pieces
            if not table[ids[b, t]] or special[b, t]:
                span = chosen[b, start:t]
                assert span.all() or not span.any(), f"row {b}: word {start}..{t - 1} partly chosen: {span.tolist()}"
                words += 1
                picked += int(span.all())
                start = t
    _within(picked, words, 0.15)
    assert chosen.any() and not chosen[special == 1].any()


def test_whole_word_needs_continuation_flags():
    ids, special, _ = _batch(B=2, T=8)
    with pytest.raises(ValueError, match="is_continuation"):
        mask_tokens(ids, mask_token_id=MASK, vocab_size=V, special_tokens_mask=special, whole_word_mask=True)


def test_deterministic_under_seed():
    ids, special, attention = _batch(B=8, T=32)

    def run(seed):
        return mask_tokens(ids, mask_token_id=MASK, vocab_size=V, special_tokens_mask=special,
                           attention_mask=attention, generator=torch.Generator().manual_seed(seed))

    a, b, c = run(11), run(11), run(12)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[1], c[1])


def test_single_sequence_and_bad_arguments():
    ids, special, _ = _batch(B=1, T=16)
    m, lab = mask_tokens(ids[0], mask_token_id=MASK, vocab_size=V, special_tokens_mask=special[0],
                         generator=torch.Generator().manual_seed(0))
    assert m.shape == lab.shape == (16,)
    with pytest.raises(ValueError, match="mask_replace_prob"):
        mask_tokens(ids, mask_token_id=MASK, vocab_size=V, mask_replace_prob=0.95, random_replace_prob=0.1)
    with pytest.raises(ValueError, match="special_tokens_mask has shape"):
        mask_tokens(ids, mask_token_id=MASK, vocab_size=V, special_tokens_mask=special[:, :3])
