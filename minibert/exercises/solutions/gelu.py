"""Exercise 1, reference solution: the exact GELU (Hendrycks & Gimpel, 2016)."""

from __future__ import annotations

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x · Φ(x), Φ the standard normal CDF = 0.5 · (1 + erf(x / √2)). Any shape, same shape and dtype out."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
