"""Turn each row's raw measurements into table rows and goal checks (used by benchmarks/run.py).

A table row compares one quantity (seconds, MiB or texts/s) between minibert and the reference. Its ratio
is minibert's cost over the reference's, computed per repeat from the two measurements taken side by side
(A/B), then summarised by the median and the min–max over repeats; for a throughput the cost is 1/throughput.
Every runner takes (model config, settings) and returns (rows, goals, raw data).
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import bench_model
import bench_startup
import bench_unpad
import bench_wrapped
import torch
from bench_model import summary

GOAL_UNPADDED = 0.80  # real text: ≤ 0.80× the reference (row 8) and sentence-transformers (row 9)
GOAL_CKPT_MEMORY, GOAL_CKPT_TIME = 0.50, 0.40  # issue 8 / gradient-checkpointing issue: ≥ 50 % less, ≤ 40 % more


def table_row(row, name, ours, theirs, unit="s", clock="cpu", goal=None, wall=None, note="", throughput=False):
    """``ours``/``theirs``: lists over repeats; ``wall``: optional (ours, theirs) wall-clock lists."""
    costs = [(1 / o, 1 / t) if throughput else (o, t) for o, t in zip(ours, theirs)]  # (minibert, reference)
    ratios = [a / b for a, b in costs if b > 0]  # a zero (memory that did not rise at all) has no ratio
    out = {"row": row, "name": name, "unit": unit, "clock": clock, "minibert": summary(ours),
           "reference": summary(theirs), "ratio": summary(ratios) if ratios else None, "goal": goal, "note": note}
    if wall is not None:
        out["wall_ratio"] = summary([o / t for o, t in zip(*wall)])
    out["met"] = None if goal is None or not ratios else out["ratio"]["median"] <= goal
    return out


def goal(text, measured, met):
    return {"goal": text, "measured": measured, "met": met}


def ratio_goals(rows):
    return [goal(f"row {r['row']} {r['name']}: ratio ≤ {r['goal']:.2f}", f"{r['ratio']['median']:.2f}", r["met"])
            for r in rows if r["goal"] is not None]


def _model_rows(row, what, cfg, st, padded, impls, B, T, device="cpu", dtype=torch.float32):
    rows, raw = [], []
    for impl in impls:
        m = bench_model.measure(what, cfg, impl, B, T, st["repeats"], device, dtype, padded, st["warmup"])
        t = m["times"]
        shape = f"{B}×{T}" + (", half the rows 50 % padding" if padded else "")
        rows.append(table_row(row, f"{what.replace('_', ' ')} {impl} {shape} {m['dtype']} {device}",
                              t["minibert"]["cpu"], t["reference"]["cpu"], goal=1.0,
                              wall=(t["minibert"]["wall"], t["reference"]["wall"])))
        raw.append(m)
    return rows, raw


def row1(cfg, st):
    rows, raw = _model_rows(1, "forward", cfg, st, False, ("eager", "sdpa"), 8, 32 if st["quick"] else 128)
    return rows, ratio_goals(rows), raw


def gpu_run_device(default: str) -> str:
    """MINIBERT_BENCH_DEVICE, set by the GPU run (benchmarks/gpu_run.py): "cuda", or "cpu" in its dry run,
    which takes the GPU rows' code paths on the CPU. Unset, rows 8 and 9 run on the CPU, row 7 on CUDA."""
    return os.environ.get("MINIBERT_BENCH_DEVICE", default)


