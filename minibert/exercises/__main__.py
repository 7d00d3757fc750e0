"""``python -m minibert.exercises list | init [DIR] | grade [NAME] [--batch S --out G] | status | capstone | release``.

``init`` copies the stubs into a folder of your own (default ``my_exercises``), which you then edit and grade
with ``--impl DIR`` (or ``export MINIBERT_EXERCISES=DIR``): the package itself stays untouched.

``grade`` runs the pytest graders in minibert/exercises/graders on the chosen implementation, each exercise in
a fenced process of its own with a time limit (minibert/exercises/isolation.py), on the snapshot's cases and
cases drawn from a printed seed (minibert/exercises/drawn.py), and prints one row per exercise: PASS when every
case matches, else FAIL with the first mismatch (which output, which shape or value, by how much), "not
implemented yet", or why it could not be graded (timed out, crashed). The exit code is 0 only when every graded
exercise passes; an interrupted grading prints no row and exits 130. ``grade --batch SUBMISSIONS --out
GRADEBOOK`` grades a class (minibert/exercises/batch.py). The same graders run under plain pytest, in one
process: ``pytest minibert/exercises/graders --impl solutions``.

``status`` lists each exercise as not started / failing (with the mistake recognised) / passing, and says
what to do next (minibert/exercises/progress.py). ``capstone`` runs a whole BertModel on your functions
against the reference, module by module (minibert/exercises/capstone.py); its exit code is 0 only when every
module agrees. ``release OUT`` writes what an instructor hands out, without any solution
(minibert/exercises/release.py).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
from pathlib import Path

from minibert.exercises.adapters import ENV_VAR, default_source
from minibert.exercises.catalog import EXERCISES, Exercise, find
from minibert.exercises.grading import Interrupted
from minibert.exercises.isolation import DEFAULT_TIMEOUT, grade_isolated

STUBS = Path(__file__).resolve().parent / "stubs"
INTERRUPTED = "interrupted: grading stopped before every case ran; nothing was graded"


def parse_names(names: list[str]) -> list[Exercise]:
    """The exercises named (by name or number; all when none); KeyError names the known ones."""
    return [find(name) for name in names] if names else list(EXERCISES)


def grade(names: list[str], source: str, verbose: bool = False, seed: int | None = None,
          timeout: float = DEFAULT_TIMEOUT) -> int:
    """Grade ``names`` (all if empty) on ``source``, each exercise in a fenced process of its own, and print one
    row per exercise; 0 when all pass. Interrupted (Ctrl-C, SIGTERM): no row, exit 130."""
    try:
        import pytest  # noqa: F401
    except ImportError:
        print("error: grading needs pytest: pip install pytest", file=sys.stderr)
        return 2
    try:
        exercises = parse_names(names)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    seed = secrets.randbelow(10**6) if seed is None else seed
    try:
        outcomes = [grade_isolated(ex.name, source, seed, timeout, verbose) for ex in exercises]
    except (Interrupted, KeyboardInterrupt):
        print(INTERRUPTED, file=sys.stderr)
        return 130

    who = "the reference solutions" if source == "solutions" else "your implementation"
    print(f"Grading {source!r} ({who}); cases drawn with seed {seed} (to repeat: --seed {seed})")
    width = max(len(ex.name) for ex in exercises)
    print(f"{'#':>3}  {'exercise':{width}}  result  cases  first problem")
    for ex, outcome in zip(exercises, outcomes):
        result = "PASS" if outcome.passed else "FAIL"
        cases = f"{outcome.n_passed:>2}/{outcome.expected:<2}"
        print(f"{ex.number:3d}  {ex.name:{width}}  {result:6s}  {cases}  {outcome.first_problem()}".rstrip())
    n_pass = sum(outcome.passed for outcome in outcomes)
    print(f"{n_pass}/{len(exercises)} exercises pass")
    return 0 if n_pass == len(exercises) else 1


def list_exercises() -> int:
    width = max(len(ex.name) for ex in EXERCISES)
    for ex in EXERCISES:
        print(f"{ex.number:3d}  {ex.name:{width}s}  {ex.summary}  [{ex.lesson}]")
    return 0


def init(folder: Path, force: bool = False) -> int:
    """Copy every stub into ``folder`` (created if needed); existing files are kept unless ``force``."""
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:  # a file where the folder (or one above it) should be: never replaced
        print(f"error: {blocking} is a file, not a folder; init copies the exercise stubs into a folder: give a "
              "new folder name (e.g. my_exercises)", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    kept = []
    for ex in EXERCISES:
        target = folder / f"{ex.name}.py"
        if target.exists() and not force:
            kept.append(target.name)
            continue
        shutil.copyfile(STUBS / f"{ex.name}.py", target)
    copied = len(EXERCISES) - len(kept)
    print(f"copied {copied} exercise stubs into {folder}/" + (f" (kept your {', '.join(kept)}; --force overwrites)"
                                                             if kept else ""))
    print(f"next: edit {folder / 'gelu.py'}, then run: python -m minibert.exercises grade gelu --impl {folder}")
    return 0


def grade_batch(args) -> int:
    from minibert.exercises.batch import batch

    if args.impl is not None:
        print("error: --impl and --batch exclude each other: --batch grades every student folder in it",
              file=sys.stderr)
        return 2
    try:
        exercises = parse_names(args.names)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    seed = secrets.randbelow(10**6) if args.seed is None else args.seed
    try:
        return batch(args.batch, args.out, exercises, seed, args.timeout)
    except (Interrupted, KeyboardInterrupt):
        print(INTERRUPTED + " (no gradebook written)", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minibert.exercises", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("list", help="the exercises, one line each")
    i = sub.add_parser("init", help="copy the stubs into a folder of your own to work in")
    i.add_argument("folder", nargs="?", type=Path, default=Path("my_exercises"), help="default: my_exercises")
    i.add_argument("--force", action="store_true", help="overwrite files already there")
    g = sub.add_parser("grade", help="grade exercises against the reference snapshots")
    g.add_argument("names", nargs="*", metavar="NAME", help="exercise names or numbers (default: all)")
    g.add_argument("-v", "--verbose", action="store_true", help="show pytest's own report too")
    g.add_argument("--batch", type=Path, default=None, metavar="SUBMISSIONS",
                   help="grade a class: one folder per student in SUBMISSIONS (needs --out)")
    g.add_argument("--out", type=Path, default=None, metavar="GRADEBOOK",
                   help="with --batch: the folder that gets grades.csv and feedback/<student>.md")
    st = sub.add_parser("status", help="each exercise: not started, failing (and why) or passing; what next")
    for p in (g, st):
        p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"wall-clock limit per exercise (default {DEFAULT_TIMEOUT:g})")
        p.add_argument("--seed", type=int, default=None,
                       help="seed of the cases drawn besides the snapshot's (default: a fresh one, printed)")
    c = sub.add_parser("capstone", help="a whole BERT on your functions, compared with the reference module by module")
    c.add_argument("--model", default=None, help="checkpoint folder or Hub id (default: the default trained model)")
    c.add_argument("--device", default="cpu", help="cpu (default), cuda, ...")
    for p in (g, st, c):
        p.add_argument("--impl", default=None,
                       help=f"a folder made by `init` (or any .py file) with your solutions, stubs (the package's "
                            f"own stubs) or solutions (the reference); default: ${ENV_VAR}, else stubs")
    r = sub.add_parser("release", help="write the student release: notebooks without answers, stubs, self-check")
    r.add_argument("out", type=Path, metavar="OUT", help="the folder to write (new, empty, or an earlier release)")
    r.add_argument("--notebooks", type=Path, default=None,
                   help="the notebook sources NN_name.py (default: notebooks/src of this checkout)")
    r.add_argument("--overwrite", action="store_true",
                   help="write into a non-empty OUT that is not an earlier release (same-named files replaced)")
    args = parser.parse_args(argv)
    if args.command == "release":
        from minibert.exercises.release import release

        return release(args.out, args.notebooks, args.overwrite)
    if args.command == "list":
        return list_exercises()
    if args.command == "init":
        return init(args.folder, args.force)
    if args.command in ("grade", "status") and not args.timeout > 0:
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    if args.command == "grade" and (args.batch is None) != (args.out is None):
        parser.error("--batch SUBMISSIONS and --out GRADEBOOK go together")
    if args.command == "grade" and args.batch is not None:
        return grade_batch(args)
    if args.command == "grade":
        return grade(args.names, args.impl or default_source(), args.verbose, args.seed, args.timeout)
    if args.command == "status":
        from minibert.exercises.progress import status

        return status(args.impl or default_source(), args.seed, args.timeout)
    if args.command == "capstone":
        from minibert.exercises.capstone import capstone

        return capstone(args.impl or default_source(), args.model, args.device)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
