"""Build the course notebooks (notebooks/NN_name.ipynb) from their sources (notebooks/src/NN_name.py).

    python scripts/make_notebooks.py            # (re)write every notebook
    python scripts/make_notebooks.py --check    # exit 1 if a committed notebook differs from its source

A source is a plain text file in the "percent" format many editors know: a line ``# %% [markdown]`` starts
a Markdown cell (its lines written as comments, ``# text``), a line ``# %%`` starts a code cell. Keeping the
lessons in text files makes them easy to review and diff; the .ipynb files are what learners open.

The notebooks are written without outputs and without execution counts: what a notebook prints is the
learner's to produce (and tests/test_notebooks.py checks that nothing was stored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def parse_cells(text: str, path: Path) -> list:
    """Percent-format text -> nbformat cells (Markdown comment markers removed, blank edges trimmed)."""
    cells, kind, lines = [], None, []

    def flush():
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body.strip():
            cells.append(nbformat.v4.new_code_cell(body))

    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            flush()
            marker = line[4:].strip()
            if marker not in ("", "[markdown]"):
                raise ValueError(f"{path}:{n}: unknown cell marker {line!r}; use '# %%' or '# %% [markdown]'")
            kind, lines = ("markdown" if marker else "code"), []
        elif kind is None:
            if line.strip():
                raise ValueError(f"{path}:{n}: text before the first '# %%' cell marker")
        else:
            lines.append(line)
    flush()
    return cells


def build(source: Path) -> str:
    """The notebook JSON for one source, exactly as it is committed."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    nb.cells = parse_cells(source.read_text(encoding="utf-8"), source)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{i:02d}"  # stable ids: regenerating gives the same file
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


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
