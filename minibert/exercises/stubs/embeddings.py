"""Exercise 5: BERT's input embeddings (Devlin et al., 2019, §3.1, Figure 2).

Lesson: minibert/bert/embeddings.py. Grade: ``python -m minibert.exercises grade embeddings``.
"""

from __future__ import annotations

import torch


def embeddings(input_ids: torch.Tensor, token_type_ids: torch.Tensor, word_embeddings: torch.Tensor,
               position_embeddings: torch.Tensor, token_type_embeddings: torch.Tensor, ln_weight: torch.Tensor,
               ln_bias: torch.Tensor, eps: float) -> torch.Tensor:
    """The vector of token t at position p in segment s: LayerNorm(W_word[t] + W_pos[p] + W_type[s]).

    Args:
        input_ids: int64 ``(B, T)``, token ids (rows of ``word_embeddings``).
        token_type_ids: int64 ``(B, T)``, 0 for sentence A, 1 for sentence B (rows of ``token_type_embeddings``).
        word_embeddings: float32 ``(V, C)``.
        position_embeddings: float32 ``(P, C)``, P >= T; position p of every sequence is row p (0, 1, ..., T-1).
        token_type_embeddings: float32 ``(2, C)``.
        ln_weight, ln_bias: float32 ``(C,)``, the LayerNorm's gain and shift.
        eps: the LayerNorm's epsilon.

    Returns:
        float32 ``(B, T, C)``. (No dropout: the graders check evaluation mode.)

    Hints:
        * Indexing a ``(V, C)`` table with a ``(B, T)`` tensor of ids gives ``(B, T, C)``.
        * You may reuse your ``layer_norm`` from exercise 4: ``from layer_norm import layer_norm`` imports the
          layer_norm.py beside this file (the grader puts this file's folder first on ``sys.path``), or use
          ``torch.nn.functional.layer_norm``.
    """
    raise NotImplementedError("exercise embeddings: not implemented yet — replace this line with your code")
