# %% [markdown]
# # 06 · The encoder stack: layer after layer
#
# **What you will understand by the end**
# * that `BertEncoder` is a plain loop over identical-shaped `BertLayer`s, and what `output_hidden_states` returns;
# * how the token vectors change from layer to layer;
# * gradient checkpointing: what it stores, what it recomputes, and what it buys, *measured*: peak activation
#   memory and time of a training step, with and without it, as the stack grows.
#
# Every layer maps (B, T, C) to (B, T, C), so layers stack: BERT-base has 12, our tiny checkpoint 2. Training
# keeps every intermediate activation of every layer for the backward pass, so activation memory grows linearly
# with depth. Gradient checkpointing (Chen et al., 2016, "Training Deep Nets with Sublinear Memory Cost") keeps
# only each layer's *input* and recomputes the layer's internals during backward: memory for one layer's
# internals plus L inputs, for the price of one more forward pass per layer.
#
# Modules: `minibert/encoder.py`, `minibert/layer.py`,
# `minibert/pretrained.py` (`gradient_checkpointing_enable`).

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
# ## Hidden states, layer by layer
#
# `output_hidden_states=True` returns L + 1 tensors: the embeddings, then each layer's output. The last one is
# `last_hidden_state`. Running the layers ourselves in a loop gives the same tensors.

# %%
from minibert import BertModel, BertTokenizer
from minibert.masks import extended_attention_mask

tokenizer = BertTokenizer.from_pretrained(TINY)
model = BertModel.from_pretrained(TINY).to(DEVICE)
batch = tokenizer(["The quick brown fox jumps over the lazy dog.", "Hello world!"], padding=True,
                  return_tensors="pt").to(DEVICE)
with torch.no_grad():
    out = model(**batch, output_hidden_states=True)
L = model.config.num_hidden_layers
print(f"{len(out.hidden_states)} hidden states:", [tuple(h.shape) for h in out.hidden_states])
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
# How much does each layer change the vectors? Below, for each layer, the mean cosine similarity of a token's
# vector with its vector one layer down (how much the layer *keeps*), and the mean cosine similarity between
# different tokens of the same sentence (how alike the tokens become). With `MINIBERT_OFFICIAL_CHECKPOINT` set,
# the trained 6-layer MiniLM is shown next to the random tiny model.

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
with torch.no_grad():
    stats["tiny-bert (random)"] = layer_stats(model(**enc, output_hidden_states=True).hidden_states,
                                              enc["input_ids"].shape[1])
official = os.environ.get("MINIBERT_OFFICIAL_CHECKPOINT")
if official:
    trained, trained_tok = BertModel.from_pretrained(official).to(DEVICE), BertTokenizer.from_pretrained(official)
    enc = trained_tok(sentence, return_tensors="pt").to(DEVICE)
    with torch.no_grad():
        stats["all-MiniLM-L6-v2 (trained)"] = layer_stats(trained(**enc, output_hidden_states=True).hidden_states,
                                                          enc["input_ids"].shape[1])
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
# ## Gradient checkpointing: same gradients
#
# `model.gradient_checkpointing_enable()` wraps each layer in `torch.utils.checkpoint` (non-reentrant). The
# recomputation replays the same dropout masks (the RNG state is saved and restored), so even in training mode the
# gradients are those of a normal step. The last layer is left out: backward starts with it, so recomputing it
# would rebuild at once what we had just dropped, at no saving in peak memory (see `minibert/encoder.py`).

# %%
def grads_of_one_step(m, batch, seed=0):
    m.train()
    m.zero_grad(set_to_none=True)
    torch.manual_seed(seed)  # the same dropout masks in both runs
    m(**batch).last_hidden_state.pow(2).mean().backward()
    return {name: p.grad.clone() for name, p in m.named_parameters() if p.grad is not None}


plain = grads_of_one_step(model, batch)
model.gradient_checkpointing_enable()
checkpointed = grads_of_one_step(model, batch)
model.gradient_checkpointing_disable()
worst = max((plain[k] - checkpointed[k]).abs().max().item() for k in plain)
print(f"{len(plain)} parameter gradients, max |Δ| with vs without checkpointing = {worst:.1e}")
assert plain.keys() == checkpointed.keys() and worst < 1e-6

# %% [markdown]
# ## Gradient checkpointing: memory and time, measured
#
# A random model, small enough to train a step in a fraction of a second (C = 64, T = 128, B = 4), with 2, 4 and 8
# layers. Memory is measured by counting bytes: a `TorchDispatchMode` sees every tensor that every operation of
# the forward *and* backward pass creates, adds its size when it is made and subtracts it when it is freed, and
# records the peak. (That counts exactly the activations, gradients and temporaries of the step, on any device;
# on CUDA we also read the allocator's own peak.) Time is the best of 3 steps.

# %%
import time
import weakref

from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from minibert import BertConfig


class PeakTensorMemory(TorchDispatchMode):
    """Peak bytes of tensors alive that were created inside the `with` block (views share memory: not counted)."""

    def __init__(self):
        super().__init__()
        self.live = self.peak = 0

    def _freed(self, nbytes):
        self.live -= nbytes

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and not t._is_view() and t.untyped_storage().nbytes():
                nbytes = t.untyped_storage().nbytes()
                self.live += nbytes
                self.peak = max(self.peak, self.live)
                weakref.finalize(t, self._freed, nbytes)  # runs when the tensor is released
        return out


