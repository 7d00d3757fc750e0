"""Comments and docstrings → HTML, with Python-Markdown and three small extensions written here.

1. Docstring conventions Markdown does not know: reST's ``text::`` before a literal block and its roles
   (``:func:``), Google-style ``Args:`` / ``Returns:`` sections, lists written without the blank line
   Markdown wants before them.
2. Math. The source writes its formulas in Unicode (``softmax(Q Kᵀ / √d + M) V``): they are shown as they
   are, indented ones as display blocks. TeX between ``$...$`` (inline) or ``$$...$$`` (display) is turned
   into MathML at build time by latex2mathml, and the browser draws it natively (Chromium ≥ 109, Firefox):
   no JavaScript and no fonts to fetch, so pages work with no network at all. (KaTeX would need its
   JavaScript and fonts vendored into the repo; MathML needs neither.)
3. Links: a class name (``BertSelfOutput``), a module (``minibert.bert.masks``, ``minibert/bert/masks.py``,
   ``wordpiece.py``) or a ``function`` in backticks becomes a link to the page and anchor that defines it,
   when the name is unambiguous. Plain-text class names are linked too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable

import latex2mathml.converter
import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

# A resolver maps a name as written in prose (and whether it was in backticks) to an href, or None.
Resolver = Callable[[str, bool], "str | None"]

_SECTION = re.compile(r"^(\s*)(Args|Arguments|Parameters|Returns|Return|Raises|Yields|Attributes|Shapes?|Note|Notes"
                      r"|Example|Examples):\s*$")
_ITEM = re.compile(r"^(\*?\*?\w+)(\s*\([^)]*\))?:\s")
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|obj|data|exc|const):(?=`)")  # reST roles: keep the name
_LIST = re.compile(r"^\s*([*+-]|\d+[.)])\s")
# A numbered line opens a list only when it is item 1: "2016) lets each layer..." continues a sentence that
# wrapped after "(He et al.,", it is not the 2016th item of a list.
_LIST_START = re.compile(r"^\s*([*+-]|1[.)])\s")
# Dunder names and paths in plain text (__main__, minibert/__main__.py): Markdown would read the underscores as
# bold ("main"), so they become code spans, which is what they are.
_DUNDER = re.compile(r"(?<![\w`/.])((?:[\w.]+/)*__\w+__(?:\.py)?)(?![\w`])")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# Candidates in plain text: CamelCase words (class names) and module paths (minibert/bert/masks.py,
# minibert.bert.masks).
_WORD = re.compile(r"\bminibert[./][\w./]*\w|\b[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\b")


def preprocess(text: str) -> str:
    """Rewrite docstring conventions into Markdown (see the module docstring, point 1)."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _SECTION.match(line)
        if m:  # Google style: "Args:" then an indented block, one item per least-indented line
            out += ["", f"{m.group(1)}**{m.group(2)}:**", ""]
            i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(m.group(1))):
                block.append(lines[i])
                i += 1
            out += _items(block) + [""]
            continue
        line = _ROLE.sub("", line)
        if line.rstrip().endswith("::"):  # reST literal block marker: the indented block after it is code
            line = line.rstrip()[:-1] if line.rstrip() != "::" else ""
        if _LIST_START.match(line) and out and out[-1].strip() and not _LIST.match(out[-1]) \
                and not out[-1].startswith((" ", "\t")):
            out.append("")
        if not line.startswith(("    ", "\t")):  # an indented block is shown verbatim: leave it alone
            line = _code_dunders(line)
        out.append(line)
        i += 1
    return "\n".join(out)


def _code_dunders(line: str) -> str:
    """Wrap dunder names outside existing code spans in backticks."""
    pieces, last = [], 0
    for m in _CODE_SPAN.finditer(line):
        pieces += [_DUNDER.sub(r"`\1`", line[last:m.start()]), m.group(0)]
        last = m.end()
    return "".join(pieces) + _DUNDER.sub(r"`\1`", line[last:])


