"""Exercise 1, typical mistakes: other functions that look like GELU."""

import math

import torch

from minibert.exercises.diagnosis import Mistake


def phi(x):  # the standard normal CDF, right
    return 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


MISTAKES = [
    Mistake("tanh_approximation",
            "Probably the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (GPT-2's \"gelu_new\"): "
            "BERT's \"gelu\" is the exact x·Φ(x) = 0.5·x·(1 + erf(x/√2)); write the erf formula in gelu.",
            lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))),
    Mistake("sigmoid_approximation",
            "Probably the sigmoid approximation x·σ(1.702·x) (\"quick_gelu\"): BERT's GELU is the exact "
            "x·Φ(x) = 0.5·x·(1 + erf(x/√2)); write the erf formula in gelu.",
            lambda x: x * torch.sigmoid(1.702 * x)),
    Mistake("erf_without_sqrt2",
            "Probably erf(x) instead of erf(x/√2): Φ(x) = 0.5·(1 + erf(x/√2)); look at the argument of erf.",
            lambda x: 0.5 * x * (1.0 + torch.erf(x))),
    Mistake("missing_half",
            "Probably the factor 0.5 is missing (your values are twice GELU's): x·Φ(x) = 0.5·x·(1 + erf(x/√2)).",
            lambda x: x * (1.0 + torch.erf(x / math.sqrt(2.0)))),
    Mistake("phi_only",
            "Probably Φ(x) alone: GELU multiplies it by x, x·Φ(x); look at what gelu returns.",
            lambda x: phi(x)),
]
