# %% [markdown]
# # 12 · Memory and speed: where the time goes, and how to pay less
#
# **What you will understand by the end**
# * where a layer spends its time, operation by operation (the profiler's table);
# * what a layer costs: its FLOPs and its memory (parameters, and the activations a training step keeps), counted
#   from the config and measured;
# * gradient checkpointing: what it stores, what it recomputes, and what it buys, *measured*: peak activation
#   memory and time of a training step, with and without it, as the stack grows; and selective recomputation;
# * chunking the feed-forward: the same numbers with a smaller intermediate activation;
# * padding waste on real text, and unpadded inference: compute on the real tokens only, measured, and why the
#   outputs at real positions do not change.
#
# Training keeps every intermediate activation of every layer for the backward pass, so activation memory grows
# linearly with depth. Gradient checkpointing (Chen et al., 2016, "Training Deep Nets with Sublinear Memory Cost")
# keeps only each layer's *input* and recomputes the layer's internals during backward: memory for one layer's
# internals plus L inputs, for the price of one more forward pass per layer. And real text is not dense: a padded
# batch of texts of different lengths spends much of its arithmetic on [PAD].
#
# Modules: `minibert/bert/checkpointing.py`, `minibert/bert/feed_forward.py` (chunking), `minibert/bert/unpadding.py`,
# `minibert/compat/pretrained_model.py` (`gradient_checkpointing_enable`).

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
TINY = ROOT / "checkpoints" / "tiny-bert"
torch.manual_seed(0)
print(f"device: {DEVICE}   repository: {ROOT}")

# %% [markdown]
# ## Where the time goes: one layer, operation by operation
#
# `torch.profiler` records every operation a forward pass runs. One `BertLayer` at BERT-base width (C = 768,
# 12 heads, feed-forward 3072) on a batch of 8 × 128 tokens: the table lists the operations by their own time.
# The matrix multiplications of the six linear layers (`aten::addmm`) dominate; attention's own products,
# softmax, GELU and LayerNorm are the small rest. So time follows the number of *rows* the linear layers see.

# %%
import matplotlib.pyplot as plt
from torch.profiler import ProfilerActivity, profile

from minibert import BertConfig, BertModel, BertTokenizer
from minibert.bert.layer import BertLayer

base = BertConfig(hidden_size=768, num_attention_heads=12, intermediate_size=3072, num_hidden_layers=1)
layer = BertLayer(base).to(DEVICE).eval()
x = torch.randn(8, 128, 768, device=DEVICE)
with torch.inference_mode():
    layer(x)  # warm-up
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        layer(x)
events = prof.key_averages()
print(events.table(sort_by="self_cpu_time_total", row_limit=10))
total = sum(e.self_cpu_time_total for e in events)
gemm = sum(e.self_cpu_time_total for e in events if e.key in ("aten::addmm", "aten::mm", "aten::bmm"))
print(f"matrix multiplications: {gemm / total:.0%} of the layer's time")
ops = sorted(events, key=lambda e: -e.self_cpu_time_total)[:8]
fig, ax = plt.subplots(figsize=(7, 3))
ax.barh([e.key for e in ops][::-1], [e.self_cpu_time_total / 1e3 for e in ops][::-1], color="#4c72b0")
ax.set(xlabel="own CPU time (ms)", title="one BertLayer, 8 × 128 tokens, C = 768")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## How much work is that? FLOPs, counted and measured
#
# The products can be counted before anything runs: an (m, k) @ (k, n) product costs 2·m·k·n FLOPs (a multiply and
# an add per term). Per sequence of T tokens a layer multiplies (T, C) by (C, C) four times (query, key, value,
# output), every head multiplies (T, d) by (d, T) and (T, T) by (T, d) (scores and context: T² terms, 4·T²·C over
# all heads), and the feed-forward goes (T, C) @ (C, I) and back. The T² terms are why long inputs cost more
# than their length.
#
# **Your turn: exercise 22, `layer_flops`.** Before you read the next cell, write the count of one layer's matrix-multiplication FLOPs for one sequence, from hidden_size, num_attention_heads, intermediate_size and seq_len. Write it in the cell below
# (the signature and the task are in `minibert/exercises/stubs/layer_flops.py`) and run it: `grade` runs the
# exercise's grader on your function. Or work in files: `.venv/bin/python -m minibert.exercises init my_exercises`
# once, then `.venv/bin/python -m minibert.exercises grade 22 --impl my_exercises`.
#
# *Predict, then run:* at C = 768 and T = 128, what share of the layer's FLOPs are the attention products (the T² terms)? And at T = 2048? The next cell shows the answer; skip ahead whenever you like.

