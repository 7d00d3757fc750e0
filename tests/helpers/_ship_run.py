"""Shared by tests/speedrun/test_ship*.py: a tiny finished speedrun, scripts/ship_speedrun.py loaded as a module,
a corpus manifest in scripts/make_zh_corpus.py's format, and minibert's CLI run where ``transformers`` is absent."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


def speedrun(out: Path, corpus: Path, *extra: str) -> Path:
    """A finished speedrun of a few CPU seconds in ``out`` (no transfer: the card's transfer table is tested on a
    report that has one)."""
    cmd = [sys.executable, "-m", "minibert", "speedrun", "--budget", "3s", "--clock", "cpu", "--corpus", str(corpus),
           "--out", str(out), "--threads", "1", "--no-progress", "--no-transfer", *extra]
    done = subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def ship_script():
    """scripts/ship_speedrun.py as a module: its ``main(argv)`` runs in this process."""
    spec = importlib.util.spec_from_file_location("ship_speedrun", ROOT / "scripts" / "ship_speedrun.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifest(path: Path, corpus: Path, packages: dict) -> Path:
    """A manifest.json of ``corpus`` as scripts/make_zh_corpus.py writes one: packages, and the corpus's sha256."""
    digest = hashlib.sha256(corpus.read_bytes()).hexdigest()
    path.write_text(json.dumps({"packages": packages, "outputs": {"train": {"file": corpus.name, "sha256": digest}}}),
                    encoding="utf-8")
    return path


def without_transformers(*args: str) -> subprocess.CompletedProcess:
    """``python -m minibert ARGS`` in a process where ``import transformers`` fails: the stored outputs only."""
    code = ("import sys; sys.modules['transformers'] = None; from minibert.__main__ import main; "
            f"sys.exit(main({list(args)!r}))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env(), capture_output=True, text=True,
                          timeout=300)


def no_leftovers(parent: Path) -> list[str]:
    """Temporary folders a ship left beside its output (none, whether it shipped or failed)."""
    return [p.name for p in parent.iterdir() if p.name.startswith(".") and (".tmp-" in p.name or ".old-" in p.name)]
