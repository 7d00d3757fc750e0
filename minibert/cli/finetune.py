"""``python -m minibert finetune``: fine-tune a BERT for text classification and report accuracy.

    python -m minibert finetune --model runs/pretrain --data examples/data/sentiment.csv \\
        --output runs/sentiment --steps 150

The data: ``.csv`` or ``.jsonl`` rows with a text column (optionally a second text, for sentence pairs)
and a label column (any strings or numbers; the sorted distinct values become class 0, 1, ...). A share of
the rows (``--eval-fraction``) or a separate ``--eval-data`` file is held out for accuracy and F1.
``--model`` is a folder with config.json, weights and vocab.txt (what ``pretrain`` writes) or a Hub id.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="pre-trained model folder (with vocab.txt) or Hub id")
    parser.add_argument("--data", required=True, help="training rows: .csv or .jsonl")
    parser.add_argument("--eval-data", help="evaluation rows (default: hold out --eval-fraction of --data)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--text-pair-column", help="second text for sentence-pair tasks")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--max-length", type=int, default=64)
    from minibert.cli.training_args import add_training_arguments

    add_training_arguments(parser, steps=150, batch_size=16, lr=5e-4)
    parser.set_defaults(eval_fraction=0.2)


def _encode(tokenizer, rows, args, label2id, path):
    from minibert.training.data import column

    texts = [str(t) for t in column(rows, args.text_column, path)]
    pairs = [str(t) for t in column(rows, args.text_pair_column, path)] if args.text_pair_column else None
    labels = [str(v) for v in column(rows, args.label_column, path)]
    unknown = sorted(set(labels) - set(label2id))
    if unknown:
        raise ValueError(f"{path}: labels {unknown} do not occur in the training data ({sorted(label2id)})")
    enc = tokenizer(texts, pairs, truncation=True, max_length=args.max_length)
    return [{"input_ids": ids, "token_type_ids": tt, "labels": label2id[y]}
            for ids, tt, y in zip(enc["input_ids"], enc["token_type_ids"], labels)]


def run(args: argparse.Namespace) -> int:
    import torch

    from minibert import BertForSequenceClassification, BertTokenizer
    from minibert.cli.training_args import loss_summary, split, training_arguments
    from minibert.training.data import column, read_records
    from minibert.training.metrics import sequence_classification_eval
    from minibert.training.trainer import Trainer

    tokenizer = BertTokenizer.from_pretrained(args.model)
    rows = read_records(args.data)
    if args.eval_data:
        train_rows, eval_rows = rows, read_records(args.eval_data)
    else:
        train_rows, eval_rows = split(rows, args.eval_fraction, args.seed)
    label_names = sorted({str(v) for v in column(train_rows, args.label_column, args.data)})
    if len(label_names) < 2:
        raise ValueError(f"{args.data}: column {args.label_column!r} needs at least 2 classes, found {label_names}")
    label2id = {name: i for i, name in enumerate(label_names)}
    train = _encode(tokenizer, train_rows, args, label2id, args.data)
    held_out = _encode(tokenizer, eval_rows, args, label2id, args.eval_data or args.data) if eval_rows else None

    torch.manual_seed(args.seed)  # the new classifier layer's initial weights
    model = BertForSequenceClassification.from_pretrained(
        args.model, num_labels=len(label_names), id2label=dict(enumerate(label_names)), label2id=label2id)
    trainer = Trainer(model, training_arguments(args), train, _collator(tokenizer), held_out,
                      metrics_fn=sequence_classification_eval)
    result = trainer.train(resume=not args.no_resume)
    if trainer.dist.is_main:
        tokenizer.save_pretrained(args.output)
        print(loss_summary(args.output))
        if "eval_accuracy" in result:
            majority = max(sum(ex["labels"] == c for ex in held_out) for c in range(len(label_names))) / len(held_out)
            print(f"held-out accuracy {result['eval_accuracy']:.3f}, F1 {result['eval_f1']:.3f} on {len(held_out)} "
                  f"examples (majority class: {majority:.3f})")
        print(f"saved to {args.output}")
    return 0


def _collator(tokenizer):
    from minibert.training.data import Collator

    return Collator(tokenizer.pad_token_id)
