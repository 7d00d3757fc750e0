"""Regenerate ``checkpoints/``: tiny random BERT checkpoints made BY THE REFERENCE, and its outputs on them.

    .venv/bin/python scripts/make_reference_checkpoints.py            # rewrites checkpoints/<name>/ and VERSIONS.json

This is the one place that trusts ``transformers`` (version pinned below): it builds each model, saves it with
the reference's own ``save_pretrained``, reloads it from disk, runs a fixed batch through it with
``attn_implementation="eager"`` and stores, next to the weights, in ``reference_outputs.safetensors``:

    inputs.input_ids / inputs.attention_mask / inputs.token_type_ids      (B, T) int64
    hidden_states.{0..L}                                                  (B, T, C) fp32, 0 = embeddings
    attentions.{0..L-1}                                                   (B, H, T, T) fp32 probabilities
    last_hidden_state (B, T, C), pooler_output (B, C)
    modules.<name>      the output of each module the ``check`` command compares (forward hooks), e.g.
                        modules.encoder.layer.0.attention.self (B, T, C)
    heads.prediction_logits (B, T, V), heads.seq_relationship_logits (B, 2)   (BertForPreTraining only;
                        prediction logits only when V is small, to keep the folder small)

The safetensors metadata records the texts (for the tokenized batch), the model class, the versions and the
kernels the numbers came from (``kernel_record``: torch's CPU capability and the CPU). Tests and
``python -m minibert check``/``walkthrough`` read these files without needing ``transformers``; the tests compare
with them under those kernels only (tests/helpers/_stored_reference.py).

Each checkpoint is seeded on its own (``SEED + index``), so adding a config does not change the others.
Weights are re-drawn on a larger scale than BERT's init (see ``randomize``): with std 0.02, attention is
nearly uniform and biases/LayerNorms are 0/1, and a bug in those terms would go unnoticed.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import shutil
import sys
from pathlib import Path

import huggingface_hub
import numpy
import safetensors
import torch
import transformers
from safetensors.torch import save_file
from transformers import BertConfig, BertForPreTraining, BertModel, BertTokenizer

REFERENCE_VERSION = "4.57.6"
SEED = 1234
REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "checkpoints"
VOCAB = OUT / "vocab" / "bert-base-uncased-vocab.txt"

# The walkthrough's default sentence is row 0 of tiny-bert's batch, so the walkthrough can check itself
# against stored outputs on a machine without transformers.
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    ("Where is the cat?", "It sleeps on the mat."),
    "Hello world!",
]

CHECKPOINTS = {
    # The embedded default: real bert-base-uncased vocabulary and tokenizer files, MLM + NSP heads.
    "tiny-bert": dict(
        cls=BertForPreTraining, tokenizer=True,
        config=dict(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=128, max_position_embeddings=128, hidden_act="gelu")),
    # Small vocabularies from here on: they test the arithmetic, not the tokenizer.
    "tiny-bert-gelu-new-relative-key": dict(
        cls=BertModel, tokenizer=False,
        config=dict(vocab_size=99, hidden_size=24, num_hidden_layers=3, num_attention_heads=3,
                    intermediate_size=40, max_position_embeddings=64, type_vocab_size=3, hidden_act="gelu_new",
                    position_embedding_type="relative_key")),
    "tiny-bert-relu-relative-key-query": dict(
        cls=BertForPreTraining, tokenizer=False,
        config=dict(vocab_size=77, hidden_size=16, num_hidden_layers=2, num_attention_heads=1,
                    intermediate_size=48, max_position_embeddings=40, hidden_act="relu",
                    position_embedding_type="relative_key_query")),
    "tiny-bert-silu-8-heads": dict(
        cls=BertModel, tokenizer=False,
        config=dict(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=8,
                    intermediate_size=64, max_position_embeddings=32, type_vocab_size=4, hidden_act="silu",
                    layer_norm_eps=1e-7)),
}
MAX_STORED_LOGITS = 100_000  # store MLM logits only when B·T·V is below this


def module_names(num_layers: int) -> list[str]:
    """The modules whose outputs the ``check`` command compares, in data-flow order (see minibert/parity/table.py)."""
    names = ["embeddings"]
    for i in range(num_layers):
        p = f"encoder.layer.{i}"
        names += [f"{p}.attention.self", f"{p}.attention.output", f"{p}.intermediate", f"{p}.output"]
    return names + ["pooler"]


@torch.no_grad()
def randomize(model: torch.nn.Module) -> None:
    """Weights ~ N(0, 1/fan_in) (embeddings N(0, 1)), biases ~ N(0, 0.1²), LayerNorm gains ~ N(1, 0.1²)."""
    for name, p in model.named_parameters():
        if name.endswith("LayerNorm.weight"):
            p.normal_(1.0, 0.1)
        elif name.endswith("bias"):
            p.normal_(0.0, 0.1)
        elif "embeddings" in name:
            p.normal_(0.0, 1.0)
        else:
            p.normal_(0.0, 1.0 / math.sqrt(p.shape[-1]))


def make_batch(config: BertConfig, tokenizer: BertTokenizer | None, generator: torch.Generator | None,
               texts: list = TEXTS) -> dict:
    """4 rows: full length, padded, more padding, and a row that is ALL padding (attention_mask all 0).

    With a tokenizer: one row per text of ``texts`` (a string, or a pair as a tuple), then the padding row."""
    if tokenizer is not None:
        rows = [tokenizer(*t) if isinstance(t, tuple) else tokenizer(t) for t in texts]
        T = max(len(r["input_ids"]) for r in rows)
        ids = torch.zeros(len(rows) + 1, T, dtype=torch.long)
        types = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for b, r in enumerate(rows):
            n = len(r["input_ids"])
            ids[b, :n] = torch.tensor(r["input_ids"])
            types[b, :n] = torch.tensor(r["token_type_ids"])
            mask[b, :n] = 1
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    B, T = 4, 11
    ids = torch.randint(1, config.vocab_size, (B, T), generator=generator)
    types = torch.randint(0, config.type_vocab_size, (B, T), generator=generator)
    mask = torch.ones(B, T, dtype=torch.long)
    for b, n in enumerate([T, 7, 2, 0]):
        mask[b, n:] = 0
        ids[b, n:] = config.pad_token_id
        types[b, n:] = 0
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


@torch.no_grad()
def reference_outputs(folder: Path, cls, batch: dict) -> dict[str, torch.Tensor]:
    model = cls.from_pretrained(folder, attn_implementation="eager").eval()
    base = model.bert if cls is BertForPreTraining else model
    captured: dict[str, torch.Tensor] = {}
    hooks = []
    for name in module_names(base.config.num_hidden_layers):
        def hook(module, args, output, name=name):
            captured["modules." + name] = (output[0] if isinstance(output, tuple) else output).detach().clone()
        hooks.append(base.get_submodule(name).register_forward_hook(hook))
    out = model(**batch, output_hidden_states=True, output_attentions=True)
    for h in hooks:
        h.remove()
    tensors = {f"inputs.{k}": v.contiguous() for k, v in batch.items()}
    tensors.update({f"hidden_states.{i}": h.contiguous() for i, h in enumerate(out.hidden_states)})
    tensors.update({f"attentions.{i}": a.contiguous() for i, a in enumerate(out.attentions)})
    if cls is BertForPreTraining:
        # BertForPreTraining's output has no last/pooled state: recompute them with the encoder alone.
        enc = base(**batch)
        tensors["last_hidden_state"], tensors["pooler_output"] = enc.last_hidden_state, enc.pooler_output
        tensors["heads.seq_relationship_logits"] = out.seq_relationship_logits
        if out.prediction_logits.numel() <= MAX_STORED_LOGITS:
            tensors["heads.prediction_logits"] = out.prediction_logits
    else:
        tensors["last_hidden_state"], tensors["pooler_output"] = out.last_hidden_state, out.pooler_output
    tensors.update(captured)
    return {k: v.contiguous().clone() for k, v in tensors.items()}


def kernel_record() -> dict[str, str]:
    """Which CPU kernels computed the stored numbers: torch's capability (``ATEN_CPU_CAPABILITY`` picks it; the
    same weights and inputs round differently under AVX-512, AVX2 and the plain loops) and the CPU, named as the
    benchmarks name it."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_memory import cpu_name
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return {"cpu_capability": torch.backends.cpu.get_cpu_capability(), "cpu": cpu_name()}


