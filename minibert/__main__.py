"""``python -m minibert COMMAND ...``: one entry point, one small module per command under minibert/cli/.

Each command module defines ``add_arguments(parser)`` and ``run(args) -> int``. Errors a user can fix
(unknown model, bad input) are printed as one line, without a traceback, with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command name -> (module, one-line help). Modules are imported only when their command runs.
COMMANDS = {
    "walkthrough": ("minibert.cli.walkthrough", "a sentence through BERT, stage by stage, vs the reference"),
    "check": ("minibert.cli.check", "weight-compatibility table: minibert vs the reference on a checkpoint"),
    "convert": ("minibert.cli.convert", "an original Google (TensorFlow) BERT checkpoint -> config.json + safetensors"),
    "pretrain": ("minibert.cli.pretrain", "pre-train a (tiny) BERT with masked-LM (+ NSP) on a text corpus"),
    "speedrun": ("minibert.cli.speedrun", "pre-train a BERT for a time budget (1h, 2m, 90s) and write its report card"),
    "finetune": ("minibert.cli.finetune", "fine-tune a BERT: text classification, NER or QA (--task); held-out score"),
    "fill-mask": ("minibert.cli.fill_mask", "predict the words hidden behind [MASK]"),
    "embed": ("minibert.cli.embed", "sentence embeddings, pooled as the checkpoint says"),
    "similarity": ("minibert.cli.similarity", "cosine similarity of a sentence with others"),
    "classify": ("minibert.cli.classify", "label texts with a fine-tuned sequence classifier"),
    "ner": ("minibert.cli.ner", "tag entities with a fine-tuned token classifier"),
    "qa": ("minibert.cli.qa", "answer a question from a context with a fine-tuned QA model"),
    "attention": ("minibert.cli.attention", "what each attention head looks at: a table, or an offline HTML view"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minibert",
                                     description="minibert: BERT from scratch, checked against the reference.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(p)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except (FileNotFoundError, OSError, ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
