"""Cases drawn when a grader runs: fresh shapes, values and texts, so that only the maths passes.

The shipped snapshots (minibert/exercises/snapshots/) are public: a function could look its answers up there.
So besides them every grader draws ``DRAWN`` more cases of its exercise from a seed (``draw(name, seed)``),
and computes their expected outputs then, with the reference solution (``expected(name, inputs)``, also what
scripts/make_exercise_snapshots.py stores). The same seed draws the same cases: ``grade --seed S`` repeats
a grading. Drawn inputs keep the properties the snapshot cases were designed with (e.g. no near-ties between
QA spans), so a right answer passes on every seed and the mistake catalogue recognises mistakes on them too.
"""

from __future__ import annotations

import math
import random

import torch

DRAWN = 3  # fresh cases per exercise and grading


def _solution(name: str):
    from minibert.exercises.adapters import get_impl

    return get_impl(name, "solutions")


_OUTPUTS = {"gelu": ("y",), "basic_tokenize": ("words",), "layer_norm": ("y",), "embeddings": ("embeddings",),
            "attention_mask": ("mask",), "split_heads": ("heads",), "merge_heads": ("merged",),
            "attention": ("context", "probs"), "add_and_norm": ("y",), "pooler": ("pooled",),
            "mlm_masking": ("masked_input_ids", "labels"), "prune_heads_index": ("index",),
            "qa_best_span": ("start", "end", "score"), "adamw_step": ("param", "exp_avg", "exp_avg_sq"),
            "wordpiece_trainer": ("vocab",), "ner_label_alignment": ("labels",), "qa_windows": ("windows",),
            "pair_inputs": ("input_ids", "token_type_ids"), "tf_to_hf_keys": ("keys", "transpose"),
            "layer_flops": ("flops",)}


def expected(name: str, inputs: dict) -> dict:
    """The reference solution's outputs on ``inputs``, named as the grader names them."""
    fn = _solution(name)
    if name == "wordpiece":
        return {"pieces": fn(inputs["word"], set(inputs["vocab"]), inputs["unk_token"],
                             inputs["max_input_chars_per_word"])}
    if name == "linear_schedule":
        return {"factors": [fn(s, inputs["num_warmup_steps"], inputs["num_training_steps"]) for s in inputs["steps"]]}
    out = fn(**inputs)
    names = _OUTPUTS[name]
    return dict(zip(names, out if len(names) > 1 else (out,)))


def draw(name: str, seed: int) -> list[dict]:
    """``DRAWN`` fresh cases of exercise ``name`` with their expected outputs: ``[{"name", "inputs", "expected"}]``."""
    rng = random.Random(f"{seed}/{name}")  # one stream per exercise: grading one exercise or all draws the same
    g = torch.Generator().manual_seed(rng.randrange(2**62))
    cases = []
    for n in range(DRAWN):
        inputs = _DRAW[name](rng, g)
        cases.append({"name": f"drawn_{n + 1}_seed_{seed}", "inputs": inputs, "expected": expected(name, inputs)})
    return cases


def _randn(g, *shape, scale=1.0, shift=0.0):
    return torch.randn(*shape, generator=g) * scale + shift


def _gelu(r, g):
    return {"x": _randn(g, *[r.randint(1, 6) for _ in range(r.randint(1, 3))], scale=r.uniform(0.5, 5.0))}


_WORDS = ["hello", "World", "BERT", "don", "t", "100", "x1", "naïve", "über", "code", "a"]
_PUNCT = list(",.!?;:'\"-()[]{}<>/\\@#$%^&*_~`|+=") + list("¿¡«»…—‘’“”・、。！？")
_CJK = list("中文处理很好我们喜欢它漢字𠀀𠀁")
_OTHER = list("🙂👍©±€°") + ["ひらがな", "カタカナ", "한국어", "ＡＢＣ"]
_SPACE = [" ", " ", "  ", "\t", "\n", "\u3000", "\xa0", ""]


def _basic_tokenize(r, g):
    pools = [_WORDS, _WORDS, _PUNCT, _CJK, _OTHER]
    return {"text": "".join(r.choice(r.choice(pools)) + r.choice(_SPACE) for _ in range(r.randint(3, 14)))}


_VOCAB = ["[UNK]", "un", "##aff", "##able", "aff", "able", "play", "##ing", "##ed", "##s", "p", "##l", "##a",
          "##i", "##n", "re", "##play", "a", "b", "##b", "##bb", "bbb", "我", "##们", "hello", "##hello", "##"]


