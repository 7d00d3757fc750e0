"""Machine description and the Markdown table of the suite (used by benchmarks/run.py)."""

from __future__ import annotations

import platform

import advanced_bench


def machine(load_start: tuple, load_end: tuple) -> dict:
    import tokenizers

    info = advanced_bench.machine()  # CPU model, cores, RAM, Python / torch / transformers versions, GPU
    info.update(platform=platform.platform(), tokenizers=tokenizers.__version__,
                load_average_start=[round(x, 2) for x in load_start], load_average_end=[round(x, 2) for x in load_end])
    return info


def _cell(s: dict, unit: str) -> str:
    fmt = "{:,.0f}" if unit in ("MiB", "texts/s") else "{:.3g}"
    if s["n"] == 1:
        return f"{fmt.format(s['median'])} {unit}"
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}–{fmt.format(s['max'])}) {unit}"


def _ratio(s: dict | None) -> str:
    if s is None:
        return "n/a"
    return f"**{s['median']:.2f}**" + (f" ({s['min']:.2f}–{s['max']:.2f})" if s["n"] > 1 else "")


def _met(m) -> str:
    return "–" if m is None else ("met" if m else "**missed**")


def table(rows: list[dict]) -> str:
    s = "| row | measurement | clock | minibert | reference | ratio | wall ratio | goal | |\n"
    s += "|---|---|---|---:|---:|---:|---:|---:|---|\n"
    for r in rows:
        if r.get("skipped"):
            s += f"| {r['row']} | {r['name']} | | | | | | | {r['note']} |\n"
            continue
        wall = f"{r['wall_ratio']['median']:.2f}" if "wall_ratio" in r else ""
        goal = "" if r["goal"] is None else f"≤ {r['goal']:.2f}"
        s += (f"| {r['row']} | {r['name']} | {r['clock']} | {_cell(r['minibert'], r['unit'])} | "
              f"{_cell(r['reference'], r['unit'])} | {_ratio(r['ratio'])} | {wall} | {goal} | {_met(r['met'])} |\n")
    return s


def markdown(rep: dict) -> str:
    m, st = rep["machine"], rep["settings"]
    s = "# minibert vs transformers: benchmark suite\n\n"
    s += f"Run {rep['date']} to {rep['finished'] or '(not finished)'} (UTC) with `python benchmarks/run.py`"
    s += " --quick" if st["quick"] else ""
    s += f" (rows {','.join(map(str, rep['rows_run']))}).\n\n"
    if rep["finished"] is None:  # written after each row: the run is still going, or stopped early
        s += (f"**Unfinished**: rows {','.join(map(str, rep['rows_done'])) or 'none'} of "
              f"{','.join(map(str, rep['rows_run']))} measured so far (the run is still going, or it stopped).\n\n")
    s += (f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, "
          f"{'GPU ' + m['gpu'] if m['gpu'] else 'no GPU'}; {m['platform']}.\n"
          f"- Load average (1, 5, 15 min) at start {m['load_average_start']}, at end {m['load_average_end']} "
          "(a shared machine: other people's jobs ran at the same time).\n"
          f"- Python {m['python']}, torch {m['torch']}, transformers {m['transformers']}, "
          f"tokenizers {m['tokenizers']}.\n"
          f"- Model config {st['config']}; torch threads {st['threads']} for both libraries (and every child process); "
          f"{st['repeats']} timed repeats ({st['ckpt_repeats']} for row 4) after {st['warmup']} warm-up, "
          "minibert and reference alternating (A/B, B/A, ...).\n")
    if rep["note"]:
        s += f"- Note: {rep['note']}\n"
    s += ("\nCells: median (min–max) over the repeats. Ratio = minibert / reference, computed per repeat from "
          "the side-by-side pair (for throughput: reference / minibert), median (min–max); below 1 minibert is "
          "faster or smaller. `cpu` = CPU time of the process (with one thread it counts only our own work, so "
          "it is what the goals are judged on here); `wall ratio` = the same from wall-clock time; `VmHWM` = peak "
          "resident memory above the steady state (benchmarks/advanced_bench.py).\n\n")
    s += table(rep["rows"])
    notes = [f"- row {r['row']} ({r['name']}): {r['note']}" for r in rep["rows"] if r.get("note") and
             not r.get("skipped")]
    if notes:
        s += "\n" + "\n".join(notes) + "\n"
    s += "\n## Goals\n\n| goal | measured | |\n|---|---:|---|\n"
    for g in rep["goals"]:
        s += f"| {g['goal']} | {g['measured']} | {_met(g['met'])} |\n"
    return s
