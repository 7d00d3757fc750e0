"""Rows 8 and 9 of the suite: real text is not dense. Unpadded inference and corpus embedding.

Row 8: one BertModel forward on a batch of 16 texts whose lengths are uniform in 16–128 tokens (the real-token
share is written down: it is the padding-free limit of the ratio), minibert with ``unpad_inputs`` on vs the
reference, same weights, same inputs, one process (bench_model.interleaved). Alongside, attention alone for
one layer three ways, to choose the kernel: re-pad Q/K/V per layer (what minibert does), a nested (jagged)
tensor through ``scaled_dot_product_attention``, and a loop over sequences; and whether the unpadded outputs
are bitwise the padded path's.

Row 9: corpus embedding with all-MiniLM-L6-v2 on real, varied texts (benchmarks/corpus.py, the standard
library's docstrings): minibert ``pipeline("sentence-similarity").embed`` vs sentence-transformers ``encode``
vs the reference ``pipeline("feature-extraction")`` + mean pooling, all at batch 32, with the largest
difference between the vectors. Timed in CPU time, each call from text to vectors (tokenizing included), the
three alternating. Also the padding waste of that corpus at batch 32 (input order, sorted, unpadded) and
its figure.
"""

from __future__ import annotations

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


def unpadded_pair(cfg: dict, impl: str, inputs: dict, repeats: int, warmup: int) -> dict:
    """minibert unpadded vs padded vs the reference on one padded batch; bitwise check of the outputs."""
    ours, theirs = bench_model.model_pair("model", cfg, impl, "cpu", torch.float32, train=False)
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
    times = bench_model.interleaved(fns, repeats, warmup, lambda: None)
    return {"times": times, "real_token_share": mask.float().mean().item(), "batch": B, "seq": mask.shape[1],
            "impl": impl, "bitwise": torch.equal(padded[mask], unpadded[mask]),
            "max_abs_diff": (padded[mask] - unpadded[mask]).abs().max().item()}


def attention_kernels(B: int = 16, H: int = 12, d: int = 64, low: int = 16, high: int = 128, repeats: int = 5) -> dict:
    """One layer's attention on N real rows of Q/K/V, three ways: CPU ms (best of ``repeats``) and max |Δ| to re-pad."""
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(low, high + 1, (B,), generator=g)
    T, N = int(lengths.max()), int(lengths.sum())
    mask = torch.arange(T)[None, :] < lengths[:, None]
    index = mask.flatten().nonzero().squeeze(1)
    q, k, v = (torch.randn(N, H * d, generator=g) for _ in range(3))
    additive = (~mask)[:, None, None, :].float() * torch.finfo(torch.float32).min
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])

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
    result = {"batch": B, "heads": H, "head_size": d, "real_token_share": N / (B * T)}
    for name, fn in (("re-pad per layer", repad), ("nested (jagged) tensor", nested), ("loop over sequences",
                                                                                        per_sequence)):
        try:
            out = fn()
        except (RuntimeError, NotImplementedError) as err:  # an older torch without jagged SDPA on the CPU
            result[name] = {"error": f"{type(err).__name__}: {err}"[:200]}
            continue
        best = []
        for _ in range(repeats):
            c0 = time.process_time()
            fn()
            best.append(time.process_time() - c0)
        result[name] = {"cpu_ms": min(best) * 1e3, "max_abs_diff": (out - base).abs().max().item(),
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


def corpus_embedding(checkpoint: str, n_texts: int, repeats: int, out_dir: Path,
                     batch: int = 32) -> dict:
    import transformers
    from sentence_transformers import SentenceTransformer

    sys.path.insert(0, str(HERE))
    import corpus

    import minibert

    texts = corpus.build(n_texts)
    st = SentenceTransformer(checkpoint, device="cpu")
    ours = minibert.pipeline("sentence-similarity", model=checkpoint, batch_size=batch)
    reference = transformers.pipeline("feature-extraction", model=checkpoint, framework="pt", device="cpu",
                                      batch_size=batch)
    limit = st.max_seq_length
    token_counts = [len(ids) for ids in reference.tokenizer(texts, truncation=True, max_length=limit)["input_ids"]]

    def run_reference():
        outs = reference(texts, return_tensors=True, truncation=True, max_length=limit)
        # The reference pipeline hands back each text's rows (padded to its batch): mean over its own tokens.
        vectors = [out[0, :n].mean(0) for out, n in zip(outs, token_counts)]
        return F.normalize(torch.stack(vectors), dim=-1)

    results = {}
    fns = {"minibert": lambda: results.__setitem__("minibert", ours.embed(texts, progress=False)),
           "sentence-transformers": lambda: results.__setitem__(
               "sentence-transformers", st.encode(texts, batch_size=batch, convert_to_tensor=True)),
           "reference pipeline": lambda: results.__setitem__("reference pipeline", run_reference())}
    # The first call of each is timed apart: minibert's tokenizer caches each word's pieces, so its later calls
    # on the same texts are warm; "cold" keeps that first call honest.
    cold = {}
    for name, fn in fns.items():
        c0 = time.process_time()
        fn()
        cold[name] = time.process_time() - c0
    times = bench_model.interleaved(fns, repeats, 0, lambda: None)  # the cold calls were the warm-up
    base = results["sentence-transformers"].float().cpu()
    diffs = {name: (vec.float().cpu() - base).abs().max().item() for name, vec in results.items()}
    waste = padding_waste(token_counts, batch)
    figure = Path(out_dir) / "padding_waste.png"
    figure.parent.mkdir(parents=True, exist_ok=True)
    waste_figure(waste, token_counts, figure)
    return {"times": times, "cold_cpu": cold, "texts": len(texts), "batch": batch, "max_abs_diff_vs_st": diffs,
            "tokens": sum(token_counts), "median_tokens": statistics.median(token_counts),
            "max_tokens": max(token_counts), "padding_waste": waste, "figure": figure.name}
