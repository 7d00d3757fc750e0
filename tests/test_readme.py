"""The README's set-up commands are the ones CI runs."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("python3 -m venv")]


def test_ci_runs_the_readme_test_command():
    readme = _commands((REPO / "README.md").read_text(encoding="utf-8"))
    ci = _commands((REPO / ".ci" / "run").read_text(encoding="utf-8"))
    assert len(readme) == 2, f"README should open with exactly two set-up commands, found {readme}"
    # .ci/run may build more environments (the latest-5.x check), but it runs the README's test command verbatim.
    assert readme[1] in ci, f".ci/run runs {ci}, README's test command is {readme[1]!r}"
    assert "pytest" in readme[1] and "minibert walkthrough" in readme[0]
