"""Exercise 5, reference solution: BERT's input embeddings (Devlin et al., 2019, §3.1, Figure 2)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def embeddings(input_ids: torch.Tensor, token_type_ids: torch.Tensor, word_embeddings: torch.Tensor,
               position_embeddings: torch.Tensor, token_type_embeddings: torch.Tensor, ln_weight: torch.Tensor,
               ln_bias: torch.Tensor, eps: float) -> torch.Tensor:
    """LayerNorm(W_word[ids] + W_pos[0..T-1] + W_type[types]): (B, T) int64 ids -> (B, T, C)."""
    T = input_ids.shape[1]
    positions = torch.arange(T, device=input_ids.device)  # (T,)
    summed = word_embeddings[input_ids] + position_embeddings[positions] + token_type_embeddings[token_type_ids]
    return F.layer_norm(summed, (summed.shape[-1],), ln_weight, ln_bias, eps)  # (B, T, C)
