"""The course notebooks' sources (notebooks/src/NN_name.py) -> notebook JSON, full or for a student release.

A source is a plain text file in the "percent" format many editors know: a line ``# %% [markdown]`` starts a
Markdown cell (its lines written as comments, ``# text``), a line ``# %%`` starts a code cell. Two more markers
make one source give both versions of a lesson:

* ``# %% [answer]``: a code cell that works an exercise by hand (the answer to a "your turn" ask above it).
  The full notebook shows it, tagged ``answer``; the student release leaves it out.
* ``# %% [stub]``: the "your turn" stub that replaces the answer cell just before it in the student release
  (tagged ``your-turn``): it says the answer is the learner's to write, and computes the names the lesson
  goes on with by minibert's own modules, so the rest of the notebook still runs. The full notebook omits it.

Every answer cell has its stub, right after it. Notebooks are written without outputs and execution counts:
what a notebook prints is the learner's to produce.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}
MARKERS = {"": "code", "[markdown]": "markdown", "[answer]": "answer", "[stub]": "stub"}


def parse_cells(text: str, path: Path, student: bool = False) -> list:
    """Percent-format text -> nbformat cells (Markdown comment markers removed, blank edges trimmed); the full
    notebook, or with ``student`` the release's (answer cells replaced by their stubs). ValueError names the line."""
    cells, kind, lines, start = [], None, [], 0
    previous = None  # the kind of the cell before the current one (a stub must follow an answer)

    def flush():
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body.strip():
            cells.append(nbformat.v4.new_code_cell(body))
        elif kind == ("stub" if student else "answer") and body.strip():
            cells.append(nbformat.v4.new_code_cell(body, metadata={"tags": [kind.replace("stub", "your-turn")]}))

    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            if kind == "answer" and not line[4:].strip() == "[stub]":
                raise ValueError(f"{path}:{start}: an '# %% [answer]' cell must be followed by its '# %% [stub]' "
                                 "cell (what the student release shows instead)")
            flush()
            marker = line[4:].strip()
            if marker not in MARKERS:
                raise ValueError(f"{path}:{n}: unknown cell marker {line!r}; use one of "
                                 + ", ".join(repr(f"# %% {m}".rstrip()) for m in MARKERS))
            previous, kind, lines, start = kind, MARKERS[marker], [], n
            if kind == "stub" and previous != "answer":
                raise ValueError(f"{path}:{n}: a '# %% [stub]' cell must follow the '# %% [answer]' cell it replaces")
        elif kind is None:
            if line.strip():
                raise ValueError(f"{path}:{n}: text before the first '# %%' cell marker")
        else:
            lines.append(line)
    if kind == "answer":
        raise ValueError(f"{path}:{start}: an '# %% [answer]' cell must be followed by its '# %% [stub]' cell")
    flush()
    return cells


def build(source: Path, student: bool = False) -> str:
    """The notebook JSON for one source: exactly as committed (full), or for the student release."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    nb.cells = parse_cells(source.read_text(encoding="utf-8"), source, student)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{i:02d}"  # stable ids: regenerating gives the same file
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
