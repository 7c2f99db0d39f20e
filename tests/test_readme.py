"""The README's set-up commands are the ones CI runs (its examples run as doctests via --doctest-glob)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    test_command = commands[-1]
    assert "pytest" in test_command
    assert f"\n{test_command}\n" in readme
