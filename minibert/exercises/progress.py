"""``python -m minibert.exercises status --impl DIR``: where you stand on each exercise, and what to do next.

Every grader runs on DIR as ``grade`` does (each exercise in a fenced process, with a time limit, on the
snapshot's cases and freshly drawn ones); each exercise is then

* not started -- every case still says "not implemented yet";
* failing     -- with the known mistake the grader recognised (minibert/exercises/diagnosis.py), else the
                 first problem;
* passing     -- every case matches its snapshot.

The last lines say what to do next: the first exercise that does not pass, and whether the capstone (a whole
BERT on your functions, minibert/exercises/capstone.py) is ready to run.
"""

from __future__ import annotations

import secrets
import sys

from minibert.exercises.capstone import FUNCTIONS
from minibert.exercises.catalog import EXERCISES
from minibert.exercises.grading import Interrupted, Outcome
from minibert.exercises.isolation import DEFAULT_TIMEOUT, grade_isolated

NOT_STARTED, FAILING, PASSING = "not started", "failing", "passing"


def state(outcome: Outcome) -> tuple[str, str]:
    """(status, detail) of one graded exercise."""
    problems = [message for _, ok, message in outcome.cases if not ok]
    if outcome.passed:
        return PASSING, ""
    if not outcome.problem and problems and len(problems) == outcome.expected and \
            all("not implemented yet" in m for m in problems):
        return NOT_STARTED, ""
    first = outcome.first_problem() or "no grader result; run: python -m minibert.exercises grade -v"
    return FAILING, first.split(" — ")[0] if first.startswith("Probably") else first


def status(source: str, seed: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> int:
    seed = secrets.randbelow(10**6) if seed is None else seed
    try:
        outcomes = {ex.name: grade_isolated(ex.name, source, seed, timeout) for ex in EXERCISES}
    except (Interrupted, KeyboardInterrupt):
        print("interrupted: grading stopped before every case ran; nothing was graded", file=sys.stderr)
        return 130
    states = {name: state(outcome) for name, outcome in outcomes.items()}
    n_pass = sum(s == PASSING for s, _ in states.values())
    print(f"Progress of {source!r}: {n_pass}/{len(EXERCISES)} exercises pass")
    width = max(len(ex.name) for ex in EXERCISES)
    for ex in EXERCISES:
        s, detail = states[ex.name]
        print(f"{ex.number:3d}  {ex.name:{width}}  {s:11s}  {detail}".rstrip())

    todo = next((ex for ex in EXERCISES if states[ex.name][0] != PASSING), None)
    if todo is not None:
        how = ("write", "its docstring says what to compute") if states[todo.name][0] == NOT_STARTED else \
            ("fix", "its line above says what is wrong")
        print(f"next: {how[0]} {todo.name} (exercise {todo.number}; {how[1]}), then: "
              f"python -m minibert.exercises grade {todo.number} --impl {source}")
    missing = [name for name in FUNCTIONS if states[name][0] != PASSING]
    if missing:
        print(f"capstone (your functions in a whole BERT): needs {', '.join(missing)} to pass first")
    else:
        print(f"{'next' if todo is None else 'also'}: the capstone, a whole BERT on your functions: "
              f"python -m minibert.exercises capstone --impl {source}")
    return 0
