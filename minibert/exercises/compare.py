"""What the graders assert, and how they say what is wrong.

A learner who fails a grader should learn *what* differs without reading a traceback: which output,
which shape or dtype, or which value, by how much, and where. Every check raises :class:`GradeFailure`
(an ``AssertionError``, so pytest reports it as a plain failure) with one such message.
"""

from __future__ import annotations

import math

import torch


class GradeFailure(AssertionError):
    """An exercise output does not match its reference snapshot."""


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


def assert_tensor(what: str, got, expected: torch.Tensor, *, atol: float = 0.0, rtol: float = 0.0) -> None:
    """``got`` must be a tensor of ``expected``'s shape and dtype with ``|got - expected| <= atol + rtol*|expected|``.

    ``atol = rtol = 0`` asks for exact equality (integer and boolean outputs, pure reshapes).
    """
    if not isinstance(got, torch.Tensor):
        raise GradeFailure(f"{what}: expected a torch.Tensor of shape {tuple(expected.shape)}, "
                           f"got {type(got).__name__}")
    if tuple(got.shape) != tuple(expected.shape):
        raise GradeFailure(f"{what}: shape differs: got {tuple(got.shape)}, expected {tuple(expected.shape)}")
    if got.dtype != expected.dtype:
        raise GradeFailure(f"{what}: dtype differs: got {got.dtype}, expected {expected.dtype}")
    got = got.detach().cpu()
    if expected.dtype.is_floating_point:
        g, e = got.double(), expected.double()
        bad = ~((g - e).abs() <= atol + rtol * e.abs())  # NaN compares False, so NaN counts as bad
        if bad.any():
            diff = (g - e).abs().nan_to_num(nan=math.inf)
            first = int(bad.reshape(-1).nonzero()[0])
            idx = _fmt_index(first, tuple(expected.shape))
            worst = float(diff.max())
            raise GradeFailure(
                f"{what}: {int(bad.sum())} of {e.numel()} values differ; max abs diff {worst:.3g} "
                f"(tolerance atol={atol:g}, rtol={rtol:g}); first at index {idx}: "
                f"got {g.reshape(-1)[first].item():.6g}, expected {e.reshape(-1)[first].item():.6g}")
    else:
        bad = got != expected
        if bad.any():
            first = int(bad.reshape(-1).nonzero()[0])
            idx = _fmt_index(first, tuple(expected.shape))
            raise GradeFailure(
                f"{what}: {int(bad.sum())} of {expected.numel()} values differ; first at index {idx}: "
                f"got {got.reshape(-1)[first].item()}, expected {expected.reshape(-1)[first].item()}")


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


def assert_float(what: str, got, expected: float, *, atol: float) -> None:
    """``got`` must be a real number within ``atol`` of ``expected``."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        raise GradeFailure(f"{what}: expected a float, got {type(got).__name__}: {got!r}")
    if not abs(got - expected) <= atol:
        raise GradeFailure(f"{what}: got {got!r}, expected {expected!r}; abs diff {abs(got - expected):.3g} "
                           f"(tolerance {atol:g})")


def unpack(what: str, got, names: tuple[str, ...]) -> tuple:
    """A function that must return a tuple of ``len(names)`` outputs: check the count before looking inside."""
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        n = len(got) if isinstance(got, (tuple, list)) else f"a {type(got).__name__}, not a tuple"
        raise GradeFailure(f"{what}: expected a tuple of {len(names)} outputs ({', '.join(names)}), got {n}")
    return tuple(got)
