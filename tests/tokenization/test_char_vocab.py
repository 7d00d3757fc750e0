"""A vocabulary the bert-base-chinese way (minibert.tokenization.char_vocab), and tokenizer parity on it.

The vocabulary is built here from a short mixed text, so no Debian package is needed. Parity: minibert's
BertTokenizer against the reference's slow BertTokenizer (tokens, ids) and fast BertTokenizerFast (tokens, ids,
offsets) with bert-base-chinese's settings (lower-case, Chinese characters split), on mixed Chinese text.
"""

from __future__ import annotations

import pytest

transformers = pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from minibert.tokenization import BertTokenizer  # noqa: E402
from minibert.tokenization.char_vocab import SPECIAL_TOKENS, build_char_vocab  # noqa: E402
from minibert.tokenization.chars import is_cjk  # noqa: E402

TRAIN = [
    "我爱自然语言处理，BERT 很好用。自然语言处理是人工智能的一个分支。",
    "在 Debian 12 中，使用 apt-get install 安装软件包；LibreOffice 7.4 的帮助文档有中文版。",
    "模型的参数有 110M 个（约一亿一千万）。Transformer encoder 由 12 层组成！",
    "他说：“今天天气很好。”我们去公园散步吧? Hello world, hello BERT, running runner runs.",
    "数字 2024 年 1 月 1 日，温度 -3.5 度；比例 50%，价格 ¥100 元、$15.99。",
    "全角标点：，。！？；：（）【】《》「」『』——…… 半角标点: , . ! ? ; : ( ) [ ] < >",
]

MIXED = [
    "我爱自然语言处理，BERT 很好用。",
    "Debian 12 的 apt-get install 命令安装了 LibreOffice 7.4。",
    "模型有110M个参数（约一亿一千万），Transformer Encoder有12层！",
    "「全角」『引号』【括号】《书名》——破折号……省略号",
    "半角: a,b;c.d!e?f(g)[h]<i>",
    "ＦＵＬＬ　ＷＩＤＴＨ　１２３ 和 full width 123",
    "Running RUNNER runs 跑步 unknownword 鼴鼠",  # an unseen word and two unseen characters: [UNK]
    "价格¥100元、$15.99，温度-3.5度，比例50%。",
    "中文English混合Text123数字",
    "Héllo 你好 Café 咖啡",
    "   前后有空格\t和制表符\n换行   ",
    "",
]


@pytest.fixture(scope="module")
def vocab_file(tmp_path_factory):
    tokens = build_char_vocab(TRAIN, vocab_size=400, min_char_count=1, min_piece_count=1)
    path = tmp_path_factory.mktemp("zh") / "vocab.txt"
    path.write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    return path


def test_vocabulary_has_every_character_and_pieces_for_the_rest(vocab_file):
    tokens = vocab_file.read_text(encoding="utf-8").splitlines()
    assert tokens[:5] == SPECIAL_TOKENS
    assert len(tokens) == len(set(tokens)) <= 400
    chars = {ch for text in TRAIN for ch in text if is_cjk(ch)}
    assert chars <= set(tokens)
    assert not any(t.startswith("##") and any(is_cjk(c) for c in t) for t in tokens)  # never "##中"
    assert {"bert", "debian", "2024", "，", "。", "（", "「"} <= set(tokens)


def test_frequency_floor_and_order():
    texts = ["中中中国国人", "hello hello"]
    tokens = build_char_vocab(texts, vocab_size=50, min_char_count=2, min_piece_count=1)
    assert tokens[5:7] == ["中", "国"]  # most frequent first; 人 (once) is under the floor
    assert "人" not in tokens
    with pytest.raises(ValueError, match="no room"):
        build_char_vocab(texts, vocab_size=6, min_char_count=1)


@pytest.mark.parametrize("text", MIXED)
def test_parity_with_reference_slow_and_fast(vocab_file, text):
    ours = BertTokenizer(str(vocab_file), do_lower_case=True, tokenize_chinese_chars=True)
    slow = transformers.BertTokenizer(str(vocab_file), do_lower_case=True, tokenize_chinese_chars=True)
    fast = transformers.BertTokenizerFast(str(vocab_file), do_lower_case=True, tokenize_chinese_chars=True)
    assert ours.tokenize(text) == slow.tokenize(text) == fast.tokenize(text)
    enc = ours(text, return_offsets_mapping=True)
    ref = fast(text, return_offsets_mapping=True)
    assert enc["input_ids"] == slow(text)["input_ids"] == ref["input_ids"]
    assert [tuple(o) for o in enc["offset_mapping"]] == [tuple(o) for o in ref["offset_mapping"]]


def test_chinese_is_one_token_per_character(vocab_file):
    tok = BertTokenizer(str(vocab_file))
    assert tok.tokenize("我爱自然语言处理") == list("我爱自然语言处理")
    assert tok.tokenize("鼴")[0] == "[UNK]"
