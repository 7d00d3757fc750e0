"""Build a Chinese prose corpus and a bert-base-chinese-style vocabulary from Debian's Chinese documentation.

    apt-get update && apt-get install -y --no-install-recommends debian-reference-zh-cn gimp-help-zh-cn \\
        libreoffice-help-zh-cn debian-edu-doc-zh-cn maint-guide-zh-cn
    python scripts/make_zh_corpus.py                 # → runs/zh-docs/{train,heldout}.txt, vocab.txt, manifest.json

The text is the prose of the HTML pages: paragraphs (``<p>``, list items, table cells, definitions) outside code
(``<pre>``, ``<code>``, ``<kbd>``, ...), page chrome and scripts; a paragraph is kept when it is Chinese prose (at
least 10 CJK characters, at least 40 % of its non-space characters CJK) and holds nothing that reads as a command
line or code (``$ ``, ``--option``, ``/usr/...``, braces, ``<``, ``=``, ``\\``, ``|``). A paragraph seen before (the
help systems repeat their boilerplate) is kept once only, where it first occurs. Every 20th page of each package
(sorted path order) is held out whole. The files are one paragraph per line and a blank line between pages: the
format of ``python -m minibert pretrain --data`` (a ``.txt`` corpus of documents).

``manpages-zh`` was checked and is left out: its roff pages are mostly option lists and command lines.

manifest.json records, per package, its version (``dpkg-query``) and licence (read from
``/usr/share/doc/PKG/copyright``, the stanza covering the text used), pages and characters; the sizes of each
split (characters, CJK characters, their share, pages, paragraphs) and the sha256 of every output. The corpus files
are a pure function of the packages' files; vocab.txt's rare WordPiece pieces may differ between two builds (see
minibert/tokenization/char_vocab.py), so a model keeps the vocab.txt it was trained with. ``--manifest``
also writes it to a second path (the project keeps a copy at scripts/zh_corpus_manifest.json).
"""

from __future__ import annotations

import argparse
import hashlib
import html.parser
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minibert.loading.atomic import atomic_write_bytes  # noqa: E402
from minibert.tokenization.char_vocab import build_char_vocab  # noqa: E402
from minibert.tokenization.chars import is_cjk  # noqa: E402

HELD_OUT_EVERY = 20
# package → (folder, glob of its HTML pages, the copyright stanza's "Files:" pattern that covers those pages)
SOURCES = {
    "debian-reference-zh-cn": ("/usr/share/debian-reference", "*.zh-cn.html", "*"),
    "maint-guide-zh-cn": ("/usr/share/doc/maint-guide-zh-cn/html", "*.zh-cn.html", "*"),
    "debian-edu-doc-zh-cn": ("/usr/share/doc/debian-edu-doc-zh-cn", "debian-edu-bookworm-manual.html",
                             "documentation/debian-edu-bookworm/debian-edu-bookworm-manual.*.po"),
    "gimp-help-zh-cn": ("/usr/share/gimp/2.0/help/zh_CN", "*.html", "*"),
    "libreoffice-help-zh-cn": ("/usr/share/libreoffice/help/zh-CN", "**/*.html", "*"),
}
LEFT_OUT = {"manpages-zh": "roff man pages, mostly option lists and command lines (and a zh_TW copy of each)"}

BLOCKS = {"p", "li", "dd", "dt", "td", "th", "div", "h1", "h2", "h3", "h4", "h5", "h6", "br", "table", "tr", "ul",
          "ol", "dl", "blockquote", "title"}
SKIPPED = {"pre", "script", "style", "head", "header", "aside", "nav", "noscript", "screen", "programlisting"}
# Inline code inside a paragraph: leaving it out would leave a broken sentence (在“”文件中), so the paragraph goes.
INLINE_CODE = {"code", "kbd", "samp", "tt", "var", "literal", "command", "filename", "userinput", "computeroutput",
               "option", "replaceable", "systemitem", "envar", "varname", "function", "parameter"}
CODE_LIKE = re.compile(r"\$\s|(^|\s)--?[A-Za-z]|/usr/|/etc/|~/|[{}<>=\\|]|\w\(\)|https?://")
SPACE_BETWEEN_CJK = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")  # HTML line breaks inside Chinese text


