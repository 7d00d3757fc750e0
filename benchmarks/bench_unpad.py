"""Rows 8 and 9 of the suite: real text is not dense. Unpadded inference and corpus embedding.

Row 8: one BertModel forward on a batch of 16 texts whose lengths are uniform in 16–128 tokens (the real-token
share is written down: it is the padding-free limit of the ratio), minibert with ``unpad_inputs`` on vs the
reference, same weights, same inputs, one process (bench_model.interleaved). Alongside, attention alone for
one layer three ways, to choose the kernel: re-pad Q/K/V per layer (what minibert does), a nested (jagged)
tensor through ``scaled_dot_product_attention``, and a loop over sequences; and whether the unpadded outputs
are bitwise the padded path's.

Row 9: corpus embedding with all-MiniLM-L6-v2 on real, varied texts (benchmarks/corpus.py, the standard
library's docstrings): minibert ``pipeline("sentence-similarity").embed`` vs sentence-transformers ``encode``
vs the reference ``pipeline("feature-extraction")`` followed by what the checkpoint's sentence-transformers
modules say (truncation to ``max_seq_length``, the pooling mode, ``Normalize``), all at batch 32, with the
largest difference between each pair of vectors. Timed each call from text to vectors (tokenizing included),
the three alternating. Also the padding waste of that corpus at batch 32 (input order, sorted, unpadded) and
its figure.

Both rows run on the CPU (CPU time, one thread) or, for the GPU run (benchmarks/gpu_run.py), on CUDA: there
the CPU only queues kernels, so each call is timed by the wall clock around synchronized work
(``torch.cuda.synchronize`` before the clock starts and before it stops), after warm-up calls, with TF32 off
so that float32 means float32.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import bench_model
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent


def ragged_inputs(cfg: dict, B: int, low: int, high: int, seed: int = 3) -> dict:
    """input_ids, attention_mask (B, high): row lengths uniform in [low, high], right padding."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(low, high + 1, (B,), generator=g)
    T = int(lengths.max())
    mask = (torch.arange(T)[None, :] < lengths[:, None]).long()
    ids = torch.randint(1000, cfg["vocab_size"], (B, T), generator=g) * mask
    return {"input_ids": ids, "attention_mask": mask}


def sync_for(device: str):
    """What to call before reading a clock: on CUDA, wait for the queued kernels; on the CPU, nothing."""
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # float32 rows stay float32 (TF32 rounds to 10 bits)
        torch.backends.cudnn.allow_tf32 = False
        return torch.cuda.synchronize
    return lambda: None


def unpadded_pair(cfg: dict, impl: str, inputs: dict, repeats: int, warmup: int, device: str = "cpu",
                  dtype: torch.dtype = torch.float32) -> dict:
    """minibert unpadded vs padded vs the reference on one padded batch; bitwise check of the outputs."""
    ours, theirs = bench_model.model_pair("model", cfg, impl, device, dtype, train=False)
    inputs = {k: v.to(device) for k, v in inputs.items()}
    B = inputs["input_ids"].shape[0]
    mask = inputs["attention_mask"].bool()
    with torch.inference_mode():
        padded = ours(**inputs).last_hidden_state
        ours.config.unpad_inputs = True
        unpadded = ours(**inputs).last_hidden_state

    def ours_padded():
        ours.config.unpad_inputs = False
        bench_model.forward_fn(ours, inputs)()
        ours.config.unpad_inputs = True

    fns = {"minibert": bench_model.forward_fn(ours, inputs), "minibert padded": ours_padded,
           "reference": bench_model.forward_fn(theirs, inputs)}
    times = bench_model.interleaved(fns, repeats, warmup, sync_for(device))
    padded, unpadded = padded.float(), unpadded.float()
    return {"times": times, "real_token_share": mask.float().mean().item(), "batch": B, "seq": mask.shape[1],
            "impl": impl, "device": device, "dtype": str(dtype).replace("torch.", ""),
            "bitwise": torch.equal(padded[mask], unpadded[mask]),
            "max_abs_diff": (padded[mask] - unpadded[mask]).abs().max().item()}


