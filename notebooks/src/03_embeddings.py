# %% [markdown]
# # 03 · Embeddings: what the model does with an id
#
# **What you will understand by the end**
# * how BERT turns each token id into a vector: the sum of a *word* vector, a *position* vector and a
#   *token-type* (segment) vector, each a row of a learned table;
# * why the sum is followed by LayerNorm, and what LayerNorm computes;
# * what dropout does in training and why it does nothing at inference;
# * what the three tables look like, random (a random initialisation) and trained (the lesson's model, when its
#   weights are trained; the official MiniLM too, when present).
#
# Devlin et al. (2019), §3.1 and Figure 2: token t at position p in segment s is represented as
#
# $$E = \mathrm{LayerNorm}(W_\text{word}[t] + W_\text{pos}[p] + W_\text{type}[s])$$
#
# followed by dropout. Unlike the sinusoids of the original Transformer, all three tables are learned. One vector
# carries *what* the token is, *where* it stands and *which sentence* it belongs to.
#
# Module: `minibert/bert/embeddings.py`. Exercises: LayerNorm (4), then the whole embedding layer (5), which uses it.

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
# ## The three tables
#
# Each is an `nn.Embedding`: a (rows, C) matrix, and looking up id i returns row i.

# %%
from minibert import BertModel, BertTokenizer

tokenizer = BertTokenizer.from_pretrained(MODEL)
model = BertModel.from_pretrained(MODEL).to(DEVICE)
emb = model.embeddings
C = model.config.hidden_size
for name in ("word_embeddings", "position_embeddings", "token_type_embeddings"):
    print(f"{name:<22} {tuple(getattr(emb, name).weight.shape)}")
assert emb.word_embeddings.weight.shape == (model.config.vocab_size, C)
assert emb.position_embeddings.weight.shape == (model.config.max_position_embeddings, C)
assert emb.token_type_embeddings.weight.shape == (model.config.type_vocab_size, C)

# %% [markdown]
# ## The sum, by hand
#
# For a sentence pair, look the three vectors up ourselves and add them. Positions are simply 0, 1, ..., T-1;
# token types come from the tokenizer (0 for the first segment, 1 for the second).

# %%
enc = tokenizer("Where is the cat?", "It sleeps on the mat.", return_tensors="pt").to(DEVICE)
ids, types = enc["input_ids"], enc["token_type_ids"]  # (1, T) each
T = ids.shape[1]
positions = torch.arange(T, device=DEVICE).unsqueeze(0)  # (1, T)

with torch.no_grad():
    word = emb.word_embeddings(ids)  # (1, T, C): what
    pos = emb.position_embeddings(positions)  # (1, T, C): where
    seg = emb.token_type_embeddings(types)  # (1, T, C): which segment
    summed = word + pos + seg  # (1, T, C)
print("sum:", tuple(summed.shape))
assert torch.equal(word[0, 3], emb.word_embeddings.weight[ids[0, 3]])  # a lookup is just a row

# %% [markdown]
# ## LayerNorm
#
# Layer normalisation (Ba et al., 2016) rescales each token's vector to mean 0 and variance 1 over its C features,
# then applies a learned per-feature gain γ and shift β:
#
# $$\mathrm{LayerNorm}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta,\qquad
#   \mu = \tfrac{1}{C}\textstyle\sum_i x_i,\ \ \sigma^2 = \tfrac{1}{C}\textstyle\sum_i (x_i - \mu)^2$$
#
# WHY here: the three vectors come from three tables with their own scales; after the sum, LayerNorm puts every
# token on a common scale before the first attention layer. Note the *biased* variance (divide by C, not C-1).

# %% [markdown]
# **Your turn: exercise 4, `layer_norm`.** Before you read the next cell, write LayerNorm over the last dimension with the formula above (biased variance, ε inside the root). Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/layer_norm.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 4 --impl my_exercises`.
#
# *Predict, then run:* after LayerNorm, will every token's standard deviation be exactly 1? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_layer_norm(x, weight, bias, eps):
#     ...  # your code
my_layer_norm = None  # <- delete this line once your function is written above; None skips the grading
grade("layer_norm", my_layer_norm)

