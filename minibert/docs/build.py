"""Build the site: one annotated page per module, an index, the notebooks, and the stylesheet.

Code is highlighted once per file with Pygments (so a string or bracket that spans a section boundary is
still coloured right), then the highlighted lines are dealt out to the sections that
minibert.docs.sections cut.
"""

from __future__ import annotations

import ast
from html import escape
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from minibert.analysis.diagram import bert_block_diagram
from minibert.compat.config import BertConfig
from minibert.docs import catalog, prose, sections, templates
from minibert.docs.guides import render_guides
from minibert.docs.links import Links
from minibert.docs.notebooks import render_notebooks


def default_package_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def build(out: Path, package_dir: Path | None = None, notebooks_dir: Path | None = None,
          execute: bool = False, progress=None, solutions: bool = True, guides_dir: Path | None = None) -> list[Path]:
    """Write the site into ``out`` (created if needed); return the HTML pages written, index first.

    ``guides_dir`` (default: ``docs/`` next to the package) holds the Markdown pages shown as guides.

    ``execute`` runs every notebook so its page shows the outputs and figures (minutes on a CPU). Without
    ``solutions`` (a site for students) the exercises' solutions and mistake catalogue get no page and the
    notebooks' answer cells (tagged ``answer``) are left out of their pages and downloads.
    """
    package_dir = Path(package_dir or default_package_dir())
    notebooks_dir = Path(notebooks_dir) if notebooks_dir else package_dir.parent / "notebooks"
    guides_dir = Path(guides_dir) if guides_dir else package_dir.parent / "docs"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    modules = catalog.discover(package_dir, solutions)
    if not modules:
        raise ValueError(f"no Python modules found under {package_dir}: expected the minibert package folder")

    sources, cut, definitions = {}, {}, {}
    for m in modules:
        sources[m.name] = m.path.read_text(encoding="utf-8")
        cut[m.name] = sections.split(sources[m.name])
        definitions[m.name] = _anchors(sources[m.name], cut[m.name])
    links = Links(modules, definitions)

    (out / "style.css").write_text(templates.stylesheet(), encoding="utf-8")
    notebook_pages = render_notebooks(notebooks_dir, out, links.resolver(None), execute, progress, solutions)
    guide_pages = render_guides(guides_dir, out, links.resolver(None))
    written = [_write(out / "index.html", _index(modules, links, notebook_pages, guide_pages))]
    for i, m in enumerate(modules):
        prev = (modules[i - 1].page, modules[i - 1].dotted) if i > 0 else ("index.html", "contents")
        next_ = (modules[i + 1].page, modules[i + 1].dotted) if i + 1 < len(modules) else None
        html = _module_page(m, sources[m.name], cut[m.name], links, notebook_pages, prev, next_)
        written.append(_write(out / m.page, html))
    return written + sorted(out.glob("notebooks/*.html")) + [out / href for href, _ in guide_pages]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _anchors(source: str, cut: list[sections.Section]) -> list[tuple[str, str, bool]]:
    """(qualname, HTML id, is_class) for every definition that starts a section; ids made unique per page."""
    kinds = {d.qualname: d.is_class for d in sections.definitions(ast.parse(source), source.splitlines())}
    used, found = set(), []
    for i, s in enumerate(cut):
        anchor = s.anchor or f"s{i}"
        while anchor in used:  # e.g. a property and its setter share a name
            anchor += "-2"
        used.add(anchor)
        s.anchor = anchor
        if anchor in kinds:
            found.append((anchor, anchor, kinds[anchor]))
    return found