def _wordpiece(r, g):
    heads = [p for p in _VOCAB if not p.startswith("##") and p != "[UNK]"]
    tails = [p[2:] for p in _VOCAB if p.startswith("##") and len(p) > 2]
    word = r.choice(heads) + "".join(r.choice(tails + ["b", "a"]) for _ in range(r.randint(0, 4)))
    if r.random() < 0.3:  # a character no piece covers, somewhere
        i = r.randint(0, len(word))
        word = word[:i] + r.choice("xzq") + word[i:]
    limit = r.choice([100, len(word), len(word) - 1, max(1, len(word) - 2)])
    return {"word": word, "vocab": _VOCAB, "unk_token": r.choice(["[UNK]", "[UNK]", "<unk>"]),
            "max_input_chars_per_word": limit}


def _layer_norm(r, g):
    C = r.randint(2, 24)
    shape = [r.randint(1, 4) for _ in range(r.randint(0, 2))] + [C]
    return {"x": _randn(g, *shape, scale=r.uniform(0.5, 3.0), shift=r.uniform(-5, 5)),
            "weight": _randn(g, C, scale=0.5, shift=1.0), "bias": _randn(g, C, scale=0.3),
            "eps": r.choice([1e-12, 1e-5, 1e-3])}


def _embeddings(r, g):
    B, T, V, C = r.randint(1, 3), r.randint(1, 10), r.randint(10, 40), r.randint(4, 20)
    P = T + r.randint(0, 6)
    return {"input_ids": torch.randint(0, V, (B, T), generator=g),
            "token_type_ids": torch.randint(0, 2, (B, T), generator=g), "word_embeddings": _randn(g, V, C),
            "position_embeddings": _randn(g, P, C), "token_type_embeddings": _randn(g, 2, C),
            "ln_weight": _randn(g, C, scale=0.5, shift=1.0), "ln_bias": _randn(g, C, scale=0.3),
            "eps": r.choice([1e-12, 1e-5])}


def _padding(r, B, T, dtype=torch.long):
    mask = torch.zeros(B, T, dtype=dtype)
    for b in range(B):
        mask[b, :r.randint(1, T)] = 1
    return mask


def _attention_mask(r, g):
    B, T = r.randint(1, 4), r.randint(2, 8)
    mask = _padding(r, B, T, r.choice([torch.long, torch.bool]))
    return {"mask": mask, "dtype": r.choice([torch.float32, torch.float16, torch.bfloat16])}


def _split_heads(r, g):
    H = r.randint(1, 5)
    return {"x": _randn(g, r.randint(1, 3), r.randint(1, 6), H * r.randint(1, 4)), "num_heads": H}


def _merge_heads(r, g):
    return {"x": _randn(g, r.randint(1, 3), r.randint(2, 4), r.randint(1, 6), r.randint(1, 5))}


def _attention(r, g):
    B, H, T, d = r.randint(1, 3), r.randint(2, 4), r.randint(2, 7), r.randint(2, 8)
    q, k, v = (_randn(g, B, H, T, d, scale=1.5) for _ in range(3))
    mask, kind = None, r.choice(["none", "padding", "causal"])
    if kind == "padding":
        mask = (1.0 - _padding(r, B, T).float())[:, None, None, :] * torch.finfo(torch.float32).min
    elif kind == "causal":
        mask = ((1.0 - torch.tril(torch.ones(T, T))) * torch.finfo(torch.float32).min).expand(B, 1, T, T).clone()
    head_mask = None if r.random() < 0.3 else \
        torch.tensor([r.choice([0.0, 1.0, 1.0, 0.5]) for _ in range(H)]).reshape(1, H, 1, 1)
    return {"q": q, "k": k, "v": v, "attention_mask": mask, "head_mask": head_mask}


def _add_and_norm(r, g):
    B, T, I, C = r.randint(1, 3), r.randint(1, 5), r.randint(4, 48), r.randint(4, 20)
    return {"hidden_states": _randn(g, B, T, I), "input_tensor": _randn(g, B, T, C, scale=2.0),
            "dense_weight": _randn(g, C, I) / math.sqrt(I), "dense_bias": _randn(g, C),
            "ln_weight": _randn(g, C, scale=0.5, shift=1.0), "ln_bias": _randn(g, C, scale=0.3),
            "eps": r.choice([1e-12, 1e-5])}


