# %% [markdown]
# # 09 · Head pruning: removing attention heads for good
#
# **What you will understand by the end**
# * which weights belong to one attention head, and what the Q/K/V and output layers look like after pruning;
# * that pruning a head computes exactly what masking it (multiplying its probabilities by 0) computes;
# * how much the output changes as more heads are removed, least important first or in random order (plot);
# * what pruning buys: fewer parameters, less time.
#
# Michel et al. (2019), "Are Sixteen Heads Really Better than One?", found that many heads of a trained BERT can be
# removed with little loss: at test time, most layers work with a single head. Head h owns the feature slice
# [h·d, (h+1)·d) of Q, K and V (their *rows*: output features) and the same slice of the attention output layer's
# *columns* (its input features). Pruning cuts those slices out: smaller matrices, not zeros.
#
# Modules: `minibert/bert/pruning.py`, `minibert/bert/attention.py`
# (`BertAttention.prune_heads`), `minibert/bert/masks.py` (head mask). Exercise: pruning index
# computation.

# %%
# Setup, the same in every notebook. DEVICE: CUDA when there is a GPU, else the CPU; to force one, set the
# environment variable MINIBERT_DEVICE=cpu (or cuda) before starting Jupyter, or edit the line below.
%matplotlib inline
import logging
import os
import warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's note about Jupyter widgets
# The checkpoints keep their pre-training heads; loading the bare encoder notes them as "not used" on stderr
# (explained in notebook 01). Only that note is hidden: missing weights are still reported.
logging.getLogger("minibert").addFilter(lambda record: "were not used" not in record.getMessage())

DEVICE = os.environ.get("MINIBERT_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
# The repository root: the first folder from here upwards that holds checkpoints/tiny-bert.
ROOT = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "checkpoints" / "tiny-bert").is_dir()), None)
assert ROOT is not None, "start Jupyter inside the minibert repository: checkpoints/tiny-bert was not found"
TINY = ROOT / "checkpoints" / "tiny-bert"  # random weights: for checks of the arithmetic only
# The model the lesson runs on (minibert/defaults.py): MINIBERT_MODEL if set, else the Hub's bert-base-uncased
# (from the local cache, or downloaded once when the Hub is reachable), else the small BERT this project
# pre-trained itself (checkpoints/minibert-pydocs). The line printed below says which, why, and if it is trained.
from minibert.defaults import resolve_model

MODEL = resolve_model().name_or_path
torch.manual_seed(0)
print(f"device: {DEVICE}   repository: {ROOT}")


# %% [markdown]
# ## Shapes before and after

# %%
from minibert import BertModel, BertTokenizer

tokenizer = BertTokenizer.from_pretrained(MODEL)
model = BertModel.from_pretrained(MODEL, attn_implementation="eager").to(DEVICE)
pruned = BertModel.from_pretrained(MODEL, attn_implementation="eager").to(DEVICE)
H, d, C = model.config.num_attention_heads, model.config.hidden_size // model.config.num_attention_heads, model.config.hidden_size
to_prune = {0: [1, 2], 1: [0]}
pruned.prune_heads(to_prune)


def shapes(m, i):
    a = m.encoder.layer[i].attention
    return {n: tuple(getattr(a.self, n).weight.shape) for n in ("query", "key", "value")} | \
           {"output.dense": tuple(a.output.dense.weight.shape), "heads": a.self.num_attention_heads}


for i in range(2):
    print(f"layer {i}: before {shapes(model, i)}\n         after  {shapes(pruned, i)}")
assert shapes(pruned, 0)["query"] == ((H - 2) * d, C) and shapes(pruned, 0)["output.dense"] == (C, (H - 2) * d)
assert shapes(pruned, 1)["value"] == ((H - 1) * d, C)
print("config.pruned_heads:", pruned.config.pruned_heads)

removed = model.num_parameters() - pruned.num_parameters()
per_head = 3 * (C * d + d) + d * C  # Q, K, V rows (weights + biases) and output-layer columns
print(f"{removed} parameters removed = 3 heads × {per_head}")
assert removed == 3 * per_head

# %% [markdown]
# Which rows survive? Head h owns the features [h·d, (h+1)·d) of Q, K and V (and those columns of the output
# layer); pruning keeps the others, in order. After an earlier pruning the heads left have moved: original head h
# sits h minus the number of already-pruned heads below it (the config keeps the *original* numbers).
#
# **Your turn: exercise 13, `prune_heads_index`.** Before you read the next cell, write the feature indices to keep when heads are pruned, heads numbered as in the original layer, some perhaps pruned before. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/prune_heads_index.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 13 --impl my_exercises`.
#
# *Predict, then run:* the pruned layer 0's query weight: which rows of the unpruned one are they? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_prune_heads_index(heads, n_heads, head_size, already_pruned):
#     ...  # your code
my_prune_heads_index = None  # <- delete this line once your function is written above; None skips the grading
grade("prune_heads_index", my_prune_heads_index)