def _module_page(m, source, cut, links: Links, notebook_pages, prev, next_) -> str:
    code_lines = highlight(source, PythonLexer(), HtmlFormatter(nowrap=True)).split("\n")
    resolve = links.resolver(m)
    notebooks = [(n, title, notebook_pages.get(n)) for n, title, _ in catalog.notebooks_for(m, None)]
    header = f"<h1>{escape(m.source_path)}</h1>\n" + templates.notebook_links(notebooks)
    # The header goes above the module docstring, or in a row of its own when the file has none.
    rows = [] if cut and cut[0].anchor == "s0" else [templates.section("top", header, "")]
    for s in cut:
        prose_html = "\n".join(prose.render(p, resolve) for p in s.prose if p.strip())
        if not rows:
            prose_html = header + prose_html
        code_html = "\n".join(links.code(code_lines[n - 1], m) for n in s.lines)
        rows.append(templates.section(s.anchor, prose_html, code_html))
    crumbs = f'<a href="index.html">minibert</a> › {escape(m.part)} › <b>{escape(m.dotted)}</b>'
    body = (templates.nav("top", crumbs, prev, next_) + '\n<main class="doc">\n' + "\n".join(rows)
            + "\n</main>\n" + templates.nav("bottom", crumbs, prev, next_))
    return templates.page(f"{m.dotted} · minibert, annotated", body)


def _index(modules, links: Links, notebook_pages: dict[int, str], guide_pages: list[tuple[str, str]]) -> str:
    resolve = links.resolver(None)
    parts: dict[str, list[str]] = {}
    for m in modules:
        summary = prose.render(m.summary, resolve) if m.summary else ""
        parts.setdefault(m.part, []).append(
            f'<li><a href="{m.page}"><code>{escape(m.source_path)}</code></a> '
            f'<span class="summary">— {summary}</span></li>')
    listing, start = [], 1
    group_of = {first: group for group, first in catalog.GROUPS.items()}
    for part, items in parts.items():  # one numbering across the parts: it is one reading order
        if part in group_of:
            listing.append(f'<h2 class="group">{escape(group_of[part])}</h2>')
        listing.append(f'<h3>{escape(part)}</h3>\n<ol start="{start}">\n' + "\n".join(items) + "\n</ol>")
        start += len(items)
    listing = "\n".join(listing)
    notebooks = "\n".join(
        f'<li><a href="{notebook_pages[n]}">{n:02d} · {escape(t)}</a></li>' if n in notebook_pages
        else f'<li>{n:02d} · {escape(t)} <span class="coming">(notebook coming)</span></li>'
        for n, t in catalog.NOTEBOOK_TITLES.items())
    intro = prose.render(
        "Every module of minibert. Read the core path first, in the order the data flows through BERT: text → "
        "tokens → ids → embeddings → self-attention → feed-forward → layer → encoder → pooler → model → task "
        "heads, one concept a page. Then what is done with a model: pruning, loading weights, training, "
        "pipelines. The appendix holds the tooling: the command line, the live comparison with the reference, "
        "and the exercises' graders, stubs and solutions. On each page the prose (module docstring, "
        "docstrings and comments) sits on the left, beside the code it explains on the right. "
        "Names of classes and modules link to where they are defined.")
    # The block diagram, inline (no file to fetch), drawn from BERT-base's config as in the README.
    figure = f'<figure class="diagram">\n{bert_block_diagram(BertConfig())}</figure>'
    guides = "\n".join(f'<li><a href="{href}">{escape(title)}</a></li>' for href, title in guide_pages)
    guides = (f'<h2>Guides</h2>\n<p class="notebooks">The pages of <code>docs/</code>: proofs, transcripts, '
              f"figures and how-tos.</p>\n<ul>\n{guides}\n</ul>\n") if guide_pages else ""
    body = (f'<main class="index">\n<h1>minibert, annotated</h1>\n{intro}\n{figure}\n{listing}\n'
            f"<h2>Notebooks</h2>\n<ol>\n{notebooks}\n</ol>\n{guides}</main>")
    first = (modules[0].page, modules[0].dotted)
    return templates.page("minibert, annotated", templates.nav("top", "<b>minibert</b>", None, first) + body)
