"""Regenerate ``minibert/exercises/snapshots/``: the inputs and expected outputs the exercise graders compare with.

    .venv/bin/python scripts/make_exercise_snapshots.py           # cross-check, then rewrite every snapshot
    .venv/bin/python scripts/make_exercise_snapshots.py --check   # cross-check, compare with the stored ones

For every exercise it builds fixed, seeded input cases, runs the REFERENCE SOLUTION
(``minibert/exercises/solutions``) on them, and before writing anything checks each solution against an
independent implementation of the same thing: minibert's own module (BertEmbeddings, BertSelfAttention,
masks.extended_attention_mask, pruning.heads_to_keep_index, training.masking.mask_tokens, ...), a torch
built-in (F.gelu, F.layer_norm, F.scaled_dot_product_attention) and, where it is installed,
``transformers`` (its WordPiece/Basic tokenizers, get_linear_schedule_with_warmup, find_pruneable_heads_and_indices,
the QA pipeline's decode_spans). A disagreement aborts. The measured differences and the versions used are
written into each snapshot (``cross_checks``, ``versions``).

``--check`` (used by tests/exercises/test_exercises.py) writes nothing: it fails when a stored snapshot's cases differ
from what the solutions compute now, or when a cross-check fails.
"""

from __future__ import annotations

import argparse
import importlib
import math
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

import minibert  # noqa: E402
from minibert.exercises.adapters import get_impl  # noqa: E402
from minibert.exercises.catalog import EXERCISES  # noqa: E402
from minibert.exercises.drawn import expected  # noqa: E402
from minibert.exercises.snapshot_io import SNAPSHOT_DIR, decode, dump_snapshot, encode, load_snapshot  # noqa: E402

try:  # optional: the reference is a test dependency, the snapshots do not need it
    import transformers
except ImportError:  # pragma: no cover
    transformers = None

VOCAB_FILE = REPO / "checkpoints" / "vocab" / "bert-base-uncased-vocab.txt"
# --check: how far a float in a stored snapshot may be from a recomputed one. This only guards that the stored
# files are what the script computes; the graders always compare with the stored values themselves. Every float
# of a case comes from seeded torch.randn draws and a few sums over them, and another CPU's kernels
# (ATEN_CPU_CAPABILITY) round both differently, so the bound is derived from that arithmetic, not measured:
#
# * u = 2⁻²⁴: one float32 rounding errs by at most u of the value; 1 ulp is at most 2u of it.
# * A draw (tensors of 16 values or more; smaller ones are drawn in float64 by the same scalar code on every
#   CPU) is Box–Muller on two uniforms that every CPU draws bit for bit alike: r = √(−2 log u₁), z = r·cos 2πu₂
#   (and r·sin). AVX2 and AVX-512 kernels use avx_mathfun's log256_ps/sincos256_ps (Cephes: ≤ 1 ulp), the
#   default ones glibc's logf/cosf/sinf (≤ 1 ulp) with 2πu₂ rounded through float64. Per CPU, relative to r:
#   log 2u, halved by the root, + the root's rounding u = 2u; θ's rounding u·2π plus cos/sin's 2u = (2π + 2)u;
#   the product u. That is (5 + 2π)u < 11.3u per CPU, 22.6u between two; r ≤ √2·max|z| (z = r·cos, its partner
#   r·sin is in the same tensor): 32u·max|z|. ``* scale + shift`` rounds once more on each CPU, and a shift is
#   never larger than the values around it, which at most doubles it: 64u of the case's largest |value|.
# * The expected (and mistake) outputs carry their inputs' error and add their own: sums chained at most
#   CHECK_DEPTH deep (embeddings: three rows added, LayerNorm's mean, variance and scaling; attention: scores,
#   softmax, weighted sum) over at most CHECK_WIDTH terms (the 64-wide feed-forward of add_and_norm). Two orders
#   of one n-term sum differ by up to 2√n·u (errors of either sign grow like √n, see tests/helpers/_numerics.py), and
#   each sub-layer ends in a normalisation (LayerNorm, softmax, tanh) that keeps the values' scale, so the levels
#   add: (64 + depth·2√n)·u = 160u ≈ 9.5e-6 of the case's largest |value| (inputs and outputs: a saturated tanh's
#   error is on its pre-activations' scale, up to 10, not on its outputs' 1).
# A real change (a value off by 1e-4 of the case's scale or more) is still found.
CHECK_DRAW = 64  # Box–Muller between two CPUs' kernels, in units of u times the largest |value|
CHECK_DEPTH, CHECK_WIDTH = 6, 64
CHECK_RELATIVE = (CHECK_DRAW + CHECK_DEPTH * 2 * math.sqrt(CHECK_WIDTH)) * torch.finfo(torch.float32).eps / 2


def largest(value) -> float:
    """max |x| over every float in a decoded case (nested dicts, lists, tensors; NaN and inf left out)."""
    if isinstance(value, torch.Tensor):
        finite = value[torch.isfinite(value)] if value.dtype.is_floating_point else value.new_zeros(0)
        return float(finite.double().abs().max()) if finite.numel() else 0.0
    if isinstance(value, float):
        return abs(value) if math.isfinite(value) else 0.0
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return max((largest(v) for v in value), default=0.0)
    return 0.0


def check_tolerance(case) -> float:
    """|Δ| allowed between a stored float of ``case`` and a recomputed one: CHECK_RELATIVE × its largest |value|."""
    return CHECK_RELATIVE * largest(case)


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
    return torch.randn(*shape, generator=gen(seed)) * scale + shift


