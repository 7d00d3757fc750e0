"""Plausible WRONG answers to every exercise, one per exercise: each grader must reject its mistake.

tests/test_exercises.py grades this file (``--impl tests/exercise_mistakes.py``) and expects every exercise
to FAIL with a value/shape message, never "not implemented yet". This is what shows the tolerances are
tight enough to catch real mistakes, not only unimplemented stubs.
"""

from __future__ import annotations

import math
import string

import torch
import torch.nn.functional as F


def gelu(x):  # the tanh approximation ("gelu_new"), not the exact GELU
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def basic_tokenize(text):  # ASCII punctuation only, CJK ideographs not split
    words = []
    for chunk in text.split():
        current = ""
        for char in chunk:
            if char in string.punctuation:
                words += [current, char] if current else [char]
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    return words


def wordpiece(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):  # keeps the pieces before an [UNK]
    if len(word) > max_input_chars_per_word:
        return [unk_token]
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:
            return pieces + [unk_token]
    return pieces


def layer_norm(x, weight, bias, eps):  # unbiased variance (torch.var's default divides by C - 1)
    return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + eps) * weight + bias


def embeddings(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings, ln_weight,
               ln_bias, eps):  # forgets the token-type embeddings
    summed = word_embeddings[input_ids] + position_embeddings[: input_ids.shape[1]]
    return F.layer_norm(summed, (summed.shape[-1],), ln_weight, ln_bias, eps)


def attention_mask(mask, dtype):  # the old -10000 instead of the dtype's minimum
    return (1.0 - mask[:, None, None, :].to(dtype)) * -10000.0


def split_heads(x, num_heads):  # right shape, wrong layout: a view without the transpose
    B, T, C = x.shape
    return x.reshape(B, num_heads, T, C // num_heads)


def merge_heads(x):  # right shape, wrong layout: a reshape without the transpose
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)


def attention(q, k, v, attention_mask=None, head_mask=None):  # forgets the 1/sqrt(d) scaling
    scores = q @ k.transpose(-1, -2)
    if attention_mask is not None:
        scores = scores + attention_mask
    probs = scores.softmax(-1)
    if head_mask is not None:
        probs = probs * head_mask
    return probs @ v, probs


def add_and_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):  # pre-LN order
    projected = hidden_states @ dense_weight.T + dense_bias
    return F.layer_norm(projected, (input_tensor.shape[-1],), ln_weight, ln_bias, eps) + input_tensor


def pooler(hidden_states, dense_weight, dense_bias):  # mean pooling instead of the first position
    return torch.tanh(hidden_states.mean(dim=1) @ dense_weight.T + dense_bias)


def mlm_masking(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability=0.15, mask_replace_prob=0.8, random_replace_prob=0.1):  # padding may be chosen
    chosen = ~special_tokens_mask & (select_u < mlm_probability)
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    masked = input_ids.clone()
    masked[chosen & (replace_u < mask_replace_prob)] = mask_token_id
    to_random = chosen & (replace_u >= mask_replace_prob) & (replace_u < mask_replace_prob + random_replace_prob)
    masked[to_random] = random_ids[to_random]
    return masked, labels


def prune_heads_index(heads, n_heads, head_size, already_pruned):  # forgets to shift past already-pruned heads
    keep = torch.ones(n_heads + len(already_pruned), dtype=torch.bool)
    keep[[h for h in heads if h not in already_pruned]] = False
    keep = keep[: n_heads]
    return torch.arange(n_heads * head_size).reshape(n_heads, head_size)[keep].reshape(-1)


def linear_schedule(step, num_warmup_steps, num_training_steps):  # decays over the whole run, not after warm-up
    if step < num_warmup_steps:
        return step / max(1, num_warmup_steps)
    return max(0.0, (num_training_steps - step) / max(1, num_training_steps))


def qa_best_span(start_logits, end_logits, allowed, max_answer_length):  # best start and best end independently
    start = start_logits.masked_fill(~allowed, float("-inf")).argmax(-1)
    end = end_logits.masked_fill(~allowed, float("-inf")).argmax(-1)
    score = start_logits.gather(1, start[:, None])[:, 0] + end_logits.gather(1, end[:, None])[:, 0]
    return start, end, score
