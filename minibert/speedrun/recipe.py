"""The speedrun's recipe: the model's size and the training settings, picked from the budget.

Every choice stays inside standard BERT (post-LayerNorm, biases, GELU, the decoder tied to the word
embeddings) so that ``transformers.BertForMaskedLM`` loads the result. Within that, the choices follow the
budget-training papers (see docs/pretraining.md for the measurements on this project's corpus):

* no next-sentence prediction (RoBERTa, Liu et al. 2019): masked-LM only, on packed segments;
* the MLM decoder on the masked positions only (the same loss, ~5x cheaper with a 12k vocabulary);
* dropout off while pre-training (Cramming, Geiping & Goldstein 2022: a budget run reads its data only a few times
  over, so there is little to regularise, and dropout slows the learning; docs/pretraining.md measures it);
* 25 % masking (Wettig et al. 2023, "Should you mask 15 % in MLM?": more signal per step for small budgets);
* a small model for a small budget (Kaplan et al. 2020; Hoffmann et al. 2022): 2 layers × 128 learns from the
  context within minutes on a CPU, where 4 × 256 still sat on the unigram plateau after half an hour;
* the schedule tied to the budget (minibert/speedrun/budget.py): BERT's linear decay; ``--schedule`` and
  ``--batch-ramp`` give the shapes and the batch-size ramp that the ablations compare;
* ``--short-first``: BERT's own length schedule (Devlin et al. 2019, §A.2: 90 % of the steps at 128 pieces, the
  rest at 512), here short segments for the first share of the budget, then ``max_length`` ones. A short segment
  costs less than half the time of a long one (attention is quadratic), so the early, coarse learning takes more
  steps; the last stretch trains the positions the short segments never reach.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Recipe:
    layers: int = 2
    hidden_size: int = 128
    heads: int = 2
    vocab_size: int = 12000
    max_length: int = 128            # pieces per segment, [CLS] and [SEP] included
    batch_size: int = 32
    lr: float = 2e-3
    warmup: float = 0.05             # share of the budget
    weight_decay: float = 0.01
    mlm_probability: float = 0.25
    dropout: float = 0.0
    schedule: str = "linear"         # after the warm-up: linear, cosine or trapezoid (budget.py)
    batch_ramp: float = 0.0          # share of the budget over which the batch grows to batch_size (0: no ramp)
    short_first: float = 0.0         # share of the budget trained on segments of short_length pieces first (0: none)
    short_length: int = 64

    @property
    def intermediate_size(self) -> int:
        return 4 * self.hidden_size

    @classmethod
    def defaults(cls) -> dict:
        """The fields added after the first runs, with the value a run recorded before them had."""
        return {"schedule": "linear", "batch_ramp": 0.0, "short_first": 0.0, "short_length": 64}

    def to_dict(self) -> dict:
        return {**asdict(self), "intermediate_size": self.intermediate_size}


def recipe_for(budget_seconds: float) -> Recipe:
    """The default recipe for a budget. One size for now: 2 × 128 (the first measurement's best, issue anchors);
    a tiny budget (a test, a demo: under 5 minutes) also shortens the segments so that it takes more steps."""
    if budget_seconds < 300:
        return Recipe(max_length=64, batch_size=16, warmup=0.1)
    return Recipe()


def batch_text(r: dict, what: str = "") -> str:
    """A recorded recipe's batch for a report: ``32 × 128 pieces``, and the short segments' share if any."""
    text = f"{r['batch_size']}{what} × {r['max_length']} pieces"
    if r.get("short_first"):
        text += f" ({r['short_length']} pieces for the first {100 * r['short_first']:g} % of the budget)"
    return text
