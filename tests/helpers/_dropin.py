"""Shared by the drop-in tests: the same call made on minibert and on `transformers` 4.57.6, with what each
library logged. Both libraries log through the standard ``logging`` module ("minibert", "transformers.*").
"""

from __future__ import annotations

import contextlib
import logging

import torch
import transformers

import minibert

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=24, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


class Records(logging.Handler):
    """Collects the messages logged while it is attached."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def text(self) -> str:
        return "\n".join(self.messages)


@contextlib.contextmanager
def logged(name: str):
    """Messages of WARNING and above logged under ``name`` ("minibert" or "transformers") inside the block.

    The reference logs some warnings only once per process (``logger.warning_once``, an lru_cache): that cache
    is cleared first, so a warning shown by an earlier test in the same process is shown again here.
    """
    if name == "transformers":
        transformers.utils.logging.warning_once.cache_clear()
    logger, handler = logging.getLogger(name), Records()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def pair(name: str = "BertModel", seed: int = 0, **overrides):
    """(minibert, reference) models of class ``name`` with the same random weights, in eval mode."""
    fields = {**TINY, **overrides}
    torch.manual_seed(seed)
    theirs = getattr(transformers, name)(transformers.BertConfig(**fields))
    ours = getattr(minibert, name)(minibert.BertConfig(**fields))
    ours.load_state_dict(theirs.state_dict(), strict=False)
    return ours.eval(), theirs.eval()


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float((a.double() - b.double()).abs().max())
