"""What the graders assert, and how they say what is wrong.

A learner who fails a grader should learn *what* differs without reading a traceback: which output,
which shape or dtype, or which value, by how much, and where. Every check raises :class:`GradeFailure`
(an ``AssertionError``, so pytest reports it as a plain failure) with one such message.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch


class GradeFailure(AssertionError):
    """An exercise output does not match its reference snapshot; ``mistake``: the keys of the known mistakes
    recognised in it, comma-separated (minibert/exercises/diagnosis.py), or None."""

    def __init__(self, message: str, mistake: str | None = None):
        super().__init__(message)
        self.mistake = mistake


NOT_IMPLEMENTED = "not implemented yet"


def call(fn, /, *args, **kwargs):
    """Run the learner's function; a stub's ``NotImplementedError`` becomes a one-line failure."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:
        detail = str(err) or f"{getattr(fn, '__name__', fn)} raises NotImplementedError"
        if NOT_IMPLEMENTED in detail:
            raise GradeFailure(detail) from None
        raise GradeFailure(f"{NOT_IMPLEMENTED}: {detail}") from None


def _fmt_index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for size in reversed(shape):
        index.append(flat % size)
        flat //= size
    return tuple(reversed(index))


def assert_tensor(what: str, got, expected: torch.Tensor, *, atol: float = 0.0, rtol: float = 0.0,
                  at: Callable[[tuple], str] | None = None) -> None:
    """``got`` must be a tensor of ``expected``'s shape and dtype with ``|got - expected| <= atol + rtol*|expected|``.

    ``atol = rtol = 0`` asks for exact equality (integer and boolean outputs, pure reshapes). A mismatch is
    reported at its worst element; ``at(index)`` says which input that element came from ("x = -2.1").
    """
    if not isinstance(got, torch.Tensor):
        raise GradeFailure(f"{what}: expected a torch.Tensor of shape {tuple(expected.shape)}, "
                           f"got {type(got).__name__}")
    if tuple(got.shape) != tuple(expected.shape):
        raise GradeFailure(f"{what}: shape differs: got {tuple(got.shape)}, expected {tuple(expected.shape)}")
    if got.dtype != expected.dtype:
        raise GradeFailure(f"{what}: dtype differs: got {got.dtype}, expected {expected.dtype}")
    got = got.detach().cpu()
    if expected.dtype == torch.bool:
        bad = got != expected
        diff = bad.double()
    else:
        g, e = got.double(), expected.double()
        diff = (g - e).abs().nan_to_num(nan=math.inf)
        diff[g == e] = 0.0  # equal infinities are equal
        bad = ~(diff <= atol + rtol * e.abs()) | (~e.isfinite() & (diff > 0))  # NaN: bad; inf: only itself
    if not bad.any():
        return
    worst = int(diff.reshape(-1).argmax())
    idx = _fmt_index(worst, tuple(expected.shape))
    where = f" ({at(idx)})" if at is not None else ""
    g, e = got.reshape(-1)[worst].item(), expected.reshape(-1)[worst].item()
    values = f"got {g:.6g}, expected {e:.6g}" if expected.dtype.is_floating_point else f"got {g}, expected {e}"
    tolerance = f" (tolerance atol={atol:g}, rtol={rtol:g})" if expected.dtype.is_floating_point else ""
    raise GradeFailure(f"{what}: {int(bad.sum())} of {expected.numel()} values differ; max abs diff "
                       f"{float(diff.max()):.3g}{tolerance}; worst at index {idx}{where}: {values}")


def assert_list(what: str, got, expected: list) -> None:
    """``got`` must equal the list ``expected`` item for item (tokens, indices)."""
    if not isinstance(got, (list, tuple)):
        raise GradeFailure(f"{what}: expected a list, got {type(got).__name__}: {got!r}")
    got = list(got)
    for i, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            raise GradeFailure(f"{what}: first difference at position {i}: got {g!r}, expected {e!r} "
                               f"(got {got!r}, expected {expected!r})")
    if len(got) != len(expected):
        raise GradeFailure(f"{what}: got {len(got)} items, expected {len(expected)} "
                           f"(got {got!r}, expected {expected!r})")


def assert_floats(what: str, got: list, expected: list[float], *, atol: float,
                  at: Callable[[tuple], str] | None = None) -> None:
    """``got`` must be a list of real numbers, each within ``atol`` of ``expected``; reported at the worst one."""
    for value in got:
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise GradeFailure(f"{what}: expected a float, got {type(value).__name__}: {value!r}")
    values = torch.tensor([float(v) for v in got], dtype=torch.float64)
    assert_tensor(what, values, torch.tensor(expected, dtype=torch.float64), atol=atol, at=at)


def unpack(what: str, got, names: tuple[str, ...]) -> tuple:
    """A function that must return a tuple of ``len(names)`` outputs: check the count before looking inside."""
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        n = len(got) if isinstance(got, (tuple, list)) else f"a {type(got).__name__}, not a tuple"
        raise GradeFailure(f"{what}: expected a tuple of {len(names)} outputs ({', '.join(names)}), got {n}")
    return tuple(got)