def solution(name: str) -> Callable:
    return get_impl(name, "solutions")


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    if a.shape != b.shape:
        raise AssertionError(f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
    return float((a.double() - b.double()).abs().max()) if a.numel() else 0.0


class CrossChecks:
    """Collects (what, max abs diff) for one exercise; fails loudly on a disagreement."""

    def __init__(self, exercise: str):
        self.exercise, self.rows = exercise, []

    def close(self, against: str, got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float = 0.0) -> None:
        diff = max_diff(got, expected)
        within = bool(((got.double() - expected.double()).abs() <= atol + rtol * expected.double().abs()).all())
        if not within or got.dtype != expected.dtype:
            raise AssertionError(f"{self.exercise}: solution disagrees with {against}: max abs diff {diff:.3g} "
                                 f"(allowed atol {atol:g}, rtol {rtol:g}), dtypes {got.dtype} vs {expected.dtype}")
        self.rows.append({"against": against, "max_abs_diff": diff})

    def equal(self, against: str, got, expected) -> None:
        same = torch.equal(got, expected) if isinstance(got, torch.Tensor) else got == expected
        if not same:
            raise AssertionError(f"{self.exercise}: solution disagrees with {against}: {got!r} != {expected!r}")
        self.rows.append({"against": against, "max_abs_diff": 0.0})

    def skipped(self, against: str, why: str) -> None:
        self.rows.append({"against": against, "skipped": why})


def from_reference(checks: CrossChecks, module: str, name: str):
    """``transformers``' ``module.name``, or None (recorded as a skipped cross-check) where it is not available."""
    if transformers is None:
        checks.skipped(f"transformers {name}", "transformers not installed")
        return None
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        checks.skipped(f"transformers {name}", f"not in transformers {transformers.__version__}: {err}")
        return None


def tiny_config(**overrides):
    from minibert import BertConfig

    fields = dict(vocab_size=30, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                  max_position_embeddings=16, type_vocab_size=2, hidden_dropout_prob=0.0,
                  attention_probs_dropout_prob=0.0, attn_implementation="eager")
    fields.update(overrides)
    return BertConfig(**fields)


# --------------------------------------------------------------------------------------------------------
# One section per exercise: cases(), outputs(solution result) -> expected dict, cross_check(cases, checks).
# --------------------------------------------------------------------------------------------------------


def gelu_cases():
    return [
        {"name": "grid", "inputs": {"x": torch.linspace(-6.0, 6.0, 97)}},
        {"name": "random_3d", "inputs": {"x": randn(3, 4, 5, seed=1, scale=3.0)}},
        {"name": "extremes", "inputs": {"x": torch.tensor([0.0, 1e-4, -1e-4, 0.5, -0.5, 2.0, -2.0, 15.0, -15.0])}},
    ]


def gelu_check(cases, checks):
    from minibert.bert.activations import gelu as minibert_gelu

    for case in cases:
        x, y = case["inputs"]["x"], solution("gelu")(case["inputs"]["x"])
        checks.close(f"torch.nn.functional.gelu ({case['name']})", y, F.gelu(x), atol=1e-6, rtol=1e-6)
        checks.close(f"minibert.bert.activations.gelu ({case['name']})", y, minibert_gelu(x), atol=1e-6, rtol=1e-6)


BASIC_TEXTS = {
    "ascii_sentence": "Hello, world! How are you?",
    "ascii_symbols": "Don't stop--we're 100% sure: $5+3=8^2 `code` [ok] {x} ~y|z\\w_v <tag> a@b.c/d?e#f",
    "unicode_punctuation": "¿Qué tal? «Très bien», dit-il… — ok ‘quoted’ “twice” ¡Olé!",
    "chinese": "BERT处理中文很好。我们喜欢它！",
    "mixed_scripts": "한국어는 띄어쓰기를 합니다. ひらがな カタカナ 漢字とかな",
    "whitespace_kinds": "tabs\tand\nnewlines\u3000ideographic\xa0nbsp  multiple   spaces ",
    "symbols_not_punctuation": "emoji 🙂👍 and © ± € ° stay attached: 5€ 3°C",
    "cjk_extension_b_and_fullwidth": "𠀀𠀁 ext-B, ＡＢＣ！？ full-width",
    "empty": "",
    "only_spaces": "  \t \n ",
}


def basic_tokenize_cases():
    return [{"name": name, "inputs": {"text": text}} for name, text in BASIC_TEXTS.items()]


def basic_tokenize_check(cases, checks):
    from minibert.tokenization.basic import BasicTokenizer

    ours = BasicTokenizer(do_lower_case=False, strip_accents=False)
    texts = [case["inputs"]["text"] for case in cases]
    if VOCAB_FILE.is_file():  # every vocabulary entry, run together as one long text: all the scripts BERT knows
        texts.append(" ".join(VOCAB_FILE.read_text(encoding="utf-8").split()))
    reference = from_reference(checks, "transformers.models.bert.tokenization_bert", "BasicTokenizer")
    if reference is not None:
        reference = reference(do_lower_case=False, strip_accents=False)
    for i, text in enumerate(texts):
        words = solution("basic_tokenize")(text)
        what = cases[i]["name"] if i < len(cases) else "bert-base-uncased vocab as text"
        checks.equal(f"minibert BasicTokenizer ({what})", words, ours.tokenize(text))
        if reference is not None:
            checks.equal(f"transformers BasicTokenizer ({what})", words, reference.tokenize(text))


WORDPIECE_VOCAB = ["[UNK]", "un", "##aff", "##able", "aff", "able", "play", "##ing", "##ed", "##s", "p", "##l",
                   "##a", "##i", "##n", "re", "##play", "a", "b", "##b", "##bb", "bbb", "我", "##们", "hello",
                   "##hello", "##"]
WORDPIECE_WORDS = [
    ("prefix_and_suffixes", "unaffable", {}),
    ("suffix", "playing", {}),
    ("three_pieces", "replayed", {}),
    ("character_fallback", "plain", {}),
    ("unknown_tail_makes_whole_word_unk", "unaffablex", {}),
    ("unknown_after_pieces", "playingz", {}),
    ("longest_match_first", "bbbbbb", {}),
    ("longest_match_first_short", "bbbb", {}),
    ("cjk_pieces", "我们", {}),
    ("repeated_word", "hellohello", {}),
    ("hash_hash_as_word", "##", {}),
    ("at_max_chars", "aaaaaaaaaa", {"max_input_chars_per_word": 10}),
    ("over_max_chars", "aaaaaaaaaaa", {"max_input_chars_per_word": 10}),
    ("custom_unk", "xyz", {"unk_token": "<unk>"}),
]


def wordpiece_cases():
    cases = []
    for name, word, options in WORDPIECE_WORDS:
        inputs = {"word": word, "vocab": WORDPIECE_VOCAB, "unk_token": "[UNK]", "max_input_chars_per_word": 100}
        inputs.update(options)
        cases.append({"name": name, "inputs": inputs})
    return cases


def wordpiece_check(cases, checks):
    from minibert.tokenization.wordpiece import WordpieceTokenizer

    reference = from_reference(checks, "transformers.models.bert.tokenization_bert", "WordpieceTokenizer")

    def run(vocab, word, unk, max_chars):
        mine = solution("wordpiece")(word, set(vocab), unk, max_chars)
        ours = [p for p, _, _ in WordpieceTokenizer(dict.fromkeys(vocab, 0), unk, max_chars).split_word(word)]
        checks.equal(f"minibert WordpieceTokenizer ({word!r})", mine, ours)
        if reference is not None:
            checks.equal(f"transformers WordpieceTokenizer ({word!r})", mine,
                         reference(dict.fromkeys(vocab, 0), unk, max_chars).tokenize(word))

    for case in cases:
        i = case["inputs"]
        run(i["vocab"], i["word"], i["unk_token"], i["max_input_chars_per_word"])
    if VOCAB_FILE.is_file():  # the real vocabulary on words that exercise it
        vocab = VOCAB_FILE.read_text(encoding="utf-8").splitlines()
        for word in ["unaffable", "tokenization", "pneumonoultramicroscopic", "huggingface", "naïve", "2023rd",
                     "jalapeño", "supercalifragilisticexpialidocious", "xqzv", "東京", "transformers"]:
            run(vocab, word, "[UNK]", 100)


def layer_norm_cases():
    return [
        {"name": "bert_eps", "inputs": {"x": randn(2, 3, 16, seed=2, scale=2.0, shift=0.5),
                                        "weight": randn(16, seed=3, scale=0.5, shift=1.0),
                                        "bias": randn(16, seed=4, scale=0.3), "eps": 1e-12}},
        {"name": "larger_eps_2d", "inputs": {"x": randn(4, 7, seed=5), "weight": randn(7, seed=6),
                                             "bias": randn(7, seed=7), "eps": 1e-3}},
        # Vectors whose mean is far from 0: forgetting to subtract the mean cannot pass.
        {"name": "offset_mean", "inputs": {"x": randn(3, 32, seed=8, shift=5.0),
                                          "weight": randn(32, seed=9, scale=0.5, shift=1.0),
                                          "bias": randn(32, seed=10, scale=0.3), "eps": 1e-12}},
    ]


def layer_norm_check(cases, checks):
    for case in cases:
        i = case["inputs"]
        checks.close(f"torch.nn.functional.layer_norm ({case['name']})", solution("layer_norm")(**i),
                     F.layer_norm(i["x"], (i["x"].shape[-1],), i["weight"], i["bias"], i["eps"]), atol=1e-5)


def embeddings_inputs(B, T, seed, all_type_zero=False, eps=1e-12):
    g = gen(seed)
    types = torch.zeros(B, T, dtype=torch.long) if all_type_zero else torch.randint(0, 2, (B, T), generator=g)
    return {"input_ids": torch.randint(0, 30, (B, T), generator=g), "token_type_ids": types,
            "word_embeddings": torch.randn(30, 16, generator=g),
            "position_embeddings": torch.randn(16, 16, generator=g),
            "token_type_embeddings": torch.randn(2, 16, generator=g),
            "ln_weight": torch.randn(16, generator=g) * 0.5 + 1.0, "ln_bias": torch.randn(16, generator=g) * 0.3,
            "eps": eps}


def embeddings_cases():
    return [{"name": "pairs", "inputs": embeddings_inputs(2, 7, seed=11)},
            {"name": "single_sentences", "inputs": embeddings_inputs(3, 5, seed=12, all_type_zero=True, eps=1e-5)},
            {"name": "full_length", "inputs": embeddings_inputs(1, 16, seed=13)}]


def embeddings_check(cases, checks):
    from minibert import BertEmbeddings

    for case in cases:
        i = case["inputs"]
        module = BertEmbeddings(tiny_config(layer_norm_eps=i["eps"])).eval()
        with torch.no_grad():
            module.word_embeddings.weight.copy_(i["word_embeddings"])
            module.position_embeddings.weight.copy_(i["position_embeddings"])
            module.token_type_embeddings.weight.copy_(i["token_type_embeddings"])
            module.LayerNorm.weight.copy_(i["ln_weight"])
            module.LayerNorm.bias.copy_(i["ln_bias"])
            expected = module(i["input_ids"], token_type_ids=i["token_type_ids"])
        checks.close(f"minibert.BertEmbeddings ({case['name']})", solution("embeddings")(**i), expected, atol=1e-5)


def attention_mask_cases():
    return [
        {"name": "float32_int_mask", "inputs": {"mask": torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]),
                                                "dtype": torch.float32}},
        {"name": "float16_bool_mask", "inputs": {"mask": torch.tensor([[True, False, True, True],
                                                                       [True, True, False, False],
                                                                       [True, True, True, True]]),
                                                 "dtype": torch.float16}},
        {"name": "bfloat16_with_all_padding_row", "inputs": {"mask": torch.tensor([[1, 1, 0, 0, 0, 0], [0] * 6]),
                                                             "dtype": torch.bfloat16}},
    ]


