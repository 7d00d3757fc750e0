"""``MINIBERT_MODEL=bert-base-chinese`` from the local Hugging Face cache, offline, against the reference.

The cache holds a folder laid out as huggingface_hub lays it out (models--bert-base-chinese/blobs, snapshots/<sha>,
refs/main) with bert-base-chinese's config.json shrunk in size, weights drawn by the reference
(``transformers.BertForMaskedLM``, transformers 4.57.6, torch seed 0), a small Chinese vocabulary of the same
shape as the real one (characters, "##" characters, lower-case English pieces) and the Hub's tokenizer_config.json,
which says ``do_lower_case: false`` (transformers issue 9286: the real vocabulary has no capitals, so "BERT" is
[UNK] with it; both libraries must agree on that too).
"""

from __future__ import annotations

import json

import huggingface_hub.constants
import pytest
import torch

transformers = pytest.importorskip("transformers")

from _dropin import max_diff  # noqa: E402
from test_defaults import add_snapshot  # noqa: E402

import minibert  # noqa: E402

# bert-base-chinese's config.json, with its sizes shrunk (vocab_size: the vocabulary below)
CONFIG = {
    "architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1, "directionality": "bidi",
    "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 32, "initializer_range": 0.02,
    "intermediate_size": 64, "layer_norm_eps": 1e-12, "max_position_embeddings": 64, "model_type": "bert",
    "num_attention_heads": 2, "num_hidden_layers": 2, "pad_token_id": 0, "pooler_fc_size": 32,
    "pooler_num_attention_heads": 2, "pooler_num_fc_layers": 3, "pooler_size_per_head": 16,
    "pooler_type": "first_token_transform", "type_vocab_size": 2,
}
CHARS = sorted(set("我爱自然语言处理很好用今天气不错们去公园散步吧北京是中国的首都巴黎法这个模型能够理解文字"))
VOCAB = (["[PAD]"] + [f"[unused{i}]" for i in range(1, 6)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
         + ["，", "。", "！", "？", "、", "（", "）", ",", ".", "!", "?", "(", ")", "0", "1", "2", "12", "##0", "##5"]
         + CHARS + ["##" + c for c in CHARS[:10]] + ["bert", "transformer", "##s", "run", "##ning", "the"])
TEXTS = [
    "我爱自然语言处理，BERT 很好用。",
    "北京是[MASK]国的首都。",
    "巴黎是法国的首都！Transformer 模型能够理解文字？",
    "今天天气不错（12 度），我们去公园散步吧。",
    "running the bert 模型, 2005!",
    "Ｆｕｌｌ　ｗｉｄｔｈ：ＢＥＲＴ１２３",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    root = tmp_path_factory.mktemp("zh")
    torch.manual_seed(0)
    model = transformers.BertForMaskedLM(transformers.BertConfig(**CONFIG, vocab_size=len(VOCAB)))
    model.save_pretrained(root / "saved")
    files = {
        "config.json": (root / "saved" / "config.json").read_bytes(),
        "model.safetensors": (root / "saved" / "model.safetensors").read_bytes(),
        "vocab.txt": "".join(t + "\n" for t in VOCAB).encode("utf-8"),
        "tokenizer_config.json": json.dumps({"do_lower_case": False, "model_max_length": 512}).encode(),
    }
    add_snapshot(root / "hub", "bert-base-chinese", files, commit="8d2a91f91cc38c96bb8b4556ba70c392f8d5ee55")
    return root / "hub"


@pytest.fixture
def offline(cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # read at import: set it here too
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("MINIBERT_MODEL", "bert-base-chinese")
    return cache


def test_tokenizer_matches_the_reference_on_chinese(offline):
    ours = minibert.BertTokenizer.from_pretrained("bert-base-chinese")
    slow = transformers.BertTokenizer.from_pretrained("bert-base-chinese", cache_dir=offline)
    fast = transformers.BertTokenizerFast.from_pretrained("bert-base-chinese", cache_dir=offline)
    assert ours.do_lower_case is False == slow.do_lower_case
    for text in TEXTS:
        assert ours.tokenize(text) == slow.tokenize(text) == fast.tokenize(text), text
        enc, ref = ours(text, return_offsets_mapping=True), fast(text, return_offsets_mapping=True)
        assert enc["input_ids"] == slow(text)["input_ids"] == ref["input_ids"], text
        assert [tuple(o) for o in enc["offset_mapping"]] == [tuple(o) for o in ref["offset_mapping"]], text
    assert ours.tokenize("我爱BERT") == ["我", "爱", "[UNK]"]  # cased, as the Hub's tokenizer_config says
    lower = [lib.BertTokenizer.from_pretrained("bert-base-chinese", do_lower_case=True, cache_dir=offline)
             for lib in (minibert, transformers)]
    assert lower[0].tokenize("我爱BERT") == lower[1].tokenize("我爱BERT") == ["我", "爱", "bert"]


def test_model_outputs_match_the_reference(offline):
    ours = minibert.BertForMaskedLM.from_pretrained("bert-base-chinese").eval()
    theirs = transformers.BertForMaskedLM.from_pretrained("bert-base-chinese", cache_dir=offline).eval()
    tokenizer = minibert.BertTokenizer.from_pretrained("bert-base-chinese")
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        a = ours(**batch, output_hidden_states=True)
        b = theirs(**batch, output_hidden_states=True)
    assert max_diff(a.logits, b.logits) <= 1e-5
    for x, y in zip(a.hidden_states, b.hidden_states, strict=True):
        assert max_diff(x, y) <= 1e-5


def test_minibert_model_env_picks_bert_base_chinese(offline, capsys):
    unmasker = minibert.pipeline("fill-mask")  # no model named: MINIBERT_MODEL decides
    assert "model: bert-base-chinese (MINIBERT_MODEL is set" in capsys.readouterr().err
    reference = transformers.pipeline("fill-mask", model="bert-base-chinese",
                                      model_kwargs={"cache_dir": str(offline)})
    ours, theirs = unmasker(TEXTS[1]), reference(TEXTS[1])
    assert [r["token_str"] for r in ours] == [r["token_str"] for r in theirs]
    assert max(abs(r["score"] - s["score"]) for r, s in zip(ours, theirs)) <= 1e-5
