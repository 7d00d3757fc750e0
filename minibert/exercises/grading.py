"""Running the pytest graders in this process, and what one exercise's grading comes to.

:func:`run_graders` runs the graders (minibert/exercises/graders) with pytest, here, and keeps each case's
outcome and message. It is what the isolated child runs (minibert/exercises/sandbox.py) and what a notebook
runs (minibert/exercises/notebook.py). A grading that did not finish never counts as a pass: when pytest is
interrupted (Ctrl-C, SIGTERM) :func:`run_graders` raises :class:`Interrupted`, and an exercise passes only
when every case it collected reported a pass (:meth:`Outcome.passed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

GRADERS = Path(__file__).resolve().parent / "graders"


class Interrupted(Exception):
    """The grading was interrupted before every case ran: nothing may be reported as passing."""


@dataclass
class Outcome:
    """One exercise graded: ``cases`` [(case, passed, message)], ``expected`` how many cases there are,
    ``mistakes`` the keys of the mistakes recognised, ``problem`` why it could not be graded (timeout, ...)."""

    exercise: str
    cases: list = field(default_factory=list)
    expected: int = 0
    mistakes: list = field(default_factory=list)
    problem: str = ""

    @property
    def n_passed(self) -> int:
        return sum(bool(ok) for _, ok, _ in self.cases)

    @property
    def passed(self) -> bool:
        return not self.problem and self.expected > 0 and self.n_passed == self.expected == len(self.cases)

    def first_problem(self) -> str:
        """What the learner reads first: why it was not graded, else the first failing case's message."""
        if self.problem:
            return self.problem
        message = next((msg for _, ok, msg in self.cases if not ok), "")
        if not message and not self.passed:
            return f"only {len(self.cases)} of {self.expected} cases were graded; rerun with -v to see why"
        return message


class Results:
    """A pytest plugin that keeps each test's outcome and failure message, per exercise."""

    def __init__(self):
        self.by_exercise: dict[str, list[tuple[str, bool, str]]] = {}  # exercise -> [(case, passed, message)]
        self.collected: dict[str, int] = {}  # exercise -> number of cases collected
        self.mistakes: dict[str, list[str]] = {}  # exercise -> keys of the known mistakes recognised, per case
        self.collection_errors: list[str] = []
        self._failed_collections: list[str] = []  # the exercise of each collection error

    @staticmethod
    def _exercise(nodeid: str) -> str:
        module = nodeid.split("::")[0].rsplit("/", 1)[-1]  # test_<exercise>.py
        return module.removeprefix("test_").removesuffix(".py")

    @staticmethod
    def _message(report) -> str:
        longrepr = report.longrepr
        if isinstance(longrepr, str):  # our GradeFailure messages (see graders/conftest.py)
            return longrepr
        crash = getattr(longrepr, "reprcrash", None)
        if crash is not None:  # an error inside the implementation: say what and where
            return f"{crash.message} (at {crash.path}:{crash.lineno})"
        return str(longrepr).strip().splitlines()[-1]

    def pytest_collection_modifyitems(self, items):
        for item in items:
            name = self._exercise(item.nodeid)
            self.collected[name] = self.collected.get(name, 0) + 1

    def pytest_runtest_logreport(self, report):
        if report.when != "call" and report.passed:  # setup/teardown matter only when they go wrong
            return
        exercise = self._exercise(report.nodeid)
        case = report.nodeid.rsplit("[", 1)[-1].rstrip("]") if "[" in report.nodeid else report.nodeid
        message = "" if report.passed else self._message(report)
        self.by_exercise.setdefault(exercise, []).append((case, report.passed, message))
        for key, value in report.user_properties:  # set by graders/conftest.py when a known mistake is named
            if key == "mistake":
                self.mistakes.setdefault(exercise, []).append(value)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {self._message(report)}")
            self._failed_collections.append(self._exercise(report.nodeid))

    def outcome(self, exercise: str) -> Outcome:
        problem = "; ".join(f"collection error: {error}" for error, name in
                            zip(self.collection_errors, self._failed_collections) if name == exercise)
        return Outcome(exercise, list(self.by_exercise.get(exercise, [])), self.collected.get(exercise, 0),
                       list(self.mistakes.get(exercise, [])), problem)


def run_graders(exercises, source: str, verbose: bool = False, seed: int | None = None) -> tuple[Results, int]:
    """Run the graders of ``exercises`` on ``source`` with pytest, in this process; (results, pytest's exit code).

    ``seed`` draws the fresh cases (None: a fresh seed). Raises :class:`Interrupted` when pytest was
    interrupted (its KeyboardInterrupt handling would otherwise hand back the cases that ran as if complete).
    """
    import pytest

    results = Results()
    args = [str(GRADERS / f"test_{ex.name}.py") for ex in exercises]
    args += ["-c", str(GRADERS / "pytest.ini"), "--rootdir", str(GRADERS), "--impl", source]
    args += ["--seed", str(seed)] if seed is not None else []
    args += ["-v"] if verbose else ["-p", "no:terminal"]  # without -v, our table is the only report
    code = int(pytest.main(args, plugins=[results]))
    if code == int(pytest.ExitCode.INTERRUPTED):
        raise Interrupted("grading interrupted before every case ran")
    return results, code
