"""``transposed_conv.vectors.write_vectors``, called as a library; ``tests/test_cli.py`` checks the files' contents."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from transposed_conv.vectors import write_vectors


def test_write_vectors_returns_the_cases_of_index_json_and_writes_their_files(tmp_path: Path) -> None:
    cases = write_vectors(tmp_path / "new", 3, seed=2)
    index = json.loads((tmp_path / "new" / "index.json").read_text())
    assert index["cases"] == cases
    assert index["generator"].endswith("vectors --count 3 --seed 2")
    assert [case["file"] for case in cases] == ["case_0000.npz", "case_0001.npz", "case_0002.npz"]
    for case in cases:
        with np.load(tmp_path / "new" / case["file"]) as stored:
            assert list(stored["expected"].shape) == case["output_shape"]
            assert stored["bound_float32"].shape == stored["expected"].shape


@pytest.mark.parametrize(
    ("count", "error", "message"),
    [(0, ValueError, r"count must be at least 1; got count=0"), (2.0, TypeError, r"count must be an int; got 2.0")],
    ids=["zero", "float"],
)
def test_write_vectors_refuses_a_bad_count_before_writing(
    tmp_path: Path, count: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        write_vectors(tmp_path / "out", count)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()
