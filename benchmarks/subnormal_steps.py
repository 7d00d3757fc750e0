"""Why the lr 4e-3 ablation took half the recipe's steps: subnormal floats (a measurement, not a test).

    .venv/bin/python benchmarks/subnormal_steps.py runs/ablations-10m recipe lr4e-3

For each finished ablation run named: its final model (RUN/model), one training-mode forward + backward on the
first 32 training segments of RUN/data (25 % masked, as pre-training), timed on the process's CPU clock on one
thread, three times after a warm-up, first as torch computes by default, then with
``torch.set_flush_denormal(True)`` (subnormal numbers, below 1.2e-38 in float32, read and written as 0; the CPU
handles them by a slow path otherwise). Also counts the subnormal weights. Prints one line per setting.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch


def main(root: Path, names: list[str]) -> None:
    from minibert import BertForMaskedLM
    from minibert.training.data import Collator, MaskedLMDataset

    torch.set_num_threads(1)
    for name in names:
        run = root / name
        segments = json.loads((run / "data" / "segments.json").read_text())["train"][:32]
        examples = [{"input_ids": s, "special_tokens_mask": [1] + [0] * (len(s) - 2) + [1]} for s in segments]
        model = BertForMaskedLM.from_pretrained(str(run / "model"))
        model.train()
        mask_id = (run / "data" / "vocab.txt").read_text(encoding="utf-8").splitlines().index("[MASK]")
        data = MaskedLMDataset(examples, mask_token_id=mask_id, vocab_size=model.config.vocab_size, seed=0,
                               mlm_probability=0.25)
        batch = Collator(0)([data[i] for i in range(len(examples))])
        for flush in (False, True):
            torch.set_flush_denormal(flush)
            seconds = []
            for _ in range(4):
                start = time.process_time()
                model(**batch, masked_positions_only=True).loss.backward()
                model.zero_grad()
                seconds.append(time.process_time() - start)
            print(f"{name}: flush_denormal={flush}: CPU seconds per forward + backward "
                  f"{', '.join(f'{s:.3f}' for s in seconds[1:])}", flush=True)
        torch.set_flush_denormal(False)
        weights = torch.cat([p.detach().flatten() for p in model.parameters()])
        subnormal = int(((weights != 0) & (weights.abs() < torch.finfo(torch.float32).tiny)).sum())
        print(f"{name}: {subnormal} subnormal weights of {weights.numel():,}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
