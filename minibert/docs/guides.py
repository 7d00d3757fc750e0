"""The guides: the project's ``docs/*.md`` pages (the README's long material) as pages of the site.

Each ``docs/NAME.md`` becomes ``guides/NAME.html``, in the reading order of ``catalog.GUIDES`` (a page it does not
name still gets a view, after the others, so the site never drops one). The Markdown is the repository's own, as
GitHub shows it: fenced code blocks and transcripts are shown exactly as written (no docstring conventions, no
math), headings get GitHub's ids so that ``exercises.md#isolation-what-is-enforced`` lands where it does there, and
class names and module paths link to their annotated pages as in the rest of the site. A link from one page to
another becomes a link between their views; a file next to the pages (an image) is copied beside the views; a
link to any other file of the repository (``../benchmarks/...``) keeps its text, without the link, as the site
does not carry that file.
"""

from __future__ import annotations

import re
import shutil
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from minibert.docs import catalog, prose, templates

_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~)")


def title_of(text: str, fallback: str) -> str:
    """The page's first ``# `` heading, without its Markdown backticks."""
    first = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), fallback)
    return first.replace("`", "")


def find_guides(docs_dir: Path | None) -> list[Path]:
    """``docs_dir``'s pages in reading order: the ones ``catalog.GUIDES`` names first, then the rest by name."""
    if docs_dir is None or not Path(docs_dir).is_dir():
        return []
    pages = {p.stem: p for p in sorted(Path(docs_dir).glob("*.md"))}
    named = [pages.pop(name) for name in catalog.GUIDES if name in pages]
    return named + list(pages.values())


def render_guides(docs_dir: Path | None, out: Path, resolve) -> list[tuple[str, str]]:
    """Write ``out/guides/NAME.html`` for each page of ``docs_dir``; return (href, title) in reading order."""
    pages = find_guides(docs_dir)
    if not pages:
        return []
    (out / "guides").mkdir(exist_ok=True)
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    listed = [(f"guides/{p.stem}.html", title_of(texts[p], p.stem)) for p in pages]
    from_subfolder = _resolver_from_subfolder(resolve)
    for i, page in enumerate(pages):
        source = _relink(texts[page], page.parent.resolve(), out / "guides", {p.name for p in pages})
        body_html = prose.render_page(source, from_subfolder)
        prev = (_sibling(listed[i - 1][0]), listed[i - 1][1]) if i > 0 else ("../index.html", "contents")
        next_ = (_sibling(listed[i + 1][0]), listed[i + 1][1]) if i + 1 < len(pages) else None
        crumbs = f'<a href="../index.html">minibert</a> › guides › <b>{escape(page.name)}</b>'
        body = (templates.nav("top", crumbs, prev, next_)
                + f'\n<main class="guide prose">\n<p class="notebooks">A view of <code>docs/{escape(page.name)}</code>'
                f" in the repository.</p>\n{body_html}\n</main>\n" + templates.nav("bottom", crumbs, prev, next_))
        (out / "guides" / f"{page.stem}.html").write_text(
            templates.page(f"{listed[i][1]} · minibert", body, root="../"), encoding="utf-8")
    return listed


def _sibling(href: str) -> str:
    return href.removeprefix("guides/")


def _resolver_from_subfolder(resolve):
    """Links computed for the site root, seen from guides/: one folder up."""
    def from_subfolder(name: str, in_code: bool) -> str | None:
        href = resolve(name, in_code)
        return f"../{href}" if href else None
    return from_subfolder


def _relink(text: str, docs_dir: Path, out_dir: Path, names: set[str]) -> str:
    """Rewrite the Markdown links of one page for the site (see the module docstring); code blocks are left alone."""

    def link(m: re.Match) -> str:
        bang, label, target = m.groups()
        url = urlsplit(target)
        if url.scheme or url.netloc or not url.path:  # the web, or an anchor on this page
            return m.group(0)
        fragment = f"#{url.fragment}" if url.fragment else ""
        if "/" not in url.path and url.path in names:  # another page
            return f"{bang}[{label}]({Path(url.path).stem}.html{fragment})"
        file = (docs_dir / url.path).resolve()
        if file.is_file() and file.is_relative_to(docs_dir):  # an image or file kept beside the pages
            (out_dir / file.relative_to(docs_dir)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, out_dir / file.relative_to(docs_dir))
            return m.group(0)
        return label  # a file of the repository the site does not carry

    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
        lines.append(line if fenced or _FENCE.match(line.lstrip()) else _LINK.sub(link, line))
    return "\n".join(lines) + "\n"
