"""Original Google BERT checkpoints (TensorFlow's tensor bundles), read without TensorFlow.

The fixtures in checkpoints/tf/ were written by TensorFlow's own saver (scripts/make_tf_checkpoints.py), and
next to each lies ``tf_values.safetensors``: every variable as TensorFlow read it back. Here everything is
compared with those values; the live comparison with TensorFlow and ``load_tf_weights_in_bert`` is
tests/loading/test_tf_reference.py (CI's TensorFlow environment).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch
from _tf_writer import table
from safetensors.torch import load_file

import minibert
from minibert import BertConfig, BertTokenizer
from minibert.loading.crc32c import LANES, _extend, crc32c
from minibert.loading.sstable import read_table
from minibert.loading.tf_bundle import TensorBundle

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "checkpoints" / "tf"
PRETRAIN = FIXTURES / "uncased_L-2_H-24_A-3"  # bert_model.ckpt, Adam slots, global_step
CLASSIFIER = FIXTURES / "cased_L-1_H-20_A-5"  # model.ckpt-7 + checkpoint file, output_weights (3 labels)
SQUAD = FIXTURES / "uncased_L-3_H-16_A-2_squad"  # model.ckpt-12, cls/squad/*
SHARDS = FIXTURES / "uncased_L-2_H-12_A-4_shards"  # two data files
BERT_FIXTURES = [PRETRAIN, CLASSIFIER, SQUAD, SHARDS]
# The head modules each fixture has weights for (besides the encoder, "bert").
PROVIDES = {PRETRAIN: ("cls.predictions", "cls.seq_relationship"), CLASSIFIER: ("classifier",),
            SQUAD: ("qa_outputs",), SHARDS: ("cls.predictions", "cls.seq_relationship")}
# Reference module -> the prefix of its variables' TensorFlow names.
GROUPS = {"cls.predictions": "cls/predictions/", "cls.seq_relationship": "cls/seq_relationship/",
          "classifier": "output_", "qa_outputs": "cls/squad/", "bert.pooler": "bert/pooler/"}
SLOTS = ("/adam_m", "/adam_v")
HEADS = ["BertModel", "BertForPreTraining", "BertForMaskedLM", "BertForNextSentencePrediction",
         "BertForSequenceClassification", "BertForMultipleChoice", "BertForTokenClassification",
         "BertForQuestionAnswering"]


def tf_values(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(folder / "tf_values.safetensors")


def prefix(folder: Path) -> Path:
    return next(folder.glob("*.index")).with_suffix("")


def as_torch(array: np.ndarray, dtype: str) -> torch.Tensor:
    if dtype == "bfloat16":
        return torch.from_numpy(array.view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(np.array(array))


# -- the reader ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", BERT_FIXTURES + [FIXTURES / "dtypes"], ids=lambda p: p.name)
def test_reader_returns_exactly_what_tensorflow_reads(folder):
    bundle, expected = TensorBundle(prefix(folder)), tf_values(folder)
    assert sorted(bundle.entries) == sorted(expected)
    for name, entry in bundle.entries.items():
        got = as_torch(bundle.read(name), entry.dtype)
        assert got.dtype == expected[name].dtype and got.shape == expected[name].shape, name
        assert torch.equal(got, expected[name]), name


def test_every_dtype_scalar_empty_and_3d_tensor():
    bundle = TensorBundle(prefix(FIXTURES / "dtypes"))
    dtypes = {n.split("/")[1]: e.dtype for n, e in bundle.entries.items() if n.startswith("dtypes/")}
    assert dtypes == {d: d for d in ("bfloat16", "bool", "float16", "float32", "float64", "int32", "int64", "int8",
                                     "uint8")}
    shapes = {n: e.shape for n, e in bundle.entries.items() if n.startswith("shapes/")}
    assert shapes == {"shapes/scalar": (), "shapes/empty": (0, 4), "shapes/three_d": (2, 3, 4)}


def test_two_shards_are_both_read():
    bundle = TensorBundle(prefix(SHARDS))
    assert bundle.num_shards == 2 and {e.shard for e in bundle.entries.values()} == {0, 1}


@pytest.mark.parametrize("n", [0, 1, 9, 4 * 16 * LANES - 1, 4 * 16 * LANES, 4 * 16 * LANES + 5, 3 * 4 * 16 * LANES + 3])
def test_crc32c_lanes_equal_the_byte_by_byte_definition(n):
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    assert crc32c(data) == _extend(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    assert crc32c(b"123456789") == 0xE3069283  # the standard check value of CRC-32C (RFC 3720)


def test_opening_reads_the_index_only(tmp_path):
    """A 1.3 GB data file (sparse: no disk used) opens and lists without reading it: a few MB allocated at most.

    Time is bounded in CPU seconds, generously: a wall-clock bound would fail on a loaded machine, and what the
    bound is for is catching a reader that walks the data file (seconds of CPU for 1.3 GB), not timing it."""
    folder = tmp_path / "big"
    shutil.copytree(PRETRAIN, folder)
    data = folder / "bert_model.ckpt.data-00000-of-00001"
    with open(data, "r+b") as handle:
        handle.truncate(1_300_000_000)
    tracemalloc.start()
    start = time.process_time()
    bundle = TensorBundle(folder / "bert_model.ckpt")
    shapes = {name: entry.shape for name, entry in bundle.entries.items()}
    elapsed = time.process_time() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(shapes) == 139 and elapsed < 5.0 and peak < 5_000_000, (elapsed, peak)
    assert torch.equal(torch.from_numpy(np.array(bundle.read("bert/pooler/dense/kernel"))),
                       tf_values(PRETRAIN)["bert/pooler/dense/kernel"])


def test_test_writer_reproduces_tensorflows_index_byte_for_byte(tmp_path):
    """The robustness tests build indexes with tests/helpers/_tf_writer.py; it writes exactly what TensorFlow writes."""
    for index in sorted(FIXTURES.glob("*/*.index")):
        entries = read_table(index)
        assert table(entries) == index.read_bytes(), index
        several = tmp_path / "several_blocks.index"
        several.write_bytes(table(entries, block_entries=7))  # and a table of many blocks reads the same
        assert read_table(several) == entries


# -- the name mapping, written here independently of minibert/loading/tf_names.py --------------------------
def expected_pairs(model, v: dict[str, torch.Tensor]) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(what, model tensor, TensorFlow value in PyTorch's layout) for every weight the checkpoint provides."""
    bert = getattr(model, "bert", model)
    e = bert.embeddings
    pairs = [("word", e.word_embeddings.weight, v["bert/embeddings/word_embeddings"]),
             ("position", e.position_embeddings.weight, v["bert/embeddings/position_embeddings"]),
             ("token type", e.token_type_embeddings.weight, v["bert/embeddings/token_type_embeddings"]),
             ("emb LN gamma", e.LayerNorm.weight, v["bert/embeddings/LayerNorm/gamma"]),
             ("emb LN beta", e.LayerNorm.bias, v["bert/embeddings/LayerNorm/beta"])]

    def dense(what, linear, scope):  # TF kernels are (in, out): transposed
        return [(what + " W", linear.weight, v[scope + "/kernel"].T), (what + " b", linear.bias, v[scope + "/bias"])]

    def norm(what, ln, scope):
        return [(what + " gamma", ln.weight, v[scope + "/gamma"]), (what + " beta", ln.bias, v[scope + "/beta"])]

    for i, layer in enumerate(bert.encoder.layer):
        s = f"bert/encoder/layer_{i}"
        for name in ("query", "key", "value"):
            pairs += dense(f"{i} {name}", getattr(layer.attention.self, name), f"{s}/attention/self/{name}")
        pairs += dense(f"{i} attn out", layer.attention.output.dense, f"{s}/attention/output/dense")
        pairs += norm(f"{i} attn LN", layer.attention.output.LayerNorm, f"{s}/attention/output/LayerNorm")
        pairs += dense(f"{i} intermediate", layer.intermediate.dense, f"{s}/intermediate/dense")
        pairs += dense(f"{i} output", layer.output.dense, f"{s}/output/dense")
        pairs += norm(f"{i} out LN", layer.output.LayerNorm, f"{s}/output/LayerNorm")
    if getattr(bert, "pooler", None) is not None and "bert/pooler/dense/kernel" in v:
        pairs += dense("pooler", bert.pooler.dense, "bert/pooler/dense")
    cls = getattr(model, "cls", None)
    predictions = getattr(cls, "predictions", None)
    if predictions is not None and "cls/predictions/output_bias" in v:
        pairs += dense("mlm transform", predictions.transform.dense, "cls/predictions/transform/dense")
        pairs += norm("mlm LN", predictions.transform.LayerNorm, "cls/predictions/transform/LayerNorm")
        pairs += [("mlm bias", predictions.bias, v["cls/predictions/output_bias"]),
                  ("mlm decoder = word embeddings", predictions.decoder.weight, v["bert/embeddings/word_embeddings"])]
    seq = getattr(cls, "seq_relationship", None)
    if seq is not None and "cls/seq_relationship/output_weights" in v:  # (2, C): not transposed
        pairs += [("nsp W", seq.weight, v["cls/seq_relationship/output_weights"]),
                  ("nsp b", seq.bias, v["cls/seq_relationship/output_bias"])]
    if hasattr(model, "classifier") and "output_weights" in v:  # run_classifier.py
        pairs += [("classifier W", model.classifier.weight, v["output_weights"]),
                  ("classifier b", model.classifier.bias, v["output_bias"])]
    if hasattr(model, "qa_outputs") and "cls/squad/output_weights" in v:  # run_squad.py
        pairs += [("qa W", model.qa_outputs.weight, v["cls/squad/output_weights"]),
                  ("qa b", model.qa_outputs.bias, v["cls/squad/output_bias"])]
    return pairs


