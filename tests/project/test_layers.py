"""minibert imports only downward: the layer order of scripts/import_layers.py, and no import cycle.

Every module is read with ``ast`` (imports inside functions included, and modules imported by name); a
failure names the file, the line and the import. To change the order, edit LAYERS (and SIDEWAYS, KNOWN) in
scripts/import_layers.py; ``python scripts/import_layers.py --list`` shows every import per unit.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import import_layers as layers  # noqa: E402


@pytest.fixture(scope="module")
def found():
    return layers.imports()


def test_every_unit_stands_in_one_layer(found):
    named = [unit for line in layers.LAYERS for unit in line.split()]
    assert len(named) == len(set(named)), f"a unit is in two layers: {layers.LAYERS}"
    units = {layers.unit(module) for module in layers.modules()}
    assert not units - set(named), f"units in no layer of LAYERS: {sorted(units - set(named))}"
    assert not set(named) - units, f"LAYERS names units that do not exist: {sorted(set(named) - units)}"
    for a, b in layers.SIDEWAYS:
        assert layers.layer_of()[a] == layers.layer_of()[b], f"SIDEWAYS {(a, b)}: not one layer, nothing to allow"


def test_no_import_breaks_the_layer_order(found):
    assert len(found) > 300  # the reader sees the imports (673 when this was written)
    problems = layers.violations(found)
    assert not problems, "imports against the layer order (scripts/import_layers.py):\n" + "\n".join(problems)


def test_no_import_cycle(found):
    problems = layers.cycle_problems(layers.cycles(layers.graph(found)))
    assert not problems, "\n".join(problems)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "minibert" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "minibert"


def test_the_check_names_each_bad_import_and_cycle(tmp_path, monkeypatch):
    """A planted package: an upward import, an unlisted sideways one (lazy), a __main__ imported, a cycle."""
    package = write(tmp_path, {
        "__init__.py": "",
        "bert/__init__.py": "",
        "bert/config.py": "import torch\n",
        "loading/__init__.py": "from minibert.bert.config import X\n",
        "loading/hub.py": "from minibert.cli import run\n",  # upward: loading imports cli
        "training/__init__.py": "def f():\n    from minibert.pipelines import windows\n",  # sideways, lazy
        "pipelines/__init__.py": "",
        "pipelines/windows.py": "from . import base\n",  # the cycle windows -> base -> windows
        "pipelines/base.py": "import minibert.pipelines.windows\n",
        "exercises/__init__.py": "",
        "exercises/__main__.py": "from minibert.exercises.progress import status\n",
        "exercises/progress.py": "def status():\n    from minibert.exercises.__main__ import grade\n",
        "cli/__init__.py": "from minibert.training import f\n",
    })
    found = layers.imports(package)
    monkeypatch.setattr(layers, "KNOWN", {("minibert.loading", "minibert.cli"): "an allowance gone stale"})
    problems = layers.violations(found)
    assert any(p.startswith("minibert/loading/hub.py:1: from minibert.cli import run  (loading imports cli, a "
                            "higher layer") for p in problems), problems
    assert any(p.startswith("minibert/training/__init__.py:2: from minibert.pipelines import windows  (training "
                            "imports pipelines, of the same layer") and p.endswith("lazily)") for p in problems)
    assert any(p.startswith("minibert/exercises/progress.py:2: from minibert.exercises.__main__ import grade  (a "
                            "command line") for p in problems), problems
    assert any("KNOWN allows ('minibert.loading', 'minibert.cli')" in p for p in problems)  # stale: reported
    cycles = "\n".join(layers.cycle_problems(layers.cycles(layers.graph(found))))
    assert "import cycle minibert.exercises.__main__ -> minibert.exercises.progress -> minibert.exercises.__main__" \
        in cycles, cycles
    assert "minibert/pipelines/base.py:1: import minibert.pipelines.windows" in cycles
    assert "minibert/pipelines/windows.py:1: from . import base" in cycles
    assert "minibert/cli/__init__.py" not in "\n".join(problems) + cycles  # downward: fine
