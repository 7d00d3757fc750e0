"""The model card (README.md) of a checkpoint shipped from a speedrun run, written from its eval.json alone.

scripts/ship_speedrun.py fills eval.json from the run's report.json, from what it measures while shipping (the
held-out figures by the card's protocol, the stored fp16 weights, parity with the reference, the fill-mask answers
of the shipped folder) and from the corpus's manifest; every figure below is read from there, none is typed.
"""

from __future__ import annotations

from minibert.speedrun.budget import format_seconds
from minibert.speedrun.recipe import batch_text
from minibert.speedrun.report import fill_table, kinds_table, pct, transfer_section
from minibert.speedrun.shipping import FINE_TUNING_DROPOUT

MASKING = {"off": "single tokens", "pieces": "whole words (a word and its ## pieces together)",
           "zh": "whole words (all characters of a jieba word together)"}


def _vocabulary(meta: dict) -> str:
    if meta.get("vocab_kind") == "characters":
        return (f"a vocabulary of {meta['vocab_size']:,} tokens made the `bert-base-chinese` way from the training "
                f"text ({meta['vocab_cjk_characters']:,} Chinese characters a token each, WordPiece for the rest)")
    return f"an uncased WordPiece vocabulary of {meta['vocab_size']:,} pieces trained on the training text"


def _accuracy(e: dict) -> str:
    p, b, s, name = e["protocol"], e["baseline_most_frequent"], e["stored_fp16"], e["name"]
    same = ("the speedrun's own evaluation (report.json) ran on the same segments and blanks, token for token, as "
            "checked when the model was shipped" if p["identical_segments"] else
            f"measured so when the model was shipped: the speedrun's own evaluation ran on other segments "
            f"({p['speedrun']['held_out_segments']:,} segments, {p['speedrun']['blanks']:,} blanks, top-1 "
            f"{pct(p['speedrun']['top1'])})")
    rows = [f"| this model, step {e['trained_steps']:,} | **{pct(e['top1'])}** | **{pct(e['top5'])}** |",
            f"| the same, as stored in this folder (fp16 weights) | {pct(s['top1'])} | {pct(s['top5'])} |"]
    rows += [f"| {r['label']} | {pct(r['top1'])} | {pct(r['top5'])} |" for r in e["earlier"]]
    rows.append(f"| always the training text's most frequent token(s): {', '.join(b['tokens'])} | {pct(b['top1'])} "
                f"| {pct(b['top5'])} |")
    rows += e.get("comparisons", [])
    change = ""
    if e["earlier"]:
        old = e["earlier"][0]
        change = (f"\n\nAgainst the checkpoint it replaces ({old['label'].removeprefix('shipped before: ')}): "
                  f"top-1 {pct(old['top1'])} → {pct(e['top1'])} ({100 * (e['top1'] - old['top1']):+.1f} points), "
                  f"top-5 {pct(old['top5'])} → {pct(e['top5'])}, on the same protocol.")
    table = "\n".join(rows)
    return f"""## How good

Held-out masked-token accuracy on {e['held_out_segments']:,} segments of the held-out documents (never seen in
training): 15 % of the tokens of each segment hidden behind `[MASK]`, all at once (seed 0), {e['blanks']:,} blanks
in all. This is the protocol of `{p['script']}`; {same}.

| | top-1 | top-5 |
|---|---|---|
{table}{change}

By kind of hidden token:

| hidden token | blanks | top-1 | top-5 |
|---|---|---|---|
{kinds_table(e['per_kind'])}

Fill-mask on the stored weights, top 3 (`minibert.pipeline("fill-mask", model="checkpoints/{name}")`; a hidden
word is given where the text is a held-out sentence):

| text | hidden | top 3 |
|---|---|---|
{fill_table(e['fill_mask'])}
"""


def _training(e: dict) -> str:
    r, m, rep, v = e["recipe"], e["machine"], e["report"], e["versions"]
    versions = ", ".join(f"{k} {x}" for k, x in v.items())
    train = (f"{rep['train_seconds'] / 3600:.2f} h of {m['clock']} clock ({rep['train_seconds']:.0f} s for a budget of "
             f"{format_seconds(rep['budget_seconds'])}), {m['threads']} thread(s)")
    total = f"{rep['total_seconds'] / 3600:.2f} h of wall clock ({rep['total_seconds']:.0f} s)"
    return f"""## Training

| | |
|---|---|
| steps | {e['trained_steps']:,} of {batch_text(r, ' segments')} |
| training time | {train} |
| total time (data, training, evaluation, transfer, report) | {total} |
| machine | {m['cores']} cores ({m['processor']}), {m['platform']}, Python {m['python']} |
| torch (training) | {m['torch']} |
| versions (shipping) | {versions} |

Recipe (`minibert/speedrun/recipe.py`): {r['layers']} layers × {r['hidden_size']}, {r['heads']} heads, feed-forward \
{r['intermediate_size']}; masked-LM only (no next-sentence prediction), {100 * r['mlm_probability']:g} % of the \
tokens masked (80/10/10), masking {MASKING[e['whole_word_mask']]}, the decoder at the masked positions only; AdamW \
(lr {r['lr']:g}, weight decay {r['weight_decay']:g}), warm-up over {100 * r['warmup']:g} % of the budget then linear \
decay to 0 at its end; dropout {r['dropout']:g} while pre-training (config.json carries BERT's \
{FINE_TUNING_DROPOUT:g}, the rate fine-tuning uses); seed {e['settings']['seed']}. The exact command:

```bash
{e['command']}
```
"""


