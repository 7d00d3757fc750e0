"""``python -m minibert ner "text" --model FINE_TUNED``: labelled entities with character offsets.

    python -m minibert ner "Ada Lovelace was born in London." --model runs/conll --aggregation first

Needs a checkpoint saved from BertForTokenClassification. ``--aggregation none`` lists every token.
"""

from __future__ import annotations

from minibert.cli.common import add_common, build, emit, read_texts, table
from minibert.cli.inputs import check_flags


def add_arguments(parser) -> None:
    parser.add_argument("text", nargs="+", help="text(s) to tag (- = one text per line from stdin)")
    parser.add_argument("--aggregation", default="simple", choices=["none", "simple", "first", "average", "max"],
                        help="how tokens become entities (default simple)")
    parser.add_argument("--stride", type=int, default=None, help="read long texts in windows overlapping this much")
    add_common(parser, "required: a checkpoint fine-tuned for token classification")


def run(args) -> int:
    check_flags(args)
    texts = read_texts(args.text)
    pipe = build("token-classification", args, "ner", default_allowed=False)
    results = pipe(texts, aggregation_strategy=args.aggregation, stride=args.stride)
    blocks, data = [], []
    for text, entities in zip(texts, results):
        data.append({"text": text, "entities": entities})
        rows = [[e.get("entity_group", e.get("entity")), e["score"], e["start"], e["end"], e["word"]]
                for e in entities]
        blocks.append(text + "\n" + (table(["entity", "score", "start", "end", "word"], rows) if rows
                                     else "(no entities)"))
    return emit(args, data, "\n\n".join(blocks))
