"""Which part of minibert imports which: the layer order they follow, checked, and every import listed.

    python scripts/import_layers.py           # what breaks the order, and any import cycle; exit 1 if anything
    python scripts/import_layers.py --list    # every `minibert.X` import, grouped by the importing unit

A *unit* is a top-level module or package of minibert (``tokenization``, ``pipelines``, ``probe``, ...;
``minibert`` itself is the package's ``__init__.py``, the lazy names of ``from minibert import X``). The units
stand in layers, lowest first (LAYERS). A unit may import itself and any unit of a lower layer; a unit of its
own layer only where SIDEWAYS says so, with the reason; never a unit of a higher layer. Imports are read with
``ast``, those inside functions (lazy imports) included, and so are modules named by string where a module
imports by name (``importlib.import_module(name)``: minibert/__main__.py's commands, the package's lazy names,
the pipeline registry). tests/project/test_layers.py runs the same check.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "minibert"

# The layers, lowest first: one string per layer, the units of a layer separated by spaces.
LAYERS = [
    "bert",  # BERT's core: imports torch and itself only (tests/bert/test_core_imports.py checks it too)
    "loading",  # files in and out: weights, the Hub cache, Google's TensorFlow checkpoints, the output rule
    "compat",  # the transformers-compatible surface: from_pretrained / save_pretrained, resizing
    "tokenization defaults",  # text -> ids, and the doc-stride windows; which model a command uses by default
    "heads",  # task heads on the encoder, and greedy generation
    "compat.auto",  # the Auto classes: they build tokenizers and find the head classes
    "training pipelines analysis",  # fine-tuning and pre-training; one-line inference; reading attention
    "minibert parity",  # the package's lazy names (from minibert import X); the check against the reference
    "speedrun exercises docs",  # applications: each uses the library, not each other
    "cli",  # `python -m minibert COMMAND`: one module per command
    "__main__",
]
# Units are top-level modules and packages, except these modules, which stand in a layer of their own.
SUBUNITS = {"compat.auto"}

# Imports between two units of one layer that are allowed: (importer, imported) -> why.
SIDEWAYS = {
    ("docs", "exercises"): "the docs site lists the exercises from their catalog",
}

# Imports that break the order, each (importing module, imported module) -> why it is allowed. A pair that
# no longer occurs is reported, so that it is deleted here.
KNOWN: dict[tuple[str, str], str] = {}

# Import cycles allowed, each named by its modules (sorted) -> why; a cycle no longer found is reported.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}


def layer_of() -> dict[str, int]:
    """unit -> its layer's index (0 = lowest)."""
    return {unit: i for i, line in enumerate(LAYERS) for unit in line.split()}


