"""The transfer experiment's runs: label counts × 3 seeds × {pre-trained, random} × learning rates, with baselines.

The recipe, the same for both initialisations (docs/pretraining.md gives the validation runs behind it): the
classifier on the mean of the last layer (minibert/speedrun/classifier.py), the whole network fine-tuned with
AdamW (linear warm-up over 10 % of the steps, then down to 0, weight decay 0.01, gradients clipped at norm 1),
batch 16, dropout 0.1, sentences cut at 64 pieces, about 16 epochs. The learning rate: each arm, at each label
count, takes the rate of ``LRS`` with the best validation accuracy (mean over the seeds; the task's validation
sentences, never the test ones), and the report gives that rate's test accuracy. A small model fine-tuned for a
few dozen steps wants a larger rate than BERT-base's 2e-5 to 5e-5, and a random encoder another than a
pre-trained one: a grid chosen on validation gives each arm its best.

Its cost follows the budget: a budget under 10 minutes takes two label counts (32 and 128 where the corpus has
them), one rate (``SHORT_LR``, no choice) and 60 fine-tuning steps at most per run (30 under a minute); a longer
one 16, 32, 128 and 512 labels, the three rates of the grid and up to 400 steps.

    classifiers(encoder, k)         make(seed, from_pretrained): the two arms' starting points
    runs_at(make, tok, task, n, seeds, lrs, steps)    one label count: every arm, rate and seed, the baselines
    run_transfer(pretrained, data, settings)          the speedrun's: its label counts, rates and steps

Notebook 11 calls the first two with the shipped checkpoint on the same task.
"""

from __future__ import annotations

import math
import time

import torch

from minibert.speedrun import transfer as T

SEEDS = 3
LRS = (3e-4, 1e-3, 3e-3)        # the grid, a factor ~3 apart: a budget of 10 minutes or more
SHORT_LR = 3e-3                  # a shorter budget: one rate for both arms
ARMS = ("pretrained", "random")


def steps_for(n_labels: int, budget: float) -> int:
    """About 16 epochs, at least 60 steps, at most 30 (budget under a minute), 60 (under 10 minutes) or 400.

    The floor gives the warm-up and the decay some steps: at 16 and 32 labels (one and two batches of 16) the 60
    steps are 60 and 30 epochs."""
    cap = 30 if budget < 60 else 60 if budget < 600 else 400
    return min(cap, max(60, 16 * math.ceil(n_labels / 16)))


def learning_rates(budget: float) -> tuple[float, ...]:
    return LRS if budget >= 600 else (SHORT_LR,)


def choose(validation: dict[float, list[float]]) -> float:
    """The rate with the best mean validation accuracy over the seeds; on a tie, the smaller rate."""
    return max(sorted(validation), key=lambda lr: (sum(validation[lr]) / len(validation[lr]), -lr))


def classifiers(encoder, num_labels: int):
    """``make(seed, from_pretrained)``: the recipe's classifier (MeanPooledClassifier, dropout 0.1) for
    ``num_labels`` classes, its encoder a copy of ``encoder`` (a BertModel without pooler: a BertForMaskedLM's
    ``.bert``) or left at BERT's random initialisation. ``torch.manual_seed(seed)`` first, so the linear layer
    draws the same in both arms."""
    from minibert.speedrun.classifier import MeanPooledClassifier

    config = encoder.config.__class__.from_dict({**encoder.config.to_dict(), "hidden_dropout_prob": 0.1,
                                                 "attention_probs_dropout_prob": 0.1, "num_labels": num_labels})
    weights = {k: v.detach().clone() for k, v in encoder.state_dict().items()}

    def make(seed: int, from_pretrained: bool):
        torch.manual_seed(seed)  # the classifier draws the same in both arms
        m = MeanPooledClassifier(config)
        if from_pretrained:
            m.bert.load_state_dict(weights)  # strict: every encoder weight, and nothing else
        return m

    return make


def runs_at(make, tok, task, n: int, seeds, lrs: dict[str, tuple[float, ...]], steps: int,
            device: str | None = None) -> dict:
    """One label count: for each seed one draw of ``n`` labels, fine-tuned by each arm of ``lrs`` (``{"pretrained":
    rates, "random": rates}``) at each of its rates, and the baselines on that draw. Each arm keeps the rate with
    the best mean validation accuracy (``choose``) and reports that rate's test accuracy per seed: ``{labels,
    majority, bow_logreg, steps, validation: {arm: {lr: [per seed]}}, pretrained, pretrained_lr, random,
    random_lr}`` (the arms that were run). ``device``: the Trainer's (default: CUDA if there is one)."""
    row = {"labels": n, "majority": [], "bow_logreg": [], "steps": steps}
    found = {(arm, lr): ([], []) for arm in lrs for lr in lrs[arm]}  # (validation, test) accuracy per seed
    for seed in seeds:
        draw = T.draw(task, n, seed)
        for arm, lr in found:
            val, test = T.finetune(make(seed, arm == "pretrained"), tok, draw, [task.val, task.test],
                                   steps=steps, lr=lr, seed=seed, device=device)
            found[arm, lr][0].append(val)
            found[arm, lr][1].append(test)
        for key, value in T.baselines(task, draw, tok).items():
            row[key].append(value)
    row["validation"] = {arm: {f"{lr:g}": found[arm, lr][0] for lr in lrs[arm]} for arm in lrs}
    for arm in lrs:
        lr = choose({lr: found[arm, lr][0] for lr in lrs[arm]})
        row[arm], row[f"{arm}_lr"] = found[arm, lr][1], lr  # only the chosen rate's test accuracy is kept
    return row


def run_transfer(pretrained, data, settings) -> dict:
    """``{"task": {...}, "rows": [{labels, pretrained, random, majority, bow_logreg, steps, pretrained_lr,
    random_lr, validation}], "seconds": s}``: test accuracies per seed at each arm's chosen rate."""
    start = time.perf_counter()
    tok = data.tokenizer
    task = T.build_task(data.held_out_documents, data.meta["held_out_names"], seed=settings.seed)
    counts, lrs = T.label_counts(task, settings.budget < 600), learning_rates(settings.budget)
    make = classifiers(pretrained.bert, len(task.pools))
    seeds = [settings.seed + i for i in range(SEEDS)]
    rows = []
    for n in counts:
        row = runs_at(make, tok, task, n, seeds, {arm: lrs for arm in ARMS}, steps_for(n, settings.budget))
        mean = {k: sum(row[k]) / SEEDS for k in ("pretrained", "random", "bow_logreg")}
        print(f"transfer, {n} labels: pre-trained {100 * mean['pretrained']:.1f} % (lr {row['pretrained_lr']:g}), "
              f"random {100 * mean['random']:.1f} % (lr {row['random_lr']:g}), bag-of-words "
              f"{100 * mean['bow_logreg']:.1f} % (mean of {SEEDS} seeds)")
        rows.append(row)
    info = {"task": f"which of {len(task.pools)} held-out documents a sentence comes from",
            "classes": len(task.pools), "documents": task.documents, "test_sentences": len(task.test),
            "validation_sentences": len(task.val), "pool_sentences": [len(p) for p in task.pools],
            "learning_rates": list(lrs), "seeds": SEEDS, "pooling": "mean of the last layer",
            "recipe": "mean pooling, AdamW, warm-up 10 %, batch 16, dropout 0.1, 64 pieces, rate chosen on "
                      "validation per arm and label count"}
    return {"task": info, "rows": rows, "seconds": time.perf_counter() - start}
