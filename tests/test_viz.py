"""The figures: one command regenerates them all, and they are the ones the pages show."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".gif": b"GIF89a"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the one command, ``python scripts/make_figures.py --out DIR``, once for the module."""
    pytest.importorskip("matplotlib", reason="the figures need matplotlib (pip install -e '.[viz]')")
    out = tmp_path_factory.mktemp("figures")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_figures.py"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_generator_writes_non_empty_images(generated: Path) -> None:
    from PIL import Image

    files = sorted(generated.iterdir())
    assert files, "no figures written"
    for path in files:
        data = path.read_bytes()
        assert data.startswith(MAGIC[path.suffix]), path.name
        with Image.open(path) as image:
            assert image.width > 100 and image.height > 100, path.name
            assert len(np.unique(np.asarray(image.convert("L")))) > 2, f"{path.name} is blank"


def test_the_animation_has_one_frame_per_output_element(generated: Path) -> None:
    from PIL import Image

    with Image.open(generated / "sliding.gif") as gif:
        assert gif.n_frames == 25  # input 3x3, kernel 3, stride 2, padding 1: a 5x5 output


def test_the_committed_figures_are_exactly_the_generated_ones(generated: Path) -> None:
    """docs/figures holds what the command writes: no stale figure, none missing (commit after regenerating)."""
    from transposed_conv.viz import figure_names

    committed = {path.name for path in (DOCS / "figures").iterdir() if path.suffix in MAGIC}
    assert committed == {path.name for path in generated.iterdir()} == set(figure_names())


def test_every_figure_the_pages_show_is_generated(generated: Path) -> None:
    shown = {
        name for page in DOCS.glob("*.md") for name in re.findall(r"figures/([\w.-]+\.(?:png|gif))", page.read_text())
    }
    assert shown, "no page shows a figure"
    assert shown <= {path.name for path in generated.iterdir()}


def test_position_outside_the_output_is_rejected() -> None:
    pytest.importorskip("matplotlib")
    from transposed_conv.viz import zero_insertion_figure

    with pytest.raises(ValueError, match=r"position must index the output, of shape \(5, 5\)"):
        zero_insertion_figure((3, 3), (3, 3), stride=2, padding=1, position=(5, 0))


def test_without_matplotlib_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import transposed_conv.viz`` works without matplotlib; drawing says which extra to install."""
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    from transposed_conv.viz import overlap_figure, save_sliding_gif, sliding_animation

    for draw in (overlap_figure, sliding_animation, lambda: save_sliding_gif("never.gif")):
        with pytest.raises(ImportError, match=r"pip install 'transposed-conv\[viz\]'"):
            draw()
