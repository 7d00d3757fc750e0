"""Learning-rate schedules: a multiplier of the peak learning rate for every optimizer step.

BERT was pre-trained with a linear warm-up over the first 10,000 steps followed by a linear decay to zero
(Devlin et al. 2019, Appendix A.2). WHY warm up? At step 0 Adam's second-moment estimates are built from a
single gradient, so its early steps are large and noisy; a small learning rate while the estimates settle
avoids wrecking the freshly initialised (or pre-trained) weights. Decay at the end lets the weights settle
into a minimum instead of bouncing around it.

Each schedule is a function ``step -> factor`` wrapped in ``torch.optim.lr_scheduler.LambdaLR``, which sets
``lr = peak_lr * factor(step)`` after every ``scheduler.step()``. The formulas are those of the reference's
``get_scheduler``, so the two give the same learning rate at every step.
"""

from __future__ import annotations

import functools
import math

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR


def _warmup(step: int, warmup: int) -> float:
    return step / max(1, warmup)  # 0 -> 1 linearly over the first `warmup` steps


def _constant(step: int) -> float:
    return 1.0


def _constant_with_warmup(step: int, *, warmup: int) -> float:
    return _warmup(step, warmup) if step < warmup else 1.0


def _progress(step: int, warmup: int, total: int) -> float:
    """Fraction of the post-warm-up phase already done: 0 at the end of warm-up, 1 at ``total``."""
    return (step - warmup) / max(1, total - warmup)


def _linear(step: int, *, warmup: int, total: int) -> float:
    if step < warmup:
        return _warmup(step, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


def _cosine(step: int, *, warmup: int, total: int, num_cycles: float) -> float:
    # Half a cosine period (num_cycles=0.5) goes from 1 down to 0: factor = (1 + cos(2*pi*cycles*progress)) / 2.
    if step < warmup:
        return _warmup(step, warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * _progress(step, warmup, total))))


def _cosine_with_restarts(step: int, *, warmup: int, total: int, num_cycles: int) -> float:
    # `num_cycles` full decays from 1 to 0, each restarting ("hard restart") at 1.
    if step < warmup:
        return _warmup(step, warmup)
    progress = _progress(step, warmup, total)
    if progress >= 1.0:
        return 0.0
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))


def _polynomial(step: int, *, warmup: int, total: int, lr_init: float, lr_end: float, power: float) -> float:
    # lr decays from lr_init to lr_end as (1 - progress)^power; LambdaLR multiplies by lr_init, so divide here.
    if step < warmup:
        return _warmup(step, warmup)
    if step > total:
        return lr_end / lr_init
    remaining = 1 - (step - warmup) / (total - warmup)
    return ((lr_init - lr_end) * remaining**power + lr_end) / lr_init


SCHEDULES = ("constant", "constant_with_warmup", "linear", "cosine", "cosine_with_restarts", "polynomial")


def get_scheduler(
    name: str,
    optimizer: Optimizer,
    num_warmup_steps: int | None = None,
    num_training_steps: int | None = None,
    *,
    num_cycles: float | None = None,
    lr_end: float = 1e-7,
    power: float = 1.0,
    last_epoch: int = -1,
) -> LambdaLR:
    """A ``LambdaLR`` for schedule ``name`` (one of :data:`SCHEDULES`).

    ``num_cycles`` defaults to 0.5 for "cosine" (one half-period: 1 -> 0) and 1 for "cosine_with_restarts".
    "polynomial" decays from the optimizer's ``lr`` to ``lr_end`` with exponent ``power``.
    """
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; expected one of {', '.join(SCHEDULES)}")
    if name == "constant":
        return LambdaLR(optimizer, _constant, last_epoch=last_epoch)
    if num_warmup_steps is None or num_warmup_steps < 0:
        raise ValueError(f"schedule {name!r} needs num_warmup_steps >= 0, got {num_warmup_steps}")
    if name == "constant_with_warmup":
        fn = functools.partial(_constant_with_warmup, warmup=num_warmup_steps)
        return LambdaLR(optimizer, fn, last_epoch=last_epoch)
    if num_training_steps is None or num_training_steps <= 0:
        raise ValueError(f"schedule {name!r} needs num_training_steps > 0, got {num_training_steps}")
    steps = {"warmup": num_warmup_steps, "total": num_training_steps}
    if name == "linear":
        fn = functools.partial(_linear, **steps)
    elif name == "cosine":
        fn = functools.partial(_cosine, **steps, num_cycles=0.5 if num_cycles is None else num_cycles)
    elif name == "cosine_with_restarts":
        fn = functools.partial(_cosine_with_restarts, **steps, num_cycles=1 if num_cycles is None else num_cycles)
    else:  # polynomial
        lr_init = optimizer.defaults["lr"]
        if not lr_init > lr_end:
            raise ValueError(f"polynomial schedule: lr_end ({lr_end}) must be below the optimizer's lr ({lr_init})")
        fn = functools.partial(_polynomial, **steps, lr_init=lr_init, lr_end=lr_end, power=power)
    return LambdaLR(optimizer, fn, last_epoch=last_epoch)


