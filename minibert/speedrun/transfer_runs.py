"""The transfer experiment's runs: label counts × 3 seeds × {pre-trained, random}, with the baselines.

Its cost follows the budget: a budget under 10 minutes takes two label counts and 60 fine-tuning steps at most
per run (30 under a minute); a longer one 32, 128 and 512 labels and up to 200 steps. Each run: AdamW, lr 3e-4
(linear warm-up 10 %, decay to 0), batch 16, dropout 0.1, sentences cut at 64 pieces, the same for both
initialisations.
"""

from __future__ import annotations

import math
import time

import torch

from minibert.speedrun import transfer as T

SEEDS = 3
LR = 3e-4


def steps_for(n_labels: int, budget: float) -> int:
    """About 8 epochs, at least 30 steps, at most 30 (budget under a minute), 60 (under 10 minutes) or 200."""
    cap = 30 if budget < 60 else 60 if budget < 600 else 200
    return min(cap, max(30, 8 * math.ceil(n_labels / 16)))


def run_transfer(pretrained, data, settings) -> dict:
    """``{"task": {...}, "rows": [{labels, pretrained, random, majority, bow_logreg}], "seconds": s}``."""
    from minibert import BertForSequenceClassification

    start = time.perf_counter()
    tok = data.tokenizer
    task = T.build_task(data.held_out_documents, data.meta["held_out_names"], seed=settings.seed)
    short = settings.budget < 600
    counts = T.label_counts(task, short)
    config = pretrained.config.__class__.from_dict({**pretrained.config.to_dict(), "hidden_dropout_prob": 0.1,
                                                    "attention_probs_dropout_prob": 0.1,
                                                    "num_labels": len(task.pools)})
    encoder = {k: v.detach().clone() for k, v in pretrained.bert.state_dict().items()}

    def model(seed: int, from_pretrained: bool):
        torch.manual_seed(seed)  # the classifier (and pooler) draw the same in both arms
        m = BertForSequenceClassification(config)
        if from_pretrained:
            missing, unexpected = m.bert.load_state_dict(encoder, strict=False)
            if unexpected or any(not k.startswith("pooler.") for k in missing):
                raise RuntimeError(f"encoder weights do not fit: missing {missing}, unexpected {unexpected}")
        return m

    rows = []
    for n in counts:
        row = {"labels": n, "pretrained": [], "random": [], "majority": [], "bow_logreg": [],
               "steps": steps_for(n, settings.budget)}
        for i in range(SEEDS):
            seed = settings.seed + i
            draw = T.draw(task, n, seed)
            for arm in ("pretrained", "random"):
                row[arm].append(T.finetune_accuracy(model(seed, arm == "pretrained"), tok, draw, task.test,
                                                    steps=row["steps"], lr=LR, seed=seed))
            for key, value in T.baselines(task, draw, tok).items():
                row[key].append(value)
        mean = {k: sum(row[k]) / SEEDS for k in ("pretrained", "random", "bow_logreg")}
        print(f"transfer, {n} labels: pre-trained {100 * mean['pretrained']:.1f} %, random "
              f"{100 * mean['random']:.1f} %, bag-of-words {100 * mean['bow_logreg']:.1f} % (mean of {SEEDS} seeds)")
        rows.append(row)
    info = {"task": f"which of {len(task.pools)} held-out documents a sentence comes from",
            "classes": len(task.pools), "documents": task.documents, "test_sentences": len(task.test),
            "pool_sentences": [len(p) for p in task.pools], "lr": LR, "seeds": SEEDS}
    return {"task": info, "rows": rows, "seconds": time.perf_counter() - start}
