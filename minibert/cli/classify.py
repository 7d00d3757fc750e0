"""``python -m minibert classify "text" ... --model FINE_TUNED``: a label per text, with probabilities.

    python -m minibert classify "what a lovely film" "dull and slow" --model runs/sentiment --top-k 2
    python -m minibert classify "A man plays." --pair "Someone is playing." --model runs/nli

Needs a checkpoint saved from BertForSequenceClassification (e.g. ``python -m minibert finetune``).
"""

from __future__ import annotations

from minibert.cli.common import add_common, build, emit, read_texts, table
from minibert.cli.inputs import check_flags


def add_arguments(parser) -> None:
    parser.add_argument("text", nargs="+", help="text(s) to classify (- = one text per line from stdin)")
    parser.add_argument("--pair", default=None, help="a second text, classified as a pair with each text")
    parser.add_argument("--top-k", type=int, default=1, help="labels per text (default 1; 0 = all)")
    parser.add_argument("--function", default=None, choices=["softmax", "sigmoid", "none"],
                        help="logits -> scores (default: as the checkpoint's problem_type says)")
    parser.add_argument("--truncation", action="store_true",
                        help="cut a text longer than the model reads to its first tokens (a note says so)")
    add_common(parser, "required: a checkpoint fine-tuned for text classification")


def run(args) -> int:
    check_flags(args, top_k_zero_means_all=True)
    texts = read_texts(args.text)
    pipe = build("text-classification", args, "classify", default_allowed=False)
    inputs = [{"text": t, "text_pair": args.pair} for t in texts] if args.pair is not None else texts
    results = pipe(inputs, top_k=args.top_k or None, function_to_apply=args.function, truncation=args.truncation)
    rows = [[text, rank, r["label"], r["score"]] for text, labels in zip(texts, results)
            for rank, r in enumerate(labels, start=1)]
    data = [{"text": t, "labels": labels} for t, labels in zip(texts, results)]
    return emit(args, data, table(["text", "rank", "label", "score"], rows))