def _unpadded_rows(row, cfg, st, inputs, label, goal_ratio=None, device="cpu", dtype=torch.float32,
                   repeats=None, warmup=None):
    # On the CPU the goals are judged on CPU time; on CUDA only the wall clock around synchronized work means
    # anything (the CPU merely queues kernels).
    clock = "cpu" if device == "cpu" else "wall"
    rows, raw = [], []
    for impl in ("eager", "sdpa"):
        m = bench_unpad.unpadded_pair(cfg, impl, inputs, repeats or st["repeats"], st["warmup"] if warmup is None
                                      else warmup, device, dtype)
        t = m["times"]
        note = (f"real tokens {m['real_token_share']:.0%} of the padded batch (the padding-free limit of the ratio); "
                f"unpadded outputs at real positions {'bitwise equal to' if m['bitwise'] else 'within'} the padded "
                f"path's (max |Δ| {m['max_abs_diff']:.1e}); minibert padded / reference "
                f"{statistics.median(a / b for a, b in zip(t['minibert padded'][clock], t['reference'][clock])):.2f}")
        where = "" if (device, dtype) == ("cpu", torch.float32) else f" {m['dtype']} {device}"
        rows.append(table_row(row, f"forward {impl} {label}{where}, minibert unpadded", t["minibert"][clock],
                              t["reference"][clock], clock=clock, goal=goal_ratio, note=note,
                              wall=(t["minibert"]["wall"], t["reference"]["wall"])))
        raw.append(m)
    return rows, raw


def row2(cfg, st):
    B, T = 8, 32 if st["quick"] else 128
    rows, raw = _model_rows(2, "forward", cfg, st, True, ("eager", "sdpa"), B, T)
    more, more_raw = _unpadded_rows(2, cfg, st, bench_model.make_inputs(cfg, B, T, "cpu", True),
                                    f"{B}×{T}, half the rows 50 % padding")
    return rows + more, ratio_goals(rows), raw + more_raw


def row8(cfg, st):
    B, low, high = (4, 4, 32) if st["quick"] else (16, 16, 128)
    inputs = bench_unpad.ragged_inputs(cfg, B, low, high)
    device = gpu_run_device("cpu")
    # The GPU run adds bf16 (how a GPU serves BERT) to fp32, and times more calls: each is milliseconds there,
    # so 3 warm-up rounds and 20 timed ones of 3 calls per dtype and attention cost seconds (20 × 3 × 2 × 2).
    gpu = "MINIBERT_BENCH_DEVICE" in os.environ
    dtypes = (torch.float32, torch.bfloat16) if gpu else (torch.float32,)
    repeats, warmup = (max(st["repeats"], 20), max(st["warmup"], 3)) if device == "cuda" else (None, None)
    rows, raw, kernels = [], [], {}
    H = cfg["num_attention_heads"]
    for dtype in dtypes:
        r, m = _unpadded_rows(8, cfg, st, inputs, f"{B} texts, lengths uniform in {low}–{high}",
                              goal_ratio=GOAL_UNPADDED, device=device, dtype=dtype, repeats=repeats, warmup=warmup)
        k = bench_unpad.attention_kernels(B, H, cfg["hidden_size"] // H, low, high, repeats or st["repeats"],
                                          device, dtype)
        described = "; ".join(f"{name} {x['ms']:.2f} ms (max |Δ| {x['max_abs_diff']:.1e}"
                              f"{', bitwise' if x['bitwise'] else ''})" if "ms" in x else f"{name}: {x['error']}"
                              for name, x in k.items() if isinstance(x, dict))
        r[-1]["note"] += f". Attention alone, one layer, {k['clock']} time: {described}"
        rows += r
        raw += m
        kernels[str(dtype).replace("torch.", "")] = k
    return rows, ratio_goals(rows), {"runs": raw, "attention_kernels": kernels}


