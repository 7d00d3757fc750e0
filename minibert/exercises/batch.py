"""``grade --batch SUBMISSIONS --out GRADEBOOK``: a whole class graded, one gradebook and one feedback file each.

SUBMISSIONS holds one folder per student, as ``init`` makes it (``SUBMISSIONS/<student>/<exercise>.py``).
Every exercise of every student is graded in a process of its own (minibert/exercises/isolation.py), so a
hang, a crash or an exit costs that exercise only. GRADEBOOK gets

* ``grades.csv``: ``student``, one column per exercise, ``total``; an exercise's points are
  (cases passed / cases) x its points in the catalogue, rounded to 2 decimals;
* ``feedback/<student>.md``: each exercise's result with the message the student would read alone.

Both are written atomically once every student is graded; an interrupted batch writes nothing. A non-empty
GRADEBOOK that is not an earlier gradebook is refused, as is a GRADEBOOK inside SUBMISSIONS.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from pathlib import Path

from minibert.exercises.grading import Outcome
from minibert.exercises.isolation import grade_isolated
from minibert.loading.atomic import atomic_write_bytes, remove_stale_temporaries

# A killed write's temporary of a feedback file, .NAME.PID.XXXXXXXX.tmp (minibert/loading/atomic.py; older ones
# without PID): NAME is the file it was saving, and ends in .md, which tells it from the digits of the PID.
_TEMPORARY = re.compile(r"\.(?P<name>.+\.md)\.(?:\d+\.)?[a-z0-9_]{8}\.tmp")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def earned(ex, outcome: Outcome) -> float:
    """(cases passed / cases) x the exercise's points; 0 when it could not be graded."""
    if outcome.problem or not outcome.expected:
        return 0.0
    return ex.points * min(outcome.n_passed, outcome.expected) / outcome.expected


def row(ex, outcome: Outcome) -> str:
    """The line the learner reads alone in ``grade``'s table (without the number and name)."""
    return f"{'PASS' if outcome.passed else 'FAIL'} {outcome.n_passed}/{outcome.expected}"


def feedback(student: str, graded: list[tuple], seed: int, timeout: float) -> str:
    total, most = sum(earned(ex, o) for ex, o in graded), sum(ex.points for ex, _ in graded)
    lines = [f"# Feedback: {student}", "",
             f"{_points(total)} of {_points(most)} points. Each exercise ran on its snapshot cases and on cases drawn "
             f"from seed {seed}, in a process of its own with a {timeout:g} s limit. To see the same on your own "
             f"copy: `python -m minibert.exercises grade --impl YOUR_FOLDER --seed {seed} --timeout {timeout:g}`.", ""]
    for ex, outcome in graded:
        lines += [f"## {ex.number}. {ex.name}: {row(ex, outcome)} cases, {_points(earned(ex, outcome))} of "
                  f"{_points(ex.points)} points", ""]
        problem = outcome.first_problem()
        lines += ["```text", problem, "```", ""] if problem else []
    return "\n".join(lines)


def _earlier_gradebook(out: Path) -> bool:
    """``out`` holds only what a batch writes: grades.csv (starting with the 'student' column) and feedback/*.md."""
    for entry in out.iterdir():
        if entry.name == "grades.csv" and entry.is_file():
            with open(entry, encoding="utf-8", errors="replace") as f:
                if not f.readline().startswith("student,"):
                    return False
        elif entry.name == "feedback" and entry.is_dir():
            if any(not (f.is_file() and f.suffix in (".md", ".tmp")) for f in entry.iterdir()):
                return False
        elif not (entry.name.startswith(".grades.csv.") and entry.suffix == ".tmp"):  # a killed write's
            return False
    return True


def check(submissions: Path, out: Path) -> str | None:
    """Why this batch cannot run (one sentence), or None."""
    if not submissions.is_dir():
        return f"--batch {submissions}: not a folder (expected one folder per student, as `init` makes them)"
    if out.exists() and not out.is_dir():
        return f"--out {out}: is a file, not a folder; name a new folder for the gradebook"
    if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
        return f"--out {out}: is inside --batch {submissions}; it would be graded as a student next time"
    if out.is_dir() and any(out.iterdir()) and not _earlier_gradebook(out):
        names = ", ".join(sorted(p.name for p in out.iterdir())[:5])
        return (f"--out {out}: holds files that are not a gradebook ({names}); they would be lost: name an empty "
                f"or new folder")
    return None


def batch(submissions: Path, out: Path, exercises, seed: int, timeout: float) -> int:
    if (problem := check(submissions, out)) is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        print(f"error: --batch {submissions}: no student folders in it", file=sys.stderr)
        return 2
    print(f"Grading {_count(len(students), 'student')} on {_count(len(exercises), 'exercise')}; cases drawn with "
          f"seed {seed} (to repeat: --seed {seed}); at most {timeout:g} s per exercise")
    table, texts = [], {}
    for i, folder in enumerate(students, 1):
        graded = [(ex, grade_isolated(ex.name, str(folder), seed, timeout)) for ex in exercises]
        points = [earned(ex, o) for ex, o in graded]
        table.append([folder.name, *map(_points, points), _points(sum(points))])
        texts[folder.name] = feedback(folder.name, graded, seed, timeout)
        print(f"  {i}/{len(students)}  {folder.name}: {_points(sum(points))} of "
              f"{_points(sum(ex.points for ex in exercises))} points", flush=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([["student", *(ex.name for ex in exercises), "total"], *table])
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        atomic_write_bytes(out / "feedback" / f"{name}.md", text.encode("utf-8"))
    for stale in (out / "feedback").glob("*.md"):  # an earlier gradebook's students no longer in the roster
        if stale.stem not in texts:
            stale.unlink()
    # Killed writes' temporaries: each save above (and of grades.csv below) removes its own file's, and these
    # lines those of feedback files no longer written (students who left). Only a dead writer's: a live one's
    # (another batch writing this gradebook now) stays.
    for name in sorted({m["name"] for m in map(_TEMPORARY.fullmatch, os.listdir(out / "feedback")) if m}):
        remove_stale_temporaries(out / "feedback" / name)
    atomic_write_bytes(out / "grades.csv", buffer.getvalue().encode("utf-8"))
    print(f"wrote {out / 'grades.csv'} and {_count(len(texts), 'feedback file')} in {out / 'feedback'}")
    return 0
