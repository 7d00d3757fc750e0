"""``python -m minibert finetune``: fine-tune a BERT for one task and report its held-out score.

    python -m minibert finetune --model runs/pretrain --data examples/data/sentiment.csv \\
        --output runs/sentiment --steps 150
    python -m minibert finetune --task token-classification --model checkpoints/minibert-pydocs \\
        --data examples/data/ner.jsonl --output runs/ner
    python -m minibert finetune --task question-answering --model checkpoints/minibert-pydocs \\
        --data examples/data/qa.jsonl --output runs/qa

``--task`` (the pipeline task names):

* ``text-classification`` (default): ``.csv`` or ``.jsonl`` rows with a text column (optionally a second
  text, for sentence pairs) and a label column (any strings or numbers; the sorted distinct values become
  class 0, 1, ...). Reports accuracy and F1.
* ``token-classification`` (NER): ``.jsonl`` rows of pre-split words and one BIO tag per word, the CoNLL-2003
  layout (``tokens``, ``ner_tags``; finetune_ner.py). Reports entity-level F1 and word accuracy.
* ``question-answering``: ``.jsonl`` rows in the SQuAD layout (``question``, ``context``, ``answers`` with
  ``text`` and character ``answer_start``; finetune_qa.py). Reports SQuAD exact match and F1.

A share of the rows (``--eval-fraction``) or a separate ``--eval-data`` file is held out for the score.
``--model`` is a folder with config.json, weights and vocab.txt (what ``pretrain`` writes) or a Hub id.
The labels are saved in the output's config.json (``id2label``), where ``classify`` and ``ner`` read them.
"""

from __future__ import annotations

import argparse

TASKS = ("text-classification", "token-classification", "question-answering")
# Per task: (text column, label column, --max-length) unless given. Long enough for the task's rows; QA's 384
# is the reference's run_qa.py default (cut to what the model's position embeddings allow).
TASK_DEFAULTS = {"text-classification": ("text", "label", 64), "token-classification": ("tokens", "ner_tags", 128),
                 "question-answering": (None, None, 384)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", default=TASKS[0], choices=TASKS, help=f"what to train (default {TASKS[0]})")
    parser.add_argument("--model", required=True, help="pre-trained model folder (with vocab.txt) or Hub id")
    parser.add_argument("--data", required=True, help="training rows: .csv or .jsonl")
    parser.add_argument("--eval-data", help="evaluation rows (default: hold out --eval-fraction of --data)")
    parser.add_argument("--text-column", help="the text (default text; NER: tokens, the pre-split words)")
    parser.add_argument("--text-pair-column", help="second text for sentence-pair tasks")
    parser.add_argument("--label-column", help="the label (default label; NER: ner_tags, one BIO tag per word)")
    parser.add_argument("--max-length", type=int, help="tokens per row (default 64; NER 128; QA 384; at most "
                        "what the model's position embeddings allow)")
    parser.add_argument("--doc-stride", type=int, help="QA: overlap in tokens of the windows a long context is cut "
                        "into (default: half of --max-length, at most 128)")
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
    text, label, max_length = TASK_DEFAULTS[args.task]
    args.text_column, args.label_column = args.text_column or text, args.label_column or label
    args.max_length = args.max_length or max_length
    if args.task == "token-classification":
        from minibert.cli.finetune_ner import run as run_task
    elif args.task == "question-answering":
        from minibert.cli.finetune_qa import run as run_task
    else:
        run_task = run_classification
    from minibert.cli.run_record import guard

    with guard(args, "finetune", {"--model": args.model, "--data": args.data, "--eval-data": args.eval_data}):
        return run_task(args)


def run_classification(args: argparse.Namespace) -> int:
    import torch

    from minibert import BertForSequenceClassification, BertTokenizer
    from minibert.cli.training_args import fit, label_ids, train_eval_rows
    from minibert.training.data import column
    from minibert.training.metrics import sequence_classification_eval

    tokenizer = BertTokenizer.from_pretrained(args.model)
    train_rows, eval_rows = train_eval_rows(args)
    label2id = label_ids((str(v) for v in column(train_rows, args.label_column, args.data)), args.data,
                         args.label_column)
    label_names = list(label2id)
    train = _encode(tokenizer, train_rows, args, label2id, args.data)
    held_out = _encode(tokenizer, eval_rows, args, label2id, args.eval_data or args.data) if eval_rows else None

    torch.manual_seed(args.seed)  # the new classifier layer's initial weights
    model = BertForSequenceClassification.from_pretrained(
        args.model, num_labels=len(label_names), id2label=dict(enumerate(label_names)), label2id=label2id)
    result, is_main = fit(args, model, tokenizer, train, held_out, sequence_classification_eval)
    if is_main:
        if "eval_accuracy" in result:
            majority = max(sum(ex["labels"] == c for ex in held_out) for c in range(len(label_names))) / len(held_out)
            print(f"held-out accuracy {result['eval_accuracy']:.3f}, F1 {result['eval_f1']:.3f} on {len(held_out)} "
                  f"examples (majority class: {majority:.3f})")
        print(f"saved to {args.output}")
    return 0
