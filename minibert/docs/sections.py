"""Cut one Python file into sections: the prose that explains a piece of code, and that code.

The rule is the one docco and the labml.ai annotated implementations use, stated for Python:

* the module docstring opens the first section;
* every class, function and method (module level or directly in a class) starts a new section, and its
  docstring becomes that section's prose rather than code;
* a block of full-line ``#`` comments starts a new section once the current one has code, so a comment sits
  beside the lines it explains. Comments inside brackets (a dict literal, a long call) stay in the code:
  cutting an expression in half would help nobody.

Trailing comments (``x = f(y)  # (B, T, C)``) stay in the code, where the shapes belong.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field

# Full-line comments that talk to tools, not to readers.
_PRAGMAS = ("#!", "# -*-", "# noqa", "# type:", "# fmt:", "# pragma", "# ruff:", "# pyright:")


@dataclass
class Section:
    """One row of the page: Markdown chunks on the left, source line numbers (1-based) on the right."""

    prose: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    anchor: str | None = None  # the definition this section starts, e.g. "BertAttention.prune_heads"


@dataclass
class Definition:
    """A class or function: where it starts (its first decorator), and its docstring when it has one."""

    qualname: str
    start: int
    is_class: bool
    doc: str | None = None
    doc_lines: range = range(0)


def definitions(tree: ast.Module, lines: list[str]) -> list[Definition]:
    """Module-level classes/functions and the methods of module-level classes, in source order."""
    found = []
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(_definition(node, node.name, lines))
            if isinstance(node, ast.ClassDef):
                for child in node.body:
                    if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                        found.append(_definition(child, f"{node.name}.{child.name}", lines))
    return found


def _definition(node, qualname: str, lines: list[str]) -> Definition:
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    d = Definition(qualname, start, isinstance(node, ast.ClassDef))
    d.doc, d.doc_lines = _docstring(node, lines)
    return d


def _docstring(node, lines: list[str]) -> tuple[str | None, range]:
    """The cleaned docstring and its lines, if it stands on lines of its own (else it stays in the code)."""
    doc = ast.get_docstring(node)
    if doc is None:
        return None, range(0)
    expr = node.body[0]
    alone_before = not lines[expr.lineno - 1][: expr.col_offset].strip()
    alone_after = not lines[expr.end_lineno - 1][expr.end_col_offset:].strip()
    if not (alone_before and alone_after):  # e.g. a one-line `def f(): "doc"`
        return None, range(0)
    return doc, range(expr.lineno, expr.end_lineno + 1)


def comment_lines(source: str) -> dict[int, str]:
    """Line number -> comment text (without ``# ``) for full-line comments outside any brackets."""
    comments, depth = {}, 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type == tokenize.COMMENT and depth == 0 and not tok.line[: tok.start[1]].strip():
            if tok.string.startswith(_PRAGMAS):
                continue
            text = tok.string[1:]
            comments[tok.start[0]] = text[1:] if text.startswith(" ") else text
    return comments


def split(source: str) -> list[Section]:
    """The sections of ``source``, in order; every non-docstring, non-comment line is in exactly one."""
    lines = source.splitlines()
    tree = ast.parse(source)
    defs = definitions(tree, lines)
    starts = {d.start: d for d in defs}
    docs = {d.doc_lines.start: d for d in defs if d.doc is not None}
    skip = {n for d in defs for n in d.doc_lines}
    module_doc, module_doc_lines = _docstring(tree, lines) if tree.body else (None, range(0))
    if module_doc is not None:
        docs[module_doc_lines.start] = Definition("", 1, False, module_doc, module_doc_lines)
        skip.update(module_doc_lines)
    comments = comment_lines(source)

    sections = [Section()]
    previous_was_comment = False

    def has_code() -> bool:
        return any(lines[n - 1].strip() for n in sections[-1].lines)

    for n in range(1, len(lines) + 1):
        if n in docs:
            sections[-1].prose.append(docs[n].doc)
        if n in skip:
            continue
        if n in comments:
            if has_code():
                sections.append(Section())
            if previous_was_comment and sections[-1].prose:
                sections[-1].prose[-1] += "\n" + comments[n]
            else:
                sections[-1].prose.append(comments[n])
            previous_was_comment = True
            continue
        previous_was_comment = False
        if n in starts:
            if has_code():
                sections.append(Section())
            sections[-1].anchor = sections[-1].anchor or starts[n].qualname
        sections[-1].lines.append(n)
    for s in sections:  # blank lines at either end of a code block carry nothing
        while s.lines and not lines[s.lines[0] - 1].strip():
            s.lines.pop(0)
        while s.lines and not lines[s.lines[-1] - 1].strip():
            s.lines.pop()
    return [s for s in sections if s.prose or s.lines]
