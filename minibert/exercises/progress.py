"""``python -m minibert.exercises status --impl DIR``: where you stand on each exercise, and what to do next.

Every grader runs on DIR (as ``grade`` does); each exercise is then

* not started -- every case still says "not implemented yet";
* failing     -- with the known mistake the grader recognised (minibert/exercises/diagnosis.py), else the
                 first problem;
* passing     -- every case matches its snapshot.

The last lines say what to do next: the first exercise that does not pass, and whether the capstone (a whole
BERT on your functions, minibert/exercises/capstone.py) is ready to run.
"""

from __future__ import annotations

from minibert.exercises.capstone import FUNCTIONS
from minibert.exercises.catalog import EXERCISES

NOT_STARTED, FAILING, PASSING = "not started", "failing", "passing"


def state(rows: list[tuple[str, bool, str]]) -> tuple[str, str]:
    """(status, detail) of one exercise from its graded cases [(case, passed, message)]."""
    problems = [message for _, ok, message in rows if not ok]
    if rows and not problems:
        return PASSING, ""
    if rows and all("not implemented yet" in m for m in problems) and len(problems) == len(rows):
        return NOT_STARTED, ""
    first = problems[0] if problems else "no grader result; run: python -m minibert.exercises grade -v"
    return FAILING, first.split(" — ")[0] if first.startswith("Probably") else first


def status(source: str) -> int:
    from minibert.exercises.__main__ import run_graders

    results, _ = run_graders(list(EXERCISES), source)
    states = {ex.name: state(results.by_exercise.get(ex.name, [])) for ex in EXERCISES}
    n_pass = sum(s == PASSING for s, _ in states.values())
    print(f"Progress of {source!r}: {n_pass}/{len(EXERCISES)} exercises pass")
    width = max(len(ex.name) for ex in EXERCISES)
    for ex in EXERCISES:
        s, detail = states[ex.name]
        print(f"{ex.number:3d}  {ex.name:{width}}  {s:11s}  {detail}".rstrip())
    for error in results.collection_errors:
        print(f"collection error: {error}")

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
