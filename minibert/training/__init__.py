"""Pre-training and fine-tuning, in the order the data flows.

data.py (read text/JSONL/CSV, pad batches) -> masking.py (MLM targets) / nsp.py (sentence pairs) ->
optim.py (AdamW parameter groups) -> schedules.py (warm-up and decay) -> trainer.py (the loop, with
checkpoint.py for crash-safe resume and distributed.py for torchrun) -> metrics.py (evaluation).
"""
