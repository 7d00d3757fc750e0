"""Lessons that say what they ran: no notebook names its model, or the model's size, by hand.

The default model changes (minibert/defaults.py: MINIBERT_MODEL, the Hub's bert-base-uncased, the project's own
trained checkpoint), so a title, a legend or a sentence that names "the tiny checkpoint", "random weights" or
"2 layers" for the lesson's model goes stale the day the default does. The sources (notebooks/src/*.py) are
scanned for such hand-written claims; the lessons compute them instead (``ResolvedModel.label``). The last test
runs every notebook the way a learner with internet and without the dev extra does: on a model that has no stored
reference outputs, with ``transformers`` absent, and checks that the comparison cells skip with a sentence and
that the printed labels name the model that ran.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

import pytest
from test_notebooks import NOTEBOOK_DIR, NOTEBOOKS, REPO, execute

from minibert.defaults import SHIPPED, ResolvedModel, short_name
from minibert.loading.reference_outputs import REFERENCE_FILE

SOURCES = sorted((NOTEBOOK_DIR / "src").glob("[0-9][0-9]_*.py"))
MODEL_NAMES = ("tiny-bert", "minilm", "minibert-pydocs", "bert-base")  # lowercase: matched case-insensitively
# Strings that name a model as a fact about that model, not as the lesson's: (notebook, string).
REFERENCE_FACTS = {("07_pooler_and_heads", " parameters here, 23M in bert-base)")}


def cells(source: Path) -> list[tuple[str, str]]:
    """(kind, text) per cell of a percent-format source, Markdown with its comment markers removed."""
    out, kind, lines = [], None, []
    for line in source.read_text(encoding="utf-8").splitlines() + ["# %%"]:
        if line.startswith("# %%"):
            if kind is not None:
                text = "\n".join(lines)
                if kind == "markdown":
                    text = "\n".join(x[2:] if x.startswith("# ") else x.lstrip("#") for x in lines)
                out.append((kind, text))
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    return out


def markdown(source: Path) -> str:
    return " ".join(" ".join(text.split()) for kind, text in cells(source) if kind == "markdown")


def code_strings(source: Path) -> list[str]:
    """Every string a code cell writes (constants and the literal parts of f-strings): titles, legends, prints."""
    found = []
    for kind, text in cells(source):
        if kind != "code":
            continue
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    return found


# Claims about the lesson's own model written by hand, each one that was there and went stale (issue 24 §6).
STALE_PROSE = [
    (r"\b(our|the) tiny (checkpoint|model)\b", "the lesson's model named 'the tiny checkpoint'"),
    (r"\bour tiny checkpoint(,| has)? \d+\b", "the lesson's model's depth written by hand"),
    (r"with random weights there is no meaning", "the lesson's model called random"),
    (r"\(random here\b", "the lesson's model's LayerNorm called random"),
    (r"\btiny checkpoint's (stored|encoder)", "the lesson's data or encoder called the tiny checkpoint's"),
]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_markdown_names_no_model_it_did_not_choose(source):
    text = markdown(source).lower()
    hits = [f"{why}: {m.group(0)!r}" for pattern, why in STALE_PROSE for m in re.finditer(pattern, text)]
    assert not hits, f"{source.name}: hand-written claims about the lesson's model: {hits}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_titles_and_legends_name_no_model_by_hand(source):
    """A string in a code cell may be a path part ("tiny-bert"), never a label that names a model: labels are
    computed (``ResolvedModel.label``), so they say what was loaded."""
    labels = [s for s in code_strings(source) if any(n in s.lower() for n in MODEL_NAMES)
              and s.strip().lower() not in MODEL_NAMES and "/" not in s and "not set" not in s
              and (source.stem, s) not in REFERENCE_FACTS]
    assert not labels, f"{source.name}: model names written into labels or output by hand: {labels}"


def test_only_the_last_notebook_ends_the_series():
    for source in SOURCES[:-1]:
        assert "end of the guided series" not in markdown(source).lower(), (
            f"{source.name} calls itself the end of the series, but {SOURCES[-1].name} follows")


def test_counts_of_test_sentences_are_the_tasks():
    """Notebook 11's transfer section: every count of test or validation sentences in its prose is its task's, built
    from the installed Python documentation (skipped without it, except in CI: MINIBERT_REQUIRE_PYDOCS=1)."""
    from minibert.speedrun import pydocs
    from minibert.speedrun import transfer as T
    from minibert.speedrun.corpus import pydocs_held_out

    if not pydocs.DOCS.is_dir():
        if os.environ.get("MINIBERT_REQUIRE_PYDOCS") == "1":
            pytest.fail(f"{pydocs.DOCS} is missing: {pydocs.INSTALL}")
        pytest.skip(f"{pydocs.DOCS} is missing: {pydocs.INSTALL}")
    task = T.build_task(*pydocs_held_out())
    text = markdown(NOTEBOOK_DIR / "src" / "11_fine_tuning.py")
    found = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"\b(\d+) (test|validation) sentences\b", text)]
    assert found, "notebook 11 no longer states how many test sentences its task has"
    wrong = [(n, kind) for n, kind in found if n != len(task.test if kind == "test" else task.val)]
    assert not wrong, f"notebook 11 speaks of {wrong}; the task has {len(task.test)} test, {len(task.val)} validation"


def test_exercises_doc_states_the_capstone_default_of_defaults_py():
    """docs/exercises.md: without --model the capstone runs the default rule, whose offline end is SHIPPED."""
    doc = (REPO / "docs" / "exercises.md").read_text(encoding="utf-8")
    paragraph = next(p for p in doc.split("\n\n") if "Without `--model`" in p)
    assert f"checkpoints/{SHIPPED.name}" in paragraph, paragraph
    assert not re.search(r"that is `checkpoints/tiny-bert`", paragraph), paragraph


def test_label_is_computed_from_the_model():
    class Config:
        num_hidden_layers = 4

    snapshot = "/cache/hub/models--google-bert--bert-base-uncased/snapshots/86b5e0934494bd15c9632b12f734a8a67f723594"
    assert short_name(snapshot) == "bert-base-uncased"
    # Of a Hub model or a user's folder nothing here knows whether it was trained: the label makes no claim.
    assert ResolvedModel(snapshot, "cached", True).label(Config()) == "bert-base-uncased, 4 layers"
    assert ResolvedModel(str(SHIPPED), "default", True).label(Config()) == f"{SHIPPED.name}, 4 layers (trained)"
    assert ResolvedModel("checkpoints/tiny-bert", "given", False).label() == "tiny-bert (RANDOM weights)"


# The online path: a model with no stored reference outputs (as the Hub's bert-base-uncased) and no transformers.
# A folder named unlike any shipped checkpoint, so a label that names it was computed, not written.
ONLINE_NAME = "online-model-without-reference"
BLOCK_TRANSFORMERS = ("import sys\n"
                      "sys.modules['transformers'] = None  # import transformers raises ImportError, as without "
                      "the dev extra\n")
# Notebooks whose comparison cells need a reference: each must say it skipped, not stop.
COMPARISONS = ("01_", "03_", "04_", "05_")


@pytest.fixture(scope="module")
def online_model(tmp_path_factory):
    """checkpoints/tiny-bert without its stored reference outputs, and a sitecustomize that hides transformers."""
    root = tmp_path_factory.mktemp("online")
    model = root / ONLINE_NAME
    shutil.copytree(REPO / "checkpoints" / "tiny-bert", model, ignore=shutil.ignore_patterns(REFERENCE_FILE))
    assert not (model / REFERENCE_FILE).exists()
    blocker = root / "no_transformers"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCK_TRANSFORMERS, encoding="utf-8")
    return model, blocker


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_online_without_transformers(path, online_model, monkeypatch):
    model, blocker = online_model
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MINIBERT_MODEL", str(model))
    monkeypatch.setenv("PYTHONPATH", f"{blocker}:{REPO}")  # the kernel imports this minibert, never transformers
    nb = execute(path)
    printed = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                        if o.get("output_type") == "stream")
    # A notebook that runs the chosen model names that model, never the default. (02 chooses none: it measures the
    # shipped minibert-pydocs vocabulary on purpose, by its path, against Chinese text.)
    if "resolve_model(" in (NOTEBOOK_DIR / "src" / f"{path.stem}.py").read_text(encoding="utf-8"):
        assert "minibert-pydocs" not in printed, f"{path.name} speaks of the default model, not the one it ran"
    if path.name.startswith("01_"):
        assert "transformers is not installed" in printed  # the kernel really ran without it
        assert f"{ONLINE_NAME}: 2 layers" in printed  # a folder outside checkpoints/: no claim about its training
    if path.name.startswith(COMPARISONS):
        assert "no reference to compare with" in printed, f"{path.name} compared with a reference it does not have"
    if path.name.startswith("06_"):
        assert f"{ONLINE_NAME}, 2 layers" in printed


def test_lesson_reference_skips_with_a_sentence_only_when_there_is_none(tmp_path, monkeypatch, capsys):
    from minibert.parity import reference

    bare = tmp_path / "bare"
    shutil.copytree(REPO / "checkpoints" / "tiny-bert", bare, ignore=shutil.ignore_patterns(REFERENCE_FILE))
    monkeypatch.setattr(reference, "reference_library", lambda: None)  # as without the dev extra
    assert reference.lesson_reference(bare) is None
    assert f"{bare} has no {REFERENCE_FILE} and transformers is not installed" in capsys.readouterr().out
    stored = reference.lesson_reference(REPO / "checkpoints" / "tiny-bert")  # stored outputs need no transformers
    assert stored is not None and "last_hidden_state" in stored
