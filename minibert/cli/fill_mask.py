"""``python -m minibert fill-mask "paris is the [MASK] of france."``: the words that fit each [MASK].

    python -m minibert fill-mask "The [MASK] sat on the mat." --top-k 3
    python -m minibert fill-mask "..." --model bert-base-uncased --targets cat dog --json
"""

from __future__ import annotations

from minibert.cli.common import add_common, build, emit, read_texts, table
from minibert.cli.inputs import check_flags


def add_arguments(parser) -> None:
    parser.add_argument("text", nargs="+", help="text(s) with [MASK] where a word should be predicted (- = stdin)")
    parser.add_argument("--top-k", type=int, default=5, help="predictions per mask (default 5)")
    parser.add_argument("--targets", nargs="+", default=None, help="score only these words")
    parser.add_argument("--truncation", action="store_true",
                        help="cut a text longer than the model reads to its first tokens (a note says so)")
    add_common(parser, "default: MINIBERT_MODEL, else bert-base-uncased, else checkpoints/minibert-pydocs")


def run(args) -> int:
    check_flags(args)
    texts = read_texts(args.text)
    pipe = build("fill-mask", args, "fill-mask", default_allowed=True)
    mask = pipe.tokenizer.mask_token
    for text in texts:  # checked before the model runs: the most common mistake gets the clearest message
        if mask not in text:
            raise ValueError(f"no {mask} in {text!r}: put {mask} where the word to predict goes")
    results = pipe(texts, top_k=args.top_k, targets=args.targets, truncation=args.truncation)
    results = [results] if len(texts) == 1 else results
    blocks, data = [], []
    for text, result in zip(texts, results):
        per_mask = result if result and isinstance(result[0], list) else [result]
        data.append({"text": text, "masks": per_mask})
        for m, predictions in enumerate(per_mask):
            title = text if len(per_mask) == 1 else f"{text}  (mask {m + 1} of {len(per_mask)})"
            rows = [[rank, p["token_str"], p["token"], p["score"], p["sequence"]]
                    for rank, p in enumerate(predictions, start=1)]
            blocks.append(title + "\n" + table(["rank", "token", "id", "score", "sequence"], rows))
    return emit(args, data, "\n\n".join(blocks))
