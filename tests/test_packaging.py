"""The sdist is honest: it holds every file its test suite needs, and ``pytest`` collects in an unpacked sdist.

The sdist is built with the build backend itself (``setuptools.build_meta.build_sdist``, no network, no ``build``
package) from a copy of the files git tracks, so the working tree is left as it is and untracked files cannot hide
a missing ``MANIFEST.in`` line.  Collection leaves out ``tests/frameworks``: it imports PyTorch, JAX and TensorFlow,
ten seconds of imports that prove nothing about packaging (the files are checked to be there all the same).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Files outside tests/ and docs/ that the tests read: the nav (test_docs), the CI command the README must show
#: (test_readme), the figure generator (test_viz), and the configuration pytest itself reads.
ALSO_NEEDED = ["README.md", "mkdocs.yml", ".ci/run", "scripts/make_figures.py", "pyproject.toml", "LICENSE"]


def _git_files(*paths: str) -> list[str]:
    """``git ls-files PATHS`` in this checkout; the test is skipped where this is not one (an unpacked sdist)."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: the tracked files cannot be listed")
    top = subprocess.run([git, "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True, text=True, check=False)
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT:
        pytest.skip(f"{ROOT} is not a git checkout of this project (an unpacked sdist, say)")
    listed = subprocess.run([git, "ls-files", "-z", *paths], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.split("\0") if name]


@pytest.fixture(scope="module")
def unpacked_sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist of the tracked files, built offline and unpacked; its top directory."""
    tracked = _git_files()
    pytest.importorskip("setuptools", reason="building the sdist needs setuptools (pip install -e '.[test]')")
    source = tmp_path_factory.mktemp("source")
    for name in tracked:
        if (ROOT / name).is_file():  # a tracked file deleted in the working tree is not copied
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])",
            dist,
        ],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (archive,) = dist.glob("*.tar.gz")
    unpacked = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.10.12/3.11.4 onwards
            tar.extractall(unpacked, filter="data")
        else:
            tar.extractall(unpacked)  # our own archive, just built
    (top,) = unpacked.iterdir()
    return top


def test_the_sdist_holds_every_file_the_tests_need(unpacked_sdist: Path) -> None:
    needed = _git_files("tests", "docs", *ALSO_NEEDED)
    assert {"tests/__init__.py", "tests/conftest.py", "tests/mutants.py", "docs/index.md"} <= set(needed)
    missing = [name for name in needed if (ROOT / name).is_file() and not (unpacked_sdist / name).is_file()]
    assert not missing, f"tracked files the tests need, missing from the sdist (add them to MANIFEST.in): {missing}"


def test_pytest_collects_in_the_unpacked_sdist(unpacked_sdist: Path) -> None:
    """``pytest --collect-only`` there, with the unpacked package first on the path, collects without an error."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(unpacked_sdist)

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *arguments], cwd=unpacked_sdist, env=env, capture_output=True, text=True, check=False
        )

    where = run("-c", "import transposed_conv; print(transposed_conv.__file__)")
    assert Path(where.stdout.strip()).parent == unpacked_sdist / "transposed_conv", where.stdout + where.stderr
    collected = run("-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "--ignore=tests/frameworks")
    assert collected.returncode == 0, collected.stdout[-5000:] + collected.stderr
    summary = collected.stdout.strip().splitlines()[-1]
    assert " collected" in summary and "error" not in summary, summary
