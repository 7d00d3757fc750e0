"""Grade a function written in a notebook cell, without leaving the notebook.

    from minibert.exercises.notebook import grade
    def gelu(x): ...
    grade("gelu", gelu)        # the same graders and snapshots as `python -m minibert.exercises grade gelu`
    grade("gelu", None)        # nothing written yet: says so and returns None (a notebook runs on unattended)

Returns True when every case passes, False otherwise (the first problem is printed), None when skipped.
"""

from __future__ import annotations

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
    from minibert.exercises.__main__ import run_graders

    adapters._in_memory[ex.name] = fn
    try:
        results, code = run_graders([ex], adapters.IN_MEMORY)
    finally:
        adapters._in_memory.pop(ex.name, None)
    rows = results.by_exercise.get(ex.name, [])
    passed = sum(ok for _, ok, _ in rows)
    if rows and passed == len(rows) and not results.collection_errors:
        print(f"exercise {ex.number} ({ex.name}): PASS, {passed}/{len(rows)} cases match the reference")
        return True
    problem = next((msg for _, ok, msg in rows if not ok), "") or "; ".join(results.collection_errors) or \
        f"no grader result (pytest exit code {code})"
    print(f"exercise {ex.number} ({ex.name}): FAIL, {passed}/{len(rows)} cases pass. First problem: {problem}")
    return False
