"""Exercise 12: masked-language-model corruption (Devlin et al., 2019, §3.1 and Appendix A.1).

Lesson: minibert/training/masking.py. Grade: ``python -m minibert.exercises grade mlm_masking``.
The random numbers are drawn for you (``select_u``, ``replace_u``, ``random_ids``), so the answer is
determined and can be graded.
"""

from __future__ import annotations

import torch


def mlm_masking(input_ids: torch.Tensor, special_tokens_mask: torch.Tensor, attention_mask: torch.Tensor,
                select_u: torch.Tensor, replace_u: torch.Tensor, random_ids: torch.Tensor, mask_token_id: int,
                mlm_probability: float = 0.15, mask_replace_prob: float = 0.8,
                random_replace_prob: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Choose prediction targets and corrupt them 80/10/10.

    1. A position is *eligible* when it is a real token (``attention_mask`` 1) and not special
       (``special_tokens_mask`` 0: not [CLS], [SEP], ...).
    2. An eligible position is *chosen* (a target) when ``select_u < mlm_probability``.
    3. A chosen position becomes ``mask_token_id`` when ``replace_u < mask_replace_prob``; becomes
       ``random_ids`` at that position when ``mask_replace_prob <= replace_u < mask_replace_prob +
       random_replace_prob``; otherwise keeps its token. Positions not chosen never change.
    4. ``labels`` holds the ORIGINAL id at chosen positions and -100 everywhere else (the loss ignores -100).

    Args:
        input_ids: int64 ``(B, T)``.
        special_tokens_mask: bool ``(B, T)``, True for special tokens.
        attention_mask: int64 ``(B, T)``, 1 for real tokens, 0 for padding.
        select_u, replace_u: float32 ``(B, T)``, uniform in [0, 1).
        random_ids: int64 ``(B, T)``, a random vocabulary id per position.
        mask_token_id: the id of [MASK].

    Returns:
        ``(masked_input_ids, labels)``, both int64 ``(B, T)``. Do not modify ``input_ids`` in place.
    """
    raise NotImplementedError("exercise mlm_masking: not implemented yet — replace this line with your code")
