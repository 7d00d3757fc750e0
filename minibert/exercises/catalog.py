"""The exercises, in the order a learner meets them (the data flow: text -> tokens -> vectors -> heads).

Each exercise is one function. Its name is also the name of the stub module the learner edits
(``minibert/exercises/stubs/<name>.py``), of the reference solution (``solutions/<name>.py``), of the
grader (``graders/test_<name>.py``) and of the snapshot its grader compares with (``snapshots/<name>.json``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    number: int
    name: str  # function, stub module, grader and snapshot name
    summary: str  # one line for `python -m minibert.exercises list`
    lesson: str  # where minibert does the same thing for real
    points: float = 1.0  # what the exercise is worth in a gradebook (grade --batch)


EXERCISES = (
    Exercise(1, "gelu", "exact GELU, x * Phi(x), written with erf", "minibert/bert/activations.py"),
    Exercise(2, "basic_tokenize", "split text into words: whitespace, punctuation, CJK ideographs",
             "minibert/tokenization/basic.py"),
    Exercise(3, "wordpiece", "greedy longest-match-first WordPiece, with the [UNK] rules",
             "minibert/tokenization/wordpiece.py"),
    Exercise(4, "layer_norm", "LayerNorm over the last dimension, by hand", "minibert/bert/embeddings.py"),
    Exercise(5, "embeddings", "word + position + token-type embeddings, then LayerNorm", "minibert/bert/embeddings.py"),
    Exercise(6, "attention_mask", "0/1 padding mask -> additive (B, 1, 1, T) mask with finfo(dtype).min",
             "minibert/bert/masks.py"),
    Exercise(7, "split_heads", "(B, T, H*d) -> (B, H, T, d)", "minibert/bert/attention.py"),
    Exercise(8, "merge_heads", "(B, H, T, d) -> (B, T, H*d)", "minibert/bert/attention.py"),
    Exercise(9, "attention", "scaled dot-product attention with additive mask and head mask",
             "minibert/bert/attention.py"),
    Exercise(10, "add_and_norm", "the residual sublayer: LayerNorm(x + dense(h))", "minibert/bert/feed_forward.py"),
    Exercise(11, "pooler", "tanh(W h[:, 0] + b): one vector per sequence", "minibert/bert/pooler.py"),
    Exercise(12, "mlm_masking", "BERT's 15% / 80-10-10 masking from pre-drawn random numbers",
             "minibert/training/masking.py"),
    Exercise(13, "prune_heads_index", "feature indices to keep when pruning heads, after earlier prunings",
             "minibert/bert/pruning.py"),
    Exercise(14, "linear_schedule", "linear warm-up then linear decay learning-rate factor",
             "minibert/training/schedules.py"),
    Exercise(15, "qa_best_span", "best answer span: start <= end, max length, allowed positions, top score",
             "minibert/training/metrics.py"),
    Exercise(16, "adamw_step", "one AdamW update: decoupled weight decay, moments, bias correction, eps outside",
             "minibert/training/optim.py", points=1.0),
    Exercise(17, "wordpiece_trainer", "train a WordPiece vocabulary: merge the most frequent pair, '##' inside words",
             "minibert/speedrun/vocab.py", points=2.0),  # a whole training loop: worth two
    Exercise(18, "ner_label_alignment", "word NER tags -> piece labels: first piece labelled, -100 elsewhere",
             "minibert/training/word_labels.py"),
    Exercise(19, "qa_windows", "doc-stride windows of a long QA context: budget, overlap, the last window",
             "minibert/tokenization/windows.py"),
    Exercise(20, "pair_inputs", "[CLS] A [SEP] B [SEP] and its token_type_ids, for one text or a pair",
             "minibert/tokenization/encoding.py"),
    Exercise(21, "tf_to_hf_keys", "Google's TensorFlow variable names -> Hugging Face keys, and which to transpose",
             "minibert/loading/tf_names.py"),
    Exercise(22, "layer_flops", "matmul FLOPs of one BERT layer from its config, the T^2 attention terms included",
             "minibert/bert/layer.py"),
)

BY_NAME = {ex.name: ex for ex in EXERCISES}


def find(key: str) -> Exercise:
    """An exercise by name (``"gelu"``) or number (``"1"``); unknown keys name the known ones."""
    if key.isdigit():
        for ex in EXERCISES:
            if ex.number == int(key):
                return ex
    elif key in BY_NAME:
        return BY_NAME[key]
    known = ", ".join(f"{ex.number}={ex.name}" for ex in EXERCISES)
    raise KeyError(f"unknown exercise {key!r}; known: {known}")
