# %% [markdown]
# # 05 · Attention output and feed-forward: the rest of a layer
#
# **What you will understand by the end**
# * the *sublayer* pattern every BERT layer uses twice: `LayerNorm(x + Dropout(f(x)))`, and why the residual
#   connection is there;
# * the attention output (`BertSelfOutput`): one linear layer that mixes the heads, then the sublayer;
# * the feed-forward block (`BertIntermediate` + `BertOutput`): widen C → 4C, GELU, narrow back, sublayer;
# * GELU, exactly and in its tanh approximation, and how far apart they are.
#
# One encoder layer (Vaswani et al., 2017, §3.1 and §3.3; BERT keeps this "post-LayerNorm" ordering):
#
# $$a = \mathrm{LayerNorm}(x + \mathrm{Dropout}(W_O\,\mathrm{Attention}(x) + b_O))$$
# $$y = \mathrm{LayerNorm}(a + \mathrm{Dropout}(W_2\,\mathrm{GELU}(W_1 a + b_1) + b_2))$$
#
# Modules: `minibert/bert/attention.py` (`BertSelfOutput`),
# `minibert/bert/feed_forward.py`, `minibert/bert/activations.py`,
# `minibert/bert/layer.py`. Exercises: exact GELU, the residual + LayerNorm sublayer.

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
# ## Inputs for layer 0
#
# We take the standard batch the reference's outputs are computed on (padded; the cell prints its size and the
# model) and record what enters and leaves each module of layer 0 with forward hooks.

# %%
from minibert import BertModel, BertTokenizer
from minibert.parity.reference import REFERENCE_TEXTS, lesson_reference
from minibert.bert.masks import extended_attention_mask

model = BertModel.from_pretrained(MODEL).to(DEVICE)
layer = model.encoder.layer[0]
stored = lesson_reference(MODEL)  # the stored file next to the weights, or transformers now, or None
if stored is not None:
    inputs = {k.removeprefix("inputs."): v.to(DEVICE) for k, v in stored.items() if k.startswith("inputs.")}
else:  # the same texts, tokenized here: everything but the comparison with the reference still runs
    texts = [" ".join(t) if isinstance(t, tuple) else t for t in REFERENCE_TEXTS]
    inputs = BertTokenizer.from_pretrained(MODEL)(texts, padding=True, return_tensors="pt").to(DEVICE)
print(f"{CHOICE.label(model.config)}: a batch of {inputs['input_ids'].shape[0]} sentences, "
      f"padded to {inputs['input_ids'].shape[1]} tokens")

seen = {}
hooks = [m.register_forward_hook(lambda mod, args, out, name=name: seen.__setitem__(name, (args, out)))
         for name, m in [("self", layer.attention.self), ("attn_out", layer.attention.output),
                         ("intermediate", layer.intermediate), ("output", layer.output)]]
with torch.no_grad():
    model(**inputs)
for h in hooks:
    h.remove()
x = seen["self"][0][0]  # (B, T, C): the layer's input (the embeddings)
context = seen["self"][1][0]  # (B, T, C): the heads' outputs side by side (notebook 04)
print("layer input", tuple(x.shape), " attention context", tuple(context.shape))

# %% [markdown]
# ## The attention output sublayer
#
# The context vectors are the H heads' d-dimensional outputs side by side; a (C, C) linear layer `dense` mixes
# them. Then the sublayer: dropout (off in eval mode), add the input back, LayerNorm.
#
# WHY the residual (He et al., 2016): the layer only has to learn a *correction* to x, and the gradient reaches the
# layers below through the "+ x" path undiminished, whatever f does. WHY LayerNorm after it: the sum of two
# vectors would otherwise grow layer after layer.

# %% [markdown]
# **Your turn: exercise 10, `add_and_norm`.** Before you read the next cell, write the residual sublayer: LayerNorm(x + dense(h)). Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/add_and_norm.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 10 --impl my_exercises`.
#
# *Predict, then run:* the by-hand sublayer and `BertSelfOutput` do the same operations: will they agree exactly, or only to ~1e-7? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_add_and_norm(hidden_states, input_tensor, dense_weight, dense_bias, ln_weight, ln_bias, eps):
#     ...  # your code
my_add_and_norm = None  # <- delete this line once your function is written above; None skips the grading
grade("add_and_norm", my_add_and_norm)

# %% [answer]
out_mod = layer.attention.output  # BertSelfOutput
with torch.no_grad():
    a = out_mod.LayerNorm(x + out_mod.dense(context))  # (B, T, C)
diff = (a - seen["attn_out"][1]).abs().max().item()
print(f"by hand vs BertSelfOutput: max |Δ| = {diff:.2e}")
assert diff < 1e-6

# %% [stub]
# Your turn (exercise 10, `add_and_norm`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's BertSelfOutput stands in for it, so the lesson runs on.
out_mod = layer.attention.output  # BertSelfOutput
with torch.no_grad():
    a = out_mod(context, x)  # (B, T, C)

# %% [markdown]
# ## GELU
#
# The Gaussian Error Linear Unit (Hendrycks & Gimpel, 2016) weights its input by the probability that a standard
# normal variable is below it: GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)). Smooth where ReLU has a kink, slightly
# negative for x < 0. BERT's original TensorFlow code used the tanh approximation
# ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), called `gelu_new` in configs; `hidden_act: "gelu"` is the exact one.
# The two are close, but not equal: loading a checkpoint with the wrong one changes every layer's output.

