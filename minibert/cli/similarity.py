"""``python -m minibert similarity SOURCE OTHER [OTHER ...]``: cosine similarity of sentence embeddings.

    python -m minibert similarity "A man is eating food." "A man eats bread." "A horse runs." \
        --model sentence-transformers/all-MiniLM-L6-v2

Prints the similarity of the first sentence with each of the others (1 = same direction, 0 = unrelated).
"""

from __future__ import annotations

from minibert.cli.common import add_common, build, emit, read_texts, table


def add_arguments(parser) -> None:
    parser.add_argument("text", nargs="+", help="the source sentence, then the sentences to compare it with")
    parser.add_argument("--pooling", default="auto", choices=["auto", "cls", "mean", "max", "mean_sqrt_len"],
                        help="auto (default): the checkpoint's sentence-transformers pooling, else mean")
    add_common(parser, "default: MINIBERT_MODEL, else bert-base-uncased, else checkpoints/minibert-pydocs")


def run(args) -> int:
    texts = read_texts(args.text)
    if len(texts) < 2:
        raise ValueError("similarity needs at least two sentences: the source, then the ones to compare it with")
    pipe = build("sentence-similarity", args, "similarity", default_allowed=True)
    scores = pipe(texts[0], texts[1:], pooling=args.pooling)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    rows = [[rank, scores[i], texts[1 + i]] for rank, i in enumerate(order, start=1)]
    data = {"source_sentence": texts[0], "similarities": [{"sentence": t, "score": s}
                                                         for t, s in zip(texts[1:], scores)]}
    return emit(args, data, f"source: {texts[0]}\n" + table(["rank", "cosine", "sentence"], rows))
