"""A training run's record: its arguments and a fingerprint of its data, so that a rerun resumes only that run.

``pretrain`` and ``finetune`` write into ``--output``: the model, ``log.jsonl`` and ``checkpoint.pt``. Run
again into the same folder, they continue from ``checkpoint.pt``, which is only right when the run is the same
one. So the folder's record (``.minibert-output.json``, minibert/loading/outputs.py) keeps the arguments the run
was started with and the sha256 of every input file (``--data``, ``--eval-data``, ``--vocab``, ``--config``,
``--model``), and a rerun is:

* refused, with the differences listed, when its arguments or data differ (``--overwrite`` starts afresh);
* refused with "already finished at step N" when there is nothing left to train (``--evaluate`` scores the
  saved model again instead; a larger ``--steps`` extends the run, as scripts/pretrain_pydocs.py does);
* otherwise resumed from ``checkpoint.pt``.

A run folder from before runs were recorded is recognised by its ``checkpoint.pt`` (the trainer's arguments,
and a head that says which command trained it); only those arguments can be compared there, not the data.

The flags in ``MAY_DIFFER`` change how far a run goes, how often it reports and saves, or what it shows, never
what each step computes, so they may change between the parts of a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from minibert.loading import outputs

MAY_DIFFER = {"steps", "stop_at", "eval_every", "save_every", "no_progress", "no_resume", "overwrite", "evaluate"}
INPUTS = ("data", "eval_data", "vocab", "config", "model")  # compared by content, not by the path's spelling
NOT_ARGUMENTS = {"command", "output"}  # the command's name and the folder itself (however its path is spelt)
RUN_STATE = {"log.jsonl", "checkpoint.pt"}  # a model folder's files that are not the model


def add_arguments(group) -> None:
    """``--overwrite`` and ``--evaluate``, in the training flags' group."""
    group.add_argument("--overwrite", action="store_true",
                       help="write into a non-empty --output that is not this command's earlier run, or into a "
                            "run with other arguments, starting afresh (its checkpoint.pt and log are replaced)")
    group.add_argument("--evaluate", action="store_true",
                       help="the run in --output has finished: score its saved model on the held-out data again, "
                            "training nothing")


