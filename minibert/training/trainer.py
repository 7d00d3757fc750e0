"""A small training loop: the few things every BERT pre-training or fine-tuning run needs, in one place.

One optimizer step = ``grad_accum_steps`` micro-batches of ``batch_size`` examples per process:

    for each micro-batch:   loss = model(**batch).loss * weight;  loss.backward()   (gradients add up)
    then:                   clip the gradient norm;  optimizer.step();  scheduler.step();  zero the grads

The weights (the micro-batch's share of the step's targets, e.g. 1/grad_accum_steps for equal classification
batches) make the summed gradient the gradient of the *mean* loss over the whole accumulated batch, so two
micro-batches of B/2 give the same update as one batch of B. Under torchrun each of the N processes runs this
same loop on its own slice of the data, and DistributedDataParallel averages the gradients: the global batch
is ``batch_size * grad_accum_steps * N`` and the update is the one a single process would make on it.

The model must return an output with a ``.loss`` when the batch holds labels (every minibert head does).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import torch
from torch.utils.data import DataLoader, DistributedSampler
from tqdm.auto import tqdm

from minibert.training import distributed as D
from minibert.training.arguments import PRECISIONS, TrainingArguments
from minibert.training.checkpoint import CHECKPOINT_NAME, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from minibert.training.masking import IGNORE_INDEX
from minibert.training.optim import create_optimizer
from minibert.training.schedules import get_scheduler


class Trainer:
    def __init__(self, model, args: TrainingArguments, train_dataset, collate_fn, eval_dataset=None, metrics_fn=None,
                 forward_kwargs: dict | None = None):
        args.validate()
        self.args, self.train_dataset, self.eval_dataset = args, train_dataset, eval_dataset
        self.collate_fn, self.metrics_fn = collate_fn, metrics_fn
        # Extra arguments of every forward call, e.g. {"masked_positions_only": True} for MLM pre-training.
        self.forward_kwargs = dict(forward_kwargs or {})
        self.dist = D.setup(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
        default = f"cuda:{self.dist.local_rank}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(args.device or default)
        if args.precision == "fp16" and self.device.type != "cuda":
            raise ValueError("precision='fp16' needs a CUDA device (fp16 autocast + GradScaler); use 'bf16' on CPU")
        self.model = model.to(self.device)  # the plain model: what we save and evaluate
        self.ddp = self.model  # what we train through: under torchrun, a DDP wrapper that averages gradients
        if self.dist.enabled:
            ids = [self.device] if self.device.type == "cuda" else None
            self.ddp = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = create_optimizer(self.model, lr=args.lr, weight_decay=args.weight_decay)
        self.scheduler = get_scheduler(args.scheduler, self.optimizer, args.warmup_steps, args.max_steps)
        # fp16 has a narrow range: small gradients underflow to 0. The scaler multiplies the loss by a large
        # factor before backward and divides the gradients by it before the step (skipping steps with inf/nan).
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=args.precision == "fp16")
        self.step, self.epoch, self.batch_in_epoch = 0, 0, 0  # the data position: next micro-batch to read
        self.out = Path(args.output_dir)
        self.log_path = self.out / "log.jsonl"

    # -- data ---------------------------------------------------------------------------------------------
    def _epoch_batches(self):
        """This process's micro-batches of the current epoch, starting at ``self.batch_in_epoch``."""
        dataset = self.epoch_dataset()
        # The same shuffled order on every process (seeded by seed + epoch); process r takes every N-th index.
        sampler = DistributedSampler(dataset, num_replicas=self.dist.world_size, rank=self.dist.rank,
                                     shuffle=True, seed=self.args.seed)
        sampler.set_epoch(self.epoch)
        if hasattr(dataset, "set_epoch"):  # e.g. fresh MLM masks every epoch
            dataset.set_epoch(self.epoch)
        if len(sampler) < self.args.batch_size:
            raise ValueError(f"{len(sampler)} training examples per process, fewer than "
                             f"batch_size={self.args.batch_size}")
        indices = list(sampler)[self.batch_in_epoch * self.args.batch_size:]  # skip what a resumed run already saw
        # drop_last: equal-sized batches, so per-batch means combine exactly and N processes split them evenly.
        # A private generator: the DataLoader draws a seed from it, and must not consume the global torch RNG
        # (dropout's), or a resumed run, which creates one more loader, would draw different dropout masks.
        return DataLoader(dataset, batch_size=self.args.batch_size, sampler=indices, drop_last=True,
                          collate_fn=self.collate_fn, generator=torch.Generator().manual_seed(self.args.seed))

    def _autocast(self):
        dtype = PRECISIONS[self.args.precision]
        return torch.autocast(self.device.type, dtype=dtype) if dtype else contextlib.nullcontext()

    # -- the loop -------------------------------------------------------------------------------------------
    def train(self, resume: bool = True) -> dict:
        """Run until ``max_steps``; with ``resume``, continue from ``output_dir/checkpoint.pt`` if present."""
        if resume and (self.out / CHECKPOINT_NAME).is_file():
            self._load(self.out / CHECKPOINT_NAME)
        elif self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            self.log_path.write_text("")
        args = self.args
        bar = tqdm(total=args.max_steps, initial=self.step, disable=not (args.progress and self.dist.is_main))
        self.ddp.train()
        micro_batches, last = [], {}
        # A run may stop before the plan ends (a time budget): the schedule is still max_steps long, so a later
        # run resumed from the checkpoint continues exactly as one uninterrupted run would.
        end = args.max_steps if args.stop_at_step is None else args.stop_at_step
        while self.step < end and not self.should_stop():
            for batch in self._epoch_batches():
                self.batch_in_epoch += 1
                micro_batches.append(batch)
                if len(micro_batches) == self.accumulation_steps():
                    last = self._train_step(micro_batches)
                    micro_batches = []
                    bar.update(1)
                    bar.set_postfix(loss=f"{last['loss']:.4f}", lr=f"{last['lr']:.2e}")
                    if self.step >= end or self.should_stop():
                        break
            else:  # the epoch ran out
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
                continue
            break  # stopped inside the epoch (the plan's end, or should_stop)
        bar.close()
        if self.step < args.max_steps and not (args.save_every and self.step % args.save_every == 0):
            self._save_checkpoint()  # stopped early: keep what resuming needs (before evaluating, as every save)
        last.update(self.evaluate())
        if self.dist.is_main:
            self._save_model()
        D.barrier(self.dist)
        return last

    def _train_step(self, micro_batches: list[dict]) -> dict:
        """Forward/backward over one step's micro-batches, then one optimizer update."""
        # Every head's loss is a mean over its targets (labels != -100): examples for classification, masked
        # tokens for MLM. Micro-batches hold different numbers of masked tokens, and the mean of their means is
        # not the mean over the whole batch. So weight each micro-batch by its share of the targets of the
        # global batch (all micro-batches, all processes): sum_i (n_i / n) * mean_i = the global mean.
        counts = [int((b["labels"] != IGNORE_INDEX).sum()) if "labels" in b else len(b["input_ids"])
                  for b in micro_batches]
        total = max(1.0, D.sum_across_processes(float(sum(counts)), self.dist, self.device))
        loss_sum = 0.0
        for i, batch in enumerate(micro_batches):
            batch = {k: v.to(self.device) for k, v in batch.items()}
            # DDP all-reduces gradients during backward; skip that (no_sync) on all but the last micro-batch.
            last = i == len(micro_batches) - 1
            sync = contextlib.nullcontext() if last or not self.dist.enabled else self.ddp.no_sync()
            with sync:
                with self._autocast():
                    loss = self.ddp(**batch, **self.forward_kwargs).loss
                # x world_size: DDP *averages* gradients over processes, we want the sum of the weighted parts.
                self.scaler.scale(loss * (counts[i] * self.dist.world_size / total)).backward()
            loss_sum += loss.item() * counts[i]
        return self._optimizer_step(D.sum_across_processes(loss_sum, self.dist, self.device) / total)

    def _optimizer_step(self, step_loss: float) -> dict:
        args = self.args
        self.scaler.unscale_(self.optimizer)  # clip the true gradients, not the fp16-scaled ones
        grad_norm = None
        if args.max_grad_norm is not None:
            # Rescale all gradients together so their global L2 norm is at most max_grad_norm (Pascanu et al. 2013).
            grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), args.max_grad_norm).item()
        lr = self.scheduler.get_last_lr()[0]  # the rate this step uses
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        record = {"step": self.step, "loss": step_loss, "lr": lr,
                  "grad_norm": grad_norm, "epoch": self.epoch, "time": time.time(), **self.extra_record()}
        if self.dist.is_main:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
        if args.eval_every and self.step % args.eval_every == 0 and self.step < args.max_steps:
            self.evaluate()
        if args.save_every and self.step % args.save_every == 0:
            self._save_checkpoint()
        return record

    # -- hooks for subclasses (a time-budgeted run: minibert/speedrun/pretrain.py) -------------------------
    def should_stop(self) -> bool:
        """True ends the run after the current step (saved, resumable), before ``max_steps``."""
        return False

    def epoch_dataset(self):
        """The dataset the next epoch reads (a length schedule switches it as training goes)."""
        return self.train_dataset

    def accumulation_steps(self) -> int:
        """Micro-batches in the next optimizer step (a batch-size ramp changes it as training goes)."""
        return self.args.grad_accum_steps

    def extra_record(self) -> dict:
        """More fields for each step's line of log.jsonl."""
        return {}

    def extra_state(self) -> dict:
        """More entries for checkpoint.pt (numbers, lists, tensors); given back to :meth:`load_extra_state`."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    # -- evaluation --------------------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, log: bool = True) -> dict:
        """Mean loss (and ``metrics_fn(outputs, batches)``) over ``eval_dataset``, on the main process; ``log``
        appends the result to log.jsonl."""
        if self.eval_dataset is None or not self.dist.is_main:
            return {}
        self.model.eval()
        total, count, outputs, batches = 0.0, 0, [], []
        for batch in DataLoader(self.eval_dataset, batch_size=self.args.batch_size, collate_fn=self.collate_fn):
            with self._autocast():
                out = self.model(**{k: v.to(self.device) for k, v in batch.items()}, **self.forward_kwargs)
            n = len(next(iter(batch.values())))
            total, count = total + out.loss.item() * n, count + n
            if self.metrics_fn is not None:
                outputs.append({k: v.float().cpu() for k, v in out.items() if torch.is_tensor(v)})
                batches.append(batch)
        self.model.train()
        record = {"step": self.step, "eval_loss": total / max(1, count)}
        if self.metrics_fn is not None:
            record.update({f"eval_{k}": v for k, v in self.metrics_fn(outputs, batches).items()})
        if log:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
        return record

    # -- checkpoints -------------------------------------------------------------------------------------
    def _save_checkpoint(self) -> None:
        rng = D.gather_objects(rng_state(), self.dist)  # every process's generators (collective: all call it)
        if self.dist.is_main:
            save_checkpoint(self.out / CHECKPOINT_NAME, {
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(), "rng": rng,
                "step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "args": asdict(self.args), **self.extra_state()})
        D.barrier(self.dist)

    def _load(self, path: Path) -> None:
        state = load_checkpoint(path)
        if len(state["rng"]) != self.dist.world_size:
            raise ValueError(f"{path} was saved by {len(state['rng'])} processes; resuming with "
                             f"{self.dist.world_size} would change the data order")
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError:  # torch's error lists every key; the cause is one sentence
            raise ValueError(f"{path} is a checkpoint of another model (a different task or size), left by an "
                             "earlier run in this output folder, so this run cannot resume from it: choose another "
                             f"output folder, or delete {path.name} there to start afresh") from None
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"][self.dist.rank])
        self.step, self.epoch, self.batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        self.load_extra_state(state)
        if self.dist.is_main:  # drop log lines written after the checkpoint by the run that died
            lines = self.log_path.read_text().splitlines() if self.log_path.exists() else []
            kept = [ln for ln in lines if json.loads(ln)["step"] <= self.step]
            self.log_path.write_text("".join(ln + "\n" for ln in kept))

    def _save_model(self) -> None:
        if hasattr(self.model, "save_pretrained"):
            self.model.save_pretrained(self.out)
        else:
            torch.save(self.model.state_dict(), self.out / "model.pt")
