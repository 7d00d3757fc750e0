"""Exercise 4, typical mistakes: the wrong variance, eps in the wrong place, a missing step."""

import torch

from minibert.exercises.diagnosis import Mistake


def mean(x):
    return x.mean(-1, keepdim=True)


def var(x):  # biased, as LayerNorm wants
    return ((x - mean(x)) ** 2).mean(-1, keepdim=True)


MISTAKES = [
    Mistake("unbiased_variance",
            "Probably the unbiased variance (dividing by C - 1, torch.var's default): LayerNorm divides by C; "
            "use ((x - mean)**2).mean(-1) or x.var(-1, unbiased=False).",
            lambda x, weight, bias, eps: (x - mean(x)) / torch.sqrt(x.var(-1, keepdim=True) + eps) * weight + bias),
    Mistake("eps_outside_root",
            "Probably eps outside the square root, (x - mean) / (sqrt(var) + eps): it belongs inside, "
            "sqrt(var + eps); look at the denominator.",
            lambda x, weight, bias, eps: (x - mean(x)) / (torch.sqrt(var(x)) + eps) * weight + bias),
    Mistake("no_eps",
            "Probably eps is left out: the denominator is sqrt(var + eps) (this case's eps is large enough to "
            "matter).",
            lambda x, weight, bias, eps: (x - mean(x)) / torch.sqrt(var(x)) * weight + bias),
    Mistake("no_square_root",
            "Probably divided by the variance instead of its square root: (x - mean) / sqrt(var + eps).",
            lambda x, weight, bias, eps: (x - mean(x)) / (var(x) + eps) * weight + bias),
    Mistake("no_mean_subtraction",
            "Probably the mean is not subtracted from x: y = (x - mean) / sqrt(var + eps) * weight + bias.",
            lambda x, weight, bias, eps: x / torch.sqrt(var(x) + eps) * weight + bias),
    Mistake("whole_tensor",
            "Probably the mean and variance are taken over the whole tensor: LayerNorm normalises each vector "
            "on its own, over the last dimension only (dim=-1, keepdim=True).",
            lambda x, weight, bias, eps: (x - x.mean()) / torch.sqrt(x.var(unbiased=False) + eps) * weight + bias),
    Mistake("no_scale_shift",
            "Probably weight and bias are not applied: after normalising, multiply by weight and add bias.",
            lambda x, weight, bias, eps: (x - mean(x)) / torch.sqrt(var(x) + eps)),
]