def fingerprint(path: str) -> str:
    """sha256 of a file, or of a folder's model files (name, size, content); a Hub id stands for itself."""
    p = Path(path).expanduser()
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")
                       and f.name not in RUN_STATE)
    else:
        return f"not a local path: {path}"
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.name if p.is_dir() else ''}\0{f.stat().st_size}\0".encode())
        with open(f, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def describe(args) -> dict:
    """What makes a run this run: its arguments (JSON values) and its inputs' fingerprints."""
    inputs = {name: {"path": str(getattr(args, name)), "sha256": fingerprint(getattr(args, name))}
              for name in INPUTS if getattr(args, name, None) is not None}
    settings = {k: v for k, v in vars(args).items()
                if not k.startswith("_") and k not in MAY_DIFFER | NOT_ARGUMENTS and k not in INPUTS}
    return {"arguments": json.loads(json.dumps(settings)), "inputs": inputs}


def differences(earlier: dict, now: dict) -> list[str]:
    """``--lr 0.01 (the run has 0.001)``, one entry per argument or input that differs."""
    found = []
    if "unrecorded" in earlier:  # only the trainer's arguments are known; the data cannot be compared
        return [f"--{name.replace('_', '-')} {now['arguments'][name]} (the run has {value})"
                for name, value in earlier["unrecorded"].items() if now["arguments"].get(name, value) != value]
    then_args, now_args = earlier.get("arguments", {}), now["arguments"]
    for name in sorted(set(then_args) & set(now_args)):
        if then_args[name] != now_args[name]:
            found.append(f"--{name.replace('_', '-')} {now_args[name]} (the run has {then_args[name]})")
    then_in, now_in = earlier.get("inputs", {}), now["inputs"]
    for name in sorted(set(then_in) | set(now_in)):
        a, b = then_in.get(name), now_in.get(name)
        flag = f"--{name.replace('_', '-')}"
        if a is None or b is None:
            found.append(f"{flag} {'given' if a is None else 'not given'} (the run had "
                         f"{'none' if a is None else a['path']})")
        elif a["sha256"] != b["sha256"]:
            found.append(f"{flag} {b['path']} has other content than the run's {a['path']}")
    return found


def _checkpoint(folder: Path) -> dict | None:
    """``folder/checkpoint.pt`` memory-mapped (read only as far as it is used), or None when there is none."""
    from minibert.training.checkpoint import CHECKPOINT_NAME

    path = folder / CHECKPOINT_NAME
    if not path.is_file():
        return None
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        int(state["step"])
        return state
    except Exception as err:  # damaged, or not a training checkpoint: say so rather than a traceback
        raise ValueError(f"{path} is not a readable training checkpoint ({type(err).__name__}): pass --overwrite "
                         "to start the run afresh") from err


def checkpoint_step(folder: Path) -> int | None:
    """The step of ``folder/checkpoint.pt``, or None when there is none."""
    state = _checkpoint(folder)
    return None if state is None else int(state["step"])


# A run folder from before runs were recorded has only its checkpoint.pt's TrainingArguments to compare:
# field -> the flag that sets it.
TRAINER_FLAGS = {"lr": "lr", "batch_size": "batch_size", "grad_accum_steps": "grad_accum", "weight_decay":
                 "weight_decay", "scheduler": "scheduler", "max_grad_norm": "max_grad_norm", "precision": "precision",
                 "seed": "seed"}


def adopt_unrecorded(out: Path) -> dict | None:
    """The record of a run folder written before runs were recorded (its checkpoint.pt names the trainer's
    arguments; its weights' head, the command: pre-training heads are ``pretrain``'s), or None."""
    state = _checkpoint(out)
    if state is None or not isinstance(state.get("args"), dict) or not isinstance(state.get("model"), dict):
        return None
    pretraining = any(k.startswith(("cls.predictions.", "cls.seq_relationship.")) for k in state["model"])
    known = {flag: state["args"][field] for field, flag in TRAINER_FLAGS.items() if field in state["args"]}
    return {"command": "pretrain" if pretraining else "finetune", "unrecorded": known}


def steps_done(folder) -> int:
    """How far the run in ``folder`` has trained: its checkpoint's step, or the step it last ended at."""
    record = outputs.read_record(folder) or {}
    return max(checkpoint_step(Path(folder)) or 0, record.get("ended_at") or 0)


def plan(args, command: str, out: Path, earlier: dict | None) -> dict:
    """The record of this run, after checking it may go on in ``out``; sets ``args._resume`` and
    ``args._evaluate_only``. Raises ``ValueError`` with the reason when it may not."""
    now = describe(args)
    args._resume = args._evaluate_only = False
    if earlier is None or args.overwrite or args.no_resume:
        if args.evaluate:
            raise ValueError(f"--evaluate scores the model of a finished run, but {out} holds no {command} run "
                             "to evaluate (or --overwrite / --no-resume were given)")
        return {**now, "ended_at": None}
    found = differences(earlier, now)
    if found:
        raise ValueError(f"{out} holds a {command} run started with other arguments or data: {'; '.join(found)}. "
                         "Give the run's own to resume it, or pass --overwrite to start afresh")
    saved, ended = checkpoint_step(out), earlier.get("ended_at") or 0
    done, end = max(saved or 0, ended), args.stop_at or args.steps
    if done and done >= end:
        if args.evaluate:
            args._evaluate_only = True
            return {**now, "ended_at": ended}
        what = (f"already finished at step {done}" if done >= args.steps else
                f"already reached step {done}, past the --stop-at {args.stop_at} asked for")
        raise ValueError(f"{out}: this {command} run {what}, nothing to train. Pass --evaluate to score its model "
                         "again, a larger --steps to go on, or --overwrite to start afresh")
    if args.evaluate:
        raise ValueError(f"--evaluate scores a finished run, but the run in {out} is at step {done} of {end}: "
                         "run without --evaluate to finish it")
    if saved is None and ended:
        raise ValueError(f"{out}: this {command} run ended at step {ended} without a checkpoint.pt to continue "
                         "from (--save-every or --stop-at keep one); pass --overwrite to start afresh")
    args._resume = saved is not None
    return {**now, "ended_at": ended or None}


@contextlib.contextmanager
def guard(args, command: str, inputs: dict):
    """Check, lock and record ``args.output`` for the body, which trains (see ``train``)."""
    out = Path(args.output)
    if os.environ.get("RANK", "0") != "0":  # under torchrun the main process checks, locks and records
        earlier = outputs.read_record(out) or (adopt_unrecorded(out) if out.is_dir() else None)
        args._record = plan(args, command, out, earlier if earlier and earlier.get("command") == command else None)
        yield
        return
    with outputs.claim_folder(out, command, inputs, args.overwrite, adopt=adopt_unrecorded,
                              accept=lambda earlier: plan(args, command, out, earlier)) as record:
        if not (args._resume or args._evaluate_only):  # afresh: an old checkpoint.pt must not be resumed later
            (out / "checkpoint.pt").unlink(missing_ok=True)
        args._record = record
        yield


def train(trainer, args) -> dict:
    """Run the trainer as the plan says: resume or start, or only evaluate the saved model; then record the step."""
    if args._evaluate_only:
        saved = type(trainer.model).from_pretrained(args.output)
        trainer.model.load_state_dict(saved.state_dict())
        return trainer.evaluate(log=False)
    result = trainer.train(resume=args._resume)
    if trainer.dist.is_main:
        outputs.write_record(args.output, {**args._record, "ended_at": trainer.step})
    return result
