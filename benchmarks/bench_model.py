"""Rows 1, 2, 3 and 7 of the suite: minibert vs transformers in one process, same weights, same inputs.

Each measurement alternates the two libraries once per repeat (A/B, B/A, A/B, ...), so a
burst of load from other processes on a shared machine lands on both. Every call is timed twice: wall-clock
(``perf_counter``) and the process's CPU time (``process_time``). With one intra-op thread, CPU time counts
only our own work and barely moves when neighbours are busy, so on CPU the ratio is judged on it; on CUDA
the kernels run on the GPU and wall-clock (after ``torch.cuda.synchronize``) is the only meaningful clock.

FLOPs of a BERT forward pass (row 7), counting a multiply-add as 2 FLOPs, B batch, T tokens, C hidden,
I intermediate, L layers:

    per layer:  Q, K, V and output projections      2·B·T·4·C²
                feed-forward up and down            2·B·T·2·C·I
                Q·Kᵀ scores and probs·V             2·2·B·T²·C
    pooler:                                         2·B·C²
    forward = L·(8·B·T·C² + 4·B·T·C·I + 4·B·T²·C) + 2·B·C²

Embedding look-ups, LayerNorm, softmax and GELU are memory-bound and left out, as is usual. A training step
is counted as 3 × forward (backward needs a matmul for the input gradient and one for the weight gradient
of every forward matmul; Kaplan et al., 2020, §2.1); the optimizer's element-wise update is left out.
Model FLOPs utilisation (MFU; Chowdhery et al., 2022, "PaLM", App. B) = achieved FLOP/s / the GPU's peak.
"""

from __future__ import annotations

import gc
import statistics
import time

import torch

BERT_BASE = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512)
TINY = dict(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            max_position_embeddings=128)
# Dense bf16 tensor-core peaks (TFLOP/s, no sparsity) from NVIDIA's data sheets, matched against
# torch.cuda.get_device_name() in this order (the PCIe/NVL H100s are slower than the SXM one).
GPU_BF16_PEAK_TFLOPS = [("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("H100", 989.4), ("H200", 989.4),
                        ("A100", 312.0), ("L40S", 362.0), ("L40", 181.0), ("L4", 121.0)]


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def forward_flops(cfg: dict, B: int, T: int) -> float:
    """Matmul FLOPs of one BertModel forward (formula in the module docstring)."""
    C, I, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    return L * (8 * B * T * C * C + 4 * B * T * C * I + 4 * B * T * T * C) + 2 * B * C * C


def gpu_peak_tflops(name: str) -> float | None:
    return next((peak for key, peak in GPU_BF16_PEAK_TFLOPS if key in name), None)


def model_pair(kind: str, cfg: dict, impl: str, device: str, dtype: torch.dtype, train: bool):
    """(minibert, reference) models of ``kind`` "model" or "classifier" holding the same random weights."""
    import transformers

    import minibert

    name = "BertModel" if kind == "model" else "BertForSequenceClassification"
    torch.manual_seed(0)
    ours = getattr(minibert, name)(minibert.BertConfig(**cfg, attn_implementation=impl))
    theirs = getattr(transformers, name)(transformers.BertConfig(**cfg, attn_implementation=impl))
    missing, unexpected = theirs.load_state_dict(ours.state_dict(), strict=False)
    # The reference also keeps buffers (position_ids, token_type_ids) that minibert does not save: nothing else.
    if unexpected or any(not k.endswith("_ids") for k in missing):
        raise RuntimeError(f"weights differ between the two models: missing {missing}, unexpected {unexpected}")
    pair = []
    for m in (ours, theirs):
        m = m.to(device=device, dtype=dtype)
        pair.append(m.train() if train else m.eval())
    return pair


def make_inputs(cfg: dict, B: int, T: int, device: str, padded: bool) -> dict:
    """input_ids and attention_mask (B, T); ``padded``: the second half of the rows is padding from T/2 on."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1000, cfg["vocab_size"], (B, T), generator=g)  # past [PAD]/[CLS]/[unusedN]
    mask = torch.ones(B, T, dtype=torch.long)
    if padded:
        mask[B // 2:, T // 2:] = 0
        ids[mask == 0] = 0  # [PAD]
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device)}


def interleaved(fns: dict, repeats: int, warmup: int, sync) -> dict:
    """Time ``fns`` (name → zero-argument callable) interleaved: ``warmup`` untimed rounds, then ``repeats``."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    sync()
    times = {name: {"wall": [], "cpu": []} for name in fns}
    for i in range(repeats):
        # A/B, then B/A: whichever runs first in a pair may find colder caches; alternating cancels that.
        for name, fn in (fns.items() if i % 2 == 0 else reversed(fns.items())):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            sync()
            times[name]["wall"].append(time.perf_counter() - t0)
            times[name]["cpu"].append(time.process_time() - c0)
    return times


def forward_fn(model, inputs: dict):
    def run():
        with torch.inference_mode():
            model(**inputs)
    return run


def train_step_fn(model, inputs: dict, labels: torch.Tensor):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def run():
        opt.zero_grad(set_to_none=True)
        loss = model(**inputs, labels=labels).loss
        loss.backward()
        opt.step()
    return run


def measure(what: str, cfg: dict, impl: str, B: int, T: int, repeats: int, device: str = "cpu",
            dtype: torch.dtype = torch.float32, padded: bool = False, warmup: int = 1) -> dict:
    """One row: ``what`` "forward" or "train_step"; returns both libraries' times (lists, seconds)."""
    train = what == "train_step"
    ours, theirs = model_pair("classifier" if train else "model", cfg, impl, device, dtype, train)
    inputs = make_inputs(cfg, B, T, device, padded)
    if train:
        labels = torch.randint(0, 2, (B,), generator=torch.Generator().manual_seed(2)).to(device)
        fns = {"minibert": train_step_fn(ours, inputs, labels), "reference": train_step_fn(theirs, inputs, labels)}
    else:
        fns = {"minibert": forward_fn(ours, inputs), "reference": forward_fn(theirs, inputs)}
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    times = interleaved(fns, repeats, warmup, sync)
    del ours, theirs, fns
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
    flops = forward_flops(cfg, B, T) * (3 if train else 1)
    return {"times": times, "flops": flops, "batch": B, "seq": T, "impl": impl, "padded": padded,
            "device": device, "dtype": str(dtype).replace("torch.", "")}
