"""The one thing every grader needs: the implementation under test, from the source the user chose."""

from __future__ import annotations

import pytest

from minibert.exercises.adapters import ENV_VAR, get_impl
from minibert.exercises.compare import GradeFailure


def pytest_addoption(parser):
    parser.addoption("--impl", default=None,
                     help=f"what to grade: stubs (default), solutions, or a path (default: ${ENV_VAR} or stubs)")


@pytest.fixture(scope="session")
def impl(request):
    """``impl("gelu")`` -> the ``gelu`` function of the chosen source; a source that cannot provide it fails."""
    source = request.config.getoption("--impl")

    def lookup(name: str):
        try:
            return get_impl(name, source)
        except (ImportError, FileNotFoundError, AttributeError, SyntaxError) as err:
            pytest.fail(f"cannot load exercise {name!r}: {type(err).__name__}: {err}", pytrace=False)

    return lookup


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A grading failure is reported as its one-line message: the traceback would only show grader code.

    Errors raised inside the learner's own code (TypeError, IndexError, ...) keep their full traceback.
    """
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(GradeFailure):
        report.longrepr = str(call.excinfo.value)
        if call.excinfo.value.mistake:  # a known mistake recognised (minibert/exercises/diagnosis.py)
            report.user_properties.append(("mistake", call.excinfo.value.mistake))