# %%
from minibert.exercises.notebook import grade

# def my_layer_flops(hidden_size, num_attention_heads, intermediate_size, seq_len):
#     ...  # your code
my_layer_flops = None  # <- delete this line once your function is written above; None skips the grading
grade("layer_flops", my_layer_flops)

# %% [answer]
def layer_flops(hidden_size, num_attention_heads, intermediate_size, seq_len):  # exercise 22
    C, I, T = hidden_size, intermediate_size, seq_len
    return 8 * T * C * C + 4 * T * T * C + 4 * T * C * I  # projections, scores + context (all heads), feed-forward


# %% [stub]
# Your turn (exercise 22, `layer_flops`): the worked answer that stood here is yours to write, in the cell above.
# Until then the benchmarks' formula (benchmarks/bench_model.py, forward_flops) stands in for it, for one layer.
def layer_flops(hidden_size, num_attention_heads, intermediate_size, seq_len):
    C, I, T = hidden_size, intermediate_size, seq_len
    return 8 * T * C * C + 4 * T * C * I + 4 * T * T * C


# %%
from torch.utils.flop_counter import FlopCounterMode

B, T = x.shape[:2]
counted = B * layer_flops(base.hidden_size, base.num_attention_heads, base.intermediate_size, T)
eager = BertLayer(BertConfig(hidden_size=768, num_attention_heads=12, intermediate_size=3072, num_hidden_layers=1,
                             attn_implementation="eager")).to(DEVICE).eval()  # its products one by one
counter = FlopCounterMode(display=False)  # counts every matrix product torch runs
with torch.inference_mode(), counter:
    eager(x)
measured = counter.get_total_flops()
print(f"one layer, {B} × {T} tokens: counted {counted / 1e9:.2f} GFLOP, measured by FlopCounterMode "
      f"{measured / 1e9:.2f} GFLOP")
if DEVICE == "cpu":  # the profile above timed the CPU's own matrix products
    print(f"in the profiled run: {counted / (gemm / 1e6) / 1e9:.0f} GFLOP/s in the matrix multiplications")
assert counted == measured
for length in (128, 512, 2048):
    share = 4 * length * length * base.hidden_size / layer_flops(base.hidden_size, base.num_attention_heads,
                                                                 base.intermediate_size, length)
    print(f"T = {length:4d}: the attention products are {share:.0%} of the layer's FLOPs")

# %% [markdown]
# ## How much memory is that? Parameters and activations, counted and measured
#
# Memory has two parts. The **parameters** are fixed by the config: per layer four (C, C) projections with their
# biases, the feed-forward's (C, I) and (I, C) with theirs, and two LayerNorms (a scale and a shift of C each); the
# whole model adds the embeddings (vocabulary, positions, token types, one LayerNorm) and the pooler. In fp32 each
# number takes 4 bytes (training with Adam keeps three more copies: the gradient and two moments).
#
# The **activations** a training step keeps grow with the batch B × T. Reading the layer's code
# (`minibert/bert/attention.py`, `minibert/bert/feed_forward.py`), these are the tensors backward needs, each kept
# once (a tensor two operations need is one storage):
# * (B, T, C), fp32, eight of them: the input of each Linear that reads a C-wide input (query, key and value share
#   the layer input x; the attention output's dense reads the merged context; the intermediate dense reads the first
#   LayerNorm's output), Q and Kᵀ for the scores product and V for the context product, and the input of each of the
#   two LayerNorms; each LayerNorm also keeps a mean and a 1/std per token (4 numbers of (B, T) in all);
# * (B, T, I), fp32, two: GELU's input (its derivative needs it) and its output, the second dense's input;
# * (B, H, T, T), the T² term: softmax's output (its backward needs it), the dropped probabilities (the context
#   product's input), and the dropout mask, 1 byte per element as a bool mask; with dropout off (p = 0 or eval) the
#   mask goes and the two probability tensors are one;
# * the two hidden dropouts' masks, (B, T, C) at 1 byte each.
#
# Divisions by a number, additions and reshapes keep nothing; the weights are parameters, not activations. This is
# the count of Korthikanti et al. (2022, "Reducing Activation Recomputation in Large Transformer Models", §4.1),
# there in 16-bit. Then measure: `torch.autograd.graph.saved_tensors_hooks` sees every tensor autograd saves for
# backward; one eager `BertLayer` forward in training mode, the unique storages' bytes summed, parameters left out.

