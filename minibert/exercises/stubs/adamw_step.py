"""Exercise 16: one AdamW update of one parameter tensor, as ``torch.optim.AdamW`` computes it.

Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization"; Kingma & Ba (2015), Adam.
Lesson: minibert/training/optim.py (minibert configures ``torch.optim.AdamW`` there: BERT's betas, eps and
weight decay, and which parameters are decayed). Grade: ``python -m minibert.exercises grade adamw_step``.
"""

from __future__ import annotations

import torch


def adamw_step(param: torch.Tensor, grad: torch.Tensor, exp_avg: torch.Tensor, exp_avg_sq: torch.Tensor,
               step: int, lr: float, betas: tuple[float, float], eps: float,
               weight_decay: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One AdamW update: the new parameter and the two new moment buffers.

    With β1, β2 = ``betas``, g = ``grad``, m = ``exp_avg``, v = ``exp_avg_sq`` and t = ``step``:

    1. Decoupled weight decay, first and on the parameter itself: θ ← θ · (1 − lr · weight_decay).
       (Not added to the gradient: that would be Adam with L2 regularisation, a different optimizer.)
    2. Moments: m ← β1 · m + (1 − β1) · g, and v ← β2 · v + (1 − β2) · g² (element-wise square).
    3. Bias correction (both moments start at 0, so early averages are too small):
       m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ).
    4. Update: θ ← θ − lr · m̂ / (√v̂ + eps), with eps OUTSIDE the square root.

    Args:
        param, grad, exp_avg, exp_avg_sq: float32 tensors, all of one shape (any shape, e.g. (out, in) for a
            weight matrix). ``exp_avg`` and ``exp_avg_sq`` are the buffers after the previous update (zeros
            before the first); ``exp_avg_sq`` is never negative.
        step: the number of THIS update, an ``int`` ≥ 1 (1 for the first): the t of the bias corrections
            (what torch keeps in ``optimizer.state[p]["step"]`` once this update is done).
        lr, eps, weight_decay: Python floats (``weight_decay`` may be 0: biases and LayerNorm parameters).
        betas: (β1, β2), two floats (a tuple or a list).

    Returns:
        ``(new_param, new_exp_avg, new_exp_avg_sq)``: float32 tensors of the inputs' shape. Only the returned
        tensors are graded: updating the inputs in place (as torch does) or returning new ones are both fine.

    Hints: Python floats and float32 tensors mix as you expect (``0.9 * m`` stays float32). ``β1 ** t`` is a
    Python float. Check yourself against ``torch.optim.AdamW([p], lr=..., betas=..., eps=..., weight_decay=...)``.
    """
    raise NotImplementedError("exercise adamw_step: not implemented yet — replace this line with your code")
