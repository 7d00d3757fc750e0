"""Grading in isolation, a class at once, on cases drawn at grade time; an interrupted grading never passes.

* ``grade --batch``: a roster with a correct student, a known mistake, a hang and an exit is graded in bounded
  time; the gradebook and the feedback are right, and the hang and the exit cost points only where they were;
* a crash, ``sys.exit``, runaway allocation or recursion gives that exercise 0 with the reason;
* a ``gelu`` that looks its answers up in the shipped snapshot fails the drawn cases;
* Ctrl-C (SIGINT) or SIGTERM during a hang, and ``os._exit(0)`` at import, never give PASS or exit 0.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minibert.exercises import adapters
from minibert.exercises.batch import check
from minibert.exercises.catalog import find
from minibert.exercises.drawn import DRAWN, draw
from minibert.exercises.grading import Interrupted, run_graders
from minibert.exercises.mistakes.layer_norm import MISTAKES as LAYER_NORM_MISTAKES
from minibert.exercises.notebook import grade as notebook_grade
from minibert.exercises.snapshot_io import encode, load_cases, load_snapshot

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "minibert" / "exercises" / "solutions"
UNBIASED = ("import torch\n\n\ndef layer_norm(x, weight, bias, eps):\n    mean = x.mean(-1, keepdim=True)\n"
            "    var = x.var(-1, keepdim=True)  # the mistake: torch.var divides by C - 1\n"
            "    return (x - mean) / torch.sqrt(var + eps) * weight + bias\n")
HANG = "def layer_norm(x, weight, bias, eps):\n    while True:\n        pass\n"
EXIT_AT_IMPORT = "import os\nos._exit(0)\n"


def cli(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MINIBERT_EXERCISES"}
    return subprocess.run([sys.executable, "-m", "minibert.exercises", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def student(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for exercise in ("gelu", "layer_norm"):
        text = files.get(exercise, (SOLUTIONS / f"{exercise}.py").read_text())
        (folder / f"{exercise}.py").write_text(text)
    return folder


def test_a_class_is_graded_and_each_failure_costs_only_its_exercise(tmp_path):
    roster = tmp_path / "submissions"
    student(roster, "alice", {})  # right
    bob = student(roster, "bob", {"layer_norm": UNBIASED})  # a catalogued mistake
    student(roster, "carol", {"layer_norm": HANG})  # hangs in layer_norm
    student(roster, "dave", {"gelu": EXIT_AT_IMPORT})  # ends the process in gelu
    out = tmp_path / "gradebook"
    run = cli(["grade", "gelu", "layer_norm", "--batch", str(roster), "--out", str(out), "--timeout", "5",
               "--seed", "3"], cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(out / "grades.csv", newline="") as f:
        assert list(csv.reader(f)) == [["student", "gelu", "layer_norm", "total"], ["alice", "1", "1", "2"],
                                       ["bob", "1", "0", "1"], ["carol", "1", "0", "1"], ["dave", "0", "1", "1"]]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["alice.md", "bob.md", "carol.md", "dave.md"]
    feedback = {p.stem: p.read_text() for p in (out / "feedback").iterdir()}
    n = len(load_snapshot("gelu")["cases"]) + DRAWN
    assert f"## 1. gelu: PASS {n}/{n} cases, 1 of 1 points" in feedback["alice"]
    assert "timed out after 5 s in layer_norm" in feedback["carol"] and "gelu: PASS" in feedback["carol"]
    assert "your code ended the grading process of gelu (exit code 0)" in feedback["dave"]
    assert "layer_norm: PASS" in feedback["dave"]
    unbiased = next(m for m in LAYER_NORM_MISTAKES if m.key == "unbiased_variance")
    assert unbiased.says in feedback["bob"]
    # The feedback says exactly what bob reads when he grades himself with the same seed.
    alone = cli(["grade", "layer_norm", "--impl", str(bob), "--seed", "3"], cwd=tmp_path)
    row = next(line for line in alone.stdout.splitlines() if line.split()[:2] == ["4", "layer_norm"])
    assert row.split(maxsplit=4)[4] == feedback["bob"].split("```text\n")[1].split("\n```")[0]


@pytest.mark.parametrize("code, reason", [
    ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "killed by SIGSEGV"),
    ("def gelu(x):\n    keep = []\n    while True:\n        keep.append(bytearray(10**8))\n", "MemoryError"),
    ("def gelu(x):\n    return gelu(x)\n", "RecursionError"),
])
def test_a_crash_an_exit_or_a_runaway_fails_that_exercise_with_the_reason(tmp_path, code, reason):
    (tmp_path / "gelu.py").write_text(code)
    run = cli(["grade", "gelu", "--impl", str(tmp_path), "--seed", "0", "--timeout", "60"], cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    row = next(line for line in run.stdout.splitlines() if line.split()[:2] == ["1", "gelu"])
    assert row.split()[2] == "FAIL" and reason in row, row


def test_a_learner_file_named_like_a_module_does_not_shadow_the_graders(tmp_path):
    mine = tmp_path / "mine"  # graded from its own working folder, a copy of this one
    mine.mkdir()
    (mine / "gelu.py").write_text((SOLUTIONS / "gelu.py").read_text())
    (mine / "json.py").write_text("raise ImportError('the json module of the learner')\n")
    run = cli(["grade", "gelu", "--impl", str(mine), "--seed", "0"], cwd=tmp_path)
    assert run.returncode == 0 and "1/1 exercises pass" in run.stdout, run.stdout + run.stderr


def test_a_gelu_that_looks_up_the_snapshot_fails_the_drawn_cases():
    stored = {tuple(case["inputs"]["x"].reshape(-1).tolist()): case["expected"]["y"] for case in load_cases("gelu")}

    def lookup_gelu(x):  # reproduces every shipped case and knows no maths
        return stored.get(tuple(x.reshape(-1).tolist()), x * 0)

    adapters._in_memory["gelu"] = lookup_gelu
    try:
        results, _ = run_graders([find("gelu")], adapters.IN_MEMORY, seed=0)
    finally:
        adapters._in_memory.pop("gelu")
    outcome = results.outcome("gelu")
    shipped = len(load_snapshot("gelu")["cases"])
    assert not outcome.passed and outcome.n_passed == shipped and outcome.expected == shipped + DRAWN
    assert all(ok == (not case.startswith("drawn_")) for case, ok, _ in outcome.cases)


def test_drawn_cases_repeat_from_their_seed_and_change_with_it():
    for name in ("gelu", "wordpiece", "attention", "qa_best_span"):
        assert encode(draw(name, 11)) == encode(draw(name, 11))
        assert encode(draw(name, 11)) != encode(draw(name, 12))


def test_a_mistake_is_named_on_the_drawn_cases_too(tmp_path):
    (tmp_path / "layer_norm.py").write_text(UNBIASED)
    results, _ = run_graders([find("layer_norm")], str(tmp_path), seed=5)
    drawn = [(ok, message) for case, ok, message in results.by_exercise["layer_norm"] if case.startswith("drawn_")]
    assert len(drawn) == DRAWN
    says = next(m for m in LAYER_NORM_MISTAKES if m.key == "unbiased_variance").says
    assert all(not ok and message.startswith(says) for ok, message in drawn), drawn


def test_a_gradebook_goes_only_where_nothing_would_be_lost(tmp_path):
    roster = tmp_path / "submissions"
    roster.mkdir()
    assert check(roster, tmp_path / "new") is None
    earlier = tmp_path / "earlier"
    (earlier / "feedback").mkdir(parents=True)
    (earlier / "grades.csv").write_text("student,gelu,total\nalice,1,1\n")
    (earlier / "feedback" / "alice.md").write_text("# Feedback: alice\n")
    assert check(roster, earlier) is None
    (earlier / "notes.txt").write_text("mine")
    assert "holds files that are not a gradebook (feedback, grades.csv, notes.txt)" in check(roster, earlier)
    assert "is inside --batch" in check(roster, roster / "gradebook")
    (tmp_path / "file").write_text("x")
    assert "is a file" in check(roster, tmp_path / "file")
    run = cli(["grade", "--batch", str(roster), "--out", str(earlier)], cwd=tmp_path)
    assert run.returncode == 2 and "notes.txt" in run.stderr and (earlier / "notes.txt").read_text() == "mine"



def test_a_new_gradebook_removes_only_dead_writers_temporaries(tmp_path, monkeypatch):
    """Killed writes left temporaries (.NAME.PID.XXXXXXXX.tmp): a dead writer's go, a live writer's stay."""
    from minibert.exercises import batch as batch_module
    from minibert.exercises.grading import Outcome

    monkeypatch.setattr(batch_module, "grade_isolated", lambda name, *a: Outcome(name, [("c", True, "")], 1))
    roster = tmp_path / "submissions"
    student(roster, "alice", {})
    out = tmp_path / "gradebook"
    (out / "feedback").mkdir(parents=True)
    (out / "grades.csv").write_text("student,gelu,total\nzoe,1,1\n")
    (out / "feedback" / "zoe.md").write_text("# Feedback: zoe\n")  # an earlier roster's student
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        temporaries = {
            out / "feedback" / f".zoe.md.{dead.pid}.abcd1234.tmp": False,  # dead writer, a student who left
            out / "feedback" / ".zoe.md.abcd1234.tmp": False,  # an older minibert's, without a process id
            out / "feedback" / f".alice.md.{dead.pid}.abcd1234.tmp": False,
            out / f".grades.csv.{dead.pid}.abcd1234.tmp": False,
            out / "feedback" / f".zoe.md.{live.pid}.abcd1234.tmp": True,  # another batch, writing now
            out / f".grades.csv.{live.pid}.abcd1234.tmp": True,
        }
        for path in temporaries:
            path.write_text("half")
        assert batch_module.batch(roster, out, [find("gelu")], seed=0, timeout=5) == 0
        assert {path.name: path.exists() for path in temporaries} == {path.name: kept for path, kept in
                                                                      temporaries.items()}
        assert sorted(p.name for p in (out / "feedback").glob("*.md")) == ["alice.md"]
    finally:
        live.kill()
        live.wait()


def _sandbox_children(pid: int) -> list[int]:
    """The grading processes (minibert.exercises.sandbox) started by process ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and b"minibert.exercises.sandbox" in cmdline:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the grading process through /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_grading_never_passes(tmp_path, sig):
    """A wordpiece that never advances, interrupted as a terminal's Ctrl-C (or a kill) would: no PASS, no 0."""
    (tmp_path / "wordpiece.py").write_text("def wordpiece(word, vocab, unk_token='[UNK]', "
                                           "max_input_chars_per_word=100):\n    while True:\n        pass\n")
    env = {k: v for k, v in os.environ.items() if k != "MINIBERT_EXERCISES"}
    # Started as a terminal starts a command, with Ctrl-C's default action: a suite started in the background by a
    # non-interactive shell (nohup ... &) ignores SIGINT, and a child inherits an ignored signal, so the grader
    # would never see the Ctrl-C this test sends. A handler (not "ignore") here is reset to the default in the child.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        grader = subprocess.Popen([sys.executable, "-m", "minibert.exercises", "grade", "wordpiece", "--impl",
                                   str(tmp_path), "--seed", "0"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not (children := _sandbox_children(grader.pid)):  # the learner's code is being graded now
            assert grader.poll() is None and time.monotonic() < deadline, "the grading process never started"
            time.sleep(0.1)
        grader.send_signal(sig)
        out, err = grader.communicate(timeout=60)
        # The grader must have ended the learner's code: it may take a moment to die after the grader exits (a
        # loaded machine), so wait up to 30 s for it, and only then count what is still running.
        deadline = time.monotonic() + 30
        while (survivors := _sandboxes_alive(children)) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        grader.kill()
        for child in children:  # a grader killed here leaves its endless learner code behind: end it too
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    assert grader.returncode == 130, (grader.returncode, out, err)
    assert "PASS" not in out and "exercises pass" not in out, out
    assert "interrupted: grading stopped before every case ran; nothing was graded" in err
    assert survivors == [], "the grader left the learner's code running"


