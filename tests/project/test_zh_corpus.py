"""scripts/make_zh_corpus.py's extraction: Chinese prose kept, markup, code, command lines and chrome left out.

Runs on a page written here, so no Debian package is needed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_zh_corpus.py"


@pytest.fixture(scope="module")
def corpus():
    spec = importlib.util.spec_from_file_location("make_zh_corpus", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGE = """<!DOCTYPE html><html><head><title>标题不是正文的一部分，这一行应该被丢弃掉</title>
<script>var x = "脚本里的中文字符串也不应该出现在语料中";</script></head><body>
<header><p>LibreOffice 帮助页面顶部的导航栏文字不是正文内容</p></header>
<h1>短标题</h1>
<p>使用页面样式为文档中不同的页面
指定不同的纸张来源，<a href="x.html">这是一个链接</a>也算正文。</p>
<p>运行 <code>apt-get install foo</code> 命令之后，软件包就会被安装到系统里。</p>
<pre>$ sudo apt-get install 中文软件包的名字在代码块里面</pre>
<p>This paragraph is English prose with only 两个 Chinese characters in it.</p>
<p>执行 $ make install --prefix=/usr/local 可以把程序安装到指定的目录中去。</p>
<ul><li>列表项里的中文句子同样是正文，应该被保留下来。</li></ul>
<table><tr><td>表格单元格里的中文说明文字也会被当作一个段落。</td></tr></table>
</body></html>"""


def test_page_paragraphs_keep_chinese_prose_only(corpus, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    assert corpus.page_paragraphs(page) == [
        "使用页面样式为文档中不同的页面指定不同的纸张来源，这是一个链接也算正文。",  # the line break joined
        "列表项里的中文句子同样是正文，应该被保留下来。",
        "表格单元格里的中文说明文字也会被当作一个段落。",
    ]


@pytest.mark.parametrize("text, kept", [
    ("在 Debian 12 中，软件包的帮助文档有中文版。", True),  # Latin words inside Chinese prose stay
    ("短短的一句话", False),  # under 10 CJK characters
    ("Most of this is English text, 但是有一点中文在这里面。", False),  # under 40 % CJK
    ("打开 https://example.org 网站查看更多的说明文字。", False),
    ("在配置文件里写上 key=value 这样的设置就可以了。", False),
])
def test_prose_filter(corpus, text, kept):
    assert (corpus.prose(text) is not None) == kept
