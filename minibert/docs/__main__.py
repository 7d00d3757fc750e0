"""``python -m minibert.docs build --out site/``: build the annotated-source site."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minibert.docs", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    b = sub.add_parser("build", help="write the static site (HTML + CSS, works offline)")
    b.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: site/)")
    b.add_argument("--package-dir", type=Path, default=None, help="the minibert package to document "
                   "(default: the one this command runs from)")
    b.add_argument("--notebooks", type=Path, default=None, help="folder with NN_*.ipynb notebooks "
                   "(default: notebooks/ next to the package)")
    b.add_argument("--guides", type=Path, default=None, help="folder with the Markdown pages shown as guides "
                   "(default: docs/ next to the package)")
    b.add_argument("--overwrite", action="store_true", help="write into a non-empty --out that is not an earlier "
                   "site build (files of the same names are replaced)")
    b.add_argument("--no-execute", action="store_true", help="show the notebooks' cells without running them "
                   "(by default each notebook is run, so its page shows the outputs and figures: minutes)")
    b.add_argument("--no-solutions", action="store_true", help="a site for students: no page for the exercises' "
                   "solutions and mistake catalogue, and the notebooks without their answer cells")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        from minibert.docs.build import build, default_package_dir  # imports markdown, pygments, latex2mathml
    except ImportError as err:
        print(f"error: {err.name} is missing; the docs need the dev extras: pip install -e '.[dev]'",
              file=sys.stderr)
        return 1
    from minibert.loading.outputs import claim_folder

    start = time.perf_counter()
    package = args.package_dir or default_package_dir()
    inputs = {"--package-dir": package, "--notebooks": args.notebooks or package.parent / "notebooks",
              "--guides": args.guides or package.parent / "docs"}
    try:
        with claim_folder(args.out, "docs build", inputs, args.overwrite):
            pages = build(args.out, args.package_dir, args.notebooks, execute=not args.no_execute,
                          progress=lambda message: print(message, file=sys.stderr, flush=True),
                          solutions=not args.no_solutions, guides_dir=args.guides)
    except (ValueError, OSError, SyntaxError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {len(pages)} pages to {args.out}/ in {time.perf_counter() - start:.1f} s; "
          f"open {(args.out / 'index.html').resolve().as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
