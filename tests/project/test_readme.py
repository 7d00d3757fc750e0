"""The README's set-up commands are the ones CI runs, and the transcripts shown in the README and the docs pages
it sends readers to are what the commands print."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The pages that took over the README's long material (its transcripts and commands): the checks below read them
# with the README, so a transcript is checked wherever it is shown.
MOVED = ["parity.md", "loading.md", "chinese.md", "training.md", "checkpoints.md", "decoder.md", "advanced.md",
         "pipelines.md", "course.md"]


def _shown_text() -> str:
    """The README and the docs pages that hold what it used to show, one after the other."""
    pages = [REPO / "README.md"] + [REPO / "docs" / name for name in MOVED]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("python3 -m venv")]


def test_ci_runs_the_readme_test_command():
    readme = _commands((REPO / "README.md").read_text(encoding="utf-8"))
    ci = _commands((REPO / ".ci" / "run").read_text(encoding="utf-8"))
    assert len(readme) == 2, f"README should open with exactly two set-up commands, found {readme}"
    # .ci/run may build more environments (the latest-5.x check), but it runs the README's test command verbatim.
    assert readme[1] in ci, f".ci/run runs {ci}, README's test command is {readme[1]!r}"
    assert "pytest" in readme[1] and "minibert walkthrough" in readme[0]


def _transcripts(text: str) -> dict[str, str]:
    """The shown ``$ .venv/bin/python -m minibert ARGS`` lines -> the output shown under each one."""
    shown, command = {}, None
    for line in text.splitlines():
        if line.startswith("$ "):
            command = line[2:].split("   #")[0].strip()
            shown[command] = ""
        elif line.startswith("```"):
            command = None
        elif command is not None:
            shown[command] += line + "\n"
    return shown


def _run_as_shown(command: str, **paths) -> str:
    """Run a README command from the repo root as a terminal shows it (stderr and stdout in the order
    written), offline, with Hub ids replaced by local folders."""
    import os
    import shlex
    import subprocess
    import sys

    prefix = ".venv/bin/python -m minibert "
    assert command.startswith(prefix), f"README commands run in the venv: {command!r}"
    argv = [paths.get(a, a) for a in shlex.split(command[len(prefix):])]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "minibert", *argv], cwd=REPO, env=env, text=True, timeout=300,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert done.returncode in (0, 1), done.stdout
    return done.stdout


def test_readme_fill_mask_output_is_what_the_command_prints():
    shown = _transcripts(_shown_text())  # docs/checkpoints.md and docs/pipelines.md
    commands = [c for c in shown if " fill-mask " in c or " classify \"hello\"" in c]
    assert len(commands) == 4, commands  # the trained default's two fill-masks, tiny-bert's, and classify's error
    for command in commands:
        assert _run_as_shown(command) == shown[command], command


def test_readme_embed_and_similarity_output_is_what_the_commands_print(official_checkpoint):
    shown = _transcripts(_shown_text())  # docs/pipelines.md
    commands = [c for c in shown if " embed " in c or " similarity " in c]
    assert len(commands) == 2, commands
    for command in commands:
        printed = _run_as_shown(command, **{"sentence-transformers/all-MiniLM-L6-v2": str(official_checkpoint)})
        assert printed == shown[command], command


def test_readme_shows_no_paths_a_reader_does_not_have():
    readme = _shown_text()
    assert "../shared" not in readme and "/work/" not in readme
    bare = [line for line in readme.splitlines() if line.lstrip("$ ").startswith("python -m ")]
    assert not bare, f"commands outside the venv fail with 'No module named torch': {bare}"


def test_readme_is_a_front_page_that_links_to_every_docs_page():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200, "the README is the front page: the long material goes to docs/"
    pages = sorted(p.name for p in (REPO / "docs").glob("*.md"))
    assert set(MOVED) <= set(pages)
    assert [p for p in pages if f"](docs/{p})" not in readme] == []
    assert "](docs/images/bert_block_diagram.svg)" in readme


def test_readme_speedrun_figures_are_the_one_hour_report_cards():
    """The figures the README quotes for `speedrun --budget 1h` are read off the committed report card."""
    import json

    card = json.loads((REPO / "benchmarks" / "results" / "speedrun-1h" / "report.json").read_text(encoding="utf-8"))
    sixteen = next(row for row in card["transfer"] if row["labels"] == 16)
    mean = {arm: sum(sixteen[arm]) / len(sixteen[arm]) for arm in ("pretrained", "random")}
    readme = (REPO / "README.md").read_text(encoding="utf-8").replace("\n", " ")
    shown = [f"{card['steps']:,} steps", f"{card['recipe']['layers']}-layer × {card['recipe']['hidden_size']}",
             f"top-1 {100 * card['heldout_top1']:.1f} %", f"baseline's {100 * card['baseline_top1']:.1f} %",
             f"{100 * mean['pretrained']:.1f} % of the time", f"random weights {100 * mean['random']:.1f} %"]
    assert [s for s in shown if s not in readme] == []