def sha256(path: Path) -> str:
    """Hash of a file; for safetensors, of its tensors only (the header's metadata order is not stable)."""
    if path.suffix != ".safetensors":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    from safetensors.torch import load_file

    digest = hashlib.sha256()
    for name, tensor in sorted(load_file(str(path)).items()):
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def main() -> None:
    if transformers.__version__ != REFERENCE_VERSION:
        sys.exit(f"the reference is transformers=={REFERENCE_VERSION}, found {transformers.__version__}")
    torch.use_deterministic_algorithms(True)
    versions = {
        "python": platform.python_version(), "transformers": transformers.__version__,
        "torch": torch.__version__, "safetensors": safetensors.__version__,
        "huggingface_hub": huggingface_hub.__version__, "numpy": numpy.__version__,
        **kernel_record(), "seed": SEED, "script": "scripts/make_reference_checkpoints.py", "checkpoints": {},
    }
    for index, (name, spec) in enumerate(CHECKPOINTS.items()):
        folder = OUT / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        torch.manual_seed(SEED + index)
        generator = torch.Generator().manual_seed(SEED + index)
        config = BertConfig(**spec["config"])
        model = spec["cls"](config)
        randomize(model)
        model.save_pretrained(folder)
        tokenizer = None
        if spec["tokenizer"]:
            tokenizer = BertTokenizer(str(VOCAB), do_lower_case=True)
            tokenizer.save_pretrained(folder)
        batch = make_batch(config, tokenizer, generator)
        tensors = reference_outputs(folder, spec["cls"], batch)
        metadata = {"model_class": spec["cls"].__name__, "transformers_version": transformers.__version__,
                    "torch_version": torch.__version__, "seed": str(SEED + index),
                    "texts": json.dumps(TEXTS if tokenizer is not None else []), **kernel_record()}
        save_file(tensors, str(folder / "reference_outputs.safetensors"), metadata=metadata)
        versions["checkpoints"][name] = {
            "model_class": spec["cls"].__name__, "seed": SEED + index,
            "sha256": {p.name: sha256(p) for p in sorted(folder.iterdir())},
        }
        print(f"{name:36s} {spec['cls'].__name__:20s} {sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.2f} MB")
    (OUT / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