def _sandboxes_alive(pids: list[int]) -> list[int]:
    """The pids still running the grading sandbox (a dead process not yet reaped has an empty cmdline)."""
    alive = []
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            if b"sandbox" in Path(f"/proc/{pid}/cmdline").read_bytes():
                alive.append(pid)
    return alive


def test_an_exit_at_import_is_a_failure_not_silence(tmp_path):
    (tmp_path / "wordpiece.py").write_text(EXIT_AT_IMPORT)
    run = cli(["grade", "wordpiece", "--impl", str(tmp_path), "--seed", "0"], cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL" in run.stdout and "PASS" not in run.stdout and "0/1 exercises pass" in run.stdout
    assert "your code ended the grading process of wordpiece (exit code 0)" in run.stdout


def test_an_interrupted_notebook_grading_never_prints_pass(capsys):
    """Interrupted after the shipped cases passed (as Ctrl-C in a notebook cell would): it raises, no PASS."""
    from minibert.exercises.solutions.gelu import gelu

    calls = []

    def interrupted_gelu(x):
        calls.append(1)
        if len(calls) > len(load_snapshot("gelu")["cases"]):
            raise KeyboardInterrupt
        return gelu(x)

    with pytest.raises(Interrupted):
        notebook_grade("gelu", interrupted_gelu)
    assert "PASS" not in capsys.readouterr().out
