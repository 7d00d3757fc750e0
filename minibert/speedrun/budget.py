"""A time budget and the learning-rate schedule tied to it.

``--budget`` reads ``90s``, ``2m``, ``1h`` (or ``1.5h``): seconds of *training*, i.e. of optimizer steps; the
corpus, the vocabulary, the evaluations and the transfer runs come on top (the report gives the total too).

The schedule is BERT's (linear warm-up, then linear decay to 0, Devlin et al. 2019, §A.2) with time in place of
steps, as in Cramming (Geiping & Goldstein, 2022) and the academic-budget recipe (Izsak et al., 2021)::

    progress p = training seconds spent / budget seconds         (0 → 1)
    factor(p)  = p / w                   for p < w               (warm-up over the first w of the budget)
               = (1 - p) / (1 - w)       after, down to 0 at p = 1

so the rate reaches 0 exactly when the time is up, whatever the speed of the machine, and the model is at its
best then. A resumed run starts from the seconds its checkpoint recorded: the schedule carries on where it was.

``--schedule`` picks the shape after the warm-up (the ablations of docs/pretraining.md compare them)::

    linear     (1 - p) / (1 - w)                              BERT's, the default
    cosine     (1 + cos(pi * (p - w) / (1 - w))) / 2          Loshchilov & Hutter 2017, the usual LLM schedule
    trapezoid  1, then (1 - p) / c over the last c = 20 %     "warm-up, stable, decay": Zhai et al. 2022 (ViT),
                                                              Hägele et al. 2024 (a 20 % cool-down matches cosine)

``--batch-ramp r`` grows the batch over the first ``r`` of the budget (``ramp_parts``): the step takes 1, 2, ...
``parts`` quarters of the batch, as Cramming (Geiping & Goldstein 2022) and GPT-3 (Brown et al. 2020) ramp it.

Two clocks: ``wall`` (time.perf_counter, the default: a learner's hour) and ``cpu`` (time.process_time: the
CPU seconds of the whole process, every thread; on one thread it is the training thread's time, which a
machine shared with other work does not shrink).
"""

from __future__ import annotations

import math
import re
import time

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR

_UNITS = {"s": 1, "m": 60, "h": 3600}
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
SCHEDULES = ("linear", "cosine", "trapezoid")
COOLDOWN = 0.2  # the trapezoid's cool-down, a share of the budget


def parse_budget(text: str) -> float:
    """``"90s"`` → 90.0, ``"2m"`` → 120.0, ``"1h"`` → 3600.0. A ValueError names what was wrong."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh])\s*", str(text))
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"--budget {text!r}: expected a positive number of seconds, minutes or hours, "
                         "e.g. 90s, 2m or 1h")
    return float(match.group(1)) * _UNITS[match.group(2)]


def format_seconds(seconds: float) -> str:
    """``75`` → ``"1m15s"``, ``3725`` → ``"1h02m05s"``: for progress bars and the report."""
    s = int(round(seconds))
    h, m, s = s // 3600, s % 3600 // 60, s % 60
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def budget_factor(progress: float, warmup: float, schedule: str = "linear") -> float:
    """The multiplier of the peak rate at ``progress`` (share of the budget spent) with warm-up share ``warmup``."""
    if progress < warmup:
        return progress / warmup
    if progress >= 1.0:
        return 0.0
    if schedule == "linear":
        return (1.0 - progress) / max(1e-12, 1.0 - warmup)
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * (progress - warmup) / max(1e-12, 1.0 - warmup)))
    if schedule == "trapezoid":
        return min(1.0, (1.0 - progress) / COOLDOWN)
    raise ValueError(f"--schedule {schedule!r}: expected one of {', '.join(SCHEDULES)}")


def ramp_parts(progress: float, ramp: float, parts: int) -> int:
    """How many of the batch's ``parts`` equal pieces a step takes at ``progress``: 1 at the start, growing in
    equal shares of the ramp ``ramp`` (a share of the budget) to all of them; all of them without a ramp."""
    if ramp <= 0 or progress >= ramp:
        return parts
    return min(parts, 1 + int(parts * progress / ramp))


class Stopwatch:
    """Training seconds, carried over a resume: ``spent`` = seconds recorded before + the running lap."""

    def __init__(self, clock: str = "wall", spent: float = 0.0):
        if clock not in CLOCKS:
            raise ValueError(f"--clock {clock!r}: expected one of {', '.join(CLOCKS)}")
        self.clock, self.before, self._lap_start = clock, spent, None

    def start(self) -> None:
        self._lap_start = CLOCKS[self.clock]()

    def stop(self) -> None:
        if self._lap_start is not None:
            self.before += CLOCKS[self.clock]() - self._lap_start
            self._lap_start = None

    @property
    def spent(self) -> float:
        running = 0.0 if self._lap_start is None else CLOCKS[self.clock]() - self._lap_start
        return self.before + running


def budget_schedule(optimizer: Optimizer, watch: Stopwatch, budget: float, warmup: float,
                    schedule: str = "linear") -> LambdaLR:
    """A LambdaLR whose factor reads the stopwatch, not the step count (``warmup``: a share of the budget)."""
    check_schedule(warmup, schedule)

    def factor(step: int) -> float:  # a plain function: LambdaLR's state_dict then stores no closure state
        return budget_factor(watch.spent / budget, warmup, schedule)

    return LambdaLR(optimizer, factor)


def check_schedule(warmup: float, schedule: str) -> None:
    """A ValueError, in one line, for a warm-up share or schedule the budget cannot follow."""
    if not 0 <= warmup < 1:
        raise ValueError(f"warm-up share must be in [0, 1), got {warmup}")
    if schedule not in SCHEDULES:
        raise ValueError(f"--schedule {schedule!r}: expected one of {', '.join(SCHEDULES)}")
    if schedule == "trapezoid" and warmup > 1 - COOLDOWN:
        raise ValueError(f"--schedule trapezoid cools down over the last {COOLDOWN:.0%} of the budget: the warm-up "
                         f"({warmup}) must end before it")
