"""Exercise 5, typical mistakes: a missing term, the wrong position ids, no LayerNorm."""

import torch.nn.functional as F

from minibert.exercises.diagnosis import Mistake


def embed(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings, ln_weight, ln_bias,
          eps, *, first_position=0, word=True, position=True, token_type=True, norm=True):
    """BERT's embeddings with one term (or the LayerNorm) left out, or positions counted from elsewhere."""
    T = input_ids.shape[1]
    summed = 0.0
    if word:
        summed = summed + word_embeddings[input_ids]
    if position:
        summed = summed + position_embeddings[first_position:first_position + T]
    if token_type:
        summed = summed + token_type_embeddings[token_type_ids]
    return F.layer_norm(summed, (summed.shape[-1],), ln_weight, ln_bias, eps) if norm else summed


MISTAKES = [
    Mistake("no_layer_norm",
            "Probably the sum is returned without the LayerNorm: BERT's embeddings are LayerNorm(word + position "
            "+ token type), normalised with ln_weight, ln_bias and eps.",
            lambda **i: embed(**i, norm=False)),
    Mistake("positions_from_one",
            "Probably the position ids start at 1: position p of every sequence is row p of position_embeddings, "
            "counting from 0 (0, 1, ..., T-1).",
            lambda **i: embed(**i, first_position=1)),
    Mistake("no_position",
            "Probably the position embeddings are missing: add position_embeddings[0..T-1] before the LayerNorm.",
            lambda **i: embed(**i, position=False)),
    Mistake("no_token_type",
            "Probably the token-type (segment) embeddings are missing: add token_type_embeddings[token_type_ids] "
            "before the LayerNorm.",
            lambda **i: embed(**i, token_type=False)),
]
