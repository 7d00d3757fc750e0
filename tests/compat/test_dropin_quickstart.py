"""The classic BERT quick-start, written as users of the reference write it, run twice: once with ``transformers``,
once with ``minibert`` in its place (``lib`` below). Every result is compared with the reference's.

The checkpoint is a small random BERT with bert-base-uncased's vocabulary, saved by the reference into a Hub cache
laid out as huggingface_hub lays it out, so ``from_pretrained("bert-base-uncased", cache_dir=...)`` runs offline.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch
import transformers
from _dropin import TINY, max_diff

import minibert

NAME = "bert-base-uncased"
COMMIT = "b" * 40
TEXT = "Here is some text to encode"
A, B = "The company HuggingFace is based in New York City", "HuggingFace's headquarters are situated in Manhattan"


def add_to_cache(cache: Path, repo_id: str, folder: Path) -> None:
    """``folder``'s files as a Hub cache snapshot: blobs by hash, relative symlinks, refs/main."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / COMMIT
    (repo / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for path in folder.iterdir():
        blob = hashlib.sha256(path.read_bytes()).hexdigest()
        (repo / "blobs" / blob).write_bytes(path.read_bytes())
        (snapshot / path.name).symlink_to(Path("..", "..", "blobs", blob))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)


@pytest.fixture(scope="module")
def files(tmp_path_factory, vocab_file):
    root = tmp_path_factory.mktemp("quickstart")
    config = dict(TINY, vocab_size=30522, max_position_embeddings=64)
    torch.manual_seed(0)
    transformers.BertModel(transformers.BertConfig(**config)).save_pretrained(root / "bert")
    transformers.BertTokenizer(str(vocab_file)).save_pretrained(root / "bert")
    add_to_cache(root / "cache", NAME, root / "bert")
    torch.manual_seed(1)
    labels = {"id2label": {0: "NEGATIVE", 1: "POSITIVE"}, "label2id": {"NEGATIVE": 0, "POSITIVE": 1}}
    transformers.BertForSequenceClassification(transformers.BertConfig(**config, **labels)).save_pretrained(
        root / "mrpc")
    transformers.BertTokenizer(str(vocab_file)).save_pretrained(root / "mrpc")
    return root


def quickstart(lib, root: Path, monkeypatch) -> dict:
    """The quick-start calls, exactly as written for the reference, with ``lib`` as the library."""
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # read at import time: set it here too
    out = {}
    tokenizer = lib.BertTokenizer.from_pretrained(NAME, cache_dir=root / "cache")
    out["vocab"] = tokenizer.get_vocab()
    model = lib.BertModel.from_pretrained(root / "bert", output_hidden_states=True)
    model.eval()
    out["embedding_matrix"] = model.get_input_embeddings().weight.detach().clone()
    input_ids = torch.tensor([tokenizer.encode(TEXT, add_special_tokens=True)])
    out["input_ids"] = input_ids
    with torch.no_grad():
        outputs = model(input_ids)
    out["last_hidden_state"], out["hidden_states"] = outputs[0], outputs[2]
    out["encode_plus"] = dict(tokenizer.encode_plus(text=A, text_pair=B, max_length=20, truncation=True))
    path = root / "bert"
    config_dict, _ = lib.BertConfig.from_pretrained(path).get_config_dict(path)
    config_dict.pop("_commit_hash", None)
    out["config_dict"] = config_dict

    # fine-tuning: AdamW with no weight decay on biases and LayerNorm weights, linear warm-up and decay
    no_decay = ["bias", "LayerNorm.weight"]
    grouped = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
         "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(grouped, lr=1e-3)
    scheduler = lib.get_linear_schedule_with_warmup(optimizer, num_warmup_steps=2, num_training_steps=6)
    model.train()  # dropout is 0 in this config, so both libraries see the same function
    out["lrs"], out["losses"] = [], []
    for _ in range(4):
        loss = model(input_ids).last_hidden_state[:, 0].square().mean()
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        out["lrs"].append(scheduler.get_last_lr())
        out["losses"].append(float(loss.detach()))
    out["trained_pooler"] = model.pooler.dense.weight.detach().clone()

    # a paraphrase pair through the Auto classes
    tokenizer = lib.AutoTokenizer.from_pretrained(root / "mrpc")
    classifier = lib.AutoModelForSequenceClassification.from_pretrained(root / "mrpc")
    paraphrase = tokenizer(A, B, return_tensors="pt")
    with torch.no_grad():
        out["paraphrase"] = torch.softmax(classifier(**paraphrase).logits, dim=1)
    sentiment = lib.pipeline("sentiment-analysis", model=str(root / "mrpc"))
    out["sentiment"] = sentiment(["We are very happy to show you the library.", "We hope you don't hate it."])
    return out


def test_the_quickstart_gives_the_reference_results(files, monkeypatch):
    ours, theirs = quickstart(minibert, files, monkeypatch), quickstart(transformers, files, monkeypatch)
    assert ours["vocab"] == theirs["vocab"] and len(ours["vocab"]) == 30522
    assert torch.equal(ours["embedding_matrix"], theirs["embedding_matrix"])
    assert torch.equal(ours["input_ids"], theirs["input_ids"])
    assert max_diff(ours["last_hidden_state"], theirs["last_hidden_state"]) <= 1e-5
    assert len(ours["hidden_states"]) == len(theirs["hidden_states"]) == TINY["num_hidden_layers"] + 1
    for a, b in zip(ours["hidden_states"], theirs["hidden_states"]):
        assert max_diff(a, b) <= 1e-5
    assert ours["encode_plus"] == theirs["encode_plus"] and len(ours["encode_plus"]["input_ids"]) == 20
    assert ours["config_dict"] == theirs["config_dict"]
    assert ours["lrs"] == theirs["lrs"] and ours["lrs"][0] == [5e-4, 5e-4]  # same formula, same floats
    assert ours["losses"] == pytest.approx(theirs["losses"], rel=1e-5)
    assert max_diff(ours["trained_pooler"], theirs["trained_pooler"]) <= 1e-5
    assert max_diff(ours["paraphrase"], theirs["paraphrase"]) <= 1e-5
    assert [r["label"] for r in ours["sentiment"]] == [r["label"] for r in theirs["sentiment"]]
    assert [r["score"] for r in ours["sentiment"]] == pytest.approx([r["score"] for r in theirs["sentiment"]],
                                                                    abs=1e-5)
