"""DIR/model/: the pre-trained model as a standard Hugging Face folder, and its parity with the reference.

    config.json, model.safetensors (fp32), vocab.txt, tokenizer_config.json, special_tokens_map.json
    reference_outputs.safetensors     the reference's outputs on the standard batch (as checkpoints/* ship them)

``transformers.BertForMaskedLM.from_pretrained(DIR/model)`` loads it unchanged. The reference's outputs are
computed by minibert/parity/reference.py (the one module that may import ``transformers``) when it is installed;
then the report's ``parity_max_abs_diff`` is the max |Δ| of the two libraries' masked-LM logits on that batch. Without
``transformers`` both are left out and the report says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from minibert.loading.reference_outputs import REFERENCE_FILE
from minibert.parity import reference


def add_untrained_pooler(weights: Path, hidden_size: int, seed: int = 0) -> None:
    """Add ``bert.pooler.*`` at BERT's initialisation (N(0, 0.02²), bias 0, ``seed``), in the file's dtype.

    MLM-only pre-training (as RoBERTa) never trains the pooler, which only NSP reads. Storing it initialised
    keeps ``BertModel``'s ``pooler_output`` defined and identical in every library that loads the file, rather
    than drawn afresh, differently, by each ``from_pretrained``.
    """
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(weights), framework="pt") as f:
        tensors, metadata = {k: f.get_tensor(k) for k in f.keys()}, f.metadata()
    dtype = tensors["bert.embeddings.word_embeddings.weight"].dtype
    g = torch.Generator().manual_seed(seed)
    tensors["bert.pooler.dense.weight"] = (torch.randn(hidden_size, hidden_size, generator=g) * 0.02).to(dtype)
    tensors["bert.pooler.dense.bias"] = torch.zeros(hidden_size, dtype=dtype)
    save_file(tensors, str(weights), metadata=metadata)


def export(model, tokenizer, folder: Path) -> tuple[float | None, str]:
    """Write the folder; return (max |Δ| of the masked-LM logits against the reference or None, a note)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    model.save_pretrained(folder)
    add_untrained_pooler(folder / "model.safetensors", model.config.hidden_size)
    tokenizer.save_pretrained(folder)
    (folder / REFERENCE_FILE).unlink(missing_ok=True)  # a stale file from an earlier call would be wrong
    lib = reference.reference_library()
    if lib is None:
        return None, "transformers is not installed: the reference's outputs were not computed"
    tensors = reference.reference_outputs_for(folder)
    save_file({k: v.clone().contiguous() for k, v in tensors.items()}, str(folder / REFERENCE_FILE),
              metadata={"model_class": "BertModel", "transformers_version": lib.__version__,
                        "torch_version": torch.__version__, "texts": json.dumps(reference.REFERENCE_TEXTS),
                        # the kernels that computed them (loading/reference_outputs.py: kernels_note)
                        "cpu_capability": torch.backends.cpu.get_cpu_capability()})
    inputs = {k.removeprefix("inputs."): v for k, v in tensors.items() if k.startswith("inputs.")}
    diff = reference.masked_lm_max_abs_diff(folder, inputs)
    return diff, f"transformers {lib.__version__} BertForMaskedLM, the standard batch, fp32 logits"