# %% [answer]
ln = emb.LayerNorm
with torch.no_grad():
    mu = summed.mean(-1, keepdim=True)  # (1, T, 1)
    var = summed.var(-1, unbiased=False, keepdim=True)  # (1, T, 1)
    by_hand = ln.weight * (summed - mu) / torch.sqrt(var + ln.eps) + ln.bias  # (1, T, C)
    module_out = emb(ids, types)  # eval mode: dropout is off
diff = (by_hand - module_out).abs().max().item()
print(f"by hand vs BertEmbeddings: max |Δ| = {diff:.2e}")
assert diff < 1e-5

# %% [stub]
# Your turn (exercise 4, `layer_norm`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's LayerNorm module stands in for it, so the lesson runs on.
ln = emb.LayerNorm
with torch.no_grad():
    by_hand = ln(summed)  # (1, T, C)
    module_out = emb(ids, types)  # eval mode: dropout is off

# %%
# Not exactly 1 after: γ and β, the LayerNorm's own parameters, rescale and shift each feature.
gamma, beta = ln.weight.detach(), ln.bias.detach()
print(f"{CHOICE.label(model.config)}: γ mean {gamma.mean():.3f} (std {gamma.std():.3f}), "
      f"β mean {beta.mean():+.3f} (std {beta.std():.3f})")
print("before LayerNorm: per-token std", summed.std(-1, unbiased=False)[0, :5].cpu().numpy().round(4))
print("after  LayerNorm: per-token std", module_out.std(-1, unbiased=False)[0, :5].cpu().numpy().round(4))

# %% [markdown]
# **Your turn: exercise 5, `embeddings`.** Before you read the next cell, write the whole embedding layer yourself, in one function: the three table lookups (word, position, token type) you just did by hand, their sum, then your LayerNorm. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/embeddings.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 5 --impl my_exercises`.
#
# *Predict, then run:* minibert's embedding layer against the reference's (`transformers`) on the reference's own batch: bit for bit, or how far apart? The cell after the grading shows it; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_embeddings(input_ids, token_type_ids, word_embeddings, position_embeddings, token_type_embeddings, ln_weight, ln_bias, eps):
#     ...  # your code
my_embeddings = None  # <- delete this line once your function is written above; None skips the grading
grade("embeddings", my_embeddings)

# %% [markdown]
# The same numbers as the reference: the embedding output `transformers` computes (`hidden_states.0`), stored
# with the project's checkpoints, or computed now when `transformers` is installed.

# %%
from minibert.parity.reference import lesson_reference

stored = lesson_reference(MODEL)  # the stored file next to the weights, or transformers now, or None
if stored is not None:
    with torch.no_grad():
        ours = emb(stored["inputs.input_ids"].to(DEVICE), stored["inputs.token_type_ids"].to(DEVICE))
    diff = (ours.cpu() - stored["hidden_states.0"]).abs().max().item()
    n_rows = stored["inputs.input_ids"].shape[0]
    print(f"vs the reference's embedding output on its {n_rows}-sentence batch: max |Δ| = {diff:.2e}")
    assert diff <= 1e-5

# %% [markdown]
# ## Dropout
#
# Dropout (Srivastava et al., 2014) zeroes each value with probability p during training and scales the survivors
# by 1/(1-p), so the expected value is unchanged; at inference (`model.eval()`) it is the identity. It forces the
# model not to rely on any single feature. BERT uses p = `hidden_dropout_prob` = 0.1.

# %%
p = emb.dropout.p
emb.train()
torch.manual_seed(0)
with torch.no_grad():
    dropped = emb(ids, types)
emb.eval()
zeros = dropped == 0
print(f"p = {p}: {zeros.float().mean().item():.1%} of {zeros.numel()} values zeroed")
assert torch.allclose(dropped[~zeros], module_out[~zeros] / (1 - p), atol=1e-6)  # survivors scaled by 1/(1-p)

