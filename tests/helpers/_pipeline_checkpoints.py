"""Tiny random task checkpoints saved by the reference (transformers 4.57.6), for the pipeline tests.

Each folder holds a seeded random head (classifier / token classifier / QA span head) on a 2-layer,
hidden-32 BERT with the real bert-base-uncased vocabulary, plus the tokenizer files, exactly as a user's
fine-tuned checkpoint would look. ``initializer_range`` is large so predictions are far from uniform and
labels vary from token to token (a near-uniform model would make every aggregation strategy look alike).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import transformers

REPO = Path(__file__).resolve().parents[2]
TINY_BERT = REPO / "checkpoints" / "tiny-bert"
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "MISC"]  # MISC: a tag without B-/I-
TOKENIZER_FILES = ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


def _config(**fields) -> transformers.BertConfig:
    base = dict(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                max_position_embeddings=128, initializer_range=0.3)
    return transformers.BertConfig(**{**base, **fields})


def save_head(folder: Path, name: str, seed: int, model_max_length: int | None = None, **fields) -> Path:
    """Save ``transformers.<name>`` (seeded) and the bert-base-uncased tokenizer files into ``folder``."""
    torch.manual_seed(seed)
    model = getattr(transformers, name)(_config(**fields)).eval()
    with torch.no_grad():  # sharper outputs: the tiny random head alone gives near-uniform probabilities
        for n, p in model.named_parameters():
            if n.startswith(("classifier", "qa_outputs")) and n.endswith("weight"):
                p.mul_(4.0 / math.sqrt(p.shape[1]) / p.std())
    model.save_pretrained(folder)
    tokenizer = transformers.BertTokenizer.from_pretrained(TINY_BERT)
    if model_max_length is not None:
        tokenizer.model_max_length = model_max_length
    tokenizer.save_pretrained(folder)
    return folder


def classifier(folder: Path, seed: int = 0, **fields) -> Path:
    labels = fields.pop("labels", ["negative", "neutral", "positive"])
    return save_head(folder, "BertForSequenceClassification", seed,
                     id2label=dict(enumerate(labels)), label2id={k: i for i, k in enumerate(labels)}, **fields)


def tagger(folder: Path, seed: int = 1, model_max_length: int | None = None) -> Path:
    return save_head(folder, "BertForTokenClassification", seed, model_max_length,
                     id2label=dict(enumerate(NER_LABELS)), label2id={k: i for i, k in enumerate(NER_LABELS)})


def reader(folder: Path, seed: int = 2) -> Path:
    return save_head(folder, "BertForQuestionAnswering", seed)