def head_key(key: str) -> str:
    """A key as the heads name it (BertModel's have no ``bert.``)."""
    return key if key.startswith(("bert.", "cls.", "classifier.", "qa_outputs.")) else "bert." + key


@pytest.mark.parametrize("folder", BERT_FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("head", HEADS)
def test_every_head_class_loads_every_fixture(folder, head, caplog):
    cls = getattr(minibert, head)
    n_labels = tf_values(folder).get("output_weights", torch.zeros(2, 1)).shape[0]
    if head == "BertForMultipleChoice" and folder == CLASSIFIER:
        # a 3-label classifier head cannot be a multiple-choice head (one score per choice): a clear error
        with pytest.raises(RuntimeError, match=r"shape mismatch for .classifier\.(weight|bias).*\(3,"):
            cls.from_pretrained(folder)
        return
    # the 3 labels read from a classifier's output_weights do not fit a QA head (start, end): say so
    kwargs = {"num_labels": 2} if head == "BertForQuestionAnswering" and folder == CLASSIFIER else {}
    with caplog.at_level(logging.WARNING, logger="minibert"):
        model, info = cls.from_pretrained(folder, output_loading_info=True, **kwargs)
    v = tf_values(folder)
    pairs = expected_pairs(model, v)
    for what, ours, theirs in pairs:
        assert torch.equal(ours.detach(), theirs), f"{head} from {folder.name}: {what}"
    keys = {head_key(k) for k in model.state_dict()}
    provided = ("bert.",) + tuple(p + "." for p in PROVIDES[folder])
    assert sorted(info["missing_keys"]) == sorted(k.removeprefix("bert.") if head == "BertModel" else k
                                                  for k in keys if not k.startswith(provided)
                                                  and k != "cls.predictions.decoder.weight"), head  # tied: loaded
    lacking = [g for g in GROUPS if not any(k.startswith(g + ".") for k in keys)]  # modules the class has not
    unused = [n for n in v if n.startswith(tuple(GROUPS[g] for g in lacking)) and not n.endswith(SLOTS)]
    assert len(info["unexpected_keys"]) == len(unused), (info["unexpected_keys"], unused)
    assert all(head_key(k).startswith(tuple(g + "." for g in lacking)) for k in info["unexpected_keys"])
    if head == "BertForSequenceClassification":
        assert model.config.num_labels == n_labels  # bert_config.json lacks it: read from output_weights
    if folder in (PRETRAIN, CLASSIFIER):  # the training state is skipped, and said so
        n_skipped = sum(n.endswith(SLOTS) or n == "global_step" for n in v)
        assert f"Skipped {n_skipped} variables" in caplog.text and "global_step" in caplog.text


@pytest.mark.parametrize("how", ["folder", "prefix", "index", "data file", "from_tf"])
def test_the_entry_points_all_load_the_same(how):
    p = prefix(PRETRAIN)
    src = {"folder": PRETRAIN, "prefix": p, "index": f"{p}.index", "data file": f"{p}.data-00000-of-00001",
           "from_tf": PRETRAIN}[how]
    kwargs = {"from_tf": True} if how == "from_tf" else {}
    model = minibert.BertForPreTraining.from_pretrained(src, **kwargs)
    assert torch.equal(model.cls.predictions.bias.detach(), tf_values(PRETRAIN)["cls/predictions/output_bias"])
    config = BertConfig.from_pretrained(src)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size,
            config.vocab_size, config.max_position_embeddings) == (24, 2, 3, 37, 40, 19)