def row9(cfg, st):
    checkpoint = st["embedding_checkpoint"]
    if checkpoint is None:
        note = "skipped: needs the official all-MiniLM-L6-v2 (set MINIBERT_OFFICIAL_CHECKPOINT)"
        return [{"row": 9, "name": "corpus embedding", "skipped": True, "note": note}], [], None
    try:
        import sentence_transformers  # noqa: F401  (the benchmark extra)
    except ImportError:
        note = "skipped: sentence-transformers is not installed (pip install -e '.[bench]')"
        return [{"row": 9, "name": "corpus embedding", "skipped": True, "note": note}], [], None
    device = gpu_run_device("cpu")
    data = bench_unpad.corpus_embedding(checkpoint, st["corpus_texts"], st["repeats"], st["out"], device=device,
                                        warmup=1 if device == "cuda" else 0)
    t, w, clock = data["times"], data["padding_waste"], data["clock"]
    where = "" if device == "cpu" else f", {device}"
    label = f"embed {data['texts']} docstring texts, all-MiniLM-L6-v2, batch 32{where}"
    modules = data["sentence_modules"]
    note = (f"{data['tokens']} tokens, median {data['median_tokens']:.0f}, max {data['max_tokens']} "
            f"({data['truncated_texts']} texts cut at max_seq_length {modules['max_seq_length']}); padding at "
            f"batch 32: {w['input order']:.0%} in input order, {w['sorted by length']:.0%} sorted, 0 % unpadded "
            f"({data['figure']}); reference pipeline pooled as the checkpoint's modules say ({modules['pooling']}"
            f"{', normalized' if modules['normalize'] else ''}); max |Δ| between the vectors: "
            + ", ".join(f"{k} {v:.1e}" for k, v in data["max_abs_diff"].items())
            + f"; first (cold-cache) call, {clock} s: " + ", ".join(f"{k} {v:.2f}" for k, v in data["cold"].items()))
    rows = [table_row(9, f"{label}: minibert embed vs sentence-transformers encode", t["minibert"][clock],
                      t["sentence-transformers"][clock], clock=clock, goal=GOAL_UNPADDED, note=note,
                      wall=(t["minibert"]["wall"], t["sentence-transformers"]["wall"])),
            table_row(9, f"{label}: minibert embed vs reference pipeline('feature-extraction')", t["minibert"][clock],
                      t["reference pipeline"][clock], clock=clock,
                      wall=(t["minibert"]["wall"], t["reference pipeline"]["wall"]))]
    goals = ratio_goals(rows) + [goal(f"row 9{where}: identical vectors, {pair} (max |Δ| ≤ 1e-5)", f"{d:.1e}",
                                      d <= 1e-5) for pair, d in data["max_abs_diff"].items()]
    return rows, goals, data


def row3(cfg, st):
    rows, raw = _model_rows(3, "train_step", cfg, st, False, ("sdpa",), 8, 32 if st["quick"] else 128)
    return rows, ratio_goals(rows), raw


def row4(cfg, st):
    seq = min(512, cfg["max_position_embeddings"])
    data = bench_wrapped.checkpointing(cfg, seq, batch=1, repeats=st["ckpt_repeats"], fresh_process=not st["quick"])
    t = data["times"]
    note = "" if data["fresh_process"] else "--quick: measured inside this process, memory figures not meaningful"
    rows = []
    for on in bench_wrapped.MODES:
        label = {"off": "off", "on": "on", "selective": "selective_recompute"}[on]
        rows.append(table_row(4, f"train step, checkpointing {label}, 1×{seq}", t["minibert"][on]["cpu"],
                              t["reference"][on]["cpu"], wall=(t["minibert"][on]["wall"], t["reference"][on]["wall"]),
                              note=note))
        rows.append(table_row(4, f"peak activation memory, checkpointing {label}, 1×{seq}",
                              t["minibert"][on]["peak_mib"], t["reference"][on]["peak_mib"], unit="MiB", clock="VmHWM",
                              note=note))
    goals = []
    for lib in ("minibert", "reference"):
        med = {on: {k: statistics.median(v) for k, v in t[lib][on].items()} for on in bench_wrapped.MODES}
        for on, label in (("on", "checkpointing (default)"), ("selective", "selective_recompute")):
            # None when memory did not rise at all (--quick measures in-process, where that can happen)
            saving = 1 - med[on]["peak_mib"] / med["off"]["peak_mib"] if med["off"]["peak_mib"] > 0 else None
            overhead = med[on]["cpu"] / med["off"]["cpu"] - 1
            goals.append(goal(f"row 4 {lib}: {label} saves ≥ {GOAL_CKPT_MEMORY:.0%} of peak activation memory",
                              "n/a" if saving is None else f"{saving:.0%}",
                              None if saving is None else saving >= GOAL_CKPT_MEMORY))
            goals.append(goal(f"row 4 {lib}: {label} costs ≤ +{GOAL_CKPT_TIME:.0%} step CPU time",
                              f"{overhead:+.0%}", overhead <= GOAL_CKPT_TIME))
    return rows, goals, data