def _items(block: list[str]) -> list[str]:
    """An indented Google-style block → Markdown list items, continuation lines folded into their item."""
    indents = [len(b) - len(b.lstrip()) for b in block if b.strip()]
    if not indents:
        return []
    base, items = min(indents), []
    for b in block:
        if not b.strip():
            continue
        if len(b) - len(b.lstrip()) == base:
            text = b.strip()
            m = _ITEM.match(text)
            items.append("- " + (f"`{m.group(1)}`{m.group(2) or ''}:" + text[m.end() - 1:] if m else text))
        else:
            items[-1] += " " + b.strip()
    return items


class _TexMath(InlineProcessor):
    """``$...$`` and ``$$...$$`` → MathML, stored raw so Markdown leaves it alone."""

    def handleMatch(self, m, data):
        display = m.group(1) == "$$"
        mathml = latex2mathml.converter.convert(m.group(2).strip(), display="block" if display else "inline")
        return self.md.htmlStash.store(mathml), m.start(0), m.end(0)


class _Linker(Treeprocessor):
    """Wrap names that the resolver knows in links; never inside ``<pre>``, ``<a>`` or headings' code."""

    def __init__(self, md, resolver: Resolver):
        super().__init__(md)
        self.resolver = resolver

    def run(self, root):
        self._walk(root)

    def _walk(self, parent):
        # Right to left, so inserting links never shifts a position still to be visited.
        for index, child in reversed(list(enumerate(parent))):
            tail = child.tail
            if child.tag == "code":
                href = self.resolver((child.text or "").strip(), True)
                if href:
                    link = etree.Element("a", href=href)
                    link.append(child)
                    parent[index] = link
                    link.tail, child.tail = tail, None
            elif child.tag not in ("pre", "a"):
                self._walk(child)
            self._link_text(parent, index, tail)
        self._link_text(parent, -1, parent.text)

    def _link_text(self, parent, index: int, text: str | None):
        """Split ``text`` (parent.text when index is -1, else parent[index].tail) around linkable words."""
        if not text:
            return
        pieces, last = [], 0
        for m in _WORD.finditer(text):
            href = self.resolver(m.group(0), False)
            if href:
                pieces.append((text[last:m.start()], m.group(0), href))
                last = m.end()
        if not pieces:
            return
        rest = text[last:]
        if index < 0:
            parent.text = pieces[0][0]
        else:
            parent[index].tail = pieces[0][0]
        for k, (_, word, href) in enumerate(pieces):
            link = etree.Element("a", href=href)
            link.text = word
            link.tail = pieces[k + 1][0] if k + 1 < len(pieces) else rest
            parent.insert(index + 1 + k, link)


class _ProseExtension(Extension):
    def __init__(self, resolver: Resolver | None, math: bool = True):
        super().__init__()
        self.resolver, self.math = resolver, math

    def extendMarkdown(self, md):
        # Lower priority than backticks (190), so "$" inside `code` is left alone.
        if self.math:
            md.inlinePatterns.register(_TexMath(r"(?<![\\$])(\$\$?)(?!\s)(.+?)(?<!\s)\1", md), "texmath", 185)
        if self.resolver is not None:
            md.treeprocessors.register(_Linker(md, self.resolver), "minibert_links", 1)


def render(text: str, resolver: Resolver | None = None) -> str:
    """Markdown (with the conventions above) → an HTML fragment."""
    md = markdown.Markdown(extensions=["sane_lists", "tables", _ProseExtension(resolver)])
    html = md.convert(preprocess(text))
    # Indented blocks in prose are formulas or worked examples: mark them so CSS shows them as displays.
    return html.replace("<pre><code>", '<pre class="display"><code>')


def github_slug(text: str, separator: str = "-") -> str:
    """A heading's id as GitHub makes it: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", separator)


def render_page(text: str, resolver: Resolver | None = None) -> str:
    """A Markdown page as GitHub reads it (fenced code, tables, headings with GitHub's ids) → an HTML fragment.

    For the docs pages (minibert.docs.guides): none of the docstring conventions of ``render`` and no math, so
    code blocks and transcripts are shown exactly as written; names are linked as in the annotations.
    """
    md = markdown.Markdown(extensions=["fenced_code", "sane_lists", "tables", TocExtension(slugify=github_slug),
                                       _ProseExtension(resolver, math=False)])
    return md.convert(text)