def attention_kernels(B: int = 16, H: int = 12, d: int = 64, low: int = 16, high: int = 128, repeats: int = 5,
                      device: str = "cpu", dtype: torch.dtype = torch.float32) -> dict:
    """One layer's attention on N real rows of Q/K/V, three ways: ms (best of ``repeats``; CPU time on the CPU,
    synchronized wall time on CUDA) and max |Δ| to re-pad."""
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(low, high + 1, (B,), generator=g)
    T, N = int(lengths.max()), int(lengths.sum())
    mask = (torch.arange(T)[None, :] < lengths[:, None]).to(device)
    index = mask.flatten().nonzero().squeeze(1)
    q, k, v = (torch.randn(N, H * d, generator=g).to(device, dtype) for _ in range(3))
    additive = (~mask)[:, None, None, :].to(dtype) * torch.finfo(dtype).min
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)]).to(device)
    sync = sync_for(device)
    clock = time.process_time if device == "cpu" else time.perf_counter

    def repad():
        def heads(x):
            return x.new_zeros(B * T, H * d).index_copy(0, index, x).view(B, T, H, d).transpose(1, 2)
        out = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), attn_mask=additive)
        return out.transpose(1, 2).reshape(B * T, H * d).index_select(0, index)

    def nested():
        def heads(x):
            return torch.nested.nested_tensor_from_jagged(x.view(N, H, d), offsets=offsets).transpose(1, 2)
        return F.scaled_dot_product_attention(heads(q), heads(k), heads(v)).transpose(1, 2).values().reshape(N, H * d)

    def per_sequence():
        out = []
        for s, e in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
            qq, kk, vv = (x[s:e].view(1, e - s, H, d).transpose(1, 2) for x in (q, k, v))
            out.append(F.scaled_dot_product_attention(qq, kk, vv).transpose(1, 2).reshape(e - s, H * d))
        return torch.cat(out)

    base = repad()
    result = {"batch": B, "heads": H, "head_size": d, "real_token_share": N / (B * T), "device": device,
              "clock": "cpu" if device == "cpu" else "wall"}
    for name, fn in (("re-pad per layer", repad), ("nested (jagged) tensor", nested), ("loop over sequences",
                                                                                        per_sequence)):
        try:
            out = fn()  # also the warm-up: the first call pays for kernel selection and allocation
        except (RuntimeError, NotImplementedError) as err:  # a torch without jagged SDPA for this device
            result[name] = {"error": f"{type(err).__name__}: {err}"[:200]}
            continue
        best = []
        for _ in range(repeats):
            sync()
            c0 = clock()
            fn()
            sync()
            best.append(clock() - c0)
        result[name] = {"ms": min(best) * 1e3, "max_abs_diff": (out - base).float().abs().max().item(),
                        "bitwise": torch.equal(out, base)}
    return result


# -- row 9: the corpus --------------------------------------------------------------------------------------
def padding_waste(lengths: list[int], batch: int = 32) -> dict:
    """Share of the positions computed that are padding, at ``batch``: input order, sorted by length, unpadded."""
    def share(order):
        padded = sum(max(chunk) * len(chunk) for chunk in (order[i:i + batch] for i in range(0, len(order), batch)))
        return 1 - sum(order) / padded
    return {"input order": share(list(lengths)), "sorted by length": share(sorted(lengths)), "unpadded": 0.0}