def row5(cfg, st):
    data = bench_wrapped.tokenizer(st["tokenizer_texts"], st["repeats"])
    tp = data["throughput"]
    rows = []
    for mode, label in (("per_text_texts_per_s", "per text"), ("batched_texts_per_s", "batched 256")):
        for ref, limit in (("reference fast (Rust)", 1.0), ("reference slow", 1 / 3)):
            rows.append(table_row(5, f"tokenizer {label} vs {ref}", tp["minibert"][mode], tp[ref][mode],
                                  unit="texts/s", goal=limit if label == "per text" else None, throughput=True))
    goals = ratio_goals(rows) + [goal("row 5: identical ids to the slow reference", str(data["identical_ids"]),
                                      data["identical_ids"])]
    return rows, goals, data


def row6(cfg, st):
    data = bench_startup.measure(st["checkpoint"], st["repeats"], warmup=st["warmup"])
    t = data["times"]
    split = {lib: {k: statistics.median(s[k] for s in t[lib]["split"]) for k in ("import", "load", "forward")}
             for lib in t}
    note = "; ".join(f"{lib} wall split: import {s['import']:.2f} s, from_pretrained {s['load']:.2f} s, "
                     f"forward {s['forward']:.2f} s" for lib, s in split.items())
    rows = [table_row(6, f"cold start: import + from_pretrained({Path(st['checkpoint']).name}) + forward",
                      t["minibert"]["cpu"], t["reference"]["cpu"], goal=0.5,
                      wall=(t["minibert"]["wall"], t["reference"]["wall"]), note=note)]
    return rows, ratio_goals(rows), {**data, "split_median": split}


def row7(cfg, st):
    # MINIBERT_BENCH_DEVICE=cpu: the GPU script's dry run takes this code path on the CPU (benchmarks/gpu_run.py).
    device = os.environ.get("MINIBERT_BENCH_DEVICE", "cuda")
    if device == "cuda" and not torch.cuda.is_available():
        note = "skipped: no CUDA device on this machine (torch.cuda.is_available() is False)"
        return [{"row": 7, "name": "CUDA bf16 forward / train step", "skipped": True, "note": note}], [], None
    name = torch.cuda.get_device_name(0) if device == "cuda" else "cpu (dry run)"
    peak = (st["gpu_peak_tflops"] or bench_model.gpu_peak_tflops(name)) if device == "cuda" else None
    B, T = (4, 64) if st["quick"] else (32, 512)
    rows, raw = [], []
    for what, impls in (("forward", ("eager", "sdpa")), ("train_step", ("sdpa",))):
        r, m = _model_rows(7, what, cfg, st, False, impls, B, T, device, torch.bfloat16)
        for row, meas in zip(r, m):
            t = meas["times"]  # on the GPU the wall clock is the measure: the CPU only queues kernels
            row.update(table_row(7, row["name"], t["minibert"]["wall"], t["reference"]["wall"], clock="wall",
                                 goal=1.0))
            for lib in ("minibert", "reference"):
                tflops = meas["flops"] / statistics.median(t[lib]["wall"]) / 1e12
                row[f"{lib}_tflops"] = tflops
                row[f"{lib}_mfu"] = tflops / peak if peak else None
            row["note"] = (f"{name}; {meas['flops'] / 1e12:.2f} TFLOP per call; TFLOP/s minibert "
                           f"{row['minibert_tflops']:.1f}, reference {row['reference_tflops']:.1f}; MFU vs "
                           + (f"{peak:.0f} TFLOP/s bf16 peak: minibert {row['minibert_mfu']:.0%}, reference "
                              f"{row['reference_mfu']:.0%}" if peak else "unknown peak (pass --gpu-peak-tflops)"))
        rows += r
        raw += m
    goals = ratio_goals(rows)
    for row in rows:
        if row["name"].startswith("forward"):
            mfu = row["minibert_mfu"]
            goals.append(goal(f"row 7 {row['name']}: MFU ≥ 50 %", "unknown peak" if mfu is None else f"{mfu:.0%}",
                              None if mfu is None else mfu >= 0.5))
    return rows, goals, {"gpu": name, "peak_tflops": peak, "runs": raw}


RUNNERS = {1: row1, 2: row2, 3: row3, 4: row4, 5: row5, 6: row6, 7: row7, 8: row8, 9: row9}