def train_step(m, ids):
    m(input_ids=ids).last_hidden_state.pow(2).mean().backward()
    m.zero_grad(set_to_none=True)


def measure(m, ids):
    """(PeakTensorMemory meter of one step, best-of-3 seconds per step), after a warm-up step."""
    train_step(m, ids)  # warm-up
    with PeakTensorMemory() as meter:
        train_step(m, ids)
    seconds = float("inf")
    for _ in range(3):
        if DEVICE == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        train_step(m, ids)
        if DEVICE == "cuda":
            torch.cuda.synchronize()
        seconds = min(seconds, time.perf_counter() - start)
    return meter, seconds


results = []  # (layers, checkpointing, peak MiB, seconds)
ids = torch.randint(0, 1000, (4, 128), device=DEVICE)
for n_layers in (2, 4, 8):
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=n_layers, num_attention_heads=4,
                     intermediate_size=256, max_position_embeddings=128)
    m = BertModel(cfg).to(DEVICE).train()
    for ckpt in (False, True):
        m.gradient_checkpointing_enable() if ckpt else m.gradient_checkpointing_disable()
        meter, seconds = measure(m, ids)
        line = f"L={n_layers} checkpointing={'on ' if ckpt else 'off'}: peak {meter.peak / 2**20:6.1f} MiB, " \
               f"{seconds * 1e3:6.1f} ms per step"
        if DEVICE == "cuda":
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            train_step(m, ids)
            line += f"  (CUDA allocator: {(torch.cuda.max_memory_allocated() - base) / 2**20:.1f} MiB)"
        print(line)
        results.append((n_layers, ckpt, meter.peak / 2**20, seconds))

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for ckpt, style in ((False, "o-"), (True, "s--")):
    rows = [r for r in results if r[1] == ckpt]
    label = "with checkpointing" if ckpt else "without"
    ax1.plot([r[0] for r in rows], [r[2] for r in rows], style, label=label)
    ax2.plot([r[0] for r in rows], [r[3] * 1e3 for r in rows], style, label=label)
ax1.set(xlabel="layers", ylabel="peak MiB (measured)", title="memory of one training step")
ax2.set(xlabel="layers", ylabel="ms per step (best of 3)", title="time of one training step")
for ax in (ax1, ax2):
    ax.set_xticks([2, 4, 8])
    ax.legend()
fig.tight_layout()
plt.show()

peak = {(r[0], r[1]): r[2] for r in results}
growth_plain = peak[(8, False)] - peak[(2, False)]
growth_ckpt = peak[(8, True)] - peak[(2, True)]
seconds = {(r[0], r[1]): r[3] for r in results}
print(f"6 more layers cost {growth_plain:.1f} MiB without checkpointing and {growth_ckpt:.1f} MiB with it")
print(f"at 8 layers a checkpointed step took {seconds[(8, True)] / seconds[(8, False)]:.2f}x as long")
assert peak[(8, True)] < 0.5 * peak[(8, False)]  # checkpointing at least halves the peak at 8 layers
assert growth_ckpt < 0.25 * growth_plain  # ... because each extra layer now costs only its input

# %% [markdown]
# ## Selective recomputation: keep what is expensive to rebuild
#
# Full checkpointing recomputes a whole layer, its big matrix multiplications included. Most of a layer's
# *memory* is elsewhere: the (B, H, T, T) attention scores, probabilities and dropout mask, the GELU input and output,
# LayerNorm statistics, all cheap to recompute. `minibert.selective_recompute` (Korthikanti et al., 2022) is a
# `context_fn` for `torch.utils.checkpoint` that keeps the outputs of the linear layers' matmuls and recomputes only
# the rest. Same gradients and a memory figure between "off" and "on". Time is another matter at this size: the
# policy is applied by a Python dispatch mode that looks at every operation, and on a model with C = 64 that
# bookkeeping costs more than the skipped matmuls save. At bert-base size the matmuls dominate and selective
# recomputation is the cheaper option (`benchmarks/results/advanced.md`, row 4 of `benchmarks/run.py`).

# %%
from minibert import selective_recompute

m.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"context_fn": selective_recompute})  # 8 layers
meter, sel_seconds = measure(m, ids)
m.gradient_checkpointing_disable()
print(f"L=8 off:       peak {peak[(8, False)]:6.1f} MiB, {seconds[(8, False)] * 1e3:6.1f} ms per step")
print(f"L=8 selective: peak {meter.peak / 2**20:6.1f} MiB, {sel_seconds * 1e3:6.1f} ms per step")
print(f"L=8 on:        peak {peak[(8, True)]:6.1f} MiB, {seconds[(8, True)] * 1e3:6.1f} ms per step")
assert peak[(8, True)] < meter.peak / 2**20 < peak[(8, False)]

# %% [markdown]
# Without checkpointing, every layer adds its internals (Q, K, V, the (B, H, T, T) scores and probabilities, the
# (B, T, 4C) feed-forward activations, dropout masks) to the peak; with it, a layer adds only its (B, T, C) input.
# The price is time: each layer's forward runs twice. The textbook estimate is a third more per step (a forward
# pass is about a third of forward + backward); a model this small pays more for the extra Python and kernel-launch
# overhead, and timings on a shared CPU are noisy. The memory numbers are exact counts and do not vary.
#
# **What to remember.** The encoder is a loop; `output_hidden_states` hands you every step of it. Checkpointing
# trades compute for memory: the same gradients, far less activation memory, one extra forward pass. Next,
# notebook 07: what sits on top of the stack.
