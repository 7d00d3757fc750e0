"""Exercise 12, reference solution: BERT's masked-LM corruption (Devlin et al., 2019, §3.1, Appendix A.1)."""

from __future__ import annotations

import torch


def mlm_masking(input_ids: torch.Tensor, special_tokens_mask: torch.Tensor, attention_mask: torch.Tensor,
                select_u: torch.Tensor, replace_u: torch.Tensor, random_ids: torch.Tensor, mask_token_id: int,
                mlm_probability: float = 0.15, mask_replace_prob: float = 0.8,
                random_replace_prob: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Choose targets where select_u < p among real, non-special tokens; split them 80/10/10 by replace_u."""
    eligible = ~special_tokens_mask.bool() & attention_mask.bool()  # (B, T)
    chosen = eligible & (select_u < mlm_probability)
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))  # -100: ignored by the loss
    to_mask = chosen & (replace_u < mask_replace_prob)
    to_random = chosen & (replace_u >= mask_replace_prob) & (replace_u < mask_replace_prob + random_replace_prob)
    masked = input_ids.clone()
    masked[to_mask] = mask_token_id
    masked[to_random] = random_ids[to_random]
    return masked, labels  # the remaining chosen tokens stay as they were
