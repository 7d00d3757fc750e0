# %% [markdown]
# # 06 · The encoder stack: layer after layer
#
# **What you will understand by the end**
# * that `BertEncoder` is a plain loop over identical-shaped `BertLayer`s, and what `output_hidden_states` returns;
# * that one `BertLayer` is two sublayers, each closed by the residual add-and-norm of notebook 05;
# * how the token vectors change from layer to layer.
#
# Every layer maps (B, T, C) to (B, T, C), so layers stack: BERT-base has 12; the first cell below prints how many
# the lesson's model has. What the stack costs in memory and time, and how to pay less (gradient checkpointing, chunking, unpadded inference), is
# notebook 12, "memory and speed".
#
# Modules: `minibert/bert/encoder.py`, `minibert/bert/layer.py`.

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
# ## Hidden states, layer by layer
#
# `output_hidden_states=True` returns L + 1 tensors: the embeddings, then each layer's output. The last one is
# `last_hidden_state`. Running the layers ourselves in a loop gives the same tensors.

# %%
from minibert import BertModel, BertTokenizer
from minibert.bert.masks import extended_attention_mask

tokenizer = BertTokenizer.from_pretrained(MODEL)
model = BertModel.from_pretrained(MODEL).to(DEVICE)
batch = tokenizer(["The quick brown fox jumps over the lazy dog.", "Hello world!"], padding=True,
                  return_tensors="pt").to(DEVICE)
with torch.no_grad():
    out = model(**batch, output_hidden_states=True)
L = model.config.num_hidden_layers
print(f"{CHOICE.label(model.config)}: {len(out.hidden_states)} hidden states (the embeddings, then each layer's):",
      [tuple(h.shape) for h in out.hidden_states])
assert len(out.hidden_states) == L + 1
assert torch.equal(out.hidden_states[-1], out.last_hidden_state)

mask = extended_attention_mask(batch["attention_mask"], torch.float32)  # (B, 1, 1, T)
with torch.no_grad():
    h = model.embeddings(batch["input_ids"], batch["token_type_ids"])  # (B, T, C)
    assert torch.equal(h, out.hidden_states[0])
    for i, layer in enumerate(model.encoder.layer):
        h, _ = layer(h, mask)  # (B, T, C) -> (B, T, C)
        assert torch.allclose(h, out.hidden_states[i + 1], atol=1e-6)
print("the loop by hand reproduces every hidden state")

# %% [markdown]
# ## One layer, by hand
#
# Each `BertLayer` in that loop is notebook 05's two sublayers, each closed by the same residual step: attention,
# then LayerNorm(x + Dense(attention's context)); the feed-forward's GELU(Dense(x)), then LayerNorm(x + Dense(it)).
#
# **Your turn (a recap of notebook 05): exercise 10, `add_and_norm`.** Before you read the next cell, write the residual sublayer, LayerNorm(x + Dense(h)), or bring the one you wrote in notebook 05; then, in the cell after the grading, build layer 0 of the stack from its sub-modules with it, twice. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/add_and_norm.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 10 --impl my_exercises`.
#
# *Predict, then run:* layer 0 composed by hand from attention, two add-and-norms and the feed-forward, against `model.encoder.layer[0]`: how far apart? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_add_and_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):
#     ...  # your code
my_add_and_norm = None  # <- delete this line once your function is written above; None skips the grading
grade("add_and_norm", my_add_and_norm)

# %% [answer]
def add_and_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):  # exercise 10
    y = input_tensor + hidden_states @ dense_weight.T + dense_bias  # the residual: the input plus Dense(h)
    return torch.nn.functional.layer_norm(y, y.shape[-1:], ln_weight, ln_bias, eps)


def close(h, x, part):  # part: the module that closes a sublayer (its .dense and .LayerNorm)
    return add_and_norm(h, x, part.dense.weight, part.dense.bias, part.LayerNorm.weight, part.LayerNorm.bias,
                        part.LayerNorm.eps)


