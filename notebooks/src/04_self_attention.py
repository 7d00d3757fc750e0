# %% [markdown]
# # 04 · Self-attention: how tokens look at each other
#
# **What you will understand by the end**
# * queries, keys and values: three linear projections of the same hidden states;
# * how the hidden size C is split into H heads of d = C / H dimensions, each attending on its own;
# * why the scores are divided by √d, how padding is masked, what the softmax and the attention dropout do;
# * how to read attention heatmaps, one per head;
# * that the fused `scaled_dot_product_attention` kernel ("sdpa") computes the same thing as the formula ("eager").
#
# Scaled dot-product attention (Vaswani et al., 2017, "Attention Is All You Need", §3.2.1):
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d}} + M\right) V$$
#
# Row i of the softmax says how much token i takes from each token j; the output for token i is that weighted
# average of the value vectors. M is 0 for real tokens and a huge negative number for padding.
#
# Modules: `minibert/bert/attention.py`, `minibert/bert/masks.py`.
# Exercises: the extended attention mask, scaled dot-product attention, splitting/merging heads.

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

CHOICE = resolve_model()  # CHOICE.label(config) names it in titles and sentences: never written by hand
MODEL = CHOICE.name_or_path
torch.manual_seed(0)
print(f"device: {DEVICE}   repository: {ROOT}")


# %% [markdown]
# ## The input: a padded batch
#
# Two sentences of different lengths, padded to one length T. The attention module of layer 0 receives the
# embeddings (notebook 03), (B, T, C).

# %%
import math

from minibert import BertModel, BertTokenizer
from minibert.bert.masks import extended_attention_mask

tokenizer = BertTokenizer.from_pretrained(MODEL)
model = BertModel.from_pretrained(MODEL, attn_implementation="eager").to(DEVICE)
batch = tokenizer(["The quick brown fox jumps over the lazy dog.", "Hello world!"], padding=True,
                  return_tensors="pt").to(DEVICE)
with torch.no_grad():
    x = model.embeddings(batch["input_ids"], batch["token_type_ids"])  # (B, T, C)
attn = model.encoder.layer[0].attention.self  # BertSelfAttention
B, T, C = x.shape
H, d = attn.num_attention_heads, attn.attention_head_size
print(f"B={B} T={T} C={C}, H={H} heads of d={d}")
print(batch["attention_mask"].tolist())
assert H * d == C

# %% [markdown]
# ## Q, K, V and the heads
#
# Three (C, C) linear layers give Q, K, V; each is then cut into H slices of d features, one per head, and the
# head becomes a batch dimension: (B, T, C) → (B, T, H, d) → (B, H, T, d). Every head attends with its own slice.

# %% [markdown]
# **Your turn: exercise 7, `split_heads`.** Before you read the next cell, write the reshape that gives every head its slice, (B, T, H·d) → (B, H, T, d) (its inverse, `merge_heads`, is exercise 8: `grade("merge_heads", ...)`). Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/split_heads.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 7 --impl my_exercises`.
#
# *Predict, then run:* what shape will q have here, with the B, T, H, d printed above? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_split_heads(x, num_heads):
#     ...  # your code
my_split_heads = None  # <- delete this line once your function is written above; None skips the grading
grade("split_heads", my_split_heads)

# %% [answer]
with torch.no_grad():
    q = attn.query(x).view(B, T, H, d).transpose(1, 2)  # (B, H, T, d)
    k = attn.key(x).view(B, T, H, d).transpose(1, 2)  # (B, H, T, d)
    v = attn.value(x).view(B, T, H, d).transpose(1, 2)  # (B, H, T, d)
print("q, k, v:", tuple(q.shape))
assert torch.equal(q, attn.split_heads(attn.query(x)))  # minibert's helper does the same reshape

# %% [stub]
# Your turn (exercise 7, `split_heads`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's own reshape stands in for it, so the lesson runs on.
with torch.no_grad():
    q, k, v = (attn.split_heads(layer(x)) for layer in (attn.query, attn.key, attn.value))  # (B, H, T, d) each
print("q, k, v:", tuple(q.shape))

# %% [markdown]
# ## Why divide by √d
#
# If the d components of q and k are independent with variance 1, q·k is a sum of d such products: its variance
# is d. Large scores push the softmax into saturation (one weight ≈ 1, the rest ≈ 0, gradients ≈ 0). Dividing by
# √d brings the variance back to 1, whatever the head size:

# %%
g = torch.Generator().manual_seed(0)
for dim in (8, 64, 512):
    a, b = torch.randn(10_000, dim, generator=g), torch.randn(10_000, dim, generator=g)
    dots = (a * b).sum(-1)
    print(f"d={dim:>3}: var(q·k) = {dots.var().item():7.1f}   var(q·k/√d) = {(dots / math.sqrt(dim)).var().item():.2f}")
    assert abs((dots / math.sqrt(dim)).var().item() - 1) < 0.1

# %% [markdown]
# What that does to the softmax: below, one query against 64 random keys, for head sizes d from 4 to 1024. Without
# the scaling the entropy of the attention row falls towards 0 as d grows (all weight on one key: saturated, and
# its gradient vanishes); with it, the row keeps the same spread for every d, a little under the log 64 of a
# uniform row.

# %%
import matplotlib.pyplot as plt


def mean_entropy(dim: int, scale: bool, n_keys: int = 64, trials: int = 200) -> float:
    """Mean entropy (nats) of softmax(q·k_j [/ √d]) over `trials` random queries, each against n_keys keys."""
    gen = torch.Generator().manual_seed(dim)
    q, keys = torch.randn(trials, 1, dim, generator=gen), torch.randn(trials, n_keys, dim, generator=gen)
    s = (q * keys).sum(-1) / (math.sqrt(dim) if scale else 1.0)  # (trials, n_keys)
    p = torch.softmax(s, dim=-1)
    return -(p * torch.log(p.clamp_min(1e-30))).sum(-1).mean().item()


dims = [4, 8, 16, 32, 64, 128, 256, 512, 1024]
scaled = [mean_entropy(dim, True) for dim in dims]
unscaled = [mean_entropy(dim, False) for dim in dims]
fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(dims, unscaled, marker="o", label="softmax(q·k): no scaling")
ax.plot(dims, scaled, marker="o", label="softmax(q·k / √d)")
ax.axhline(math.log(64), color="grey", ls="--", lw=1, label="uniform over 64 keys (log 64)")
ax.set(xscale="log", xlabel="head size d", ylabel="entropy of the attention row (nats)", ylim=(0, 4.5),
       title="why divide by √d: the softmax saturates without it")
ax.set_xticks(dims, [str(x) for x in dims])
ax.legend(fontsize=8)
plt.show()
assert unscaled[-1] < 0.5 * unscaled[0] and max(scaled) - min(scaled) < 0.15  # saturates / stays put

# %% [markdown]
# ## Scores, mask, softmax
#
# The (B, T) 0/1 attention mask becomes an *additive* mask of shape (B, 1, 1, T): 0 for real keys, the most
# negative finite float for padding keys. Added to the scores it makes exp(score) underflow to exactly 0, so
# no query takes anything from padding. (The singleton dimensions broadcast over heads and queries.)

# %% [markdown]
# **Your turn: exercise 6, `attention_mask`.** Before you read the next cell, write the additive mask: (B, T) of 0/1 → (B, 1, 1, T), 0 for real keys and `torch.finfo(dtype).min` for padding (and scaled dot-product attention with it is exercise 9: `grade("attention", ...)`). Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/attention_mask.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 6 --impl my_exercises`.
#
# *Predict, then run:* what will row 1 of the mask hold, for "Hello world!" padded to the length of the fox sentence? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_attention_mask(mask, dtype):
#     ...  # your code
my_attention_mask = None  # <- delete this line once your function is written above; None skips the grading
grade("attention_mask", my_attention_mask)

# %%
mask = extended_attention_mask(batch["attention_mask"], x.dtype)  # (B, 1, 1, T)
print("mask", tuple(mask.shape), "  row 1:", mask[1, 0, 0].tolist())

# %% [markdown]
# **Your turn: exercise 9, `attention`.** Before you read the next cell, write scaled dot-product attention: the scores Q·Kᵀ/√d plus the additive mask, a softmax over the keys, the head mask after it, then the probability-weighted sum of the values; return the context and the probabilities. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/attention.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 9 --impl my_exercises`.
#
# *Predict, then run:* how much weight will the padding keys of sentence 1 get, after the softmax? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_attention(q, k, v, attention_mask=None, head_mask=None):
#     ...  # your code
my_attention = None  # <- delete this line once your function is written above; None skips the grading
grade("attention", my_attention)

