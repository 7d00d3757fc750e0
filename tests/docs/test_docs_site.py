"""The annotated-source site: built by its command, every page has prose and code, every link resolves, and
the pages render in a real browser (headless Chromium).

The site is built once per test module with ``python -m minibert.docs build`` into a temporary folder, with
a notebooks folder made here (notebook 04 present, the others absent), so notebook links are checked both
ways whatever notebooks the repo has today, and with a copy of the repo's docs/ pages, shown as guides. The
browser tests need Debian's ``chromium`` on PATH; they skip with the reason when it is missing, unless
``MINIBERT_REQUIRE_BROWSER=1`` (CI), where a missing browser fails.
"""

from __future__ import annotations

import ast
import html
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tokenize
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from minibert.docs import catalog, prose, sections

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "minibert"
SCREENSHOT = REPO / "site" / "screenshots" / "attention.png"  # git-ignored; CI keeps it as an artifact
NOTEBOOK_04 = {"cells": [{"cell_type": "markdown", "source": ["# Self-attention\n", "Scores are $QK^\\top/\\sqrt{d}$, "
                                                              "see `BertSelfAttention`."]},
                         {"cell_type": "code", "source": "from minibert import BertModel\n", "outputs": []}],
               "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


class Page(HTMLParser):
    """What the tests look at: ids, hrefs/srcs, and the text of the prose and code columns."""

    def __init__(self, text: str):
        super().__init__()
        self.ids, self.hrefs, self.srcs = set(), [], []
        self.prose, self.code = [], []  # one text per section
        self._stack: list[str | None] = []  # column class of each open div, None for others
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag in ("link", "script", "img") and (a.get("href") or a.get("src")):
            self.srcs.append(a.get("href") or a.get("src"))
        if tag == "div":
            column = a.get("class") if a.get("class") in ("prose", "code") else None
            self._stack.append(column)
            if column:
                getattr(self, column).append("")

    def handle_endtag(self, tag):
        if tag == "div" and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        column = next((c for c in reversed(self._stack) if c), None)
        if column:
            getattr(self, column)[-1] += data


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    # Document a snapshot of the package, so the pages and the sources the tests compare them with agree even
    # while someone edits the checkout.
    shutil.copytree(PACKAGE, root / "minibert", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "notebooks").mkdir()
    (root / "notebooks" / "04_self_attention.ipynb").write_text(json.dumps(NOTEBOOK_04), encoding="utf-8")
    shutil.copytree(REPO / "docs", root / "docs")  # the guides: found next to the package, as in the repo
    out = root / "site"
    command = [sys.executable, "-m", "minibert.docs", "build", "--out", str(out), "--no-execute",
               "--notebooks", str(root / "notebooks"), "--package-dir", str(root / "minibert")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # a hang guard (run_chromium)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout and (out / "index.html").is_file()
    return out


def modules(site: Path) -> list[catalog.Module]:
    """The pages the site should have: one per module of the package snapshot the site was built from."""
    return catalog.discover(site.parent / "minibert")


def guides(site: Path) -> list[Path]:
    """The Markdown pages the site shows as guides: the docs/ copy the site was built from."""
    return sorted((site.parent / "docs").glob("*.md"))


def read(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def test_every_module_has_a_page_in_data_flow_order(site):
    names = [m.name for m in modules(site)]
    assert "docs" not in names and not any(n.startswith("docs.") for n in names)
    on_disk = {p.name for p in site.glob("*.html")} - {"index.html"}
    assert on_disk == {m.page for m in modules(site)}
    # The lesson's order, for the modules that exist: each stage's first page comes after the previous stage's.
    stages = ["tokenization", "bert.embeddings", "bert.masks", "bert.attention", "bert.feed_forward", "bert.layer",
              "bert.encoder", "bert.pooler", "bert.model", "heads", "bert.pruning", "loading", "training"]
    first = [next(i for i, n in enumerate(names) if n == s or n.startswith(s + ".")) for s in stages
             if any(n == s or n.startswith(s + ".") for n in names)]
    assert first == sorted(first), list(zip(stages, first))
    listing = re.findall(r'<li><a href="([^"]+)"><code>', (site / "index.html").read_text(encoding="utf-8"))
    assert listing == [m.page for m in modules(site)]


def _accounted_lines(source: str) -> tuple[set[int], dict[int, str]]:
    """Docstring lines (every docstring the AST knows) and full-line comments: computed without the splitter."""
    docs = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and \
                ast.get_docstring(node) is not None:
            docs.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    comments = {t.start[0]: t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type == tokenize.COMMENT and not t.line[: t.start[1]].strip()}
    return docs, comments


def has_code(module) -> bool:
    source = module.path.read_text(encoding="utf-8")
    docs, comments = _accounted_lines(source)
    return any(line.strip() and n not in docs and n not in comments for n, line in enumerate(source.splitlines(), 1))


def test_every_page_has_prose_and_code_and_loses_no_line(site):
    for module in modules(site):
        check_page(site, module)


def check_page(site: Path, module: catalog.Module):
    page = read(site / module.page)
    source = module.path.read_text(encoding="utf-8")
    assert page.prose and page.code and len(page.prose) == len(page.code), f"{module.page}: a column is missing"
    assert any(t.strip() for t in page.code) == has_code(module), f"{module.page}: code column"
    code_lines = html.unescape("\n".join(page.code)).splitlines()
    source_lines = source.splitlines()
    # Nothing invented, nothing reordered: the code column is the source, minus prose, in order.
    it = iter(source_lines)
    assert all(any(line == s for s in it) for line in code_lines if line.strip()), "code column out of order"
    docs, comments = _accounted_lines(source)
    shown = set(code_lines)
    prose_words = set(html.unescape(" ".join(page.prose)).replace("`", " ").split())
    for n, line in enumerate(source_lines, 1):
        if not line.strip() or n in docs or line in shown:
            continue
        assert n in comments, f"{module.source_path}:{n} is neither shown as code nor prose: {line!r}"
        words = [w for w in comments[n].lstrip("#").split() if w.isalpha()]
        assert all(w in prose_words for w in words), f"comment {module.source_path}:{n} missing from the prose"
    if ast.get_docstring(ast.parse(source)):
        assert "".join(page.prose).strip(), f"{module.page}: the module docstring is not rendered"


def test_every_internal_link_resolves_and_nothing_is_fetched(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == len(modules(site)) + 2 + len(guides(site))  # + index + the one notebook view + guides
    parsed = {p: read(p) for p in pages}
    checked = 0
    for path, page in parsed.items():
        for src in page.srcs:  # the stylesheet: local, so pages render with no network
            assert not urlsplit(src).scheme, f"{path.name} loads {src} from the network"
            assert (path.parent / src).is_file(), f"{path.name}: {src} missing"
        for href in page.hrefs:
            url = urlsplit(href)
            if url.scheme:  # a reference in prose (a paper): fine to follow, never needed to render
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            assert target.is_file(), f"{path.relative_to(site)}: link {href} points at nothing"
            if url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else read(target).ids
                assert unquote(url.fragment) in ids, f"{path.relative_to(site)}: no anchor for {href}"
            checked += 1
    assert checked > 200


def test_imports_and_class_names_link_to_their_pages(site):
    pages = {m.name: m.page for m in modules(site)}
    for module in modules(site):
        hrefs = set(read(site / module.page).hrefs)
        for node in ast.walk(ast.parse(module.path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("minibert.") \
                    and node.module[len("minibert."):] in pages:
                assert pages[node.module[len("minibert."):]] in hrefs, f"{module.name}: {node.module} not linked"
    attention = read(site / "bert.attention.html")
    assert "bert.attention.html#BertSelfOutput" in attention.hrefs  # prose → definition
    assert "bert.config.html#BertConfig" in attention.hrefs  # code → definition
    assert "bert.masks.html" in attention.hrefs  # "minibert/bert/masks.py" in the docstring


def test_notebook_links_where_present_and_coming_otherwise(site):
    attention = (site / "bert.attention.html").read_text(encoding="utf-8")
    assert 'href="notebooks/04_self_attention.html"' in attention
    assert "05 · Attention output &amp; feed-forward <span class=\"coming\">(notebook coming)" in attention
    embeddings = (site / "bert.embeddings.html").read_text(encoding="utf-8")
    assert "03 · Embeddings <span class=\"coming\">(notebook coming)" in embeddings
    view = (site / "notebooks" / "04_self_attention.html").read_text(encoding="utf-8")
    assert "<math" in view and "../bert.attention.html#BertSelfAttention" in view
    assert (site / "notebooks" / "04_self_attention.ipynb").is_file()


def test_every_docs_page_is_a_guide_linked_from_the_index_with_its_transcripts_as_written(site):
    """docs/*.md (the README's long material) → guides/NAME.html: listed on the index in catalog.GUIDES' order,
    code blocks and transcripts shown character for character, links between pages kept (GitHub's anchors)."""
    pages = guides(site)
    assert {p.stem for p in pages} >= set(catalog.GUIDES) and len(pages) >= 15
    index = (site / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<li><a href="guides/([^"]+)\.html">', index)
    assert listed[: len(catalog.GUIDES)] == catalog.GUIDES and sorted(listed) == sorted(p.stem for p in pages)
    for page in pages:
        view = (site / "guides" / f"{page.stem}.html").read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", "", view))
        for block in re.findall(r"^```\w*\n(.*?)^```", page.read_text(encoding="utf-8"), re.S | re.M):
            assert block in text, f"{page.name}: a code block is not shown as written: {block[:80]!r}"
    teaching = read(site / "guides" / "teaching.html")
    assert "exercises.html#isolation-what-is-enforced" in teaching.hrefs  # a link between pages, GitHub's anchor
    assert "isolation-what-is-enforced" in read(site / "guides" / "exercises.html").ids
    pretraining = (site / "guides" / "pretraining.html").read_text(encoding="utf-8")
    assert "benchmarks/results/speedrun-1h/" in pretraining and "../benchmarks/" not in pretraining  # not carried


def test_prose_rendering_math_and_docstring_conventions():
    out = prose.render("Scores $QK^\\top/\\sqrt{d}$ but `cost $5` is code.\n\n$$\\mathrm{softmax}(x)$$")
    assert out.count("<math") == 2 and 'display="block"' in out and "<code>cost $5</code>" in out
    out = prose.render("Example::\n\n    a -> b\n\nArgs:\n    x (Tensor): the input,\n        (B, T).\n")
    assert "Example:</p>" in out and '<pre class="display"><code>a -&gt; b' in out
    assert "<li><code>x</code> (Tensor): the input, (B, T).</li>" in out


def test_prose_keeps_wrapped_sentences_dunders_and_words_as_written():
    # A line that starts "2016) ..." continues the sentence above it; it is not item 2016 of a list.
    out = prose.render("The residual connection (He et al.,\n2016) lets each layer learn.")
    assert out.count("<p>") == 1 and "<ol" not in out
    assert "<ol>" in prose.render("Steps:\n1. one\n2. two")  # a real numbered list still is one
    out = prose.render("Run minibert/__main__.py, i.e. __main__, and ``__getattr__``.")
    assert "<strong>" not in out and "<code>minibert/__main__.py</code>" in out and "<code>__main__</code>" in out


def test_module_pages_render_their_formulas_as_math(site):
    for page in ("bert.attention.html", "bert.embeddings.html", "bert.feed_forward.html", "bert.layer.html",
                 "bert.pooler.html", "bert.activations.html", "heads.lm_head.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in text, page
        assert "$$" not in text, f"{page}: TeX left unrendered"


def test_no_page_bolds_a_dunder_or_links_an_ordinary_word(site):
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<strong>main</strong>" not in text and "<strong>init</strong>" not in text, path.name
        # "Row" (a class in compat.py) and "Exercise" (exercises/catalog.py) are words in prose, not links.
        assert not re.search(r'<p>[^<]*<a href="[^"]*#(Row|Exercise)">', text), path.name
    assert "<p>2016)" not in (site / "bert.attention.html").read_text(encoding="utf-8")


def test_index_starts_with_the_core_path_and_ends_with_the_appendix(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    groups = re.findall(r'<h2 class="group">([^<]+)</h2>', index)
    assert [g.split(":")[0] for g in groups] == ["The core path", "Working with a model", "Appendix"]
    listing = re.findall(r'<li><a href="([^"]+)"><code>', index)
    core_end = max(listing.index(p) for p in listing if p.startswith(("tokenization", "heads")))
    appendix = index.index('<h2 class="group">Appendix')
    assert listing[0].startswith("tokenization")
    for tooling in ("cli.check.html", "__main__.html", "minibert.html", "parity.html"):
        assert listing.index(tooling) > core_end and index.index(f'href="{tooling}"') > appendix, tooling
    for exercise_page in [p for p in listing if p.startswith("exercises")]:
        assert index.index(f'href="{exercise_page}"') > appendix, exercise_page


@pytest.mark.slow
def test_notebook_pages_show_executed_outputs_and_figures(tmp_path):
    """The default build runs each notebook: its page shows what cells printed, their values and figures."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Outputs\n"},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": "print('hello from the kernel')\n6 * 7"},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.title('a line')\nplt.show()"}]
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
          "nbformat": 4, "nbformat_minor": 5}
    (notebooks / "01_quick_start.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    package = tmp_path / "minibert"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "minibert.docs", "build", "--out", str(out), "--notebooks",
                             str(notebooks), "--package-dir", str(package)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "running notebook 01_quick_start.ipynb" in result.stderr
    page = (out / "notebooks" / "01_quick_start.html").read_text(encoding="utf-8")
    assert '<pre class="output">hello from the kernel\n</pre>' in page
    assert '<pre class="output">42</pre>' in page
    assert '<img class="output" alt="figure" src="data:image/png;base64,iVBORw0KGgo' in page  # a PNG
    # The downloadable copy stays the committed notebook: no outputs.
    copy = json.loads((out / "notebooks" / "01_quick_start.ipynb").read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in copy["cells"] if c["cell_type"] == "code")


def test_a_failing_notebook_fails_the_build_naming_the_cell(tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "1"},
                    {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": "raise RuntimeError('broken lesson')"}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (notebooks / "02_tokenizer.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "minibert.docs", "build", "--out", str(tmp_path / "site"),
                             "--notebooks", str(notebooks)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "notebook 02_tokenizer.ipynb failed in cell 1" in result.stderr and "broken lesson" in result.stderr


def test_sections_put_each_comment_beside_its_code():
    source = ('"""Module doc."""\nimport os\n\n# Why X.\nX = {\n    # inside brackets: stays code\n    "a": 1,\n}\n\n\n'
              'class A:\n    """Class doc."""\n\n    def f(self):  # trailing stays\n        # Step one.\n'
              '        return 1\n')
    cut = sections.split(source)
    assert [(s.anchor, s.prose) for s in cut] == [(None, ["Module doc."]), (None, ["Why X."]), ("A", ["Class doc."]),
                                                  ("A.f", []), (None, ["Step one."])]
    lines = source.splitlines()
    assert [lines[n - 1] for n in cut[1].lines][1] == "    # inside brackets: stays code"
    assert lines[cut[3].lines[0] - 1].endswith("# trailing stays")


# --------------------------------------------------------------------------------------------- the browser
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("MINIBERT_REQUIRE_BROWSER") == "1":
            pytest.fail("MINIBERT_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install -y chromium)")
        pytest.skip("no chromium on PATH: apt-get install -y chromium to run the browser tests")
    return exe


def run_chromium(exe: str, profile: Path, *args: str, timeout: int = 600) -> str:
    # The timeout only catches a hung browser. Loading every page took well under a minute on an idle machine and
    # over 90 s on a loaded one (a test run in parallel with others), so it is a generous bound, not a speed test.
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


# Loads every page in an iframe (one browser process for all pages), then reports what each one rendered.
HARNESS = """<!doctype html><html><body><pre id="results">pending</pre><script>
window.addEventListener('load', () => {
  const out = [];
  for (const f of document.querySelectorAll('iframe')) {
    const d = f.contentDocument, w = f.contentWindow;
    const text = sel => [...d.querySelectorAll(sel)].map(e => e.innerText).join('').trim().length;
    const p = d.querySelector('.section > .prose'), c = d.querySelector('.section > .code');
    const kw = d.querySelector('.code .kn, .code .k');
    out.push({src: f.getAttribute('src'), title: d.title, main: text('main'), prose: text('.section > .prose'),
              code: text('.section > .code pre'), side_by_side: !!(p && c) &&
                c.getBoundingClientRect().left >= p.getBoundingClientRect().right - 1 &&
                Math.abs(c.getBoundingClientRect().top - p.getBoundingClientRect().top) < 1,
              keyword: kw ? w.getComputedStyle(kw).color : null, body: w.getComputedStyle(d.body).color});
  }
  document.getElementById('results').textContent = 'RESULTS' + JSON.stringify(out) + 'END';
});
</script>
"""


def test_every_page_renders_in_chromium(site, tmp_path):
    exe = chromium()
    pages = sorted(site.rglob("*.html"))
    harness = tmp_path / "harness.html"
    harness.write_text(HARNESS + "".join(f'<iframe src="{p.as_uri()}" width="1400" height="900"></iframe>\n'
                                         for p in pages) + "</body></html>", encoding="utf-8")
    dom = run_chromium(exe, tmp_path / "profile", "--allow-file-access-from-files", "--virtual-time-budget=20000",
                       "--dump-dom", harness.as_uri())
    assert "RESULTS" in dom, dom[-2000:]
    results = {r["src"]: r for r in json.loads(html.unescape(dom.split("RESULTS", 1)[1].split("END", 1)[0]))}
    assert len(results) == len(pages)
    for m in modules(site):
        r = results[(site / m.page).as_uri()]
        where = f"{m.page}: {r}"
        assert r["title"].startswith(m.dotted) and r["prose"] > 0, where
        assert r["side_by_side"], f"prose and code columns not side by side: {where}"
        if has_code(m):  # a package __init__ may be a docstring only: nothing for the code column
            assert r["code"] > 0, where
            assert r["keyword"] and r["keyword"] != r["body"], f"code not highlighted (no stylesheet?): {where}"
    for other in ["index.html", "notebooks/04_self_attention.html"] + [f"guides/{p.stem}.html" for p in guides(site)]:
        assert results[(site / other).as_uri()]["main"] > 100, other
    assert 'aria-label="BERT block diagram"' in (site / "index.html").read_text(encoding="utf-8")  # inline SVG


def test_screenshot_of_the_attention_page(site, tmp_path):
    exe = chromium()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / "attention.png"
    run_chromium(exe, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,1000", "--hide-scrollbars",
                 (site / "bert.attention.html").as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page of text, not a blank image
    assert struct.unpack(">II", data[16:24]) == (1400, 1000)
    shutil.copyfile(shot, SCREENSHOT)
    print(f"screenshot: {SCREENSHOT}")


def test_no_solutions_site_leaves_out_solutions_mistakes_and_answer_cells(site, tmp_path):
    """`build --no-solutions` (a site for students): no page for the exercises' solutions or mistake catalogue,
    no link to one, and the notebooks' answer cells (tagged "answer") neither on their page nor in the download.
    The default build, the `site` fixture, has those pages."""
    answer = "scores = q @ k.transpose(-1, -2) / math.sqrt(d)"
    notebook = {**NOTEBOOK_04, "cells": NOTEBOOK_04["cells"] + [
        {"cell_type": "code", "source": answer + "\n", "metadata": {"tags": ["answer"]}, "outputs": []},
        {"cell_type": "code", "source": "probs = attn(x)\n", "metadata": {"tags": ["your-turn"]}, "outputs": []}]}
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "04_self_attention.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    out = tmp_path / "site"
    command = [sys.executable, "-m", "minibert.docs", "build", "--out", str(out), "--no-execute", "--no-solutions",
               "--notebooks", str(tmp_path / "notebooks"), "--package-dir", str(site.parent / "minibert")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr

    hidden = ("exercises.solutions", "exercises.mistakes")
    assert [p.name for p in site.glob("exercises.solutions.*.html")] and list(site.glob("exercises.mistakes.*.html"))
    assert not [p.name for p in out.glob("*.html") if p.name.startswith(hidden)]
    assert (out / "exercises.stubs.gelu.html").is_file() and (out / "exercises.graders.test_gelu.html").is_file()
    for page in out.rglob("*.html"):
        assert not [h for h in read(page).hrefs if h.split("/")[-1].startswith(hidden)], page.name
    text = html.unescape(re.sub(r"<[^>]+>", "", (out / "notebooks" / "04_self_attention.html").read_text()))
    assert answer not in text and "probs = attn(x)" in text
    download = json.loads((out / "notebooks" / "04_self_attention.ipynb").read_text(encoding="utf-8"))
    assert ["answer" in c.get("metadata", {}).get("tags", []) for c in download["cells"]] == [False] * 3
