"""Fresh cases for the exercises on training: masking, the schedule, AdamW, QA spans and word labels.

The drawers of mlm_masking, linear_schedule, qa_best_span, adamw_step and ner_label_alignment, each
``(r, g) -> inputs`` (minibert/exercises/drawn.py says how they are called).
"""

from __future__ import annotations

import torch

from minibert.exercises.drawn_model import randn


def mlm_masking(r, g):
    B, T, V = r.randint(1, 4), r.randint(4, 14), r.randint(20, 200)
    ids, special, attention = (torch.zeros(B, T, dtype=t) for t in (torch.long, torch.bool, torch.long))
    for b in range(B):
        n = r.randint(3, T)  # [CLS]=2 ... [SEP]=3, then padding 0
        ids[b, :n] = torch.randint(5, V, (n,), generator=g)
        ids[b, 0], ids[b, n - 1] = 2, 3
        special[b, 0] = special[b, n - 1] = True
        attention[b, :n] = 1
    return {"input_ids": ids, "special_tokens_mask": special, "attention_mask": attention,
            "select_u": torch.rand(B, T, generator=g), "replace_u": torch.rand(B, T, generator=g),
            "random_ids": torch.randint(V, (B, T), generator=g), "mask_token_id": 4,
            "mlm_probability": r.choice([0.15, 0.3, 0.5, 1.0]), "mask_replace_prob": 0.8,
            "random_replace_prob": 0.1}


def linear_schedule(r, g):
    warmup, total = r.randint(0, 12), r.randint(1, 40)
    steps = sorted({0, warmup, total, total + 1, *(r.randint(0, total + 5) for _ in range(8))})
    return {"num_warmup_steps": warmup, "num_training_steps": total, "steps": steps}


def qa_best_span(r, g):
    B, T = r.randint(1, 3), r.randint(5, 12)
    while True:  # redraw until every example's best span leads the next by 0.01: no tie to break differently
        start, end = randn(g, B, T), randn(g, B, T)
        allowed = torch.rand(B, T, generator=g) < 0.7
        allowed[:, r.randrange(T)] = True
        length = r.randint(1, T)
        s, e = torch.arange(T)[:, None], torch.arange(T)[None, :]
        valid = (s <= e) & (e < s + length) & allowed[:, :, None] & allowed[:, None, :]
        scores = (start[:, :, None] + end[:, None, :]).masked_fill(~valid, float("-inf")).reshape(B, -1)
        top = scores.topk(2, dim=-1).values
        if bool(((top[:, 0] - top[:, 1]) > 0.01).all()):
            return {"start_logits": start, "end_logits": end, "allowed": allowed, "max_answer_length": length}


def adamw_step(r, g):
    shape = [r.randint(1, 5) for _ in range(r.randint(1, 2))]
    size = 10 ** r.uniform(-5, 0)  # the gradients' scale: from BERT-like 1e-5 (eps matters) to 1
    step = r.choice([1, 2, 3, r.randint(4, 50), r.randint(51, 5000)])
    betas = r.choice([(0.9, 0.999), (0.9, 0.98), (0.8, 0.99)])
    history = 0.0 if step == 1 else 1.0  # the buffers are zeros before the first update
    exp_avg = randn(g, *shape, scale=0.5 * size * history)
    exp_avg_sq = exp_avg * exp_avg + randn(g, *shape, scale=size * history) ** 2  # as Adam's: v >= m**2
    return {"param": randn(g, *shape, scale=r.uniform(0.1, 2.0)), "grad": randn(g, *shape, scale=size),
            "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "step": step, "lr": 10 ** r.uniform(-4, -1),
            "betas": betas, "eps": r.choice([1e-8, 1e-6, 1e-3]), "weight_decay": r.choice([0.0, 0.01, 0.1])}


def ner_label_alignment(r, g):
    n_words, n_labels = r.randint(1, 8), r.randint(2, 9)
    word_ids = [None]  # [CLS]
    for word in range(n_words):  # 0 to 4 pieces per word (0: a word of whitespace or control characters only)
        word_ids += [word] * r.choice([0, 1, 1, 1, 2, 2, 3, 4])
    if r.random() < 0.3 and len(word_ids) > 2:  # truncated: cut anywhere, even inside a word
        word_ids = word_ids[:r.randint(1, len(word_ids) - 1)]
    word_ids += [None] * (1 + (r.randint(1, 4) if r.random() < 0.3 else 0))  # [SEP], then maybe padding
    return {"word_labels": [r.randrange(n_labels) for _ in range(n_words)], "word_ids": word_ids}
