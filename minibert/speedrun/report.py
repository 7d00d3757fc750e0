"""The report card: DIR/report.json (every figure, for programs), DIR/report.md (for people), three PNGs.

Every number comes from what ran in this call and the runs it resumed: the log, the evaluation, the transfer
runs (or, after ``--redo-transfer``, the transfer of that later call: ``transfer_redone``, minibert/speedrun/
redo.py). ``report.json`` keys (fractions in [0, 1], seconds):

    heldout_top1, heldout_top5, baseline_top1, baseline_top5, per_kind, blanks, train_seconds, total_seconds,
    steps, budget_seconds, transfer [{labels, pretrained: [test acc per seed], random, majority, bow_logreg,
    steps, pretrained_lr, random_lr, validation {arm: {lr: [val acc per seed]}}}], transfer_seconds,
    transfer_task, transfer_redone [{date, seconds, previous {transfer, ...}, ...}, oldest first],
    parity_max_abs_diff, parity_note,
    machine {cores, threads, torch, ...},
    recipe, language, whole_word_mask, corpus,
    curve {loss: [{step, train_seconds, loss}], heldout_top1: [{step, train_seconds, ...}]},
    fill_mask [{text, answer, predictions}], figures
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from minibert.loading.atomic import atomic_write_bytes
from minibert.speedrun import figures
from minibert.speedrun.budget import format_seconds
from minibert.speedrun.recipe import batch_text


def build(s, meta: dict, mlm: dict, log: list[dict], train_seconds: float, steps: int, total_seconds: float,
          transfer: dict | None, parity_diff: float | None, parity_note: str, fill: list[dict],
          machine: dict) -> dict:
    losses = [r for r in log if "loss" in r]
    every = max(1, len(losses) // 400)  # at most ~400 points: the figure's line, not the whole log
    return {
        "heldout_top1": mlm["top1"], "heldout_top5": mlm["top5"],
        "baseline_top1": mlm["baseline_most_frequent"]["top1"], "baseline_top5": mlm["baseline_most_frequent"]["top5"],
        "baseline_tokens": mlm["baseline_most_frequent"]["tokens"], "per_kind": mlm["per_kind"],
        "blanks": mlm["blanks"], "held_out_segments": mlm["held_out_segments"],
        "train_seconds": train_seconds, "total_seconds": total_seconds, "steps": steps, "budget_seconds": s.budget,
        "transfer": transfer["rows"] if transfer else [], "transfer_seconds": transfer["seconds"] if transfer else 0.0,
        "transfer_task": transfer["task"] if transfer else None,
        "parity_max_abs_diff": parity_diff, "parity_note": parity_note,
        "machine": machine, "recipe": s.recipe.to_dict(), "seed": s.seed,
        "language": s.language, "whole_word_mask": s.whole_word_mask,
        "corpus": {k: v for k, v in meta.items() if k != "held_out_names"},
        "curve": {"loss": [{k: r[k] for k in ("step", "train_seconds", "loss")} for r in losses[::every]],
                  "heldout_top1": [r for r in log if "heldout_top1" in r]},
        "fill_mask": fill,
    }


def write(card: dict, out: Path) -> None:
    card["figures"] = ["curve.png", "fill_mask.png"] + (["transfer.png"] if card["transfer"] else [])
    figures.curve(card, out / "curve.png")
    figures.fill_mask(card, out / "fill_mask.png")
    if card["transfer"]:
        figures.transfer(card, out / "transfer.png")
    atomic_write_bytes(out / "report.json", (json.dumps(card, indent=2) + "\n").encode("utf-8"))
    atomic_write_bytes(out / "report.md", markdown(card).encode("utf-8"))


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _spread(values: list[float]) -> str:
    return f"{pct(sum(values) / len(values))} ({100 * min(values):.1f}–{100 * max(values):.1f})"


def kinds_table(per_kind: dict) -> str:
    """The rows of the table of accuracy by kind of hidden token (``| kind | blanks | top-1 | top-5 |``)."""
    return "\n".join(f"| {k} | {v['blanks']} | {pct(v['top1'])} | {pct(v['top5'])} |" for k, v in per_kind.items())


def fill_table(fill: list[dict]) -> str:
    """The rows of the fill-mask table (``| text | hidden | top 3 |``), each text in code quotes."""
    cell = lambda text: text.replace("|", "\\|").replace("`", "'")  # noqa: E731  (a table cell, in code quotes)
    return "\n".join(f"| `{cell(f['text'])}` | {f['answer'] or ''} | {cell(', '.join(f['predictions']))} |"
                      for f in fill)


def markdown(c: dict) -> str:
    r, m, corpus = c["recipe"], c["machine"], c["corpus"]
    kinds, fill = kinds_table(c["per_kind"]), fill_table(c["fill_mask"])
    baseline = ", ".join(c["baseline_tokens"])
    parity = ("not measured: " + c["parity_note"] if c["parity_max_abs_diff"] is None else
              f"max |Δ| {c['parity_max_abs_diff']:.2e} ({c['parity_note']})")
    if corpus.get("vocab_kind") == "characters":
        size = f"{corpus['train_characters']:,} characters"
        vocab = (f"a vocabulary of {corpus['vocab_size']:,} tokens made from them the `bert-base-chinese` way (each "
                 f"of {corpus['vocab_cjk_characters']:,} Chinese characters seen {corpus['min_char_count']}+ times a "
                 "token, WordPiece for the rest)")
    else:
        size, vocab = f"{corpus['train_words']:,} words", (f"a WordPiece vocabulary of {corpus['vocab_size']:,} "
                                                           "pieces trained on them")
    masking = {"off": "single tokens", "pieces": "whole words (a word and its ## pieces together)",
               "zh": "whole words (all characters of a jieba word together)"}[c.get("whole_word_mask", "off")]
    # Runs made before the option recorded nothing: say nothing for them.
    subnormals = f"; subnormal floats {m['subnormals']}" if m.get("subnormals") else ""
    text = f"""# Speedrun report card

