"""A corpus of real, varied English texts that needs no download: the Python standard library's docstrings.

    python benchmarks/corpus.py --n 3000 --out texts.txt      # one text per line

Every module, class and function docstring of the standard library's own ``.py`` files (read with ``ast``,
nothing is imported), cut into paragraphs, whitespace collapsed, kept when it has 3 to 200 words and is
prose (mostly letters, not a doctest or a table), duplicates dropped, then shuffled with a fixed seed: a
one-line summary sits next to a long explanation, so lengths vary as in real use. The texts are the Python
Software Foundation's (PSF license); the same Python version gives the same corpus.
"""

from __future__ import annotations

import argparse
import ast
import random
import re
import sys
import sysconfig
from pathlib import Path

SKIP_DIRS = {"test", "tests", "idlelib", "lib2to3", "turtledemo", "site-packages", "dist-packages", "ensurepip",
             "__pycache__", "tkinter", "pydoc_data"}
_SPACE = re.compile(r"\s+")


def stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(root).parts[:-1]))


def docstrings(path: Path):
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def is_prose(text: str) -> bool:
    words = text.split()
    if not 3 <= len(words) <= 200 or ">>>" in text:
        return False
    letters = sum(c.isalpha() or c.isspace() for c in text)
    return letters / len(text) > 0.85


def build(n: int = 3000, seed: int = 0, files: int | None = None) -> list[str]:
    """``n`` texts (fewer if the library has fewer), the same for the same Python version and seed.

    ``files``: read only the first that many source files (in sorted order), for a quicker, smaller corpus.
    """
    seen, texts = set(), []
    for path in stdlib_files()[:files]:
        for doc in docstrings(path):
            for paragraph in doc.split("\n\n"):
                text = _SPACE.sub(" ", paragraph).strip()
                if is_prose(text) and text not in seen:
                    seen.add(text)
                    texts.append(text)
    random.Random(seed).shuffle(texts)
    return texts[:n]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=3000, help="number of texts (default 3000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="write one text per line here (default: stdout)")
    args = p.parse_args(argv)
    text = "\n".join(build(args.n, args.seed)) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