def test_the_checkpoint_state_file_names_the_latest(tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(SQUAD, folder)
    for f in folder.glob("model.ckpt-12.*"):  # an older checkpoint next to it, not the latest
        shutil.copy(f, folder / f.name.replace("-12", "-3"))
    assert minibert.BertForQuestionAnswering.from_pretrained(folder) is not None
    (folder / "checkpoint").unlink()
    with pytest.raises(ValueError, match="2 TensorFlow checkpoints.*model.ckpt-12"):
        minibert.BertForQuestionAnswering.from_pretrained(folder)


def test_tokenizer_reads_the_release_vocabulary_with_the_casing_its_name_says(tmp_path):
    assert BertTokenizer.from_pretrained(CLASSIFIER).tokenize("Hello World") == ["Hello", "World"]  # cased_...
    assert BertTokenizer.from_pretrained(PRETRAIN).tokenize("Hello World") == ["hello", "world"]  # uncased_...
    assert BertTokenizer.from_pretrained(f"{prefix(PRETRAIN)}.index").tokenize("Hello") == ["hello"]
    assert BertTokenizer.from_pretrained(CLASSIFIER, do_lower_case=True).tokenize("Hello") == ["hello"]
    shutil.copytree(PRETRAIN, tmp_path / "multi_cased_L-2_H-24_A-3")
    assert BertTokenizer.from_pretrained(tmp_path / "multi_cased_L-2_H-24_A-3").tokenize("Hello") == ["Hello"]


def test_a_checkpoint_without_bert_variables_or_config_is_a_clear_error(tmp_path):
    cfg = BertConfig(vocab_size=40, hidden_size=24, num_hidden_layers=1, num_attention_heads=3, intermediate_size=8)
    with pytest.raises(ValueError, match="none of its 12 variables is a BERT weight"):
        minibert.BertModel.from_pretrained(FIXTURES / "dtypes", config=cfg)
    with pytest.raises(FileNotFoundError, match="bert_config.json"):
        minibert.BertModel.from_pretrained(FIXTURES / "dtypes")


def test_loading_an_original_checkpoint_never_imports_tensorflow(tmp_path):
    """The whole path — reader, mapping, every entry point, the tokenizer — runs with TensorFlow absent:
    ``import tensorflow`` is made to fail, and nothing may have imported it."""
    code = f"""
import sys
sys.modules["tensorflow"] = None  # any import of it would raise ImportError
import minibert
for src in [{str(PRETRAIN)!r}, {str(prefix(SHARDS))!r}, {str(prefix(SQUAD)) + ".index"!r}]:
    minibert.BertForPreTraining.from_pretrained(src)
    minibert.BertTokenizer.from_pretrained(src)
print("CLEAN" if all(not k.startswith("tensorflow") for k in sys.modules if sys.modules[k] is not None) else "DIRTY")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "CLEAN"
    offenders = [p.name for p in (REPO / "minibert").rglob("*.py") if "tensorflow" in p.read_text(encoding="utf-8")
                 and "import tensorflow" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_the_readme_example_runs_on_a_release_folder():
    """The three lines of docs/loading.md (once in the README), with Google's folder name replaced by the fixture
    of the same layout."""
    readme = (REPO / "docs" / "loading.md").read_text(encoding="utf-8")
    block = readme.split("## Google's original checkpoints, without TensorFlow")[1].split("```python")[1]
    code = block.split("```")[0].replace('"uncased_L-12_H-768_A-12"', repr(str(PRETRAIN)))
    assert len(code.strip().splitlines()) == 3 and str(PRETRAIN) in code
    scope: dict = {}
    exec(code, scope)
    assert isinstance(scope["model"], minibert.BertForPreTraining)
    assert scope["tokenizer"].tokenize("Hello") == ["hello"]