# %% [markdown]
# ## What the tables look like
#
# Left: the three vectors of each token of our pair, and their sum after LayerNorm. Right: cosine similarity
# between position vectors, for a random table (`checkpoints/tiny-bert`, a random initialisation: N(0, 1), drawn on
# a larger scale than BERT's N(0, 0.02²) so that every term of the sum visibly matters, see
# `scripts/make_reference_checkpoints.py`), for the lesson's model, and for the official MiniLM when
# `MINIBERT_OFFICIAL_CHECKPOINT` points at it; each title says which model and whether it is trained. In a random
# table positions are unrelated to each other: only the diagonal is bright. In a *trained* model neighbouring
# positions get similar vectors: a bright band along the diagonal that the model learned from data alone.

# %%
import matplotlib.pyplot as plt
from safetensors import safe_open

from minibert import BertConfig


def cosine_matrix(table):  # (P, C) -> (P, P)
    unit = torch.nn.functional.normalize(table.float(), dim=-1)
    return unit @ unit.T


random_model = BertModel.from_pretrained(TINY)
RANDOM_LABEL = resolve_model(TINY, verbose=False).label(random_model.config)  # untrained, for contrast
tables = {RANDOM_LABEL: random_model.embeddings.position_embeddings.weight.detach().cpu()}
if CHOICE.label() != resolve_model(TINY, verbose=False).label():  # the lesson's own model, unless it is that one
    tables[CHOICE.label(model.config)] = emb.position_embeddings.weight.detach().cpu()
official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
OFFICIAL_LABEL = None
if official and (Path(official) / "model.safetensors").is_file():
    with safe_open(str(Path(official) / "model.safetensors"), framework="pt") as f:
        key = next(k for k in f.keys() if k.endswith("embeddings.position_embeddings.weight"))
        OFFICIAL_LABEL = resolve_model(official, verbose=False).label(BertConfig.from_pretrained(official))
        tables[OFFICIAL_LABEL] = f.get_tensor(key)
else:
    print("MINIBERT_OFFICIAL_CHECKPOINT is not set: no official checkpoint to show")

tokens = tokenizer.convert_ids_to_tokens(ids[0])
fig, axes = plt.subplots(1, 1 + len(tables), figsize=(5 + 4 * len(tables), 4))
parts = torch.cat([word[0], pos[0], seg[0], module_out[0]], dim=-1).cpu()  # (T, 4C)
axes[0].imshow(parts, aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3, interpolation="nearest")
axes[0].set_yticks(range(T), tokens)
axes[0].set_xticks([C / 2, 3 * C / 2, 5 * C / 2, 7 * C / 2], ["word", "position", "type", "LayerNorm(sum)"])
axes[0].set_title("the parts of each token's embedding")
for ax, (name, table) in zip(axes[1:], tables.items()):
    sim = cosine_matrix(table[:64])
    ax.imshow(sim, cmap="viridis", vmin=-0.2, vmax=1)
    ax.set_title(f"position cosine similarity\n{name}")
    ax.set_xlabel("position")
    ax.set_ylabel("position")
fig.tight_layout()
plt.show()

neighbour_cosine = {name: cosine_matrix(table[:64]).diagonal(offset=1).mean().item() for name, table in tables.items()}
for name, value in neighbour_cosine.items():
    print(f"{name}: mean cosine between neighbouring positions {value:+.3f}")
neighbours = neighbour_cosine[RANDOM_LABEL]
assert abs(neighbours) < 0.1  # random vectors in 32 dimensions: nearly orthogonal
if OFFICIAL_LABEL is not None:
    assert neighbour_cosine[OFFICIAL_LABEL] > neighbours + 0.3  # training made neighbours alike

# %% [markdown]
# **What to remember.** An id becomes a vector by three lookups and a sum; LayerNorm normalises each token's
# vector over its features; dropout is active only in training. Position is not built in: it is learned, and a
# trained table shows it. Next, notebook 04: how tokens look at each other.