# %% [answer]
with torch.no_grad():
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)  # (B, H, T, T)
    probs = torch.softmax(scores + mask, dim=-1)  # (B, H, T, T)
padding = batch["attention_mask"][1] == 0
assert torch.allclose(probs.sum(-1), torch.ones(B, H, T, device=DEVICE))  # each row is a distribution
assert (probs[1, :, :, padding] == 0).all()  # padding keys get exactly zero weight

# %% [stub]
# Your turn (exercise 9, `attention`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's BertSelfAttention stands in for it, so the lesson runs on.
with torch.no_grad():
    probs = attn(x, mask, output_attentions=True)[1]  # (B, H, T, T)
padding = batch["attention_mask"][1] == 0

# %% [markdown]
# The broadcast, drawn for this batch: the (B, T) mask becomes one row of T additive values per sentence, shape
# (B, 1, 1, T); adding it to the (B, H, T, T) scores copies that row to every head and every query, so the padding
# *columns* (keys) are blocked in every row, while padding *rows* (queries) are still computed (and ignored later).

# %%
T_show = T
fig, axes = plt.subplots(1, 4, figsize=(16, 3.4), gridspec_kw={"width_ratios": [1.3, 1.3, 1, 1]})
axes[0].imshow(batch["attention_mask"].cpu(), cmap="Greys_r", vmin=0, vmax=1.4)
axes[0].set(title="attention_mask (B, T): 1 = token, 0 = padding", xlabel="position", yticks=range(B),
            yticklabels=[f"sentence {b}" for b in range(B)])
for b in range(B):
    for t in range(T_show):
        on = int(batch["attention_mask"][b, t])
        axes[0].text(t, b, on, ha="center", va="center", fontsize=8, color="black" if on else "white")
blocked = (mask[:, 0, 0] < 0).cpu()  # (B, T): where the additive mask is the dtype's minimum
axes[1].imshow(blocked, cmap="Reds", vmin=0, vmax=1.4)
axes[1].set(title="additive mask (B, 1, 1, T): 0 or min", xlabel="key position", yticks=range(B),
            yticklabels=[f"[{b}, 0, 0, :]" for b in range(B)])
for b in range(B):
    for t in range(T_show):
        axes[1].text(t, b, "min" if blocked[b, t] else "0", ha="center", va="center", fontsize=7)
for ax, h in zip(axes[2:], (0, H - 1)):
    im = ax.imshow(probs[1, h].cpu(), cmap="viridis", vmin=0, vmax=1)
    ax.set(title=f"softmax(scores + M): sentence 1, head {h}", xlabel="key", ylabel="query",
           xticks=range(0, T, 2), yticks=range(0, T, 2))
    ax.title.set_fontsize(9)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
fig.suptitle("(B, T) → (B, 1, 1, T) → broadcast over H heads and T queries: padding columns get weight 0")
fig.tight_layout()
plt.show()
assert mask.shape == (B, 1, 1, T) and torch.equal(blocked, batch["attention_mask"].cpu() == 0)

# %% [markdown]
# ## Context, and the same numbers as the module
#
# The output of each head is the probability-weighted average of its values, (B, H, T, d); the heads are put side
# by side again, (B, T, C). `BertSelfAttention` must give exactly this (in eval mode: no dropout).

# %%
with torch.no_grad():
    context = (probs @ v).transpose(1, 2).reshape(B, T, C)  # (B, T, C)
    module_context, module_probs = attn(x, mask, output_attentions=True)
print(f"by hand vs BertSelfAttention: context max |Δ| = {(context - module_context).abs().max().item():.2e}, "
      f"probs max |Δ| = {(probs - module_probs).abs().max().item():.2e}")
assert torch.allclose(context, module_context, atol=1e-6) and torch.allclose(probs, module_probs, atol=1e-6)

# %% [markdown]
# ## Attention dropout
#
# In training, dropout (p = `attention_probs_dropout_prob`) is applied to the probabilities themselves: a query
# randomly loses some of the keys it would have attended to, and the rest are scaled by 1/(1-p). Rows then no longer
# sum to exactly 1: only in expectation.

# %%
attn.train()
torch.manual_seed(0)
with torch.no_grad():
    _, dropped = attn(x, mask, output_attentions=True)
