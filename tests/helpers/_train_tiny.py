"""A tiny MLM training run, launched as a subprocess by tests/training/test_training_trainer.py.

Plain ``python tests/helpers/_train_tiny.py --out DIR ...`` runs one process; under
``python -m torch.distributed.run --nproc_per_node=2 tests/helpers/_train_tiny.py ...`` the same code runs with DDP.
``--slow`` sleeps in the dataset so a test can SIGKILL the run part-way.
"""

from __future__ import annotations

import argparse
import time

import torch

from minibert import BertConfig, BertForMaskedLM
from minibert.training.data import Collator, MaskedLMDataset
from minibert.training.trainer import Trainer, TrainingArguments

V = 40


class Slow(torch.utils.data.Dataset):
    def __init__(self, inner, delay):
        self.inner, self.delay = inner, delay

    def set_epoch(self, epoch):
        self.inner.set_epoch(epoch)

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        time.sleep(self.delay)
        return self.inner[i]


def examples(n=48, seed=0):
    # Sequences of varying length with a learnable pattern (each token = previous + 1, mod), [CLS]=1, [SEP]=2.
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        length = int(torch.randint(6, 14, (1,), generator=g))
        start = int(torch.randint(5, V, (1,), generator=g))
        body = [5 + (start + k) % (V - 5) for k in range(length)]
        out.append({"input_ids": [1, *body, 2], "special_tokens_mask": [1] + [0] * length + [1]})
    return out


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--accum", type=int, default=1)
    p.add_argument("--save-every", type=int, default=0)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--slow", type=float, default=0.0)
    a = p.parse_args(argv)
    torch.set_num_threads(1)  # the same kernels and summation order in every run
    torch.manual_seed(0)
    config = BertConfig(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32, hidden_dropout_prob=a.dropout,
                        attention_probs_dropout_prob=a.dropout)
    model = BertForMaskedLM(config)
    data = MaskedLMDataset(examples(), mask_token_id=3, vocab_size=V, seed=0, mlm_probability=0.3)
    if a.slow:
        data = Slow(data, a.slow)
    args = TrainingArguments(output_dir=a.out, max_steps=a.steps, batch_size=a.batch_size, grad_accum_steps=a.accum,
                             lr=2e-3, warmup_steps=2, save_every=a.save_every, progress=False, seed=0)
    Trainer(model, args, data, Collator(pad_token_id=0)).train()


if __name__ == "__main__":
    main()
