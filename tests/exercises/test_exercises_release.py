"""The student release (``python -m minibert.exercises release OUT``) holds no solution and checks itself.

* no line of any reference solution's body (minibert/exercises/solutions/*.py) appears anywhere in OUT:
  not in the notebooks (their cells' text), the snapshots (their strings), the stubs, check.py or README;
* OUT's self-check runs without minibert importable (a subprocess with ``-I -S`` and only the site-packages
  folder torch lives in on its path, with minibert's editable-install hook never loaded): on a stub it says
  "not implemented yet" (FAIL), on a copy of the reference solutions placed there by the test it passes, and
  on a planted mistake it names that mistake;
* OUT holds the 12 notebooks, none with an answer cell, each answer cell of the full notebook replaced by its
  "your turn" stub;
* OUT follows the rule of every command that writes: a foreign non-empty folder is refused unless --overwrite.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from test_notebooks import execute

from minibert.exercises.__main__ import main
from minibert.exercises.catalog import EXERCISES
from minibert.exercises.notebook_source import build, parse_cells

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "minibert" / "exercises" / "solutions"
SOURCES = REPO / "notebooks" / "src"

# "Trivial" lines, defined narrowly: they say nothing about how the exercise is solved, and banning them would
# ban ordinary Python. A lone keyword (pass, continue, break, else:, try:, finally:), a bare `return` or
# `return NAME` (which name is returned is not the answer), a line of brackets and commas closing a
# statement, and a line that only reads an input's shape into names (`B, T, C = x.shape`, `d = q.shape[-1]`):
# the stubs' docstrings state those shapes. Every other line of a solution's body counts, however short.
TRIVIAL = re.compile(r"^(pass|continue|break|else:|try:|finally:|return|return \w+|[()\[\]{},:]+"
                     r"|\w+(, \w+)* = \w+\.shape(\[-?\d+\])?)$")


def solution_lines() -> list[tuple[str, str]]:
    """(file, code) for every non-trivial line of every solution function's body: blank lines, comments
    (whole-line and trailing) and docstrings left out, whitespace collapsed."""
    found = []
    for path in sorted(SOLUTIONS.glob("[a-z]*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):  # the docstring
                body = body[1:]
            for n in range(body[0].lineno, node.end_lineno + 1):
                code = re.split(r"\s+#", lines[n - 1])[0].strip()
                code = " ".join(code.split())
                if code and not code.startswith("#") and not TRIVIAL.match(code):
                    found.append((path.name, code))
    return found


def strings(value) -> list[str]:
    """Every string inside a decoded JSON value (a notebook's cell sources, a snapshot's texts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def texts(folder: Path) -> dict[str, str]:
    """Each file under ``folder`` as searchable text, whitespace collapsed; JSON files (notebooks, snapshots)
    by their decoded strings, so that an escaped quote or a line split across a list still matches."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        raw = path.read_text(encoding="utf-8")
        if path.suffix in (".json", ".ipynb"):
            value = json.loads(raw)
            if path.suffix == ".ipynb":  # a cell's source is a list of lines: join each cell's
                raw = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                                for c in value["cells"])
            else:
                raw = "\n".join(strings(value))
        found[str(path.relative_to(folder))] = " ".join(raw.split())
    return found


def leaks(folder: Path) -> list[str]:
    return [f"{name}: {code!r} in {where}" for name, code in solution_lines()
            for where, text in texts(folder).items() if code in text]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "out"
    assert main(["release", str(out)]) == 0
    return out


def test_the_scan_finds_solution_lines_where_they_are():
    """The scan is not vacuous: it finds many lines, and finds them in the solutions themselves and in the
    full notebook that works attention by hand (which the release leaves out)."""
    lines = solution_lines()
    assert len(lines) > 60 and {name for name, _ in lines} == {f"{ex.name}.py" for ex in EXERCISES}
    assert not any(TRIVIAL.match(code) for _, code in lines)
    assert len(leaks(SOLUTIONS)) >= len(lines)
    assert any("q @ k.transpose(-1, -2) / math.sqrt(d)" in leak for leak in leaks(REPO / "notebooks" / "src"))


def test_no_line_of_any_solution_appears_in_the_release(release):
    assert leaks(release) == []
    assert not (release / "solutions").exists() and not list(release.rglob("*mistake*"))


def test_the_release_holds_what_a_student_needs(release):
    names = sorted(str(p.relative_to(release)) for p in release.rglob("*") if p.is_file())
    expected = (["README.md", "check.py"] + [f"exercises/{ex.name}.py" for ex in EXERCISES]
                + [f"snapshots/{ex.name}.json" for ex in EXERCISES]
                + [f"notebooks/{s.stem}.ipynb" for s in sorted(SOURCES.glob("[0-9][0-9]_*.py"))])
    assert sorted(n for n in names if not n.startswith(".")) == sorted(expected)
    assert len([n for n in names if n.startswith("notebooks/")]) == 12
    for ex in EXERCISES:
        stub = (REPO / "minibert" / "exercises" / "stubs" / f"{ex.name}.py").read_bytes()
        assert (release / "exercises" / f"{ex.name}.py").read_bytes() == stub


def test_notebooks_have_no_answer_cell_and_a_stub_for_each(release):
    n_answers = {}
    for source in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        full = json.loads(build(source))
        answers = ["".join(c["source"]) for c in full["cells"] if "answer" in c["metadata"].get("tags", [])]
        student = json.loads((release / "notebooks" / f"{source.stem}.ipynb").read_text(encoding="utf-8"))
        tags = [t for c in student["cells"] for t in c["metadata"].get("tags", [])]
        cells = ["".join(c["source"]) for c in student["cells"]]
        assert "answer" not in tags, source.name
        assert tags.count("your-turn") == len(answers), source.name
        assert not any(answer in cells for answer in answers), source.name
        n_answers[source.name[:2]] = len(answers)
    # Each exercise a notebook works by hand: pair_inputs; wordpiece; layer_norm; split_heads, attention;
    # add_and_norm, gelu; add_and_norm again (06, a recap: a whole layer from two of them); pooler; tf_to_hf_keys;
    # prune_heads_index; wordpiece_trainer, adamw_step; ner_label_alignment, qa_windows; layer_flops. (Notebook
    # 03's lookups and 07's span search use minibert's own modules: no answer to withhold.)
    assert {k: v for k, v in n_answers.items() if v} == {"01": 1, "02": 1, "03": 1, "04": 2, "05": 2, "06": 1,
                                                         "07": 1, "08": 1, "09": 1, "10": 2, "11": 2, "12": 1}


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["02_tokenizer", "03_embeddings", "04_self_attention",
                                  "05_attention_output_feed_forward", "07_pooler_and_heads", "10_pre_training",
                                  "11_fine_tuning"])
def test_student_notebooks_with_stubs_run_top_to_bottom(stem, tmp_path, monkeypatch):
    """Each stub stands in for its answer cell: the student's notebook runs on, every later assert holding."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = tmp_path / f"{stem}.ipynb"
    path.write_text(build(SOURCES / f"{stem}.py", student=True), encoding="utf-8")
    execute(path)


def test_an_answer_cell_needs_its_stub(tmp_path):
    text = "# %%\nx = 1\n\n# %% [answer]\ny = x + 1\n\n# %% [stub]\ny = 2\n"
    assert ["".join(c.source) for c in parse_cells(text, Path("n.py"))] == ["x = 1", "y = x + 1"]
    assert ["".join(c.source) for c in parse_cells(text, Path("n.py"), student=True)] == ["x = 1", "y = 2"]
    with pytest.raises(ValueError, match=r"n.py:3: an '# %% \[answer\]' cell must be followed by its"):
        parse_cells("# %%\nx = 1\n# %% [answer]\ny = 2\n# %%\nz = 3\n", Path("n.py"))
    with pytest.raises(ValueError, match=r"n.py:3: a '# %% \[stub\]' cell must follow"):
        parse_cells("# %%\nx = 1\n# %% [stub]\ny = 2\n", Path("n.py"))


def self_check(release: Path, *args: str) -> subprocess.CompletedProcess:
    """OUT/check.py in a Python that cannot import minibert: isolated (-I: no PYTHONPATH, no user site, no
    current folder), no site (-S: no .pth file, so not the editable install's hook), and only the folder
    torch lives in on sys.path. It first proves minibert is not importable there."""
    torch_site = str(Path(torch.__file__).resolve().parents[1])
    program = ("import importlib.util, runpy, sys\n"
               f"sys.path.append({torch_site!r})\n"
               "assert importlib.util.find_spec('minibert') is None, 'minibert is importable'\n"
               f"sys.argv = ['check.py', *{list(args)!r}]\n"
               f"runpy.run_path({str(release / 'check.py')!r}, run_name='__main__')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-I", "-S", "-c", program], capture_output=True, text=True,
                          cwd=release.parent, env=env, timeout=300)