# The reference's function for each schedule, with its signature: fine-tuning code calls them by name.
def get_constant_schedule(optimizer: Optimizer, last_epoch: int = -1) -> LambdaLR:
    """The optimizer's learning rate at every step."""
    return get_scheduler("constant", optimizer, last_epoch=last_epoch)


def get_constant_schedule_with_warmup(optimizer: Optimizer, num_warmup_steps: int, last_epoch: int = -1) -> LambdaLR:
    """0 -> lr linearly over ``num_warmup_steps``, then constant."""
    return get_scheduler("constant_with_warmup", optimizer, num_warmup_steps, last_epoch=last_epoch)


def get_linear_schedule_with_warmup(optimizer: Optimizer, num_warmup_steps: int, num_training_steps: int,
                                    last_epoch: int = -1) -> LambdaLR:
    """BERT's schedule: 0 -> lr over ``num_warmup_steps``, then linearly to 0 at ``num_training_steps``."""
    return get_scheduler("linear", optimizer, num_warmup_steps, num_training_steps, last_epoch=last_epoch)


def get_cosine_schedule_with_warmup(optimizer: Optimizer, num_warmup_steps: int, num_training_steps: int,
                                    num_cycles: float = 0.5, last_epoch: int = -1) -> LambdaLR:
    """Warm-up, then a cosine from lr to 0 (``num_cycles`` periods; 0.5 = one half-period)."""
    return get_scheduler("cosine", optimizer, num_warmup_steps, num_training_steps, num_cycles=num_cycles,
                         last_epoch=last_epoch)


def get_cosine_with_hard_restarts_schedule_with_warmup(optimizer: Optimizer, num_warmup_steps: int,
                                                       num_training_steps: int, num_cycles: int = 1,
                                                       last_epoch: int = -1) -> LambdaLR:
    """Warm-up, then ``num_cycles`` cosine decays from lr to 0, each restarting at lr."""
    return get_scheduler("cosine_with_restarts", optimizer, num_warmup_steps, num_training_steps,
                         num_cycles=num_cycles, last_epoch=last_epoch)


def get_polynomial_decay_schedule_with_warmup(optimizer: Optimizer, num_warmup_steps: int, num_training_steps: int,
                                              lr_end: float = 1e-7, power: float = 1.0,
                                              last_epoch: int = -1) -> LambdaLR:
    """Warm-up, then (1 - progress)^power from the optimizer's lr down to ``lr_end``."""
    return get_scheduler("polynomial", optimizer, num_warmup_steps, num_training_steps, lr_end=lr_end, power=power,
                         last_epoch=last_epoch)


SCHEDULE_FUNCTIONS = ("get_constant_schedule", "get_constant_schedule_with_warmup", "get_linear_schedule_with_warmup",
                      "get_cosine_schedule_with_warmup", "get_cosine_with_hard_restarts_schedule_with_warmup",
                      "get_polynomial_decay_schedule_with_warmup")
