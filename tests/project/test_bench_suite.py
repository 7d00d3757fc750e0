"""Smoke test of the benchmark suite (benchmarks/run.py --quick): it runs end to end on a tiny config and
writes bench.json and bench.md with one entry per selected row. Timings are not checked here: the goals are
judged from the full run's output (docs/performance.md), never by a timed test."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


def _load_runner():
    spec = importlib.util.spec_from_file_location("benchmarks_run", REPO / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_suite_writes_every_row(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # run.py sets it for its children; restored after the test
    threads = torch.get_num_threads()
    try:
        rc = _load_runner().main(["--quick", "--out", str(tmp_path), "--checkpoint",
                                  str(REPO / "checkpoints" / "tiny-bert")])
    finally:
        torch.set_num_threads(threads)
    assert rc == 0
    report = json.loads((tmp_path / "bench.json").read_text())
    md = (tmp_path / "bench.md").read_text()

    assert report["rows_run"] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert report["settings"]["quick"] and report["settings"]["repeats"] == 1
    counts = {}
    for row in report["rows"]:
        counts[row["row"]] = counts.get(row["row"], 0) + 1
    # eager + sdpa; eager + sdpa padded, padded and unpadded; one train step; time and memory, off, on and
    # selective; 4 tokenizer comparisons; one cold start; CUDA: one skipped entry without a GPU, else 2 forwards
    # + 1 train step; unpadded eager + sdpa on ragged lengths; the corpus (vs sentence-transformers and the
    # reference pipeline), or one skipped entry without the official checkpoint or sentence-transformers.
    corpus = 2 if report["raw"]["9"] is not None else 1
    assert counts == {1: 2, 2: 4, 3: 1, 4: 6, 5: 4, 6: 1, 7: 1 if not torch.cuda.is_available() else 3, 8: 2,
                      9: corpus}
    for row in report["rows"]:
        if row.get("skipped"):
            assert ("no CUDA" if row["row"] == 7 else "skipped: ") in row["note"]
            continue
        if row["unit"] == "MiB":  # measured inside the test process in --quick mode: may not rise at all
            assert row["minibert"]["median"] >= 0 and row["reference"]["median"] >= 0
            continue
        for lib in ("minibert", "reference"):
            assert row[lib]["n"] == 1 and row[lib]["median"] > 0, row
        assert row["ratio"]["median"] > 0
    for key in ("cpu", "cores", "ram_gib", "load_average_start", "load_average_end", "torch", "transformers"):
        assert report["machine"][key] is not None, key
    assert report["machine"]["transformers"] == "4.57.6"
    table_lines = [line for line in md.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [int(line.split("|")[1]) for line in table_lines] == [r["row"] for r in report["rows"]]
    assert "Load average" in md and "## Goals" in md


def test_rows_option_runs_a_subset(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    threads = torch.get_num_threads()
    try:
        assert _load_runner().main(["--quick", "--rows", "1,7", "--out", str(tmp_path)]) == 0
    finally:
        torch.set_num_threads(threads)
    report = json.loads((tmp_path / "bench.json").read_text())
    assert report["rows_run"] == [1, 7]
    assert {r["row"] for r in report["rows"]} == {1, 7}


def test_a_crashing_row_keeps_the_rows_before_it(tmp_path, monkeypatch):
    """Results are written after every row: a long run killed (or a row crashing) keeps what it measured."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    runner = _load_runner()
    import bench_rows  # importable once run.py's folder is on sys.path (loading run.py puts it there)

    def crash(cfg, settings):
        raise RuntimeError("row 7 crashed")

    monkeypatch.setitem(bench_rows.RUNNERS, 7, crash)
    threads = torch.get_num_threads()
    try:
        with pytest.raises(RuntimeError, match="row 7 crashed"):
            runner.main(["--quick", "--rows", "1,7", "--out", str(tmp_path)])
    finally:
        torch.set_num_threads(threads)
    report = json.loads((tmp_path / "bench.json").read_text())
    assert report["finished"] is None and report["rows_run"] == [1, 7] and report["rows_done"] == [1]
    assert {r["row"] for r in report["rows"]} == {1}
    assert "**Unfinished**: rows 1 of 1,7" in (tmp_path / "bench.md").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.json", "bench.md"]  # no temporary files left


def test_reference_pipeline_pooled_like_sentence_transformers(official_checkpoint):
    """Row 9's reference peer: pipeline("feature-extraction") + the checkpoint's modules gives
    sentence-transformers' vectors, a text longer than max_seq_length (256) included. (A max_length keyword
    given to the pipeline itself is dropped, and such a text would be pooled over 512 tokens.)"""
    st_lib = pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed "
                                 "(the bench extra)")
    import sys

    import transformers

    sys.path.insert(0, str(REPO / "benchmarks"))
    import bench_unpad

    modules = bench_unpad.sentence_modules(str(official_checkpoint))
    assert modules == {"max_seq_length": 256, "pooling": "mean", "normalize": True}
    reference = transformers.pipeline("feature-extraction", model=str(official_checkpoint), framework="pt",
                                      device="cpu", batch_size=32)
    long = " ".join(["the parser reads each line of the file and records every name it finds"] * 30)
    texts = [long, "A short one.", "Return the sum of the two arguments, converted to float."]
    assert len(reference.tokenizer(long)["input_ids"]) > 300
    st = st_lib.SentenceTransformer(str(official_checkpoint), device="cpu")
    expected = st.encode(texts, batch_size=32, convert_to_tensor=True)
    got = bench_unpad.reference_vectors(reference, texts, modules)
    assert (got - expected).abs().max().item() <= 1e-5
