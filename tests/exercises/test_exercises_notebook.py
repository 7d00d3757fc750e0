"""minibert.exercises.notebook.grade: the in-notebook grading call on a function the learner wrote there."""

import pytest
import torch

pytest.importorskip("pytest")
from minibert.exercises import adapters  # noqa: E402
from minibert.exercises.notebook import grade  # noqa: E402
from minibert.exercises.solutions.gelu import gelu as reference_gelu  # noqa: E402


def test_nothing_written_yet_skips_without_raising(capsys):
    assert grade("gelu", None) is None
    assert "not graded" in capsys.readouterr().out


def test_a_right_function_passes_and_a_wrong_one_fails_with_the_graders_message(capsys):
    assert grade(1, reference_gelu) is True
    assert "PASS" in capsys.readouterr().out
    assert grade("gelu", lambda x: torch.nn.functional.gelu(x, approximate="tanh")) is False
    out = capsys.readouterr().out
    assert "FAIL" in out and "values differ" in out  # the grader's own message
    assert adapters._in_memory == {}  # nothing left behind for the next call


def test_a_stub_is_not_implemented_yet(capsys):
    def gelu(x):
        raise NotImplementedError("not implemented yet: write exact GELU")

    assert grade("gelu", gelu) is False
    assert "not implemented yet" in capsys.readouterr().out
