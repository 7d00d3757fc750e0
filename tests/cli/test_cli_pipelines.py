"""The task commands: python -m minibert fill-mask | embed | similarity | classify | ner | qa.

Most tests call ``minibert.__main__.main`` in-process (fast); one runs a real subprocess to check that an
error is one line on stderr, without a traceback, with exit code 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import _pipeline_checkpoints as ckpt
import pytest

import minibert
from minibert.__main__ import main

TASK_COMMANDS = ["fill-mask", "embed", "similarity", "classify", "ner", "qa"]
CONTEXT = "Ada Lovelace was born in London in 1815. She worked with Charles Babbage on the Analytical Engine."


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def heads(tmp_path_factory):
    root = tmp_path_factory.mktemp("heads")
    return {"classify": str(ckpt.classifier(root / "classifier")), "ner": str(ckpt.tagger(root / "tagger")),
            "qa": str(ckpt.reader(root / "reader"))}


@pytest.mark.parametrize("command", TASK_COMMANDS + ["walkthrough", "check"])
def test_help(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--device" in out
    if command == "check":  # check takes the checkpoint as its positional argument (written before this issue)
        assert "positional arguments:\n  model " in out
    else:
        assert "--model" in out
    if command in TASK_COMMANDS:
        assert "--json" in out


def test_fill_mask_default_model_table_and_json(capsys):
    from minibert.defaults import resolve_model

    default = resolve_model(verbose=False)
    code, out, err = run_cli(capsys, "fill-mask", "The function [MASK] a list.", "--top-k", "3")
    assert code == 0 and f"model: {default.name_or_path} ({default.reason}" in err  # names the default, and why
    assert out.splitlines()[1].split() == ["rank", "token", "id", "score", "sequence"]
    code, out, _ = run_cli(capsys, "fill-mask", "The function [MASK] a list.", "--top-k", "3", "--json")
    data = json.loads(out)
    expected = minibert.pipeline("fill-mask", model=default.name_or_path)("The function [MASK] a list.", top_k=3)
    assert code == 0 and data == [{"text": "The function [MASK] a list.", "masks": [expected]}]


def test_fill_mask_random_model_says_so(capsys):
    code, _, err = run_cli(capsys, "fill-mask", "Paris is the [MASK] of France.", "--model", str(ckpt.TINY_BERT))
    assert code == 0 and "tiny-bert (given explicitly; RANDOM weights: its predictions mean nothing)" in err


def test_fill_mask_targets_and_two_masks(capsys):
    code, out, _ = run_cli(capsys, "fill-mask", "[MASK] is a [MASK] city.", "--targets", "paris", "big", "--json",
                           "--model", str(ckpt.TINY_BERT))
    masks = json.loads(out)[0]["masks"]
    assert code == 0 and len(masks) == 2 and all({p["token_str"] for p in m} == {"paris", "big"} for m in masks)


def test_embed_and_similarity_official(capsys, official_checkpoint):
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    pipe = minibert.pipeline("sentence-similarity", model=str(official_checkpoint))
    code, out, _ = run_cli(capsys, "embed", *texts, "--model", str(official_checkpoint), "--json", "--batch-size", "1")
    data = json.loads(out)
    assert code == 0 and data["pooling"] == ["mean"] and data["normalized"] is True
    assert [e["embedding"] for e in data["embeddings"]] == pipe.embed(texts).tolist()
    code, out, _ = run_cli(capsys, "similarity", *texts, "--model", str(official_checkpoint), "--json")
    scores = [s["score"] for s in json.loads(out)["similarities"]]
    assert code == 0 and scores == pipe(texts[0], texts[1:]) and scores[0] > scores[1]


def test_similarity_table_ranks(capsys):
    texts = ["a cat sat", "a cat sat", "stock markets fell sharply today"]
    code, out, _ = run_cli(capsys, "similarity", *texts)
    rank_one = out.splitlines()[3].split()
    assert code == 0 and rank_one[0] == "1" and float(rank_one[1]) == pytest.approx(1.0, abs=1e-5)
    assert rank_one[2:] == texts[1].split()  # the identical sentence comes first


def test_classify_ner_qa(capsys, heads):
    code, out, _ = run_cli(capsys, "classify", "what a lovely film", "dull", "--model", heads["classify"],
                           "--top-k", "0", "--json")
    data = json.loads(out)
    assert code == 0 and [len(d["labels"]) for d in data] == [3, 3]
    assert {d["label"] for d in data[0]["labels"]} == {"negative", "neutral", "positive"}
    code, out, _ = run_cli(capsys, "classify", "a", "--pair", "b", "--model", heads["classify"])
    assert code == 0 and out.splitlines()[0].split() == ["text", "rank", "label", "score"]

    text = "Ada Lovelace lived in London."
    code, out, _ = run_cli(capsys, "ner", text, "--model", heads["ner"], "--aggregation", "first", "--json")
    expected = minibert.pipeline("ner", model=heads["ner"])(text, aggregation_strategy="first")
    assert code == 0 and json.loads(out) == [{"text": text, "entities": expected}]
    code, out, _ = run_cli(capsys, "ner", text, "--model", heads["ner"])
    assert code == 0 and out.splitlines()[1].split() == ["entity", "score", "start", "end", "word"]

    code, out, _ = run_cli(capsys, "qa", "-q", "Where was Ada born?", "-c", CONTEXT, "--model", heads["qa"],
                           "--top-k", "2", "--json")
    answers = json.loads(out)["answers"]
    assert code == 0 and len(answers) == 2
    assert all(a["answer"] == CONTEXT[a["start"]:a["end"]] for a in answers)
    code, out, _ = run_cli(capsys, "qa", "-q", "Where?", "-c", CONTEXT, "--model", heads["qa"],
                           "--handle-impossible-answer")
    assert code == 0 and out.splitlines()[1].split() == ["rank", "answer", "score", "start", "end"]


@pytest.mark.parametrize(("argv", "message"), [
    (["classify", "hello"], "classify needs a checkpoint fine-tuned for text-classification"),
    (["ner", "hello"], "ner needs a checkpoint fine-tuned for token-classification"),
    (["qa", "-q", "who?", "-c", "me"], "qa needs a checkpoint fine-tuned for question-answering"),
    (["classify", "hello", "--model", str(ckpt.TINY_BERT)], "has no classifier weights"),
    (["ner", "hello", "--model", str(ckpt.TINY_BERT)], "has no token classifier weights"),
    (["qa", "-q", "who?", "-c", "me", "--model", str(ckpt.TINY_BERT)], "has no span classifier (qa_outputs)"),
    (["fill-mask", "no mask here"], "no [MASK] in 'no mask here'"),
    (["fill-mask", "  "], "an input text is empty"),
    (["embed", ""], "an input text is empty"),
    (["similarity", "only one"], "similarity needs at least two sentences"),
    (["qa", "-q", " ", "-c", "text"], "the question is empty"),
    (["fill-mask", "a [MASK]", "--model", "/no/such/folder"], "is neither an existing file or folder"),
    (["fill-mask", "a [MASK]", "--device", "no-such-device"], "is not a device"),
])
def test_errors_are_one_line(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    lines = [line for line in err.splitlines() if not line.startswith(("note:", "model:"))]  # which model: info
    assert code == 1 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err


def test_checkpoint_without_mlm_head(capsys, official_checkpoint):
    code, _, err = run_cli(capsys, "fill-mask", "a [MASK]", "--model", str(official_checkpoint))
    assert code == 1 and "has no masked-LM head" in err and len(err.splitlines()) == 1


def test_subprocess_error_has_no_traceback(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for argv in (["embed", "hi", "--model", "nobody/no-such-model"],):
        proc = subprocess.run([sys.executable, "-m", "minibert", *argv], capture_output=True, text=True, cwd=tmp_path,
                              env=env, timeout=600)
        errors = [line for line in proc.stderr.splitlines() if not line.startswith("note:")]
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert len(errors) == 1 and errors[0].startswith("error: "), proc.stderr
