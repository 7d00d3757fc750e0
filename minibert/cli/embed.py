"""``python -m minibert embed "a sentence" ...``: sentence embeddings, pooled as the checkpoint says.

    python -m minibert embed "A man is eating food." --model sentence-transformers/all-MiniLM-L6-v2
    python -m minibert embed "..." --pooling cls --json      # full vectors as JSON

The table shows each vector's size, L2 norm and first values; ``--json`` gives the whole vectors.
"""

from __future__ import annotations

from minibert.cli.common import add_common, build, emit, read_texts, table


def add_arguments(parser) -> None:
    parser.add_argument("text", nargs="+", help="text(s) to embed (- = one text per line from stdin)")
    parser.add_argument("--pooling", default="auto", choices=["auto", "cls", "mean", "max", "mean_sqrt_len"],
                        help="auto (default): the checkpoint's sentence-transformers pooling, else mean")
    parser.add_argument("--normalize", default=None, action="store_true",
                        help="L2-normalise (default: only if the checkpoint has a Normalize module)")
    add_common(parser, "default: MINIBERT_MODEL, else bert-base-uncased, else checkpoints/minibert-pydocs")


def run(args) -> int:
    texts = read_texts(args.text)
    pipe = build("feature-extraction", args, "embed", default_allowed=True)
    vectors = pipe.embed(texts, pooling=args.pooling, normalize=args.normalize)  # (N, D)
    config = pipe.pooling_config(args.pooling, args.normalize)
    rows = [[text, v.numel(), float(v.norm()), "[" + ", ".join(f"{x:.4f}" for x in v[:4].tolist()) + ", ...]"]
            for text, v in zip(texts, vectors)]
    how = f"pooling: {'+'.join(config.modes)}, {'L2-normalised' if config.normalize else 'not normalised'}"
    data = {"pooling": list(config.modes), "normalized": config.normalize,
            "embeddings": [{"text": t, "embedding": v.tolist()} for t, v in zip(texts, vectors)]}
    return emit(args, data, how + "\n" + table(["text", "dim", "norm", "first values"], rows))