# %% [answer]
gone = set(to_prune[0])
keep = torch.tensor([h * d + i for h in range(H) if h not in gone for i in range(d)], device=DEVICE)  # (H - 2) * d
print(f"layer 0 keeps {keep.numel()} of {H * d} query rows: heads {sorted(set(range(H)) - gone)}")
q_before, q_after = model.encoder.layer[0].attention.self.query, pruned.encoder.layer[0].attention.self.query
assert torch.equal(q_after.weight, q_before.weight[keep]) and torch.equal(q_after.bias, q_before.bias[keep])
out_before, out_after = model.encoder.layer[0].attention.output.dense, pruned.encoder.layer[0].attention.output.dense
assert torch.equal(out_after.weight, out_before.weight[:, keep])  # the output layer loses the same columns

# %% [stub]
# Your turn (exercise 13, `prune_heads_index`): the worked answer that stood here is yours to write, in the cell
# above. Until then minibert's own index (minibert/bert/pruning.py) stands in for it, so the lesson runs on.
from minibert.bert.pruning import heads_to_keep_index

keep = heads_to_keep_index(set(to_prune[0]), H, d, set()).to(DEVICE)
q_before, q_after = model.encoder.layer[0].attention.self.query, pruned.encoder.layer[0].attention.self.query
assert torch.equal(q_after.weight, q_before.weight[keep])

# %% [markdown]
# ## Pruning = masking
#
# A head mask (L, H) of 1s and 0s multiplies each head's attention probabilities; a 0 silences the head. Its
# context slice is then 0, and so is its contribution through the output layer's columns: the same as deleting
# the head. The bias of the output layer stays, because it does not belong to any head.
#
# The same math, not the same operations: the pruned model multiplies smaller matrices, so its float32 sums run in
# another order and round differently. Each rounding errs by a share of the number rounded (up to 2⁻²⁴ ≈ 6e-8),
# so the two agree to a share of the activations' size, not to a fixed amount: on all-MiniLM-L6-v2, whose
# activations are larger, they differ by 1.0e-5 at a largest |h| of 5.6. The check is relative:
# |Δ| ≤ 1e-5 × max |h|. (Comparisons with the reference `transformers` stay absolute, ≤ 1e-5.)

# %%
batch = tokenizer(["The quick brown fox jumps over the lazy dog.", "Hello world!"], padding=True,
                  return_tensors="pt").to(DEVICE)
head_mask = torch.ones(model.config.num_hidden_layers, H, device=DEVICE)
for layer, heads in to_prune.items():
    head_mask[layer, heads] = 0
with torch.no_grad():
    masked_out = model(**batch, head_mask=head_mask).last_hidden_state
    pruned_out = pruned(**batch).last_hidden_state
diff, scale = (masked_out - pruned_out).abs().max().item(), masked_out.abs().max().item()
print(f"pruned model vs head-masked model: max |Δ| = {diff:.1e}, {diff / scale:.1e} of the largest |h| ({scale:.2f})")
assert diff <= 1e-5 * scale  # float32 rounding is relative (see above): the bound scales with the activations

# %% [markdown]
# The pruning survives a save and load: the config records `pruned_heads`, and `from_pretrained` builds the smaller
# layers before loading the smaller weights.

# %%
import tempfile

with tempfile.TemporaryDirectory() as tmp:
    pruned.save_pretrained(tmp)
    reloaded = BertModel.from_pretrained(tmp, attn_implementation="eager").to(DEVICE)
with torch.no_grad():
    assert torch.equal(reloaded(**batch).last_hidden_state, pruned_out)
print("reloaded:", shapes(reloaded, 0))

# %% [markdown]
# ## Output change vs heads pruned
#
# Which heads matter? A simple importance score: the output change when that head *alone* is masked. Then mask
# more and more heads, least important first, or in a random order, and measure how far the sentence vectors
# (mean of the token vectors) move: 1 − cosine similarity with the unpruned model's. We use the head mask for
# the sweep, having just seen that it computes what pruning computes. With `MINIBERT_OFFICIAL_CHECKPOINT` set, the
# same on the official MiniLM; each title names its model, its depth and whether it is trained.

# %%
import matplotlib.pyplot as plt


