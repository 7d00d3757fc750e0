"""``python -m minibert embed "a sentence" ...``: sentence embeddings, pooled as the checkpoint says.

    python -m minibert embed "A man is eating food." --model sentence-transformers/all-MiniLM-L6-v2
    python -m minibert embed "..." --pooling cls --json      # full vectors as JSON
    python -m minibert embed --file texts.txt --out vectors.npy --batch-size 32   # a corpus, one text a line

The table shows each vector's size, L2 norm and first values; ``--json`` gives the whole vectors. With
``--file``, the vectors go to ``--out`` (``.npy`` (N, D) float32, or ``--format jsonl``), streamed with a
progress bar (minibert/cli/embed_file.py).
"""

from __future__ import annotations

from minibert.cli.common import add_common, build, emit, read_texts, table


def add_arguments(parser) -> None:
    parser.add_argument("text", nargs="*", help="text(s) to embed (- = one text per line from stdin)")
    parser.add_argument("--file", default=None, help="a text file, one text per line: embed every line into --out")
    parser.add_argument("--out", default=None, help="with --file: where the vectors go (.npy or .jsonl)")
    parser.add_argument("--format", default=None, choices=["npy", "jsonl"],
                        help="with --file: npy (N, D) float32 (default) or jsonl, one {text, embedding} a line")
    parser.add_argument("--pooling", default="auto", choices=["auto", "cls", "mean", "max", "mean_sqrt_len"],
                        help="auto (default): the checkpoint's sentence-transformers pooling, else mean")
    parser.add_argument("--normalize", default=None, action="store_true",
                        help="L2-normalise (default: only if the checkpoint has a Normalize module)")
    add_common(parser, "default: MINIBERT_MODEL, else bert-base-uncased, else checkpoints/minibert-pydocs",
               batch_size=32)


def run(args) -> int:
    if args.file is not None:
        return run_file(args)
    if args.out is not None or args.format is not None:
        raise ValueError("--out and --format go with --file (a text file to embed line by line)")
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


def run_file(args) -> int:
    from minibert.cli.embed_file import embed_file

    if args.text:
        raise ValueError("give texts or --file, not both")
    if args.out is None:
        raise ValueError("--file needs --out: where to write the vectors (.npy or .jsonl)")
    from minibert.loading.outputs import check_output_file

    check_output_file(args.out, {"--file": args.file, "--model": args.model}, "vectors.npy")  # before any model work
    pipe = build("feature-extraction", args, "embed", default_allowed=True)
    rows, dim = embed_file(pipe, args.file, args.out, args.format, pooling=args.pooling, normalize=args.normalize)
    return emit(args, {"out": str(args.out), "rows": rows, "dim": dim}, f"wrote {rows} vectors of {dim} to {args.out}")
