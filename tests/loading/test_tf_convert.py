"""``python -m minibert convert`` and ``check`` on original Google checkpoints (checkpoints/tf/).

The converted folder is loaded by the reference itself (``transformers`` 4.57.6, model and both tokenizers):
every weight must be TensorFlow's value in PyTorch's layout, and the reference's logits must equal minibert's
on the original checkpoint.
"""

from __future__ import annotations

import pytest
import torch
from test_tf_checkpoint import BERT_FIXTURES, CLASSIFIER, PRETRAIN, SQUAD, expected_pairs, tf_values

import minibert
from minibert.__main__ import main

transformers = pytest.importorskip("transformers")
CLASS = {PRETRAIN: "BertForPreTraining", CLASSIFIER: "BertForSequenceClassification",
         SQUAD: "BertForQuestionAnswering"}


@pytest.mark.parametrize("folder", BERT_FIXTURES, ids=lambda p: p.name)
def test_converted_folder_loads_in_the_reference_with_tensorflows_values(folder, tmp_path, capsys):
    out = tmp_path / "converted"
    assert main(["convert", str(folder), str(out)]) == 0
    printed = capsys.readouterr().out
    name = CLASS.get(folder, "BertForPreTraining")
    assert f"as {name}" in printed
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors", "special_tokens_map.json",
                                                     "tokenizer_config.json", "vocab.txt"]
    ref, info = getattr(transformers, name).from_pretrained(out, output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [], info
    for what, theirs_param, tf_value in expected_pairs(ref, tf_values(folder)):
        assert torch.equal(theirs_param.detach(), tf_value), what

    ours = getattr(minibert, name).from_pretrained(folder).eval()  # straight from the TensorFlow files
    g = torch.Generator().manual_seed(0)
    batch = {"input_ids": torch.randint(0, ours.config.vocab_size, (2, 7), generator=g),
             "token_type_ids": torch.randint(0, ours.config.type_vocab_size, (2, 7), generator=g),
             "attention_mask": torch.tensor([[1] * 7, [1] * 4 + [0] * 3])}
    with torch.no_grad():
        a, b = ours(**batch), ref.eval()(**batch)
    for key in [k for k in b.keys() if k.endswith("logits")]:
        assert (a[key] - b[key]).abs().max() <= 1e-5, key

    text = "Hello World, the quick brown fox!"
    ids = minibert.BertTokenizer.from_pretrained(folder)(text)["input_ids"]
    assert transformers.BertTokenizer.from_pretrained(out)(text)["input_ids"] == ids
    assert transformers.AutoTokenizer.from_pretrained(out)(text)["input_ids"] == ids  # the Rust tokenizer too


def test_convert_refuses_what_it_should(tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep me")
    assert main(["convert", str(PRETRAIN), str(tmp_path / "full")]) == 1
    assert "not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "full" / "mine.txt").read_text() == "keep me"
    assert main(["convert", "checkpoints/tiny-bert", str(tmp_path / "x")]) == 1
    assert "is not a TensorFlow checkpoint" in capsys.readouterr().err


@pytest.mark.parametrize("folder", [PRETRAIN, SQUAD], ids=lambda p: p.name)
def test_check_works_on_the_release_folder(folder, capsys):
    assert main(["check", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "result: OK" in printed and "original TensorFlow checkpoint" in printed
