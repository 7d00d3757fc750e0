"""Masked-language-model inputs: which tokens BERT must reconstruct, and what it sees in their place.

Devlin et al. (2019), §3.1 and Appendix A.1: choose 15% of the (non-special) token positions at random as
prediction targets. Of the chosen positions

* 80% are replaced by ``[MASK]``,
* 10% by a random token of the vocabulary,
* 10% are left unchanged.

The model is asked to predict the original token at every chosen position, and nowhere else: labels hold
the original id there and ``-100`` (PyTorch's ``ignore_index``) everywhere else. WHY not always ``[MASK]``?
``[MASK]`` never appears when the model is fine-tuned, so a model that only learned "predict at [MASK]"
would have nothing to do on real text; keeping or corrupting some targets forces a useful representation
of *every* token.

Each eligible position is chosen independently with probability 15% (a Bernoulli draw per position, as
RoBERTa's dynamic masking and the reference's data collator do), so the number of targets per sequence
varies around 15% instead of being exactly ``round(0.15 * n)`` as in the original TensorFlow script.

Whole-word masking (the later "wwm" BERT models): a word is a token plus the ``##`` pieces that follow it;
words are chosen, never single pieces, so the model cannot recover ``##ing`` from the visible ``play``.
The 80/10/10 decision is still made per token, as the original script does.
"""

from __future__ import annotations

import torch

from minibert.heads.labels import IGNORE_INDEX  # label value that nn.CrossEntropyLoss skips


def eligible_positions(
    input_ids: torch.Tensor,
    special_tokens_mask: torch.Tensor | None = None,
    attention_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Positions that may be chosen: not special ([CLS], [SEP], ...) and not padding. Bool ``(B, T)``."""
    eligible = torch.ones_like(input_ids, dtype=torch.bool)
    for name, mask in (("special_tokens_mask", special_tokens_mask), ("attention_mask", attention_mask)):
        if mask is None:
            continue
        if mask.shape != input_ids.shape:
            raise ValueError(f"{name} has shape {tuple(mask.shape)}, expected input_ids' shape "
                             f"{tuple(input_ids.shape)}")
    if special_tokens_mask is not None:
        eligible &= ~special_tokens_mask.bool()
    if attention_mask is not None:
        eligible &= attention_mask.bool()
    return eligible


def _word_choice(eligible: torch.Tensor, is_continuation: torch.Tensor, probability: float,
                 generator: torch.Generator | None) -> torch.Tensor:
    """Choose whole words: one coin per word, copied to all of the word's pieces. Bool ``(B, T)``."""
    B, T = eligible.shape
    # A word starts at an eligible token that is not a "##" piece, or at a "##" piece whose left neighbour is
    # not eligible (e.g. right after [CLS]); such an orphan piece is a word of its own.
    left_eligible = torch.cat([torch.zeros(B, 1, dtype=torch.bool), eligible[:, :-1]], dim=1)
    word_start = eligible & (~is_continuation.bool() | ~left_eligible)
    # Index of the word start that each position belongs to: the running maximum of start positions.
    positions = torch.arange(T).expand(B, T)
    start_of = torch.where(word_start, positions, torch.zeros_like(positions)).cummax(dim=1).values  # (B, T)
    coin = torch.rand(B, T, generator=generator) < probability  # one draw per position, read only at starts
    return eligible & torch.gather(coin & word_start, 1, start_of)


def mask_tokens(
    input_ids: torch.Tensor,
    *,
    mask_token_id: int,
    vocab_size: int,
    special_tokens_mask: torch.Tensor | None = None,
    attention_mask: torch.Tensor | None = None,
    mlm_probability: float = 0.15,
    mask_replace_prob: float = 0.8,
    random_replace_prob: float = 0.1,
    whole_word_mask: bool = False,
    is_continuation: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply BERT's masking to a batch.

    Args:
        input_ids: ``(B, T)`` int64 token ids (a single sequence may be given as ``(T,)``).
        special_tokens_mask, attention_mask: ``(B, T)``; 1 marks a special token / a real (non-pad) token.
        whole_word_mask: choose words instead of tokens; needs ``is_continuation`` ``(B, T)`` bool, True for
            ``##`` pieces (see :func:`continuation_table`).
        generator: a seeded ``torch.Generator`` makes the result reproducible; draws happen in a fixed order.

    Returns:
        ``(masked_input_ids, labels)``, both ``(B, T)`` int64; labels are ``-100`` where nothing was chosen.
    """
    if not 0.0 <= mlm_probability <= 1.0:
        raise ValueError(f"mlm_probability must be in [0, 1], got {mlm_probability}")
    if mask_replace_prob < 0 or random_replace_prob < 0 or mask_replace_prob + random_replace_prob > 1.0:
        raise ValueError(f"mask_replace_prob ({mask_replace_prob}) + random_replace_prob ({random_replace_prob}) "
                         "must be non-negative and at most 1")
    squeeze = input_ids.dim() == 1
    if squeeze:
        input_ids = input_ids.unsqueeze(0)
        special_tokens_mask = None if special_tokens_mask is None else special_tokens_mask.unsqueeze(0)
        attention_mask = None if attention_mask is None else attention_mask.unsqueeze(0)
        is_continuation = None if is_continuation is None else is_continuation.unsqueeze(0)
    if input_ids.dim() != 2:
        raise ValueError(f"input_ids must be (B, T) or (T,), got shape {tuple(input_ids.shape)}")
    device = input_ids.device
    input_ids = input_ids.cpu()  # random draws on the CPU generator: same result on every device
    eligible = eligible_positions(input_ids, _cpu(special_tokens_mask), _cpu(attention_mask))  # (B, T)

    # 1. choose the prediction targets
    if whole_word_mask:
        if is_continuation is None or is_continuation.shape != input_ids.shape:
            raise ValueError("whole_word_mask=True needs is_continuation with input_ids' shape (B, T); got "
                             f"{None if is_continuation is None else tuple(is_continuation.shape)}")
        chosen = _word_choice(eligible, is_continuation.cpu(), mlm_probability, generator)
    else:
        chosen = eligible & (torch.rand(input_ids.shape, generator=generator) < mlm_probability)
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE_INDEX))

    # 2. decide, per chosen token, what the model sees: one uniform draw u splits [0, 1) into
    #    [0, 0.8) -> [MASK], [0.8, 0.9) -> random token, [0.9, 1) -> unchanged.
    u = torch.rand(input_ids.shape, generator=generator)
    to_mask = chosen & (u < mask_replace_prob)
    to_random = chosen & (u >= mask_replace_prob) & (u < mask_replace_prob + random_replace_prob)
    # The random replacement is drawn from the whole vocabulary, as in the paper's code; it may by chance
    # equal the original token, which is then "unchanged" in effect.
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator, dtype=input_ids.dtype)

    masked = input_ids.clone()
    masked[to_mask] = mask_token_id
    masked[to_random] = random_ids[to_random]
    if squeeze:
        masked, labels = masked[0], labels[0]
    return masked.to(device), labels.to(device)


def _cpu(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.cpu()


def continuation_table(vocab_tokens: list[str]) -> torch.Tensor:
    """Bool ``(V,)``: True for WordPiece continuation pieces (``##...``). Index it with ids: ``table[input_ids]``."""
    return torch.tensor([tok.startswith("##") for tok in vocab_tokens], dtype=torch.bool)
