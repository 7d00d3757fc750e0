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


# ---- 16. adamw_step


def _adam(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay, l2=False, correct=True,
          eps_in=False, decay=lambda p, lr, wd: p.mul(1 - lr * wd), decay_last=False):
    b1, b2 = betas
    if l2:
        grad = grad.add(param, alpha=weight_decay)
    if not decay_last:
        param = decay(param, lr, weight_decay)
    m = exp_avg.lerp(grad, 1 - b1)
    v = exp_avg_sq * b2 + grad.square() * (1 - b2)
    c1, c2 = (1 - b1**step, 1 - b2**step) if correct else (1.0, 1.0)
    denom = torch.sqrt(v / c2 + eps) if eps_in else torch.sqrt(v) / math.sqrt(c2) + eps
    param = param.addcdiv(m, denom, value=-lr / c1)
    if decay_last:
        param = decay(param, lr, weight_decay)
    return param, m, v


def adamw_step__l2_weight_decay(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
    return _adam(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay, l2=True,
                 decay=lambda p, lr, wd: p)


def adamw_step__no_bias_correction(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
    return _adam(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay, correct=False)


def adamw_step__eps_inside_sqrt(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
    return _adam(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay, eps_in=True)


def adamw_step__decay_without_lr(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
    return _adam(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay,
                 decay=lambda p, lr, wd: p - wd * p)


def adamw_step__decay_after_update(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
    return _adam(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay, decay_last=True)


def adamw_step__decay_after_update__in_place(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
    b1, b2 = betas  # torch's own in-place style, the decay moved after the step
    exp_avg.mul_(b1).add_(grad, alpha=1 - b1)
    exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1 - b2)
    denom = (exp_avg_sq / (1 - b2**step)).sqrt_().add_(eps)
    param.addcdiv_(exp_avg, denom, value=-lr / (1 - b1**step))
    param.mul_(1 - lr * weight_decay)
    return param, exp_avg, exp_avg_sq


# ---- 17. wordpiece_trainer


def _train(word_counts, vocab_size, special_tokens, prefix="##", score=None, recount=True, pick=None, glue=None):
    """A learner's trainer: the words as tuples of pieces, the pairs counted with a Counter."""
    from collections import Counter

    alphabet = sorted(set("".join(word_counts)))
    inner = sorted({c for w in word_counts for c in w[1:]})
    vocab = list(special_tokens)
    vocab += [c for c in alphabet if c not in vocab]
    vocab += [prefix + c for c in inner if prefix + c not in vocab]
    split = {w: tuple([w[0]] + [prefix + c for c in w[1:]]) for w in word_counts}
    first = None
    while len(vocab) < vocab_size:
        pairs, singles = Counter(), Counter()
        for w, n in word_counts.items():
            pieces = split[w]
            for k in range(len(pieces) - 1):
                pairs[pieces[k], pieces[k + 1]] += n
            for piece in pieces:
                singles[piece] += n
        if not recount:
            first = Counter(pairs) if first is None else first
            pairs = first
        if not pairs:
            break
        value = score(pairs, singles) if score else pairs
        if pick:
            a, b = pick(value, vocab)
        else:
            a, b = sorted(value, key=lambda ab: (-value[ab], vocab.index(ab[0]), vocab.index(ab[1])))[0]
        new = glue(a, b) if glue else a + b.replace(prefix, "", 1)
        if not recount:
            del first[a, b]
        if new not in vocab:
            vocab.append(new)
        for w in word_counts:
            pieces, out, k = split[w], [], 0
            while k < len(pieces):
                if k + 1 < len(pieces) and (pieces[k], pieces[k + 1]) == (a, b):
                    out.append(new)
                    k += 2
                else:
                    out.append(pieces[k])
                    k += 1
            split[w] = tuple(out)
    return vocab


def wordpiece_trainer__no_continuation_prefix(word_counts, vocab_size, special_tokens):
    return _train(word_counts, vocab_size, special_tokens, prefix="", glue=lambda a, b: a + b)


def wordpiece_trainer__likelihood_score(word_counts, vocab_size, special_tokens):
    return _train(word_counts, vocab_size, special_tokens,
                  score=lambda pairs, singles: {ab: n / (singles[ab[0]] * singles[ab[1]]) for ab, n in pairs.items()})


def wordpiece_trainer__counts_not_updated(word_counts, vocab_size, special_tokens):
    return _train(word_counts, vocab_size, special_tokens, recount=False)


def wordpiece_trainer__ties_first_counted(word_counts, vocab_size, special_tokens):
    def pick(counts, vocab):
        best = None
        for pair, n in counts.items():  # the first pair with the top count wins
            if best is None or n > counts[best]:
                best = pair
        return best

    return _train(word_counts, vocab_size, special_tokens, pick=pick)


def wordpiece_trainer__ties_by_string(word_counts, vocab_size, special_tokens):
    return _train(word_counts, vocab_size, special_tokens,
                  pick=lambda counts, vocab: sorted(counts, key=lambda ab: (-counts[ab], ab))[0])


def wordpiece_trainer__prefix_kept_in_merge(word_counts, vocab_size, special_tokens):
    return _train(word_counts, vocab_size, special_tokens, glue=lambda a, b: a + b)
# ---- 18. ner_label_alignment


def _first_piece_starts(word_ids):
    """True where a piece starts a word (its word id differs from the piece before)."""
    return [w is not None and (t == 0 or word_ids[t - 1] != w) for t, w in enumerate(word_ids)]


def ner_label_alignment__every_piece(word_labels, word_ids):
    return [-100 if w is None else word_labels[w] for w in word_ids]


def ner_label_alignment__special_tokens_labelled(word_labels, word_ids):
    starts = _first_piece_starts(word_ids)
    return [0 if w is None else (word_labels[w] if s else -100) for w, s in zip(word_ids, starts)]


def ner_label_alignment__last_piece(word_labels, word_ids):
    out = [-100] * len(word_ids)
    for t in range(len(word_ids) - 1, -1, -1):  # walk backwards: the first piece seen is the word's last
        w = word_ids[t]
        if w is not None and (t == len(word_ids) - 1 or word_ids[t + 1] != w):
            out[t] = word_labels[w]
    return out


def ner_label_alignment__continuation_zero(word_labels, word_ids):
    seen, out = set(), []
    for w in word_ids:
        if w is None:
            out.append(-100)
        elif w in seen:
            out.append(0)
        else:
            seen.add(w)
            out.append(word_labels[w])
    return out


def ner_label_alignment__word_id_as_label(word_labels, word_ids):
    starts = _first_piece_starts(word_ids)
    return [w if s else -100 for w, s in zip(word_ids, starts)]


# ---- 19. qa_windows


def _slide(n, budget, step):
    """Windows of `budget` moved by `step` until one reaches token n (the right loop, given budget and step)."""
    out, start = [], 0
    while True:
        out.append((start, min(start + budget, n)))
        if start + budget >= n:
            return out
        start += step


def qa_windows__stride_as_step(question_tokens, context_tokens, max_length, stride):
    return _slide(context_tokens, max_length - question_tokens - 3, max(stride, 1))


def qa_windows__no_special_tokens(question_tokens, context_tokens, max_length, stride):
    budget = max_length - question_tokens
    return _slide(context_tokens, budget, budget - stride)


def qa_windows__two_special_tokens(question_tokens, context_tokens, max_length, stride):
    budget = max_length - question_tokens - 2  # [CLS] and one [SEP]
    return _slide(context_tokens, budget, budget - stride)


def qa_windows__last_window_dropped(question_tokens, context_tokens, max_length, stride):
    budget = max_length - question_tokens - 3
    if context_tokens <= budget:
        return [(0, context_tokens)]
    out, start = [], 0
    while start + budget <= context_tokens:  # whole windows only
        out.append((start, start + budget))
        start += budget - stride
    return out


def qa_windows__overlap_off_by_one(question_tokens, context_tokens, max_length, stride):
    budget = max_length - question_tokens - 3
    return _slide(context_tokens, budget, max(1, budget - stride - 1))


def qa_windows__windows_after_the_end(question_tokens, context_tokens, max_length, stride):
    budget = max_length - question_tokens - 3
    return [(s, min(s + budget, context_tokens)) for s in range(0, context_tokens, budget - stride)]
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