attn.eval()
print("row sums with dropout (batch 0, head 0):", dropped[0, 0].sum(-1)[:6].cpu().numpy().round(3))
kept = dropped != 0
assert torch.allclose(dropped[kept], probs[kept] / (1 - attn.dropout.p), atol=1e-6)

# %% [markdown]
# ## Heatmaps, one per head
#
# Row = the query token, column = the key token it takes from. Every row sums to 1 and padding columns are empty,
# as in the second sentence, whatever the weights. The title says which model drew it and whether its weights are
# trained: a random model's patterns are arbitrary, while in a trained model (also the second figure, with
# `MINIBERT_OFFICIAL_CHECKPOINT` set) much of the weight rests on `[CLS]` or `[SEP]` (a "no-op" place to put
# attention), some heads follow the previous token, some link a word to one related word: patterns studied by
# Clark et al. (2019), "What Does BERT Look At?", and measured on this model further down.

# %%
import matplotlib.pyplot as plt


def plot_heads(probs, tokens, title):  # probs (H, T, T)
    n = probs.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.4))
    for h, ax in enumerate(axes):
        ax.imshow(probs[h].cpu(), cmap="viridis", vmin=0, vmax=1)
        ax.set_title(f"head {h}")
        ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=7)
        ax.set_yticks(range(len(tokens)), tokens if h == 0 else [""] * len(tokens), fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    # One colour scale for every head (vmin=0, vmax=1 above), so one bar reads them all.
    fig.colorbar(axes[0].images[0], ax=list(axes), fraction=0.015, pad=0.01, label="attention weight α")
    plt.show()


plot_heads(probs[1], tokenizer.convert_ids_to_tokens(batch["input_ids"][1]),
           f"{CHOICE.label(model.config)}, layer 0, 'Hello world!' (padded)")

official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
if official:
    trained = BertModel.from_pretrained(official, attn_implementation="eager").to(DEVICE)
    trained_tok = BertTokenizer.from_pretrained(official)
    enc = trained_tok("The cat sat on the mat because it was tired.", return_tensors="pt").to(DEVICE)
    with torch.no_grad():
        att = trained(**enc, output_attentions=True).attentions  # L × (1, H, T, T)
    plot_heads(att[2][0, :6], trained_tok.convert_ids_to_tokens(enc["input_ids"][0]),
               f"{resolve_model(official, verbose=False).label(trained.config)}, layer 2, heads 0-5")
else:
    print("MINIBERT_OFFICIAL_CHECKPOINT is not set: no trained heads to show")

# %% [markdown]
# ## The same numbers as the reference
#
# The reference's attention probabilities on the standard batch (stored with the project's checkpoints, or
# computed now by `transformers` when it is installed), whose last row is *all* padding (what happens there? every
# score gets the same huge negative number, so the softmax is uniform, not NaN: the reason for "most negative
# finite" instead of -∞, see `minibert/bert/masks.py`).

# %%
from minibert.parity.reference import lesson_reference

stored = lesson_reference(MODEL)  # the stored file next to the weights, or transformers now, or None
if stored is not None:
    inputs = {k.removeprefix("inputs."): v.to(DEVICE) for k, v in stored.items() if k.startswith("inputs.")}
    with torch.no_grad():
        ours = model(**inputs, output_attentions=True).attentions
    for i, a in enumerate(ours):
        diff = (a.cpu() - stored[f"attentions.{i}"]).abs().max().item()
        print(f"layer {i}: probabilities max |Δ| = {diff:.2e}")
        assert diff <= 1e-5
    Tpad, last = inputs["input_ids"].shape[1], inputs["input_ids"].shape[0] - 1
    assert inputs["attention_mask"][last].sum() == 0
    assert torch.allclose(ours[0][last].cpu(), torch.full((H, Tpad, Tpad), 1 / Tpad))

# %% [markdown]
# ## Eager vs sdpa
#
# `config.attn_implementation = "sdpa"` (the default) calls `torch.nn.functional.scaled_dot_product_attention`:
# one fused kernel, which never materialises the (B, H, T, T) probabilities when it can avoid it. It cannot return
# them, so a call with `output_attentions=True` (or a head mask) takes the eager path. Same weights, same math,
# the same numbers up to float32 rounding: the fused kernel adds and multiplies in another order.
#
# How close is "the same"? Each float32 rounding errs by up to 2⁻²⁴ ≈ 6e-8 *of the number rounded*, so two orders
# of the same sums differ by a fixed share of the activations' size, not by a fixed amount: a model with larger
# activations differs more in absolute terms (all-MiniLM-L6-v2's, for one, reach ~5.7 on this batch and more
# inside its layers, and differ by 1.6e-5; the cell below prints the lesson's model's). The check is therefore relative to the largest |value|: |Δ| ≤ 1e-5 × max |h|. (The comparisons
# with the reference `transformers` above and in every test stay absolute, ≤ 1e-5: there the two libraries must
# do the same operations in the same order.)

# %%
import time

sdpa = BertModel.from_pretrained(MODEL, attn_implementation="sdpa").to(DEVICE)
with torch.no_grad():
    a = model(**batch).last_hidden_state
    b = sdpa(**batch).last_hidden_state
diff, scale = (a - b).abs().max().item(), a.abs().max().item()
print(f"eager vs sdpa on the padded batch: max |Δ| = {diff:.2e}, {diff / scale:.1e} of the largest |h| ({scale:.2f})")
assert diff <= 1e-5 * scale  # float32 rounding is relative: the bound scales with the activations


def best_seconds(models, inputs, repeats=5):
    """Fastest of `repeats` forward passes per model, runs interleaved: the minimum is the least disturbed by
    other programs sharing the machine."""
    best = {name: float("inf") for name in models}
    with torch.no_grad():
        for _ in range(repeats + 1):  # the first round is a warm-up
            for name, m in models.items():
                if DEVICE == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                m(**inputs)
                if DEVICE == "cuda":
                    torch.cuda.synchronize()
                best[name] = min(best[name], time.perf_counter() - start) if _ else float("inf")
    return best


from minibert import BertConfig

models = {}
for impl in ("eager", "sdpa"):
    torch.manual_seed(0)  # the same weights for both
    cfg = BertConfig(vocab_size=2000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=256, max_position_embeddings=128, attn_implementation=impl)
    models[impl] = BertModel(cfg).to(DEVICE).eval()
long = {"input_ids": torch.randint(1000, 2000, (4, 128), device=DEVICE)}
for impl, seconds in best_seconds(models, long).items():
    print(f"{impl:>5}: {seconds * 1e3:6.2f} ms per forward, B=4, T=128 (best of 5; timings vary with the machine)")

# %% [markdown]
# ## What a trained BERT looks at (Clark et al., 2019)
#
# Clark, Khandelwal, Levy & Manning (2019), "What Does BERT Look At? An Analysis of BERT's Attention", measured
# where BERT-base's 144 heads put their weight, averaged over many sentences. Two findings you can measure on any
# trained BERT with `minibert.analysis`:
#
# * **much of the attention lands on the same few tokens**: `[CLS]`, `[SEP]` and punctuation, which are in every
#   sentence and mean little on their own. Their reading: a head with nothing to do for a token parks its weight
#   there (a softmax row must sum to 1, so "attend nowhere" is not an option);
# * **some heads attend to a fixed offset**: the previous or the next token, for nearly every query.
#
# Per layer and head, `token_class_shares` averages Σ_{j ∈ class} α_ij over the real queries of a batch, and
# `offset_attention` averages α_{i,i±1}; `find_heads` lists the heads above ½. The model is the lesson's default
# (`minibert.defaults.resolve_model`: `MINIBERT_MODEL` if set, else bert-base-uncased when it is available, else
# the small BERT this project pre-trained); the line below it says which, and whether its weights are trained.

# %%
from minibert.analysis import attention_views, find_heads, offset_attention, token_class_masks, token_class_shares
from minibert.analysis.views import row_shares
from minibert.defaults import resolve_model

choice = resolve_model()  # prints which checkpoint, why, and whether it is trained
bert_tok = BertTokenizer.from_pretrained(choice.name_or_path)
bert = BertModel.from_pretrained(choice.name_or_path, attn_implementation="eager").to(DEVICE).eval()
SENTENCES = [
    "The cat sat on the mat because it was tired.", "She did not like the film, but her friends loved it.",
    "The function returns a new list, sorted in ascending order.", "If the file does not exist, an error is raised.",
    "He opened the door, looked outside, and closed it again.", "Strings are immutable: you cannot change them.",
    "The weather was cold and windy, so we stayed at home.", "Each call to the generator yields the next value.",
    "Paris is the capital of France, and Rome is the capital of Italy.", "A dictionary maps keys to values.",
    "The meeting was moved to Friday; nobody told me.", "Use a context manager to close the file automatically.",
]
sample = bert_tok(SENTENCES, padding=True, return_tensors="pt").to(DEVICE)
views = attention_views(bert, **sample)  # raw, norm-weighted and rollout, L × (B, H, T, T) / (B, T, T)
real = sample["attention_mask"].cpu()
classes = token_class_masks(bert_tok, sample["input_ids"].cpu())  # {"[CLS]": (B, T) bool, "[SEP]": ..., ...}
shares = {name: token_class_shares(views.raw, keys, real) for name, keys in classes.items()}  # each (L, H)
offsets = {"previous": offset_attention(views.raw, real, -1), "next": offset_attention(views.raw, real, +1)}
L, H_all = shares["[CLS]"].shape
for scores in [*shares.values(), *offsets.values()]:
    assert scores.shape == (L, H_all) and ((scores >= 0) & (scores <= 1 + 1e-6)).all()  # shares of one row
assert (sum(shares.values()) <= 1 + 1e-5).all()  # three disjoint classes of keys share one row's weight
print(f"{len(SENTENCES)} sentences, {int(real.sum())} tokens; {L} layers × {H_all} heads")
for name, scores in offsets.items():
    found = find_heads(scores)
    print(f"heads putting more than half their attention on the {name} token: " +
          (", ".join(f"layer {lay} head {h} ({s:.2f})" for lay, h, s in found) or "none"))
if not choice.trained:
    print("RANDOM weights: these are not BERT's patterns, only what a random initialisation gives")

# %%
import numpy as np

layers = np.arange(L)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for (name, scores), color in zip(shares.items(), ["tab:blue", "tab:orange", "tab:green"]):
    ax1.scatter(np.repeat(layers, H_all), scores.flatten(), color=color, alpha=0.25, s=12)  # one dot per head
    ax1.plot(layers, scores.mean(1), color=color, marker="o", label=f"{name} (mean of the heads)")
    # Attention spread evenly over the real tokens would give each class its share of the tokens:
    ax1.axhline((classes[name] & real.bool()).sum() / real.sum(), color=color, ls=":", lw=1)
ax1.set(xlabel="layer", ylabel="share of a query's attention", title="attention on [CLS], [SEP], punctuation",
        xticks=layers, ylim=(0, 1))
ax1.legend(fontsize=8)
for (name, scores), color in zip(offsets.items(), ["tab:red", "tab:purple"]):
    ax2.scatter(np.repeat(layers, H_all), scores.flatten(), color=color, alpha=0.25, s=12)
    ax2.plot(layers, scores.max(1).values, color=color, marker="o", label=f"{name} token (best head)")
ax2.axhline(0.5, color="grey", ls="--", lw=1)
ax2.set(xlabel="layer", ylabel="mean weight α(i, i±1)", title="heads that follow a neighbour", xticks=layers,
        ylim=(0, 1))
ax2.legend(fontsize=8)
fig.suptitle(f"{Path(choice.name_or_path).name}: dots are heads; dotted lines: the share if attention were uniform")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## A large weight is not a large effect: norm-weighted attention and rollout
#
# An attention weight says how much of token j query i takes, not how much that *changes* i. The attention
# sublayer's output for token i is a sum of vectors, one per head h and key j (Kobayashi et al., 2020, "Attention
# is Not Only a Weight: Analyzing Transformers with Vector Norms"):
#
# $$y_i = \sum_h \sum_j \alpha^h_{ij}\, f^h(x_j) + b_O, \qquad f^h(x) = (x W_V^h + b_V^h)\, W_O^h$$
#
# so the size of token j's contribution is $\lVert \alpha^h_{ij} f^h(x_j) \rVert$. Kobayashi et al. found that the
# tokens receiving the most weight ([CLS], [SEP], punctuation) have *small* transformed values f(x): the weight is
# parked, not used. Attention **rollout** (Abnar & Zuidema, 2020, "Quantifying Attention Flow in Transformers")
# asks a third question: how much of *input* token j reaches position i after l layers? It averages the heads,
# counts the residual connection as half the flow (Â = ½A + ½I) and multiplies the layers: R_l = Â_l ⋯ Â_1.
#
# Below, per layer: the share of [CLS] + [SEP] + punctuation under raw and under norm-weighted attention (each
# row of norms divided by its sum, so both are shares), and for one sentence the three maps of the last layer.

# %%
norm_rows = [row_shares(a) for a in views.norm]  # ‖α f(x_j)‖ as a share of each row, L × (B, H, T, T)
raw_special = sum(token_class_shares(views.raw, k, real) for k in classes.values()).mean(1)  # (L,)
norm_special = sum(token_class_shares(norm_rows, k, real) for k in classes.values()).mean(1)  # (L,)
for layer in range(L):
    print(f"layer {layer}: [CLS]+[SEP]+punctuation get {raw_special[layer]:.2f} of the attention weight, "
          f"{norm_special[layer]:.2f} of its norm")
assert all(torch.allclose(r.sum(-1), torch.ones(r.shape[:2]), atol=1e-5) for r in views.rollout)  # rows: shares
lower = int((norm_special < raw_special).sum())
print(f"norm-weighting lowers the special tokens' share in {lower} of {L} layers "
      f"({'trained' if choice.trained else 'RANDOM'} weights)")

b = 0  # the first sentence
tokens = bert_tok.convert_ids_to_tokens(sample["input_ids"][b][real[b].bool()])
n = len(tokens)
last = L - 1
maps = {f"raw α, layer {last} (heads averaged)": views.raw[last][b].mean(0),
        f"norm-weighted ‖Σ_h α f(x)‖, layer {last}": row_shares(views.norm_sum[last][b]),
        f"rollout through layers 0..{last}": views.rollout[last][b]}
fig, axes = plt.subplots(1, 4, figsize=(17, 4.6), gridspec_kw={"width_ratios": [1, 1, 1, 0.9]})
for ax, (title, m) in zip(axes, maps.items()):
    im = ax.imshow(m[:n, :n], cmap="viridis", vmin=0)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(title, fontsize=9)
    ax.set_xticks(range(n), tokens, rotation=90, fontsize=7)
    ax.set_yticks(range(n), tokens, fontsize=7)
axes[3].plot(layers, raw_special, marker="o", label="raw weight")
axes[3].plot(layers, norm_special, marker="o", label="norm-weighted")
axes[3].set(xlabel="layer", ylabel="share on [CLS]+[SEP]+punct.", xticks=layers, ylim=(0, 1),
            title=f"all {len(SENTENCES)} sentences, heads averaged")
axes[3].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# What changes, on a trained BERT (bert-base-uncased and all-MiniLM-L6-v2 both do this; the lines above say what
# *this* model does): with raw weights the special tokens collect a large part of each row; weighted by what they
# move, much less of the output comes from them, and the content words take the share back. Rollout answers a
# third question: after one layer it is mostly diagonal (the residual keeps each token mostly itself), and it
# spreads with depth, often towards [CLS]. Three views, three questions: *where does the head look*, *what does it
# move*, *where did the information come from*. None of them alone is "the explanation" of a prediction.
#
# ## The interactive view
#
# The same three views for one sentence, every layer and head: lines from each token (left) to the tokens it
# takes from (right), as opaque as the weight. Hover a token for its weights, a line for one weight. The page is
# one self-contained HTML file (no network, no CDN), made by the command
# `python -m minibert attention "TEXT" --html attention.html`; here it is shown inline.

# %%
from IPython.display import HTML

from minibert.analysis.html_view import attention_page, notebook_iframe

page = attention_page(bert, bert_tok, "She did not like the film, but her friends loved it.",
                      title="attention: " + Path(choice.name_or_path).name, note=choice.describe())
assert "default-src 'none'" in page and "<script src" not in page  # nothing to fetch: it works offline
print(f"the page: {len(page) / 1024:.0f} KiB, data and script inline")
HTML(notebook_iframe(page, height=560))

# %% [markdown]
# **What to remember.** Attention = softmax(QKᵀ/√d + M)V per head: scores measure how well query i matches key j,
# √d keeps them in the softmax's useful range, the additive mask silences padding, dropout drops whole keys during
# training, and the heads' outputs are concatenated. Next, notebook 05: what happens to that output.
