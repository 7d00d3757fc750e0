"""Planted mistakes: wrong answers to the exercises, written the way a learner would write them.

One function per known mistake, named ``<exercise>__<mistake key>`` after the catalogue entry it should be
recognised as (minibert/exercises/mistakes/<exercise>.py); ``<exercise>__<key>__<variant>`` is another way
to make the same mistake. tests/exercises/test_exercises.py grades each one and checks
that its grader fails it, names that mistake (and no other) in every failing case, and never says "not
implemented yet". They are written independently of the catalogue's own functions (other spellings: torch
built-ins, loops, masked_fill), so a match shows the recognition works on behaviour, not on shared code.
"""

from __future__ import annotations

import math
import string
import unicodedata

import torch
import torch.nn.functional as F

# ---- 1. gelu


def gelu__tanh_approximation(x):
    return F.gelu(x, approximate="tanh")


def gelu__sigmoid_approximation(x):
    return x / (1 + torch.exp(-1.702 * x))


def gelu__erf_without_sqrt2(x):
    return x * (1 + torch.erf(x)) / 2


def gelu__missing_half(x):
    return x + x * torch.erf(x / 2**0.5)


def gelu__phi_only(x):
    return (1 + torch.erf(x * math.sqrt(0.5))) / 2


# ---- 2. basic_tokenize

CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
       (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _words(text, punct, cjk=True, split=str.split):
    if cjk:
        text = "".join(" " + c + " " if any(a <= ord(c) <= b for a, b in CJK) else c for c in text)
    out = []
    for piece in split(text):
        word = []
        for c in piece:
            if punct(c):
                out += ["".join(word)] if word else []
                out.append(c)
                word = []
            else:
                word.append(c)
        out += ["".join(word)] if word else []
    return out


def _punct(c):
    return (c.isascii() and c.isprintable() and not c.isalnum() and c != " ") or unicodedata.category(c)[0] == "P"


def basic_tokenize__ascii_punctuation_only(text):
    return _words(text, lambda c: c in string.punctuation)


def basic_tokenize__unicode_punctuation_only(text):
    return _words(text, lambda c: unicodedata.category(c).startswith("P"))


def basic_tokenize__symbols_split(text):
    return _words(text, lambda c: not c.isalnum())


def basic_tokenize__cjk_not_split(text):
    return _words(text, _punct, cjk=False)


def basic_tokenize__split_on_space_only(text):
    return _words(text, _punct, split=lambda t: t.split(" "))


# ---- 3. wordpiece


def _wordpiece(word, vocab, unk, limit, order="longest", prefix="##", strip=False, too_long=None):
    if (too_long or (lambda n: n > limit))(len(word)):
        return [unk]
    out, i = [], 0
    while i < len(word):
        ends = range(len(word), i, -1) if order == "longest" else range(i + 1, len(word) + 1)
        match = next((j for j in ends if (word[i:j] if i == 0 else prefix + word[i:j]) in vocab), None)
        if match is None:
            return [unk]
        out.append(word[i:match] if i == 0 or strip else prefix + word[i:match])
        i = match
    return out


def wordpiece__greedy_shortest(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    return _wordpiece(word, vocab, unk_token, max_input_chars_per_word, order="shortest")


def wordpiece__pieces_kept_before_unk(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
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


def wordpiece__no_hash_prefix(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    return _wordpiece(word, vocab, unk_token, max_input_chars_per_word, prefix="")


def wordpiece__hash_prefix_dropped(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    return _wordpiece(word, vocab, unk_token, max_input_chars_per_word, strip=True)


def wordpiece__max_chars_off_by_one(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    limit = max_input_chars_per_word
    return _wordpiece(word, vocab, unk_token, limit, too_long=lambda n: n >= limit)


def wordpiece__max_chars_ignored(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    return _wordpiece(word, vocab, unk_token, max_input_chars_per_word, too_long=lambda n: False)


def wordpiece__unk_hard_coded(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    return _wordpiece(word, vocab, "[UNK]", max_input_chars_per_word)


# ---- 4. layer_norm


def layer_norm__unbiased_variance(x, weight, bias, eps):
    return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + eps) * weight + bias


def layer_norm__eps_outside_root(x, weight, bias, eps):
    mu = x.mean(-1, keepdim=True)
    return weight * (x - mu) / (x.var(-1, unbiased=False, keepdim=True).sqrt() + eps) + bias


def layer_norm__no_eps(x, weight, bias, eps):
    centred = x - x.mean(-1, keepdim=True)
    return weight * centred / centred.pow(2).mean(-1, keepdim=True).sqrt() + bias


def layer_norm__no_square_root(x, weight, bias, eps):
    centred = x - x.mean(-1, keepdim=True)
    return weight * centred / (centred.pow(2).mean(-1, keepdim=True) + eps) + bias


def layer_norm__no_mean_subtraction(x, weight, bias, eps):
    return weight * x * torch.rsqrt(x.var(-1, unbiased=False, keepdim=True) + eps) + bias


def layer_norm__whole_tensor(x, weight, bias, eps):
    return weight * (x - x.mean()) / torch.sqrt(((x - x.mean()) ** 2).mean() + eps) + bias


def layer_norm__no_scale_shift(x, weight, bias, eps):
    return F.layer_norm(x, x.shape[-1:], eps=eps)


# ---- 5. embeddings


def _summed(input_ids, token_type_ids, W, P, S, positions=None):
    T = input_ids.shape[1]
    positions = torch.arange(T) if positions is None else positions
    return F.embedding(input_ids, W) + F.embedding(positions, P)[None] + F.embedding(token_type_ids, S)


def embeddings__no_layer_norm(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings,
                              ln_weight, ln_bias, eps):
    return _summed(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings)


def embeddings__positions_from_one(input_ids, token_type_ids, word_embeddings, position_embeddings,
                                   token_type_embeddings, ln_weight, ln_bias, eps):
    positions = torch.arange(1, input_ids.shape[1] + 1)
    x = _summed(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings, positions)
    return F.layer_norm(x, x.shape[-1:], ln_weight, ln_bias, eps)


def embeddings__no_position(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings,
                            ln_weight, ln_bias, eps):
    x = word_embeddings[input_ids] + token_type_embeddings[token_type_ids]
    return F.layer_norm(x, x.shape[-1:], ln_weight, ln_bias, eps)


def embeddings__no_token_type(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings,
                              ln_weight, ln_bias, eps):
    x = word_embeddings[input_ids] + position_embeddings[: input_ids.shape[1]]
    return F.layer_norm(x, (x.shape[-1],), ln_weight, ln_bias, eps)


# ---- 6. attention_mask


def attention_mask__minus_10000(mask, dtype):
    return (1.0 - mask[:, None, None, :].to(dtype)) * -10000.0


def attention_mask__minus_inf(mask, dtype):
    return torch.zeros(mask.shape, dtype=dtype).masked_fill(mask == 0, float("-inf"))[:, None, None]


def attention_mask__minus_inf__float32_min(mask, dtype):
    return ((1 - mask.float()) * torch.finfo(torch.float32).min).to(dtype)[:, None, None, :]


def attention_mask__multiplicative(mask, dtype):
    return mask[:, None, None, :].to(dtype)


def attention_mask__inverted(mask, dtype):
    return mask[:, None, None, :].to(dtype) * torch.finfo(dtype).min


def attention_mask__no_singleton_dims(mask, dtype):
    return (1.0 - mask.to(dtype)) * torch.finfo(dtype).min


def attention_mask__float32_result(mask, dtype):
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(dtype).min


# ---- 7. split_heads / 8. merge_heads


def split_heads__no_transpose(x, num_heads):
    B, T, C = x.shape
    return x.reshape(B, num_heads, T, C // num_heads)


def split_heads__interleaved(x, num_heads):
    B, T, C = x.shape
    return x.view(B, T, C // num_heads, num_heads).transpose(1, 3).transpose(2, 3)


def split_heads__transpose_missing_shape(x, num_heads):
    B, T, C = x.shape
    return x.view(B, T, num_heads, -1)


def merge_heads__no_transpose(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)


def merge_heads__interleaved(x):
    B, H, T, d = x.shape
    return torch.stack([x[:, :, :, i] for i in range(d)], dim=-1).transpose(1, 2).transpose(2, 3).reshape(B, T, -1)


def merge_heads__no_reshape(x):
    return x.permute(0, 2, 1, 3)


# ---- 9. attention


def _attention(q, k, v, attention_mask, head_mask, scale=None, dim=-1):
    scores = torch.einsum("bhid,bhjd->bhij", q, k) * (scale if scale is not None else q.size(-1) ** -0.5)
    if attention_mask is not None:
        scores = scores + attention_mask
    probs = F.softmax(scores, dim=dim)
    if head_mask is not None:
        probs = probs * head_mask
    return torch.einsum("bhij,bhjd->bhid", probs, v), probs


def attention__no_scaling(q, k, v, attention_mask=None, head_mask=None):
    return _attention(q, k, v, attention_mask, head_mask, scale=1.0)


def attention__scaled_by_d(q, k, v, attention_mask=None, head_mask=None):
    return _attention(q, k, v, attention_mask, head_mask, scale=1.0 / q.shape[-1])


def attention__softmax_over_queries(q, k, v, attention_mask=None, head_mask=None):
    return _attention(q, k, v, attention_mask, head_mask, dim=2)


def attention__multiplicative_mask(q, k, v, attention_mask=None, head_mask=None):
    scores = q @ k.transpose(2, 3) / math.sqrt(q.shape[-1])
    if attention_mask is not None:
        scores = scores * attention_mask
    probs = scores.softmax(-1) * (1 if head_mask is None else head_mask)
    return probs @ v, probs


def attention__mask_added_after_softmax(q, k, v, attention_mask=None, head_mask=None):
    probs = (q @ k.transpose(2, 3) / math.sqrt(q.shape[-1])).softmax(-1)
    if attention_mask is not None:
        probs = probs + attention_mask
    if head_mask is not None:
        probs = probs * head_mask
    return probs @ v, probs


def attention__keys_zeroed_after_softmax(q, k, v, attention_mask=None, head_mask=None):
    probs = (q @ k.transpose(2, 3) / math.sqrt(q.shape[-1])).softmax(-1)
    if attention_mask is not None:
        probs = probs.masked_fill(attention_mask < 0, 0.0)
    if head_mask is not None:
        probs = probs * head_mask
    return probs @ v, probs


def attention__mask_ignored(q, k, v, attention_mask=None, head_mask=None):
    return _attention(q, k, v, None, head_mask)


def attention__head_mask_before_softmax(q, k, v, attention_mask=None, head_mask=None):
    scores = q @ k.transpose(2, 3) / math.sqrt(q.shape[-1])
    if attention_mask is not None:
        scores = scores + attention_mask
    if head_mask is not None:
        scores = scores * head_mask
    probs = scores.softmax(-1)
    return probs @ v, probs


def attention__head_mask_ignored(q, k, v, attention_mask=None, head_mask=None):
    return _attention(q, k, v, attention_mask, None)


def attention__probs_before_head_mask(q, k, v, attention_mask=None, head_mask=None):
    _, probs = _attention(q, k, v, attention_mask, None)
    weights = probs if head_mask is None else probs * head_mask
    return weights @ v, probs


# ---- 10. add_and_norm


def add_and_norm__pre_layer_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):
    projected = F.linear(hidden_states, dense_weight, dense_bias)
    return F.layer_norm(projected, (input_tensor.shape[-1],), ln_weight, ln_bias, eps) + input_tensor


def add_and_norm__no_residual(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):
    return F.layer_norm(F.linear(hidden_states, dense_weight, dense_bias), ln_weight.shape, ln_weight, ln_bias, eps)


def add_and_norm__no_layer_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):
    return input_tensor + F.linear(hidden_states, dense_weight, dense_bias)


def add_and_norm__weight_not_transposed(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias,
                                        eps):
    x = torch.matmul(hidden_states, dense_weight) + dense_bias + input_tensor
    return F.layer_norm(x, ln_weight.shape, ln_weight, ln_bias, eps)


# ---- 11. pooler


def pooler__mean_pooling(hidden_states, dense_weight, dense_bias):
    return torch.tanh(hidden_states.mean(dim=1) @ dense_weight.T + dense_bias)


def pooler__last_position(hidden_states, dense_weight, dense_bias):
    return torch.tanh(F.linear(hidden_states[:, hidden_states.shape[1] - 1], dense_weight, dense_bias))


def pooler__weight_not_transposed(hidden_states, dense_weight, dense_bias):
    return torch.tanh(torch.einsum("bi,io->bo", hidden_states[:, 0], dense_weight) + dense_bias)


def pooler__no_tanh(hidden_states, dense_weight, dense_bias):
    return F.linear(hidden_states[:, 0], dense_weight, dense_bias)


# ---- 12. mlm_masking


def _mlm(input_ids, special, attention, select_u, replace_u, random_ids, mask_id, p, p_mask, p_random,
         eligible=None, to_mask=None, to_random=None, labels_from=None, everywhere=False, select=None):
    eligible = (~special & (attention == 1)) if eligible is None else eligible
    chosen = eligible & (select_u < p if select is None else select)
    to_mask = replace_u < p_mask if to_mask is None else to_mask
    to_random = ((replace_u >= p_mask) & (replace_u < p_mask + p_random)) if to_random is None else to_random
    out = input_ids.clone()
    out = torch.where(chosen & to_mask, torch.full_like(out, mask_id), out)
    out = torch.where(chosen & to_random, random_ids, out)
    if everywhere:
        return out, input_ids.clone()
    labels = input_ids.clone() if labels_from is None else labels_from(out)
    labels[~chosen] = -100
    return out, labels


def mlm_masking__padding_chosen(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                                mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8, random_replace_prob=0.1):
    return _mlm(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability, mask_replace_prob, random_replace_prob, eligible=~special_tokens_mask)


def mlm_masking__special_chosen(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                                mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8, random_replace_prob=0.1):
    return _mlm(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability, mask_replace_prob, random_replace_prob, eligible=attention_mask.bool())


def mlm_masking__random_first(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                              mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8, random_replace_prob=0.1):
    return _mlm(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability, mask_replace_prob, random_replace_prob,
                to_random=replace_u < random_replace_prob,
                to_mask=(replace_u >= random_replace_prob) & (replace_u < random_replace_prob + mask_replace_prob))


def mlm_masking__keep_before_random(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                                    mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8,
                                    random_replace_prob=0.1):
    return _mlm(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability, mask_replace_prob, random_replace_prob,
                to_random=replace_u >= 1 - random_replace_prob)


def mlm_masking__chosen_by_large_u(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                                   mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8,
                                   random_replace_prob=0.1):
    return _mlm(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability, mask_replace_prob, random_replace_prob, select=select_u > 1 - mlm_probability)


def mlm_masking__unchosen_corrupted(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                                    mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8,
                                    random_replace_prob=0.1):
    chosen = ~special_tokens_mask & attention_mask.bool() & (select_u < mlm_probability)
    masked = input_ids.clone()
    masked[replace_u < mask_replace_prob] = mask_token_id
    rand = (replace_u >= mask_replace_prob) & (replace_u < mask_replace_prob + random_replace_prob)
    masked[rand] = random_ids[rand]
    return masked, torch.where(chosen, input_ids, -100)


def mlm_masking__labels_corrupted(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                                  mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8, random_replace_prob=0.1):
    return _mlm(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability, mask_replace_prob, random_replace_prob, labels_from=lambda out: out.clone())


def mlm_masking__labels_everywhere(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids,
                                   mask_token_id, mlm_probability=0.15, mask_replace_prob=0.8,
                                   random_replace_prob=0.1):
    return _mlm(input_ids, special_tokens_mask, attention_mask, select_u, replace_u, random_ids, mask_token_id,
                mlm_probability, mask_replace_prob, random_replace_prob, everywhere=True)


# ---- 13. prune_heads_index


def prune_heads_index__no_shift(heads, n_heads, head_size, already_pruned):
    keep = torch.ones(n_heads + len(already_pruned), dtype=torch.bool)
    keep[[h for h in heads if h not in already_pruned]] = False
    keep = keep[:n_heads]
    return torch.arange(n_heads * head_size).reshape(n_heads, head_size)[keep].reshape(-1)


def prune_heads_index__shift_by_all(heads, n_heads, head_size, already_pruned):
    keep = [True] * n_heads
    for h in set(heads) - set(already_pruned):
        keep[h - len(already_pruned)] = False
    return torch.tensor([h * head_size + i for h in range(n_heads) if keep[h] for i in range(head_size)],
                        dtype=torch.long)


def prune_heads_index__already_pruned_not_ignored(heads, n_heads, head_size, already_pruned):
    keep = torch.ones(n_heads, dtype=torch.bool)
    for h in set(heads):
        keep[h - len([p for p in already_pruned if p < h])] = False
    return torch.arange(n_heads * head_size).view(n_heads, head_size)[keep].flatten()


def prune_heads_index__removed_not_kept(heads, n_heads, head_size, already_pruned):
    gone = sorted({h - sum(p < h for p in already_pruned) for h in heads if h not in already_pruned})
    return torch.tensor([h * head_size + i for h in gone for i in range(head_size)], dtype=torch.int64)


# ---- 14. linear_schedule


def linear_schedule__warmup_from_one(step, num_warmup_steps, num_training_steps):
    if step < num_warmup_steps:
        return (step + 1) / num_warmup_steps
    return max(0.0, (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps))


def linear_schedule__decay_over_whole_run(step, num_warmup_steps, num_training_steps):
    if step < num_warmup_steps:
        return step / max(1, num_warmup_steps)
    return max(0.0, (num_training_steps - step) / max(1, num_training_steps))


def linear_schedule__non_zero_floor(step, num_warmup_steps, num_training_steps):
    if step < num_warmup_steps:
        return step / max(1, num_warmup_steps)
    return max(0.1, (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps))


def linear_schedule__negative_after_end(step, num_warmup_steps, num_training_steps):
    if step < num_warmup_steps:
        return step / max(1, num_warmup_steps)
    remaining = num_training_steps - step
    return remaining / max(1, num_training_steps - num_warmup_steps)


# ---- 15. qa_best_span


def _spans(start_logits, end_logits, allowed, ok):
    starts, ends, scores = [], [], []
    for b in range(start_logits.shape[0]):
        best = max(((start_logits[b, s] + end_logits[b, e], s, e) for s in range(start_logits.shape[1])
                    for e in range(start_logits.shape[1]) if ok(b, s, e)), key=lambda t: t[0].item())
        scores.append(best[0])
        starts.append(best[1])
        ends.append(best[2])
    return torch.tensor(starts), torch.tensor(ends), torch.stack(scores)


def qa_best_span__end_before_start(start_logits, end_logits, allowed, max_answer_length):
    return _spans(start_logits, end_logits, allowed,
                  lambda b, s, e: allowed[b, s] and allowed[b, e] and e - s + 1 <= max_answer_length)


def qa_best_span__length_ignored(start_logits, end_logits, allowed, max_answer_length):
    return _spans(start_logits, end_logits, allowed, lambda b, s, e: allowed[b, s] and allowed[b, e] and s <= e)


def qa_best_span__length_off_by_one(start_logits, end_logits, allowed, max_answer_length):
    return _spans(start_logits, end_logits, allowed,
                  lambda b, s, e: allowed[b, s] and allowed[b, e] and s <= e <= s + max_answer_length)


def qa_best_span__allowed_ignored(start_logits, end_logits, allowed, max_answer_length):
    return _spans(start_logits, end_logits, allowed, lambda b, s, e: s <= e < s + max_answer_length)


# ---- 20. pair_inputs


def pair_inputs__no_final_sep(ids_a, ids_b, cls_id, sep_id):
    ids = [cls_id] + ids_a + [sep_id] + (ids_b or [])
    return ids, [0] * (len(ids_a) + 2) + [1] * len(ids_b or [])


def pair_inputs__first_sep_in_segment_b(ids_a, ids_b, cls_id, sep_id):
    if ids_b is None:
        return [cls_id, *ids_a, sep_id], [0] * (len(ids_a) + 2)
    return [cls_id, *ids_a, sep_id, *ids_b, sep_id], [0] * (len(ids_a) + 1) + [1] * (len(ids_b) + 2)


def pair_inputs__last_sep_in_segment_a(ids_a, ids_b, cls_id, sep_id):
    ids = [cls_id, *ids_a, sep_id]
    types = [0 for _ in ids]
    if ids_b is not None:
        ids += ids_b
        types += [1 for _ in ids_b]
        ids.append(sep_id)
        types.append(0)
    return ids, types


def pair_inputs__types_all_zero(ids_a, ids_b, cls_id, sep_id):
    ids = [cls_id, *ids_a, sep_id] + ([*ids_b, sep_id] if ids_b is not None else [])
    return ids, [0] * len(ids)


# ---- 21. tf_to_hf_keys


def _tf_key(name, layer_sep=".", gamma="weight", beta="bias", table=".weight"):
    parts = name.split("/")
    out = []
    for n, part in enumerate(parts, start=1):
        if part.startswith("layer_") and part[6:].isdigit():
            out.append("layer" + layer_sep + part[6:])
        elif n == len(parts):  # the leaf
            out.append({"kernel": "weight", "gamma": gamma, "beta": beta}.get(part, part))
        else:
            out.append(part)
    key = ".".join(out)
    return key + table if parts[-1].endswith("_embeddings") else key


HEADS = {"cls/seq_relationship/output_weights": "cls.seq_relationship.weight",
         "cls/seq_relationship/output_bias": "cls.seq_relationship.bias",
         "cls/predictions/output_bias": "cls.predictions.bias"}


def _tf_map(names, state=True, kernel_t=True, heads_t=False, **key_rules):
    keys, flips = [], []
    for name in names:
        if state and (name == "global_step" or name.split("/")[-1] in ("adam_m", "adam_v")):
            keys.append(None)
            flips.append(False)
        elif name in HEADS:
            keys.append(HEADS[name])
            flips.append(heads_t and "output_weights" in name)
        else:
            keys.append(_tf_key(name, **key_rules))
            flips.append(kernel_t and name.split("/")[-1] == "kernel")
    return keys, flips


def tf_to_hf_keys__kernels_not_transposed(names):
    return _tf_map(names, kernel_t=False)


def tf_to_hf_keys__output_weights_transposed(names):
    return _tf_map(names, heads_t=True)


def tf_to_hf_keys__layer_number_kept(names):
    return _tf_map(names, layer_sep="_")


def tf_to_hf_keys__gamma_beta_kept(names):
    return _tf_map(names, gamma="gamma", beta="beta")


def tf_to_hf_keys__embedding_without_weight(names):
    return _tf_map(names, table="")


def tf_to_hf_keys__training_state_kept(names):
    return _tf_map(names, state=False)


# ---- 22. layer_flops


def layer_flops__no_attention_products(hidden_size, num_attention_heads, intermediate_size, seq_len):
    return 2 * seq_len * (4 * hidden_size * hidden_size + 2 * hidden_size * intermediate_size)


def layer_flops__multiply_adds(hidden_size, num_attention_heads, intermediate_size, seq_len):
    C, I, T = hidden_size, intermediate_size, seq_len
    return 4 * T * C * C + 2 * T * T * C + 2 * T * C * I


def layer_flops__one_head(hidden_size, num_attention_heads, intermediate_size, seq_len):
    C, I, T, d = hidden_size, intermediate_size, seq_len, hidden_size // num_attention_heads
    return 8 * T * C * C + 4 * T * T * d + 4 * T * C * I


def layer_flops__output_projection_forgotten(hidden_size, num_attention_heads, intermediate_size, seq_len):
    C, I, T = hidden_size, intermediate_size, seq_len
    return 3 * 2 * T * C * C + 4 * T * T * C + 4 * T * C * I


def layer_flops__feed_forward_once(hidden_size, num_attention_heads, intermediate_size, seq_len):
    C, I, T = hidden_size, intermediate_size, seq_len
    return 8 * T * C * C + 4 * T * T * C + 2 * T * C * I