# %%
def layer_param_count(c):
    C, I = c.hidden_size, c.intermediate_size
    return 4 * (C * C + C) + (C * I + I) + (I * C + C) + 2 * 2 * C  # Q, K, V, O; feed-forward; 2 LayerNorms


def model_param_count(c):
    C = c.hidden_size
    embeddings = (c.vocab_size + c.max_position_embeddings + c.type_vocab_size) * C + 2 * C
    return embeddings + c.num_hidden_layers * layer_param_count(c) + (C * C + C)  # + the pooler


bert_base = BertConfig()  # the defaults are BERT-base's
with torch.device("meta"):  # shapes only: no memory, no initialisation cost
    base_model = BertModel(bert_base)
assert layer_param_count(base) == sum(p.numel() for p in layer.parameters())
assert model_param_count(bert_base) == sum(p.numel() for p in base_model.parameters())
print(f"BertConfig() (C = {bert_base.hidden_size}, I = {bert_base.intermediate_size}, L = {bert_base.num_hidden_layers}, "
      f"vocabulary {bert_base.vocab_size}), fp32:")
print(f"  one layer: {layer_param_count(bert_base) / 1e6:.2f} M parameters = "
      f"{4 * layer_param_count(bert_base) / 2**20:.1f} MiB")
print(f"  the model: {model_param_count(bert_base) / 1e6:.1f} M parameters = "
      f"{4 * model_param_count(bert_base) / 2**20:.0f} MiB (x 4 with the gradient and Adam's two moments)")


def layer_activation_bytes(c, B, T, training=True):
    """Bytes one layer keeps for backward (fp32, bool masks), as (without the T² term, the T² term)."""
    C, I, H = c.hidden_size, c.intermediate_size, c.num_attention_heads
    p_hidden = c.hidden_dropout_prob if training else 0.0
    p_attn = c.attention_probs_dropout_prob if training else 0.0
    linear = 4 * (8 * B * T * C + 2 * B * T * I + 4 * B * T)  # the (B, T, C) and (B, T, I) tensors, LN statistics
    linear += 2 * B * T * C * (p_hidden > 0)  # the two hidden dropout masks, 1 byte per element
    square = B * H * T * T * ((4 + 4 + 1) if p_attn > 0 else 4)  # softmax out, dropped probs, mask; or one tensor
    return linear, square


lin, sq = layer_activation_bytes(bert_base, *x.shape[:2])
print(f"  one layer's activations for {x.shape[0]} × {x.shape[1]} tokens: {(lin + sq) / 2**20:.1f} MiB "
      f"({sq / 2**20:.1f} MiB of them the T² term)")

# %%
small = BertConfig(hidden_size=128, num_attention_heads=4, intermediate_size=512, num_hidden_layers=1,
                   attn_implementation="eager")
small_layer = BertLayer(small).to(DEVICE).train()
param_storages = {p.untyped_storage().data_ptr() for p in small_layer.parameters()}
scale = 1 / (1 - small.hidden_dropout_prob)
assert small.hidden_dropout_prob == small.attention_probs_dropout_prob  # so one value tells a mask


def saved_for_backward(m, inputs):
    """The tensors autograd saves in one forward of m, one per storage, parameters left out."""
    saved = {}

    def pack(t):
        if t.untyped_storage().data_ptr() not in param_storages:
            saved[t.untyped_storage().data_ptr()] = t
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        m(inputs)
    return list(saved.values())


def is_dropout_mask(t):  # a bool mask, or the multiplier it becomes: only 0 and 1 / (1 - p)
    values = t.unique()
    return t.dtype == torch.bool or (len(values) <= 2 and bool(torch.isin(values, values.new_tensor([0, scale])).all()))


B = 2
print(f"one BertLayer, C = {small.hidden_size}, H = {small.num_attention_heads}, I = {small.intermediate_size}, "
      f"dropout {small.hidden_dropout_prob}, training, eager attention, B = {B}, on {DEVICE}:")