# %% [markdown]
# **Your turn: exercise 1, `gelu`.** Before you read the next cell, write exact GELU, x·Φ(x), with `torch.erf` (not the tanh approximation). Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/gelu.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 1 --impl my_exercises`.
#
# *Predict, then run:* near which x are exact GELU and its tanh approximation furthest apart, and by about how much? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_gelu(x):
#     ...  # your code
my_gelu = None  # <- delete this line once your function is written above; None skips the grading
grade("gelu", my_gelu)

# %%
import math

import matplotlib.pyplot as plt

from minibert.bert.activations import gelu, gelu_new

xs = torch.linspace(-5, 5, 1001, dtype=torch.float64)

# %% [answer]
exact = 0.5 * xs * (1 + torch.erf(xs / math.sqrt(2)))  # x·Φ(x)
approx = 0.5 * xs * (1 + torch.tanh(math.sqrt(2 / math.pi) * (xs + 0.044715 * xs**3)))
assert torch.allclose(gelu(xs), exact, atol=1e-12) and torch.allclose(gelu_new(xs), approx, atol=1e-12)
gap = (exact - approx).abs()
print(f"max |GELU - tanh approximation| = {gap.max().item():.1e} at x = {xs[gap.argmax()].item():+.2f}")
assert 1e-4 < gap.max().item() < 1e-3  # close, but far above fp32 rounding (~1e-7)

# %% [stub]
# Your turn (exercise 1, `gelu`): the worked answer that stood here is yours to write, in the cell above.
# Until then minibert's gelu stands in for it, so the lesson runs on.
exact, approx = gelu(xs), gelu_new(xs)
gap = (exact - approx).abs()
print(f"max |GELU - tanh approximation| = {gap.max().item():.1e} at x = {xs[gap.argmax()].item():+.2f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
ax1.plot(xs, exact, label="GELU, exact: x·Φ(x)")
ax1.plot(xs, approx, "--", label="tanh approximation (gelu_new)")
ax1.plot(xs, torch.relu(xs), ":", color="gray", label="ReLU")
ax1.set_xlabel("x")
ax1.legend()
ax1.set_title("GELU and its tanh approximation")
ax2.plot(xs, exact - approx)
ax2.axhline(0, color="gray", lw=0.5)
ax2.set_xlabel("x")
ax2.set_title("exact − approximation")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The feed-forward block
#
# `BertIntermediate`: a linear layer C → I (I = `intermediate_size`, 4·C in BERT) and GELU. `BertOutput`: a linear
# layer I → C, then the sublayer (dropout, + a, LayerNorm). It acts on every position separately: attention mixes
# information *between* tokens, this block transforms each token on its own.

# %%
inter, out = layer.intermediate, layer.output
with torch.no_grad():
    h = gelu(inter.dense(a))  # (B, T, I)
    y = out.LayerNorm(a + out.dense(h))  # (B, T, C)
print("a", tuple(a.shape), "→ intermediate", tuple(h.shape), "→ output", tuple(y.shape))
assert h.shape[-1] == model.config.intermediate_size and y.shape == x.shape
assert torch.allclose(h, seen["intermediate"][1], atol=1e-6) and torch.allclose(y, seen["output"][1], atol=1e-6)

params = {name: sum(p.numel() for p in m.parameters()) for name, m in
          [("attention", layer.attention), ("feed-forward", torch.nn.ModuleList([inter, out]))]}
share = params["feed-forward"] / sum(params.values())
print(f"parameters of layer 0: {params}, feed-forward share {share:.0%}")
assert 0.6 < share < 0.7  # 2·C·4C of 4·C² + 8·C²: two thirds of a layer

# %% [markdown]
# Because the block is position-wise, it can run over the sequence in chunks (`config.chunk_size_feed_forward`,
# from Reformer, Kitaev et al., 2020): the (B, T, 4C) intermediate then exists for one chunk at a time, and the
# result is the same.

# %%
from minibert.bert.feed_forward import apply_in_chunks

with torch.no_grad():
    chunked = apply_in_chunks(layer.feed_forward_chunk, 3, 1, a)  # chunks of 3 positions
print(f"chunked vs whole: max |Δ| = {(chunked - y).abs().max().item():.1e}")
assert torch.allclose(chunked, y, atol=1e-6)

# %% [markdown]
# ## The same numbers as the reference
#
# The reference outputs include every module's output (`transformers`' forward hooks on the same batch).

# %%
from minibert.loading.reference_outputs import stored_module_outputs
from minibert.parity.table import capture

if stored is None:
    print("no reference outputs for this model (see above): comparison skipped")
else:
    ours, theirs = capture(model, inputs), stored_module_outputs(stored)
    last = model.config.num_hidden_layers - 1
    for name in ["encoder.layer.0.attention.output", "encoder.layer.0.intermediate", "encoder.layer.0.output",
                 f"encoder.layer.{last}.output"]:
        diff = (ours[name].cpu() - theirs[name]).abs().max().item()
        print(f"{name:<35} {tuple(ours[name].shape)}  max |Δ| = {diff:.1e}")
        assert diff <= 1e-5

# %% [markdown]
# **What to remember.** A layer is two sublayers of the same shape, LayerNorm(x + f(x)): f = attention, then
# f = Linear–GELU–Linear on each position. The residual path keeps gradients flowing; the feed-forward block holds
# two thirds of the weights. Next, notebook 06: stacking layers.
