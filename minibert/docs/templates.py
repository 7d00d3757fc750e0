"""The HTML around the content: page skeleton, section rows, navigation, and the stylesheet.

Plain f-strings: the pages are simple enough that a template engine would be more to learn than to read.
Every page is self-contained and relative-linked, so the site works from ``file://`` with no server and no
network (no web fonts, no CDN, no scripts of its own; a notebook's interactive outputs keep theirs inside
sandboxed frames).
"""

from __future__ import annotations

from html import escape

from pygments.formatters import HtmlFormatter

CSS = """
:root { --prose-bg: #fff; --code-bg: #f8f8f8; --line: #e6e6e6; --accent: #2a5db0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 "DejaVu Serif", Georgia, "Times New Roman", serif; color: #222;
       background: var(--prose-bg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
nav.top, nav.bottom { display: flex; justify-content: space-between; gap: 1em; padding: .6em 1.5em;
       font: 14px/1.4 "DejaVu Sans", Helvetica, Arial, sans-serif; background: #f0f2f5;
       border-bottom: 1px solid var(--line); }
nav.bottom { border-top: 1px solid var(--line); border-bottom: 0; }
nav .crumbs b { font-family: "DejaVu Sans Mono", monospace; font-weight: normal; }
.section { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); }
.section > .prose { padding: .8em 1.6em; position: relative; }
.section > .code { background: var(--code-bg); border-left: 1px solid var(--line); padding: .8em 1.2em;
       overflow-x: auto; }
.section:first-child > .prose, .section:first-child > .code { padding-top: 1.6em; }
.section + .section > .prose, .section + .section > .code { border-top: 1px dashed var(--line); }
.code pre { margin: 0; font: 13px/1.5 "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre; }
.code a { color: inherit; border-bottom: 1px dotted var(--accent); }
.prose p { margin: .4em 0 .7em; }
.prose code { font: .88em "DejaVu Sans Mono", monospace; background: #f3f3f3; padding: 0 .2em;
       border-radius: 3px; }
.prose pre.display { font: 13px/1.45 "DejaVu Sans Mono", monospace; background: #f7f7fb; padding: .5em .9em;
       border-left: 3px solid #b9c4e6; overflow-x: auto; }
.prose pre.display code { background: none; padding: 0; font: inherit; }
.prose math[display="block"] { margin: .6em 0; }
.prose h1 { font-size: 1.5em; margin: 0 0 .3em; font-family: "DejaVu Sans Mono", monospace; }
a.pilcrow { position: absolute; left: .35em; top: .75em; color: #bbb; font-size: .85em; visibility: hidden; }
.section:hover a.pilcrow { visibility: visible; }
.notebooks { font: 14px "DejaVu Sans", sans-serif; color: #555; }
.coming { color: #999; font-style: italic; }
main.index, main.notebook, main.guide { max-width: 980px; margin: 0 auto; padding: 1.5em; }
main.guide pre { background: var(--code-bg); border: 1px solid var(--line); padding: .6em 1em; overflow-x: auto;
       font: 12.5px/1.45 "DejaVu Sans Mono", monospace; }
main.guide pre code { background: none; padding: 0; font: inherit; }
main.guide table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
main.guide th, main.guide td { border: 1px solid var(--line); padding: .25em .5em; vertical-align: top; }
main.index ol { padding-left: 1.6em; } main.index li { margin: .35em 0; }
main.index li .summary { color: #444; } main.index li .summary p { display: inline; margin: 0; }
main.index h2.group { margin-top: 1.6em; padding-bottom: .2em; border-bottom: 2px solid #b9c4e6; }
main.index h3 { margin: 1em 0 .3em; }
main.notebook .cell-code { background: var(--code-bg); border: 1px solid var(--line); padding: .6em 1em;
       margin: .8em 0; overflow-x: auto; }
main.notebook .cell-output { margin: -.4em 0 1em; padding: .2em 1em; border-left: 3px solid #d7dbe3; }
main.notebook pre.output { margin: .3em 0; font: 12.5px/1.45 "DejaVu Sans Mono", monospace; white-space: pre-wrap;
       color: #333; }
main.notebook pre.output.stderr { color: #8a5a00; } main.notebook pre.output.error { color: #b00020; }
main.notebook img.output { max-width: 100%; height: auto; display: block; margin: .4em 0; }
main.notebook iframe.output { width: 100%; height: 560px; border: 1px solid var(--line); }
@media (max-width: 900px) { .section { grid-template-columns: minmax(0, 1fr); }
       .section > .code { border-left: 0; } }
"""


def stylesheet() -> str:
    """Our layout plus Pygments' colours for the highlighted code (scoped to ``.code``)."""
    return CSS + HtmlFormatter(style="default").get_style_defs(".code")


def page(title: str, body: str, root: str = "") -> str:
    """A complete HTML document; ``root`` is the relative path back to the site root ("" or "../")."""
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{escape(title)}</title>\n<link rel="stylesheet" href="{root}style.css">\n</head>\n'
            f'<body>\n{body}\n</body>\n</html>\n')


def nav(kind: str, crumbs: str, prev: tuple[str, str] | None, next_: tuple[str, str] | None) -> str:
    """Top or bottom bar: where we are, and the previous/next page as (href, label)."""
    links = []
    if prev:
        links.append(f'<a rel="prev" href="{prev[0]}">← {escape(prev[1])}</a>')
    if next_:
        links.append(f'<a rel="next" href="{next_[0]}">{escape(next_[1])} →</a>')
    return f'<nav class="{kind}"><span class="crumbs">{crumbs}</span><span>{" · ".join(links)}</span></nav>'


def section(anchor: str, prose_html: str, code_html: str) -> str:
    """One row: prose (left) beside the code it explains (right)."""
    pilcrow = f'<a class="pilcrow" href="#{escape(anchor)}">¶</a>'
    code = f"<pre>{code_html}</pre>" if code_html else ""
    return (f'<div class="section" id="{escape(anchor)}">\n<div class="prose">{pilcrow}\n{prose_html}</div>\n'
            f'<div class="code">{code}</div>\n</div>')


def notebook_links(notebooks: list[tuple[int, str, str | None]]) -> str:
    """The 'Notebook:' line: a link where the notebook exists, 'notebook coming' where it does not yet."""
    if not notebooks:
        return ""
    items = []
    for number, title, href in notebooks:
        label = f"{number:02d} · {escape(title)}"
        items.append(f'<a class="notebook" href="{href}">{label}</a>' if href
                     else f'{label} <span class="coming">(notebook coming)</span>')
    noun = "Notebook" if len(items) == 1 else "Notebooks"
    return f'<p class="notebooks">{noun}: {"; ".join(items)}</p>'