for length in (64, 128, 256):
    saved = saved_for_backward(small_layer, torch.randn(B, length, small.hidden_size, device=DEVICE))
    measured = sum(t.untyped_storage().nbytes() for t in saved)
    lin, sq = layer_activation_bytes(small, B, length)
    masks = [t for t in saved if is_dropout_mask(t)]
    mask_numel = sum(t.numel() for t in masks)
    mask_measured = sum(t.untyped_storage().nbytes() for t in masks)
    print(f"  T = {length:3d}: computed {(lin + sq) / 1024:6.0f} KiB ({sq / 1024:5.0f} of them T²), measured "
          f"{measured / 1024:6.0f} KiB, measured / computed = {measured / (lin + sq):.3f}; dropout masks: "
          f"{len(masks)} saved as {masks[0].dtype}, {mask_measured / mask_numel:.0f} byte(s) per element")
    if DEVICE == "cpu":  # everything but the masks' bytes per element is as counted
        assert measured - mask_measured == lin + sq - mask_numel

# %% [markdown]
# On the CPU the measured bytes are above the count, and the gap is the dropout masks alone (the cell checks that
# everything else matches to the byte): torch's dropout on the CPU is `x * noise`, with `noise` 0 or 1 / (1 − p), and
# the multiplication saves `noise` for backward in x's dtype, fp32, 4 bytes per element where the count says 1.
# torch also has a fused dropout kernel that keeps a bool mask (`native_dropout`); on a GPU this cell prints which
# kind of mask was saved instead of asserting (not measured here: this notebook ran on the CPU).
# The ratio grows with T because the (B, H, T, T) mask grows fastest, and the T² term's share with it (printed
# above). A flash-attention kernel (one of those `attn_implementation="sdpa"` can pick) keeps no (B, H, T, T)
# tensor at all: it keeps a per-row log-sum-exp and recomputes the scores in backward (Dao et al., 2022).

# %% [markdown]
# The runs below use `checkpoints/tiny-bert` (random weights: here only the arithmetic and its cost matter, and a
# small model keeps them fast) and a small padded batch.

# %%
tokenizer = BertTokenizer.from_pretrained(TINY)
model = BertModel.from_pretrained(TINY).to(DEVICE)
batch = tokenizer(["The quick brown fox jumps over the lazy dog.", "Hello world!"], padding=True,
                  return_tensors="pt").to(DEVICE)

# %% [markdown]
# ## Gradient checkpointing: same gradients
#
# `model.gradient_checkpointing_enable()` wraps each layer in `torch.utils.checkpoint` (non-reentrant). The
# recomputation replays the same dropout masks (the RNG state is saved and restored), so even in training mode the
# gradients are those of a normal step. The last layer is left out: backward starts with it, so recomputing it
# would rebuild at once what we had just dropped, at no saving in peak memory (see `minibert/bert/checkpointing.py`).

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
# ## Chunking the feed-forward
#
# The feed-forward block treats each position alone, so it can run over the sequence in chunks
# (`config.chunk_size_feed_forward`, Kitaev et al., 2020, "Reformer"): the same numbers, and the (B, T, 4C)
# intermediate activation exists for one chunk at a time. Measured with the same byte counter, in inference.

# %%
cfg = BertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=1024,
                 max_position_embeddings=512)
torch.manual_seed(0)
dense = BertModel(cfg).to(DEVICE).eval()
long_ids = torch.randint(0, 1000, (2, 512), device=DEVICE)
peaks = {}
for chunk in (0, 64):
    dense.config.chunk_size_feed_forward = chunk
    for layer_ in dense.encoder.layer:
        layer_.chunk_size_feed_forward = chunk
    with torch.no_grad(), PeakTensorMemory() as meter:
        result = dense(long_ids).last_hidden_state
    peaks[chunk] = (meter.peak / 2**20, result)
    print(f"chunk_size_feed_forward={chunk:3d}: peak {meter.peak / 2**20:5.1f} MiB")
print(f"max |Δ| chunked vs not: {(peaks[0][1] - peaks[64][1]).abs().max().item():.1e}")
assert torch.allclose(peaks[0][1], peaks[64][1], atol=1e-6) and peaks[64][0] < peaks[0][0]

# %% [markdown]
# ## Padding waste on real text
#
# A batch is a (B, T) rectangle: every text is padded to the longest in its batch. Real texts vary in length.
# Here, a thousand real texts (docstrings of Python's standard library, from its first 300 source files, built by
# `benchmarks/corpus.py`, no download), tokenized, in batches of 32: the share of positions that are [PAD] in the order the texts came, after
# sorting them by length (what `minibert`'s pipelines and sentence-transformers do), and after unpadding (none).

# %%
import sys

import numpy as np

sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus

texts = corpus.build(1000, files=300)
print(f"{len(texts)} texts, e.g. {texts[0]!r:.100}")
lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=256)["input_ids"]]


