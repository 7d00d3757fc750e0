"""The input rules every command shares, and the errors that name the file, the line or field, and the fix.

* Strides >= 0, ``--top-k`` >= 1, ``--pair ""`` refused, invisible-only text refused like blank text, lines
  split at ``\\n`` only (as ``wc -l``), truncation said on screen, long-text refusals naming a real flag
  (minibert/pipelines/inputs.py, minibert/cli/inputs.py).
* Broken files (bad UTF-8, truncated JSON, wrong JSON types, a byte-order mark) named with the line or field
  (minibert/loading/text_file.py); a config whose sizes do not fit the weights refused before the model is
  built (minibert/loading/sizes.py).

Each command runs in-process through ``minibert.__main__.main``; an error must be one ``error:`` line.
"""

from __future__ import annotations

import io
import json
import shutil

import _pipeline_checkpoints as ckpt
import numpy as np
import pytest

import minibert
from minibert.__main__ import main
from minibert.tokenization.windows import window_spans

TINY = str(ckpt.TINY_BERT)
ZERO_WIDTH = "\u200b"


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(capsys, *argv) -> str:
    """Run a command that must fail: exit 1, nothing on stdout, one ``error:`` line; return that line."""
    code, out, err = run_cli(capsys, *argv)
    errors = [line for line in err.splitlines() if not line.startswith(("note:", "model:"))]
    assert code == 1 and out == "" and len(errors) == 1 and errors[0].startswith("error: "), err
    return errors[0]


@pytest.fixture(scope="module")
def heads(tmp_path_factory):
    root = tmp_path_factory.mktemp("heads")
    return {"classify": str(ckpt.classifier(root / "classifier")), "ner": str(ckpt.tagger(root / "tagger")),
            "qa": str(ckpt.reader(root / "reader"))}


def tiny_copy(tmp_path, **config_fields):
    """checkpoints/tiny-bert copied, with ``config_fields`` written into its config.json."""
    folder = tmp_path / "model"
    shutil.copytree(ckpt.TINY_BERT, folder)
    path = folder / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **config_fields}))
    return folder


# -- strides, top-k, pairs ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("command", "flag"), [("ner", "--stride"), ("qa", "--doc-stride")])
def test_a_negative_stride_is_refused(capsys, heads, command, flag):
    args = ["Ada lived in London."] if command == "ner" else ["-q", "Who?", "-c", "Ada lived in London."]
    line = one_error(capsys, command, *args, "--model", heads[command], flag, "-5")
    assert f"{flag} must be an integer >= 0" in line and "-5" in line


def test_window_spans_refuse_a_negative_stride():
    # 327 tokens, 128 per window, stride -5: the windows would step 133 and never read tokens 128-132
    with pytest.raises(ValueError, match="stride must be an integer >= 0"):
        window_spans(327, 128, -5)


def test_the_pipelines_refuse_a_negative_stride(heads):
    with pytest.raises(ValueError, match="stride must be an integer >= 0"):
        minibert.pipeline("ner", model=heads["ner"])("Ada lived in London.", aggregation_strategy="simple", stride=-5)
    with pytest.raises(ValueError, match="doc_stride must be an integer >= 0"):
        minibert.pipeline("question-answering", model=heads["qa"])(question="Who?", context="Ada.", doc_stride=-5)


def test_top_k_below_one_is_refused(capsys, heads):
    line = one_error(capsys, "classify", "a lovely film", "--model", heads["classify"], "--top-k", "-3")
    assert "--top-k must be an integer >= 0 (0 = all), got -3" in line
    line = one_error(capsys, "fill-mask", "a [MASK] b", "--model", TINY, "--top-k", "0")
    assert "--top-k must be an integer >= 1, got 0" in line
    with pytest.raises(ValueError, match="top_k must be an integer >= 1, got -3"):
        minibert.pipeline("text-classification", model=heads["classify"])("a lovely film", top_k=-3)


def test_an_empty_pair_is_refused_not_dropped(capsys, heads):
    line = one_error(capsys, "classify", "a lovely film", "--pair", "", "--model", heads["classify"])
    assert "--pair is empty" in line
    with pytest.raises(ValueError, match="text pair is empty"):
        minibert.pipeline("text-classification", model=heads["classify"])({"text": "a", "text_pair": " "})


