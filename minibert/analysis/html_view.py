"""The interactive attention view: one self-contained HTML file, readable offline.

    page = attention_page(model, tokenizer, "The cat sat on the mat.", title="all-MiniLM-L6-v2")
    Path("attention.html").write_text(page)            # or: python -m minibert attention "TEXT" --html OUT.html

The page (template: attention_view.html next to this file) holds its data, script and style inline and
forbids every fetch through its Content-Security-Policy, so it works without a network, from a file, in an
exported notebook or an e-mail attachment. It draws a line from each token (left) to each token it attends to
(right), as opaque as the weight; a layer selector, a head selector ("all heads" too) and three modes: raw
attention, norm-weighted attention and rollout (minibert/analysis/views.py). Hovering a token shows its
weights; hovering a line shows that one weight.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import torch

from minibert.analysis.views import attention_views, row_shares

TEMPLATE = Path(__file__).with_name("attention_view.html")


def _rounded(x: torch.Tensor) -> list:
    """A tensor as nested lists of floats with 4 decimals: enough for a picture, a quarter of the bytes."""
    return x.double().round(decimals=4).tolist()  # in float64, so 0.1234 prints as 0.1234


def view_data(model, tokenizer, text: str, max_length: int | None = None) -> dict:
    """The numbers the page draws: tokens and, per layer, T × T matrices for every head and mode."""
    limit = max_length or getattr(getattr(model, "config", None), "max_position_embeddings", 512)
    batch = tokenizer(text, truncation=True, max_length=limit, return_tensors="pt")
    device = next(model.parameters()).device
    views = attention_views(model, **{k: v.to(device) for k, v in batch.items()})
    return {
        "tokens": tokenizer.convert_ids_to_tokens(batch["input_ids"][0]),
        "raw": [_rounded(a[0]) for a in views.raw],  # L × H × T × T
        "raw_mean": [_rounded(a[0].mean(0)) if a.shape[1] else _rounded(a[0].sum(0)) for a in views.raw],
        "norm": [_rounded(row_shares(a[0])) for a in views.norm],  # each row a share, comparable with α
        "norm_sum": [_rounded(row_shares(a[0])) for a in views.norm_sum],
        "rollout": [_rounded(a[0]) for a in views.rollout],
    }


def render_page(data: dict, title: str, note: str = "") -> str:
    """Fill the template. The JSON goes inside a `<script>` element: `</` is escaped so no token can close it."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    page = TEMPLATE.read_text(encoding="utf-8")
    for key, value in (("__TITLE__", html.escape(title)), ("__NOTE__", html.escape(note))):
        page = page.replace(key, value)
    return page.replace("__DATA__", payload)


def attention_page(model, tokenizer, text: str, title: str = "attention", note: str = "",
                   max_length: int | None = None) -> str:
    """The whole page for ``text`` as a string (write it to a file, or show it in a notebook's iframe)."""
    return render_page(view_data(model, tokenizer, text, max_length), title=title, note=note)


def notebook_iframe(page: str, height: int = 620) -> str:
    """HTML that shows ``page`` inside a notebook: an iframe whose document is the page itself (srcdoc), so
    its script runs in its own frame, with no file or server, and survives export to HTML."""
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width: 100%; height: {height}px; '
            'border: 1px solid #ddd"></iframe>')
