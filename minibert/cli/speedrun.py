"""``python -m minibert speedrun``: pre-train a BERT for a time budget, evaluate it, measure transfer, report.

    python -m minibert speedrun --budget 1h                                   # the Python documentation
    python -m minibert speedrun --budget 2m --corpus examples/data/speedrun_corpus.txt --out runs/demo
    python -m minibert speedrun --budget 1h --corpus runs/zh-docs/train.txt --language zh --out runs/zh
    python -m minibert speedrun --out runs/speedrun --redo-transfer           # the transfer again, on a finished run

Everything lands in ``--out``: data/, train/ (resumable: run the same command again after a kill), model/ (a
Hugging Face folder), report.md, report.json and the figures. See docs/pretraining.md.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--budget", default="1h", help="training time: 90s, 2m, 1h ... (default 1h)")
    parser.add_argument("--corpus", default="pydocs",
                        help="pydocs (the Python documentation, Debian's python3.11-doc), a UTF-8 text file "
                             "(documents separated by blank lines) or a folder of .txt files")
    parser.add_argument("--language", default="en", choices=["en", "zh"],
                        help="zh: Chinese text, a vocabulary the bert-base-chinese way (one token per Chinese "
                             "character, WordPiece for the rest), Chinese token kinds and fill-mask prompts in the "
                             "report, whole-word masking by jieba words unless --whole-word-mask says otherwise "
                             "(default en)")
    parser.add_argument("--whole-word-mask", choices=["off", "pieces", "zh"], default=None,
                        help="what one masking coin covers: off = a token, pieces = a word and its ## pieces, zh = "
                             "a Chinese word from the jieba segmenter, all its characters (pip install "
                             "'minibert[zh]'); default zh with --language zh, off otherwise")
    parser.add_argument("--out", default="runs/speedrun", help="output folder (default runs/speedrun)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--seed", type=int, default=0, help="weights, data order, masks, transfer draws")
    g = parser.add_argument_group("recipe (defaults picked from the budget; see docs/pretraining.md)")
    g.add_argument("--layers", type=int)
    g.add_argument("--hidden-size", type=int, help="heads: hidden size / 64; feed-forward: 4 × hidden size")
    g.add_argument("--lr", type=float, help="peak learning rate")
    g.add_argument("--warmup", type=float, help="warm-up, as a share of the budget")
    g.add_argument("--batch-size", type=int)
    g.add_argument("--max-length", type=int, help="pieces per segment, [CLS] and [SEP] included")
    g.add_argument("--mlm-probability", type=float, help="share of the tokens masked (default 0.25)")
    g.add_argument("--dropout", type=float, help="dropout while pre-training (default 0)")
    g.add_argument("--vocab-size", type=int)
    g.add_argument("--schedule", choices=["linear", "cosine", "trapezoid"],
                   help="the learning rate after the warm-up, tied to the budget: linear decay to 0 (BERT's, the "
                        "default), cosine decay to 0, or trapezoid (constant, then a linear cool-down to 0 over the "
                        "last 20 %% of the budget)")
    g.add_argument("--batch-ramp", type=float, metavar="SHARE",
                   help="grow the batch from a quarter of --batch-size to all of it over the first SHARE of the "
                        "budget (e.g. 0.25); the learning rate is not rescaled (default 0: no ramp)")
    g.add_argument("--short-first", type=float, metavar="SHARE",
                   help="train on segments of --short-length pieces for the first SHARE of the budget (e.g. 0.9), "
                        "then on --max-length ones, as BERT did (default 0: full-length segments throughout)")
    g.add_argument("--short-length", type=int, metavar="PIECES", help="the short segments' length (default 64)")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                        help="what the budget counts: wall-clock seconds (default) or the process's CPU seconds")
    parser.add_argument("--keep-subnormals", action="store_true",
                        help="train with subnormal floats (below 1.2e-38) as torch computes them by default, on the "
                             "CPU's slow path; by default they are read and written as 0 while training")
    parser.add_argument("--no-transfer", action="store_true", help="skip the transfer experiment")
    parser.add_argument("--redo-transfer", action="store_true",
                        help="re-run only the transfer experiment on the finished run in --out (its model/, data/ "
                             "and settings) with today's recipe, and rewrite its report; the other figures stay")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--stop-after", type=int, default=None, metavar="STEPS",
                        help="end this call after STEPS steps, saved (run again to go on)")


def recipe_from(args, budget: float):
    from minibert.speedrun.recipe import recipe_for

    recipe = recipe_for(budget)
    for name in ("layers", "hidden_size", "lr", "warmup", "batch_size", "max_length", "mlm_probability", "dropout",
                 "vocab_size", "schedule", "batch_ramp", "short_first", "short_length"):
        if getattr(args, name) is not None:
            setattr(recipe, name, getattr(args, name))
    if args.hidden_size is not None:
        recipe.heads = max(1, args.hidden_size // 64)
    if recipe.hidden_size % recipe.heads:
        raise ValueError(f"--hidden-size {recipe.hidden_size} is not a multiple of its {recipe.heads} heads")
    if not 0 < recipe.mlm_probability < 1:
        raise ValueError(f"--mlm-probability must be in (0, 1), got {recipe.mlm_probability}")
    if not 0 <= recipe.batch_ramp < 1:
        raise ValueError(f"--batch-ramp must be in [0, 1), got {recipe.batch_ramp}")
    if recipe.batch_ramp and recipe.batch_size % 4:
        raise ValueError(f"--batch-ramp grows the batch by quarters: --batch-size {recipe.batch_size} is not a "
                         "multiple of 4")
    if not 0 <= recipe.short_first < 1:
        raise ValueError(f"--short-first must be in [0, 1), got {recipe.short_first}")
    if recipe.short_first and not 8 <= recipe.short_length < recipe.max_length:
        raise ValueError(f"--short-length {recipe.short_length}: expected at least 8 pieces and fewer than "
                         f"--max-length {recipe.max_length}")
    from minibert.speedrun.budget import check_schedule

    check_schedule(recipe.warmup, recipe.schedule)
    return recipe


def run(args: argparse.Namespace) -> int:
    from minibert.speedrun.budget import parse_budget
    from minibert.speedrun.run import Settings, speedrun

    if args.redo_transfer:
        from minibert.speedrun.redo import redo_transfer

        if args.no_transfer:
            raise ValueError("--redo-transfer and --no-transfer contradict each other")
        redo_transfer(args.out, args.threads)
        return 0
    budget = parse_budget(args.budget)
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"--threads must be >= 1, got {args.threads}")
    wwm = args.whole_word_mask or ("zh" if args.language == "zh" else "off")
    if wwm == "zh":
        import importlib.util

        if importlib.util.find_spec("jieba") is None:
            raise ValueError("--whole-word-mask zh (the default with --language zh) needs the jieba segmenter: "
                             "pip install 'minibert[zh]', or pass --whole-word-mask off")
    settings = Settings(corpus=args.corpus, budget=budget, out=args.out, threads=args.threads, seed=args.seed,
                        clock=args.clock, recipe=recipe_from(args, budget), transfer=not args.no_transfer,
                        progress=not args.no_progress, stop_after_steps=args.stop_after, language=args.language,
                        whole_word_mask=wwm, flush_subnormals=not args.keep_subnormals)
    speedrun(settings)
    return 0
