"""The documentation site: it builds with warnings as errors, every page is in the nav, and every
example on every page is a doctest (run by ``--doctest-glob=*.md``, so the pages cannot drift
from the code).  The tests a page names as its evidence must exist."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _nav_pages() -> set[str]:
    """The ``.md`` files named in mkdocs.yml's nav (read without YAML: the docs extra may be absent)."""
    text = (ROOT / "mkdocs.yml").read_text()
    nav = text[text.index("\nnav:") :]
    return set(re.findall(r"^\s*-\s*(?:[^:\n]+:\s*)?([\w./-]+\.md)\s*$", nav, re.MULTILINE))


DOCS_EXTRA = ("mkdocs", "material", "mkdocstrings_handlers", "latex2mathml")
needs_docs_extra = pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in DOCS_EXTRA),
    reason="the site needs the docs extra (pip install -e '.[docs]'): mkdocs, mkdocs-material, mkdocstrings[python], "
    "latex2mathml",
)
_BUILT: dict[str, Path] = {}


def build_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site once per session (``mkdocs build --strict``) and return its folder; a failed build fails."""
    if "site" not in _BUILT:
        site = tmp_path_factory.mktemp("built") / "site"
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        _BUILT["site"] = site
    return _BUILT["site"]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory)


@needs_docs_extra
def test_the_site_builds_with_warnings_as_errors(site: Path) -> None:
    assert (site / "api" / "operations" / "index.html").read_text().count("conv_transpose") > 10


@needs_docs_extra
def test_the_site_needs_no_network(site: Path) -> None:
    """No page loads a script, style or font from another host; every formula is MathML, made at build time."""
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"(?:https?:)?//", text), page
        assert not re.search(r'class="arithmatex">\s*(?:\\\(|\\\[|\$\$)', text), f"raw TeX in {page}"
    index = (site / "search" / "search_index.json").read_text()
    assert "\\\\(" not in index, "raw TeX in the search index"


@needs_docs_extra
def test_the_api_pages_show_no_raw_roles_and_link_across(site: Path) -> None:
    """docs/hooks.py's griffe extension turns every numpydoc role into a link (or code, for an undocumented name)."""
    pages = sorted((site / "api").glob("*/index.html"))
    assert len(pages) >= 7
    for page in pages:
        text = page.read_text()
        assert not re.search(r":(?:func|class|mod|data|meth|attr|obj|exc|const):`", text), f"raw role in {page}"
    links = sum(page.read_text().count('class="autorefs autorefs-internal"') for page in pages)
    assert links > 100


def test_every_page_is_in_the_nav() -> None:
    on_disk = {page.relative_to(DOCS).as_posix() for page in PAGES}
    nav = _nav_pages()
    assert on_disk - nav == set(), "pages missing from mkdocs.yml's nav"
    assert nav - on_disk == set(), "nav entries without a page"


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_python_block_is_a_doctest(page: Path) -> None:
    """A ```python block without >>> prompts would silently never run; use ```text or ```bash for the rest."""
    for language, body in FENCE.findall(page.read_text()):
        if language in ("python", "py", "pycon"):
            assert body.lstrip().startswith(">>>"), f"{page.name}: a python block that is not a doctest:\n{body}"


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_the_tests_a_page_cites_exist(page: Path) -> None:
    """``tests/test_x.py::test_name`` on a page names a test that exists (renamed tests break the page)."""
    for path, name in re.findall(r"(tests/[\w/]+\.py)::(\w+)", page.read_text()):
        source = ROOT / path
        assert source.exists(), f"{page.name} cites {path}, which does not exist"
        assert re.search(rf"^def {name}\(", source.read_text(), re.MULTILINE), f"{page.name} cites {path}::{name}"


EXERCISE = re.compile(r'^\?\?\? question "([^"\n]+)"\n((?:[ \t]*\n|    [^\n]*\n)+)', re.MULTILINE)
LEARN = ["names.md", "arithmetic.md", "matlab.md", "zero-insertion.md", "matrix.md", "subpixel.md", "checkerboard.md"]


@pytest.mark.parametrize("name", LEARN)
def test_the_main_pages_have_exercises_with_collapsed_answers_that_run(name: str) -> None:
    """Predict, then check: each page of the course has ``??? question`` blocks (pymdownx.details, closed
    until opened), each question a question and each answer holding an example -- run, like every example of
    the page, by ``--doctest-glob=*.md``."""
    text = (DOCS / name).read_text()
    found = EXERCISE.findall(text)
    assert found, f"{name} has no exercise"
    assert len(found) == text.count("??? question"), f"{name}: an exercise whose answer is not indented"
    for question, answer in found:
        assert question.rstrip().endswith("?"), question
        assert "    >>> " in answer, f"{name}: the answer to {question!r} runs no example"


def _transcripts() -> list[tuple[str, str, str]]:
    """``(page, command, expected output)`` for each ``$ transposed-conv ...`` line of a ```console block."""
    found = []
    for page in PAGES:
        for language, body in FENCE.findall(page.read_text()):
            if language != "console":
                continue
            for chunk in re.split(r"^(?=\$ )", body, flags=re.MULTILINE):
                if chunk.startswith("$ transposed-conv "):
                    command, _, output = chunk.partition("\n")
                    found.append((page.name, command[2:], output))
    return found


def _run_command(argv: list[str]) -> tuple[int, str]:
    from transposed_conv import cli

    out, err = io.StringIO(), io.StringIO()
    return cli.main(argv, out=out, err=err), out.getvalue()


TRANSCRIPTS = _transcripts()


@pytest.mark.parametrize(("page", "command", "expected"), TRANSCRIPTS, ids=[f"{p}: {c}" for p, c, _ in TRANSCRIPTS])
def test_command_transcripts_are_what_the_command_prints(page: str, command: str, expected: str) -> None:
    """A ```console block shows `$ transposed-conv ...` and its output: running it must print exactly that."""
    status, printed = _run_command(shlex.split(command)[1:])
    assert status == 0

    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.rstrip().splitlines()]

    assert lines(printed) == lines(expected), f"{page}: {command}"


def test_the_readme_links_the_site_and_shows_how_to_build_it() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "mkdocs build --strict" in readme
    assert "docs/index.md" in readme


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_the_number_of_dimensions_is_D_because_d_is_the_dilation(page: Path) -> None:
    """``d`` is the dilation on every page; a power or count of dimensions is written with ``D`` (``s^D``)."""
    text = page.read_text()
    assert not re.search(r"\^d\b|\$d\$[- ]dimension|\bN-d\b", text), f"{page.name}: d used for the number of dimensions"
