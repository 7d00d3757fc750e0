"""A view of each course notebook, so a module page can link to the lesson that runs its code.

The notebooks are stored without outputs (the course runs them). By default the build runs each one
(minibert.docs.outputs) and the view shows every cell with what it printed and drew, figures included;
``--no-execute`` gives the cells alone, quickly. Markdown cells go through the same renderer as the
annotations, code cells are highlighted. Next to each view goes a copy of the ``.ipynb`` itself (without
outputs), to download and run. Only notebooks that exist at build time get a page; module pages say
"notebook coming" for the others.
"""

from __future__ import annotations

import json
import shutil
from html import escape
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from minibert.docs import catalog, outputs, prose, templates


def render_notebooks(notebooks_dir: Path, out: Path, resolve, execute: bool = False,
                     progress=None, answers: bool = True) -> dict[int, str]:
    """Write ``out/notebooks/NN_name.html`` (+ the .ipynb) for each numbered notebook; number → href.

    With ``execute`` each notebook is run first and its outputs are shown; ``progress(message)`` is told
    which notebook runs (running all of them takes minutes). Without ``answers`` the cells tagged ``answer``
    (an exercise worked by hand, minibert/exercises/notebook_source.py) are left out of page and download.
    """
    pages = {}
    for number, title in catalog.NOTEBOOK_TITLES.items():
        path = catalog.find_notebook(notebooks_dir, number)
        if path is None:
            continue
        (out / "notebooks").mkdir(exist_ok=True)
        if answers:
            shutil.copyfile(path, out / "notebooks" / path.name)
        else:
            notebook = json.loads(path.read_text(encoding="utf-8"))
            notebook["cells"] = [c for c in notebook.get("cells", []) if not _is_answer(c)]
            (out / "notebooks" / path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                                                       encoding="utf-8")
        if execute and progress:
            progress(f"running notebook {path.name}")
        cells = outputs.execute(path) if execute else _cells(path)
        cells = cells if answers else [c for c in cells if not _is_answer(c)]
        html = _notebook_page(path, cells, number, title, _resolver_from_subfolder(resolve))
        (out / "notebooks" / f"{path.stem}.html").write_text(html, encoding="utf-8")
        pages[number] = f"notebooks/{path.stem}.html"
    return pages


def _is_answer(cell: dict) -> bool:
    return "answer" in cell.get("metadata", {}).get("tags", [])


def _resolver_from_subfolder(resolve):
    """Links computed for the site root, seen from notebooks/: one folder up."""
    def from_subfolder(name: str, in_code: bool) -> str | None:
        href = resolve(name, in_code)
        return f"../{href}" if href else None
    return from_subfolder


def _cells(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"notebook {path} is not valid JSON ({err}); expected an .ipynb file") from err


def _notebook_page(path: Path, cells: list[dict], number: int, title: str, resolve) -> str:
    parts = []
    for cell in cells:
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            parts.append(f'<div class="cell-markdown prose">{prose.render(source, resolve)}</div>')
        elif cell.get("cell_type") == "code" and source.strip():
            code = highlight(source, PythonLexer(), HtmlFormatter(nowrap=True))
            parts.append(f'<div class="cell-code code"><pre>{code}</pre></div>')
            parts.append(outputs.render(cell.get("outputs", [])))
    heading = f"{number:02d} · {escape(title)}"
    body = (templates.nav("top", f'<a href="../index.html">minibert</a> › <b>notebook {heading}</b>', None, None)
            + f'\n<main class="notebook">\n<p class="notebooks">A read-only view of '
            f'<code>notebooks/{escape(path.name)}</code>: <a href="{escape(path.name)}">download the notebook</a> '
            f'and run it with Jupyter.</p>\n' + "\n".join(parts) + "\n</main>")
    return templates.page(f"Notebook {heading} · minibert", body, root="../")