def sentence_vectors(m, enc, head_mask=None):
    with torch.no_grad():
        h = m(**enc, head_mask=head_mask).last_hidden_state  # (B, T, C)
    w = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
    return (h * w).sum(1) / w.sum(1)  # (B, C)


def change(m, enc, heads_off, full):
    L, H = m.config.num_hidden_layers, m.config.num_attention_heads
    mask = torch.ones(L, H, device=DEVICE)
    for layer, head in heads_off:
        mask[layer, head] = 0
    return (1 - torch.nn.functional.cosine_similarity(sentence_vectors(m, enc, mask), full, dim=-1)).mean().item()


def sweep(m, enc, seed=0):
    L, H = m.config.num_hidden_layers, m.config.num_attention_heads
    full = sentence_vectors(m, enc)
    all_heads = [(layer, head) for layer in range(L) for head in range(H)]
    alone = {lh: change(m, enc, [lh], full) for lh in all_heads}  # importance: effect of masking it alone
    by_importance = sorted(all_heads, key=alone.get)
    shuffled = [all_heads[i] for i in torch.randperm(len(all_heads), generator=torch.Generator().manual_seed(seed))]
    curves = {name: [0.0] + [change(m, enc, order[:k], full) for k in range(1, len(order) + 1)]
              for name, order in (("least important first", by_importance), ("random order", shuffled))}
    return curves


sentences = ["The quick brown fox jumps over the lazy dog.", "Where is the cat? It sleeps on the mat.",
             "Paris is the capital of France.", "Shares dropped on Wall Street today."]
models = {resolve_model(MODEL, verbose=False).label(model.config): (model, tokenizer)}  # the lesson's model
official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
if official:
    trained = BertModel.from_pretrained(official, attn_implementation="eager").to(DEVICE)
    models[resolve_model(official, verbose=False).label(trained.config)] = (trained,
                                                                           BertTokenizer.from_pretrained(official))
fig, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 3.8), squeeze=False)
for ax, (name, (m, tok)) in zip(axes[0], models.items()):
    enc = tok(sentences, padding=True, return_tensors="pt").to(DEVICE)
    curves = sweep(m, enc)
    n = len(curves["random order"]) - 1
    for label, ys in curves.items():
        ax.plot(range(n + 1), ys, label=label)
    ax.set(xlabel=f"heads pruned (of {n})", ylabel="1 − cosine(sentence vector, unpruned)", title=name)
    ax.legend()
    first, rnd = curves["least important first"], curves["random order"]
    assert first[1] <= rnd[1] + 1e-9  # the least important single head changes the output least
    assert abs(first[-1] - rnd[-1]) < 1e-6  # all heads pruned: the same model, whatever the order
    half = n // 2
    print(f"{name}: half the heads pruned → change {first[half]:.3f} (least important first) vs {rnd[half]:.3f} "
          f"(random)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Speed
#
# A random model large enough for the difference to show (C = 256, 8 heads, 4 layers, T = 128): forward time
# before and after pruning half the heads of every layer (best of 5 runs, interleaved; timings vary with the
# machine). Attention is only part of a layer (the feed-forward block is untouched), so halving the heads saves
# less than half the time.

# %%
import time

from minibert import BertConfig

cfg = BertConfig(vocab_size=1000, hidden_size=256, num_hidden_layers=4, num_attention_heads=8, intermediate_size=1024,
                 max_position_embeddings=128)
torch.manual_seed(0)
big = BertModel(cfg).to(DEVICE).eval()
torch.manual_seed(0)
big_pruned = BertModel(cfg).to(DEVICE).eval()
big_pruned.prune_heads({layer: [0, 2, 4, 6] for layer in range(4)})
ids = torch.randint(0, 1000, (4, 128), device=DEVICE)
best = {"full": float("inf"), "half the heads": float("inf")}
with torch.no_grad():
    for round_ in range(6):
        for name, m in (("full", big), ("half the heads", big_pruned)):
            if DEVICE == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            m(input_ids=ids)
            if DEVICE == "cuda":
                torch.cuda.synchronize()
            if round_:  # round 0 is a warm-up
                best[name] = min(best[name], time.perf_counter() - start)
for name, m in (("full", big), ("half the heads", big_pruned)):
    print(f"{name:>15}: {m.num_parameters():>9,} parameters, {best[name] * 1e3:6.1f} ms per forward")
assert big_pruned.num_parameters() < big.num_parameters()

# %% [markdown]
# **What to remember.** A head is a slice of Q/K/V rows and output columns; pruning cuts the slice and computes
# what a zero head mask computes. In trained models many heads can go with little change, if you pick the right
# ones. Next, notebook 10: where trained weights come from.
