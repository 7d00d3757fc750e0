"""``python -m minibert speedrun``, step by step: data, pre-training for the budget, evaluation, transfer, report.

    DIR/data/     corpus split, vocabulary, segment ids (prepare.py)       made once
    DIR/train/    checkpoint.pt, log.jsonl, settings.json (pretrain.py)    resumable: run the command again
    DIR/model/    the Hugging Face folder (parity.py)
    DIR/report.md, report.json, curve.png, transfer.png, fill_mask.png (report.py, figures.py)
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from minibert.speedrun.budget import format_seconds
from minibert.speedrun.recipe import Recipe


@dataclass
class Settings:
    corpus: str = "pydocs"
    budget: float = 3600.0             # seconds of training
    out: str = "runs/speedrun"
    threads: int | None = None
    seed: int = 0
    clock: str = "wall"
    recipe: Recipe = field(default_factory=Recipe)
    transfer: bool = True
    progress: bool = True
    stop_after_steps: int | None = None  # end this call after so many steps (saved): a kill, on purpose
    language: str = "en"               # "zh": vocabulary of characters, Chinese token kinds and fill-mask prompts
    whole_word_mask: str = "off"       # "off" (single tokens), "pieces" (a word and its ## pieces), "zh" (jieba)
    flush_subnormals: bool = True      # how the CPU computes, like threads: not a setting a resume checks

# Settings added after the first runs: their value in a settings.json written before them.
_DEFAULTS = {"language": "en", "whole_word_mask": "off"}


def _check_settings(path: Path, settings: Settings) -> None:
    """A resumed run must be the run that was started: the same budget, clock, seed and recipe."""
    mine = {"budget": settings.budget, "clock": settings.clock, "seed": settings.seed,
            "recipe": settings.recipe.to_dict(), "corpus": settings.corpus, "language": settings.language,
            "whole_word_mask": settings.whole_word_mask}
    if path.is_file():
        theirs = {**_DEFAULTS, **json.loads(path.read_text(encoding="utf-8"))}
        theirs["recipe"] = {**Recipe.defaults(), **theirs.get("recipe", {})}  # a recipe recorded before a knob
        changed = [k for k in mine if theirs.get(k) != mine[k]]
        if changed:
            raise ValueError(f"{path.parent.parent} holds a run started with other settings ({', '.join(changed)}: "
                             f"{', '.join(f'{theirs.get(k)} now {mine[k]}' for k in changed)}); give the same "
                             "settings to resume it, or another --out")
    else:
        from minibert.loading.atomic import atomic_write_bytes

        atomic_write_bytes(path, json.dumps(mine, indent=2).encode("utf-8"))


def speedrun(s: Settings) -> dict | None:
    """Run everything; returns the report, or None when ``stop_after_steps`` ended the call early."""
    from minibert import BertConfig, BertForMaskedLM
    from minibert.speedrun import evaluate, parity, report
    from minibert.speedrun.prepare import prepare
    from minibert.speedrun.pretrain import BudgetTrainer
    from minibert.training.data import Collator
    from minibert.training.mlm_eval import mlm_report

    wall_start = time.perf_counter()
    if s.threads:
        torch.set_num_threads(s.threads)
    out, r = Path(s.out), s.recipe
    data = prepare(s.corpus, out / "data", r.vocab_size, r.max_length, s.language, s.whole_word_mask)
    tok = data.tokenizer
    chars = (f", {data.meta['vocab_cjk_characters']} of them Chinese characters"
             if data.meta.get("vocab_kind") == "characters" else "")
    print(f"corpus {s.corpus}: {data.meta['train_documents']} documents for training ({data.meta['train_segments']} "
          f"segments), {data.meta['held_out_documents']} held out; vocabulary {data.meta['vocab_size']} pieces{chars}"
          f"; whole-word masking {s.whole_word_mask}")
    (out / "train").mkdir(parents=True, exist_ok=True)
    _check_settings(out / "train" / "settings.json", s)

    config = BertConfig(vocab_size=tok.vocab_size, hidden_size=r.hidden_size, num_hidden_layers=r.layers,
                        num_attention_heads=r.heads, intermediate_size=r.intermediate_size,
                        max_position_embeddings=max(128, r.max_length), hidden_dropout_prob=r.dropout,
                        attention_probs_dropout_prob=r.dropout)
    torch.manual_seed(s.seed)
    model = BertForMaskedLM(config)
    table = None
    if s.whole_word_mask == "pieces":  # which vocabulary entries continue a word (##...), for both datasets
        from minibert.training.masking import continuation_table

        table = continuation_table(tok.convert_ids_to_tokens(range(tok.vocab_size)))
    train_ds = _dataset(data.train_segments, data.train_words, tok, s, table)
    short_ds = None
    if r.short_first:  # --short-first: the same documents cut at short_length pieces, read first
        from minibert.speedrun.prepare import short_segments

        short = short_segments(out / "data", tok, r.short_length, s.whole_word_mask == "zh")
        short_ds = _dataset(*short, tok, s, table)
    held = data.held_out_segments
    sample = held[::max(1, len(held) // 128)][:128]  # the curve's held-out sample, spread over the documents
    trainer = BudgetTrainer(model, str(out / "train"), train_ds, Collator(tok.pad_token_id), budget=s.budget,
                            warmup=r.warmup, lr=r.lr, weight_decay=r.weight_decay, batch_size=r.batch_size,
                            schedule=r.schedule, batch_ramp=r.batch_ramp,
                            seed=s.seed, clock=s.clock, eval_sequences=sample, mask_token_id=tok.mask_token_id,
                            special_ids=tok.all_special_ids, progress=s.progress,
                            stop_after_steps=s.stop_after_steps, wall_start=wall_start,
                            flush_subnormals=s.flush_subnormals, short_dataset=short_ds,
                            short_seconds=r.short_first * s.budget)
    n_params = sum(p.numel() for p in model.parameters())
    knobs = f", batch ramp over the first {r.batch_ramp:.0%}" if r.batch_ramp else ""
    knobs += f", segments of {r.short_length} pieces for the first {r.short_first:.0%}" if r.short_first else ""
    print(f"pre-training {r.layers} × {r.hidden_size} ({n_params / 1e6:.2f}M parameters) for "
          f"{format_seconds(s.budget)} of training ({s.clock} clock, {torch.get_num_threads()} thread(s)); "
          f"{r.schedule} schedule{knobs}")
    trainer.train(resume=True)
    if trainer.watch.spent < s.budget:  # stop_after_steps ended this call: as if it had been killed
        print(f"stopped after step {trainer.step} ({format_seconds(trainer.watch.spent)} of "
              f"{format_seconds(s.budget)}); run the same command again to go on")
        return None
    train_seconds, steps = trainer.watch.spent, trainer.step

    model.eval()
    print("evaluating on the held-out documents ...")
    mlm = mlm_report(model, tok, held, data.train_segments, language=s.language)
    parity_diff, parity_note = parity.export(model, tok, out / "model")
    if s.language == "zh":
        from minibert.training.mlm_eval import frequent_characters

        frequent = set(tok.convert_ids_to_tokens(frequent_characters(data.train_segments, tok.convert_ids_to_tokens(
            range(tok.vocab_size)))))
        prompts = evaluate.fill_mask_prompts_zh(data.held_out_documents, tok, frequent)
    else:
        prompts = evaluate.fill_mask_prompts(data.held_out_documents, tok)
    if s.corpus == "pydocs":
        prompts = [(p, None) for p in evaluate.PYDOCS_PROMPTS] + prompts
    fill = evaluate.fill_mask_table(out / "model", prompts)

    transfer = None
    if s.transfer:
        from minibert.speedrun.transfer_runs import run_transfer

        transfer = run_transfer(model, data, s)
    log = [json.loads(ln) for ln in (out / "train" / "log.jsonl").read_text().splitlines()]
    card = report.build(s, data.meta, mlm, log, train_seconds, steps, trainer.wall_seconds, transfer,
                        parity_diff, parity_note, fill, machine(s))
    report.write(card, out)
    print(f"held-out top-1 {100 * card['heldout_top1']:.1f} % (top-5 {100 * card['heldout_top5']:.1f} %, "
          f"most-frequent-token baseline {100 * card['baseline_top1']:.1f} %) after {steps} steps; "
          f"report: {out / 'report.md'}")
    return card


def _dataset(segments: list[list[int]], words: list[list[bool]] | None, tok, s: Settings, table):
    """The masked-LM dataset of some training segments ([CLS] ... [SEP] ids), masked as the settings say (``table``:
    the continuation table of ``--whole-word-mask pieces``, else None)."""
    from minibert.training.data import MaskedLMDataset

    examples = [{"input_ids": ids, "special_tokens_mask": [1] + [0] * (len(ids) - 2) + [1]} for ids in segments]
    if words is not None:  # --whole-word-mask zh: each segment's jieba words (DIR/data/words.json)
        for ex, flags in zip(examples, words):
            ex["is_continuation"] = flags
    return MaskedLMDataset(examples, mask_token_id=tok.mask_token_id, vocab_size=tok.vocab_size, seed=s.seed,
                           mlm_probability=s.recipe.mlm_probability, whole_word_mask=s.whole_word_mask != "off",
                           is_continuation=table)


def machine(s: Settings) -> dict:
    import platform

    return {"cores": os.cpu_count(), "threads": torch.get_num_threads(), "torch": torch.__version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "clock": s.clock,
            "subnormals": "flushed to zero while training" if s.flush_subnormals else "kept",
            "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}