def attention_mask_check(cases, checks):
    from minibert.bert.masks import extended_attention_mask

    for case in cases:
        i = case["inputs"]
        checks.equal(f"minibert.bert.masks.extended_attention_mask ({case['name']})", solution("attention_mask")(**i),
                     extended_attention_mask(i["mask"], i["dtype"]))


def split_heads_cases():
    return [{"name": "three_heads", "inputs": {"x": randn(2, 5, 12, seed=14), "num_heads": 3}},
            {"name": "two_heads", "inputs": {"x": randn(1, 4, 8, seed=15), "num_heads": 2}},
            {"name": "head_size_one", "inputs": {"x": randn(2, 3, 6, seed=16), "num_heads": 6}}]


def split_heads_check(cases, checks):
    from minibert import BertSelfAttention

    for case in cases:
        x, H = case["inputs"]["x"], case["inputs"]["num_heads"]
        module = BertSelfAttention(tiny_config(hidden_size=x.shape[-1], num_attention_heads=H))
        checks.equal(f"minibert BertSelfAttention.split_heads ({case['name']})", solution("split_heads")(x, H),
                     module.split_heads(x))


def merge_heads_cases():
    return [{"name": "three_heads", "inputs": {"x": randn(2, 3, 5, 4, seed=17)}},
            {"name": "two_heads_long", "inputs": {"x": randn(1, 2, 6, 8, seed=18)}}]


def merge_heads_check(cases, checks):
    from minibert import BertSelfAttention

    for case in cases:
        x = case["inputs"]["x"]
        checks.equal(f"minibert BertSelfAttention.merge_heads ({case['name']})", solution("merge_heads")(x),
                     BertSelfAttention.merge_heads(x))
        checks.equal(f"split_heads(merge_heads(x)) == x ({case['name']})",
                     solution("split_heads")(solution("merge_heads")(x), x.shape[1]), x)


def padding_mask(rows):
    from minibert.exercises.solutions.attention_mask import attention_mask

    return attention_mask(torch.tensor(rows), torch.float32)


def attention_cases():
    B, H, T, d = 2, 3, 5, 4
    q, k, v = (randn(B, H, T, d, seed=s, scale=1.5) for s in (19, 20, 21))
    causal = torch.tril(torch.ones(T, T))  # a 3-D (B, 1, T, T) mask: each query sees itself and the past
    causal_additive = ((1.0 - causal) * torch.finfo(torch.float32).min).expand(B, 1, T, T).clone()
    return [
        {"name": "no_mask", "inputs": {"q": q, "k": k, "v": v, "attention_mask": None, "head_mask": None}},
        {"name": "padding_mask", "inputs": {"q": q, "k": k, "v": v,
                                            "attention_mask": padding_mask([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]),
                                            "head_mask": None}},
        {"name": "padding_and_head_mask", "inputs": {
            "q": q, "k": k, "v": v, "attention_mask": padding_mask([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0]]),
            "head_mask": torch.tensor([1.0, 0.0, 1.0]).reshape(1, H, 1, 1)}},
        {"name": "per_query_mask_fractional_head_mask", "inputs": {
            "q": randn(B, H, T, d, seed=22), "k": randn(B, H, T, d, seed=23), "v": randn(B, H, T, d, seed=24),
            "attention_mask": causal_additive, "head_mask": torch.tensor([0.5, 1.0, 0.0]).reshape(1, H, 1, 1)}},
    ]


