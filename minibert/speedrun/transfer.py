"""Transfer: does pre-training make fine-tuning work from few labels? A task built from held-out documents.

The task: **which of k held-out documents does this sentence come from?** (k = 4 by default). Any corpus gives
it, with no annotation, from documents the model never saw in pre-training; and the label takes reading: a
document's sentences share its subject, its terms and its way of speaking, but no single word decides (a
sentence of a page on ``json`` may never say "json"). Classes are balanced: the majority class scores 1/k.
(docs/pretraining.md says why this task and not "are these two sentences from the same document?".)

Each document's sentences are split three ways: a fixed test share, a fixed validation share, and the pool the
training labels are drawn from. For each label count n and seed s: n training sentences drawn (n/k per document,
seeded by s) from the pools; the same classifier (minibert/speedrun/classifier.py) fine-tuned with its encoder
from the pre-trained model and from random initialisation, at each learning rate of a small grid; each arm's
rate chosen by its mean validation accuracy over the seeds (minibert/speedrun/transfer_runs.py), and only the
chosen rate's test accuracy reported. Beside them, on the same draws: the majority class, and a bag-of-words
logistic regression (minibert/speedrun/bow.py).
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass

import torch

from minibert.speedrun import bow
from minibert.speedrun.segments import sentences, word_count
from minibert.training.data import Collator
from minibert.training.trainer import Trainer, TrainingArguments

LABEL_COUNTS = (16, 32, 128, 512)   # 16: 4 per class, where pre-training should matter most
SHORT_LABEL_COUNTS = (32, 128)      # a short budget's two


@dataclass
class Task:
    documents: list[str]                 # the k documents' names (class i = documents[i])
    pools: list[list[str]]               # per class: sentences to draw training examples from
    test: list[tuple[str, int]]          # fixed (sentence, class) pairs, balanced
    val: list[tuple[str, int]]           # fixed (sentence, class) pairs, balanced: for choosing, never reported


def build_task(held_out: list[list[str]], names: list[str], k: int = 4, test_per_class: int = 100,
               seed: int = 0) -> Task:
    """The k held-out documents with the most sentences of 5+ words (a Chinese character counts as a word:
    ``segments.word_count``; Chinese sentences end at 。！？); a third of the smallest (≤ test_per_class)
    of each document's sentences is its test share, half as many its validation share, the rest its pool."""
    per_doc = [[s for p in doc for s in sentences(p) if word_count(s) >= 5] for doc in held_out]
    order = sorted(range(len(per_doc)), key=lambda i: (-len(per_doc[i]), i))[:k]
    if len(order) < 2 or len(per_doc[order[-1]]) < 6:
        raise ValueError("the transfer task needs at least 2 held-out documents of 6+ sentences; give a corpus with "
                         "more or longer documents")
    t = min(test_per_class, len(per_doc[order[-1]]) // 3)
    v = max(1, t // 2)
    rng = random.Random(seed)
    pools, test, val = [], [], []
    for label, i in enumerate(order):
        shuffled = per_doc[i][:]
        rng.shuffle(shuffled)
        test += [(s, label) for s in shuffled[:t]]  # the same test sentences as before the validation share
        val += [(s, label) for s in shuffled[t:t + v]]
        pools.append(shuffled[t + v:])
    return Task([names[i] for i in order], pools, test, val)


def label_counts(task: Task, short: bool) -> list[int]:
    """The label counts of ``LABEL_COUNTS`` that the pools can fill, balanced; never fewer than two.

    A short budget (under 10 minutes) takes two: 32 and 128 where both fit, else the two smallest. Not 16 and 32:
    a short run's encoder has barely trained and its one fixed rate is not chosen, so 4 labels a class would mostly
    show the seeds' noise; 32 and 128, four times apart, show more of the curve at the same cost (60 steps a run
    either way), and keep the counts of the short cards made before 16 was added."""
    k, most = len(task.pools), min(len(p) for p in task.pools) * len(task.pools)
    counts = [n for n in LABEL_COUNTS if n <= most]
    if len(counts) < 2:  # a small corpus: a quarter of what there is, and all of it
        counts = sorted({max(2 * k, most // 4 // k * k), most // k * k})
    if not short:
        return counts
    both = [n for n in counts if n in SHORT_LABEL_COUNTS]
    return both if len(both) == 2 else counts[:2]


def draw(task: Task, n: int, seed: int) -> list[tuple[str, int]]:
    """n training sentences, balanced over the classes (the first n mod k classes get one more)."""
    rng, k = random.Random(seed), len(task.pools)
    return [(s, label) for label, pool in enumerate(task.pools)
            for s in rng.sample(pool, n // k + (label < n % k))]


def _encode(tokenizer, rows, max_length: int) -> list[dict]:
    enc = tokenizer([s for s, _ in rows], truncation=True, max_length=max_length)["input_ids"]
    return [{"input_ids": ids, "labels": label} for ids, (_, label) in zip(enc, rows)]


def accuracy(model, rows: list[dict], collate) -> float:
    """The share of ``rows`` (encoded, with labels) that ``model`` classifies right."""
    model.eval()
    right, device = 0, next(model.parameters()).device
    with torch.no_grad():
        for start in range(0, len(rows), 64):
            batch = {k: v.to(device) for k, v in collate(rows[start:start + 64]).items()}
            labels = batch.pop("labels")
            right += int((model(**batch).logits.argmax(-1) == labels).sum())
    return right / len(rows)


def finetune(model, tokenizer, train_rows, eval_sets: list, *, steps: int, lr: float, seed: int,
             max_length: int = 64, batch_size: int = 16, warmup: float = 0.1, device: str | None = None) -> list[float]:
    """Fine-tune ``model`` on ``train_rows`` (AdamW, linear warm-up over ``warmup`` of the steps then decay to 0,
    gradients clipped at norm 1: minibert's Trainer, on ``device``, by default CUDA if there is one), then return
    its accuracy on each of ``eval_sets``."""
    train = _encode(tokenizer, train_rows, max_length)
    collate = Collator(tokenizer.pad_token_id)
    with tempfile.TemporaryDirectory(prefix="minibert-transfer-") as out:
        args = TrainingArguments(output_dir=out, max_steps=steps, batch_size=min(batch_size, len(train)), lr=lr,
                                 warmup_steps=int(steps * warmup), seed=seed, device=device, progress=False)
        Trainer(model, args, train, collate).train(resume=False)
    return [accuracy(model, _encode(tokenizer, rows, max_length), collate) for rows in eval_sets]


def baselines(task: Task, train_rows, tokenizer) -> dict[str, float]:
    """Majority class and bag-of-words logistic regression, on the same training draw and test sentences."""
    labels = [y for _, y in train_rows]
    majority = max(sorted(set(labels)), key=labels.count)
    gold = [y for _, y in task.test]
    ids = lambda rows: [tokenizer.convert_tokens_to_ids(tokenizer.tokenize(s)) for s, _ in rows]  # noqa: E731
    predicted = bow.fit_predict(ids(train_rows), labels, ids(task.test), tokenizer.vocab_size, len(task.pools))
    return {"majority": sum(y == majority for y in gold) / len(gold),
            "bow_logreg": sum(p == y for p, y in zip(predicted, gold)) / len(gold)}
