"""Grader for exercise 16, ``adamw_step``."""

from __future__ import annotations

import torch

from minibert.exercises.graders.common import assert_tensor, call, diagnose, unpack
from minibert.exercises.mistakes.adamw_step import MISTAKES

OUTPUTS = ("param", "exp_avg", "exp_avg_sq")

# The tolerance is derived from float32 arithmetic (as tests/helpers/_numerics.py derives its bounds), per case:
#
# * u = 2⁻²⁴: one float32 rounding errs by at most u of the value rounded.
# * Each output is a chain of at most DEPTH = 16 roundings (the constants 1 − β, 1 − lr·wd and the bias
#   corrections rounded to float32, products, the square root, the divisions, the sums): the decayed weight,
#   the moments (a lerp, or two products and a sum), √v̂ + eps, the quotient and the final difference. Each
#   rounding errs by u of a value no larger than the case's SCALE (below), so one implementation is within
#   DEPTH·u·SCALE of the exact result, and two implementations (yours, ours) within 2·DEPTH·u·SCALE.
# * SCALE: the largest |value| any of those steps handles, computed from the inputs: |θ|, |m|, |v|, the
#   gradient |g| + weight_decay·|θ| and its square (the gradient Adam's L2 decay uses: the diagnosis must
#   recognise that mistake computed in any order too), and the update's size lr·max(|m|, |g|)/(bc1·(√v′ + eps))
#   with v′ the new second moment (and the same with the L2 gradient); bc1 ≤ 1 and bc2 ≤ 1 make it an upper
#   bound of the corrected update and of the uncorrected one. A rounding of m′ (whose terms may cancel) reaches θ
#   through that quotient, hence max(|m|, |g|) rather than |m′|.
#
# atol = 2·16·u·SCALE ≈ 1.9e-6 · SCALE (no rtol). Every catalogued mistake moves some output by far more on the
# shipped cases (L2 decay: the moment by 0.1·weight_decay·|θ|; eps inside the root: the update by a factor on
# the small-gradient case; decay after the update: lr²·weight_decay·|update ratio| on the large-decay case).
U = torch.finfo(torch.float32).eps / 2
DEPTH = 16


def tolerance(inputs: dict) -> float:
    """atol for every output of one case: 2·DEPTH·u·SCALE (see above)."""
    p, g, m, v = (inputs[k].detach().double().abs() for k in ("param", "grad", "exp_avg", "exp_avg_sq"))
    beta1, beta2 = inputs["betas"]
    lr, eps, wd, t = inputs["lr"], inputs["eps"], inputs["weight_decay"], inputs["step"]
    if p.numel() == 0:
        return 0.0
    gradient = g + wd * p  # a bound of |g + weight_decay·θ|, the gradient of Adam's L2 decay
    l2 = inputs["grad"].double() + wd * inputs["param"].double()

    def step_size(numerator, g2):  # lr·numerator/(bc1·(√v′ + eps)), v′ the new second moment from g2
        return lr * numerator / ((1 - beta1 ** t) * ((beta2 * v + (1 - beta2) * g2).sqrt() + eps))

    steps = (step_size(torch.maximum(m, g), g * g), step_size(torch.maximum(m, gradient), l2 * l2))
    scale = max(float(x.max()) for x in (p, gradient, gradient * gradient, m, v, *steps))
    return 2 * DEPTH * U * scale


def element(inputs: dict, i: tuple) -> str:
    """The inputs at one element, and the step's scalars."""
    values = ", ".join(f"{k} {inputs[k][i].item():.6g}" for k in ("param", "grad", "exp_avg", "exp_avg_sq"))
    return (f"{values}; step {inputs['step']}, lr {inputs['lr']:g}, betas {tuple(inputs['betas'])}, "
            f"eps {inputs['eps']:g}, weight_decay {inputs['weight_decay']:g}")


def test_adamw_step(impl, case):
    inputs, expected = case["inputs"], case["expected"]
    atol = tolerance(inputs)
    given = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in inputs.items()}  # in place is fine
    out = call(impl("adamw_step"), **given)
    with diagnose(out, MISTAKES, inputs, atol=atol):
        got = unpack(f"{case['name']}: adamw_step(...)", out, OUTPUTS)
        for name in ("exp_avg", "exp_avg_sq", "param"):  # the moments first: the update is made of them
            assert_tensor(f"{case['name']}: new {name}", got[OUTPUTS.index(name)], expected[name], atol=atol,
                          at=lambda i: element(inputs, i))