def attention_check(cases, checks):
    from minibert import BertSelfAttention

    for case in cases:
        i = case["inputs"]
        context, probs = solution("attention")(**i)
        if i["head_mask"] is None:
            checks.close(f"torch sdpa ({case['name']})", context,
                         F.scaled_dot_product_attention(i["q"], i["k"], i["v"], attn_mask=i["attention_mask"]), 1e-5)
    # The whole BertSelfAttention (eager) against projections + split + solution + merge, with both masks.
    torch.manual_seed(25)
    module = BertSelfAttention(tiny_config(hidden_size=12, num_attention_heads=3)).eval()
    x = randn(2, 5, 12, seed=26)
    mask = padding_mask([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    head_mask = torch.tensor([1.0, 0.0, 1.0]).reshape(1, 3, 1, 1)
    with torch.no_grad():
        expected_context, expected_probs = module(x, mask, head_mask, output_attentions=True)
        qkv = [solution("split_heads")(layer(x), 3) for layer in (module.query, module.key, module.value)]
        context, probs = solution("attention")(*qkv, attention_mask=mask, head_mask=head_mask)
    checks.close("minibert BertSelfAttention eager: probabilities", probs, expected_probs, atol=1e-6)
    checks.close("minibert BertSelfAttention eager: context", solution("merge_heads")(context), expected_context, 1e-6)


def add_and_norm_inputs(I, seed, eps):
    g = gen(seed)
    return {"hidden_states": torch.randn(2, 4, I, generator=g), "input_tensor": torch.randn(2, 4, 16, generator=g) * 2,
            "dense_weight": torch.randn(16, I, generator=g) / math.sqrt(I), "dense_bias": torch.randn(16, generator=g),
            "ln_weight": torch.randn(16, generator=g) * 0.5 + 1.0, "ln_bias": torch.randn(16, generator=g) * 0.3,
            "eps": eps}


def add_and_norm_cases():
    return [{"name": "after_attention", "inputs": add_and_norm_inputs(16, seed=27, eps=1e-12)},
            {"name": "after_feed_forward", "inputs": add_and_norm_inputs(64, seed=28, eps=1e-5)}]


def add_and_norm_check(cases, checks):
    from minibert import BertOutput, BertSelfOutput

    for case, cls in zip(cases, (BertSelfOutput, BertOutput)):
        i = case["inputs"]
        module = cls(tiny_config(layer_norm_eps=i["eps"])).eval()
        with torch.no_grad():
            module.dense.weight.copy_(i["dense_weight"])
            module.dense.bias.copy_(i["dense_bias"])
            module.LayerNorm.weight.copy_(i["ln_weight"])
            module.LayerNorm.bias.copy_(i["ln_bias"])
            expected = module(i["hidden_states"], i["input_tensor"])
        checks.close(f"minibert.{cls.__name__} ({case['name']})", solution("add_and_norm")(**i), expected, atol=1e-5)


def pooler_cases():
    g = gen(29)
    return [{"name": "batch_of_three", "inputs": {"hidden_states": torch.randn(3, 4, 16, generator=g),
                                                  "dense_weight": torch.randn(16, 16, generator=g) * 0.4,
                                                  "dense_bias": torch.randn(16, generator=g) * 0.2}},
            {"name": "single_position", "inputs": {"hidden_states": torch.randn(2, 1, 16, generator=g) * 3,
                                                   "dense_weight": torch.randn(16, 16, generator=g) * 0.4,
                                                   "dense_bias": torch.randn(16, generator=g) * 0.2}}]


def pooler_check(cases, checks):
    from minibert import BertPooler

    for case in cases:
        i = case["inputs"]
        module = BertPooler(tiny_config()).eval()
        with torch.no_grad():
            module.dense.weight.copy_(i["dense_weight"])
            module.dense.bias.copy_(i["dense_bias"])
            expected = module(i["hidden_states"])
        checks.close(f"minibert.BertPooler ({case['name']})", solution("pooler")(**i), expected, atol=1e-6)


MLM_VOCAB, MLM_MASK_ID = 100, 4


def mlm_batch(seed: int):
    """A (4, 12) batch: [CLS]=2 ... [SEP]=3, then padding 0, with per-row lengths."""
    g = gen(seed)
    lengths = [12, 9, 7, 12]
    ids = torch.zeros(4, 12, dtype=torch.long)
    special = torch.zeros(4, 12, dtype=torch.bool)
    attention = torch.zeros(4, 12, dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(5, MLM_VOCAB, (n,), generator=g)
        ids[row, 0], ids[row, n - 1] = 2, 3
        special[row, 0] = special[row, n - 1] = True
        attention[row, :n] = 1
    return ids, special, attention


def mlm_masking_cases():
    cases = []
    for name, seed, p in (("bert_15_percent", 30, 0.15), ("half", 31, 0.5), ("every_eligible_token", 32, 1.0)):
        ids, special, attention = mlm_batch(seed)
        g = gen(seed + 100)  # the same draws, in the same order, as minibert.training.masking.mask_tokens
        select_u = torch.rand(ids.shape, generator=g)
        replace_u = torch.rand(ids.shape, generator=g)
        random_ids = torch.randint(MLM_VOCAB, ids.shape, generator=g, dtype=torch.long)
        cases.append({"name": name, "inputs": {
            "input_ids": ids, "special_tokens_mask": special, "attention_mask": attention, "select_u": select_u,
            "replace_u": replace_u, "random_ids": random_ids, "mask_token_id": MLM_MASK_ID, "mlm_probability": p,
            "mask_replace_prob": 0.8, "random_replace_prob": 0.1}})
    return cases


def mlm_masking_check(cases, checks):
    from minibert.training.masking import mask_tokens

    for case, seed in zip(cases, (130, 131, 132)):
        i = case["inputs"]
        masked, labels = solution("mlm_masking")(**i)
        ours = mask_tokens(i["input_ids"], mask_token_id=MLM_MASK_ID, vocab_size=MLM_VOCAB,
                           special_tokens_mask=i["special_tokens_mask"], attention_mask=i["attention_mask"],
                           mlm_probability=i["mlm_probability"], generator=gen(seed))
        checks.equal(f"minibert mask_tokens, same generator: masked ids ({case['name']})", masked, ours[0])
        checks.equal(f"minibert mask_tokens, same generator: labels ({case['name']})", labels, ours[1])


PRUNE_CASES = [  # name, heads, n_heads (now), head_size, already pruned
    ("one_head", [1], 4, 3, []),
    ("two_heads", [0, 2], 6, 2, []),
    ("after_one_pruned", [3], 3, 2, [1]),
    ("shifted_by_two_with_repeats", [0, 5, 2, 2], 4, 2, [1, 3]),
    ("everything", [1, 2], 2, 3, [0, 3]),
    ("already_pruned_ignored", [3, 1], 3, 4, [1]),
]


def prune_heads_index_cases():
    return [{"name": name, "inputs": {"heads": heads, "n_heads": n, "head_size": size, "already_pruned": pruned}}
            for name, heads, n, size, pruned in PRUNE_CASES]


def prune_heads_index_check(cases, checks):
    from minibert.bert.pruning import heads_to_keep_index

    reference = from_reference(checks, "transformers.pytorch_utils", "find_pruneable_heads_and_indices")
    for case in cases:
        i = case["inputs"]
        index = solution("prune_heads_index")(**i)
        pruned = set(i["already_pruned"])
        checks.equal(f"minibert.bert.pruning.heads_to_keep_index ({case['name']})", index,
                     heads_to_keep_index(set(i["heads"]) - pruned, i["n_heads"], i["head_size"], pruned))
        if reference is not None:
            checks.equal(f"transformers find_pruneable_heads_and_indices ({case['name']})", index,
                         reference(i["heads"], i["n_heads"], i["head_size"], pruned)[1])


SCHEDULE_CASES = [  # name, warmup, total, steps
    ("bert_like", 10, 100, [0, 1, 5, 9, 10, 11, 50, 99, 100, 101, 150]),
    ("no_warmup", 0, 20, list(range(0, 23))),
    ("warmup_equals_total", 5, 5, list(range(0, 8))),
    ("short_run", 3, 8, list(range(0, 11))),
    ("warmup_longer_than_training", 10, 6, [0, 3, 5, 6, 9, 10, 12]),
]


def linear_schedule_cases():
    return [{"name": name, "inputs": {"num_warmup_steps": w, "num_training_steps": t, "steps": steps}}
            for name, w, t, steps in SCHEDULE_CASES]


def linear_schedule_check(cases, checks):
    from minibert.training.schedules import get_scheduler

    reference = from_reference(checks, "transformers", "get_linear_schedule_with_warmup")
    for case in cases:
        i = case["inputs"]
        mine = torch.tensor([solution("linear_schedule")(s, i["num_warmup_steps"], i["num_training_steps"])
                             for s in i["steps"]], dtype=torch.float64)
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        ours = get_scheduler("linear", opt, i["num_warmup_steps"], i["num_training_steps"]).lr_lambdas[0]
        checks.close(f"minibert get_scheduler('linear') ({case['name']})", mine,
                     torch.tensor([float(ours(s)) for s in i["steps"]], dtype=torch.float64), atol=1e-12)
        if reference is not None:
            sched = reference(opt, i["num_warmup_steps"], i["num_training_steps"])
            checks.close(f"transformers get_linear_schedule_with_warmup ({case['name']})", mine,
                         torch.tensor([float(sched.lr_lambdas[0](s)) for s in i["steps"]], dtype=torch.float64), 1e-12)


def qa_best_span_cases():
    B, T = 3, 10
    g = gen(33)
    start, end = torch.randn(B, T, generator=g), torch.randn(B, T, generator=g)
    for b, (s, e) in enumerate([(1, 6), (4, 7), (2, 7)]):  # a long best answer, so max_answer_length matters
        start[b, s] += 4.0
        end[b, e] += 4.0
    allowed = torch.ones(B, T, dtype=torch.bool)
    allowed[1, :4] = False  # the question and [CLS]/[SEP]
    allowed[1, 8:] = False  # padding
    allowed[2] = torch.tensor([0, 0, 1, 1, 0, 1, 1, 1, 0, 0], dtype=torch.bool)
    # Designed so the two single best positions are in the wrong order (end before start): the unconstrained
    # argmax pair (7, 2) is invalid, and the span-length limit bites too.
    trap_start = torch.tensor([[0.0, 0.5, 0.1, 0.2, 0.0, 0.3, 0.0, 5.0, 0.2, 0.1]])
    trap_end = torch.tensor([[0.0, 0.1, 6.0, 0.3, 1.5, 0.2, 0.1, 0.0, 0.4, 0.0]])
    # The best span of all, (1, 2), lies in the question: only the allowed positions 5-8 may answer, (6, 7).
    question_start = torch.tensor([[0.0, 6.0, 0.2, 0.1, 0.0, 0.3, 2.0, 0.1, 0.2, 0.0]])
    question_end = torch.tensor([[0.0, 0.1, 6.0, 0.3, 0.0, 0.2, 0.1, 2.0, 0.4, 0.0]])
    context_only = torch.tensor([[0, 0, 0, 0, 0, 1, 1, 1, 1, 0]], dtype=torch.bool)
    return [
        {"name": "long_answers_allowed", "inputs": {"start_logits": start, "end_logits": end, "allowed": allowed,
                                                    "max_answer_length": 30}},
        {"name": "max_three_tokens", "inputs": {"start_logits": start, "end_logits": end, "allowed": allowed,
                                                "max_answer_length": 3}},
        {"name": "end_before_start_trap", "inputs": {"start_logits": trap_start, "end_logits": trap_end,
                                                     "allowed": torch.ones(1, T, dtype=torch.bool),
                                                     "max_answer_length": 4}},
        {"name": "best_span_in_the_question_trap", "inputs": {"start_logits": question_start,
                                                              "end_logits": question_end, "allowed": context_only,
                                                              "max_answer_length": 4}},
    ]


def qa_best_span_check(cases, checks):
    from minibert.training.metrics import best_span

    decode_spans = from_reference(checks, "transformers.pipelines.question_answering", "decode_spans")
    for case in cases:
        i = case["inputs"]
        start, end, score = solution("qa_best_span")(**i)
        B, T = i["start_logits"].shape
        brute = []
        for b in range(B):  # every span, one by one: the definition itself
            spans = [(float(i["start_logits"][b, s] + i["end_logits"][b, e]), s, e) for s in range(T) for e in range(T)
                     if s <= e < s + i["max_answer_length"] and i["allowed"][b, s] and i["allowed"][b, e]]
            brute.append(max(spans, key=lambda t: t[0]))
        checks.equal(f"brute force over all spans: starts ({case['name']})", start.tolist(), [s for _, s, _ in brute])
        checks.equal(f"brute force over all spans: ends ({case['name']})", end.tolist(), [e for _, _, e in brute])
        checks.close(f"brute force over all spans: scores ({case['name']})", score,
                     torch.tensor([sc for sc, _, _ in brute], dtype=torch.float32), atol=1e-6)
        rows = [b for b in range(B) if bool(i["allowed"][b].all())]
        if rows:  # minibert's best_span has no allowed mask: compare on the examples where everything is allowed
            ours = best_span(i["start_logits"][rows], i["end_logits"][rows], i["max_answer_length"])
            checks.equal(f"minibert training.metrics.best_span ({case['name']}, rows {rows})",
                         torch.stack([start[rows], end[rows]], dim=-1), ours)
        if decode_spans is not None:
            for b in range(B):  # the pipeline ranks products of softmax probabilities: the same argmax
                p_start = torch.softmax(i["start_logits"][b].double(), -1).numpy()
                p_end = torch.softmax(i["end_logits"][b].double(), -1).numpy()
                allowed = i["allowed"][b].numpy().astype(np.int64)
                s, e, _ = decode_spans(p_start, p_end, T * T - 1, i["max_answer_length"], allowed)
                checks.equal(f"transformers decode_spans ({case['name']}, example {b})",
                             (int(start[b]), int(end[b])), (int(s[0]), int(e[0])))


ADAMW_CASES = [  # name, shape, seed, step t, lr, betas, eps, weight_decay, gradient scale
    ("first_step_bert_defaults", (4, 6), 40, 1, 1e-4, (0.9, 0.999), 1e-6, 0.01, 1e-2),
    ("after_nine_steps", (3, 5), 41, 10, 1e-3, (0.9, 0.999), 1e-8, 0.01, 1.0),
    ("tiny_gradients_eps_matters", (8,), 42, 5, 1e-3, (0.9, 0.999), 1e-6, 0.01, 1e-5),
    ("large_lr_and_decay", (2, 3, 4), 43, 3, 0.05, (0.9, 0.98), 1e-8, 0.1, 0.5),
    ("no_decay_group", (6,), 44, 100, 2e-3, (0.9, 0.999), 1e-6, 0.0, 0.1),
    ("late_step", (5, 5), 45, 1000, 1e-4, (0.8, 0.99), 1e-8, 0.01, 1e-3),
]


def adamw_step_cases():
    """Each case is the t-th update of a real torch.optim.AdamW run: t - 1 updates with seeded gradients give
    the parameter and the moment buffers; the case is the next update, with a fresh gradient."""
    cases = []
    for name, shape, seed, t, lr, betas, eps, wd, scale in ADAMW_CASES:
        g = gen(seed)
        param = torch.nn.Parameter(torch.randn(*shape, generator=g))
        opt = torch.optim.AdamW([param], lr=lr, betas=betas, eps=eps, weight_decay=wd, foreach=False)
        for _ in range(t - 1):
            param.grad = torch.randn(*shape, generator=g) * scale
            opt.step()
        state = opt.state[param]
        zeros = torch.zeros(shape)
        cases.append({"name": name, "inputs": {
            "param": param.detach().clone(), "grad": torch.randn(*shape, generator=g) * scale,
            "exp_avg": state["exp_avg"].clone() if state else zeros.clone(),
            "exp_avg_sq": state["exp_avg_sq"].clone() if state else zeros.clone(),
            "step": t, "lr": lr, "betas": list(betas), "eps": eps, "weight_decay": wd}})
    return cases


def adamw_step_check(cases, checks):
    from minibert.exercises.graders.test_adamw_step import tolerance
    from minibert.training.optim import create_optimizer

    for case in cases:
        i = case["inputs"]
        mine = solution("adamw_step")(**i)
        atol = tolerance(i)
        for how in ({"foreach": False}, {"foreach": True}, {"fused": True}):
            param = torch.nn.Parameter(i["param"].clone())
            opt = torch.optim.AdamW([param], lr=i["lr"], betas=tuple(i["betas"]), eps=i["eps"],
                                    weight_decay=i["weight_decay"], **how)
            if i["step"] > 1:  # the state of the t - 1 updates before; torch counts steps in a float32 tensor
                opt.state[param] = {"step": torch.tensor(float(i["step"] - 1)), "exp_avg": i["exp_avg"].clone(),
                                    "exp_avg_sq": i["exp_avg_sq"].clone()}
            param.grad = i["grad"].clone()
            opt.step()
            state = opt.state[param]
            what = ", ".join(f"{k}={v}" for k, v in how.items())
            for got, theirs, output in zip(mine, (param.detach(), state["exp_avg"], state["exp_avg_sq"]),
                                           ("param", "exp_avg", "exp_avg_sq")):
                checks.close(f"torch.optim.AdamW({what}) {output} ({case['name']})", got, theirs, atol=atol)
    # The lesson's optimizer: minibert's create_optimizer (BERT's groups) on a Linear, first step: the weight
    # is decayed, the bias is not.
    torch.manual_seed(46)
    layer = torch.nn.Linear(6, 4)
    opt = create_optimizer(layer, lr=1e-3, weight_decay=0.01)
    group = opt.param_groups[0]
    before = {n: p.detach().clone() for n, p in layer.named_parameters()}
    g = gen(47)
    grads = {n: torch.randn(p.shape, generator=g) for n, p in layer.named_parameters()}
    for n, p in layer.named_parameters():
        p.grad = grads[n].clone()
    opt.step()
    for n, p in layer.named_parameters():
        inputs = {"param": before[n], "grad": grads[n], "exp_avg": torch.zeros_like(p),
                  "exp_avg_sq": torch.zeros_like(p), "step": 1, "lr": 1e-3, "betas": group["betas"],
                  "eps": group["eps"], "weight_decay": 0.01 if n == "weight" else 0.0}
        checks.close(f"minibert create_optimizer, Linear.{n} (decay {inputs['weight_decay']})",
                     solution("adamw_step")(**inputs)[0], p.detach(), atol=tolerance(inputs))


TRAINER_CORPORA = {  # name: (word counts, vocab_size, special tokens)
    "docstring_example": ({"hug": 10, "pug": 5, "hugs": 5}, 12, []),
    "hugs_and_puns": ({"hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5}, 30, ["[UNK]"]),
    # Every word once: every merge is a tie. The first pair counted (b, ##a), the alphabetically first pair
    # (##a, ##d) and the pair with the smallest ids (a, ##b) are three different pairs.
    "ties_everywhere": ({"bad": 1, "dab": 1, "abc": 1, "cab": 1, "bead": 1}, 24, ["[PAD]", "[UNK]"]),
    # Overlapping pairs merge left to right: "aaaa" -> ##aa ##aa, "aaa" -> a ##aa.
    "repeated_letters": ({"aaaa": 3, "aaa": 2, "baaab": 2, "ab": 4, "ba": 1}, 20, []),
    "bert_specials": ({"low": 5, "lower": 2, "newest": 6, "widest": 3, "new": 2, "wide": 1, "lowest": 1}, 40,
                      ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]),
    "stops_when_no_pair_is_left": ({"ab": 3, "cd": 2, "e": 7}, 50, ["[UNK]"]),
    "unicode": ({"über": 3, "übel": 2, "straße": 4, "maße": 2, "naïve": 1}, 36, ["[UNK]"]),
}


def wordpiece_trainer_cases():
    cases = [{"name": name, "inputs": {"word_counts": words, "vocab_size": size, "special_tokens": specials}}
             for name, (words, size, specials) in TRAINER_CORPORA.items()]
    text = (REPO / "examples" / "data" / "corpus.txt").read_text(encoding="utf-8").lower().split()
    toy = {}
    for word in text:
        toy[word] = toy.get(word, 0) + 1
    cases.append({"name": "toy_world_corpus", "inputs": {"word_counts": dict(sorted(toy.items())),
                                                         "vocab_size": 120, "special_tokens": ["[UNK]"]}})
    return cases


def trainer_by_replay(word_counts, vocab_size, special_tokens, continuation_order):
    """An independent implementation of the rule: each round re-splits every word from its characters by
    replaying all merges so far, in order, then counts the pairs. ``continuation_order``: the "##c" pieces of
    the alphabet in the order they get their ids (the exercise: code-point order)."""
    vocab = list(special_tokens) + sorted({c for w in word_counts for c in w}) + list(continuation_order)
    merges = []

    def split(word):
        pieces = [word[0]] + ["##" + c for c in word[1:]]
        for a, b, merged in merges:
            pieces = _left_to_right(pieces, a, b, merged)
        return pieces

    while len(vocab) < vocab_size:
        counts = {}
        for word, n in word_counts.items():
            pieces = split(word)
            for k in range(len(pieces) - 1):
                counts[pieces[k], pieces[k + 1]] = counts.get((pieces[k], pieces[k + 1]), 0) + n
        if not counts:
            break
        best = max(counts.values())
        a, b = sorted((vocab.index(x), vocab.index(y), x, y) for (x, y), c in counts.items() if c == best)[0][2:]
        merged = a + b[2:]
        merges.append((a, b, merged))
        if merged not in vocab:
            vocab.append(merged)
    return vocab


def _left_to_right(pieces, a, b, merged):
    """Replace each (a, b) in ``pieces`` by ``merged``, scanning left to right, never reusing a merged piece."""
    out, k = [], 0
    while k < len(pieces):
        if k + 1 < len(pieces) and pieces[k] == a and pieces[k + 1] == b:
            out.append(merged)
            k += 2
        else:
            out.append(pieces[k])
            k += 1
    return out


def tokenizers_vocab(word_counts, vocab_size, special_tokens):
    """tokenizers' WordPieceTrainer on the same word counts (each word repeated count times), or None."""
    try:
        from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    except ImportError:
        return None
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=0, show_progress=False,
                                        special_tokens=special_tokens, continuing_subword_prefix="##")
    tok.train_from_iterator([" ".join([w] * n) for w, n in word_counts.items()], trainer)
    return [piece for piece, _ in sorted(tok.get_vocab().items(), key=lambda kv: kv[1])]


def wordpiece_trainer_check(cases, checks):
    corpora = [(case["name"], case["inputs"]) for case in cases]
    for name, i in corpora:
        vocab = solution("wordpiece_trainer")(**i)
        inside = ["##" + c for c in sorted({c for w in i["word_counts"] for c in w[1:]})]
        checks.equal(f"replaying the merges from the characters every round ({name})", vocab,
                     trainer_by_replay(**i, continuation_order=inside))
        theirs = tokenizers_vocab(**i)
        if theirs is None:
            checks.skipped(f"tokenizers WordPieceTrainer ({name})", "tokenizers not installed")
            continue
        # tokenizers numbers the "##c" pieces in the order it meets them in a hash map (it changes from run to
        # run, and with it how ties are broken); with the order it used this time, the same rule gives its
        # vocabulary exactly, merges and their order included.
        its_order = [p for p in theirs if p in set(inside)]
        checks.equal(f"tokenizers WordPieceTrainer, with its own order of the '##' characters ({name})",
                     trainer_by_replay(**i, continuation_order=its_order), theirs)
TINY_BERT = REPO / "checkpoints" / "tiny-bert"  # its vocabulary is bert-base-uncased's


def tiny_tokenizers(checks: CrossChecks):
    """minibert's tokenizer of checkpoints/tiny-bert, and transformers' fast one of the same files (or None)."""
    from minibert import BertTokenizer

    fast = from_reference(checks, "transformers", "BertTokenizerFast")
    return BertTokenizer.from_pretrained(TINY_BERT), (fast.from_pretrained(TINY_BERT) if fast is not None else None)


NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]  # CoNLL-2003's order
NER_SENTENCES = [  # name, words, tags, max_length: each tokenized for real, word by word, with tiny-bert's vocabulary
    ("pieces_of_names", "Ada Lovelace wrote notes on Babbage 's Analytical Engine".split(),
     "B-PER I-PER O O O B-PER O B-MISC I-MISC".split(), 64),
    ("long_words", "Tchaikovsky visited Wrocław and Schwarzenegger met Gorbachev".split(),
     "B-PER O B-LOC O B-PER O B-PER".split(), 64),
    ("a_word_without_pieces", ["Paris", "\u200b", "is", "in", "France", "\t", "."],
     "B-LOC O O O B-LOC O O".split(), 64),
    ("truncated_inside_a_word", "The Bundesverfassungsgericht ruled on Thursday in Karlsruhe".split(),
     "O B-ORG O O O O B-LOC".split(), 6),
    ("one_word", ["Lovelace"], ["B-PER"], 16),
    ("all_single_pieces", "the cat sat on the mat".split(), "O O O O O O".split(), 16),
]


def ner_word_ids(tokenizer, words: list[str], max_length: int) -> list:
    """The word id of each piece of [CLS] words [SEP], truncated to max_length, each word tokenized alone."""
    ids = [w for w, word in enumerate(words)
           for _ in tokenizer(word, add_special_tokens=False, verbose=False)["input_ids"]]
    return [None, *ids[:max_length - 2], None]


def ner_label_alignment_cases():
    from minibert import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(TINY_BERT)
    return [{"name": name, "inputs": {"word_labels": [NER_LABELS.index(t) for t in tags],
                                      "word_ids": ner_word_ids(tokenizer, words, max_length)}}
            for name, words, tags, max_length in NER_SENTENCES]


def run_ner_recipe(word_ids: list, word_labels: list[int]) -> list[int]:
    """transformers' examples/pytorch/token-classification/run_ner.py, tokenize_and_align_labels, as written
    there (label_all_tokens=False): the reference's recipe is example code, not a library function."""
    previous_word_idx = None
    label_ids = []
    for word_idx in word_ids:
        if word_idx is None:
            label_ids.append(-100)
        elif word_idx != previous_word_idx:
            label_ids.append(word_labels[word_idx])
        else:
            label_ids.append(-100)
        previous_word_idx = word_idx
    return label_ids


def ner_label_alignment_check(cases, checks):
    from minibert.training.word_labels import align_word_labels

    ours, fast = tiny_tokenizers(checks)
    label2id = {label: i for i, label in enumerate(NER_LABELS)}
    for case, (name, words, tags, max_length) in zip(cases, NER_SENTENCES):
        labels = solution("ner_label_alignment")(**case["inputs"])
        aligned = align_word_labels(ours, words, tags, label2id, max_length)
        checks.equal(f"minibert training.word_labels.align_word_labels ({name})", labels, aligned["labels"])
        if fast is not None:  # the reference tokenizer's own word_ids(), and run_ner.py's recipe on them
            enc = fast(words, is_split_into_words=True, truncation=True, max_length=max_length)
            checks.equal(f"transformers BertTokenizerFast word_ids() ({name})", case["inputs"]["word_ids"],
                         enc.word_ids())
            checks.equal(f"transformers BertTokenizerFast input_ids vs align_word_labels ({name})",
                         enc["input_ids"], aligned["input_ids"])
            checks.equal(f"transformers run_ner.py recipe ({name})", labels,
                         run_ner_recipe(enc.word_ids(), case["inputs"]["word_labels"]))


QA_QUESTION = "When and where was Ada Lovelace born?"
QA_CONTEXT = ("Augusta Ada King, Countess of Lovelace, was an English mathematician and writer, chiefly known for her "
              "work on Charles Babbage's proposed mechanical general-purpose computer, the Analytical Engine. She was "
              "born in London on 10 December 1815, the only legitimate child of the poet Lord Byron and his wife "
              "Anne Isabella Milbanke. Her notes on the engine include what is recognised as the first algorithm "
              "intended to be carried out by such a machine.")
QA_SHORT = "Ada Lovelace was born in London in 1815."
QA_WINDOW_CASES = [  # name, context, max_length, stride: the token counts come from tiny-bert's tokenizer
    ("fits_in_one_window", QA_SHORT, 64, 16),
    ("stride_16_seven_windows", QA_CONTEXT, 40, 16),
    ("stride_zero_back_to_back", QA_CONTEXT, 40, 0),
    ("stride_one_less_than_budget", QA_SHORT, 20, 7),
    ("last_window_full_length", QA_CONTEXT, 48, 9),
    ("the_usual_doc_stride", QA_CONTEXT, 64, 32),
]


def count_tokens(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])


def qa_windows_cases():
    from minibert import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(TINY_BERT)
    n_question = count_tokens(tokenizer, QA_QUESTION)
    return [{"name": name, "inputs": {"question_tokens": n_question, "context_tokens": count_tokens(tokenizer, context),
                                      "max_length": max_length, "stride": stride}}
            for name, context, max_length, stride in QA_WINDOW_CASES]


def reference_windows(fast, question: str, context: str, max_length: int, stride: int) -> list[tuple[int, int]]:
    """transformers' overflowing windows of (question, context), as (start, end) ranges of the context's tokens:
    each row's context pieces are found among the context's own by their character offsets."""
    alone = fast(context, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    index = {tuple(span): i for i, span in enumerate(alone)}
    enc = fast(question, context, truncation="only_second", max_length=max_length, stride=stride,
               return_overflowing_tokens=True, return_offsets_mapping=True)
    spans = []
    for row in range(len(enc["input_ids"])):
        held = [index[tuple(enc["offset_mapping"][row][t])] for t, seq in enumerate(enc.sequence_ids(row)) if seq == 1]
        if held != list(range(held[0], held[-1] + 1)):
            raise AssertionError(f"a window of the reference is not one run of context tokens: {held}")
        spans.append((held[0], held[-1] + 1))
    return spans


def qa_windows_check(cases, checks):
    from minibert.tokenization.windows import question_windows

    ours, fast = tiny_tokenizers(checks)
    for case, (name, context, max_length, stride) in zip(cases, QA_WINDOW_CASES):
        windows = solution("qa_windows")(**case["inputs"])
        checks.equal(f"minibert tokenization.windows.question_windows ({name})", windows,
                     question_windows(ours, QA_QUESTION, context, max_length, stride)[3])
        if fast is not None:
            checks.equal(f"transformers BertTokenizerFast overflowing tokens ({name})", windows,
                         reference_windows(fast, QA_QUESTION, context, max_length, stride))
    # Beyond the stored cases: every max_length and stride on the real texts, against minibert and transformers.
    n_question, swept = count_tokens(ours, QA_QUESTION), 0
    for context in (QA_CONTEXT, QA_SHORT):
        n_context = count_tokens(ours, context)
        for max_length in range(n_question + 4, n_question + 3 + n_context + 2, 3):
            budget = max_length - n_question - 3
            for stride in sorted({0, 1, budget // 3, budget // 2, budget - 1} & set(range(budget))):
                windows = solution("qa_windows")(n_question, n_context, max_length, stride)
                if windows != question_windows(ours, QA_QUESTION, context, max_length, stride)[3] or (
                        fast is not None and windows != reference_windows(fast, QA_QUESTION, context, max_length,
                                                                          stride)):
                    raise AssertionError(f"qa_windows: solution disagrees on max_length {max_length}, stride {stride}"
                                         f" ({context[:30]!r}...): {windows}")
                swept += 1
    against = "minibert question_windows" + (" and transformers overflowing tokens" if fast is not None else "")
    checks.equal(f"{against}: {swept} (max_length, stride) pairs on both texts", True, True)
PAIR_CASES = [  # name, ids_a, ids_b, cls_id, sep_id
    ("one_text", [7592, 2088], None, 101, 102),
    ("pair", [2073, 2003, 1996, 4937, 1029], [2009, 25126, 2006, 1996, 13523, 1012], 101, 102),
    ("pair_other_special_ids", [11, 12, 13], [21], 2, 3),
    ("empty_second_text", [5, 6], [], 101, 102),
    ("empty_first_text", [], [8, 9, 10], 101, 102),
]


def pair_inputs_cases():
    return [{"name": name, "inputs": {"ids_a": a, "ids_b": b, "cls_id": cls, "sep_id": sep}}
            for name, a, b, cls, sep in PAIR_CASES]


def pair_inputs_check(cases, checks):
    from minibert import BertTokenizer

    tokenizer = BertTokenizer(str(VOCAB_FILE))
    reference = from_reference(checks, "transformers", "BertTokenizer")
    theirs = reference(str(VOCAB_FILE)) if reference is not None else None
    for case in cases:
        i = case["inputs"]
        if (i["cls_id"], i["sep_id"]) != (tokenizer.cls_token_id, tokenizer.sep_token_id):
            continue  # the tokenizers know only their own special ids
        ids, types = solution("pair_inputs")(**i)
        for who, tok in [("minibert", tokenizer), ("transformers", theirs)]:
            if tok is None:
                continue
            checks.equal(f"{who} build_inputs_with_special_tokens ({case['name']})", ids,
                         tok.build_inputs_with_special_tokens(i["ids_a"], i["ids_b"]))
            checks.equal(f"{who} create_token_type_ids_from_sequences ({case['name']})", types,
                         tok.create_token_type_ids_from_sequences(i["ids_a"], i["ids_b"]))


TF_LAYER = "bert/encoder/layer_{i}"
TF_CASES = {
    "one_layer": [f"{TF_LAYER}/{s}/{leaf}".format(i=3) for s in ("attention/self/query", "attention/self/key",
                                                                   "attention/self/value", "attention/output/dense",
                                                                   "intermediate/dense", "output/dense")
                  for leaf in ("kernel", "bias")]
                 + [f"{TF_LAYER}/{s}/{leaf}".format(i=3) for s in ("attention/output/LayerNorm", "output/LayerNorm")
                    for leaf in ("gamma", "beta")],
    "embeddings_and_pooler": ["bert/embeddings/word_embeddings", "bert/embeddings/position_embeddings",
                              "bert/embeddings/token_type_embeddings", "bert/embeddings/LayerNorm/gamma",
                              "bert/embeddings/LayerNorm/beta", "bert/pooler/dense/kernel", "bert/pooler/dense/bias"],
    "pre_training_heads": ["cls/predictions/transform/dense/kernel", "cls/predictions/transform/dense/bias",
                           "cls/predictions/transform/LayerNorm/gamma", "cls/predictions/transform/LayerNorm/beta",
                           "cls/predictions/output_bias", "cls/seq_relationship/output_weights",
                           "cls/seq_relationship/output_bias"],
    "with_training_state": ["global_step", "bert/encoder/layer_11/output/dense/kernel",
                            "bert/encoder/layer_11/output/dense/kernel/adam_m",
                            "bert/encoder/layer_11/output/dense/kernel/adam_v",
                            "bert/encoder/layer_0/attention/self/query/bias/adam_m",
                            "bert/embeddings/word_embeddings/adam_v", "bert/encoder/layer_0/output/LayerNorm/beta"],
}


def tf_to_hf_keys_cases():
    return [{"name": name, "inputs": {"names": names}} for name, names in TF_CASES.items()]


def tf_to_hf_keys_check(cases, checks):
    from minibert.loading.tf_names import is_training_state, reference_key

    for case in cases:
        names = case["inputs"]["names"]
        keys, transpose = solution("tf_to_hf_keys")(names)
        ours = [None if is_training_state(n) else reference_key(n) for n in names]
        checks.equal(f"minibert.loading.tf_names.reference_key: keys ({case['name']})", keys,
                     [o[0] if o else None for o in ours])
        checks.equal(f"minibert.loading.tf_names.reference_key: transpose ({case['name']})", transpose,
                     [bool(o and o[1]) for o in ours])


FLOP_CASES = [  # name, hidden_size, heads, intermediate_size, seq_len
    ("bert_base_128", 768, 12, 3072, 128),
    ("bert_base_512", 768, 12, 3072, 512),
    ("tiny_one_token", 32, 4, 37, 1),
    ("minilm_like", 384, 12, 1536, 64),
    ("one_head", 64, 1, 256, 200),
]


def layer_flops_cases():
    return [{"name": name, "inputs": {"hidden_size": C, "num_attention_heads": H, "intermediate_size": I,
                                      "seq_len": T}} for name, C, H, I, T in FLOP_CASES]


def layer_flops_check(cases, checks):
    from torch.utils.flop_counter import FlopCounterMode

    from minibert import BertConfig
    from minibert.bert.layer import BertLayer

    for case in cases:
        i = case["inputs"]
        mine = solution("layer_flops")(**i)
        checks.equal(f"benchmarks forward_flops formula, one layer ({case['name']})", mine,
                     8 * i["seq_len"] * i["hidden_size"] ** 2 + 4 * i["seq_len"] * i["hidden_size"]
                     * i["intermediate_size"] + 4 * i["seq_len"] ** 2 * i["hidden_size"])
        config = BertConfig(hidden_size=i["hidden_size"], num_attention_heads=i["num_attention_heads"],
                            intermediate_size=i["intermediate_size"], max_position_embeddings=512,
                            attn_implementation="eager")
        layer = BertLayer(config).eval()
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            layer(torch.randn(1, i["seq_len"], i["hidden_size"]))
        checks.equal(f"torch FlopCounterMode on minibert's BertLayer, eager attention ({case['name']})", mine,
                     counter.get_total_flops())


# --------------------------------------------------------------------------------------------------------


def versions() -> dict:
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "minibert": minibert.__version__, "transformers": getattr(transformers, "__version__", None)}


def build(name: str) -> dict:
    """Cases, expected outputs and cross-check results for exercise ``name`` (raises on a disagreement)."""
    cases = globals()[f"{name}_cases"]()
    for case in cases:
        case["expected"] = expected(name, case["inputs"])
        if SELF_CHECK[name]["atol"] == "per case":  # the grader's tolerance for this case, for the self-check
            grader = importlib.import_module(f"minibert.exercises.graders.test_{name}")
            case["atol"] = grader.tolerance(case["inputs"])
    checks = CrossChecks(name)
    globals()[f"{name}_check"](cases, checks)
    mistakes = importlib.import_module(f"minibert.exercises.mistakes.{name}").MISTAKES
    for case in cases:
        case["mistake_outputs"] = mistake_outputs(name, mistakes, case["inputs"])
    return {"exercise": name, "generated_by": "scripts/make_exercise_snapshots.py", "versions": versions(),
            "cross_checks": checks.rows, "self_check": SELF_CHECK[name],
            "mistakes": [{"key": m.key, "says": m.says} for m in mistakes if m.output is not None], "cases": cases}


# How the student release's self-check (minibert/exercises/student_check.py, shipped without any solution)
# calls each exercise and compares: the call ("kwargs": fn(**inputs); "wordpiece": vocab as a set;
# "per_step": fn(step, num_warmup_steps, num_training_steps) for each step), the expected outputs in the
# order the function returns them, and the grader's tolerances (minibert/exercises/graders/test_<name>.py);
# "per case": the grader derives atol from each case's inputs, and each stored case carries it ("atol").
SELF_CHECK = {
    "gelu": {"call": "kwargs", "outputs": ["y"], "atol": 1e-6, "rtol": 1e-6},
    "basic_tokenize": {"call": "kwargs", "outputs": ["words"], "atol": 0.0, "rtol": 0.0},
    "wordpiece": {"call": "wordpiece", "outputs": ["pieces"], "atol": 0.0, "rtol": 0.0},
    "layer_norm": {"call": "kwargs", "outputs": ["y"], "atol": 1e-5, "rtol": 0.0},
    "embeddings": {"call": "kwargs", "outputs": ["embeddings"], "atol": 1e-5, "rtol": 0.0},
    "attention_mask": {"call": "kwargs", "outputs": ["mask"], "atol": 0.0, "rtol": 0.0},
    "split_heads": {"call": "kwargs", "outputs": ["heads"], "atol": 0.0, "rtol": 0.0},
    "merge_heads": {"call": "kwargs", "outputs": ["merged"], "atol": 0.0, "rtol": 0.0},
    "attention": {"call": "kwargs", "outputs": ["context", "probs"], "atol": 1e-5, "rtol": 0.0},
    "add_and_norm": {"call": "kwargs", "outputs": ["y"], "atol": 1e-5, "rtol": 0.0},
    "pooler": {"call": "kwargs", "outputs": ["pooled"], "atol": 1e-6, "rtol": 0.0},
    "mlm_masking": {"call": "kwargs", "outputs": ["masked_input_ids", "labels"], "atol": 0.0, "rtol": 0.0},
    "prune_heads_index": {"call": "kwargs", "outputs": ["index"], "atol": 0.0, "rtol": 0.0},
    "linear_schedule": {"call": "per_step", "outputs": ["factors"], "atol": 1e-12, "rtol": 0.0},
    "qa_best_span": {"call": "kwargs", "outputs": ["start", "end", "score"], "atol": 1e-6, "rtol": 0.0},
    # Derived per case from its inputs (graders/test_adamw_step.py): each case stores its own "atol".
    "adamw_step": {"call": "kwargs", "outputs": ["param", "exp_avg", "exp_avg_sq"], "atol": "per case",
                   "rtol": 0.0},
    "wordpiece_trainer": {"call": "kwargs", "outputs": ["vocab"], "atol": 0.0, "rtol": 0.0},
    "ner_label_alignment": {"call": "kwargs", "outputs": ["labels"], "atol": 0.0, "rtol": 0.0},
    "qa_windows": {"call": "kwargs", "outputs": ["windows"], "atol": 0.0, "rtol": 0.0},
    "pair_inputs": {"call": "kwargs", "outputs": ["input_ids", "token_type_ids"], "atol": 0.0, "rtol": 0.0},
    "tf_to_hf_keys": {"call": "kwargs", "outputs": ["keys", "transpose"], "atol": 0.0, "rtol": 0.0},
    "layer_flops": {"call": "kwargs", "outputs": ["flops"], "atol": 0.0, "rtol": 0.0},
}


def mistake_outputs(name: str, mistakes, inputs: dict) -> dict:
    """What each catalogued mistake that has an ``output`` returns on ``inputs`` (the self-check names a
    mistake by comparing with these numbers, without its code); a mistake that cannot run here is left out."""
    if name == "wordpiece":
        inputs = {**inputs, "vocab": set(inputs["vocab"])}
    found = {}
    for mistake in mistakes:
        if mistake.output is None:
            continue
        fresh = decode(encode(inputs))  # a mistake that modifies its inputs in place must not change the case
        if name == "wordpiece":
            fresh["vocab"] = set(inputs["vocab"])
        try:
            found[mistake.key] = mistake.output(**fresh)
        except Exception:  # the grader's diagnosis skips such a mistake too (diagnosis.recognise)
            continue
    return found


def first_difference(stored, computed, where: str, tolerance: float) -> str | None:
    """Where two decoded snapshots differ, or None. Floats may differ by ``tolerance``, nothing else may."""
    if isinstance(stored, torch.Tensor) and isinstance(computed, torch.Tensor):
        if stored.shape != computed.shape or stored.dtype != computed.dtype:
            return f"{where}: {tuple(stored.shape)} {stored.dtype} vs {tuple(computed.shape)} {computed.dtype}"
        if stored.dtype.is_floating_point:
            ok = torch.allclose(stored.double(), computed.double(), atol=tolerance, rtol=0.0,
                                 equal_nan=True)  # a mistake's stored output may hold NaN
        else:
            ok = torch.equal(stored, computed)
        return None if ok else f"{where}: values differ (max abs diff {max_diff(stored, computed):.3g})"
    if isinstance(stored, dict) and isinstance(computed, dict):
        if stored.keys() != computed.keys():
            return f"{where}: keys {sorted(stored)} vs {sorted(computed)}"
        return next((d for k in stored
                     if (d := first_difference(stored[k], computed[k], f"{where}.{k}", tolerance))), None)
    if isinstance(stored, list) and isinstance(computed, list):
        if len(stored) != len(computed):
            return f"{where}: {len(stored)} vs {len(computed)} items"
        return next((d for i, (a, b) in enumerate(zip(stored, computed))
                     if (d := first_difference(a, b, f"{where}[{i}]", tolerance))), None)
    if isinstance(stored, float) and isinstance(computed, float):
        return None if math.isclose(stored, computed, rel_tol=0.0, abs_tol=tolerance) else \
            f"{where}: {stored!r} vs {computed!r}"
    return None if stored == computed else f"{where}: {stored!r} vs {computed!r}"


def case_difference(stored: list, computed: list, name: str) -> str | None:
    """The first difference between the stored and the recomputed cases of exercise ``name``, or None; each
    case's floats within check_tolerance(case)."""
    if len(stored) != len(computed):
        return f"{name}: {len(stored)} vs {len(computed)} cases"
    return next((d for i, (a, b) in enumerate(zip(stored, computed))
                 if (d := first_difference(a, b, f"{name}[{i}]", check_tolerance(a)))), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored snapshots, write nothing")
    parser.add_argument("--out", type=Path, default=SNAPSHOT_DIR, help="snapshot folder (default: the package's)")
    args = parser.parse_args(argv)
    problems = []
    for ex in EXERCISES:
        snapshot = build(ex.name)
        n_checks = sum("max_abs_diff" in row for row in snapshot["cross_checks"])
        skipped = [row["against"] for row in snapshot["cross_checks"] if "skipped" in row]
        worst = max((row["max_abs_diff"] for row in snapshot["cross_checks"] if "max_abs_diff" in row), default=0.0)
        note = f"; skipped: {', '.join(skipped)}" if skipped else ""
        print(f"{ex.number:2d} {ex.name:18s} {len(snapshot['cases'])} cases, {n_checks} cross-checks passed, "
              f"worst diff {worst:.2g}{note}")
        if args.check:
            stored = decode(load_snapshot(ex.name, args.out)["cases"])
            difference = case_difference(stored, decode(encode(snapshot["cases"])), ex.name)
            if difference:
                problems.append(f"stored snapshot differs from what the solution computes now: {difference}")
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{ex.name}.json").write_text(dump_snapshot(snapshot), encoding="utf-8")
    for problem in problems:
        print("error:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
