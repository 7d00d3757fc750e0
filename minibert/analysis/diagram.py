"""A block diagram of BERT with the tensor shape on every arrow, drawn from a `BertConfig`.

    svg = bert_block_diagram(BertConfig())                      # bert-base: C = 768, H = 12, L = 12, ...
    python scripts/make_diagram.py                              # rewrites docs/images/bert_block_diagram.svg

The picture is generated, not drawn by hand, so it cannot drift from the code: the sizes come from the config,
the boxes carry the names of the modules that compute them, and tests/analysis/test_diagram.py checks that the committed
file is what this module draws. It is plain SVG written line by line (no plotting library, no fonts embedded):
the same config always gives the same bytes, and any browser, GitHub's README view included, shows it.
"""

from __future__ import annotations

from html import escape

from minibert.compat.config import BertConfig

WIDTH = 900
X, W = 140, 420  # the main column: left edge and width of its boxes
CENTRE = X + W // 2
# Every rule is scoped to the diagram, so the SVG can sit inline in another page (the site) without restyling it.
STYLE = """<style>
  .bert-diagram text { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; font-size: 13px; fill: #1d232b; }
  .bert-diagram .name { font-weight: bold; }
  .bert-diagram .shape { font-family: DejaVu Sans Mono, Menlo, monospace; font-size: 12px; fill: #0b4f8a; }
  .bert-diagram .note { font-size: 11px; fill: #56606b; }
  .bert-diagram .box { fill: #eef4fb; stroke: #5b7ea4; stroke-width: 1.2; }
  .bert-diagram .attn { fill: #fdf1e4; stroke: #c48a4a; }
  .bert-diagram .io { fill: #f4f4f4; stroke: #9aa3ad; }
  .bert-diagram .frame { fill: none; stroke: #8b96a3; stroke-width: 1.2; stroke-dasharray: 6 4; }
  .bert-diagram .arrow { stroke: #33404d; stroke-width: 1.4; fill: none; marker-end: url(#bd-arrow); }
  .bert-diagram .residual { stroke: #7a8793; stroke-width: 1.2; fill: none; stroke-dasharray: 4 3;
                            marker-end: url(#bd-arrow); }
</style>"""


