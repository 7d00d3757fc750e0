"""The BERT block diagram: drawn from the config (its numbers follow the config), and the committed picture in
docs/images is exactly what the code draws today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from minibert import BertConfig
from minibert.analysis.diagram import bert_block_diagram

REPO = Path(__file__).resolve().parents[2]


def texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)  # well-formed XML, or this raises
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_committed_picture_is_what_the_code_draws():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "make_diagram.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_arrow_carries_the_shapes_of_the_config():
    cfg = BertConfig(hidden_size=96, num_attention_heads=3, num_hidden_layers=5, intermediate_size=200,
                     vocab_size=1234, max_position_embeddings=77, hidden_act="relu")
    svg = bert_block_diagram(cfg)
    labels = texts(svg)
    shapes = [t.text for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
              if t.get("class") == "shape"]
    # Every arrow, top to bottom, and the mask's broadcast: exactly these labels, in this order.
    assert shapes == ["(B, T) int64, each", "(B, T, 96)", "Q, K, V: (B, T, 96) → (B, 3, T, 32) each", "(B, 3, T, T)",
                      "probabilities (B, 3, T, T)", "(B, 3, T, 32) → (B, T, 96)", "(B, T, 96)", "(B, T, 200)",
                      "(B, T) →", "(B, 1, 1, T)", "last_hidden_state (B, T, 96)", "pooler_output (B, 96)",
                      "logits (B, T, 1234)"]
    assert svg.count('class="arrow"') == 11 + 1 + 2  # the labelled arrows, the mask's, the split to the two heads
    assert "BertLayer × 5 (BertEncoder)" in labels and "Q Kᵀ / √32  +  additive mask M" in labels
    assert any("Linear(200 → 96)" in t for t in labels) and any("relu" in t for t in labels)
    assert "position[77]" in svg
    assert "768" not in svg and "30522" not in svg  # nothing of bert-base leaks into another config
    assert bert_block_diagram(cfg) == svg  # the same config, the same bytes
