"""Cross-references: which page (and anchor) a module, class or function name written in the source points to.

A name links only when it is unambiguous: a class defined in two modules (the core's ``BertConfig`` and the public
one that adds file methods) links, on a page, to the one that page imports or defines, and nowhere when the page
does neither, rather than to the wrong one. Methods are reachable by their qualified name
(``BertAttention.prune_heads``), never by a bare ``forward`` that every module has.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict

from minibert.docs.catalog import Module

_NAMESPACE = re.compile(r'<span class="nn">([\w.]+)</span>')
_NAME = re.compile(r'<span class="n">(\w+)</span>')


class Links:
    """Built once per site from every page's definitions: ``{module name: [(qualname, anchor, is_class)]}``."""

    def __init__(self, modules: list[Module], definitions: dict[str, list[tuple[str, str, bool]]]):
        self.pages = {m.name: m for m in modules}
        targets: dict[str, set[str]] = defaultdict(set)
        self.classes: set[str] = set()
        for module_name, defs in definitions.items():
            page = self.pages[module_name].page
            for qualname, anchor, is_class in defs:
                targets[qualname].add(f"{page}#{anchor}")
                if is_class and "." not in qualname:
                    self.classes.add(qualname)
        self.targets = {name: next(iter(hrefs)) for name, hrefs in targets.items() if len(hrefs) == 1}
        # Names defined in more than one module: {name: {module name: href}}, chosen per page (_choose).
        self.ambiguous: dict[str, dict[str, str]] = defaultdict(dict)
        for module_name, defs in definitions.items():
            for qualname, anchor, _ in defs:
                if len(targets[qualname]) > 1:
                    self.ambiguous[qualname][module_name] = f"{self.pages[module_name].page}#{anchor}"
        self._imports: dict[str, dict[str, str]] = {}

    def _choose(self, name: str, current: Module | None) -> str | None:
        """The href of ``name`` as seen from ``current``: the only definition, else the one ``current`` imports
        (``from minibert.bert.config import BertConfig``) or defines itself, else none."""
        if name in self.targets:
            return self.targets[name]
        defined = self.ambiguous.get(name)
        if not defined or current is None:
            return None
        if current.name not in self._imports:
            self._imports[current.name] = _imported_names(current)
        source = self._imports[current.name].get(name)
        return defined.get(source) or defined.get(current.name)

    def module(self, ref: str, current: Module | None) -> str | None:
        """``minibert.bert.masks``, ``minibert/bert/masks.py``, ``heads/lm_head.py``, ``lm_head.py``, ``.wordpiece``
        → page."""
        ref = ref.strip().rstrip("/")
        if ref.endswith(".py"):
            ref = ref[:-3].replace("/", ".")
        if ref.startswith("minibert."):
            candidates = [ref[len("minibert."):]]
        elif ref == "minibert":
            candidates = ["minibert"]
        else:
            package = self._package(current)
            if ref.startswith("."):  # a relative import: one dot is this package, each more goes up one
                dots = len(ref) - len(ref.lstrip("."))
                package = package[: len(package) - (dots - 1)] if dots > 1 else package
                ref = ref.lstrip(".")
            candidates = [".".join(package + [ref])] if package else []
            candidates.append(ref)
        for name in candidates:
            if name in self.pages and re.fullmatch(r"[\w.]+", name):
                return self.pages[name].page
        return None

    @staticmethod
    def _package(current: Module | None) -> list[str]:
        if current is None or current.name == "minibert":
            return []
        parts = current.name.split(".")
        return parts if current.path.name == "__init__.py" else parts[:-1]

    def resolver(self, current: Module | None):
        """A function for minibert.docs.prose: (name, was in backticks) → href or None."""

        def resolve(name: str, in_code: bool) -> str | None:
            name = name.removesuffix("()")
            if not in_code:  # plain text: class names and module paths only
                # ...and only names that cannot be ordinary words: "BertModel" links, while "Row" or
                # "Exercise" at the start of a sentence stays a word (in backticks it still links).
                if name in self.classes and sum(c.isupper() for c in name) >= 2:
                    return self._choose(name, current)
                return self.module(name, current) if name.startswith("minibert") else None
            href = self._choose(name, current)
            if href is not None:
                return href
            if name.startswith("minibert") or name.endswith(".py"):
                return self.module(name, current)
            return None

        return resolve

    def code(self, line_html: str, current: Module) -> str:
        """Link imported module names and class names in one line of Pygments HTML."""

        def namespace(m: re.Match) -> str:  # only our own modules: `import math` is not minibert/math.py
            ref = m.group(1)
            href = self.module(ref, current) if ref.startswith(("minibert", ".")) else None
            return f'<a href="{href}">{m.group(0)}</a>' if href else m.group(0)

        def name(m: re.Match) -> str:
            href = self._choose(m.group(1), current) if m.group(1) in self.classes else None
            return f'<a href="{href}">{m.group(0)}</a>' if href else m.group(0)

        return _NAME.sub(name, _NAMESPACE.sub(namespace, line_html))


def _imported_names(module: Module) -> dict[str, str]:
    """``{name: module it comes from, without "minibert."}`` for each ``from minibert.X import name`` of a page."""
    try:
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("minibert."):
            for alias in node.names:
                found[alias.asname or alias.name] = node.module[len("minibert."):]
    return found
