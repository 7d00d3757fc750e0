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
# Modules: `minibert/attention.py`, `minibert/masks.py`.
# Exercises: the extended attention mask, scaled dot-product attention, splitting/merging heads.

# %%
# Setup, the same in every notebook. DEVICE: CUDA when there is a GPU, else the CPU; to force one, set the
# environment variable MINIBERT_DEVICE=cpu (or cuda) before starting Jupyter, or edit the line below.
%matplotlib inline
import os
import warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's note about Jupyter widgets

DEVICE = os.environ.get("MINIBERT_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
# The repository root: the first folder from here upwards that holds checkpoints/tiny-bert.
ROOT = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "checkpoints" / "tiny-bert").is_dir()), None)
assert ROOT is not None, "start Jupyter inside the minibert repository: checkpoints/tiny-bert was not found"
TINY = ROOT / "checkpoints" / "tiny-bert"
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
from minibert.masks import extended_attention_mask

tokenizer = BertTokenizer.from_pretrained(TINY)
model = BertModel.from_pretrained(TINY, attn_implementation="eager").to(DEVICE)
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

# %%
with torch.no_grad():
    q = attn.query(x).view(B, T, H, d).transpose(1, 2)  # (B, H, T, d)
    k = attn.key(x).view(B, T, H, d).transpose(1, 2)  # (B, H, T, d)
    v = attn.value(x).view(B, T, H, d).transpose(1, 2)  # (B, H, T, d)
print("q, k, v:", tuple(q.shape))
assert torch.equal(q, attn.split_heads(attn.query(x)))  # minibert's helper does the same reshape

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
# ## Scores, mask, softmax
#
# The (B, T) 0/1 attention mask becomes an *additive* mask of shape (B, 1, 1, T): 0 for real keys, the most
# negative finite float for padding keys. Added to the scores it makes exp(score) underflow to exactly 0, so
# no query takes anything from padding. (The singleton dimensions broadcast over heads and queries.)

# %%
with torch.no_grad():
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)  # (B, H, T, T)
    mask = extended_attention_mask(batch["attention_mask"], x.dtype)  # (B, 1, 1, T)
    probs = torch.softmax(scores + mask, dim=-1)  # (B, H, T, T)
print("mask", tuple(mask.shape), "  row 1:", mask[1, 0, 0].tolist())
padding = batch["attention_mask"][1] == 0
assert torch.allclose(probs.sum(-1), torch.ones(B, H, T, device=DEVICE))  # each row is a distribution
assert (probs[1, :, :, padding] == 0).all()  # padding keys get exactly zero weight

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
# Row = the query token, column = the key token it takes from. Our tiny checkpoint has random weights, so its
# patterns are arbitrary (but every row sums to 1 and padding columns are empty, as in the second sentence). With
# `MINIBERT_OFFICIAL_CHECKPOINT` set, the second figure shows heads of a trained model: much of the weight rests on
# `[CLS]` (a "no-op" place to put attention), some heads follow the previous token, some link a word to one related
# word: patterns studied by Clark et al. (2019), "What Does BERT Look At?".

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
    plt.show()


plot_heads(probs[1], tokenizer.convert_ids_to_tokens(batch["input_ids"][1]),
           "tiny-bert layer 0, 'Hello world!' (padded): random weights")

official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
if official:
    trained = BertModel.from_pretrained(official, attn_implementation="eager").to(DEVICE)
    trained_tok = BertTokenizer.from_pretrained(official)
    enc = trained_tok("The cat sat on the mat because it was tired.", return_tensors="pt").to(DEVICE)
    with torch.no_grad():
        att = trained(**enc, output_attentions=True).attentions  # L × (1, H, T, T)
    plot_heads(att[2][0, :6], trained_tok.convert_ids_to_tokens(enc["input_ids"][0]),
               "all-MiniLM-L6-v2, layer 2, heads 0-5: trained weights")
else:
    print("MINIBERT_OFFICIAL_CHECKPOINT is not set: no trained heads to show")

# %% [markdown]
# ## The same numbers as the reference
#
# The tiny checkpoint stores the attention probabilities `transformers` computed on its 4-sentence batch, whose
# last row is *all* padding (what happens there? every score gets the same huge negative number, so the softmax
# is uniform, not NaN: the reason for "most negative finite" instead of -∞, see `minibert/masks.py`).

# %%
from safetensors.torch import load_file

stored = load_file(TINY / "reference_outputs.safetensors")
inputs = {k.removeprefix("inputs."): v.to(DEVICE) for k, v in stored.items() if k.startswith("inputs.")}
with torch.no_grad():
    ours = model(**inputs, output_attentions=True).attentions
for i, a in enumerate(ours):
    diff = (a.cpu() - stored[f"attentions.{i}"]).abs().max().item()
    print(f"layer {i}: probabilities max |Δ| = {diff:.2e}")
    assert diff <= 1e-5
Tpad = inputs["input_ids"].shape[1]
assert inputs["attention_mask"][3].sum() == 0 and torch.allclose(ours[0][3].cpu(), torch.full((H, Tpad, Tpad), 1 / Tpad))

# %% [markdown]
# ## Eager vs sdpa
#
# `config.attn_implementation = "sdpa"` (the default) calls `torch.nn.functional.scaled_dot_product_attention`:
# one fused kernel, which never materialises the (B, H, T, T) probabilities when it can avoid it. It cannot return
# them, so a call with `output_attentions=True` (or a head mask) takes the eager path. Same weights, same numbers:

# %%
import time

sdpa = BertModel.from_pretrained(TINY, attn_implementation="sdpa").to(DEVICE)
with torch.no_grad():
    a = model(**batch).last_hidden_state
    b = sdpa(**batch).last_hidden_state
diff = (a - b).abs().max().item()
print(f"eager vs sdpa on the padded batch: max |Δ| = {diff:.2e}")
assert diff <= 1e-5


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
# **What to remember.** Attention = softmax(QKᵀ/√d + M)V per head: scores measure how well query i matches key j,
# √d keeps them in the softmax's useful range, the additive mask silences padding, dropout drops whole keys during
# training, and the heads' outputs are concatenated. Next, notebook 05: what happens to that output.
