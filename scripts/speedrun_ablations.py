"""Short ablations of the speedrun's recipe: one change at a time, all at one fixed budget.

    python scripts/speedrun_ablations.py run NAME [NAME ...] [--out DIR]   # DIR/NAME/ (default DIR: runs/ablations)
    python scripts/speedrun_ablations.py queue [--out DIR]                 # every name of DIR/queue.txt, in turn
    python scripts/speedrun_ablations.py table [--out DIR] [--write RES]   # the table of docs/pretraining.md; RES/:
                                                                           # table.md, results.json, ablations.png
        [--doc docs/pretraining.md]                                        # and table.md into the page's block

English runs: ``python -m minibert speedrun --corpus pydocs --budget 10m --clock cpu --threads 1 --no-transfer``
plus the variant's flags; the Chinese pair (issue 27) runs on ``runs/zh-docs/train.txt`` for 15 minutes. The budget
counts the process's CPU seconds (``--clock cpu``) on one thread, so a machine shared with other work slows a run
down without shortening its training. All runs of a group share the group's first run's data folder (copied): the
same corpus split, the same vocabulary (the `tokenizers` trainer does not give the same vocabulary twice: its ties
are broken in hash order), the same segments; ``--data FOLDER`` seeds that first folder from an earlier run's.

Resumable: ``run`` skips a variant whose report.json exists and resumes a killed one (the speedrun resumes when
called again with the same arguments). ``queue`` re-reads DIR/queue.txt (one name a line) after every run, so names
appended while it runs are picked up; run it again after a kill and it goes on where it stopped.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.ablation_variants import GROUPS, VARIANTS  # noqa: E402


def _seed_data(name: str, out: Path, data_from: Path | None) -> None:
    """Give the run the data folder of its group's first run (or ``data_from`` for that first run)."""
    group = VARIANTS[name].group
    base = GROUPS[group]["base"]
    target = out / name / "data"
    if target.exists():
        return
    source = data_from if name == base else out / base / "data"
    if source is None or not (source / "meta.json").is_file():
        return
    flags = VARIANTS[name].flags
    if "--max-length" in flags:  # the same split and vocabulary, segments cut again at the other length
        from scripts.ablation_data import reseg

        reseg(source, target, int(flags[flags.index("--max-length") + 1]))
    else:
        shutil.copytree(source, target)


def command(name: str, out: Path) -> list[str]:
    v = VARIANTS[name]
    g = GROUPS[v.group]
    return [sys.executable, "-m", "minibert", "speedrun", *g["flags"], "--budget", g["budget"], "--clock", "cpu",
            "--threads", "1", "--no-transfer", "--no-progress", "--out", str(out / name), *v.flags]


def run(name: str, out: Path, data_from: Path | None = None) -> bool:
    """Run (or resume) one variant; False when it had finished already."""
    if (out / name / "report.json").is_file():
        print(f"{name}: done already", flush=True)
        return False
    if VARIANTS[name].group != VARIANTS[GROUPS[VARIANTS[name].group]["base"]].group:
        raise ValueError(f"{name}: its group's first run is not in the group")
    _seed_data(name, out, data_from)
    cmd = command(name, out)
    print(" ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    return True


def queue(out: Path, data_from: Path | None, script: str) -> None:
    """Run the names of out/queue.txt in turn, each in a fresh process of this script (so edits are picked up)."""
    failed: set[str] = set()
    while True:
        names = [n.strip() for n in (out / "queue.txt").read_text().splitlines() if n.strip()]
        todo = [n for n in names if not (out / n / "report.json").is_file() and n not in failed]
        if not todo:
            print("queue: nothing left", flush=True)
            return
        extra = ["--data", str(data_from)] if data_from else []
        done = subprocess.run([sys.executable, script, "run", todo[0], "--out", str(out), *extra])
        if done.returncode:
            print(f"queue: {todo[0]} failed (exit {done.returncode}); going on", flush=True)
            failed.add(todo[0])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["run", "queue", "table"])
    p.add_argument("names", nargs="*")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "ablations")
    p.add_argument("--data", type=Path, default=None, help="seed the first run's data folder from this one")
    p.add_argument("--write", type=Path, default=None, help="table: also write table.md, results.json and the figure")
    p.add_argument("--doc", type=Path, default=None,
                   help="table, with --write: copy the new table.md into this page's generated block")
    p.add_argument("--script", default=str(ROOT / "scripts" / "speedrun_ablations.py"),
                   help="queue: the script each run is started with (a symlinked copy can be updated meanwhile)")
    a = p.parse_args(argv)
    if a.what == "table":
        from scripts.ablation_table import main as table_main

        if a.doc is not None and a.write is None:
            p.error("--doc needs --write (the block is the written table.md)")
        table_main(a.out, a.write, a.doc)
    elif a.what == "queue":
        queue(a.out, a.data, a.script)
    else:
        for name in a.names:
            run(name, a.out, a.data)


if __name__ == "__main__":
    main()
