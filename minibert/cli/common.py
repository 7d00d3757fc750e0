"""Shared by the task commands (fill-mask, embed, similarity, classify, ner, qa): arguments, model, output.

Every task command takes ``--model`` (a folder, weights file or Hub repo id), ``--device`` and ``--json``;
results print as an aligned table, or as JSON for scripts. Errors are raised as ``ValueError`` and printed
by minibert/__main__.py as one line.
"""

from __future__ import annotations

import json
import sys

from minibert.cli.inputs import check_texts, flush_notes, for_cli
from minibert.loading.text_file import decode_line
from minibert.pipelines.inputs import is_blank


def add_common(parser, default_note: str, batch_size: int = 1) -> None:
    """``--model``, ``--device``, ``--json``, ``--local-files-only`` and ``--batch-size``."""
    parser.add_argument("--model", default=None, help=f"checkpoint folder, weights file or Hub repo id; {default_note}")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, ...")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    parser.add_argument("--local-files-only", action="store_true", help="never reach the Hub; use its local cache")
    parser.add_argument("--batch-size", type=int, default=batch_size,
                        help=f"texts per forward pass (default {batch_size}; texts are sorted by length and run "
                             "unpadded, so results equal batch size 1 within float rounding)")


def build(task: str, args, command: str, default_allowed: bool):
    """The pipeline for ``task`` on ``--model``, or on the default model (minibert/defaults.py) when it can serve."""
    from minibert.pipelines import pipeline

    model = args.model
    if model is None and not default_allowed:
        raise ValueError(f"{command} needs a checkpoint fine-tuned for {task}: pass --model PATH_OR_REPO_ID "
                         "(the default pre-trained model has no such head)")
    kwargs = {"local_files_only": True} if args.local_files_only else {}
    # model=None: pipeline() applies the default rule and prints which model it chose, and why.
    return for_cli(pipeline(task, model=model, device=args.device, batch_size=args.batch_size, **kwargs))


def read_texts(texts: list[str]) -> list[str]:
    """The positional texts; ``-`` reads one text per line from stdin (lines end at ``\n`` only, as ``wc -l``
    counts them; blank lines are skipped). Empty or invisible-only texts are an error (cli/inputs.py)."""
    out: list[str] = []
    for text in texts:
        if text == "-":
            out += [line for line in stdin_lines() if not is_blank(line)]
        else:
            out.append(text)
    if not out:
        raise ValueError("no input text: give at least one text (or - to read lines from stdin)")
    return check_texts(out)


def stdin_lines() -> list[str]:
    """Standard input's lines, split at ``\n`` only; bytes that are not UTF-8 name the line (text_file.py)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (io.StringIO)
        return [line.removesuffix("\r") for line in sys.stdin.read().split("\n")]
    return [decode_line(raw, "standard input", n) for n, raw in enumerate(buffer.read().split(b"\n"), start=1)]


def table(headers: list[str], rows: list[list]) -> str:
    """Columns padded to their widest cell; numbers right-aligned, floats with 4 decimals."""
    cells = [[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) for r in rows) for i in range(len(headers))]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def emit(args, data, text: str) -> int:
    """Print ``data`` as JSON with ``--json``, else the human-readable ``text``."""
    flush_notes()
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)
    return 0
