"""The figures: one command regenerates them all, each is drawn from the library's own numbers, and each is
designed for the site's 688 px content column.

Redrawing all of them takes about 15 s, so the suite checks them without drawing: ``docs/figures/figures.json``
records, per figure, the fingerprint of the data it was drawn from (computed by ``conv``/``conv_transpose``/
``explain`` when the figures were made) and the SHA-256 of the file.  Here the data is recomputed and the
files are hashed: a change that alters a figure's numbers, or a figure edited or replaced by hand, fails until
``python scripts/make_figures.py`` is rerun.  Two figures (a strip and the four views) are redrawn and compared
byte for byte, when the installed matplotlib is the one that drew them.
"""

from __future__ import annotations

import hashlib
import json
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"
MANIFEST = json.loads((FIGURES / "figures.json").read_text())
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".gif": b"GIF89a"}
REDRAWN = ["relationship_14.png", "four_views.png"]


def test_the_committed_figures_are_the_ones_recorded_when_they_were_made() -> None:
    """Exactly the figures of viz.figure_names() are committed, each with the bytes the generator recorded."""
    from transposed_conv.viz import figure_names

    committed = {path.name for path in FIGURES.iterdir() if path.suffix in MAGIC}
    assert committed == set(MANIFEST["figures"]) == set(figure_names())
    for name, entry in MANIFEST["figures"].items():
        data = (FIGURES / name).read_bytes()
        assert data.startswith(MAGIC[Path(name).suffix]), name
        assert hashlib.sha256(data).hexdigest() == entry["file"], f"{name} is not the file make_figures wrote"


def test_every_figure_is_drawn_from_what_the_library_computes_now() -> None:
    """The data behind each figure (conv_transpose's outputs, the window sums checked against them, ...) is
    what it was when the figure was drawn: otherwise regenerate with python scripts/make_figures.py."""
    from transposed_conv.viz import fingerprints

    recorded = {name: entry["content"] for name, entry in MANIFEST["figures"].items()}
    assert fingerprints() == recorded


def test_every_figure_fits_the_content_column_with_readable_text() -> None:
    """At most 688 px wide (shown at its own size, not shrunk) and no text under 9 px (make_figures refuses
    to write a figure that breaks this; here the record is read back and the sizes checked in the files)."""
    Image = pytest.importorskip("PIL.Image", reason="reading the figures needs Pillow (it comes with matplotlib)")

    for name, entry in MANIFEST["figures"].items():
        with Image.open(FIGURES / name) as image:
            assert image.size == (entry["width"], entry["height"]), name
            assert image.width <= 688, name
            assert len(np.unique(np.asarray(image.convert("L")))) > 2, f"{name} is blank"
        assert entry["smallest_text_px"] >= 9, name


def test_the_animation_has_one_frame_per_output_element() -> None:
    Image = pytest.importorskip("PIL.Image", reason="reading the figures needs Pillow (it comes with matplotlib)")

    with Image.open(FIGURES / "sliding.gif") as gif:
        assert getattr(gif, "n_frames", 1) == 25  # input 3x3, kernel 3, stride 2, padding 1: a 5x5 output


def test_the_generator_redraws_two_figures_byte_for_byte(tmp_path: Path) -> None:
    """``python scripts/make_figures.py --only ...`` writes the committed bytes (same matplotlib)."""
    matplotlib = pytest.importorskip("matplotlib", reason="the figures need matplotlib (pip install -e '.[viz]')")
    main = runpy.run_path(str(ROOT / "scripts" / "make_figures.py"))["main"]
    assert main(["--out", str(tmp_path), "--only", *REDRAWN]) == 0
    if matplotlib.__version__ != MANIFEST["matplotlib"]:
        pytest.skip(f"the figures were drawn by matplotlib {MANIFEST['matplotlib']}, not {matplotlib.__version__}")
    for name in REDRAWN:
        assert (tmp_path / name).read_bytes() == (FIGURES / name).read_bytes(), name


def test_every_figure_the_pages_show_is_generated_and_every_figure_is_shown() -> None:
    shown = {
        name for page in DOCS.glob("*.md") for name in re.findall(r"figures/([\w.-]+\.(?:png|gif))", page.read_text())
    }
    assert shown == set(MANIFEST["figures"])


def test_every_figure_sits_beside_the_test_of_what_it_shows() -> None:
    """Each page section that shows a figure names a test (``tests/...py::test_...``) of what the figure draws."""
    for page in DOCS.glob("*.md"):
        for section in re.split(r"^#{1,3} ", page.read_text(), flags=re.MULTILINE):
            shown = re.findall(r"figures/([\w.-]+\.(?:png|gif))", section)
            if shown:
                heading = section.splitlines()[0]
                assert re.search(r"tests/[\w/]+\.py::test_\w+", section), f"{page.name}, {heading!r}: {shown}"


def test_a_strip_is_checked_against_the_library() -> None:
    """A strip whose windows do not sum to the library's output is refused when built."""
    from transposed_conv.viz import Strip, _checked, conv_strip

    good = conv_strip("r1", [1, 2, 3, 4], [1, 2, 3])
    assert good.output == (14, 20)  # 1*1 + 2*2 + 3*3, 2*1 + 3*2 + 4*3
    with pytest.raises(AssertionError, match="the windows give"):
        _checked(Strip(**{**good.__dict__, "output": (14, 21)}))


def test_position_outside_the_output_is_rejected() -> None:
    pytest.importorskip("matplotlib")
    from transposed_conv.viz import zero_insertion_figure

    with pytest.raises(ValueError, match=r"position must index the output, of shape \(5, 5\)"):
        zero_insertion_figure((3, 3), (3, 3), stride=2, padding=1, position=(5, 0))


def test_an_unknown_figure_name_is_refused() -> None:
    from transposed_conv.viz import fingerprints

    with pytest.raises(ValueError, match=r"no figure named \['nope.png'\]"):
        fingerprints(["nope.png"])


def test_without_matplotlib_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import transposed_conv.viz`` works without matplotlib; drawing says which extra to install."""
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    from transposed_conv.viz import overlap_figure, save_sliding_gif, sliding_animation

    for draw in (overlap_figure, sliding_animation, lambda: save_sliding_gif("never.gif")):
        with pytest.raises(ImportError, match=r"pip install 'transposed-conv\[viz\]'"):
            draw()