def _pooler(r, g):
    B, T, C = r.randint(1, 4), r.randint(1, 6), r.randint(2, 20)
    return {"hidden_states": _randn(g, B, T, C, scale=r.uniform(0.5, 3.0)),
            "dense_weight": _randn(g, C, C, scale=0.4), "dense_bias": _randn(g, C, scale=0.2)}


def _mlm_masking(r, g):
    B, T, V = r.randint(1, 4), r.randint(4, 14), r.randint(20, 200)
    ids, special, attention = (torch.zeros(B, T, dtype=t) for t in (torch.long, torch.bool, torch.long))
    for b in range(B):
        n = r.randint(3, T)  # [CLS]=2 ... [SEP]=3, then padding 0
        ids[b, :n] = torch.randint(5, V, (n,), generator=g)
        ids[b, 0], ids[b, n - 1] = 2, 3
        special[b, 0] = special[b, n - 1] = True
        attention[b, :n] = 1
    return {"input_ids": ids, "special_tokens_mask": special, "attention_mask": attention,
            "select_u": torch.rand(B, T, generator=g), "replace_u": torch.rand(B, T, generator=g),
            "random_ids": torch.randint(V, (B, T), generator=g), "mask_token_id": 4,
            "mlm_probability": r.choice([0.15, 0.3, 0.5, 1.0]), "mask_replace_prob": 0.8,
            "random_replace_prob": 0.1}


def _prune_heads_index(r, g):
    total = r.randint(2, 8)
    pruned = sorted(r.sample(range(total), r.randint(0, total - 1)))
    heads = [r.randrange(total) for _ in range(r.randint(1, total))]  # may repeat, may name pruned heads
    return {"heads": heads, "n_heads": total - len(pruned), "head_size": r.randint(1, 4), "already_pruned": pruned}


def _linear_schedule(r, g):
    warmup, total = r.randint(0, 12), r.randint(1, 40)
    steps = sorted({0, warmup, total, total + 1, *(r.randint(0, total + 5) for _ in range(8))})
    return {"num_warmup_steps": warmup, "num_training_steps": total, "steps": steps}


def _qa_best_span(r, g):
    B, T = r.randint(1, 3), r.randint(5, 12)
    while True:  # redraw until every example's best span leads the next by 0.01: no tie to break differently
        start, end = _randn(g, B, T), _randn(g, B, T)
        allowed = torch.rand(B, T, generator=g) < 0.7
        allowed[:, r.randrange(T)] = True
        length = r.randint(1, T)
        s, e = torch.arange(T)[:, None], torch.arange(T)[None, :]
        valid = (s <= e) & (e < s + length) & allowed[:, :, None] & allowed[:, None, :]
        scores = (start[:, :, None] + end[:, None, :]).masked_fill(~valid, float("-inf")).reshape(B, -1)
        top = scores.topk(2, dim=-1).values
        if bool(((top[:, 0] - top[:, 1]) > 0.01).all()):
            return {"start_logits": start, "end_logits": end, "allowed": allowed, "max_answer_length": length}


def _adamw_step(r, g):
    shape = [r.randint(1, 5) for _ in range(r.randint(1, 2))]
    size = 10 ** r.uniform(-5, 0)  # the gradients' scale: from BERT-like 1e-5 (eps matters) to 1
    step = r.choice([1, 2, 3, r.randint(4, 50), r.randint(51, 5000)])
    betas = r.choice([(0.9, 0.999), (0.9, 0.98), (0.8, 0.99)])
    history = 0.0 if step == 1 else 1.0  # the buffers are zeros before the first update
    exp_avg = _randn(g, *shape, scale=0.5 * size * history)
    exp_avg_sq = exp_avg * exp_avg + _randn(g, *shape, scale=size * history) ** 2  # as Adam's: v >= m**2
    return {"param": _randn(g, *shape, scale=r.uniform(0.1, 2.0)), "grad": _randn(g, *shape, scale=size),
            "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "step": step, "lr": 10 ** r.uniform(-4, -1),
            "betas": betas, "eps": r.choice([1e-8, 1e-6, 1e-3]), "weight_decay": r.choice([0.0, 0.01, 0.1])}


_SYLLABLES = ["un", "re", "ing", "ed", "s", "a", "an", "th", "e", "er", "hug", "p", "b", "o", "ö", "ß"]


