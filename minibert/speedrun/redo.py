"""``python -m minibert speedrun --out DIR --redo-transfer``: the transfer experiment again, on a finished run.

Running the same speedrun command again on a finished run also re-measures the transfer (it loads the last
checkpoint, trains no further, evaluates everything and rewrites the report), but it re-does the held-out
evaluation and the export too, adds that call's time to the run's total, and its report does not say that the
transfer came later, from other code. This mode re-runs the transfer alone, with the code of today, on what the
run left: the encoder of DIR/model/ (the weights at the end of training), the held-out documents and the
vocabulary of DIR/data/, the budget and seed of DIR/train/settings.json (the transfer's cost follows the
budget). Every other figure of DIR/report.json stays as the run measured it; ``transfer_redone`` records when
and how, and report.md says so in its transfer section.

``transfer_redone`` is a list, one record per ``--redo-transfer``, oldest first; each keeps under ``previous`` the
transfer it replaced (rows, seconds, task), so the first record's is the run's own and nothing is lost when the
transfer is re-run again. A card written before the list held one record, a dict: it becomes the list's first.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import torch

from minibert.speedrun.recipe import Recipe


def redo_transfer(out: str | Path, threads: int | None = None) -> dict:
    """Re-run the transfer on the finished run in ``out``, rewrite its report; returns the new report card."""
    from minibert import BertForMaskedLM
    from minibert.speedrun import report
    from minibert.speedrun.prepare import prepare
    from minibert.speedrun.run import _DEFAULTS, Settings
    from minibert.speedrun.transfer_runs import run_transfer

    out = Path(out)
    missing = [p for p in ("report.json", "model", "data/meta.json", "train/settings.json") if not (out / p).exists()]
    if missing:
        raise ValueError(f"{out} is not a finished speedrun ({', '.join(missing)} missing): run the speedrun first")
    if threads:
        torch.set_num_threads(threads)
    saved = {**_DEFAULTS, **json.loads((out / "train" / "settings.json").read_text(encoding="utf-8"))}
    recipe = Recipe(**{k: v for k, v in saved["recipe"].items() if k != "intermediate_size"})
    s = Settings(corpus=saved["corpus"], budget=saved["budget"], out=str(out), seed=saved["seed"],
                 clock=saved["clock"], recipe=recipe, language=saved["language"],
                 whole_word_mask=saved["whole_word_mask"])
    data = prepare(s.corpus, out / "data", recipe.vocab_size, recipe.max_length, s.language, s.whole_word_mask)
    model = BertForMaskedLM.from_pretrained(str(out / "model"))
    card = json.loads((out / "report.json").read_text(encoding="utf-8"))
    before = {k: card.get(k) for k in ("transfer", "transfer_seconds", "transfer_task")}
    print(f"re-running the transfer of {out} (budget {s.budget:.0f} s, seed {s.seed}) ...")
    transfer = run_transfer(model, data, s)
    card.update(transfer=transfer["rows"], transfer_seconds=transfer["seconds"], transfer_task=transfer["task"])
    card["transfer_redone"] = report.redone(card) + [{
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "seconds": transfer["seconds"],
        "threads": torch.get_num_threads(), "torch": torch.__version__, "cores": os.cpu_count(),
        "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "previous": before}]
    report.write(card, out)
    print(f"report: {out / 'report.md'} (the transfer section re-run, every other figure as the run measured it)")
    return card
