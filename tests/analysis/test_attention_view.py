"""``python -m minibert attention``: the summary table, and the offline HTML view rendered in headless Chromium
with the network off (the page draws, and choosing another head, mode or layer redraws from the page's data).

The browser test needs Debian's ``chromium`` on PATH (see tests/docs/test_docs_site.py: skipped without it, a
failure under ``MINIBERT_REQUIRE_BROWSER=1``)."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_docs_site import chromium, run_chromium

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "checkpoints" / "tiny-bert"
TEXT = "The cat sat on the mat, because it was tired."


def minibert(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minibert", *args], capture_output=True, text=True, timeout=300,
                          cwd=REPO, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("view") / "attention.html"
    result = minibert("attention", TEXT, "--model", str(TINY), "--html", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout and out.is_file()
    assert "RANDOM weights" in result.stderr  # tiny-bert is random, and the command says so
    return out


def page_data(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)[1])


def test_the_page_is_self_contained(page):
    text = page.read_text(encoding="utf-8")
    assert "RANDOM weights" in text  # the page says so too
    # Nothing to fetch: no external script, stylesheet, image, frame, font or import; and a policy forbidding it.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", text, re.I)
    assert "@import" not in text and "url(" not in text and "fetch(" not in text
    assert "default-src 'none'" in text
    data = page_data(page)
    T = len(data["tokens"])
    assert data["tokens"][0] == "[CLS]" and data["tokens"][-1] == "[SEP]"
    assert len(data["raw"]) == 2 and len(data["raw"][0]) == 4 and len(data["raw"][0][0]) == T  # L, H, T (tiny-bert)
    for mode in ("raw", "norm"):
        for layer in data[mode]:
            for head in layer:
                assert all(abs(sum(row) - 1) < 2e-3 for row in head), mode  # rows are distributions
    assert all(abs(sum(row) - 1) < 2e-3 for layer in data["rollout"] for row in layer)


def test_a_token_cannot_close_the_script_element(tmp_path):
    from minibert.analysis.html_view import render_page

    page = render_page({"tokens": ["</script><b>x"]}, title="<t>", note="a & b")
    assert "</script><b>" not in page and "&lt;t&gt;" in page and "a &amp; b" in page


# The page in an iframe; the harness drives its controls and reports what was drawn after each change.
HARNESS = """<!doctype html><html><body><pre id="results">pending</pre>
<iframe id="view" src="PAGE" width="1000" height="900"></iframe><script>
window.addEventListener('load', () => {
  const d = document.getElementById('view').contentDocument, out = [];
  const snap = what => {
    const lines = [...d.querySelectorAll('#view line')];
    out.push({what, drawn: d.getElementById('view').dataset.drawn, lines: lines.length,
              first: lines.slice(0, 40).map(l => [+l.dataset.i, +l.dataset.j, +l.getAttribute('stroke-opacity')]),
              tokens: d.querySelectorAll('#view text.key').length, head_disabled: d.getElementById('head').disabled});
  };
  const choose = (id, value) => { const s = d.getElementById(id); s.value = value;
                                  s.dispatchEvent(new Event('change')); };
  const mode = value => { const r = d.querySelector(`input[name=mode][value=${value}]`); r.checked = true;
                          r.dispatchEvent(new Event('change')); };
  snap('start'); choose('head', '1'); snap('head 1'); mode('norm'); snap('norm');
  mode('rollout'); snap('rollout'); choose('layer', '1'); snap('layer 1'); mode('raw'); choose('head', 'all');
  snap('all heads');
  const q = d.querySelector('#view text.query[data-t="2"]');
  q.dispatchEvent(new MouseEvent('mouseenter'));
  out.push({what: 'hover', info: d.getElementById('info').textContent,
            faded: d.querySelectorAll('#view line.faded').length,
            weights: [...d.querySelectorAll('#view text.weight')].map(e => e.textContent)});
  document.getElementById('results').textContent = 'RESULTS' + JSON.stringify(out) + 'END';
});
</script></body></html>
"""
OFFLINE = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]  # every request fails


def test_the_view_renders_and_redraws_in_chromium_offline(page, tmp_path):
    exe = chromium()
    harness = tmp_path / "harness.html"
    harness.write_text(HARNESS.replace("PAGE", page.as_uri()), encoding="utf-8")
    dom = run_chromium(exe, tmp_path / "profile", *OFFLINE, "--allow-file-access-from-files",
                       "--virtual-time-budget=10000", "--dump-dom", harness.as_uri())
    assert "RESULTS" in dom, dom[-2000:]
    steps = json.loads(html.unescape(dom.split("RESULTS", 1)[1].split("END", 1)[0]))
    by = {s["what"]: s for s in steps}
    data = page_data(page)
    T = len(data["tokens"])

    def expected(matrix):  # the lines the page should draw for a matrix: every weight ≥ 0.005, row by row
        return [[i, j, round(w, 3)] for i in range(T) for j in range(T) if (w := matrix[i][j]) >= 0.005][:40]

    assert by["start"]["tokens"] == T and by["start"]["drawn"] == "layer 0, head 0, raw"
    for what, drawn, matrix in [("start", "layer 0, head 0, raw", data["raw"][0][0]),
                                ("head 1", "layer 0, head 1, raw", data["raw"][0][1]),
                                ("norm", "layer 0, head 1, norm", data["norm"][0][1]),
                                ("rollout", "layer 0, heads averaged, rollout", data["rollout"][0]),
                                ("layer 1", "layer 1, heads averaged, rollout", data["rollout"][1]),
                                ("all heads", "layer 1, all heads, raw", data["raw_mean"][1])]:
        step = by[what]
        assert step["drawn"] == drawn, step
        got = [[i, j, pytest.approx(w, abs=1.5e-3)] for i, j, w in step["first"]]
        assert got == expected(matrix), what  # redrawn, from this head's / mode's own numbers
    assert by["head 1"]["first"] != by["start"]["first"]
    assert by["rollout"]["head_disabled"] and not by["start"]["head_disabled"]
    hover = by["hover"]
    assert hover["info"].startswith(f"{data['tokens'][2]} attends to:"), hover
    assert 0 < hover["faded"] < by["all heads"]["lines"]  # only token 2's lines stay
    shown = [float(w) if w else 0.0 for w in hover["weights"]]
    assert shown == [pytest.approx(w if w >= 0.005 else 0.0, abs=1e-3) for w in data["raw_mean"][1][2]]


def test_the_summary_table_and_errors():
    result = minibert("attention", TEXT, "--model", str(TINY))
    assert result.returncode == 0, result.stderr
    assert "raw / norm-weighted (RANDOM weights" in result.stdout
    assert re.search(r"^\s+1\s+\d\.\d\d / \d\.\d\d", result.stdout, re.M)  # a row for layer 1 of 2
    assert "previous token (layer.head):" in result.stdout
    bad = minibert("attention", "  ", "--model", str(TINY))
    assert bad.returncode == 1 and "the text is empty" in bad.stderr
    missing = minibert("attention", TEXT, "--model", str(REPO / "no-such-model"))
    assert missing.returncode == 1 and "error:" in missing.stderr and "Traceback" not in missing.stderr
