"""Masked-LM pre-training for a time budget: minibert's Trainer, stopped and scheduled by a stopwatch.

What the speedrun adds to minibert/training/trainer.py (everything else, the data order, the masked-positions
decoder, atomic checkpoints and exact resume, is the Trainer's own):

* the learning rate follows the budget's clock (budget.budget_schedule), not a step count;
* with a batch ramp, a step takes 1, 2, ... of the batch's 4 quarters (budget.ramp_parts), read as quarters (the
  data position counts them) and padded together into one batch: after the ramp, a step is the plain one;
* the run ends when the budget's seconds are spent (``should_stop``), saved, so a later call only evaluates;
* every step's log line carries ``train_seconds``; the checkpoint stores them, so a killed run resumes with
  the schedule where it was (the seconds since the last checkpoint are lost and trained again);
* a checkpoint every ``save_every_seconds`` of training, and a held-out top-1 measurement every
  ``eval_every_seconds`` (its time not counted in the budget), for the curve against time;
* a progress bar in seconds: time left and the current loss;
* with ``short_dataset``, short segments first: the epochs read it until ``short_seconds`` of training are spent,
  then the full-length segments (``long_phase``, saved with the checkpoint: a resumed run reads the right ones);
* subnormal floats flushed to zero while it trains (``flush_subnormals``): see ``train``.
"""

from __future__ import annotations

import json
import time

import torch
from tqdm.auto import tqdm

from minibert.speedrun.budget import Stopwatch, budget_schedule, format_seconds, ramp_parts
from minibert.training.mlm_eval import fill_blanks
from minibert.training.trainer import Trainer, TrainingArguments

NEVER = 10**9  # max_steps: the budget, not a step count, ends the run
RAMP_PARTS = 4  # a ramped batch starts at a quarter of the batch


def _as_list(examples: list[dict]) -> list[dict]:
    return examples


