"""Shared pytest settings.

Official checkpoints are found through one documented setting:
  * the pytest option ``--official-checkpoint PATH``, or
  * the environment variable ``MINIBERT_OFFICIAL_CHECKPOINT=PATH``
pointing at a folder with the Hub's ``sentence-transformers/all-MiniLM-L6-v2`` files. Tests that need it
use the ``official_checkpoint`` fixture and are skipped, with the reason, when neither is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VOCAB_FILE = REPO / "checkpoints" / "vocab" / "bert-base-uncased-vocab.txt"


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
