"""``python -m minibert.exercises list | init [DIR] | grade [NAME ...] | status | capstone [--model M]``.

``init`` copies the stubs into a folder of your own (default ``my_exercises``), which you then edit and grade
with ``--impl DIR`` (or ``export MINIBERT_EXERCISES=DIR``): the package itself stays untouched.

``grade`` runs the pytest graders in minibert/exercises/graders on the chosen implementation and prints one
row per exercise: PASS when every case matches its snapshot, else FAIL with the first mismatch (which output,
which shape or value, by how much) or "not implemented yet". The exit code is 0 only when every graded
exercise passes. The same graders run under plain pytest: ``pytest minibert/exercises/graders --impl solutions``.

``status`` lists each exercise as not started / failing (with the mistake recognised) / passing, and says
what to do next (minibert/exercises/progress.py). ``capstone`` runs a whole BertModel on your functions
against the reference, module by module (minibert/exercises/capstone.py); its exit code is 0 only when every
module agrees.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from minibert.exercises.adapters import ENV_VAR, default_source
from minibert.exercises.catalog import EXERCISES, Exercise, find

GRADERS = Path(__file__).resolve().parent / "graders"
STUBS = Path(__file__).resolve().parent / "stubs"


class Results:
    """A pytest plugin that keeps each test's outcome and failure message, per exercise."""

    def __init__(self):
        self.by_exercise: dict[str, list[tuple[str, bool, str]]] = {}  # exercise -> [(case, passed, message)]
        self.mistakes: dict[str, list[str]] = {}  # exercise -> keys of the known mistakes recognised, per case
        self.collection_errors: list[str] = []

    @staticmethod
    def _message(report) -> str:
        longrepr = report.longrepr
        if isinstance(longrepr, str):  # our GradeFailure messages (see graders/conftest.py)
            return longrepr
        crash = getattr(longrepr, "reprcrash", None)
        if crash is not None:  # an error inside the implementation: say what and where
            return f"{crash.message} (at {crash.path}:{crash.lineno})"
        return str(longrepr).strip().splitlines()[-1]

    def pytest_runtest_logreport(self, report):
        if report.when != "call" and report.passed:  # setup/teardown matter only when they go wrong
            return
        module = report.nodeid.split("::")[0].rsplit("/", 1)[-1]  # test_<exercise>.py
        exercise = module.removeprefix("test_").removesuffix(".py")
        case = report.nodeid.rsplit("[", 1)[-1].rstrip("]") if "[" in report.nodeid else report.nodeid
        message = "" if report.passed else self._message(report)
        self.by_exercise.setdefault(exercise, []).append((case, report.passed, message))
        for key, value in report.user_properties:  # set by graders/conftest.py when a known mistake is named
            if key == "mistake":
                self.mistakes.setdefault(exercise, []).append(value)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {self._message(report)}")


def run_graders(exercises: list[Exercise], source: str, verbose: bool = False) -> tuple[Results, int]:
    """Run the graders of ``exercises`` on ``source`` with pytest, in this process; (results, pytest's exit code)."""
    import pytest

    results = Results()
    args = [str(GRADERS / f"test_{ex.name}.py") for ex in exercises]
    args += ["-c", str(GRADERS / "pytest.ini"), "--rootdir", str(GRADERS), "--impl", source]
    args += ["-v"] if verbose else ["-p", "no:terminal"]  # without -v, our table is the only report
    return results, int(pytest.main(args, plugins=[results]))


