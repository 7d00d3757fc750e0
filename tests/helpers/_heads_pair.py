"""Shared by the task-head tests: tiny configs, a minibert head and a `transformers` 4.57.6 head holding the
same weights, and output / gradient comparisons.
"""

from __future__ import annotations

import torch
import transformers

import minibert

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=24, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
HEAD_NAMES = ["BertForPreTraining", "BertForMaskedLM", "BertForNextSentencePrediction",
              "BertForSequenceClassification", "BertForMultipleChoice", "BertForTokenClassification",
              "BertForQuestionAnswering"]
ATOL = 1e-5


def configs(**overrides) -> tuple[minibert.BertConfig, transformers.BertConfig]:
    fields = {**TINY, **overrides}
    return (minibert.BertConfig(**fields, attn_implementation="eager"),
            transformers.BertConfig(**fields, attn_implementation="eager"))


def perturb(model: torch.nn.Module, seed: int) -> None:
    """Move every parameter off its initial value: biases stop being 0 and LayerNorm weights 1, so a weight
    that is dropped, left uninitialised or reset on loading shows up as a difference."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)


def reference_head(name: str, seed: int = 0, **overrides) -> transformers.PreTrainedModel:
    """A perturbed random `transformers` head, in train mode."""
    torch.manual_seed(seed)
    theirs = getattr(transformers, name)(configs(**overrides)[1])
    perturb(theirs, seed + 100)
    return theirs.train()


def copy_to_minibert(theirs: transformers.PreTrainedModel, name: str, **overrides) -> torch.nn.Module:
    """The same weights in a minibert head, through ``load_state_dict``."""
    ours = getattr(minibert, name)(configs(**overrides)[0])
    missing, unexpected = ours.load_state_dict(theirs.state_dict(), strict=False)
    # The reference also keeps constant buffers (position_ids / token_type_ids): nothing else may differ.
    assert not missing, missing
    assert all(k.endswith(("position_ids", "token_type_ids")) for k in unexpected), unexpected
    return ours.train()


def random_inputs(B: int = 3, T: int = 9, seed: int = 1, choices: int | None = None) -> dict:
    """input_ids, attention_mask (later rows padded), token_type_ids: (B, T), or (B, C, T) with ``choices``."""
    g = torch.Generator().manual_seed(seed)
    shape = (B, T) if choices is None else (B, choices, T)
    ids = torch.randint(1, TINY["vocab_size"], shape, generator=g)
    mask = torch.ones(shape, dtype=torch.long)
    for b in range(1, B):
        mask[b, ..., T - 2 * b:] = 0
    types = torch.zeros(shape, dtype=torch.long)
    types[..., T // 2:] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def assert_close(a, b, what: str, atol: float = ATOL) -> None:
    """Tensors, or tuples of tensors (hidden states, attentions), equal within ``atol``."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.shape == b.shape, (what, getattr(b, "shape", b), a.shape)
        diff = (a.detach() - b.detach()).abs().max().item() if a.numel() else 0.0
        assert diff <= atol, f"{what}: max abs diff {diff:.3g} > {atol}"
        return
    assert len(a) == len(b), (what, len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b)):
        assert_close(x, y, f"{what}[{i}]", atol)


def assert_outputs_close(ours, theirs) -> None:
    """Same non-None fields, in the same order, with the same values."""
    assert list(ours.keys()) == list(theirs.keys()), (list(ours.keys()), list(theirs.keys()))
    for key in ours.keys():
        assert_close(ours[key], theirs[key], key)


def grads(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
