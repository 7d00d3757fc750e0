"""Run a course notebook and turn what its cells printed and drew into HTML, for the notebook pages.

The notebooks are committed without outputs (whoever runs them owns the outputs), so the site runs them at
build time, with nbclient and the ``python3`` kernel of the interpreter building the site, on the CPU, in
the notebooks' own folder. Each output becomes the HTML a reader expects under the cell:

    stream (print, warnings)      → <pre class="output">      (stderr marked, ANSI colour codes dropped)
    image/png, image/svg+xml      → <img src="data:...">      (the figure inline: the page needs no files)
    text/html (tables, the view)  → an <iframe srcdoc=...>    (its scripts and styles cannot touch the page)
    text/plain (a cell's value)   → <pre class="output">
    error                         → <pre class="output error"> (the exception, as Jupyter shows it)

A notebook that fails is an error of the build, naming the notebook and the cell: a page that quietly stops
half way through would teach the wrong thing.
"""

from __future__ import annotations

import os
import re
from html import escape
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_TIMEOUT_S = 600  # the notebooks' own test's: notebook 11's transfer cell fine-tunes twelve models


def execute(path: Path) -> list[dict]:
    """Run the notebook at ``path``; return its cells with their outputs (the file itself is not changed)."""
    import nbclient  # the docs extras (pip install -e ".[dev]"); imported here so a no-execute build needs none
    import nbformat

    nb = nbformat.read(path, as_version=4)
    # No MPLBACKEND: the kernel's own inline backend is what turns a figure into an image/png output.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["MINIBERT_DEVICE"] = os.environ.get("MINIBERT_DEVICE", "cpu")
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, startup_timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=env)
    except nbclient.exceptions.CellExecutionError as err:
        index = next((i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error"
                                                               for o in c.get("outputs", []))), "?")
        raise ValueError(f"notebook {path.name} failed in cell {index} while building the site:\n{err}") from err
    return [dict(cell) for cell in nb.cells]


def render(outputs: list[dict]) -> str:
    """One code cell's outputs → HTML (empty when the cell printed and drew nothing)."""
    parts = [_one(o) for o in outputs]
    html = "\n".join(p for p in parts if p)
    return f'<div class="cell-output">\n{html}\n</div>' if html else ""


def _text(value) -> str:
    return _ANSI.sub("", "".join(value) if isinstance(value, list) else str(value))


def _one(output: dict) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        css = "output stderr" if output.get("name") == "stderr" else "output"
        return f'<pre class="{css}">{escape(_text(output.get("text", "")))}</pre>'
    if kind == "error":
        trace = _text("\n".join(output.get("traceback", []))) or f'{output.get("ename")}: {output.get("evalue")}'
        return f'<pre class="output error">{escape(trace)}</pre>'
    if kind in ("execute_result", "display_data"):
        data = output.get("data", {})
        if "image/png" in data:  # base64 already, as Jupyter stores it
            return f'<img class="output" alt="figure" src="data:image/png;base64,{_text(data["image/png"]).strip()}">'
        if "image/svg+xml" in data:
            return f'<div class="output svg">{_text(data["image/svg+xml"])}</div>'
        if "text/html" in data:
            # srcdoc keeps the output's own scripts and styles inside its frame; sandbox lets its scripts run
            # (an interactive view) without giving them the page.
            doc = escape(_text(data["text/html"]), quote=True)
            return f'<iframe class="output" sandbox="allow-scripts" srcdoc="{doc}"></iframe>'
        if "text/plain" in data:
            return f'<pre class="output">{escape(_text(data["text/plain"]))}</pre>'
    return ""
