"""The bag-of-words baseline: multinomial logistic regression on which vocabulary pieces a text contains.

    features x ∈ {0, 1}^V (piece present or not)     logits = x W + b     W: (V, k), b: (k,)
    loss = mean cross-entropy + ||W||² / (2 n)       (scikit-learn's default, C = 1, for n training texts)

fitted to convergence by L-BFGS (a convex problem: one optimum, no seed). It sees which words occur, never
their order: what a transfer model gains over it comes from reading.
"""

from __future__ import annotations

import torch


def features(id_lists: list[list[int]], vocab_size: int) -> torch.Tensor:
    """``(n, V)`` float64 presence of each piece id."""
    x = torch.zeros(len(id_lists), vocab_size, dtype=torch.float64)
    for i, ids in enumerate(id_lists):
        x[i, ids] = 1.0
    return x


def logistic(x: torch.Tensor, y: torch.Tensor, x_test: torch.Tensor, num_labels: int,
             iterations: int = 200) -> torch.Tensor:
    """The regression above on any float64 features: fit on ``x`` (n, d) and its labels ``y`` (n,), return the
    predicted label of each row of ``x_test`` (m, d) as an (m,) tensor. The frozen-feature probes (notebook 11,
    scripts/transfer_validation.py) fit it on encoder vectors."""
    w = torch.zeros(x.shape[1], num_labels, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(num_labels, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=iterations, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ w + b, y) + (w * w).sum() / (2 * len(y))
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return (x_test @ w + b).argmax(-1)


def fit_predict(train_ids: list[list[int]], train_labels: list[int], test_ids: list[list[int]], vocab_size: int,
                num_labels: int, iterations: int = 200) -> list[int]:
    """Fit on the training texts (piece ids), return the predicted label of each test text."""
    x, y = features(train_ids, vocab_size), torch.tensor(train_labels)
    return logistic(x, y, features(test_ids, vocab_size), num_labels, iterations).tolist()
