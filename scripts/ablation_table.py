"""The ablations' table, results and figure, read from the report cards under a root (speedrun_ablations.py table).

    python scripts/speedrun_ablations.py table --out DIR                       # print the markdown
    python scripts/speedrun_ablations.py table --out DIR --write RESULTS       # and RESULTS/table.md,
                                                                               # results.json, ablations.png
    python scripts/speedrun_ablations.py table --out DIR --write RESULTS --doc docs/pretraining.md

Per run: what changed, steps, held-out top-1 and top-5 (the report card's protocol: 15 % of all held-out tokens,
seed 0), the training loss (mean of the last 50 steps) and the paper the idea comes from. The difference to the
recipe is given in points beside the spread between the recipe's two seeds, the noise it has to beat, and the
readout under the table sorts the variants by it (ahead, behind, within; still at the frequency baseline). The
Chinese pair gets whole-word blanks too (scripts/ablation_zh_eval.py). ``--doc docs/pretraining.md`` then copies
the new table.md into that page's generated block (scripts/doc_blocks.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from scripts.ablation_variants import GROUPS, VARIANTS
from scripts.ablation_zh_eval import whole_word_scores

SEEDS = ("recipe", "recipe-seed1")


def collect(root: Path) -> list[dict]:
    """One dict per finished run, in the variants' order."""
    rows = []
    for name, v in VARIANTS.items():
        run = root / name
        if not (run / "report.json").is_file():
            continue
        c = json.loads((run / "report.json").read_text())
        log = [json.loads(ln) for ln in (run / "train" / "log.jsonl").read_text().splitlines()]
        losses = [r["loss"] for r in log if "loss" in r][-50:]
        row = {"name": name, "group": v.group, "what": v.what, "source": v.source, "flags": v.flags,
               "steps": c["steps"], "top1": c["heldout_top1"], "top5": c["heldout_top5"],
               "baseline_top1": c["baseline_top1"], "blanks": c["blanks"], "loss": sum(losses) / len(losses),
               "train_seconds": c["train_seconds"], "total_seconds": c["total_seconds"], "machine": c["machine"],
               "per_kind": c.get("per_kind"),
               "curve": [[r["train_seconds"], r["heldout_top1"]] for r in log if "heldout_top1" in r]}
        if v.group == "zh":
            row.update(whole_word_scores(run))
        rows.append(row)
    return rows


def unfinished(root: Path, rows: list[dict]) -> tuple[list[str], list[str]]:
    """(started but not finished, not started) among the names the root's queue (or the variants) lists."""
    done = {r["name"] for r in rows}
    queue = root / "queue.txt"
    names = [n.strip() for n in queue.read_text().splitlines() if n.strip()] if queue.is_file() else list(VARIANTS)
    todo = [n for n in names if n not in done]
    return [n for n in todo if (root / n / "train").is_dir()], [n for n in todo if not (root / n / "train").is_dir()]


def seed_spread(rows: list[dict]) -> float | None:
    tops = [r["top1"] for r in rows if r["name"] in SEEDS]
    return max(tops) - min(tops) if len(tops) == len(SEEDS) else None


def ran_on(rows: list[dict]) -> list[str]:
    """Where and how the runs ran, from their report cards: the machine, the load, the wall-clock time."""
    if not rows:
        return []
    ms = {(m["cores"], m["torch"], m["threads"], m["clock"]) for m in (r["machine"] for r in rows)}
    where = "; ".join(f"{c} cores, torch {t}, {n} thread(s), {k} clock" for c, t, n, k in sorted(ms))
    loads = [r["machine"]["load_average_at_end"][0] for r in rows if "load_average_at_end" in r["machine"]]
    load = f", load average {min(loads):.1f}–{max(loads):.1f} at their ends (1 minute)" if loads else ""
    wall = [r["total_seconds"] for r in rows]
    return ["", f"Ran on: {where}{load}; {min(wall):,.0f}–{max(wall):,.0f} s of wall-clock time a run, all of it "
            "included (data, training, evaluation)."]


PLATEAU = 0.005  # within half a point of the most-frequent-token baseline: the model has not left the plateau