def grade(names: list[str], source: str, verbose: bool = False) -> int:
    """Grade ``names`` (all if empty) on ``source`` and print one row per exercise; 0 when all pass."""
    try:
        import pytest  # noqa: F401
    except ImportError:
        print("error: grading needs pytest: pip install pytest", file=sys.stderr)
        return 2
    try:
        exercises = [find(name) for name in names] if names else list(EXERCISES)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    results, code = run_graders(exercises, source, verbose)

    print(f"Grading {source!r} ({'the reference solutions' if source == 'solutions' else 'your implementation'})")
    width = max(len(ex.name) for ex in exercises)
    print(f"{'#':>3}  {'exercise':{width}}  result  cases  first problem")
    n_pass = 0
    for ex in exercises:
        rows = results.by_exercise.get(ex.name, [])
        passed = sum(ok for _, ok, _ in rows)
        ok = bool(rows) and passed == len(rows)
        n_pass += ok
        problem = next((msg for _, good, msg in rows if not good), "")
        if not rows:
            problem = f"no grader result (pytest exit code {code}); rerun with -v to see why"
        result = "PASS" if ok else "FAIL"
        print(f"{ex.number:3d}  {ex.name:{width}}  {result:6s}  {passed:>2}/{len(rows):<2}  {problem}".rstrip())
    for error in results.collection_errors:
        print(f"collection error: {error}")
    print(f"{n_pass}/{len(exercises)} exercises pass")
    return 0 if n_pass == len(exercises) and not results.collection_errors else 1


def list_exercises() -> int:
    for ex in EXERCISES:
        print(f"{ex.number:3d}  {ex.name:18s} {ex.summary}  [{ex.lesson}]")
    return 0


def init(folder: Path, force: bool = False) -> int:
    """Copy every stub into ``folder`` (created if needed); existing files are kept unless ``force``."""
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:  # a file where the folder (or one above it) should be: never replaced
        print(f"error: {blocking} is a file, not a folder; init copies the exercise stubs into a folder: give a "
              "new folder name (e.g. my_exercises)", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    kept = []
    for ex in EXERCISES:
        target = folder / f"{ex.name}.py"
        if target.exists() and not force:
            kept.append(target.name)
            continue
        shutil.copyfile(STUBS / f"{ex.name}.py", target)
    copied = len(EXERCISES) - len(kept)
    print(f"copied {copied} exercise stubs into {folder}/" + (f" (kept your {', '.join(kept)}; --force overwrites)"
                                                             if kept else ""))
    print(f"next: edit {folder / 'gelu.py'}, then run: python -m minibert.exercises grade gelu --impl {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minibert.exercises", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("list", help="the exercises, one line each")
    i = sub.add_parser("init", help="copy the stubs into a folder of your own to work in")
    i.add_argument("folder", nargs="?", type=Path, default=Path("my_exercises"), help="default: my_exercises")
    i.add_argument("--force", action="store_true", help="overwrite files already there")
    g = sub.add_parser("grade", help="grade exercises against the reference snapshots")
    g.add_argument("names", nargs="*", metavar="NAME", help="exercise names or numbers (default: all)")
    g.add_argument("-v", "--verbose", action="store_true", help="show pytest's own report too")
    st = sub.add_parser("status", help="each exercise: not started, failing (and why) or passing; what next")
    c = sub.add_parser("capstone", help="a whole BERT on your functions, compared with the reference module by module")
    c.add_argument("--model", default=None, help="checkpoint folder or Hub id (default: the default trained model)")
    c.add_argument("--device", default="cpu", help="cpu (default), cuda, ...")
    for p in (g, st, c):
        p.add_argument("--impl", default=None,
                       help=f"a folder made by `init` (or any .py file) with your solutions, stubs (the package's "
                            f"own stubs) or solutions (the reference); default: ${ENV_VAR}, else stubs")
    args = parser.parse_args(argv)
    if args.command == "list":
        return list_exercises()
    if args.command == "init":
        return init(args.folder, args.force)
    if args.command == "grade":
        return grade(args.names, args.impl or default_source(), args.verbose)
    if args.command == "status":
        from minibert.exercises.progress import status

        return status(args.impl or default_source())
    if args.command == "capstone":
        from minibert.exercises.capstone import capstone

        return capstone(args.impl or default_source(), args.model, args.device)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