def unit(module: str) -> str:
    """The unit of a dotted module name: ``minibert.pipelines.base`` -> ``pipelines``, ``minibert`` -> ``minibert``,
    ``minibert.compat.auto`` -> ``compat.auto`` (a SUBUNITS entry)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "minibert"
    return ".".join(parts[1:3]) if ".".join(parts[1:3]) in SUBUNITS else parts[1]


@dataclass(frozen=True)
class Import:
    """One import of a minibert module by a minibert module: where it is, what it says, what it reaches."""

    importer: str  # dotted module name
    path: str  # the file, from the folder above the package: minibert/...
    line: int
    text: str  # the statement as written (or the name, for modules imported by name)
    target: str  # the dotted module name it reaches
    lazy: bool  # inside a function

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _inside_functions(tree: ast.AST) -> set[int]:
    """ids of the nodes that lie inside a function (imports there run only when it is called)."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside.update(id(child) for child in ast.walk(node) if child is not node)
    return inside


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (read by type checkers, never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imports_by_name(tree: ast.AST) -> bool:
    """Does the module call ``import_module`` (or ``__import__``) with a name it computes?"""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and not isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__"):
                return True
    return False


def imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of a minibert module inside the package, lazy ones and modules imported by name included."""
    known = modules(package)
    found = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        by_name = _imports_by_name(tree)
        reached = []  # (node, text, module reached)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                reached += [(node, ast.unparse(node), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from . import x, from ..y import z
                    parent = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                for alias in node.names:  # a submodule when there is one, else the module the names come from
                    sub = f"{base}.{alias.name}"
                    reached.append((node, ast.unparse(node), sub if sub in known else base))
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                    reached.append((node, ast.unparse(node), node.args[0].value))
            elif by_name and isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"minibert(\.\w+)+", node.value) and node.value in known:
                reached.append((node, repr(node.value) + "  (imported by name)", node.value))
        lazy = _inside_functions(tree)
        never_run = _type_checking_only(tree)
        reached = [(node, text, target) for node, text, target in reached if id(node) not in never_run]
        where = path.relative_to(package.parent).as_posix()
        found += [Import(module, where, node.lineno, text, target, id(node) in lazy)
                  for node, text, target in reached if target.split(".")[0] == "minibert"]
    return found


def violations(found: list[Import]) -> list[str]:
    """Each import that breaks the order, as ``file:line: import  (why)``; then each KNOWN pair that is gone.

    Besides the layers: no module imports a ``__main__`` (minibert/__main__.py, minibert/exercises/__main__.py,
    ...): a command line is only an entry point."""
    layers = layer_of()
    problems, used = [], set()
    for imp in found:
        if imp.target.rpartition(".")[2] == "__main__":
            problems.append(f"{imp.where()}: {imp.text}  (a command line, {imp.target}, is an entry point: what "
                            "others need of it belongs in a module of its own)")
            continue
        a, b = unit(imp.importer), unit(imp.target)
        if a == b:
            continue
        for u in (a, b):
            if u not in layers:
                problems.append(f"{imp.where()}: {imp.text}  (unit {u!r} is in no layer: add it to LAYERS)")
        if a not in layers or b not in layers:
            continue
        if layers[b] < layers[a] or (a, b) in SIDEWAYS:
            continue
        if (imp.importer, imp.target) in KNOWN:
            used.add((imp.importer, imp.target))
            continue
        why = (f"{a} imports {b}, a higher layer" if layers[b] > layers[a] else
               f"{a} imports {b}, of the same layer, and SIDEWAYS does not allow it")
        problems.append(f"{imp.where()}: {imp.text}  ({why}{', lazily' if imp.lazy else ''})")
    problems += [f"KNOWN allows {pair}, which no longer occurs: delete it" for pair in sorted(set(KNOWN) - used)]
    return problems


def graph(found: list[Import]) -> dict[str, dict[str, Import]]:
    """module -> {module it imports: the first such import}."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in found:
        if imp.target != imp.importer:
            edges.setdefault(imp.importer, {}).setdefault(imp.target, imp)
    return edges


def cycles(edges: dict[str, dict[str, Import]]) -> list[list[Import]]:
    """One cycle per group of modules that import each other (strongly connected components, Tarjan), as the
    imports that close it."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):  # recursive: the module graph is shallow
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    found = []
    for group in groups:  # a shortest way back to the start, inside the group
        start = min(group)
        paths = {start: []}
        queue = [start]
        while queue:
            v = queue.pop(0)
            for w, imp in sorted(edges.get(v, {}).items()):
                if w == start:
                    found.append(paths[v] + [imp])
                    queue = []
                    break
                if w in group and w not in paths:
                    paths[w] = paths[v] + [imp]
                    queue.append(w)
    return found


def cycle_problems(found_cycles: list[list[Import]]) -> list[str]:
    """Each cycle not in KNOWN_CYCLES, one import per line; then each KNOWN_CYCLES entry that is gone."""
    problems, seen = [], set()
    for cycle in found_cycles:
        key = tuple(sorted(imp.importer for imp in cycle))
        if key in KNOWN_CYCLES:
            seen.add(key)
            continue
        lines = [f"    {imp.where()}: {imp.text}  ({imp.importer} -> {imp.target}{', lazily' if imp.lazy else ''})"
                 for imp in cycle]
        problems.append("import cycle " + " -> ".join([imp.importer for imp in cycle] + [cycle[0].importer]) + ":\n"
                        + "\n".join(lines))
    problems += [f"KNOWN_CYCLES allows {key}, which is no longer a cycle: delete it"
                 for key in sorted(set(KNOWN_CYCLES) - seen)]
    return problems


def listing(found: list[Import]) -> str:
    """Every import of another unit, grouped by the importing unit, in layer order."""
    layers = layer_of()
    by_unit: dict[str, list[Import]] = {}
    for imp in found:
        if unit(imp.importer) != unit(imp.target):
            by_unit.setdefault(unit(imp.importer), []).append(imp)
    out = []
    for name in sorted(by_unit, key=lambda u: (layers.get(u, len(LAYERS)), u)):
        targets = sorted({unit(imp.target) for imp in by_unit[name]}, key=lambda u: (layers.get(u, len(LAYERS)), u))
        out.append(f"{name} (layer {layers.get(name, '?')}) imports {', '.join(targets)}")
        for imp in sorted(by_unit[name], key=lambda imp: (imp.path, imp.line, imp.target)):
            out.append(f"    {imp.where():45s} {imp.target}{'  (lazy)' if imp.lazy else ''}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    found = imports()
    if "--list" in argv:
        print(listing(found))
        return 0
    problems = violations(found) + cycle_problems(cycles(graph(found)))
    for line in problems:
        print(line)
    print(f"{len(found)} imports of minibert by minibert read; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