def readout(rows: list[dict]) -> list[str]:
    """The English variants sorted by their difference to the recipe (seed 0) against the seed spread."""
    by = {r["name"]: r for r in rows}
    base, spread = by.get(GROUPS["en"]["base"]), seed_spread(rows)
    variants = [r for r in rows if r["group"] == "en" and r["name"] not in SEEDS]
    if base is None or spread is None or not variants:
        return []
    delta = {r["name"]: r["top1"] - base["top1"] for r in sorted(variants, key=lambda r: base["top1"] - r["top1"])}

    def names(keep) -> str:
        return ", ".join(f"{n} ({100 * d:+.1f})" for n, d in delta.items() if keep(d)) or "none"

    out = ["", f"Read against that spread ({100 * spread:.1f} points; one run per variant, so a difference smaller "
           "than the spread is not evidence):", "",
           f"* ahead of the recipe by more than the spread: {names(lambda d: d > spread)}",
           f"* behind it by more than the spread: {names(lambda d: d < -spread)}",
           f"* within the spread: {names(lambda d: abs(d) <= spread)}",
           f"* ahead or behind by more than twice the spread: {names(lambda d: abs(d) > 2 * spread)}"]
    flat = [r["name"] for r in variants if r["top1"] - r["baseline_top1"] < PLATEAU]
    if flat:
        out.append(f"* still at the most-frequent-token baseline ({_pct(base['baseline_top1'])}, within half a "
                   f"point): {', '.join(flat)}")
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def markdown(rows: list[dict], root: Path) -> str:
    by = {r["name"]: r for r in rows}
    base, spread = by.get(GROUPS["en"]["base"]), seed_spread(rows)
    out = ["| run | what changed | steps | held-out top-1 | vs recipe (points) | top-5 | training loss (last 50 "
           "steps) | from |", "|---|---|---|---|---|---|---|---|"]
    for r in (r for r in rows if r["group"] == "en"):
        delta = "" if base is None or r["name"] == base["name"] else f"{100 * (r['top1'] - base['top1']):+.1f}"
        out.append(f"| {r['name']} | {r['what']} | {r['steps']:,} | {_pct(r['top1'])} | {delta} | {_pct(r['top5'])} "
                   f"| {r['loss']:.3f} | {r['source']} |")
    notes = [f"Seed-to-seed spread of the recipe (seeds 0 and 1): {100 * spread:.1f} points of held-out top-1."
             if spread is not None else "Seed-to-seed spread: not measured yet (the second seed has not finished)."]
    zh = [r for r in rows if r["group"] == "zh"]
    if zh:
        out += ["", "| run | masking | steps | held-out character top-1 | top-5 | whole-word blanks: top-1 | top-5 "
                "| training loss (last 50 steps) | from |", "|---|---|---|---|---|---|---|---|---|"]
        out += [f"| {r['name']} | {r['what']} | {r['steps']:,} | {_pct(r['top1'])} | {_pct(r['top5'])} | "
                f"{_pct(r['whole_word_top1'])} | {_pct(r['whole_word_top5'])} | {r['loss']:.3f} | {r['source']} |"
                for r in zh]
    notes += readout(rows) + ran_on(rows)
    running, waiting = unfinished(root, rows)
    if running or waiting:
        notes += ["", f"Not finished: {', '.join(running) or 'none'} (started); "
                     f"not started: {', '.join(waiting) or 'none'}."]
    return "\n".join(out + [""] + notes)


def figure(rows: list[dict], path: Path) -> None:
    """Held-out top-1 per English variant (the recipe's seed range as a band) and the held-out curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    en = [r for r in rows if r["group"] == "en"]
    fig, (bars, curves) = plt.subplots(1, 2, figsize=(12, 0.45 * len(en) + 2.5), width_ratios=[1.1, 1])
    names = [r["name"] for r in en][::-1]
    tops = [100 * r["top1"] for r in en][::-1]
    seeds = [100 * r["top1"] for r in en if r["name"] in SEEDS]
    if len(seeds) == len(SEEDS):
        bars.axvspan(min(seeds), max(seeds), color="tab:orange", alpha=0.25,
                     label=f"recipe, seeds 0 and 1: {min(seeds):.1f}–{max(seeds):.1f} %")
        bars.legend(loc="lower right", fontsize=8)
    colors = ["tab:orange" if n in SEEDS else "tab:blue" for n in names]
    bars.barh(names, tops, color=colors)
    for y, t in enumerate(tops):
        bars.text(t + 0.3, y, f"{t:.1f}", va="center", fontsize=8)
    if en:
        bars.axvline(100 * en[0]["baseline_top1"], color="gray", ls=":", lw=1)
        bars.text(100 * en[0]["baseline_top1"], -0.75, "most-frequent-token baseline ", fontsize=7, color="gray",
                  ha="right")  # to the left of its line: the legend sits at the lower right
        bars.set_ylim(-1, len(en))
    budget = max((r["train_seconds"] for r in en), default=0)
    bars.set_xlabel(f"held-out top-1 (%), after {budget / 60:.0f} CPU-minutes of training")
    bars.set_xlim(0, max(tops, default=10) * 1.15 + 1)
    others = iter(plt.get_cmap("tab20").colors[::2][:1] + plt.get_cmap("tab20").colors[4::2] * 3)  # no orange
    for r in en:
        xs, ys = zip(*r["curve"]) if r["curve"] else ((), ())
        seed = r["name"] in SEEDS
        curves.plot(xs, [100 * y for y in ys], marker=".", lw=2.2 if seed else 1, label=r["name"],
                    color="tab:orange" if seed else next(others), ls="--" if r["name"] == SEEDS[1] else "-")
    curves.set_xlabel("training seconds (CPU clock, one thread)")
    curves.set_ylabel("held-out top-1 (%), sample of 128 segments")
    curves.legend(fontsize=7, ncol=2)
    fig.suptitle("One change at a time to the speedrun's recipe, at one budget (pydocs)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(root: Path, write: Path | None = None, doc: Path | None = None) -> None:
    """Print the table; with ``write``, also the files; with ``doc``, copy the new table.md into its block."""
    rows = collect(root)
    text = markdown(rows, root)
    print(text)
    if write is not None:
        write.mkdir(parents=True, exist_ok=True)
        (write / "table.md").write_text(text + "\n")
        (write / "results.json").write_text(json.dumps({"root": root.name, "seed_spread_top1": seed_spread(rows),
                                                        "runs": rows}, indent=1) + "\n")
        figure(rows, write / "ablations.png")
    if doc is not None:
        from scripts.doc_blocks import fill

        if not fill(doc):
            raise SystemExit(f"{doc}: no generated block (<!-- begin: PATH ... --> ... <!-- end: PATH -->)")
