"""Exercise 10, typical mistakes: the residual and the LayerNorm in the wrong order, or one of them missing."""

import torch.nn.functional as F

from minibert.exercises.diagnosis import Mistake


def norm(x, w, b, eps):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


def dense(h, W, b):
    return h @ W.T + b


MISTAKES = [
    Mistake("pre_layer_norm",
            "Probably the LayerNorm before the residual, LayerNorm(Dense(h)) + x (pre-LN): BERT is post-LN, "
            "LayerNorm(x + Dense(h)).",
            lambda hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps:
            norm(dense(hidden_states, dense_weight, dense_bias), ln_weight, ln_bias, eps) + input_tensor),
    Mistake("no_residual",
            "Probably the residual is missing: add input_tensor to Dense(hidden_states) before the LayerNorm.",
            lambda hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps:
            norm(dense(hidden_states, dense_weight, dense_bias), ln_weight, ln_bias, eps)),
    Mistake("no_layer_norm",
            "Probably the LayerNorm is missing: return LayerNorm(input_tensor + Dense(hidden_states)) with "
            "ln_weight, ln_bias and eps.",
            lambda hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps:
            dense(hidden_states, dense_weight, dense_bias) + input_tensor),
    Mistake("weight_not_transposed",
            "Probably h @ W instead of h @ Wᵀ: dense_weight is in nn.Linear's (out, in) layout, so "
            "Dense(h) = h @ dense_weight.T + dense_bias.",
            lambda hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps:
            norm(hidden_states @ dense_weight + dense_bias + input_tensor, ln_weight, ln_bias, eps)),
]