first = model.encoder.layer[0]
with torch.no_grad():
    x = out.hidden_states[0]  # (B, T, C): the embeddings
    context = first.attention.self(x, mask)[0]  # (B, T, C): the heads, merged
    a = close(context, x, first.attention.output)  # sublayer 1: attention
    y = close(first.intermediate(a), a, first.output)  # sublayer 2: feed-forward, (B, T, 4C) -> (B, T, C)
    by_module = first(x, mask)[0]
diff = (y - by_module).abs().max().item()
print(f"layer 0 by hand vs BertLayer: max |Δ| = {diff:.1e}")
assert diff < 1e-5 * max(1.0, by_module.abs().max().item())

# %% [stub]
# Your turn (exercise 10, `add_and_norm`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's BertLayer stands in for it, so the lesson runs on.
first = model.encoder.layer[0]
with torch.no_grad():
    y = first(out.hidden_states[0], mask)[0]  # (B, T, C)

# %% [markdown]
# How much does each layer change the vectors? Below, for each layer, the mean cosine similarity of a token's
# vector with its vector one layer down (how much the layer *keeps*), and the mean cosine similarity between
# different tokens of the same sentence (how alike the tokens become). The legend names each model, its depth and
# whether it is trained: the lesson's model, a random initialisation of the same size for contrast, and, with
# `MINIBERT_OFFICIAL_CHECKPOINT` set, the official MiniLM.

# %%
import matplotlib.pyplot as plt
import torch.nn.functional as F


def layer_stats(hidden_states, n_tokens):
    keep, alike = [], []
    for lower, upper in zip(hidden_states[:-1], hidden_states[1:]):
        keep.append(F.cosine_similarity(lower[0, :n_tokens], upper[0, :n_tokens], dim=-1).mean().item())
    for h in hidden_states:
        unit = F.normalize(h[0, :n_tokens], dim=-1)
        sim = unit @ unit.T
        alike.append(((sim.sum() - n_tokens) / (n_tokens * (n_tokens - 1))).item())  # off-diagonal mean
    return keep, alike


sentence = "The cat sat on the mat because it was tired."
stats = {}
enc = tokenizer(sentence, return_tensors="pt").to(DEVICE)
torch.manual_seed(0)
random_init = BertModel(model.config).to(DEVICE).eval()  # the same architecture, never trained
with torch.no_grad():
    stats[CHOICE.label(model.config)] = layer_stats(model(**enc, output_hidden_states=True).hidden_states,
                                                    enc["input_ids"].shape[1])
    if CHOICE.trained:
        stats[f"{CHOICE.name}, {L} layers, from random init"] = layer_stats(
            random_init(**enc, output_hidden_states=True).hidden_states, enc["input_ids"].shape[1])
official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
if official:
    trained, trained_tok = BertModel.from_pretrained(official).to(DEVICE), BertTokenizer.from_pretrained(official)
    enc = trained_tok(sentence, return_tensors="pt").to(DEVICE)
    with torch.no_grad():
        stats[resolve_model(official, verbose=False).label(trained.config)] = layer_stats(
            trained(**enc, output_hidden_states=True).hidden_states, enc["input_ids"].shape[1])
print("models compared:", list(stats))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for name, (keep, alike) in stats.items():
    ax1.plot(range(1, len(keep) + 1), keep, "o-", label=name)
    ax2.plot(range(len(alike)), alike, "o-", label=name)
ax1.set(xlabel="layer", ylabel="cosine(token at layer l, same token at l-1)", title="how much each layer keeps")
ax2.set(xlabel="hidden state (0 = embeddings)", ylabel="mean cosine between tokens", title="how alike tokens are")
ax1.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# **What to remember.** The encoder is a loop; `output_hidden_states` hands you every step of it. What it costs
# in memory and time (gradient checkpointing, chunking, unpadded inference) is notebook 12. Next, notebook 07:
# what sits on top of the stack.
