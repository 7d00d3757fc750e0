"""Pre-training and fine-tuning, in the order the data flows.

data.py (read text/JSONL/CSV, pad batches) -> masking.py (MLM targets) / nsp.py (sentence pairs) /
word_labels.py (NER tags on each word's first piece) / qa_features.py (answer spans as token positions) ->
optim.py (AdamW parameter groups) -> schedules.py (warm-up and decay) -> arguments.py (what a run is asked to
do) -> trainer.py (the loop, with checkpoint.py for crash-safe resume and distributed.py for torchrun) ->
metrics.py (evaluation), with entities.py (CoNLL entity F1) and squad.py (SQuAD exact match and F1).
"""

from minibert.training.schedules import (  # the reference's names, importable from here
    get_constant_schedule,
    get_constant_schedule_with_warmup,
    get_cosine_schedule_with_warmup,
    get_cosine_with_hard_restarts_schedule_with_warmup,
    get_linear_schedule_with_warmup,
    get_polynomial_decay_schedule_with_warmup,
    get_scheduler,
)

__all__ = ["get_constant_schedule", "get_constant_schedule_with_warmup", "get_cosine_schedule_with_warmup",
           "get_cosine_with_hard_restarts_schedule_with_warmup", "get_linear_schedule_with_warmup",
           "get_polynomial_decay_schedule_with_warmup", "get_scheduler"]
