"""Write docs/images/bert_block_diagram.svg: BERT-base's block diagram, drawn by minibert/analysis/diagram.py.

    python scripts/make_diagram.py            # (re)write the picture
    python scripts/make_diagram.py --check    # exit 1 if the committed picture is not what the code draws
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from minibert import BertConfig
from minibert.analysis.diagram import bert_block_diagram

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "bert_block_diagram.svg"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    svg = bert_block_diagram(BertConfig(), title="BERT-base (bert-base-uncased): L = 12 layers, C = 768, "
                             "H = 12 heads of d = 64, I = 3072, V = 30522")
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != svg:
            print(f"{OUT} is out of date: run python scripts/make_diagram.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(svg, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