class BudgetTrainer(Trainer):
    def __init__(self, model, output_dir: str, train_dataset, collate_fn, *, budget: float, warmup: float, lr: float,
                 weight_decay: float, batch_size: int, seed: int, clock: str = "wall", eval_sequences=None,
                 mask_token_id: int = 0, special_ids=(), progress: bool = True, stop_after_steps: int | None = None,
                 wall_start: float | None = None, schedule: str = "linear", batch_ramp: float = 0.0,
                 flush_subnormals: bool = True, short_dataset=None, short_seconds: float = 0.0):
        if not 0 <= batch_ramp < 1:
            raise ValueError(f"--batch-ramp must be in [0, 1), got {batch_ramp}")
        if batch_ramp and batch_size % RAMP_PARTS:
            raise ValueError(f"--batch-ramp grows the batch by quarters: --batch-size {batch_size} is not a multiple "
                             f"of {RAMP_PARTS}")
        parts = RAMP_PARTS if batch_ramp else 1
        args = TrainingArguments(output_dir=output_dir, max_steps=NEVER, batch_size=batch_size // parts, lr=lr,
                                 weight_decay=weight_decay, warmup_steps=0, seed=seed, progress=False,
                                 grad_accum_steps=parts)
        # With a ramp the loader hands out lists of examples; a step pads its quarters into one batch.
        super().__init__(model, args, train_dataset, _as_list if batch_ramp else collate_fn,
                         forward_kwargs={"masked_positions_only": True})
        self.batch_ramp, self.pad, self.flush_subnormals = batch_ramp, collate_fn, flush_subnormals
        self.short_dataset, self.short_seconds = short_dataset, short_seconds
        self.long_phase = short_dataset is None
        self.budget, self.watch = budget, Stopwatch(clock)
        self.scheduler = budget_schedule(self.optimizer, self.watch, budget, warmup, schedule)
        self.save_every_seconds = max(5.0, budget / 20)
        self.eval_every_seconds = budget / 8
        self.eval_sequences, self.mask_token_id, self.special_ids = eval_sequences or [], mask_token_id, special_ids
        self.stop_after_steps, self.steps_this_run = stop_after_steps, 0
        self._next_save = self._next_eval = 0.0
        # Wall-clock seconds of the whole command (corpus, evaluations... included) over every call, for the report.
        self.wall_start, self.wall_before = wall_start or time.perf_counter(), 0.0
        self._bar = tqdm(total=round(budget), unit="s", disable=not progress,
                         bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} s of training{postfix}")

    # -- the Trainer's hooks ---------------------------------------------------------------------------------
    def should_stop(self) -> bool:
        hook = self.stop_after_steps is not None and self.steps_this_run >= self.stop_after_steps
        return hook or self.watch.spent >= self.budget

    def epoch_dataset(self):
        return self.train_dataset if self.long_phase else self.short_dataset

    def _epoch_batches(self):
        loader = super()._epoch_batches()
        return loader if self.long_phase else self._until_long(loader)

    def _until_long(self, loader):
        """The short segments' batches, until their share of the budget is spent. Ending the epoch there makes
        the Trainer's loop start the next one, on ``epoch_dataset()``: the full-length segments. The data
        position (epoch, batch in epoch) then counts in those; ``long_phase`` in the checkpoint says which."""
        for batch in loader:
            if self.watch.spent >= self.short_seconds:
                self.long_phase = True
                return
            yield batch

    def accumulation_steps(self) -> int:
        return ramp_parts(self.watch.spent / self.budget, self.batch_ramp, self.args.grad_accum_steps)

    def extra_record(self) -> dict:
        return {"train_seconds": self.watch.spent, **({"batch": self._batch} if self.batch_ramp else {}),
                **({"long_phase": self.long_phase} if self.short_dataset is not None else {})}

    @property
    def wall_seconds(self) -> float:
        return self.wall_before + time.perf_counter() - self.wall_start

    def extra_state(self) -> dict:
        return {"train_seconds": self.watch.spent, "next_eval": self._next_eval, "wall_seconds": self.wall_seconds,
                "long_phase": self.long_phase}

    def load_extra_state(self, state: dict) -> None:
        self.watch.before = float(state.get("train_seconds", 0.0))
        self.wall_before = float(state.get("wall_seconds", 0.0))
        self._next_eval = float(state.get("next_eval", 0.0))
        self.long_phase = bool(state.get("long_phase", self.short_dataset is None))
        self._next_save = self.watch.spent + self.save_every_seconds

    # -- one step, timed -----------------------------------------------------------------------------------
    def _train_step(self, micro_batches):
        # The stopwatch runs from the end of one step's bookkeeping to the end of the next step: reading and
        # masking the data counts, evaluations and checkpoints do not.
        if self.steps_this_run == 0 and self.watch.spent == 0.0:
            self._held_out_top1()  # the curve's first point: the untrained model
        if self.watch._lap_start is None:
            self.watch.start()
        if self.batch_ramp:
            examples = [ex for part in micro_batches for ex in part]
            micro_batches, self._batch = [self.pad(examples)], len(examples)
        record = super()._train_step(micro_batches)
        self.watch.stop()
        self.steps_this_run += 1
        spent = self.watch.spent
        self._bar.n = min(round(spent), self._bar.total)
        self._bar.set_postfix_str(f"step {self.step}, loss {record['loss']:.3f}, "
                                  f"{format_seconds(max(0.0, self.budget - spent))} left")
        if spent >= self._next_eval or self.should_stop():
            self._held_out_top1()
        if spent >= self._next_save and not self.should_stop():  # at a stop, the Trainer saves
            self._save_checkpoint()
            self._next_save = spent + self.save_every_seconds
        if not self.should_stop():
            self.watch.start()
        return record

    def _held_out_top1(self) -> None:
        """Held-out top-1 on the evaluation sample, logged with the training seconds (not counted in them)."""
        if not self.eval_sequences:
            return
        blanks = fill_blanks(self.model, self.eval_sequences, mask_token_id=self.mask_token_id,
                             special_ids=set(self.special_ids), seed=0)
        self.model.train()
        self._next_eval = self.watch.spent + self.eval_every_seconds
        self._log({"step": self.step, "train_seconds": self.watch.spent, "heldout_top1": blanks.accuracy(1)})

    def _log(self, record: dict) -> None:
        with open(self.log_path, "a") as f:
            f.write(json.dumps(record) + "\n")

    def train(self, resume: bool = True) -> dict:
        # Floats below 1.2e-38 (float32's smallest normal number) take a slow path through the CPU, many times
        # slower than normal arithmetic. A high learning rate can push activations there: a 10-minute ablation at
        # lr 4e-3 ran half the recipe's steps for it (benchmarks/subnormal_steps.py: 0.75 s a step, 0.27 s
        # flushed). Reading and writing them as 0 changes no number a float32 model can tell from 0, and the
        # budget buys steps, not slow paths. torch has no getter for the mode: it goes back to torch's default.
        torch.set_flush_denormal(self.flush_subnormals)
        try:
            return super().train(resume=resume)
        finally:
            torch.set_flush_denormal(False)
            self.watch.stop()
            self._bar.close()
