"""The course notebooks: stored without outputs, in sync with their sources, and every one runs top to bottom.

Each notebook checks its own claims with asserts (shapes, parity with the reference, losses going down), so
running it is the test: a failing assert fails the notebook, and the error names the cell that broke.
Execution uses the ``python3`` kernel of the interpreter running pytest, cwd ``notebooks/``, the CPU and
matplotlib's Agg backend, one thread; one test per notebook, so ``pytest -n 2`` runs them side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
# Guards against a hang, not timings: a notebook takes well under a minute on an idle 2-core machine, but a wall
# clock on a busy one can stretch that several times over, and a test must not fail for that.
CELL_TIMEOUT_S = 600  # per cell
NOTEBOOK_BUDGET_S = 900  # the whole notebook, kernel start included


def test_the_course_has_twelve_numbered_notebooks():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, 13)), f"expected notebooks 01..12 in {NOTEBOOK_DIR}, found {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_no_stored_outputs(path):
    """Outputs belong to whoever runs the notebook: a committed one must have none (and no execution counts)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} have stored outputs or execution counts; regenerate with "
                       "`python scripts/make_notebooks.py` (or clear the outputs) before committing")


def test_notebooks_match_their_sources():
    """notebooks/src/NN_name.py is what gets edited; the .ipynb must be regenerated from it."""
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "make_notebooks.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# The notebooks whose lessons read a trained encoder's behaviour (position similarity, what heads look at, layer
# statistics, which heads matter, what pre-training buys a fine-tuned model): they run a second time on the
# official all-MiniLM-L6-v2, as a learner may.
TRAINED_BEHAVIOUR = ["03_embeddings", "04_self_attention", "06_encoder_stack", "09_head_pruning", "11_fine_tuning"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    # The default model (minibert/defaults.py), offline: the project's own checkpoint unless MINIBERT_MODEL is set.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    execute(path)


@pytest.mark.slow
@pytest.mark.official
@pytest.mark.parametrize("name", TRAINED_BEHAVIOUR)
def test_notebook_runs_on_the_official_minilm(name, official_checkpoint, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MINIBERT_MODEL", str(official_checkpoint))
    execute(NOTEBOOK_DIR / f"{name}.ipynb")


@pytest.mark.slow
def test_notebook_11_skips_its_transfer_without_the_python_docs(tmp_path, monkeypatch):
    """A learner without Debian's python3.11-doc (CI installs it, so the runs above do the real transfer): the
    transfer sections say how to install it, and the rest of the notebook runs."""
    from minibert.speedrun.pydocs import INSTALL

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MINIBERT_PYDOCS_DIR", str(tmp_path / "no-python-docs"))  # minibert/speedrun/pydocs.py
    nb = execute(NOTEBOOK_DIR / "11_fine_tuning.ipynb")
    printed = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                        if o.get("output_type") == "stream")
    assert "SKIPPED: the transfer task is built from the Python documentation" in printed
    assert INSTALL in printed and "fine-tuning runs in" not in printed


def execute(path: Path):
    """Run the notebook at ``path`` top to bottom in a fresh kernel; fail naming the cell that broke. Returns the
    executed notebook (its cells hold the outputs)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")

    nb = nbformat.read(path, as_version=4)
    # One thread per kernel: `pytest -n 2` runs two notebooks on two cores, and OpenMP threads of an
    # oversubscribed process spin at their barriers, turning a 2 ms forward pass into hundreds of ms.
    env = {**os.environ, "MPLBACKEND": "Agg", "MINIBERT_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    # kernel "python3" resolves to this interpreter (sys.executable), so the kernel sees minibert and the venv
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, startup_timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except nbclient.exceptions.CellExecutionError as err:
        index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.get("output_type") == "error" for o in c.get("outputs", []))), "?")
        pytest.fail(f"{path.name}: cell {index} failed:\n{err}", pytrace=False)
    except nbclient.exceptions.CellTimeoutError as err:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT_S} s: {err}", pytrace=False)
    elapsed = time.perf_counter() - start
    # "Some weights of the checkpoint ... were not used": explained where it first appears (notebook 01), then
    # kept out of the others (their setup cells filter that one note).
    notes = [o["text"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if o.get("name") == "stderr" and "were not used" in o.get("text", "")]
    if path.name.startswith("01_"):
        assert notes, "notebook 01 explains the unused-weights note, but no longer prints it"
    else:
        assert not notes, f"{path.name} prints the unused-weights note again: {notes[0][:200]}"
    assert elapsed < NOTEBOOK_BUDGET_S, f"{path.name} took {elapsed:.0f} s, over its {NOTEBOOK_BUDGET_S} s budget"
    return nb
