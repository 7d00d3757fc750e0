"""Truncation: make a sequence (or a pair) fit in ``max_length`` tokens, special tokens included.

Strategies, for a pair of 6 + 4 tokens that must lose 3:

* ``"longest_first"`` (or ``True``): take tokens from whichever sequence is longer, one at a time
  -> 4 + 3 (removals are balanced once both are equally long). Overflow is not reported for pairs.
* ``"only_first"``  -> 3 + 4;   ``"only_second"`` -> 6 + 1 (an error if that sequence is too short).

``stride`` makes the reported overflow overlap the kept part: with stride 2, the overflow starts with
the last 2 kept tokens, so a sliding window over a long document loses no context.
"""

from __future__ import annotations

from collections.abc import Sequence

STRATEGIES = ("longest_first", "only_first", "only_second", "do_not_truncate")


def _cut(seq: Sequence, remove: int, stride: int, side: str) -> tuple[Sequence, Sequence]:
    """Remove ``remove`` items from one end of ``seq``; return (kept, overflow incl. ``stride`` kept items)."""
    window = min(len(seq), stride + remove)
    if side == "right":
        return seq[: len(seq) - remove], seq[len(seq) - window :]
    if side == "left":
        return seq[remove:], seq[:window]
    raise ValueError(f"truncation side must be 'left' or 'right', got {side!r}")


def truncate(
    first: Sequence,
    second: Sequence | None,
    remove: int,
    strategy: str = "longest_first",
    stride: int = 0,
    side: str = "right",
) -> tuple[Sequence, Sequence | None, Sequence]:
    """Return ``(first, second, overflow)`` after removing ``remove: int`` items under ``strategy: str``.

    Works on any sequences (ids, offsets), so the caller can cut parallel lists identically.
    Raises ``ValueError`` when the chosen sequence is too short to lose that many items -- which happens when
    ``max_length`` leaves no room next to the special tokens. (The reference only logs an error there and
    returns the sequence untruncated, i.e. longer than ``max_length``.)
    """
    if remove <= 0:
        return first, second, []
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown truncation strategy {strategy!r}; use one of {STRATEGIES}")
    if strategy == "only_first" or (strategy == "longest_first" and second is None):
        if len(first) <= remove:
            raise ValueError(
                f"cannot truncate: {remove} tokens must be removed but the first sequence has only {len(first)}; "
                "max_length is too small for this input and its special tokens"
            )
        first, overflow = _cut(first, remove, stride, side)
        return first, second, overflow
    if strategy == "only_second":
        if second is None:
            return first, second, []  # nothing to cut from, as in the reference
        if len(second) <= remove:
            raise ValueError(
                f"cannot truncate: {remove} tokens must be removed but the second sequence has only "
                f"{len(second)}; max_length is too small, or use truncation='longest_first'"
            )
        second, overflow = _cut(second, remove, stride, side)
        return first, second, overflow
    # longest_first on a pair: first even out the lengths, then share the rest (the first gets the smaller half).
    from_difference = min(abs(len(first) - len(second)), remove)
    rest = remove - from_difference
    if len(first) > len(second):
        first_cut, second_cut = from_difference + rest // 2, rest - rest // 2
    else:
        first_cut, second_cut = rest // 2, from_difference + rest - rest // 2
    if side not in ("left", "right"):
        raise ValueError(f"truncation side must be 'left' or 'right', got {side!r}")
    if side == "right":
        first, second = first[: len(first) - first_cut], second[: len(second) - second_cut]
    else:
        first, second = first[first_cut:], second[second_cut:]
    return first, second, []
