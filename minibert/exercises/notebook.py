"""Grade a function written in a notebook cell, without leaving the notebook.

    from minibert.exercises.notebook import grade
    def gelu(x): ...
    grade("gelu", gelu)        # the same graders and snapshots as `python -m minibert.exercises grade gelu`
    grade("gelu", None)        # nothing written yet: says so and returns None (a notebook runs on unattended)

The learner's function runs in this process (no time limit: interrupt the cell to stop a hang; an
interrupted grading raises and never prints PASS). Returns True when every case passes, False otherwise (the
first problem is printed), None when skipped.
"""

from __future__ import annotations

import secrets

from minibert.exercises import adapters
from minibert.exercises.catalog import find


def grade(exercise: str | int, fn=None) -> bool | None:
    """Run exercise ``exercise``'s grader (a name or number) on ``fn``; print one line per result."""
    ex = find(str(exercise))
    if fn is None:
        print(f"exercise {ex.number} ({ex.name}): not graded, nothing handed over yet. Write `def {ex.name}(...)` "
              f"(signature and task: minibert/exercises/stubs/{ex.name}.py), then grade({ex.name!r}, {ex.name})")
        return None
    try:
        import pytest  # noqa: F401
    except ImportError:
        print("grading needs pytest: pip install pytest")
        return None
    from minibert.exercises.grading import run_graders

    seed = secrets.randbelow(10**6)
    adapters._in_memory[ex.name] = fn
    try:  # an interrupted grading raises (grading.Interrupted): it never prints PASS
        results, code = run_graders([ex], adapters.IN_MEMORY, seed=seed)
    finally:
        adapters._in_memory.pop(ex.name, None)
    outcome = results.outcome(ex.name)
    if outcome.passed:
        print(f"exercise {ex.number} ({ex.name}): PASS, {outcome.n_passed}/{outcome.expected} cases match the "
              f"reference")
        return True
    problem = outcome.first_problem() or f"no grader result (pytest exit code {code})"
    print(f"exercise {ex.number} ({ex.name}): FAIL, {outcome.n_passed}/{outcome.expected} cases pass "
          f"(cases drawn with seed {seed}). First problem: {problem}")
    return False
