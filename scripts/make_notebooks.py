"""Build the course notebooks (notebooks/NN_name.ipynb) from their sources (notebooks/src/NN_name.py).

    python scripts/make_notebooks.py            # (re)write every notebook
    python scripts/make_notebooks.py --check    # exit 1 if a committed notebook differs from its source

A source is a plain text file in the "percent" format many editors know (minibert/exercises/notebook_source.py:
``# %%`` a code cell, ``# %% [markdown]`` a Markdown cell, ``# %% [answer]`` / ``# %% [stub]`` an exercise's
worked answer and the "your turn" stub the student release shows instead). Keeping the lessons in text files
makes them easy to review and diff; the .ipynb files are what learners open. The student versions are written
by ``python -m minibert.exercises release OUT``, from the same sources.

The notebooks are written without outputs and without execution counts: what a notebook prints is the
learner's to produce (and tests/notebooks/test_notebooks.py checks that nothing was stored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from minibert.exercises.notebook_source import build  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if not sources:
        raise SystemExit(f"no notebook sources in {SOURCES}")
    stale = []
    for source in sources:
        target = NOTEBOOKS / f"{source.stem}.ipynb"
        text = build(source)
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)} ({text.count('cell_type')} cells)")
    if stale:
        print(f"out of date (run python scripts/make_notebooks.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