def _wordpiece_trainer(r, g):
    words, n = {}, r.randint(3, 40)
    while len(words) < n:
        word = "".join(r.choice(_SYLLABLES) for _ in range(r.randint(1, 4)))
        words[word] = r.choice([1, 1, 2, 3, 5, 8, r.randint(1, 60)])
    alphabet = len({c for w in words for c in w}) + len({c for w in words for c in w[1:]})
    specials = r.choice([[], ["[UNK]"], ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]])
    return {"word_counts": words, "vocab_size": len(specials) + alphabet + r.randint(0, 60),
            "special_tokens": specials}

def _ner_label_alignment(r, g):
    n_words, n_labels = r.randint(1, 8), r.randint(2, 9)
    word_ids = [None]  # [CLS]
    for word in range(n_words):  # 0 to 4 pieces per word (0: a word of whitespace or control characters only)
        word_ids += [word] * r.choice([0, 1, 1, 1, 2, 2, 3, 4])
    if r.random() < 0.3 and len(word_ids) > 2:  # truncated: cut anywhere, even inside a word
        word_ids = word_ids[:r.randint(1, len(word_ids) - 1)]
    word_ids += [None] * (1 + (r.randint(1, 4) if r.random() < 0.3 else 0))  # [SEP], then maybe padding
    return {"word_labels": [r.randrange(n_labels) for _ in range(n_words)], "word_ids": word_ids}


def _qa_windows(r, g):
    question, budget = r.randint(1, 24), r.randint(2, 48)
    stride = r.randint(0, budget - 1)
    return {"question_tokens": question, "context_tokens": r.randint(1, 4 * budget),
            "max_length": question + 3 + budget, "stride": stride}
def _pair_inputs(r, g):
    cls_id, sep_id = r.choice([(101, 102), (2, 3), (0, 2)])

    def text():
        return [r.randint(5, 30521) for _ in range(r.randint(0, 8))]

    return {"ids_a": text(), "ids_b": None if r.random() < 0.25 else text(), "cls_id": cls_id, "sep_id": sep_id}


def _tf_to_hf_keys(r, g):
    layer = f"bert/encoder/layer_{r.randint(0, 23)}"
    dense = [f"{layer}/attention/self/query", f"{layer}/attention/self/key", f"{layer}/attention/self/value",
             f"{layer}/attention/output/dense", f"{layer}/intermediate/dense", f"{layer}/output/dense",
             "bert/pooler/dense", "cls/predictions/transform/dense"]
    norms = ["bert/embeddings/LayerNorm", f"{layer}/attention/output/LayerNorm", f"{layer}/output/LayerNorm",
             "cls/predictions/transform/LayerNorm"]
    pool = ([f"{s}/{leaf}" for s in dense for leaf in ("kernel", "bias")]
            + [f"{s}/{leaf}" for s in norms for leaf in ("gamma", "beta")]
            + [f"bert/embeddings/{t}_embeddings" for t in ("word", "position", "token_type")]
            + ["cls/seq_relationship/output_weights", "cls/seq_relationship/output_bias",
               "cls/predictions/output_bias", "global_step"])
    names = r.sample(pool, r.randint(4, 12))
    names += [f"{r.choice(names)}/{slot}" for slot in r.sample(["adam_m", "adam_v"], r.randint(0, 2))]
    return {"names": names}


def _layer_flops(r, g):
    H = r.randint(1, 16)
    C = H * r.randint(1, 64)
    return {"hidden_size": C, "num_attention_heads": H, "intermediate_size": r.randint(1, 4) * C,
            "seq_len": r.randint(1, 512)}


_DRAW = {
    'gelu': _gelu,
    'basic_tokenize': _basic_tokenize,
    'wordpiece': _wordpiece,
    'layer_norm': _layer_norm,
    'embeddings': _embeddings,
    'attention_mask': _attention_mask,
    'split_heads': _split_heads,
    'merge_heads': _merge_heads,
    'attention': _attention,
    'add_and_norm': _add_and_norm,
    'pooler': _pooler,
    'mlm_masking': _mlm_masking,
    'prune_heads_index': _prune_heads_index,
    'linear_schedule': _linear_schedule,
    'qa_best_span': _qa_best_span,
    'adamw_step': _adamw_step,
    'wordpiece_trainer': _wordpiece_trainer,
    'ner_label_alignment': _ner_label_alignment,
    'qa_windows': _qa_windows,
    'pair_inputs': _pair_inputs,
    'tf_to_hf_keys': _tf_to_hf_keys,
    'layer_flops': _layer_flops,
}
