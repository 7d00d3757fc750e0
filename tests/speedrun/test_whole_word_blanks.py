"""Held-out blanks by whole words (mlm_eval.fill_blanks with ``words``): the Chinese masking comparison scores
both models on whole-word blanks too, since 15 % random single-token blanks leave the rest of a word visible."""

from __future__ import annotations

import torch

from minibert.training.mlm_eval import fill_blanks

MASK, CLS, SEP = 1, 2, 3


class _Recorder(torch.nn.Module):
    """A stand-in masked LM: remembers the masked input, answers token 7 at every blank."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.seen: list[torch.Tensor] = []

    def forward(self, input_ids, attention_mask, labels, masked_positions_only):
        self.seen.append(input_ids.clone())
        logits = torch.zeros(int((labels != -100).sum()), 10)
        logits[:, 7] = 1.0
        return type("Out", (), {"logits": logits})()


def test_whole_word_blanks_cover_every_token_of_the_chosen_words_and_nothing_else():
    # words: [4 5 6] [7] [8 9] [4 4] [5] ... : a flag True continues the word before it
    row = [CLS] + [4, 5, 6, 7, 8, 9, 4, 4, 5, 6] * 4 + [SEP]
    flags = [False] + [False, True, True, False, False, True, False, True, False, False] * 4 + [False]
    model = _Recorder()
    blanks = fill_blanks(model, [row] * 3, mask_token_id=MASK, special_ids={CLS, SEP}, words=[flags] * 3, seed=1,
                         k=1)
    for seen in model.seen[0]:
        masked = (seen == MASK).tolist()
        assert not masked[0] and not masked[-1]  # [CLS] and [SEP] stay
        starts = [i for i in range(1, len(row) - 1) if not flags[i]]
        words = [list(range(s, e)) for s, e in zip(starts, starts[1:] + [len(row) - 1])]
        hidden = [w for w in words if masked[w[0]]]
        assert all(all(masked[i] for i in w) for w in hidden)  # a chosen word is hidden whole
        assert sum(masked) == sum(len(w) for w in hidden)  # and nothing outside the chosen words
        assert len(hidden) == round(0.15 * len(words))  # 15 % of the 24 words: 4
    assert blanks.labels.tolist().count(7) == round(blanks.accuracy(1) * len(blanks.labels))  # scored per token


def test_without_words_the_blanks_are_single_tokens_as_before():
    row = [CLS] + list(range(4, 10)) * 5 + [SEP]
    model = _Recorder()
    fill_blanks(model, [row], mask_token_id=MASK, special_ids={CLS, SEP}, seed=0)
    assert int((model.seen[0] == MASK).sum()) == round(0.15 * 30)
