"""``python -m minibert.exercises release OUT``: what an instructor hands out, without any solution.

OUT gets::

    README.md                  for the students: what is here, how to work, how to self-check, how to hand in
    check.py                   the self-check (minibert/exercises/student_check.py): torch only, no minibert
    exercises/<name>.py        one stub per exercise, to edit (the folder a student hands in)
    snapshots/<name>.json      the shipped cases: inputs, expected outputs, each catalogued mistake's outputs
    notebooks/NN_name.ipynb    the 12 lessons, each answer cell replaced by its "your turn" stub

Nothing of minibert/exercises/solutions or mistakes/ is copied, and the notebooks are built from their sources
without the answer cells (minibert/exercises/notebook_source.py). The self-check grades the shipped cases
only: the instructor's ``grade --batch`` (with the solutions, on the instructor's machine) also draws fresh
cases and is the grade. OUT follows the rule of every command that writes (minibert/loading/outputs.py): a
non-empty folder that is not an earlier release is refused unless ``--overwrite``; each file is written
atomically.
"""

from __future__ import annotations

from pathlib import Path

from minibert.exercises.catalog import EXERCISES
from minibert.exercises.notebook_source import build
from minibert.loading.atomic import atomic_write_bytes

HERE = Path(__file__).resolve().parent
COMMAND = "exercises release"
N_NOTEBOOKS = 12


def default_sources() -> Path:
    """notebooks/src beside the package (a checkout of the repository; an installed wheel has no lessons)."""
    return HERE.parents[1] / "notebooks" / "src"


def readme() -> str:
    rows = "\n".join(f"| {ex.number} | `{ex.name}` | {ex.summary} |" for ex in EXERCISES)
    return f"""# BERT from scratch: the exercises

This folder is yours: edit it, run it, hand in `exercises/`.

- `notebooks/`: the 12 lessons. Where a lesson says **Your turn**, write the function it asks for in the cell
  below the ask and run `grade(...)` there; the cell after it (marked "Your turn" too) stands in for the
  worked answer with minibert's own modules, so the lesson runs on whatever you have written.
- `exercises/`: one file per exercise, `<name>.py`, each with the function's signature, its task and hints
  (the file a lesson calls `minibert/exercises/stubs/<name>.py`). Replace the `raise NotImplementedError(...)`
  line with your code.
- `check.py` and `snapshots/`: the self-check.

The notebooks import minibert, which runs the model they study: install it as your instructor says, with its
`notebooks` extra.

## Check your work

```bash
python check.py                 # every exercise, on the cases in snapshots/
python check.py gelu layer_norm # some of them
python check.py --impl my_copy  # another folder of <name>.py files
```

Each exercise prints PASS, or FAIL with the first problem: "not implemented yet", what differs, and when your
output equals the output of a mistake students often make, which mistake that is and where to look. It needs
only Python and torch.

The self-check knows only the cases shipped here. Your instructor grades with more: cases drawn fresh at
grading time, with your code run in a fenced process (a time limit per exercise). A PASS here is a good sign,
not your grade; code that looks the shipped answers up instead of computing them passes here and fails there.

## Hand in

Hand in the `exercises/` folder (renamed after you, if your instructor asks), as your instructor says.

## The exercises

| # | exercise | what it asks |
|---|---|---|
{rows}
"""


def files(sources: Path) -> dict[str, bytes]:
    """Every file of the release, relative path -> bytes (built in memory first: a bad source writes nothing)."""
    out = {"README.md": readme().encode("utf-8"),
           "check.py": (HERE / "student_check.py").read_bytes()}
    for ex in EXERCISES:
        out[f"exercises/{ex.name}.py"] = (HERE / "stubs" / f"{ex.name}.py").read_bytes()
        out[f"snapshots/{ex.name}.json"] = (HERE / "snapshots" / f"{ex.name}.json").read_bytes()
    notebooks = sorted(sources.glob("[0-9][0-9]_*.py")) if sources.is_dir() else []
    if len(notebooks) != N_NOTEBOOKS:
        raise ValueError(f"expected the {N_NOTEBOOKS} notebook sources NN_name.py in {sources}, found "
                         f"{len(notebooks)}: run release from a checkout of the repository, or pass --notebooks "
                         "with the folder of the sources (notebooks/src)")
    for source in notebooks:
        out[f"notebooks/{source.stem}.ipynb"] = build(source, student=True).encode("utf-8")
    return out


def release(out: Path, sources: Path | None = None, overwrite: bool = False) -> int:
    """Write the student release into ``out``; 0 on success, 1 with one sentence on stderr otherwise."""
    import sys

    from minibert.loading.outputs import claim_folder

    sources = sources or default_sources()
    try:
        content = files(sources)
        with claim_folder(out, COMMAND, {"--notebooks": sources}, overwrite):
            for name, data in content.items():
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(out / name, data)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    n_nb = sum(name.startswith("notebooks/") for name in content)
    print(f"wrote the student release to {out}/: {n_nb} notebooks without answers, {len(EXERCISES)} exercise "
          f"stubs, their snapshots, check.py and README.md (no solutions). Students run: python check.py")
    return 0