# -- invisible text ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["\x00", ZERO_WIDTH, f" {ZERO_WIDTH}\ufeff\u2060 "], ids=["nul", "zwsp", "mixed"])
def test_invisible_only_text_is_refused_like_blank_text(capsys, tmp_path, heads, text):
    assert "an input text is empty" in one_error(capsys, "embed", text, "--model", TINY)
    assert "an input text is empty (text 2 of 2" in one_error(capsys, "embed", "words", text, "--model", TINY)
    assert "the question is empty" in one_error(capsys, "qa", "-q", text, "-c", "Ada.", "--model", heads["qa"])
    corpus = tmp_path / "texts.txt"
    corpus.write_text(f"one\n{text}\nthree\n", encoding="utf-8")
    line = one_error(capsys, "embed", "--file", corpus, "--out", tmp_path / "v.npy", "--model", TINY)
    assert "line 2 is empty" in line
    with pytest.raises(ValueError, match="is empty"):
        minibert.pipeline("ner", model=heads["ner"])(text)
    with pytest.raises(ValueError, match="is empty"):
        minibert.pipeline("feature-extraction", model=TINY)(text)


@pytest.mark.parametrize("text", ["   ", ZERO_WIDTH])
def test_walkthrough_refuses_an_empty_text(capsys, text):
    assert "the --text is empty" in one_error(capsys, "walkthrough", "--model", TINY, "--text", text)


