"""Short ablations of the speedrun's recipe: one change at a time, all at one fixed budget, on pydocs.

    python scripts/speedrun_ablations.py run NAME [NAME ...]    # runs/ablations/NAME/report.json
    python scripts/speedrun_ablations.py table                  # the markdown table of docs/pretraining.md

Every run: ``python -m minibert speedrun --corpus pydocs --budget 5m --clock cpu --threads 1 --no-transfer``
plus the variant's flags. The budget counts the process's CPU seconds (``--clock cpu``) on one thread, so a
machine shared with other work slows a run down without shortening its training. All runs share the first
run's data folder (copied): the same corpus split, the same vocabulary (the `tokenizers` trainer does not give
the same vocabulary twice: its ties are broken in hash order), the same segments.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "runs" / "ablations"
BUDGET = "5m"
BASE = "recipe"
# name -> (flags, what changed, where the idea comes from)
VARIANTS = {
    "recipe": ([], "the speedrun's recipe: 2 × 128, lr 2e-3, warm-up 5 %, 25 % masking, dropout 0, 32 × 128",
               "issue 26's first measurement; Cramming; Wettig et al. 2023"),
    "mask15": (["--mlm-probability", "0.15"], "15 % masking (BERT's)", "Devlin et al. 2019"),
    "dropout": (["--dropout", "0.1"], "dropout 0.1 while pre-training (BERT's)", "Devlin et al. 2019; Cramming"),
    "lr1e-3": (["--lr", "1e-3"], "peak lr 1e-3", "Izsak et al. 2021 (large rates for short runs)"),
    "4x256": (["--layers", "4", "--hidden-size", "256", "--lr", "1e-3"], "4 × 256 (the shipped model's size), lr 1e-3",
              "Kaplan et al. 2020; Hoffmann et al. 2022"),
    "batch16": (["--batch-size", "16"], "batch 16 × 128 (twice the steps, half the batch)",
                "Izsak et al. 2021; Cramming (batch size and its ramp)"),
}


def run(name: str) -> None:
    flags = VARIANTS[name][0]
    out = OUT / name
    first = OUT / BASE / "data"
    if name != BASE and first.is_dir() and not (out / "data").exists():
        shutil.copytree(first, out / "data")
    cmd = [sys.executable, "-m", "minibert", "speedrun", "--corpus", "pydocs", "--budget", BUDGET, "--clock", "cpu",
           "--threads", "1", "--no-transfer", "--no-progress", "--out", str(out), *flags]
    print(" ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def table() -> str:
    rows = ["| run | what changed | steps | held-out top-1 | top-5 | final training loss (mean of last 50 steps) "
            "| from |", "|---|---|---|---|---|---|---|"]
    for name, (_, what, source) in VARIANTS.items():
        path = OUT / name / "report.json"
        if not path.is_file():
            continue
        c = json.loads(path.read_text())
        losses = [r["loss"] for r in map(json.loads, (OUT / name / "train" / "log.jsonl").read_text().splitlines())
                  if "loss" in r][-50:]
        rows.append(f"| {name} | {what} | {c['steps']:,} | {100 * c['heldout_top1']:.1f} % | "
                    f"{100 * c['heldout_top5']:.1f} % | {sum(losses) / len(losses):.3f} | {source} |")
    return "\n".join(rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["table"]:
        print(table())
    else:
        for variant in sys.argv[2:]:
            run(variant)
