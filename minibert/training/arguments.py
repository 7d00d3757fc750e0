"""``TrainingArguments``: what one training run is asked to do, checked before it starts (minibert/training/trainer.py
runs it). As in the reference, the arguments are their own small record: a command line (minibert/cli/training_args.py)
or a script fills them in, and the Trainer reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

# The autocast dtype of each precision (fp32: no autocast).
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass
class TrainingArguments:
    output_dir: str
    max_steps: int                      # optimizer steps (the learning-rate schedule is planned for these)
    stop_at_step: int | None = None     # end this run there (saved, resumable); the schedule stays max_steps long
    batch_size: int = 8                 # examples per process per micro-batch
    grad_accum_steps: int = 1
    lr: float = 5e-5
    weight_decay: float = 0.01
    scheduler: str = "linear"
    warmup_steps: int = 0
    max_grad_norm: float | None = 1.0   # None: no clipping
    precision: str = "fp32"             # "fp32", "bf16" (CUDA or CPU autocast) or "fp16" (CUDA, with a GradScaler)
    eval_every: int = 0                 # steps; 0 = only at the end
    save_every: int = 0                 # steps; 0 = no checkpoints
    seed: int = 0                       # data order (and, in the caller, the weight initialisation)
    device: str | None = None           # default: cuda:LOCAL_RANK if available, else cpu
    progress: bool = True               # tqdm bar

    def validate(self) -> None:
        for name in ("max_steps", "batch_size", "grad_accum_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.stop_at_step is not None and not 1 <= self.stop_at_step <= self.max_steps:
            raise ValueError(f"stop_at_step must be in 1..max_steps={self.max_steps}, got {self.stop_at_step}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