def waste_figure(waste: dict, lengths: list[int], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.hist(lengths, bins=40, color="#4c72b0")
    left.set(xlabel="tokens per text", ylabel="texts", title=f"{len(lengths)} texts: lengths")
    names = list(waste)
    bars = right.bar(names, [100 * waste[n] for n in names], color=["#c44e52", "#dd8452", "#55a868"])
    right.bar_label(bars, labels=[f"{100 * waste[n]:.0f} %" for n in names])
    right.set(ylabel="padded positions (%)", title="padding waste at batch 32", ylim=(0, 100))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sentence_modules(checkpoint: str) -> dict:
    """What a sentence-transformers folder says to do after the transformer: its modules.json (Transformer →
    Pooling → Normalize?), the Pooling module's config.json and sentence_bert_config.json's max_seq_length.
    Read here, for the reference pipeline, from the files themselves (minibert reads them with its own code)."""
    root = Path(checkpoint)
    modules = {m["type"].rsplit(".", 1)[-1]: m for m in json.loads((root / "modules.json").read_text())}
    pooling = json.loads((root / modules["Pooling"]["path"] / "config.json").read_text())
    modes = [key for key, on in pooling.items() if key.startswith("pooling_mode_") and on]
    if modes not in (["pooling_mode_mean_tokens"], ["pooling_mode_cls_token"]):
        raise ValueError(f"{checkpoint}: the benchmark pools the reference pipeline by mean or [CLS], not {modes}")
    return {"max_seq_length": json.loads((root / "sentence_bert_config.json").read_text())["max_seq_length"],
            "pooling": "mean" if modes == ["pooling_mode_mean_tokens"] else "cls",
            "normalize": "Normalize" in modules}


def reference_vectors(reference, texts: list[str], modules: dict, counts: list[int] | None = None) -> torch.Tensor:
    """The reference ``pipeline("feature-extraction")`` on ``texts``, then the checkpoint's modules (``modules``
    from ``sentence_modules``): sentence vectors (N, D) float32 in input order. ``counts``: each text's token
    count after truncation, if already known (the timed benchmark counts once, outside the clock).

    Truncation is sentence-transformers' max_seq_length (256 for all-MiniLM-L6-v2), not the tokenizer's
    model_max_length (512). The pipeline takes it only inside ``tokenize_kwargs``: a ``max_length`` keyword of
    its own would be dropped without a word, and a text over 256 tokens would be pooled over up to 512.
    """
    tokenize = {"truncation": True, "max_length": modules["max_seq_length"]}
    if counts is None:
        counts = [len(ids) for ids in reference.tokenizer(texts, **tokenize)["input_ids"]]
    outs = reference(texts, return_tensors=True, tokenize_kwargs=tokenize)
    # Each text's (1, T_batch, C) rows, padded to its batch's longest (right padding): pool its own tokens.
    pooled = [out[0, :n].mean(0) if modules["pooling"] == "mean" else out[0, 0] for out, n in zip(outs, counts)]
    vectors = torch.stack(pooled).float()
    return F.normalize(vectors, p=2, dim=-1) if modules["normalize"] else vectors


def corpus_embedding(checkpoint: str, n_texts: int, repeats: int, out_dir: Path, batch: int = 32,
                     device: str = "cpu", warmup: int = 0) -> dict:
    import transformers
    from sentence_transformers import SentenceTransformer

    sys.path.insert(0, str(HERE))
    import corpus

    import minibert

    texts = corpus.build(n_texts)
    st = SentenceTransformer(checkpoint, device=device)
    ours = minibert.pipeline("sentence-similarity", model=checkpoint, batch_size=batch, device=device)
    reference = transformers.pipeline("feature-extraction", model=checkpoint, framework="pt", device=device,
                                      batch_size=batch)
    modules = sentence_modules(checkpoint)
    if modules["max_seq_length"] != st.max_seq_length:
        raise RuntimeError(f"sentence-transformers truncates at {st.max_seq_length}, the checkpoint's "
                           f"sentence_bert_config.json says {modules['max_seq_length']}")
    # The same truncation for all three (reference_vectors): sentence-transformers' max_seq_length.
    token_counts = [len(ids) for ids in reference.tokenizer(texts, truncation=True,
                                                            max_length=modules["max_seq_length"])["input_ids"]]
    results = {}
    fns = {"minibert": lambda: results.__setitem__("minibert", ours.embed(texts, progress=False)),
           "sentence-transformers": lambda: results.__setitem__(
               "sentence-transformers", st.encode(texts, batch_size=batch, convert_to_tensor=True)),
           "reference pipeline": lambda: results.__setitem__("reference pipeline",
                                                             reference_vectors(reference, texts, modules,
                                                                               token_counts))}
    sync = sync_for(device)
    clock = time.process_time if device == "cpu" else time.perf_counter
    # The first call of each is timed apart: minibert's tokenizer caches each word's pieces, so its later calls
    # on the same texts are warm; "cold" keeps that first call honest. On CUDA it also pays for kernel
    # selection and the allocator's first blocks, so ``warmup`` more untimed rounds follow there.
    cold = {}
    for name, fn in fns.items():
        sync()
        c0 = clock()
        fn()
        sync()
        cold[name] = clock() - c0
    times = bench_model.interleaved(fns, repeats, warmup, sync)
    vectors = {name: vec.float().cpu() for name, vec in results.items()}
    names = list(vectors)
    pairs = {f"{a} vs {b}": (vectors[a] - vectors[b]).abs().max().item()
             for i, a in enumerate(names) for b in names[i + 1:]}
    waste = padding_waste(token_counts, batch)
    figure = Path(out_dir) / "padding_waste.png"
    figure.parent.mkdir(parents=True, exist_ok=True)
    waste_figure(waste, token_counts, figure)
    return {"times": times, "cold": cold, "clock": "cpu" if device == "cpu" else "wall", "device": device,
            "texts": len(texts), "batch": batch, "sentence_modules": modules, "max_abs_diff": pairs,
            "truncated_texts": sum(n == modules["max_seq_length"] for n in token_counts),
            "tokens": sum(token_counts), "median_tokens": statistics.median(token_counts),
            "max_tokens": max(token_counts), "padding_waste": waste, "figure": figure.name}
