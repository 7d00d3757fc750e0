"""What every grader needs: the implementation under test, from the source the user chose, and its cases."""

from __future__ import annotations

import secrets

import pytest

from minibert.exercises.adapters import ENV_VAR, get_impl
from minibert.exercises.compare import GradeFailure


def pytest_addoption(parser):
    parser.addoption("--impl", default=None,
                     help=f"what to grade: stubs (default), solutions, or a path (default: ${ENV_VAR} or stubs)")
    parser.addoption("--seed", type=int, default=None,
                     help="seed of the cases drawn besides the snapshot's (default: a fresh one, printed)")


def pytest_configure(config):
    if config.getoption("--seed", None) is None:
        config.option.seed = secrets.randbelow(10**6)


def pytest_report_header(config):
    return f"exercise cases drawn with --seed {config.getoption('--seed')}"


def pytest_generate_tests(metafunc):
    """Each grader's ``case``: its snapshot cases, then the cases drawn from --seed (graders/common.py)."""
    if "case" in metafunc.fixturenames:
        from minibert.exercises.graders.common import cases

        name = metafunc.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
        metafunc.parametrize("case", cases(name, metafunc.config.getoption("--seed")))


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
