"""Shared pytest settings.

Official checkpoints are found through one documented setting:
  * the pytest option ``--official-checkpoint PATH``, or
  * the environment variable ``MINIBERT_OFFICIAL_CHECKPOINT=PATH``
pointing at a folder with the Hub's ``sentence-transformers/all-MiniLM-L6-v2`` files. Tests that need it
use the ``official_checkpoint`` fixture and are skipped, with the reason, when neither is set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# The property tests draw the same examples on every run (derandomize, which also turns off the examples
# database), so the README's test command gives the same result on every machine and a red build reproduces.
# HYPOTHESIS_PROFILE=explore draws new examples each run (and replays failures from .hypothesis/) to hunt for bugs.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
# tests/ mirrors minibert/: tests/bert/ tests the core, tests/loading/ the file formats, ... (tests/README.md).
# The shared helpers (tests/helpers/_*.py) import by their own names from any folder, and so do test modules
# that others reuse (test_defaults, test_docs_site, test_loading, test_tf_checkpoint, test_notebooks).
sys.path[:0] = [str(REPO / "tests" / folder) for folder in ("helpers", "cli", "docs", "loading", "notebooks")]
VOCAB_FILE = REPO / "checkpoints" / "vocab" / "bert-base-uncased-vocab.txt"


def _reference_major() -> int | None:
    try:
        from importlib.metadata import version

        return int(version("transformers").split(".")[0])
    except Exception:
        return None


def pytest_collection_modifyitems(config, items):
    """Tests marked ``reference_v4_only`` compare features the 5.x reference removed (head pruning, head_mask,
    relative position embeddings, ...): under transformers 5.x they are skipped, everything else must pass."""
    if (_reference_major() or 0) < 5:
        return
    skip = pytest.mark.skip(reason="feature removed from transformers 5.x; compared against 4.57.6 instead")
    for item in items:
        if "reference_v4_only" in item.keywords:
            item.add_marker(skip)


def pytest_addoption(parser):
    parser.addoption(
        "--official-checkpoint",
        default=None,
        help="folder of the official all-MiniLM-L6-v2 checkpoint (default: $MINIBERT_OFFICIAL_CHECKPOINT)",
    )


@pytest.fixture(scope="session")
def official_checkpoint(request) -> Path:
    path = request.config.getoption("--official-checkpoint") or os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
    if not path:
        pytest.skip(
            "no official checkpoint configured: set MINIBERT_OFFICIAL_CHECKPOINT or pass --official-checkpoint "
            "to a folder holding sentence-transformers/all-MiniLM-L6-v2"
        )
    path = Path(path)
    if not (path / "config.json").is_file():
        pytest.fail(f"official checkpoint setting points at {path}, which has no config.json")
    return path


@pytest.fixture(scope="session")
def vocab_file() -> Path:
    """The bert-base-uncased WordPiece vocabulary (30522 tokens), committed for tokenizer tests."""
    assert VOCAB_FILE.is_file(), f"missing test fixture {VOCAB_FILE}"
    return VOCAB_FILE


@pytest.fixture
def one_thread():
    """torch on one thread: for tiny models, thread start-up and synchronisation cost more than they save."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
