"""The speedrun ablations: one change each to the recipe, with where the idea comes from.

A group is a corpus at one budget: its runs share the data folder of its ``base`` run. Read by
scripts/speedrun_ablations.py (to run them) and scripts/ablation_table.py (to tabulate them).
"""

from __future__ import annotations

from dataclasses import dataclass

# Corpus paths are relative to the repository root, where every run starts (scripts/make_zh_corpus.py writes
# runs/zh-docs/train.txt).
GROUPS = {
    "en": {"flags": ["--corpus", "pydocs"], "budget": "10m", "base": "recipe"},
    "zh": {"flags": ["--corpus", "runs/zh-docs/train.txt", "--language", "zh"], "budget": "15m",
           "base": "zh-wwm"},
}


@dataclass
class Variant:
    flags: list[str]
    what: str
    source: str
    group: str = "en"


VARIANTS = {
    "recipe": Variant([], "the speedrun's recipe: 2 × 128, lr 2e-3, warm-up 5 %, linear decay, 25 % masking, "
                      "dropout 0, batch 32 × 128", "Cramming (Geiping & Goldstein 2022); Wettig et al. 2023"),
    "recipe-seed1": Variant(["--seed", "1"], "the recipe, seed 1 (weights, data order, masks)",
                            "the noise between seeds"),
    "4x256": Variant(["--layers", "4", "--hidden-size", "256", "--lr", "1e-3"],
                     "4 × 256 (the shipped model's size), lr 1e-3", "Kaplan et al. 2020; Hoffmann et al. 2022"),
    "4x128": Variant(["--layers", "4", "--hidden-size", "128"], "4 × 128 (deeper, same width)",
                     "Kaplan et al. 2020; Cramming"),
    "lr1e-3": Variant(["--lr", "1e-3"], "peak lr 1e-3", "Izsak et al. 2021 (large rates for short runs)"),
    "lr4e-3": Variant(["--lr", "4e-3"], "peak lr 4e-3", "Izsak et al. 2021 (large rates for short runs)"),
    "lr4e-3-flush": Variant(["--lr", "4e-3"], "peak lr 4e-3, subnormal floats flushed to 0 (the speedrun's default "
                            "since this run; the other runs kept them)", "the CPU's slow path for subnormals"),
    "warmup0.2": Variant(["--warmup", "0.2"], "warm-up over 20 % of the budget", "Izsak et al. 2021; Cramming"),
    "warmup0.2-seed1": Variant(["--warmup", "0.2", "--seed", "1"], "warm-up over 20 %, seed 1 (warmup0.2's lead "
                               "against the seed)", "Izsak et al. 2021; Cramming"),
    "mask15": Variant(["--mlm-probability", "0.15"], "15 % masking (BERT's)", "Devlin et al. 2019"),
    "mask40": Variant(["--mlm-probability", "0.40"], "40 % masking", "Wettig et al. 2023"),
    "batch64": Variant(["--batch-size", "64"], "batch 64 × 128 (half the steps, twice the batch)",
                       "Izsak et al. 2021; Cramming"),
    "maxlen64": Variant(["--max-length", "64"], "segments of 64 pieces (batch 32 × 64: half the tokens a step; "
                        "held out at 64 too)", "Devlin et al. 2019 §A.2 (short segments first)"),
    # --keep-subnormals: as the recipe's runs (made before the speedrun flushed them), so that one thing changes
    "short64": Variant(["--short-first", "0.9", "--keep-subnormals"], "segments of 64 pieces for the first 90 % of "
                       "the budget, then 128 (held out at 128, as the recipe)",
                       "Devlin et al. 2019 §A.2 (short segments first)"),
    "short64-seed1": Variant(["--short-first", "0.9", "--keep-subnormals", "--seed", "1"],
                             "segments of 64 pieces first, seed 1", "Devlin et al. 2019 §A.2 (short segments first)"),
    "dropout0.1": Variant(["--dropout", "0.1"], "dropout 0.1 while pre-training (BERT's)",
                          "Devlin et al. 2019; Cramming"),
    "cosine": Variant(["--schedule", "cosine"], "cosine decay after the warm-up",
                      "Loshchilov & Hutter 2017; Hoffmann et al. 2022"),
    "trapezoid": Variant(["--schedule", "trapezoid"], "trapezoid: constant after the warm-up, linear cool-down over "
                         "the last 20 %", "Zhai et al. 2022; Hägele et al. 2024"),
    "ramp": Variant(["--batch-ramp", "0.25"], "batch ramp: from 8 to 32 over the first 25 % of the budget",
                    "Cramming; Brown et al. 2020 (GPT-3)"),
    "zh-wwm": Variant(["--whole-word-mask", "zh"], "Chinese, whole-word masking (jieba words)",
                      "Cui et al. 2021 (Chinese BERT-wwm)", "zh"),
    "zh-char": Variant(["--whole-word-mask", "off"], "Chinese, character masking", "Devlin et al. 2019", "zh"),
}
