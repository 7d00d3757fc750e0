"""The thin layer between the graders and whoever solved the exercises.

The graders never import a solution directly: they ask ``get_impl(name, source)`` for the function, so
the same tests grade

* ``"stubs"``     -- ``minibert/exercises/stubs/<name>.py``, what a learner edits in place (the default);
* ``"solutions"`` -- ``minibert/exercises/solutions/<name>.py``, the reference solutions;
* a path          -- a ``.py`` file defining the functions (all of them, or the ones being graded), or a
                     folder laid out like ``stubs/`` (a copy of it: ``<folder>/<name>.py``).

The source comes from the ``--impl`` option, else the environment variable ``MINIBERT_EXERCISES``,
else ``"stubs"``. A learner's file may import the files beside it (``from layer_norm import layer_norm`` in
embeddings.py), as it could when run from its own folder.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from minibert.exercises.catalog import BY_NAME

ENV_VAR = "MINIBERT_EXERCISES"
BUILT_IN = ("stubs", "solutions")
_IMPL_PREFIX = "_minibert_exercise_impl_"  # sys.modules names of the learners' files, one per file version
IN_MEMORY = "in-memory"  # functions handed over by minibert.exercises.notebook.grade (defined in a notebook)
_in_memory: dict[str, object] = {}


def default_source() -> str:
    return os.environ.get(ENV_VAR) or "stubs"


@contextlib.contextmanager
def _beside(folder: Path):
    """While a learner's file is imported, its folder comes first on ``sys.path``.

    So one exercise can reuse another's file next to it, ``from layer_norm import layer_norm`` in
    embeddings.py, as it would run from that folder. Such neighbours are forgotten afterwards (dropped from
    ``sys.modules``), so that a re-grade imports them again, edits included, and another learner's folder
    never gets this one's.
    """
    folder = folder.resolve()
    before = set(sys.modules)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None)
            neighbour = "." not in name and not name.startswith(_IMPL_PREFIX)
            if neighbour and file and Path(file).resolve().parent == folder:
                del sys.modules[name]


def _load_file(path: Path):
    """Import a .py file by path; imported again only when it, or a .py file beside it, has changed since."""
    path = path.resolve()
    # The file's neighbours count: editing layer_norm.py must re-grade an embeddings.py that imports it.
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in path.parent.glob("*.py")))
    module_name = f"{_IMPL_PREFIX}{abs(hash((str(path), stamp)))}"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            with _beside(path.parent):
                spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    return module


def get_impl(name: str, source: str | None = None):
    """The function implementing exercise ``name`` from ``source`` (see the module docstring)."""
    if name not in BY_NAME:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(BY_NAME)}")
    source = source or default_source()
    if source == IN_MEMORY:
        if name not in _in_memory:
            raise AttributeError(f"no function handed over for {name!r}: call grade({name!r}, your_function)")
        return _in_memory[name]
    if source in BUILT_IN:
        with _beside(Path(__file__).parent / source):  # a stub edited in place may import its neighbours too
            module = importlib.import_module(f"minibert.exercises.{source}.{name}")
        where = f"minibert/exercises/{source}/{name}.py"
    else:
        path = Path(source).expanduser()
        if path.is_dir():
            path = path / f"{name}.py"
            if not path.is_file():
                raise FileNotFoundError(f"--impl folder {source!r} has no {name}.py (copy it from "
                                        f"minibert/exercises/stubs/{name}.py)")
        elif not path.is_file():
            raise FileNotFoundError(f"--impl {source!r} is neither 'stubs', 'solutions', a .py file nor a folder")
        module = _load_file(path)
        where = str(path)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise AttributeError(f"{where} defines no function {name!r} (expected `def {name}(...)`, "
                             f"see minibert/exercises/stubs/{name}.py for its signature)")
    return fn