# -- lines ---------------------------------------------------------------------------------------------------------
def test_a_lone_carriage_return_does_not_split_a_line(capsys, tmp_path):
    corpus = tmp_path / "texts.txt"
    corpus.write_bytes(b"one\rtwo\nthree\r\n")  # wc -l: 2 lines; the second ends Windows-style
    code, _, _ = run_cli(capsys, "embed", "--file", corpus, "--out", tmp_path / "v.npy", "--model", TINY)
    assert code == 0 and np.load(tmp_path / "v.npy").shape[0] == 2
    code, _, _ = run_cli(capsys, "embed", "--file", corpus, "--out", tmp_path / "v.jsonl", "--model", TINY)
    rows = [json.loads(line)["text"] for line in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert code == 0 and rows == ["one\rtwo", "three"]

    from minibert.training.data import read_documents, read_records

    assert read_documents(corpus) == [["one\rtwo", "three"]]
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_bytes(b'{"text": "a"}\r{"text": "b"}\n')  # one line of wc -l: one broken row, not two
    with pytest.raises(ValueError, match=r"rows.jsonl:1: not a JSON object"):
        read_records(jsonl)


# -- truncation, said on screen and with real flags ---------------------------------------------------------------
def test_ner_on_a_long_line_says_where_it_stopped(capsys, heads):
    text = "Ada Lovelace lived in London. " * 60  # 420 word pieces; the model reads 126 at once
    code, _, err = run_cli(capsys, "ner", text, "--model", heads["ner"])
    assert code == 0 and "note: the text 'Ada Lovelace" in err and "only up to character" in err
    assert "pass --stride" in err
    code, _, err = run_cli(capsys, "ner", text, "--model", heads["ner"], "--stride", "16")
    assert code == 0 and "note:" not in err  # read whole, in windows


@pytest.mark.parametrize("command", ["classify", "fill-mask"])
def test_a_long_text_refusal_names_a_real_flag_and_truncation_is_noted(capsys, heads, command):
    model = heads["classify"] if command == "classify" else TINY
    text = "word " * 200 + "[MASK]"
    line = one_error(capsys, command, text, "--model", model)
    assert "pass --truncation" in line and "truncation=True" not in line
    code, _, err = run_cli(capsys, command, text, "--model", model, "--truncation")
    if command == "classify":
        assert code == 0 and "only its first 128 were used (truncation)" in err
    else:  # the [MASK] at the end was cut off: the pipeline says there is none left
        assert code == 1 and "only its first 128 were used" in err and "no [MASK] token" in err


def test_embed_notes_each_cut_text_and_counts_the_rest(capsys, tmp_path):
    corpus = tmp_path / "long.txt"
    corpus.write_text("".join(f"line {i} " + "word " * 200 + "\n" for i in range(5)), encoding="utf-8")
    code, _, err = run_cli(capsys, "embed", "--file", corpus, "--out", tmp_path / "v.npy", "--model", TINY)
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert code == 0 and len(notes) == 4 and all("were used (truncation)" in n for n in notes[:3])
    assert notes[3] == "note: 2 more note(s) of the same kinds as above were not shown"


def test_attention_says_when_it_shows_a_cut_text(capsys):
    code, _, err = run_cli(capsys, "attention", "word " * 200, "--model", TINY)
    assert code == 0 and "note: the text has 202 tokens; only its first 128 are shown" in err


def test_ner_refuses_a_stride_as_large_as_its_window(capsys, heads):
    line = one_error(capsys, "ner", "Ada lived in London.", "--model", heads["ner"], "--stride", "126")
    assert "--stride (126) must be smaller than the tokens per window (126)" in line


def test_walkthrough_refuses_a_too_long_text_naming_its_flag(capsys):
    line = one_error(capsys, "walkthrough", "--model", TINY, "--text", "word " * 200)
    assert "--text has 202 tokens, more than the 128" in line and "truncation=True" not in line


def test_a_question_too_long_for_qa_names_the_flag(capsys, heads):
    line = one_error(capsys, "qa", "-q", "why " * 200, "-c", "Ada.", "--model", heads["qa"])
    assert "the question is too long: it has 200 tokens" in line and "raise --max-seq-len" in line


# -- a config that does not describe the weights --------------------------------------------------------------------
def test_fewer_layers_than_the_weights_are_refused_not_hidden(capsys, tmp_path):
    folder = tiny_copy(tmp_path, num_hidden_layers=1)  # the weights hold 2 layers
    line = one_error(capsys, "fill-mask", "a [MASK] b", "--model", folder)
    assert "hold 2 encoder layers but its config.json says num_hidden_layers=1" in line


@pytest.mark.parametrize(("field", "value"), [("vocab_size", 500_000_000), ("max_position_embeddings", 500_000_000),
                                              ("hidden_size", 64), ("intermediate_size", 10**6)])
def test_sizes_are_checked_against_the_weights_before_the_model_is_built(capsys, tmp_path, monkeypatch, field, value):
    folder = tiny_copy(tmp_path, **{field: value})
    built = []
    monkeypatch.setattr(minibert.BertForMaskedLM, "__init__", lambda *a, **k: built.append(1) or 1 / 0)
    line = one_error(capsys, "fill-mask", "a [MASK] b", "--model", folder)
    assert not built and f"{field} is" in line and "in the weights" in line and "Fix config.json" in line


def test_a_head_checkpoint_with_another_num_labels_is_refused_before_building(heads, monkeypatch):
    built = []
    monkeypatch.setattr(minibert.BertForSequenceClassification, "__init__", lambda *a, **k: built.append(1) or 1 / 0)
    with pytest.raises(RuntimeError, match=r"num_labels is 3 in the weights.*\(3, 32\).*\(1000000, 32\)"):
        minibert.BertForSequenceClassification.from_pretrained(heads["classify"], num_labels=10**6)
    assert not built


@pytest.mark.parametrize(("fields", "message"), [
    ({"id2label": "abc"}, "BertConfig.id2label must be a JSON object mapping a class number to its label"),
    ({"id2label": {"x": "a"}}, "BertConfig.id2label has 'x' where a number is expected"),
    ({"label2id": ["a"]}, "BertConfig.label2id must be a JSON object"),
    ({"pruned_heads": "abc"}, "BertConfig.pruned_heads must be a JSON object mapping a layer number"),
    ({"num_labels": 10**9}, "BertConfig.num_labels must be an integer from 0 to 10,000,000, got 1000000000"),
])
def test_config_fields_of_the_wrong_kind_are_named(capsys, tmp_path, fields, message):
    assert message in one_error(capsys, "fill-mask", "a [MASK] b", "--model", tiny_copy(tmp_path, **fields))


def test_an_empty_config_names_the_sizes_that_differ(capsys, tmp_path):
    folder = tiny_copy(tmp_path)
    (folder / "config.json").write_text("{}")
    line = one_error(capsys, "fill-mask", "a [MASK] b", "--model", folder)
    assert "hidden_size is 32 in the weights" in line and "but 768 in the config" in line


# -- broken files named -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tokenizer_config.json", "special_tokens_map.json", "config.json"])
def test_a_truncated_json_file_is_named(capsys, tmp_path, name):
    folder = tiny_copy(tmp_path)
    path = folder / name
    path.write_bytes(path.read_bytes()[:40])
    line = one_error(capsys, "fill-mask", "a [MASK] b", "--model", folder)
    assert f"{name} is not valid JSON" in line and "was it truncated?" in line


@pytest.mark.parametrize("name", ["tokenizer_config.json", "special_tokens_map.json", "config.json"])
def test_a_json_list_instead_of_settings_is_named(capsys, tmp_path, name):
    folder = tiny_copy(tmp_path)
    (folder / name).write_text("[1, 2]")
    assert f"{name} holds a JSON list, expected" in one_error(capsys, "fill-mask", "a [MASK] b", "--model", folder)


@pytest.mark.parametrize("value", ["abc", -1, 0])
def test_a_bad_model_max_length_is_named(capsys, tmp_path, value):
    folder = tiny_copy(tmp_path)
    path = folder / "tokenizer_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "model_max_length": value}))
    line = one_error(capsys, "fill-mask", "a [MASK] b", "--model", folder)
    assert f"tokenizer_config.json: model_max_length must be a positive number of tokens (e.g. 512), got {value!r}" \
        in line


def test_invalid_utf8_names_the_file_and_line(capsys, tmp_path, heads):
    bad = tmp_path / "notes.txt"
    bad.write_bytes("first line\ncaf\u00e9 ok\n".encode() + b"caf\xe9 latin-1\n")
    expected = "notes.txt: line 3 is not valid UTF-8 (byte 0xe9 at byte 4 of the line); save the file as UTF-8"
    assert expected in one_error(capsys, "embed", "--file", bad, "--out", tmp_path / "v.npy", "--model", TINY)
    assert expected in one_error(capsys, "qa", "-q", "Who?", "--context-file", bad, "--model", heads["qa"])

    from minibert.training.data import read_documents, read_records

    with pytest.raises(ValueError, match="notes.txt: line 3 is not valid UTF-8"):
        read_documents(bad)
    csv = tmp_path / "rows.csv"
    csv.write_bytes(b"text,label\ngood,1\nb\xe9d,0\n")
    with pytest.raises(ValueError, match="rows.csv: line 3 is not valid UTF-8"):
        read_records(csv)
    folder = tiny_copy(tmp_path)
    with open(folder / "vocab.txt", "ab") as handle:
        handle.write(b"caf\xe9\n")
    assert "vocab.txt: line 30523 is not valid UTF-8" in one_error(capsys, "fill-mask", "a [MASK]", "--model", folder)


def test_invalid_utf8_on_standard_input_names_the_line(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"fine\nb\xe9d\n"), encoding="utf-8"))
    assert "standard input: line 2 is not valid UTF-8 (byte 0xe9" in one_error(capsys, "embed", "-", "--model", TINY)


