"""Rebuild the project's own small BERT from scratch: corpus, vocabulary, pre-training, evaluation.

The text is the prose of the Python documentation (paragraphs of the HTML pages, code blocks left out), as
Debian packages it under the PSF license::

    apt-get update && apt-get install -y python3.11-doc      # → /usr/share/doc/python3.11/html

Stages (each reads what the one before wrote under ``--work``; ``all`` runs them in order)::

    python scripts/pretrain_pydocs.py corpus     # html → work/train.txt, work/heldout.txt (every 20th page held out)
    python scripts/pretrain_pydocs.py vocab      # train.txt → work/vocab.txt (WordPiece, uncased, `tokenizers`)
    python scripts/pretrain_pydocs.py train      # python -m minibert pretrain ... → work/model (resumable)
    python scripts/pretrain_pydocs.py evaluate   # held-out masked-token accuracy → work/model/eval.json
    python scripts/pretrain_pydocs.py ship       # work/model → checkpoints/minibert-pydocs (fp16 weights + card)

Everything is seeded; the corpus and the vocabulary are pure functions of the package's files, so the same
package version gives the same checkpoint. ``train`` resumes from ``work/model/checkpoint.pt`` when it is
there (kill it and run it again). Each stage sets its own ``OMP_NUM_THREADS`` (RECIPE); see the model card in
checkpoints/minibert-pydocs/README.md for the recipe, the hours and the measured accuracy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from minibert.speedrun.evaluate import PYDOCS_PROMPTS
from minibert.speedrun.pydocs import DOCS

ROOT = Path(__file__).resolve().parents[1]
SHIP = ROOT / "checkpoints" / "minibert-pydocs"
PROBE = ROOT / "checkpoints" / "minilm-pydocs-mlm-head"  # scripts/probe_minilm.py: another model, for comparison
# Where the text comes from, under which licence (the model card's and eval.json's words).
CORPUS = {"source": "Debian package python3.11-doc (/usr/share/doc/python3.11/html), <p> prose",
          "license": "PSF License Version 2 (the Python documentation)"}
HELD_OUT_EVERY = 20  # every 20th page (in sorted path order) is held out: whole pages, never seen in training

# The model and the run: 4 layers x 256 with a 12k vocabulary, ~6.3M parameters. One step of 32 x 128 tokens
# takes ~1.7 s on one CPU thread with the masked-positions-only decoder (~3.1 s with the full decoder), ~1.4 s on
# two. The run grew in ``stages``: first planned to 1,700 steps (its linear decay ending there; the first shipped
# model), then resumed with the plan extended to 4,000, 8,000, 13,000 and 17,000. At each extension to n steps the
# learning rate jumps back up to (n - done) / (n - warm-up) of its peak and decays again towards 0 at n; the
# optimizer's moments and the data order carry on. ``threads`` is each stage's OMP_NUM_THREADS; ``stops`` ends a
# stage early (a time budget: its schedule is still the full length, so its rate is not yet 0), None letting it
# run to its plan. The next stage resumes from where the one before stopped. ``train`` replays every stage.
RECIPE = dict(vocab_size=12000, max_length=128, hidden_size=256, layers=4, heads=4, intermediate_size=1024,
              stages=(1700, 4000, 8000, 13000, 17000), threads=(1, 1, 2, 2, 2),
              stops=(None, None, None, 12500, 16500), batch_size=32, lr=1e-3, warmup_steps=100, weight_decay=0.01,
              seed=0, eval_fraction=0.01, save_every=100, eval_every=300)


def build_corpus(docs: Path, work: Path) -> None:
    """train.txt / heldout.txt: one paragraph per line, a blank line between pages (minibert/speedrun/pydocs.py)."""
    from minibert.speedrun.pydocs import documents

    try:
        pages = documents(docs)
    except FileNotFoundError as err:
        sys.exit(f"{err}; or pass --docs DIR")
    work.mkdir(parents=True, exist_ok=True)
    out = {"train": [], "heldout": []}
    for i, (_, paragraphs) in enumerate(pages):
        if paragraphs:
            out["heldout" if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else "train"].append("\n".join(paragraphs))
    for name, texts in out.items():
        (work / f"{name}.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
        words = sum(len(t.split()) for t in texts)
        print(f"{name}.txt: {len(texts)} pages, {words:,} words, sha256 {_sha(work / f'{name}.txt')[:16]}")


def build_vocab(work: Path, vocab_size: int) -> None:
    """An uncased WordPiece vocabulary trained on train.txt (minibert/speedrun/vocab.py, `tokenizers`' trainer)."""
    from minibert.speedrun.vocab import train_wordpiece

    n = train_wordpiece(work / "train.txt", work / "vocab.txt", vocab_size)
    print(f"vocab.txt: {n} pieces, sha256 {_sha(work / 'vocab.txt')[:16]}")


def pack(work: Path, max_length: int) -> None:
    """train_packed.txt: each line as many whole sentences of a page as fit in max_length - 2 pieces.

    BERT trains on full-length segments of running text (Devlin et al., 2019, §A.2), not single sentences;
    the pretrain command makes one example per line, so the lines are the segments (minibert/speedrun/segments.py).
    """
    from minibert import BertTokenizer
    from minibert.speedrun.segments import pack as pack_sentences

    tokenizer = BertTokenizer(str(work / "vocab.txt"))
    for name in ("train", "heldout"):
        lines = []
        for page in (work / f"{name}.txt").read_text(encoding="utf-8").split("\n\n"):
            groups = pack_sentences(page.splitlines(), lambda s: len(tokenizer.tokenize(s)), max_length - 2)
            lines += [" ".join(group) for group in groups] + [""]  # the page ends: a new document
        (work / f"{name}_packed.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}_packed.txt: {len([ln for ln in lines if ln])} segments of <= {max_length - 2} pieces")


def train(work: Path, recipe: dict, steps: int | None) -> None:
    """The recipe's stages (see RECIPE), each a resumable ``python -m minibert pretrain`` that carries on from the
    one before; ``steps`` replaces them with one run of that many steps."""
    from minibert.cli.run_record import steps_done

    # A stage the run has already passed is skipped: pretrain refuses a rerun with nothing to train.
    done = steps_done(work / "model") if (work / "model").is_dir() else 0
    plan = [(steps, None, recipe["threads"][0])] if steps else zip(recipe["stages"], recipe["stops"],
                                                                   recipe["threads"], strict=True)
    for stage_steps, stop, threads in plan:
        if (stop or stage_steps) <= done:
            print(f"the run is at step {done}: its stage of {stop or stage_steps} steps is done", flush=True)
            continue
        _pretrain(work, recipe, stage_steps, stop, threads)


def _ends(recipe: dict) -> list[int]:
    """The step each stage really ended at: its stop, or else its planned length."""
    return [stop or steps for steps, stop in zip(recipe["stages"], recipe["stops"], strict=True)]


def _pretrain(work: Path, recipe: dict, steps: int, stop_at: int | None, threads: int) -> None:
    r = recipe
    cmd = [sys.executable, "-m", "minibert", "pretrain", "--data", str(work / "train_packed.txt"),
           "--vocab", str(work / "vocab.txt"), "--output", str(work / "model"),
           "--hidden-size", str(r["hidden_size"]), "--layers", str(r["layers"]), "--heads", str(r["heads"]),
           "--intermediate-size", str(r["intermediate_size"]), "--max-length", str(r["max_length"]),
           "--steps", str(steps), "--batch-size", str(r["batch_size"]), "--lr", str(r["lr"]),
           "--warmup-steps", str(r["warmup_steps"]), "--weight-decay", str(r["weight_decay"]),
           "--seed", str(r["seed"]), "--eval-fraction", str(r["eval_fraction"]),
           "--save-every", str(r["save_every"]), "--eval-every", str(r["eval_every"]), "--no-progress",
           *(["--stop-at", str(stop_at)] if stop_at else [])]
    print(f"OMP_NUM_THREADS={threads}", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": str(threads)})


def load_trained(work: Path, recipe: dict):
    """The model of ``work/model``: its final save, or else the weights of its latest checkpoint.pt."""
    import torch

    from minibert import BertConfig, BertForMaskedLM
    from minibert.training.checkpoint import load_checkpoint

    folder = work / "model"
    final, latest = folder / "model.safetensors", folder / "checkpoint.pt"
    # A stage's final save is older than the checkpoints of a later stage still running (or stopped).
    if final.is_file() and not (latest.is_file() and latest.stat().st_mtime > final.stat().st_mtime + 60):
        return BertForMaskedLM.from_pretrained(folder), None
    state = load_checkpoint(folder / "checkpoint.pt")
    r = recipe  # the config python -m minibert pretrain builds from the recipe's flags
    config = BertConfig(vocab_size=len((work / "vocab.txt").read_text(encoding="utf-8").splitlines()),
                        hidden_size=r["hidden_size"], num_hidden_layers=r["layers"], num_attention_heads=r["heads"],
                        intermediate_size=r["intermediate_size"], max_position_embeddings=max(r["max_length"], 64))
    model = BertForMaskedLM(config)
    model.load_state_dict(state["model"])
    torch.set_grad_enabled(True)
    return model, state["step"]


PROMPTS = PYDOCS_PROMPTS  # blanks a reader of the Python documentation can judge


def encode_packed(work: Path, name: str, tokenizer, max_length: int) -> list[list[int]]:
    """The token ids of work/{name}_packed.txt, a segment a line ([CLS] ... [SEP], cut at ``max_length``): the
    sequences ``evaluate`` measures the model on (scripts/ship_speedrun.py measures a speedrun's model on them too)."""
    lines = [ln for ln in (work / f"{name}_packed.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    return tokenizer(lines, truncation=True, max_length=max_length)["input_ids"]


def evaluate(work: Path, recipe: dict) -> dict:
    """Held-out masked-token top-1 / top-5 (every 15 %-blank of every held-out segment), by kind of token."""
    import torch

    from minibert import BertTokenizer, pipeline
    from minibert.training.mlm_eval import mlm_report

    torch.set_num_threads(1)
    model, step = load_trained(work, recipe)
    tokenizer = BertTokenizer(str(work / "vocab.txt"))

    held_out = encode_packed(work, "heldout", tokenizer, recipe["max_length"])
    cache = work / "train_ids.json"  # the training text's ids, for the frequency baseline (slow to tokenize)
    if not cache.is_file():
        cache.write_text(json.dumps(encode_packed(work, "train", tokenizer, recipe["max_length"])))
    report = mlm_report(model, tokenizer, held_out, json.loads(cache.read_text()))
    folder = work / "eval_model"
    model.save_pretrained(folder)
    (folder / "vocab.txt").write_text((work / "vocab.txt").read_text(encoding="utf-8"), encoding="utf-8")
    unmask = pipeline("fill-mask", model=str(folder))
    examples = {p: [c["token_str"] for c in unmask(p, top_k=3)] for p in PROMPTS}
    result = {"step": step or _ends(recipe)[-1], **report, "fill_mask_examples": examples}
    (work / "eval.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


def add_initial_pooler(weights: Path, hidden_size: int) -> None:
    """Add ``bert.pooler.*`` at BERT's initialisation (seed 0), untrained, in the file's dtype (fp16 here): see
    minibert/speedrun/parity.py for why a model pre-trained with MLM only ships one."""
    from minibert.speedrun.parity import add_untrained_pooler

    add_untrained_pooler(weights, hidden_size, seed=0)


def ship(work: Path, recipe: dict, out: Path = SHIP) -> None:
    """work/model → checkpoints/minibert-pydocs: fp16 weights (loaded as fp32), tokenizer files, the reference's
    outputs on the walkthrough's batch (so the walkthrough checks itself without transformers), eval.json."""
    import shutil

    import torch
    from safetensors.torch import save_file

    sys.path.insert(0, str(ROOT / "scripts"))
    import make_reference_checkpoints as refs  # the reference (transformers) runs here, as for checkpoints/

    from minibert import BertTokenizer

    model, _ = load_trained(work, recipe)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.half().save_pretrained(tmp)  # fp16 storage halves the file; from_pretrained loads it as fp32
    add_initial_pooler(tmp / "model.safetensors", model.config.hidden_size)
    config = json.loads((tmp / "config.json").read_text())
    for key in ("torch_dtype", "dtype"):  # the weights are stored in fp16 but meant to be used in fp32
        config.pop(key, None)
    (tmp / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    tokenizer = BertTokenizer(str(work / "vocab.txt"), do_lower_case=True, model_max_length=recipe["max_length"])
    tokenizer.save_pretrained(tmp)
    reference = refs.transformers.BertTokenizer(str(tmp / "vocab.txt"), do_lower_case=True)
    batch = refs.make_batch(refs.BertConfig.from_pretrained(tmp), reference, None)
    tensors = refs.reference_outputs(tmp, refs.BertModel, batch)
    save_file(tensors, str(tmp / "reference_outputs.safetensors"),
              metadata={"model_class": "BertModel", "transformers_version": refs.transformers.__version__,
                        "torch_version": torch.__version__, "texts": json.dumps(refs.TEXTS), **refs.kernel_record()})
    # A small held-out sample (PSF-licensed text) for lessons to measure the model on, offline.
    segments = [ln for ln in (work / "heldout_packed.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    (tmp / "heldout_sample.txt").write_text("\n".join(segments[::len(segments) // 100][:100]) + "\n", encoding="utf-8")
    if (work / "eval.json").is_file():
        result = json.loads((work / "eval.json").read_text())
        result.update(training_record(work, recipe, result["step"]))
        result["earlier"] = _earlier_evaluations(out, result["trained_steps"])
        (tmp / "eval.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (tmp / "README.md").write_text(model_card(result, recipe), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    print(f"shipped {out}: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(out.iterdir())))


def _earlier_evaluations(out: Path, step: int) -> list[dict]:
    """The figures of the checkpoints shipped before this one (their eval.json), so the card shows the progress."""
    if not (out / "eval.json").is_file():
        return []
    old = json.loads((out / "eval.json").read_text())
    earlier = old.get("earlier", [])
    if old["trained_steps"] != step:
        earlier.append({k: old[k] for k in ("trained_steps", "hours", "top1", "top5")})
    return earlier


def training_record(work: Path, recipe: dict, step: int) -> dict:
    """The run up to ``step`` (the weights'): the curve (mean loss per 20 steps, held-out losses), hours, versions,
    corpus and vocab hashes."""
    import platform

    import huggingface_hub
    import tokenizers
    import torch

    log = [json.loads(ln) for ln in (work / "model" / "log.jsonl").read_text().splitlines()]
    log = [r for r in log if r["step"] <= step]
    steps = [r for r in log if "loss" in r]
    curve = [{"step": steps[min(i + 19, len(steps) - 1)]["step"],
              "loss": sum(r["loss"] for r in steps[i:i + 20]) / len(steps[i:i + 20])} for i in range(0, len(steps), 20)]
    # Hours of training: the sum of the gaps between logged steps, less the pauses between the stages (a gap far
    # longer than a step is the run waiting to be resumed, not training).
    gaps = sorted(b["time"] - a["time"] for a, b in zip(steps, steps[1:]))
    typical = gaps[len(gaps) // 2]
    hours = sum(g for g in gaps if g < 20 * typical) / 3600
    return {"recipe": recipe, "trained_steps": steps[-1]["step"], "hours": hours, "curve": curve,
            "eval_curve": [{"step": r["step"], "eval_loss": r["eval_loss"]} for r in log if "eval_loss" in r],
            "corpus": {**CORPUS, "train_sha256": _sha(work / "train.txt"), "heldout_sha256": _sha(work / "heldout.txt"),
                       "vocab_sha256": _sha(work / "vocab.txt"), "held_out": f"every {HELD_OUT_EVERY}th page"},
            "versions": {"python": platform.python_version(), "torch": torch.__version__,
                         "tokenizers": tokenizers.__version__, "huggingface_hub": huggingface_hub.__version__,
                         "python3.11-doc": _debian_version("python3.11-doc")},
            "machine": f"a shared {os.cpu_count()}-core {platform.machine()} machine "
                       f"({platform.processor() or 'cpu'}), "
                       f"{' / '.join(map(str, recipe['threads']))} CPU thread(s) in the successive stages"}


def _debian_version(package: str) -> str:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def probe_row() -> str:
    """The card's comparison row, when the probe is shipped: another model (the official all-MiniLM-L6-v2, frozen,
    with an MLM head fitted on this text by scripts/probe_minilm.py), measured the same way."""
    if not (PROBE / "eval.json").is_file():
        return ""
    r = json.loads((PROBE / "eval.json").read_text())
    return (f"\n| for comparison, not this model: all-MiniLM-L6-v2 frozen + an MLM head fitted on this text (a probe, "
            f"`checkpoints/minilm-pydocs-mlm-head`; its own vocabulary: {r['blanks']:,} blanks) | "
            f"{100 * r['top1']:.1f} % | {100 * r['top5']:.1f} % |")


def model_card(r: dict, recipe: dict) -> str:
    """checkpoints/minibert-pydocs/README.md, from eval.json: what it is, how good, how to rebuild."""
    pct = lambda x: f"{100 * x:.1f} %"  # noqa: E731
    kinds = "\n".join(f"| {k} | {v['blanks']} | {pct(v['top1'])} | {pct(v['top5'])} |"
                      for k, v in r["per_kind"].items())
    examples = "\n".join(f"| `{p}` | {', '.join(t)} |" for p, t in r["fill_mask_examples"].items())
    b = r["baseline_most_frequent"]
    earlier = "".join(f"| the same run at step {e['trained_steps']:,} (shipped before) | {pct(e['top1'])} | "
                      f"{pct(e['top5'])} |\n" for e in sorted(r.get("earlier", []), key=lambda e: -e["trained_steps"]))
    baseline = (f"| always the training text's most frequent token(s): {', '.join(b['tokens'])} | {pct(b['top1'])} | "
                f"{pct(b['top5'])} |")
    freq, other = (r["per_kind"][k] for k in ("the 100 most frequent tokens (mostly function words)",
                                              "other whole words"))
    curve = ", ".join(f"{e['eval_loss']:.2f} at step {e['step']:,}" for e in r["eval_curve"][::2])
    stages, warm, ends = recipe["stages"], recipe["warmup_steps"], _ends(recipe)
    # Each extension resumes where the stage before really ended (its stop, if it was stopped early).
    extensions = ", then ".join(f"to {n:,} (the rate back up to {(n - done) / (n - warm):.0%} of its peak)"
                                for done, n in zip(ends, stages[1:]))
    stopped = [f"the {_ordinal(i + 1)} at step {stop:,}" for i, stop in enumerate(recipe["stops"]) if stop]
    if stopped:  # "the fourth stage was stopped early at step 12,500 and the fifth at step 16,500"
        stopped[0] = stopped[0].replace(" at step", " stage was stopped early at step", 1)
    ending = f", except that {' and '.join(stopped)} for time, the rate not yet at 0" if stopped else ""
    # "Still going down" only if the last evaluation is the lowest loss measured: read from the curve, not assumed.
    losses = [e["eval_loss"] for e in r["eval_curve"]]
    trend = "was still going down" if losses[-1] <= min(losses) else "had stopped going down"
    end = "stopped" if recipe["stops"][-1] else "ended, its rate at zero"
    return f"""# minibert-pydocs: a small BERT pre-trained by this project on the Python documentation

A {recipe['layers']}-layer, {recipe['hidden_size']}-wide BERT ({recipe['heads']} heads, feed-forward
{recipe['intermediate_size']}, {recipe['max_length']} positions, an uncased WordPiece vocabulary of
{recipe['vocab_size']:,} pieces) trained with masked-language modelling only, by `python -m minibert pretrain`, on
the prose of the Python 3.11 documentation. It is the default model of the course when neither `MINIBERT_MODEL`
nor the Hub's `bert-base-uncased` is available (`minibert/defaults.py`), so every lesson runs offline on
trained weights.

## How good

Held-out masked-token accuracy on {r['held_out_segments']} segments of {r['corpus']['held_out']} of the
documentation (pages never seen in training): 15 % of the tokens of each segment hidden behind `[MASK]`, all at
once, {r['blanks']:,} blanks in all (`python scripts/pretrain_pydocs.py evaluate`).

| | top-1 | top-5 |
|---|---|---|
| this model, step {r['trained_steps']:,} | **{pct(r['top1'])}** | **{pct(r['top5'])}** |
{earlier}{baseline}{probe_row()}

By kind of hidden token:

| hidden token | blanks | top-1 | top-5 |
|---|---|---|---|
{kinds}

Fill-mask, top 3 (`minibert.pipeline("fill-mask", model="checkpoints/minibert-pydocs")`):

| text | predictions |
|---|---|
{examples}

**What it has learned, plainly.** After {r['hours']:.2f} hours of CPU training it fills {pct(r['top1'])} of the
held-out blanks, against the frequency baseline's {pct(b['top1'])}. Most of that is the frequent function words
({pct(freq['top1'])} top-1 there: it has learned which of them fits where); content words are harder
({pct(other['top1'])} top-1, {pct(other['top5'])} top-5). In the fill-mask answers above, look for the two kinds
of guess a model at this stage makes: the right word, and a word copied from the sentence itself. The project's
goal, top-1 ≥ 40 % on held-out text of its domain (a trained BERT-base fills about 70 % of its own domain's
blanks), is **{'met' if r['top1'] >= 0.4 else 'not met'}**. The held-out loss (`eval.json`, `eval_curve`) shows
where it stands: {curve}. It sat on the plateau every small BERT goes through (about the entropy of the word
frequencies) for most of the first stage; each extension of the plan brought a new fall (learning to use the
context takes most of the training: notebook 10 shows that second fall on a toy corpus), and the loss
{trend} when the last stage {end}. More steps are the way on: add a stage to `stages` in the recipe, and
the run resumes from its last checkpoint.

## What is in the folder

`config.json`, `model.safetensors` (fp16 storage, loaded as fp32: `from_pretrained` casts), `vocab.txt`,
`tokenizer_config.json`, `special_tokens_map.json` (the reference `BertTokenizer` reads them), and
`heldout_sample.txt` (100 held-out segments, for lessons), and
`reference_outputs.safetensors`: `transformers`' outputs on the standard batch, so `python -m minibert check` and
`walkthrough` verify minibert against the reference without `transformers` installed. `eval.json` holds
everything on this page and the training curve.

The pooler (`bert.pooler.*`) is **not trained**: MLM-only pre-training (as in RoBERTa) never reads it. It holds
BERT's initialisation (N(0, 0.02²), bias 0, seed 0), stored so that `pooler_output` is the same in every library.

## Recipe

* Corpus: {r['corpus']['source']}, code blocks and tables left out; {r['corpus']['held_out']} held out.
  License: {r['corpus']['license']}. Package version {r['versions']['python3.11-doc']}.
* Vocabulary: `tokenizers`' WordPiece trainer on the training text, BERT's normalisation (lower case, accents
  kept as the uncased BertTokenizer does them), {recipe['vocab_size']:,} pieces, min frequency 2.
* Segments: whole sentences of one page packed up to {recipe['max_length']} pieces.
* Training: {r['trained_steps']} steps of {recipe['batch_size']} segments, AdamW (lr {recipe['lr']:g}, weight decay
  {recipe['weight_decay']:g}, linear warm-up {recipe['warmup_steps']} steps then linear decay), dropout 0.1,
  in {len(stages)} stages: first planned to {stages[0]:,} steps (the decay ending there), then resumed with the plan
  extended {extensions}, each time decaying again to 0{ending} (optimizer state and data order carried on),
  dynamic 15 % masking (80/10/10), seed {recipe['seed']}, the MLM decoder at the masked positions only;
  {r['hours']:.2f} hours on {r['machine']}.
* Versions: {', '.join(f'{k} {v}' for k, v in r['versions'].items())}.

## Rebuild

```bash
apt-get update && apt-get install -y python3.11-doc          # the corpus, PSF license
.venv/bin/pip install -q -c constraints.txt -e ".[dev]"        # tokenizers and transformers come with the dev extra
.venv/bin/python scripts/pretrain_pydocs.py all   # corpus, vocab, train (resumable), evaluate, ship
```
"""


def _ordinal(n: int) -> str:
    return ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"][n - 1]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stage", choices=["corpus", "vocab", "train", "evaluate", "ship", "all"])
    parser.add_argument("--docs", type=Path, default=DOCS, help=f"the HTML documentation (default {DOCS})")
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "pydocs", help="working folder")
    parser.add_argument("--steps", type=int, default=None, help="one run of this many steps, not the stages")
    args = parser.parse_args(argv)
    stages = ["corpus", "vocab", "train", "evaluate", "ship"] if args.stage == "all" else [args.stage]
    for stage in stages:
        if stage == "corpus":
            build_corpus(args.docs, args.work)
        elif stage == "vocab":
            build_vocab(args.work, RECIPE["vocab_size"])
            pack(args.work, RECIPE["max_length"])
        elif stage == "train":
            train(args.work, RECIPE, args.steps)
        elif stage == "evaluate":
            evaluate(args.work, RECIPE)
        elif stage == "ship":
            ship(args.work, RECIPE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