def padded_share(order, batch=32):
    cells = sum(max(order[i:i + batch]) * len(order[i:i + batch]) for i in range(0, len(order), batch))
    return 1 - sum(order) / cells


waste = {"input order": padded_share(lengths), "sorted by length": padded_share(sorted(lengths)), "unpadded": 0.0}
for name, share in waste.items():
    print(f"{name:17s} {share:5.0%} of the positions computed are padding")

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), gridspec_kw={"width_ratios": [1, 1, 1.1]})
for ax, order, title in ((axes[0], lengths[:32], "a batch in input order"),
                         (axes[1], sorted(lengths)[len(lengths) // 2:][:32], "a batch after sorting")):
    grid = np.arange(max(order))[None, :] < np.array(order)[:, None]  # (B, T): True = real token
    ax.imshow(grid, aspect="auto", cmap="Blues", vmin=0, vmax=1.3, interpolation="nearest")
    ax.set(xlabel="position", ylabel="text in the batch", title=f"{title}: {1 - grid.mean():.0%} padding")
bars = axes[2].bar(list(waste), [100 * v for v in waste.values()], color=["#c44e52", "#dd8452", "#55a868"])
axes[2].bar_label(bars, labels=[f"{100 * v:.0f} %" for v in waste.values()])
axes[2].set(ylabel="padded positions (%)", ylim=(0, 100), title=f"{len(texts)} texts, batch 32")
fig.tight_layout()
plt.show()
assert waste["sorted by length"] < waste["input order"]

# %% [markdown]
# ## Unpadded inference, drawn
#
# Every operation of BERT except attention works on each position alone: embeddings, every linear layer,
# LayerNorm, GELU, the feed-forward. So they can run on the N real tokens, gathered out of the (B, T) rectangle,
# instead of on all B·T positions. Only attention lets positions meet: there, each layer scatters its Q, K and V
# rows back into their padded places for a moment, attends with the usual padding mask, and gathers the context
# rows out again. At the end the rows go back to (B, T, C), with zeros at the padding. This is the "remove
# padding" idea of NVIDIA FasterTransformer's effective transformer, ByteTransformer, PyTorch's BetterTransformer
# and ModernBERT; `config.unpad_inputs = True` turns it on in minibert (`minibert/bert/unpadding.py`).

# %%
from matplotlib.patches import FancyArrowPatch, Rectangle

demo_lengths = [6, 3, 5, 2]
colors = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]
fig, ax = plt.subplots(figsize=(12, 3.2))
ax.set_xlim(-0.5, 36)
ax.set_ylim(-1.6, 4.6)
ax.axis("off")


def cell(x, y, color, text=""):
    ax.add_patch(Rectangle((x, y), 0.9, 0.9, facecolor=color, edgecolor="white"))
    if text:
        ax.text(x + 0.45, y + 0.45, text, ha="center", va="center", fontsize=7, color="white")


for x0, zeros, title in ((0, False, "padded (B, T, C)"), (27, True, "back to (B, T, C)")):
    for b, n in enumerate(demo_lengths):
        for t in range(6):
            real = t < n
            cell(x0 + t, 3 - b, colors[b] if real else ("#eeeeee" if not zeros else "#dddddd"),
                 "" if real else ("·" if not zeros else "0"))
    ax.text(x0 + 3, 4.3, title, ha="center")
x = 9.5
for b, n in enumerate(demo_lengths):
    for t in range(n):
        cell(x, 1.5, colors[b])
        x += 1
ax.text(9.5 + sum(demo_lengths) / 2, 2.8, f"N = {sum(demo_lengths)} real rows (N, C): every position-wise operation",
        ha="center")
ax.text(9.5 + sum(demo_lengths) / 2, 0.4, "attention only: Q, K, V scattered to (B, H, T, d), attended, gathered",
        ha="center", fontsize=9)
for start, end, label in (((6.2, 2), (9.3, 2), "gather"), ((9.5 + sum(demo_lengths) + 0.2, 2), (26.8, 2), "scatter")):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=15))
    ax.text((start[0] + end[0]) / 2, 2.25, label, ha="center")
plt.show()

# %% [markdown]
# ## Unpadded inference, measured
#
# A random 4-layer model (C = 256) and a batch of 16 texts with lengths uniform in 16–128. Both paths on the same
# weights and inputs: CPU time (best of 3), and the outputs compared at the real positions. The time should fall
# towards the real-token share: the padding-free limit.

