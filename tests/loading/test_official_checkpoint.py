"""Real weights: sentence-transformers/all-MiniLM-L6-v2 in minibert and in the reference, on real sentences.

Found through the ``official_checkpoint`` fixture (MINIBERT_OFFICIAL_CHECKPOINT or --official-checkpoint);
skipped with that reason where it is not configured.
"""

from __future__ import annotations

import pytest
import torch

transformers = pytest.importorskip("transformers")

from minibert import BertModel  # noqa: E402

TOL = 1e-5
SENTENCES = [
    "A man is playing a guitar.",
    "The new movie is awesome, I loved every minute of it!",
    "Paris is the capital of France.",
    "Unaffable bureaucrats rarely answer e-mails about the 2024 budget.",
]


def max_diff(a, b) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float((a.double() - b.double()).abs().max())


def sentence_embeddings(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The sentence-transformers recipe for this model: mean over real tokens, then L2-normalise. (B, C)."""
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)  # (B, T, 1)
    mean = (last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(mean, p=2, dim=1)


@pytest.fixture(scope="module")
def reference_models(official_checkpoint):
    """The reference on both attention paths: each minibert path is compared with the same kernel choice
    (fused SDPA and explicit softmax differ by a few 1e-6 on these weights, see test_parity_model for eager==sdpa)."""
    return {impl: transformers.BertModel.from_pretrained(official_checkpoint, attn_implementation=impl).eval()
            for impl in ("eager", "sdpa")}


@pytest.fixture(scope="module")
def batch(official_checkpoint):
    tokenizer = transformers.BertTokenizer.from_pretrained(official_checkpoint)
    return dict(tokenizer(SENTENCES, padding=True, return_tensors="pt"))


@pytest.mark.official
@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_all_minilm_matches_the_reference(official_checkpoint, reference_models, batch, impl):
    ours, info = BertModel.from_pretrained(official_checkpoint, attn_implementation=impl, output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == []
    assert ours.config.num_hidden_layers == 6 and ours.config.hidden_size == 384
    assert not bool(batch["attention_mask"].all()), "the batch should contain padding"
    with torch.no_grad():
        a = ours(**batch, output_hidden_states=True, output_attentions=(impl == "eager"))
        b = reference_models[impl](**batch, output_hidden_states=True, output_attentions=(impl == "eager"))
    assert len(a.hidden_states) == 7
    for i, (x, y) in enumerate(zip(a.hidden_states, b.hidden_states)):
        assert max_diff(x, y) <= TOL, f"hidden_states[{i}]: {max_diff(x, y):.2e}"
    if impl == "eager":
        for i, (x, y) in enumerate(zip(a.attentions, b.attentions)):
            assert max_diff(x, y) <= TOL, f"attentions[{i}]"
    assert max_diff(a.pooler_output, b.pooler_output) <= TOL

    ea = sentence_embeddings(a.last_hidden_state, batch["attention_mask"])
    eb = sentence_embeddings(b.last_hidden_state, batch["attention_mask"])
    assert max_diff(ea, eb) <= TOL
    assert torch.allclose(ea.norm(dim=1), torch.ones(len(SENTENCES)), atol=1e-6)
    # a trained model, not noise: two unrelated sentences (guitar / Paris) get a low cosine similarity
    similarity = ea @ ea.T
    assert float(similarity[0, 2]) < 0.5


@pytest.mark.official
def test_minibert_tokenizer_gives_the_same_ids_and_embeddings(official_checkpoint, reference_models, batch):
    minibert = pytest.importorskip("minibert.tokenization")
    tokenizer = minibert.BertTokenizer.from_pretrained(official_checkpoint)
    ours = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert torch.equal(torch.as_tensor(ours[key]), batch[key]), key
    model = BertModel.from_pretrained(official_checkpoint)
    inputs = {k: torch.as_tensor(ours[k]) for k in ("input_ids", "token_type_ids", "attention_mask")}
    with torch.no_grad():
        ea = sentence_embeddings(model(**inputs).last_hidden_state, inputs["attention_mask"])
        eb = sentence_embeddings(reference_models["sdpa"](**batch).last_hidden_state, batch["attention_mask"])
    assert max_diff(ea, eb) <= TOL


@pytest.mark.official
def test_check_command_passes_on_the_official_checkpoint(official_checkpoint):
    from minibert.parity.check import check_checkpoint

    report = check_checkpoint(official_checkpoint)
    assert report.ok, report.format_table()
    assert len(report.rows) == 1 + 6 * 5 + 1
