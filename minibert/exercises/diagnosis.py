"""Naming the mistake: what a learner probably did, recognised from what their function returns.

"75 of 97 values differ" is true, but it does not say what is wrong. Each exercise has a catalogue of the
mistakes learners typically make (``minibert/exercises/mistakes/<name>.py``), each a :class:`Mistake`:

* a one-sentence diagnosis: what the learner probably did, and where to look;
* how to recognise it, by behaviour only: either the output the mistake produces (``output``, a function
  with the exercise's signature that makes exactly that mistake), or a test of the property the mistake
  breaks (``test``, e.g. "the factor never reaches 0").

When a case fails, :func:`diagnose` runs every mistake on the same inputs and puts the sentence of the first
one whose output equals the learner's (within the grader's tolerance) before the numbers. The learner's
source is never read: two programs that return the same numbers get the same diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from minibert.exercises.compare import GradeFailure


@dataclass(frozen=True)
class Mistake:
    key: str  # short, stable name (the tests plant each one by it)
    says: str  # one sentence, starting "Probably ...": what was done instead, and where to look
    output: Callable | None = None  # (**case inputs) -> what this mistake returns
    test: Callable | None = None  # (learner's output, case inputs) -> True when the output shows the mistake


def same(got, theirs, atol: float, rtol: float) -> bool:
    """``got`` equals ``theirs``: same type and structure, tensors of one shape and dtype within tolerance."""
    if isinstance(theirs, torch.Tensor):
        if not isinstance(got, torch.Tensor) or got.shape != theirs.shape or got.dtype != theirs.dtype:
            return False
        g, t = got.detach().cpu(), theirs.detach().cpu()
        if not t.dtype.is_floating_point:
            return bool((g == t).all())
        g, t = g.double(), t.double()
        close = (((g - t).abs() <= atol + rtol * t.abs()) & t.isfinite()) | (g == t) | (g.isnan() & t.isnan())
        return bool(close.all())
    if isinstance(theirs, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(theirs)
                and all(same(g, t, atol, rtol) for g, t in zip(got, theirs)))
    if isinstance(theirs, float) and isinstance(got, (int, float)):
        return abs(got - theirs) <= atol + rtol * abs(theirs)
    return got == theirs


def recognise(got, mistakes, inputs: dict, atol: float = 0.0, rtol: float = 0.0) -> list[Mistake]:
    """The mistakes in ``mistakes`` that ``got`` shows on ``inputs``, in catalogue order (usually one)."""
    found = []
    for mistake in mistakes:
        try:
            if mistake.test is not None:
                hit = bool(mistake.test(got, inputs))
            else:
                hit = same(got, mistake.output(**inputs), atol, max(rtol, 1e-6))
        except Exception:  # a mistake that cannot even run on these inputs is not the one the learner made
            hit = False
        if hit:
            found.append(mistake)
    return found


@contextmanager
def diagnose(got, mistakes, inputs: dict, *, atol: float = 0.0, rtol: float = 0.0):
    """Run the checks inside the ``with``; if one fails, name the known mistake ``got`` shows, if any.

    The diagnosis comes first and the numbers follow:
    ``Probably ... look at ... — grid: gelu(x): 75 of 97 values differ; ...``. Where two mistakes give the
    same output on this case, both are named ("Probably A. Or, probably B.").
    """
    try:
        yield
    except GradeFailure as failure:
        found = recognise(got, mistakes, inputs, atol, rtol)
        if not found:
            raise
        says = " Or, ".join(m.says if n == 0 else m.says[0].lower() + m.says[1:] for n, m in enumerate(found))
        raise GradeFailure(f"{says} — {failure}", mistake=",".join(m.key for m in found)) from None
