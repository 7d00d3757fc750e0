"""Shared by the parity tests of the advanced mechanisms (pruning, head masks, checkpointing, chunking,
relative positions): a minibert model and a `transformers` 4.57.6 model holding the same weights, a
padded random batch, and a loss whose gradients both models can be compared on.
"""

from __future__ import annotations

import torch
import transformers

from minibert import BertConfig, BertModel

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=24, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def model_pair(impl: str = "eager", seed: int = 0, **overrides) -> tuple[BertModel, transformers.BertModel]:
    """(minibert, reference) with identical random weights, both in eval mode."""
    fields = {**TINY, **overrides}
    torch.manual_seed(seed)
    theirs = transformers.BertModel(transformers.BertConfig(**fields, attn_implementation=impl))
    assert theirs.config._attn_implementation == impl
    ours = BertModel(BertConfig(**fields, attn_implementation=impl))
    missing, unexpected = ours.load_state_dict(theirs.state_dict(), strict=False)
    # The reference also keeps non-weight buffers (position_ids / token_type_ids): nothing else may differ.
    assert not missing and all(k.startswith("embeddings.") and k.endswith("_ids") for k in unexpected)
    return ours.eval(), theirs.eval()


def random_batch(B: int, T: int, vocab: int = TINY["vocab_size"], seed: int = 1, pad: bool = True):
    """input_ids, attention_mask (later rows padded), token_type_ids, each (B, T) int64."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocab, (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    if pad:
        for b in range(1, B):
            mask[b, max(1, T - 2 * b):] = 0
    types = torch.zeros(B, T, dtype=torch.long)
    types[:, T // 2:] = 1
    return ids, mask, types


def weighted_loss(out, seed: int = 2) -> torch.Tensor:
    """A scalar touching every output value with a fixed random weight (a plain sum has symmetric grads).

    Each term is divided by sqrt(numel) so parameter gradients are of order 1: an absolute tolerance of
    1e-5 on them is then about 1e-5 relative, neither hidden by tiny gradients nor swamped by huge ones.
    """
    g = torch.Generator().manual_seed(seed)
    loss = 0.0
    for t in (out.last_hidden_state, out.pooler_output):
        if t is not None:
            loss = loss + (t * torch.randn(t.shape, generator=g)).sum() / t.numel() ** 0.5
    return loss


def grads(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a - b).abs().max().item() if a.numel() else 0.0


def assert_grads_close(ours: dict, theirs: dict, atol: float) -> None:
    assert ours.keys() == theirs.keys(), set(ours) ^ set(theirs)
    worst = max((max_diff(ours[k], theirs[k]), k) for k in ours)
    assert worst[0] <= atol, f"largest gradient difference {worst[0]:.3g} at {worst[1]}"
