"""``python -m minibert check PATH_OR_REPO_ID``: the weight-compatibility table, exit 1 on any FAIL.

    python -m minibert check checkpoints/tiny-bert
    python -m minibert check sentence-transformers/all-MiniLM-L6-v2 --local-files-only --json

The table itself is computed by minibert/parity/check.py (importable from notebooks); this module only parses the
arguments and prints.
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("model", nargs="?", default=None,
                        help="checkpoint folder, weights file, or Hub repo id (org/name); default: the default "
                             "model (MINIBERT_MODEL, else bert-base-uncased, else checkpoints/minibert-pydocs)")
    parser.add_argument("--model", dest="model_option", metavar="PATH_OR_REPO_ID", default=None,
                        help="the same, as an option (like the other commands)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, ...")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"],
                        help="run both models in this dtype (the default tolerance follows it)")
    parser.add_argument("--reference", default="auto", choices=["auto", "transformers", "stored"],
                        help="compare with transformers (auto: if installed) or the folder's stored outputs")
    parser.add_argument("--tolerance", type=float, default=None,
                        help="max |Δ| allowed per module (default 1e-5 for float32)")
    parser.add_argument("--revision", default=None, help="Hub branch, tag or commit")
    parser.add_argument("--cache-dir", default=None, help="Hugging Face cache folder")
    parser.add_argument("--local-files-only", action="store_true", help="never reach the Hub; use the cache")
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")


def run(args) -> int:
    from minibert.parity.check import check_checkpoint

    if args.model and args.model_option and args.model != args.model_option:
        raise ValueError(f"two checkpoints given: {args.model!r} and --model {args.model_option!r}; pass one")
    from minibert.defaults import resolve_model

    # Without a checkpoint: the default model (minibert/defaults.py), named on stderr with the reason.
    model = resolve_model(args.model or args.model_option, verbose=not (args.model or args.model_option)).name_or_path
    report = check_checkpoint(model, device=args.device, dtype=args.dtype, reference=args.reference,
                              tolerance=args.tolerance, revision=args.revision, cache_dir=args.cache_dir,
                              local_files_only=args.local_files_only)
    print(report.to_json() if args.json else report.format_table())
    return 0 if report.ok else 1