A {r['layers']}-layer × {r['hidden_size']} BERT pre-trained from scratch with masked-LM (masking {masking}) for
{format_seconds(c['budget_seconds'])} of training ({m['clock']} clock) on `{corpus['corpus']}`:
{corpus['train_documents']} documents ({size}, {corpus['train_segments']:,} segments), {vocab};
{corpus['held_out_documents']} documents ({corpus['held_out_rule']}) held out whole.

| | |
|---|---|
| steps | {c['steps']:,} of {batch_text(r)} |
| training time | {c['train_seconds']:.0f} s (budget {c['budget_seconds']:.0f} s) |
| total time (data, training, evaluation, transfer, report) | {c['total_seconds']:.0f} s |
| machine | {m['cores']} cores, {m['threads']} thread(s), torch {m['torch']}, Python {m['python']}{subnormals} |
| parity with `transformers.BertForMaskedLM` | {parity} |

## Held-out masked-token accuracy

15 % of the tokens of each of the {c['held_out_segments']:,} held-out segments hidden behind `[MASK]` at once,
{c['blanks']:,} blanks (the model card's protocol, minibert/training/mlm_eval.py).

| | top-1 | top-5 |
|---|---|---|
| this model | **{pct(c['heldout_top1'])}** | **{pct(c['heldout_top5'])}** |
| always the most frequent training token(s): {baseline} | {pct(c['baseline_top1'])} | {pct(c['baseline_top5'])} |

| hidden token | blanks | top-1 | top-5 |
|---|---|---|---|
{kinds}

![loss and held-out top-1 against time](curve.png)

## Fill-mask on held-out text

| text | hidden | top 3 |
|---|---|---|
{fill}
"""
    if c["transfer"]:
        text += transfer_section(c) + "\n![transfer curve](transfer.png)\n"
    return text


def redone(card: dict) -> list[dict]:
    """The card's ``--redo-transfer`` records, oldest first ([] for none; a card of before the list: its one)."""
    records = card.get("transfer_redone") or []
    return [records] if isinstance(records, dict) else list(records)


def _rate(row: dict, arm: str) -> str:
    return f" lr {row[arm + '_lr']:g}" if arm + "_lr" in row else ""


def transfer_section(c: dict) -> str:
    """The transfer experiment's section (heading, recipe, the table: test accuracy at each arm's chosen rate), or
    "" for a run without one."""
    if not c["transfer"]:
        return ""
    t = c["transfer_task"]
    rows = "\n".join(f"| {row['labels']} | {_spread(row['pretrained'])}{_rate(row, 'pretrained')} | "
                     f"{_spread(row['random'])}{_rate(row, 'random')} | {_spread(row['bow_logreg'])} | "
                     f"{pct(sum(row['majority']) / len(row['majority']))} |" for row in c["transfer"])
    if "learning_rates" in t:
        rates = ", ".join(f"{lr:g}" for lr in t["learning_rates"])
        how = ("a linear classifier on the mean of the last layer, fine-tuned with the whole encoder; " + (
            f"each arm's learning rate, of {rates}, the one with the best mean accuracy on "
            f"{t['validation_sentences']} validation sentences, and only that rate's test accuracy given"
            if len(t["learning_rates"]) > 1 else f"learning rate {rates} for both (a short budget: no choice)"))
    else:  # a report card made before the recipe had a validation split
        how = "the classifier on the pooled [CLS], AdamW at 3e-4"
    dates = [r["date"] for r in redone(c)]
    earlier = f" (before that on {', '.join(dates[:-1])}: report.json keeps each earlier transfer)" if dates[1:] else ""
    when = (f" This section was re-run on {dates[-1]}{earlier} with the recipe of that day (`--redo-transfer`, on "
            "the run's own model/ and data/); every other figure of this card is the original run's."
            if dates else "")
    intro = (f"Test accuracy on {t['test_sentences']} held-out sentences, mean of {t['seeds']} seeds (min–max). The "
             "same architecture fine-tuned from the pre-trained encoder and from random initialisation, on the same "
             f"draws of labelled sentences: {how}; {c['transfer_seconds']:.0f} s in all.{when} Documents: "
             f"{', '.join(f'`{d}`' for d in t['documents'])}.")
    return f"""
## Transfer: {t['task']}

{textwrap.fill(intro, 112, break_long_words=False, break_on_hyphens=False)}

| labels | pre-trained | random init | bag-of-words log. regression | majority class |
|---|---|---|---|---|
{rows}
"""