class Canvas:
    """SVG elements appended in drawing order; ``y`` is where the next box goes."""

    def __init__(self):
        self.parts: list[str] = []
        self.y = 20

    def text(self, x, y, s, cls="", anchor="start"):
        c = f' class="{cls}"' if cls else ""
        self.parts.append(f'<text x="{x}" y="{y}"{c} text-anchor="{anchor}">{escape(s)}</text>')

    def box(self, name: str, detail: str, cls: str = "box", x: int = X, w: int = W, h: int = 44) -> tuple:
        """A module: its class name in bold, what it computes below. Returns (top, bottom) y."""
        top = self.y
        self.parts.append(f'<rect x="{x}" y="{top}" width="{w}" height="{h}" rx="6" class="{cls}"/>')
        self.text(x + w // 2, top + 18, name, "name", "middle")
        self.text(x + w // 2, top + 35, detail, "", "middle")
        self.y = top + h
        return top, top + h

    def arrow(self, shape: str, length: int = 34, x: int = CENTRE, note: str = ""):
        """A downward arrow from the last box to the next one, labelled with the tensor shape it carries."""
        y0, y1 = self.y, self.y + length
        self.parts.append(f'<path d="M{x},{y0} L{x},{y1 - 2}" class="arrow"/>')
        self.text(x + 10, (y0 + y1) // 2 + 4, shape, "shape")
        if note:
            self.text(x + 10 + 7.3 * len(shape) + 10, (y0 + y1) // 2 + 4, note, "note")
        self.y = y1

    def path(self, d: str, cls: str = "arrow"):
        self.parts.append(f'<path d="{d}" class="{cls}"/>')

    def svg(self, height: int) -> str:
        head = ('<defs><marker id="bd-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
                'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#33404d"/></marker></defs>')
        return "\n".join([f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
                          f'viewBox="0 0 {WIDTH} {height}" class="bert-diagram" style="max-width: 100%; '
                          'height: auto" role="img" aria-label="BERT block diagram">',
                          STYLE, head, f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
                          *self.parts, "</svg>", ""])


def bert_block_diagram(config: BertConfig, title: str | None = None) -> str:
    """The SVG text of the diagram for ``config``: embeddings, one encoder layer in full, pooler and MLM head.

    Shapes use B (batch) and T (sequence length) for what the input decides, and the config's numbers for the
    rest: C = hidden_size, H = num_attention_heads, d = C / H, I = intermediate_size, V = vocab_size.
    """
    C, H, L = config.hidden_size, config.num_attention_heads, config.num_hidden_layers
    d, inter, V = C // H, config.intermediate_size, config.vocab_size
    act = config.hidden_act if isinstance(config.hidden_act, str) else "activation"
    c = Canvas()
    c.text(20, c.y, title or f"BERT: L = {L} layers, C = {C}, H = {H} heads of d = {d}, I = {inter}, V = {V}",
           "name")
    c.y += 16
    c.box("input_ids, token_type_ids", "token ids and segment ids (0 / 1)", "io")
    c.arrow("(B, T) int64, each")
    c.box("BertEmbeddings", f"word[{V}] + position[{config.max_position_embeddings}] + "
          f"type[{config.type_vocab_size}], LayerNorm, dropout")
    c.arrow(f"(B, T, {C})", length=62)

    frame_top = c.y - 20
    layer_in = c.y  # the layer input: where the residual of the attention block starts
    c.box("BertSelfAttention: query, key, value", f"three Linear({C} → {C}), then split into {H} heads", "attn")
    c.arrow(f"Q, K, V: (B, T, {C}) → (B, {H}, T, {d}) each")
    scores_top, _ = c.box("scores", f"Q Kᵀ / √{d}  +  additive mask M", "attn")
    c.arrow(f"(B, {H}, T, T)")
    c.box("softmax, dropout", "each row a distribution over the keys", "attn")
    c.arrow(f"probabilities (B, {H}, T, T)")
    c.box("context = probabilities · V", f"then the heads side by side again: {H} × {d} = {C}", "attn")
    c.arrow(f"(B, {H}, T, {d}) → (B, T, {C})")
    _, sum1 = c.box("BertSelfOutput", f"Linear({C} → {C}), dropout, + residual, LayerNorm")
    c.arrow(f"(B, T, {C})")
    c.box("BertIntermediate", f"Linear({C} → {inter}), {act}")
    c.arrow(f"(B, T, {inter})")
    _, sum2 = c.box("BertOutput", f"Linear({inter} → {C}), dropout, + residual, LayerNorm")
    frame_bottom = c.y + 12
    # The frame: one BertLayer, repeated L times; each layer's output is the next one's input.
    c.parts.append(f'<rect x="{X - 40}" y="{frame_top}" width="{W + 80}" height="{frame_bottom - frame_top}" '
                   'rx="10" class="frame"/>')
    c.text(X - 32, frame_top + 15, f"BertLayer × {L} (BertEncoder)", "name")
    # Residual connections: the sublayer's input, added back before each LayerNorm.
    c.path(f"M{X},{layer_in - 6} L{X - 22},{layer_in - 6} L{X - 22},{sum1 - 22} L{X - 2},{sum1 - 22}", "residual")
    c.path(f"M{X},{sum1 + 17} L{X - 22},{sum1 + 17} L{X - 22},{sum2 - 22} L{X - 2},{sum2 - 22}", "residual")
    c.text(X - 30, (layer_in + sum1) // 2, "residual", "note", "end")
    c.text(X - 30, (sum1 + sum2) // 2 + 20, "residual", "note", "end")
    # The padding mask enters at the scores, broadcast over heads and queries.
    mx = X + W + 58
    c.parts.append(f'<rect x="{mx}" y="{scores_top - 78}" width="170" height="44" rx="6" class="io"/>')
    c.text(mx + 85, scores_top - 60, "attention_mask", "name", "middle")
    c.text(mx + 85, scores_top - 43, "1 = token, 0 = padding", "", "middle")
    c.path(f"M{mx + 85},{scores_top - 34} L{mx + 85},{scores_top + 22} L{X + W + 2},{scores_top + 22}")
    c.text(mx + 93, scores_top - 12, "(B, T) →", "shape")
    c.text(mx + 93, scores_top + 4, "(B, 1, 1, T)", "shape")
    c.text(mx - 10, scores_top + 40, "0, or the dtype's minimum", "note")

    c.y = frame_bottom
    c.arrow(f"last_hidden_state (B, T, {C})", length=46)
    split = c.y
    c.y += 14
    left_x, half = X - 60, 260
    c.box("BertPooler", "h[:, 0] (the [CLS] vector), Linear, tanh", x=left_x, w=half)
    c.arrow(f"pooler_output (B, {C})", x=left_x + half // 2)
    c.y = split + 14
    right_x = X + W - half + 60
    c.box("BertLMPredictionHead (MLM)", f"Linear, {act}, LayerNorm, · Eᵀ", x=right_x, w=half)
    c.arrow(f"logits (B, T, {V})", x=right_x + half // 2, note="decoder tied to the word embeddings")
    c.path(f"M{CENTRE},{split} L{CENTRE},{split + 6} L{left_x + half // 2},{split + 6} L{left_x + half // 2},"
           f"{split + 12}")
    c.path(f"M{CENTRE},{split + 6} L{right_x + half // 2},{split + 6} L{right_x + half // 2},{split + 12}")
    c.text(20, c.y + 26, "B = batch, T = tokens per sequence; the tokenizer decides both. Drawn by "
           "minibert/analysis/diagram.py from the config.", "note")
    return c.svg(c.y + 40)