def test_a_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    from minibert.training.data import column, read_records

    path = tmp_path / "excel.csv"
    path.write_bytes("text,label\r\nnice,1\r\n".encode("utf-8-sig"))  # what Excel writes for "CSV UTF-8"
    assert column(read_records(path), "text", path) == ["nice"]


# -- training folders and exercises --------------------------------------------------------------------------------
PRETRAIN = ["--data", "examples/data/corpus.txt", "--hidden-size", "16", "--layers", "1", "--heads", "2",
            "--intermediate-size", "32", "--no-progress"]


# `finetune --output` into a pre-training folder and `pretrain --vocab DIR/vocab.txt --output DIR` are refused by
# the output rule before any work (tests/cli/test_data_safety.py). Below it, the trainer itself names a foreign
# checkpoint.pt in one sentence, for code that drives the Trainer directly.
def test_a_trainer_resuming_from_another_models_checkpoint_says_why_in_one_sentence(tmp_path):
    from minibert import BertConfig, BertForMaskedLM, BertForSequenceClassification
    from minibert.training.data import Collator
    from minibert.training.trainer import Trainer, TrainingArguments

    def config(**kw):
        return BertConfig(vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                          intermediate_size=32, max_position_embeddings=32, **kw)

    mlm = [{"input_ids": [1, 5, 6, 2], "labels": [-100, 5, -100, -100]}] * 8
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=2, lr=1e-2, progress=False, save_every=1)
    Trainer(BertForMaskedLM(config()), args, mlm, Collator()).train()
    assert (tmp_path / "checkpoint.pt").exists()
    cls = [{"input_ids": [1, 5, 6, 2], "labels": 1}] * 8
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=3, lr=1e-2, progress=False)
    with pytest.raises(ValueError, match="is a checkpoint of another model") as err:
        Trainer(BertForSequenceClassification(config(num_labels=2)), args, cls, Collator()).train()
    assert "Missing key" not in str(err.value) and "checkpoint.pt" in str(err.value)


def test_exercises_init_onto_a_file_is_one_sentence(capsys, tmp_path):
    from minibert.exercises.__main__ import main as exercises

    target = tmp_path / "mine"
    target.write_text("my notes")
    assert exercises(["init", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "is a file, not a folder" in err and len(err.splitlines()) == 1
    assert target.read_text() == "my notes"
