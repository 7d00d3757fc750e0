"""How far two computations of the same math may differ in floating point: one bound, derived, for every test.

Many tests run minibert twice by two routes that compute the same math in a different order: a batch of 4 vs
one text at a time, unpadded vs padded, a pruned model vs a head mask, chunked vs whole, a padded sequence vs
the same sequence alone. The results are not bitwise equal, and how far apart they land depends on the CPU's
kernels (an AVX-512 matrix product blocks its sums unlike an AVX2 one or the plain loop: ATEN_CPU_CAPABILITY,
and unlike itself for 5 rows or 200), so a bound read off one machine fails on another. This one is derived
from the arithmetic, as the notebooks' ``|Δ| ≤ 1e-5 × max |h|`` is:

* One rounding errs by at most u of the value rounded: u = eps / 2 = 2⁻²⁴ ≈ 6.0e-8 in float32 (2⁻⁵³ in float64).
* A sum of n terms rounds n times. The errors have either sign, so they grow like √n·u of the terms' size,
  not n·u (Higham & Mary, "A new approach to probabilistic rounding error analysis", SIAM J. Sci. Comput.
  2019). Two orders of the same sum each carry such an error, so they differ by up to 2·√n·u.
* A forward pass chains such sums, ``depth`` of them (``forward_depth``: six per encoder layer). Each
  sub-layer ends in a LayerNorm that brings the values back to their scale, so the errors of successive
  sums add rather than multiply.
* The errors are shares of the values' size, so the bound is relative to the largest |value| compared:

      |Δ| ≤ depth · 2·√n · u · max |x|          (n: the longest sum, ``widest_sum``)

For tiny-bert (2 layers, sums of at most 128 terms) that is 1.9e-5 · max |x| with an MLM head, well under a
real fault's size (a padding leak or a wrong mask moves values by 1e-3 of their size or more); for
all-MiniLM-L6-v2 (6 layers, 1,536) it is 1.7e-4 · max |x|. Comparisons with the reference ``transformers``
are not of this kind: the two libraries do the same operations in the same order, and stay at 1e-5 absolute.
"""

from __future__ import annotations

import math

import torch


def unit_roundoff(dtype: torch.dtype = torch.float32) -> float:
    """u: the largest relative error of one rounding (2⁻²⁴ for float32, 2⁻⁵³ for float64)."""
    return torch.finfo(dtype).eps / 2


def forward_depth(config, head: int = 0, backward: bool = False) -> int:
    """Sums chained in a forward pass: per layer the query/key/value projections, the scores, the weighted sum
    of values, the output projection and the feed-forward's two matrices (6); ``head`` more for what follows
    the encoder (pooler 1, MLM transform + decoder 2). ``backward``: the gradient runs the chain back once more."""
    depth = 6 * config.num_hidden_layers + head
    return 2 * depth if backward else depth


def widest_sum(config, *lengths: int) -> int:
    """n: the most terms one sum adds: a matrix's inner size (hidden, intermediate) or a length (keys, rows)."""
    return max(config.hidden_size, config.intermediate_size, *lengths)


def rounding_bound(scale, depth: int, width: int, dtype: torch.dtype = torch.float32) -> float:
    """The largest |Δ| two orders of the same computation may show: depth · 2√width · u · scale.

    ``scale``: max |x| of the values compared (a tensor, a list of tensors, or a number).
    """
    return depth * 2 * math.sqrt(width) * unit_roundoff(dtype) * largest(scale)


def probability_bound(p: float, logit_bound: float) -> float:
    """|Δp| for a softmax (or sigmoid) probability p whose logits each move by at most ``logit_bound``.

    log p = z_i − logsumexp(z), and both terms move by at most ``logit_bound``: |Δ log p| ≤ 2·logit_bound,
    so |Δp| ≤ p · (e^(2·logit_bound) − 1).
    """
    return p * math.expm1(2 * logit_bound)


def largest(values) -> float:
    """max |x| over a number, a tensor or an iterable of them (empty tensors count 0)."""
    if isinstance(values, (int, float)):
        return abs(float(values))
    if isinstance(values, torch.Tensor):
        return values.detach().abs().max().item() if values.numel() else 0.0
    return max((largest(v) for v in values), default=0.0)


def max_diff(a, b) -> float:
    """max |a − b| (0 for empty tensors)."""
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a - b).abs().max().item() if a.numel() else 0.0