class _Blocks(html.parser.HTMLParser):
    """The text between block boundaries, with code, scripts and page chrome left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0
        self._code = False  # the block holds inline code

    def _flush(self):
        if not self._code:
            self.blocks.append("".join(self._buf))
        self._buf, self._code = [], False

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED or dict(attrs).get("class") in SKIPPED:
            self._skip += 1
        elif tag in INLINE_CODE or dict(attrs).get("class") in INLINE_CODE:
            self._code = True
        elif tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skip:
            self._buf.append(data)


def prose(text: str) -> str | None:
    """``text`` as one line of Chinese prose, or None when it is not prose (too short, not Chinese, code)."""
    text = SPACE_BETWEEN_CJK.sub("", " ".join(text.split()))
    visible = [ch for ch in text if not ch.isspace()]
    n_cjk = sum(map(is_cjk, visible))
    if n_cjk < 10 or n_cjk < 0.4 * len(visible) or CODE_LIKE.search(text):
        return None
    return text


def page_paragraphs(path: Path) -> list[str]:
    parser = _Blocks()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    parser._flush()
    return [p for p in map(prose, parser.blocks) if p]


def licence(package: str, files_pattern: str) -> str:
    """The ``License:`` of the stanza of /usr/share/doc/PKG/copyright whose ``Files:`` starts with the pattern."""
    path = Path("/usr/share/doc") / package / "copyright"
    for stanza in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields = dict(re.findall(r"^(Files|License):[ \t]*(.*)$", stanza, re.M))
        if fields.get("Files", "").split()[:1] == [files_pattern]:
            return fields["License"].strip()
    sys.exit(f"{path}: no 'Files: {files_pattern}' stanza with a License; check the package's copyright")


def version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    if out.returncode or not out.stdout:
        sys.exit(f"{package} is not installed: apt-get install -y --no-install-recommends {' '.join(SOURCES)}")
    return out.stdout


def sizes(pages: list[list[str]]) -> dict:
    text = "".join("".join(p) for p in pages)
    visible = [ch for ch in text if not ch.isspace()]
    n_cjk = sum(map(is_cjk, visible))
    return {"pages": len(pages), "paragraphs": sum(map(len, pages)), "characters": len(visible),
            "cjk_characters": n_cjk, "cjk_share": round(n_cjk / max(1, len(visible)), 4)}


def build(work: Path, vocab_size: int, min_char_count: int) -> dict:
    seen: set[str] = set()
    splits: dict[str, list[list[str]]] = {"train": [], "heldout": []}
    packages = {}
    for package, (folder, pattern, files) in SOURCES.items():
        manifest = {"version": version(package), "licence": licence(package, files), "copyright_stanza": files,
                    "folder": folder, "pages": 0, "characters": 0}
        for i, page in enumerate(sorted(Path(folder).glob(pattern))):
            kept = [p for p in page_paragraphs(page) if not (p in seen or seen.add(p))]
            split = "heldout" if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else "train"
            if kept:
                splits[split].append(kept)
                manifest["pages"] += 1
                manifest["characters"] += sum(len(p.replace(" ", "")) for p in kept)
        packages[package] = manifest
        print(f"{package} {manifest['version']} ({manifest['licence']}): {manifest['pages']} pages, "
              f"{manifest['characters']:,} characters")
    work.mkdir(parents=True, exist_ok=True)
    outputs = {}
    for name, pages in splits.items():
        path = work / f"{name}.txt"
        atomic_write_text(path, "\n\n".join("\n".join(page) for page in pages) + "\n")
        outputs[name] = {"file": path.name, **sizes(pages), "sha256": _sha(path)}
        s = outputs[name]
        print(f"{path.name}: {s['pages']} pages, {s['paragraphs']} paragraphs, {s['characters']:,} characters, "
              f"CJK share {s['cjk_share']:.1%}, sha256 {s['sha256'][:16]}")
    train_text = ["\n".join(page) for page in splits["train"]]
    tokens = build_char_vocab(train_text, vocab_size=vocab_size, min_char_count=min_char_count)
    atomic_write_text(work / "vocab.txt", "".join(t + "\n" for t in tokens))
    n_chars = sum(1 for t in tokens if len(t) == 1 and is_cjk(t))
    outputs["vocab"] = {"file": "vocab.txt", "tokens": len(tokens), "cjk_characters": n_chars,
                        "min_char_count": min_char_count, "sha256": _sha(work / "vocab.txt")}
    print(f"vocab.txt: {len(tokens)} tokens, {n_chars} of them CJK characters (seen >= {min_char_count} times), "
          f"sha256 {outputs['vocab']['sha256'][:16]}")
    return {"packages": packages, "left_out": LEFT_OUT, "held_out": f"every {HELD_OUT_EVERY}th page of each package",
            "outputs": outputs}


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "zh-docs", help="output folder")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--min-char-count", type=int, default=3, help="frequency floor of a CJK character token")
    parser.add_argument("--manifest", type=Path, help="also write manifest.json here")
    args = parser.parse_args(argv)
    manifest = json.dumps(build(args.work, args.vocab_size, args.min_char_count), ensure_ascii=False, indent=2)
    for path in filter(None, (args.work / "manifest.json", args.manifest)):
        atomic_write_text(path, manifest + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
