"""The reference outputs stored next to a checkpoint: ``reference_outputs.safetensors``.

scripts/make_reference_checkpoints.py runs the reference (``transformers``) once on each checkpoint in
checkpoints/ and stores its inputs and outputs, so that minibert can be checked against it on a machine
without ``transformers``. Tensor names in the file:

    inputs.input_ids / inputs.attention_mask / inputs.token_type_ids     (B, T) int64
    hidden_states.{0..L} (B, T, C), attentions.{0..L-1} (B, H, T, T), last_hidden_state, pooler_output (B, C)
    modules.<name>       the output of module <name> (e.g. encoder.layer.0.intermediate), as minibert/parity/table.py
                         compares them
    heads.*              task-head outputs (BertForPreTraining checkpoints)

and its metadata (strings): model_class, transformers_version, torch_version, seed, texts (JSON list).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

REFERENCE_FILE = "reference_outputs.safetensors"


def load_stored_reference(folder: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, str]] | None:
    """The stored reference outputs of a checkpoint folder (tensors, metadata), or None if it has none."""
    path = Path(folder) / REFERENCE_FILE
    if not path.is_file():
        return None
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})


def running_kernels() -> str:
    """The kernels this process computes with: torch's version and CPU capability, e.g. "torch 2.13.0+cpu, AVX512"."""
    return f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}"


def recorded_kernels(metadata: dict[str, str]) -> str | None:
    """The kernels a stored file's metadata records, in ``running_kernels``'s words; None if it records none."""
    if "cpu_capability" not in metadata:
        return None
    return f"torch {metadata.get('torch_version', '?')}, {metadata['cpu_capability']}"


def kernels_note(metadata: dict[str, str]) -> str | None:
    """None when stored outputs were computed under the kernels running now; else a sentence saying what that means.

    The same weights and inputs round differently under other kernels (torch picks AVX-512, AVX2 or plain loops
    at start-up, and they sum in different orders): a few 1e-6 on a tiny checkpoint's logits. So a comparison with
    another machine's numbers can land a hair above 1e-5 with nothing wrong; the reference run here settles it.
    """
    recorded, running = recorded_kernels(metadata), running_kernels()
    if recorded == running:
        return None
    made = f"under {recorded}" if recorded else "under kernels the file does not record"
    return (f"the stored outputs were computed {made}; this process runs {running}: other kernels sum in another "
            "order, so a max |Δ| just above the tolerance can be rounding; with transformers installed the "
            "reference runs here, under the same kernels")


def stored_module_outputs(stored: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Stored reference tensors under the same names ``capture`` uses."""
    out = {k.removeprefix("modules."): v for k, v in stored.items() if k.startswith("modules.")}
    for k, v in stored.items():
        if k.startswith("attentions."):
            out[f"encoder.layer.{k.split('.')[1]}.attention.probs"] = v
    return out


def synthetic_inputs(config, batch: int = 3, length: int = 16, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random ids with padding (lengths T, ~T/2, 2) and two segments, for checkpoints without stored inputs."""
    g = torch.Generator().manual_seed(seed)
    T = min(length, config.max_position_embeddings)
    ids = torch.randint(0, config.vocab_size, (batch, T), generator=g)
    mask = torch.ones(batch, T, dtype=torch.long)
    types = torch.zeros(batch, T, dtype=torch.long)
    if config.type_vocab_size > 1:
        types[:, T // 2:] = 1
    for b, n in enumerate([T, max(1, T // 2), min(2, T)][:batch]):
        mask[b, n:] = 0
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
