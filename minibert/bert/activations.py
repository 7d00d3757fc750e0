r"""The non-linearities a BERT feed-forward block may use, by their ``config.hidden_act`` names.

BERT uses the exact GELU (Hendrycks & Gimpel, 2016, "Gaussian Error Linear Units"),

$$\operatorname{GELU}(x) = x\,\Phi(x) = \tfrac{1}{2}\,x\left(1 + \operatorname{erf}(x / \sqrt{2})\right),$$

with Φ the standard normal CDF. GPT-2 era code used the tanh approximation ``gelu_new``, and some BERT
variants use ReLU or SiLU. Each entry is a plain function of a tensor of any shape, returning a tensor of
the same shape and dtype.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def gelu(x: torch.Tensor) -> torch.Tensor:
    """Exact GELU: x · Φ(x) = 0.5 · x · (1 + erf(x / √2))."""
    return F.gelu(x)


def gelu_new(x: torch.Tensor) -> torch.Tensor:
    """The tanh approximation, written out: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gelu_pytorch_tanh(x: torch.Tensor) -> torch.Tensor:
    """The same tanh approximation, computed by PyTorch's fused kernel."""
    return F.gelu(x, approximate="tanh")


def gelu_fast(x: torch.Tensor) -> torch.Tensor:
    """Another spelling of the tanh approximation (0.7978845608 = √(2/π))."""
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    """The sigmoid approximation x·σ(1.702·x)."""
    return x * torch.sigmoid(1.702 * x)


ACT2FN = {
    "gelu": gelu,
    "gelu_new": gelu_new,
    "gelu_pytorch_tanh": gelu_pytorch_tanh,
    "gelu_fast": gelu_fast,
    "quick_gelu": quick_gelu,
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "tanh": torch.tanh,
    "mish": F.mish,
}


def get_activation(name: str):
    """Look up ``config.hidden_act``; an unknown name is an error naming the known ones."""
    try:
        return ACT2FN[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {sorted(ACT2FN)}") from None
