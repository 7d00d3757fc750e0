"""``python -m minibert speedrun --language zh`` end to end on a small Chinese corpus made here, with a budget of
seconds: the vocabulary of characters, whole-word masking by jieba words, the report card's Chinese keys, the
model folder read by the reference (the same logits, the same token ids from its tokenizer). Nothing depends on
the machine's speed: every assertion holds for any number of steps.

The corpus is generated from the short lists of words below (a deterministic draw, no outside text): 24
documents, each on one of 5 subjects (so that "which document is this sentence from?" can be learned), 12
paragraphs each of 2-3 sentences, with a few Latin words (upper case: the tokenizer lower-cases) and digits.
Where ``jieba`` is missing, the tests of the run skip (it is in the dev extra); the others need nothing more."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from minibert.__main__ import main
from minibert.speedrun.segments import encode_segments, encode_segments_with_words, sentences
from minibert.tokenization.chars import is_cjk

ROOT = Path(__file__).resolve().parents[2]

SUBJECTS = [
    ("系统", ["软件包", "命令", "服务器", "内核", "网络", "终端", "密码"], "Debian"),
    ("图像", ["图层", "画笔", "颜色", "选区", "滤镜", "像素", "背景"], "GIMP"),
    ("表格", ["单元格", "公式", "函数", "图表", "工作表", "数据", "边框"], "LibreOffice"),
    ("学校", ["学生", "老师", "课程", "教室", "考试", "作业", "电脑"], "Edu"),
    ("文档", ["章节", "段落", "标题", "页面", "字体", "目录", "链接"], "Writer"),
]
PEOPLE = ["用户", "我们", "管理员", "你", "大家"]
VERBS = ["打开", "保存", "修改", "删除", "选择", "检查", "更新", "使用", "设置", "复制"]
ADVERBS = ["通常", "经常", "首先", "然后", "也", "一般"]
ATTRIBUTES = ["大小", "名称", "位置", "内容", "格式"]
ADJECTIVES = ["重要", "简单", "清楚", "方便", "默认"]
TEMPLATES = [
    "{p}可以{v}{n}。",
    "如果{p}需要{v}{n}，请先{v2}{n2}。",
    "在{s}中，{p}{a}{v}{n}的{t}。",
    "{n}的{t}是{j}的。",
    "{p}{a}在{l}里{v}第{d}个{n}！",
    "为什么要{v}{n}？因为{n2}的{t}很{j}。",
]


def zh_corpus(seed: int = 0) -> str:
    rng = random.Random(seed)
    docs = []
    for i in range(24):
        subject, nouns, latin = SUBJECTS[i % len(SUBJECTS)]
        paragraphs = []
        for _ in range(12):
            paragraph = ""
            for _ in range(rng.choice([2, 3])):
                paragraph += rng.choice(TEMPLATES).format(
                    p=rng.choice(PEOPLE), v=rng.choice(VERBS), v2=rng.choice(VERBS), n=rng.choice(nouns),
                    n2=rng.choice(nouns), s=subject, a=rng.choice(ADVERBS), t=rng.choice(ATTRIBUTES),
                    j=rng.choice(ADJECTIVES), l=latin, d=rng.randint(1, 12))
            paragraphs.append(paragraph)
        docs.append("\n".join(paragraphs))
    return "\n\n".join(docs) + "\n"


def _env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    """A 20-second Chinese speedrun (whole-word masking by jieba words: the default with --language zh)."""
    pytest.importorskip("jieba", reason="Chinese whole-word masking needs jieba: pip install 'minibert[zh]'")
    folder = tmp_path_factory.mktemp("speedrun-zh")
    (folder / "zh.txt").write_text(zh_corpus(), encoding="utf-8")
    out = folder / "run"
    cmd = [sys.executable, "-m", "minibert", "speedrun", "--budget", "20s", "--corpus", str(folder / "zh.txt"),
           "--language", "zh", "--out", str(out), "--threads", "1", "--no-progress"]
    done = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def _tokenizer(out: Path):
    from minibert import BertTokenizer

    return BertTokenizer.from_pretrained(out / "model")


def test_chinese_sentences_end_at_full_width_marks():
    assert sentences("你可以打开图层。为什么要保存？因为“很重要！”好的") == [
        "你可以打开图层。", "为什么要保存？", "因为“很重要！”", "好的"]
    assert sentences("It ends here. Then a new one") == ["It ends here.", "Then a new one"]


def test_the_vocabulary_has_one_token_per_chinese_character(zh_run):
    out, stdout = zh_run
    vocab = (out / "model" / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    corpus_chars = {ch for ln in (out / "data" / "train.txt").read_text(encoding="utf-8") for ch in ln if is_cjk(ch)}
    chars = [t for t in vocab if any(is_cjk(c) for c in t)]
    assert set(chars) == corpus_chars  # every character of the small corpus is seen 3+ times
    assert all(len(t) == 1 for t in chars)  # never a word, never a "##" piece of a character
    assert "debian" in vocab and "Debian" not in vocab  # WordPiece for the rest, lower-cased
    assert _tokenizer(out).tokenize("管理员打开图层。") == ["管", "理", "员", "打", "开", "图", "层", "。"]
    meta = json.loads((out / "data" / "meta.json").read_text())
    assert meta["language"] == "zh" and meta["vocab_kind"] == "characters" and meta["vocab_cjk_characters"] == len(
        chars)
    assert f"{len(vocab)} pieces, {len(chars)} of them Chinese characters" in stdout


def test_short_paragraphs_are_packed_into_long_segments(zh_run):
    out, _ = zh_run
    meta = json.loads((out / "data" / "meta.json").read_text())
    train_paragraphs = [ln for ln in (out / "data" / "train.txt").read_text(encoding="utf-8").splitlines() if ln]
    segments = json.loads((out / "data" / "segments.json").read_text())["train"]
    assert meta["max_length"] == 64 and len(segments) == meta["train_segments"] < 0.75 * len(train_paragraphs)
    # one paragraph (~40 characters) a segment would fill 64 tokens to ~65 %: packed, they are ~85 % full (each
    # document's last segment is a remainder)
    assert sum(len(s) for s in segments) >= 0.8 * 64 * len(segments)


def test_whole_word_masking_groups_the_characters_of_jieba_words(zh_run):
    from minibert.training.chinese_words import words
    from minibert.training.data import MaskedLMDataset

    out, _ = zh_run
    tok = _tokenizer(out)
    doc = (out / "data" / "train.txt").read_text(encoding="utf-8").split("\n\n")[0].splitlines()
    segments, flags = encode_segments_with_words([doc], tok, 64)
    assert segments == encode_segments([doc], tok, 64)  # the same segments as without whole-word masking
    # the first sentence: its characters regrouped by the flags are jieba's words
    first = sentences(doc[0])[0]
    n = len(tok.tokenize(first))
    tokens, cont = tok.convert_ids_to_tokens(segments[0][1:n + 1]), flags[0][1:n + 1]
    grouped = []
    for t, c in zip(tokens, cont):
        grouped[-1:] = [grouped[-1] + t] if c else grouped[-1:] + [t]
    assert grouped == [w for w, _, _ in words(first)]
    assert any(len(w) > 1 for w in grouped) and not flags[0][0] and not flags[0][-1]
    # the run's stored flags are these, and the masking covers whole words: all characters of a word or none
    stored = json.loads((out / "data" / "words.json").read_text())["train"]
    assert stored[0] == "".join("1" if c else "0" for c in flags[0])
    train = json.loads((out / "data" / "segments.json").read_text())["train"]
    examples = [{"input_ids": ids, "special_tokens_mask": [1] + [0] * (len(ids) - 2) + [1],
                 "is_continuation": [c == "1" for c in row]} for ids, row in zip(train, stored)]
    ds = MaskedLMDataset(examples, mask_token_id=tok.mask_token_id, vocab_size=tok.vocab_size, seed=0,
                         whole_word_mask=True, mlm_probability=0.25)
    joined = 0
    for i in range(len(examples)):
        chosen = [label != -100 for label in ds[i]["labels"]]
        row = examples[i]["is_continuation"]
        for j in range(1, len(row)):
            if row[j]:
                assert chosen[j] == chosen[j - 1], (i, j)
                joined += chosen[j]
    assert joined > 0


def test_report_card_has_the_chinese_keys(zh_run):
    out, stdout = zh_run
    card = json.loads((out / "report.json").read_text())
    assert {"heldout_top1", "heldout_top5", "baseline_top1", "per_kind", "fill_mask", "transfer", "curve",
            "parity_max_abs_diff", "figures"} <= set(card)
    assert card["language"] == "zh" and card["whole_word_mask"] == "zh"
    assert card["steps"] >= 1 and card["train_seconds"] >= card["budget_seconds"] == 20
    for key in ("heldout_top1", "heldout_top5", "baseline_top1"):
        assert 0 <= card[key] <= 1, key
    kinds = list(card["per_kind"])
    assert kinds[0].startswith("the 50 most frequent characters (") and kinds[1:] == [
        "other Chinese characters", "punctuation", "other tokens (Latin words, ## pieces, digits, [UNK])"]
    assert sum(v["blanks"] for v in card["per_kind"].values()) == card["blanks"]  # the kinds split the blanks
    held = (out / "data" / "heldout.txt").read_text(encoding="utf-8")
    assert len(card["fill_mask"]) >= 3
    for row in card["fill_mask"]:
        assert row["text"].count("[MASK]") == 1 and len(row["answer"]) == 1 and is_cjk(row["answer"])
        assert row["text"].replace("[MASK]", row["answer"]) in held and len(row["predictions"]) == 3
    assert len(card["transfer"]) >= 2 and card["transfer_task"]["classes"] == 4
    assert card["transfer_task"]["test_sentences"] >= 4 * 6  # Chinese sentences: split at 。！？
    assert "masked-LM (masking whole words (all characters of a jieba word together))" in (
        out / "report.md").read_text(encoding="utf-8")
    assert f"held-out top-1 {100 * card['heldout_top1']:.1f} %" in stdout


def test_reference_loads_the_model_with_the_same_logits_and_token_ids(zh_run):
    transformers = pytest.importorskip("transformers")
    from minibert import BertForMaskedLM

    out, _ = zh_run
    folder = out / "model"
    config = json.loads((folder / "tokenizer_config.json").read_text())
    assert config["do_lower_case"] is True and config["tokenize_chinese_chars"] is True
    text = (out / "data" / "heldout.txt").read_text(encoding="utf-8").split()[:6] + ["GIMP 的图层很重要。"]
    ours = _tokenizer(out)(text, padding=True, truncation=True, max_length=64)["input_ids"]
    for cls in (transformers.BertTokenizer, transformers.BertTokenizerFast):
        theirs = cls.from_pretrained(folder)(text, padding=True, truncation=True, max_length=64)["input_ids"]
        assert theirs == ours, cls.__name__
    batch = {"input_ids": torch.tensor(ours), "attention_mask": (torch.tensor(ours) != 0).long()}
    reference = transformers.BertForMaskedLM.from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        diff = (BertForMaskedLM.from_pretrained(folder).eval()(**batch).logits - reference(**batch).logits).abs().max()
    assert diff.item() <= 1e-5
    card = json.loads((out / "report.json").read_text())
    assert card["parity_max_abs_diff"] is not None and card["parity_max_abs_diff"] <= 1e-5


def test_whole_word_masking_off_is_selectable(tmp_path, capsys):
    (tmp_path / "zh.txt").write_text(zh_corpus(1), encoding="utf-8")
    out = tmp_path / "run"
    args = ["speedrun", "--corpus", str(tmp_path / "zh.txt"), "--language", "zh", "--whole-word-mask", "off",
            "--out", str(out), "--no-progress", "--no-transfer", "--threads", "1", "--budget", "4s"]
    assert main([*args, "--stop-after", "1"]) == 0
    assert "whole-word masking off" in capsys.readouterr().out
    settings = json.loads((out / "train" / "settings.json").read_text())
    assert settings["language"] == "zh" and settings["whole_word_mask"] == "off"
    assert not (out / "data" / "words.json").exists()
    # the same folder with the other masking is another run: refused, in one line
    assert main([*args[:5], "--whole-word-mask", "pieces", *args[7:]]) == 1
    assert "whole_word_mask: off now pieces" in capsys.readouterr().err
