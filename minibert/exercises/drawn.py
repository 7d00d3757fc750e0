"""Cases drawn when a grader runs: fresh shapes, values and texts, so that only the maths passes.

The shipped snapshots (minibert/exercises/snapshots/) are public: a function could look its answers up there.
So besides them every grader draws ``DRAWN`` more cases of its exercise from a seed (``draw(name, seed)``),
and computes their expected outputs then, with the reference solution (``expected(name, inputs)``, also what
scripts/make_exercise_snapshots.py stores). The same seed draws the same cases: ``grade --seed S`` repeats
a grading. Drawn inputs keep the properties the snapshot cases were designed with (e.g. no near-ties between
QA spans), so a right answer passes on every seed and the mistake catalogue recognises mistakes on them too.

Each exercise has a drawer, ``(r, g) -> inputs``: ``r`` a ``random.Random`` (shapes, sizes, choices), ``g`` a
``torch.Generator`` (tensor values), both seeded from ``(seed, name)``; it returns one case's inputs, keyword ->
value, as the exercise's function takes them. The drawers live by family: minibert/exercises/drawn_text.py
(tokenization and ids), drawn_model.py (the encoder's tensors, sizes and weight names) and drawn_training.py
(masking, optimisation, spans, labels); ``_DRAW`` below names each exercise's. Their calls on ``r`` and ``g`` fix
the cases a seed draws: changing one changes every grading's cases.
"""

from __future__ import annotations

import random

import torch

from minibert.exercises import drawn_model, drawn_text, drawn_training

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


_DRAW = {
    "gelu": drawn_model.gelu,
    "basic_tokenize": drawn_text.basic_tokenize,
    "wordpiece": drawn_text.wordpiece,
    "layer_norm": drawn_model.layer_norm,
    "embeddings": drawn_model.embeddings,
    "attention_mask": drawn_model.attention_mask,
    "split_heads": drawn_model.split_heads,
    "merge_heads": drawn_model.merge_heads,
    "attention": drawn_model.attention,
    "add_and_norm": drawn_model.add_and_norm,
    "pooler": drawn_model.pooler,
    "mlm_masking": drawn_training.mlm_masking,
    "prune_heads_index": drawn_model.prune_heads_index,
    "linear_schedule": drawn_training.linear_schedule,
    "qa_best_span": drawn_training.qa_best_span,
    "adamw_step": drawn_training.adamw_step,
    "wordpiece_trainer": drawn_text.wordpiece_trainer,
    "ner_label_alignment": drawn_training.ner_label_alignment,
    "qa_windows": drawn_text.qa_windows,
    "pair_inputs": drawn_text.pair_inputs,
    "tf_to_hf_keys": drawn_model.tf_to_hf_keys,
    "layer_flops": drawn_model.layer_flops,
}  # exercise -> its drawer, in the catalogue's order
