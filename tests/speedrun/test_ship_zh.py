"""scripts/ship_speedrun.py on a tiny Chinese speedrun (the generated corpus of test_speedrun_zh.py): the tokenizer
files as bert-base-chinese reads text (lower case, each Chinese character a word), fill-mask answering in Chinese
characters through ``minibert.pipeline`` and the CLI, the walkthrough of a Chinese sentence checked against the
stored outputs, and the card's corpus section from the manifest (packages, licences, CJK share counted)."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from _ship_run import ROOT, env, manifest, ship_script, speedrun, without_transformers
from test_speedrun_zh import zh_corpus

from minibert.tokenization.chars import is_cjk

PACKAGES = {"gimp-help-zh-cn": {"version": "2.10.34-2", "licence": "GFDL-NIV-1.2+"},
            "libreoffice-help-zh-cn": {"version": "4:7.4.7-1+deb12u14", "licence": "MPL-2.0"}}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    pytest.importorskip("transformers", reason="shipping runs the reference: pip install -e '.[dev]'")
    pytest.importorskip("jieba", reason="Chinese whole-word masking needs jieba: pip install 'minibert[zh]'")
    base = tmp_path_factory.mktemp("ship-zh")
    corpus = base / "zh.txt"
    corpus.write_text(zh_corpus(), encoding="utf-8")
    run = speedrun(base / "run", corpus, "--language", "zh")
    man = manifest(base / "manifest.json", corpus, PACKAGES)
    ship, out = ship_script(), base / "checkpoints" / "tiny-zh"
    assert ship.main([str(run), str(out), "--corpus-manifest", str(man)]) == 0
    return SimpleNamespace(run=run, out=out, ship=ship, base=base, corpus=corpus,
                           eval=json.loads((out / "eval.json").read_text()), card=(out / "README.md").read_text())


def test_the_tokenizer_reads_text_as_bert_base_chinese_in_both_libraries(shipped):
    import transformers

    from minibert import BertTokenizer

    config = json.loads((shipped.out / "tokenizer_config.json").read_text())
    assert config["do_lower_case"] is True and config["tokenize_chinese_chars"] is True
    text = ["GIMP 的图层很重要。", shipped.eval["fill_mask"][0]["text"].replace("[MASK]", "的")]
    ours = BertTokenizer.from_pretrained(shipped.out)(text)["input_ids"]
    for cls in (transformers.BertTokenizer, transformers.BertTokenizerFast):
        assert cls.from_pretrained(shipped.out)(text)["input_ids"] == ours, cls.__name__
    assert BertTokenizer.from_pretrained(shipped.out).tokenize(text[0])[:3] == ["gimp", "的", "图"]


def test_fill_mask_answers_in_chinese_characters_in_python_and_on_the_command_line(shipped):
    from minibert import pipeline

    rows = shipped.eval["fill_mask"]
    assert rows and all(is_cjk(r["answer"]) and r["text"].count("[MASK]") == 1 for r in rows)
    prompt = rows[0]["text"]
    answers = [a["token_str"] for a in pipeline("fill-mask", model=str(shipped.out))(prompt, top_k=5)]
    assert sum(len(a) == 1 and is_cjk(a) for a in answers) >= 3, answers
    assert rows[0]["predictions"] == answers[:3]  # the card's answers are the shipped folder's
    done = subprocess.run([sys.executable, "-m", "minibert", "fill-mask", prompt, "--model", str(shipped.out),
                           "--top-k", "5", "--json"], cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [a["token_str"] for a in json.loads(done.stdout)[0]["masks"][0]] == answers


def test_a_chinese_sentence_is_walked_through_against_the_stored_outputs(shipped):
    from minibert.loading.reference_outputs import load_stored_reference

    texts = json.loads(load_stored_reference(shipped.out)[1]["texts"])
    sentence = shipped.eval["parity"]["walkthrough_text"]
    assert sentence in texts and all(map(is_cjk, sentence[:4])) and texts[0] == shipped.ship.refs.TEXTS[0]
    assert f'walkthrough --model checkpoints/tiny-zh --text "{sentence}"' in shipped.card
    done = without_transformers("walkthrough", "--model", str(shipped.out), "--text", sentence)
    assert done.returncode == 0, done.stderr
    assert "stored reference outputs" in done.stdout and "every stage matches the reference" in done.stdout
    done = without_transformers("check", str(shipped.out), "--reference", "stored")
    assert done.returncode == 0 and "result: OK" in done.stdout


def test_the_card_names_the_packages_and_counts_the_chinese_share(shipped):
    card, report = shipped.card, json.loads((shipped.run / "report.json").read_text())
    for name, p in PACKAGES.items():
        assert f"| `{name}` | {p['version']} | {p['licence']} |" in card
    text = (shipped.run / "data" / "train.txt").read_text(encoding="utf-8")
    visible = [ch for ch in text if not ch.isspace()]
    share = sum(map(is_cjk, visible)) / len(visible)
    assert f"| training | {report['corpus']['train_documents']:,} |" in card and f"| {100 * share:.1f} % |" in card
    assert "the `bert-base-chinese` way" in card and "whole words (all characters of a jieba word together)" in card
    assert all(f"| {row['answer']} |" in card for row in shipped.eval["fill_mask"])
    assert "--language zh" in shipped.eval["command"]


def test_a_corpus_without_a_matching_manifest_is_refused(shipped, capsys):
    out = shipped.base / "checkpoints" / "refused"
    other = manifest(shipped.base / "other.json", ROOT / "examples" / "data" / "speedrun_corpus.txt", PACKAGES)
    assert shipped.ship.main([str(shipped.run), str(out), "--corpus-manifest", str(other)]) == 1
    assert "does not describe this run's corpus" in capsys.readouterr().err
    assert shipped.ship.main([str(shipped.run), str(out)]) == 1
    assert "is unknown: pass --corpus-manifest" in capsys.readouterr().err and not out.exists()
