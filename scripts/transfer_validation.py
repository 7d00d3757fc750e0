"""The validation experiments behind the speedrun's fine-tuning recipe (docs/pretraining.md, "Fine-tuning").

    python scripts/transfer_validation.py probe RUN                   # frozen features + logistic regression
    python scripts/transfer_validation.py grid RUN --head mean --lr 1e-3 3e-3 --labels 32 128 [--steps-factor 2]
        [--dropout 0.0] [--freeze-embeddings] [--layer-decay 0.5] [--arms pretrained]
                                                      # fine-tuning, one JSON line per setting
    python scripts/transfer_validation.py transfer RUN --model checkpoints/minibert-pydocs
                                                      # the speedrun's transfer, with another model's encoder

RUN is a finished speedrun folder (its model/ and data/). Everything here reads the transfer task's
*validation* sentences (50 per class on pydocs), carved out of the training pools exactly as
minibert/speedrun/transfer.py does; the training labels are drawn from what is left, with the seeds 0, 1, 2. The
test sentences are never read, except by ``transfer``: the speedrun's own transfer experiment
(minibert/speedrun/transfer_runs.py: rates chosen on validation, the chosen rate's test accuracy), run with the
encoder and tokenizer of ``--model`` (a masked-LM folder, e.g. the shipped checkpoint) on RUN's task.

Heads: ``mean`` (the mean of the last layer, on ``BertForSequenceClassification``'s parameters and draws),
``pooler`` (``BertForSequenceClassification``: the pooler over [CLS], the recipe before), ``cls`` (the last
layer's [CLS] without the pooler), ``recipe`` (the speedrun's own classifier, ``MeanPooledClassifier``: the mean
of the last layer with no pooler, so its linear layer draws differently from ``mean``'s; a setting of the
speedrun's recipe gives exactly the validation accuracies of its ``report.json``). Steps: ``steps_for`` of the
speedrun (about 16 epochs, 60 to 400: 60, 128 and 400 for 32, 128 and 512 labels) times ``--steps-factor``
(0.5: the steps of the recipe before, 30, 64 and 200).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path
from unittest import mock

import torch

from minibert import BertForMaskedLM, BertForSequenceClassification, BertModel, BertTokenizer
from minibert.bert.outputs import SequenceClassifierOutput
from minibert.speedrun import bow
from minibert.speedrun import transfer as T
from minibert.speedrun.classifier import MeanPooledClassifier, mean_pool
from minibert.speedrun.prepare import _documents
from minibert.speedrun.transfer_runs import steps_for
from minibert.training import trainer
from minibert.training.data import Collator
from minibert.training.optim import parameter_groups

SEEDS = (0, 1, 2)


class _Pooled(BertForSequenceClassification):
    """BertForSequenceClassification's parameters (and initial draws), the classifier on another vector."""

    which = "mean"

    def forward(self, input_ids=None, attention_mask=None, labels=None, **_):
        hidden = self.bert(input_ids, attention_mask, return_dict=True).last_hidden_state
        vector = mean_pool(hidden, attention_mask) if self.which == "mean" else hidden[:, 0]
        logits = self.classifier(self.dropout(vector))
        loss = None if labels is None else torch.nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


class _Cls(_Pooled):
    which = "cls"


HEADS = {"pooler": BertForSequenceClassification, "mean": _Pooled, "cls": _Cls, "recipe": MeanPooledClassifier}


def load(run: Path):
    """The pre-trained masked-LM, the tokenizer, and the task with its validation sentences as ``test``."""
    pre = BertForMaskedLM.from_pretrained(str(run / "model"))
    tok = BertTokenizer(str(run / "model" / "vocab.txt"), do_lower_case=True, tokenize_chinese_chars=True)
    meta = json.loads((run / "data" / "meta.json").read_text(encoding="utf-8"))
    task = T.build_task(_documents((run / "data" / "heldout.txt").read_text(encoding="utf-8")),
                        meta["held_out_names"], seed=0)
    return pre, tok, T.Task(task.documents, task.pools, task.val, [])


def _layer_decayed(xi: float):
    """``create_optimizer`` with layer-wise rate decay (Sun et al. 2019; ELECTRA, Clark et al. 2020): the
    classifier and the top layer at the peak rate, each layer below at ``xi`` times the one above, the embeddings
    below the bottom layer; BERT's weight-decay groups within each depth."""

    def create(model, lr: float, weight_decay: float = 0.01, **_):
        n_layers, names = model.config.num_hidden_layers, {id(p): k for k, p in model.named_parameters()}

        def depth(name: str) -> int:  # 0 = the peak rate
            if name.startswith("bert.embeddings."):
                return n_layers
            if name.startswith("bert.encoder.layer."):
                return n_layers - 1 - int(name.split(".")[3])
            return 0

        groups = []
        for g in parameter_groups(model, weight_decay):
            for d in sorted({depth(names[id(p)]) for p in g["params"]}):
                groups.append({"params": [p for p in g["params"] if depth(names[id(p)]) == d],
                               "weight_decay": g["weight_decay"], "lr": lr * xi ** d})
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-6)

    return create