# %%
torch.manual_seed(0)
mid = BertModel(BertConfig(vocab_size=1000, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                           intermediate_size=1024)).to(DEVICE).eval()
g = torch.Generator().manual_seed(3)
row_lengths = torch.randint(16, 129, (16,), generator=g)
attention_mask = (torch.arange(int(row_lengths.max()))[None, :] < row_lengths[:, None]).long().to(DEVICE)
input_ids = (torch.randint(1, 1000, attention_mask.shape, generator=g).to(DEVICE) * attention_mask)
real = attention_mask.bool()


def forward_seconds(unpad):
    mid.config.unpad_inputs = unpad
    best = float("inf")
    with torch.inference_mode():
        for _ in range(3):
            start = time.process_time() if DEVICE == "cpu" else time.perf_counter()
            out = mid(input_ids, attention_mask=attention_mask)
            if DEVICE == "cuda":
                torch.cuda.synchronize()
            best = min(best, (time.process_time() if DEVICE == "cpu" else time.perf_counter()) - start)
    return best, out


t_pad, padded = forward_seconds(False)
t_unpad, unpadded = forward_seconds(True)
share = real.float().mean().item()
diff = (padded.last_hidden_state[real] - unpadded.last_hidden_state[real]).abs().max().item()
print(f"real tokens: {share:.0%} of the padded batch")
print(f"padded {t_pad * 1e3:.0f} ms, unpadded {t_unpad * 1e3:.0f} ms: ratio {t_unpad / t_pad:.2f} "
      f"(the padding-free limit is {share:.2f}; timings on a shared machine are noisy)")
print(f"max |Δ| at real positions: {diff:.1e}; bitwise equal: {torch.equal(padded.last_hidden_state[real], unpadded.last_hidden_state[real])}")
print(f"pooler output max |Δ|: {(padded.pooler_output - unpadded.pooler_output).abs().max().item():.1e}")
assert diff <= 1e-6 and torch.count_nonzero(unpadded.last_hidden_state[~real]) == 0  # padding comes back as 0

fig, ax = plt.subplots(figsize=(5, 3))
bars = ax.bar(["padded", "unpadded", "real-token share"], [1, t_unpad / t_pad, share],
              color=["#c44e52", "#55a868", "#bbbbbb"])
ax.bar_label(bars, fmt="%.2f")
ax.set(ylabel="time, relative to padded", title="4 layers, C = 256, 16 texts of 16–128 tokens")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Why the outputs at real positions do not change
#
# Two facts. First, a row of a linear layer, a LayerNorm or a GELU depends on that row alone: computed among N rows
# or among B·T rows it is the same arithmetic on the same numbers. Second, in attention a padded key gets the score
# min_f (the dtype's most negative value, `minibert/bert/masks.py`), and after the softmax's max subtraction
# exp(min_f − max) is exactly 0 in float32: whatever the padded key and value hold (the padded path's leftover
# numbers, the unpadded path's zeros), it adds exactly nothing. So the real rows see the same numbers either way.
# What could differ is a matrix kernel's blocking for N rows instead of B·T; on this CPU build the outputs above
# came out bitwise equal (tests/bert/test_unpadding.py holds every output, head and gradient to 1e-6).

# %%
scores = torch.tensor([2.0, -1.0, 0.5]) + torch.tensor([0.0, 0.0, torch.finfo(torch.float32).min])
probs = torch.softmax(scores, dim=-1)
print("softmax with the third key padded:", probs.tolist())
assert probs[2].item() == 0.0  # exactly zero, not merely small

rows = torch.randn(10, 256, device=DEVICE)
linear = mid.encoder.layer[0].intermediate.dense
with torch.no_grad():
    together, alone = linear(rows)[3:7], linear(rows[3:7])
print(f"rows 3..6 of a linear layer, in a batch of 10 vs alone: max |Δ| {(together - alone).abs().max().item():.1e}")

# %% [markdown]
# **What to remember.** Time follows the rows the linear layers see (the profiler's table), memory follows what
# backward must keep. Checkpointing trades compute for memory: the same gradients, far less activation memory, one
# extra forward pass per layer. Chunking bounds the feed-forward's intermediate. Unpadding stops paying for [PAD]:
# the position-wise work runs on the real tokens only, attention alone re-pads, and the outputs at real positions
# are the same numbers. `minibert`'s pipelines sort texts by length and run unpadded for you
# (`pipeline("sentence-similarity", model=..., batch_size=32).embed(texts)`); benchmarks/run.py rows 8 and 9
# measure it on BERT-base and on a real corpus.