def test_self_check_on_the_stubs_says_not_implemented(release):
    result = self_check(release, "gelu", "attention")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[:2] == ["gelu               FAIL  case grid: not implemented yet",
                                              "attention          FAIL  case no_mask: not implemented yet"]


def test_self_check_passes_the_reference_solutions(release, tmp_path):
    mine = tmp_path / "mine"
    shutil.copytree(SOLUTIONS, mine, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    result = self_check(release, "--impl", str(mine))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" PASS ") == len(EXERCISES)


MISTAKES = {  # exercise -> (a learner's file making one catalogued mistake, its key)
    "gelu": ("import math\nimport torch\n\ndef gelu(x):\n"
             "    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))\n",
             "tanh_approximation"),
    "layer_norm": ("import torch\n\ndef layer_norm(x, weight, bias, eps):\n"
                   "    mean = x.mean(-1, keepdim=True)\n"
                   "    return (x - mean) / torch.sqrt(x.var(-1, keepdim=True) + eps) * weight + bias\n",
                   "unbiased_variance"),
    "linear_schedule": ("def linear_schedule(step, num_warmup_steps, num_training_steps):\n"
                        "    if step < num_warmup_steps:\n        return step / max(1, num_warmup_steps)\n"
                        "    return (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps)\n",
                        "negative_after_end"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_self_check_names_a_planted_mistake(release, tmp_path, name):
    code, key = MISTAKES[name]
    (tmp_path / f"{name}.py").write_text(code, encoding="utf-8")
    result = self_check(release, name, "--impl", str(tmp_path))
    assert result.returncode == 1, result.stderr
    says = next(m["says"] for m in json.loads((release / "snapshots" / f"{name}.json").read_text())["mistakes"]
                if m["key"] == key)
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"{name:18s} FAIL  case ") and says in line
    assert f"equals what mistake {key} gives" in line


def test_release_refuses_a_foreign_folder_and_rewrites_its_own(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["release", str(out)]) == 1
    assert "not an empty folder nor an earlier exercises release" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert main(["release", str(out), "--overwrite"]) == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine" and (out / "check.py").is_file()
    assert main(["release", str(out)]) == 0  # an earlier release: rewritten without --overwrite


def test_release_without_the_notebook_sources_says_where_they_are(tmp_path, capsys):
    assert main(["release", str(tmp_path / "out"), "--notebooks", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: expected the 12 notebook sources NN_name.py in ") and "--notebooks" in err
    assert not (tmp_path / "out").exists()