def finetune(pre, tok, task, n: int, seed: int, arm: str, *, head: str, lr: float, steps: int,
             dropout: float, freeze_embeddings: bool = False, layer_decay: float = 1.0) -> float:
    config = pre.config.__class__.from_dict({**pre.config.to_dict(), "hidden_dropout_prob": dropout,
                                             "attention_probs_dropout_prob": dropout, "num_labels": len(task.pools)})
    torch.manual_seed(seed)
    model = HEADS[head](config)
    if arm == "pretrained":
        model.bert.load_state_dict(pre.bert.state_dict(), strict=False)  # no pooler in the masked-LM
    model.bert.embeddings.requires_grad_(not freeze_embeddings)
    with mock.patch.object(trainer, "create_optimizer", _layer_decayed(layer_decay)) if layer_decay != 1.0 \
            else contextlib.nullcontext():
        return T.finetune(model, tok, T.draw(task, n, seed), [task.test], steps=steps, lr=lr, seed=seed)[0]


def grid(args) -> None:
    pre, tok, task = load(Path(args.run))
    for lr in args.lr:
        for n in args.labels:
            steps = round(args.steps_factor * steps_for(n, 3600))
            for arm in args.arms:
                start = time.perf_counter()
                accs = [finetune(pre, tok, task, n, s, arm, head=args.head, lr=lr, steps=steps, dropout=args.dropout,
                                 freeze_embeddings=args.freeze_embeddings, layer_decay=args.layer_decay)
                        for s in SEEDS]
                print(json.dumps({"head": args.head, "lr": lr, "labels": n, "steps": steps, "dropout": args.dropout,
                                  "frozen_embeddings": args.freeze_embeddings,
                                  "layer_decay": args.layer_decay, "arm": arm, "validation": accs,
                                  "mean": sum(accs) / len(accs),
                                  "seconds": round(time.perf_counter() - start, 1)}), flush=True)


def _features(bert, tok, rows) -> dict[str, torch.Tensor]:
    collate, enc = Collator(tok.pad_token_id), T._encode(tok, rows, 64)
    out: dict[str, list] = {"cls": [], "mean": []}
    with torch.no_grad():
        for i in range(0, len(enc), 64):
            batch = collate(enc[i:i + 64])
            hidden = bert(batch["input_ids"], batch["attention_mask"], return_dict=True).last_hidden_state
            out["cls"].append(hidden[:, 0])
            out["mean"].append(mean_pool(hidden, batch["attention_mask"]))
    return {k: torch.cat(v).double() for k, v in out.items()}


def _logistic(x, y, x_test, num_labels: int) -> torch.Tensor:
    """Standardised features, multinomial logistic regression with bow.py's penalty (L-BFGS)."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    return bow.logistic((x - mu) / sd, y, (x_test - mu) / sd, num_labels, iterations=300)


def probe(args) -> None:
    pre, tok, task = load(Path(args.run))
    gold = torch.tensor([y for _, y in task.test])
    for arm in ("pretrained", "random"):
        torch.manual_seed(0)
        bert = BertModel(pre.config).eval()
        if arm == "pretrained":
            bert.load_state_dict(pre.bert.state_dict(), strict=False)
        val = _features(bert, tok, task.test)
        for n in args.labels:
            accs: dict[str, list[float]] = {"cls": [], "mean": []}
            for seed in SEEDS:
                rows = T.draw(task, n, seed)
                train, y = _features(bert, tok, rows), torch.tensor([label for _, label in rows])
                for k in accs:
                    accs[k].append(float((_logistic(train[k], y, val[k], len(task.pools)) == gold).double().mean()))
            print(json.dumps({"probe": arm, "labels": n, **{k: sum(v) / len(v) for k, v in accs.items()}}), flush=True)


def transfer(args) -> None:
    from types import SimpleNamespace

    from minibert.speedrun.transfer_runs import run_transfer

    T.label_counts = lambda task, short: args.labels  # the counts asked for (all must fit the pools)
    run, model = Path(args.run), Path(args.model)
    meta = json.loads((run / "data" / "meta.json").read_text(encoding="utf-8"))
    data = SimpleNamespace(tokenizer=BertTokenizer(str(model / "vocab.txt"), do_lower_case=True,
                                                   tokenize_chinese_chars=True), meta=meta,
                           held_out_documents=_documents((run / "data" / "heldout.txt").read_text(encoding="utf-8")))
    result = run_transfer(BertForMaskedLM.from_pretrained(str(model)), data, SimpleNamespace(budget=3600.0, seed=0))
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("probe", "grid", "transfer"):
        p = sub.add_parser(name)
        p.add_argument("run")
        p.add_argument("--labels", type=int, nargs="+", default=[32, 128, 512])
        p.add_argument("--threads", type=int, default=1)
    g = sub.choices["grid"]
    g.add_argument("--head", choices=list(HEADS), default="mean")
    g.add_argument("--lr", type=float, nargs="+", default=[1e-3])
    g.add_argument("--steps-factor", type=float, default=1.0)
    g.add_argument("--dropout", type=float, default=0.1)
    g.add_argument("--freeze-embeddings", action="store_true", help="train the layers and the classifier only")
    g.add_argument("--layer-decay", type=float, default=1.0, help="layer-wise rate decay: each layer below the "
                   "top at this factor times the one above, the embeddings below the bottom layer (1: none)")
    g.add_argument("--arms", nargs="+", choices=["pretrained", "random"], default=["pretrained", "random"])
    sub.choices["transfer"].add_argument("--model", required=True, help="a masked-LM folder (its encoder, vocab.txt)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {"probe": probe, "grid": grid, "transfer": transfer}[args.command](args)


if __name__ == "__main__":
    main()
