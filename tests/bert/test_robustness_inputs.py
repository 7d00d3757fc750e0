"""Bad model inputs fail loudly, before any kernel runs, with the value named; numerics stay finite.

Covers the input half of the robustness issue: ids outside the vocabulary, sequences longer than the
position table, mismatched mask / token-type shapes, token types outside the type vocabulary, both or
neither of input_ids / inputs_embeds, masks with values other than 0/1, empty batches; half-precision
forward passes with heavy and total padding; and autograd anomaly detection through a training step.
"""

from __future__ import annotations

import pytest
import torch

from minibert import BertConfig, BertModel

V, C, P, TYPES = 50, 32, 16, 2


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=V, hidden_size=C, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                     max_position_embeddings=P, type_vocab_size=TYPES)
    return BertModel(cfg).eval()


def ids(B=2, T=5):
    return torch.randint(0, V, (B, T))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"input_ids": torch.tensor([[1, 2, V]])}, ValueError, f"input_ids contains {V}, outside \\[0, {V}\\)"),
        ({"input_ids": torch.tensor([[1, -3, 2]])}, ValueError, "input_ids contains -3"),
        ({"input_ids": ids(1, P + 1)}, ValueError, f"sequence length {P + 1} exceeds max_position_embeddings={P}"),
        ({"input_ids": ids(), "attention_mask": torch.ones(2, 4)}, ValueError, "attention_mask shape \\(2, 4\\)"),
        ({"input_ids": ids(), "token_type_ids": torch.zeros(2, 6, dtype=torch.long)}, ValueError,
         "token_type_ids shape"),
        ({"input_ids": ids(), "token_type_ids": torch.full((2, 5), TYPES)}, ValueError,
         f"token_type_ids contains {TYPES}"),
        ({"input_ids": ids(), "inputs_embeds": torch.zeros(2, 5, C)}, ValueError, "got both"),
        ({}, ValueError, "got neither"),
        ({"input_ids": torch.zeros(0, 5, dtype=torch.long)}, ValueError, "empty input"),
        ({"input_ids": torch.zeros(2, 0, dtype=torch.long)}, ValueError, "empty input"),
        ({"input_ids": ids().float()}, TypeError, "input_ids must be an integer tensor"),
        ({"input_ids": ids(), "attention_mask": torch.full((2, 5), -10000.0)}, ValueError,
         "only 0 \\(padding\\) and 1"),
        ({"input_ids": [[1, 2, 3]]}, TypeError, "input_ids must be a torch.Tensor"),
        ({"input_ids": ids(), "position_ids": torch.arange(5) + P}, ValueError, "position_ids contains"),
    ],
)
def test_bad_inputs_are_rejected_with_the_value_named(model, kwargs, error, message):
    with pytest.raises(error, match=message):
        model(**kwargs)


def test_masks_of_any_numeric_dtype_mean_the_same(model):
    x = ids(3, 7)
    mask = torch.ones(3, 7, dtype=torch.long)
    mask[1, 4:] = 0
    ref = model(x, attention_mask=mask).last_hidden_state
    for dtype in (torch.bool, torch.int32, torch.float16, torch.float64):
        out = model(x, attention_mask=mask.to(dtype)).last_hidden_state
        torch.testing.assert_close(out, ref, rtol=0, atol=0)


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_heavy_padding_gives_no_nan_or_inf(attn, dtype):
    torch.manual_seed(1)
    cfg = BertConfig(vocab_size=V, hidden_size=C, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                     max_position_embeddings=64, attn_implementation=attn)
    model = BertModel(cfg).eval().to(dtype)
    with torch.no_grad():
        # Make every score q·k/√d = -10·10·8/√8 ≈ -283: in fp16, min(-65504) + (-283) overflows to -inf, and a
        # fully padded row of -inf would be NaN after the softmax. This is the case the mask code must survive.
        for layer in model.encoder.layer:
            attn_self = layer.attention.self
            attn_self.query.weight.zero_()
            attn_self.query.bias.fill_(10.0)
            attn_self.key.weight.zero_()
            attn_self.key.bias.fill_(-10.0)
    x = torch.randint(0, V, (4, 40))
    mask = torch.zeros(4, 40, dtype=torch.long)
    mask[0, :] = 1
    mask[1, :3] = 1
    mask[2, :1] = 1  # row 3 stays fully padded
    for output_attentions in (False, True):
        out = model(x, attention_mask=mask, output_attentions=output_attentions, output_hidden_states=True)
        for h in out.hidden_states:
            assert torch.isfinite(h).all(), f"non-finite hidden state ({attn}, {dtype})"
        assert torch.isfinite(out.pooler_output).all()
        if output_attentions:
            assert all(torch.isfinite(a).all() for a in out.attentions)


def test_training_step_is_clean_under_anomaly_detection():
    torch.manual_seed(2)
    cfg = BertConfig(vocab_size=V, hidden_size=C, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                     max_position_embeddings=P, attn_implementation="eager")
    model = BertModel(cfg).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = ids(3, 9)
    mask = torch.ones(3, 9, dtype=torch.long)
    mask[2, 5:] = 0
    with torch.autograd.detect_anomaly():
        for _ in range(2):
            out = model(x, attention_mask=mask)
            loss = out.last_hidden_state.pow(2).mean() + out.pooler_output.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert all(torch.isfinite(p).all() for p in model.parameters())
