"""Exercise 1: the exact GELU activation BERT uses (Hendrycks & Gimpel, 2016, "Gaussian Error Linear Units").

Lesson: minibert/bert/activations.py. Grade: ``python -m minibert.exercises grade gelu``.
"""

from __future__ import annotations

import math  # noqa: F401  (you will probably want math.sqrt)

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """GELU(x) = x · Φ(x), where Φ is the cumulative distribution function of the standard normal.

    Args:
        x: a float tensor of any shape.

    Returns:
        A tensor of the same shape and dtype, computed elementwise.

    Hints:
        * Φ(x) = 0.5 · (1 + erf(x / √2)); ``torch.erf`` computes erf elementwise.
        * Do not call ``torch.nn.functional.gelu``: the point is to write the formula. The grader's
          tolerance (1e-6) is tight enough to reject the tanh approximation
          0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), which is a *different* function (GPT-2's "gelu_new").
    """
    raise NotImplementedError("exercise gelu: not implemented yet — replace this line with your code")
