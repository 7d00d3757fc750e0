"""Command-line flags shared by ``pretrain`` and ``finetune``: the TrainingArguments, one flag each."""

from __future__ import annotations

import argparse


def add_training_arguments(parser: argparse.ArgumentParser, *, steps: int, batch_size: int, lr: float) -> None:
    g = parser.add_argument_group("training")
    g.add_argument("--output", required=True, help="folder for the model, log.jsonl and checkpoint.pt")
    g.add_argument("--steps", type=int, default=steps, help=f"optimizer steps (default {steps})")
    g.add_argument("--stop-at", type=int, default=None, metavar="STEP",
                   help="end this run at STEP (saved; run again without it to go on), the schedule still --steps long")
    g.add_argument("--batch-size", type=int, default=batch_size, help="examples per process per micro-batch")
    g.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step")
    g.add_argument("--lr", type=float, default=lr, help=f"peak learning rate (default {lr})")
    g.add_argument("--weight-decay", type=float, default=0.01)
    g.add_argument("--warmup-steps", type=int, default=None, help="default: 10%% of --steps")
    g.add_argument("--scheduler", default="linear",
                   help="constant, constant_with_warmup, linear, cosine, cosine_with_restarts, polynomial")
    g.add_argument("--max-grad-norm", type=float, default=1.0)
    g.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    g.add_argument("--eval-every", type=int, default=0, help="steps between evaluations (0: at the end)")
    g.add_argument("--save-every", type=int, default=0, help="steps between checkpoints (0: none)")
    g.add_argument("--no-resume", action="store_true", help="start over even if OUTPUT/checkpoint.pt exists")
    from minibert.cli.run_record import add_arguments as add_run_arguments

    add_run_arguments(g)
    g.add_argument("--eval-fraction", type=float, default=0.1, help="share of the data held out for evaluation")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def training_arguments(args):
    from minibert.training.trainer import TrainingArguments

    warmup = args.warmup_steps if args.warmup_steps is not None else args.steps // 10
    return TrainingArguments(
        output_dir=args.output, max_steps=args.steps, stop_at_step=args.stop_at, batch_size=args.batch_size,
        grad_accum_steps=args.grad_accum,
        lr=args.lr, weight_decay=args.weight_decay, scheduler=args.scheduler, warmup_steps=warmup,
        max_grad_norm=args.max_grad_norm, precision=args.precision, eval_every=args.eval_every,
        save_every=args.save_every, seed=args.seed, progress=not args.no_progress)


def split(examples: list, fraction: float, seed: int) -> tuple[list, list]:
    """A seeded shuffle, then the last ``fraction`` of the examples held out for evaluation."""
    import random

    if not 0 <= fraction < 1:
        raise ValueError(f"--eval-fraction must be in [0, 1), got {fraction}")
    examples = list(examples)
    random.Random(seed).shuffle(examples)
    n_eval = int(len(examples) * fraction)
    return examples[: len(examples) - n_eval], examples[len(examples) - n_eval:]


def loss_summary(output: str) -> str:
    """"loss 4.1 -> 1.2": the mean training loss of the first and of the last 10 logged steps."""
    import json
    from pathlib import Path

    losses = [r["loss"] for r in map(json.loads, (Path(output) / "log.jsonl").read_text().splitlines()) if "loss" in r]
    k = min(10, len(losses))
    return f"training loss {sum(losses[:k]) / k:.3f} (first {k} steps) -> {sum(losses[-k:]) / k:.3f} (last {k})"


def train_eval_rows(args, check=None) -> tuple[list[dict], list[dict]]:
    """The rows of ``--data``, and the held-out rows: ``--eval-data``, or ``--eval-fraction`` of ``--data``.

    ``check(rows, path)``, if given, sees each file's rows in file order, before the split, so that its errors
    can name the row as it is numbered in the file.
    """
    from minibert.training.data import read_records

    check = check or (lambda rows, path: None)
    rows = read_records(args.data)
    check(rows, args.data)
    if args.eval_data:
        held_out = read_records(args.eval_data)
        check(held_out, args.eval_data)
        return rows, held_out
    return split(rows, args.eval_fraction, args.seed)


def fit(args, model, tokenizer, train: list[dict], held_out: list[dict] | None, metrics_fn) -> tuple[dict, bool]:
    """Train ``model`` as the flags say, save it with its tokenizer in ``--output``, print the loss summary.

    Returns the last step's record (with the ``eval_*`` metrics of the final evaluation) and whether this is
    the main process (the one that prints and saves, under torchrun).
    """
    from minibert.cli import run_record
    from minibert.training.data import Collator
    from minibert.training.trainer import Trainer

    trainer = Trainer(model, training_arguments(args), train, Collator(tokenizer.pad_token_id), held_out,
                      metrics_fn=metrics_fn)
    result = run_record.train(trainer, args)
    if trainer.dist.is_main:
        if not args._evaluate_only:
            tokenizer.save_pretrained(args.output)
        print(loss_summary(args.output))
    return result, trainer.dist.is_main


def label_ids(names, path, column: str, what: str = "classes") -> dict[str, int]:
    """``{name: id}`` for the sorted distinct label names (at least 2), as the reference's examples number them."""
    names = sorted(set(names))
    if len(names) < 2:
        raise ValueError(f"{path}: column {column!r} needs at least 2 {what}, found {names}")
    return {name: i for i, name in enumerate(names)}
