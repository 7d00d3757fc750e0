"""The report card's figures, drawn from what ran (report.json's numbers), as PNG files.

* ``curve.png``: training loss and held-out top-1 against training seconds;
* ``transfer.png``: test accuracy against the number of labels, pre-trained and random initialisation (mean,
  with the seeds' range as a band), the bag-of-words and majority-class baselines beside them;
* ``fill_mask.png``: the fill-mask table (the text, the hidden word, the model's top 3). Chinese text needs a
  font with CJK glyphs (``CJK_FONTS``, e.g. Debian's ``fonts-noto-cjk``); without one the figure's Chinese
  characters are empty boxes and its title says so (report.md has the table as text).
"""

from __future__ import annotations

import warnings
from pathlib import Path

# Fonts with Chinese glyphs, the first one installed is used for fill_mask.png (DejaVu Sans for the rest).
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "SimHei", "Microsoft YaHei",
             "PingFang SC"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def curve(report: dict, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    steps = report["curve"]["loss"]
    ax.plot([r["train_seconds"] for r in steps], [r["loss"] for r in steps], color="tab:blue", lw=1)
    ax.set_xlabel("training seconds")
    ax.set_ylabel("training loss (masked-LM)", color="tab:blue")
    top = ax.twinx()
    evals = report["curve"]["heldout_top1"]
    top.plot([r["train_seconds"] for r in evals], [100 * r["heldout_top1"] for r in evals], "o-", color="tab:red")
    top.set_ylabel("held-out top-1 (%, sample)", color="tab:red")
    ax.set_title(f"pre-training: {report['steps']:,} steps in {report['train_seconds']:.0f} s "
                 f"({report['recipe']['layers']} × {report['recipe']['hidden_size']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def transfer(report: dict, path: Path) -> None:
    plt = _pyplot()
    rows = report["transfer"]
    n = [r["labels"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, color, name in (("pretrained", "tab:green", "pre-trained encoder"),
                             ("random", "tab:gray", "random initialisation")):
        acc = [[100 * a for a in r[key]] for r in rows]
        ax.plot(n, [sum(a) / len(a) for a in acc], "o-", color=color, label=f"{name} (mean, range of 3 seeds)")
        ax.fill_between(n, [min(a) for a in acc], [max(a) for a in acc], color=color, alpha=0.25)
    for key, style, name in (("bow_logreg", "s--", "bag-of-words logistic regression"),
                             ("majority", ":", "majority class")):
        ax.plot(n, [100 * sum(r[key]) / len(r[key]) for r in rows], style, color="black", label=name, lw=1)
    ax.set_xscale("log", base=2)
    ax.set_xticks(n, [str(x) for x in n])
    ax.set_xlabel("training labels")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"transfer: which of {report['transfer_task']['classes']} held-out documents?")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _cjk_font() -> str | None:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def fill_mask(report: dict, path: Path) -> None:
    plt = _pyplot()
    rows = report["fill_mask"]
    chinese = any(ord(ch) >= 0x2E80 for r in rows for ch in r["text"] + "".join(r["predictions"]))
    font = _cjk_font() if chinese else None
    with plt.rc_context({"font.family": [font, "DejaVu Sans"]} if font else {}), warnings.catch_warnings():
        if chinese and not font:  # one note in the title, not a warning per missing glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        _fill_mask_table(plt, rows, path, "" if font or not chinese else
                         " (no CJK font installed: the text is in report.md)")


def _fill_mask_table(plt, rows: list[dict], path: Path, note: str) -> None:
    cells = [[_short(r["text"]), r.get("answer") or "", ", ".join(r["predictions"])] for r in rows]
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(cells) + 0.8))
    ax.axis("off")
    table = ax.table(cellText=cells or [["", "", ""]], colLabels=["text", "hidden", "top 3"], loc="center",
                     cellLoc="left", colWidths=[0.68, 0.1, 0.22])
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 1.4)
    ax.set_title("fill-mask on held-out text" + note)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _short(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def draw_all(report: dict, folder: Path) -> list[str]:
    """Draw the three figures into ``folder``; returns their file names."""
    names = {"curve.png": curve, "transfer.png": transfer, "fill_mask.png": fill_mask}
    for name, draw in names.items():
        draw(report, folder / name)
    return list(names)
