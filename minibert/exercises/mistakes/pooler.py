"""Exercise 11, typical mistakes: the wrong position, the wrong layout, no tanh."""

import torch

from minibert.exercises.diagnosis import Mistake

MISTAKES = [
    Mistake("mean_pooling",
            "Probably the mean over positions: BERT's pooler reads the FIRST position only, hidden_states[:, 0] "
            "(mean pooling is what sentence-embedding models do instead).",
            lambda hidden_states, dense_weight, dense_bias:
            torch.tanh(hidden_states.mean(1) @ dense_weight.T + dense_bias)),
    Mistake("last_position",
            "Probably the last position: the pooler reads the FIRST one ([CLS]), hidden_states[:, 0].",
            lambda hidden_states, dense_weight, dense_bias:
            torch.tanh(hidden_states[:, -1] @ dense_weight.T + dense_bias)),
    Mistake("weight_not_transposed",
            "Probably h @ W instead of h @ Wᵀ: dense_weight is in nn.Linear's (out, in) layout; use "
            "dense_weight.T.",
            lambda hidden_states, dense_weight, dense_bias:
            torch.tanh(hidden_states[:, 0] @ dense_weight + dense_bias)),
    Mistake("no_tanh",
            "Probably the tanh is missing: pooled = tanh(h[:, 0] Wᵀ + b).",
            lambda hidden_states, dense_weight, dense_bias: hidden_states[:, 0] @ dense_weight.T + dense_bias),
]