def _corpus(e: dict) -> str:
    c, s = e["corpus"], e["corpus"]["sizes"]
    zh = e["language"] == "zh"
    share = lambda x: f" | {100 * x['cjk_share']:.1f} %" if zh else ""  # noqa: E731
    rows = "\n".join(f"| {name} | {x['documents']:,} | {x['paragraphs']:,} | {x['characters']:,}{share(x)} |"
                     for name, x in (("training", s["train"]), ("held out", s["held_out"])))
    packages = "\n".join(f"| `{name}` | {p['version']} | {p['licence']} |" for name, p in c["packages"].items())
    same = ""
    if c.get("same_as_replaced") is not None:
        same = (" The training text is the one the checkpoint it replaces was trained on (the same sha256)."
                if c["same_as_replaced"] else " The training text differs from the replaced checkpoint's.")
    return f"""## Corpus

`{c['corpus']}`: {c['source']}; {c['held_out_rule']} held out whole, never trained on.{same}

| split | documents | paragraphs | characters{' | CJK share of the non-space characters' if zh else ''} |
|---|---|---|---{'|---' if zh else ''}|
{rows}

| package | version | licence |
|---|---|---|
{packages}

sha256: training text `{s['train']['sha256'][:16]}…`, held-out text `{s['held_out']['sha256'][:16]}…`.
"""


def model_card(e: dict) -> str:
    """checkpoints/NAME/README.md from its eval.json."""
    r, meta, name, par = e["recipe"], e["corpus"]["meta"], e["name"], e["parity"]
    walk = "" if par["walkthrough_text"] is None else f' --text "{par["walkthrough_text"]}"'
    default = (" It is the default model of the course when neither `MINIBERT_MODEL` nor the Hub's "
               "`bert-base-uncased` is available (`minibert/defaults.py`)." if e["default_model"] else "")
    rows = len(par["texts"])
    transfer = transfer_section(e["report"])
    budget = format_seconds(e["report"]["budget_seconds"])
    return f"""# {name}: a small BERT pre-trained from scratch by `python -m minibert speedrun`

A {r['layers']}-layer, {r['hidden_size']}-wide BERT ({r['heads']} heads, feed-forward {r['intermediate_size']}, \
{r['max_length']} positions, {_vocabulary(meta)}), trained with masked-language modelling only for {budget} of \
training on `{e['corpus']['corpus']}`.{default}

{_accuracy(e)}
## Parity with `transformers`

minibert and `transformers` {par['transformers']} (`BertForMaskedLM`, eager attention, fp32) load this folder and
give the same masked-LM logits on the standard batch ({rows} texts and a row of padding) within max |Δ|
{par['max_abs_diff']:.2e}; every module's output is within {par['check_tolerance']:g} of the reference outputs stored
here (max |Δ| {par['check_max_abs_diff']:.2e}), which lets `python -m minibert check checkpoints/{name}` and
`python -m minibert walkthrough --model checkpoints/{name}{walk}` verify it without `transformers`. (On the run's
own fp32 weights, before storage in fp16: max |Δ| {e['report']['parity_max_abs_diff']:.2e}.)
{transfer}
{_training(e)}
{_corpus(e)}
## What is in the folder

`config.json`, `model.safetensors` (fp16 storage, loaded as fp32: `from_pretrained` casts), `vocab.txt`,
`tokenizer_config.json`, `special_tokens_map.json` (the reference `BertTokenizer` reads them),
`reference_outputs.safetensors` (`transformers`' outputs on the standard batch), `heldout_sample.txt`
({e['heldout_sample']} held-out segments, for lessons; the text is under its packages' licences, above) and
`eval.json` (every figure on this page, the run's report.json and its training curve).

The pooler (`bert.pooler.*`) is **not trained**: MLM-only pre-training never reads it. It holds BERT's
initialisation (N(0, 0.02²), bias 0, seed 0), stored so that `pooler_output` is the same in every library.
"""
