"""Generate reference fixtures for ``convolve`` from GNU Octave.

For a fixed list of (input shape, kernel shape) pairs this script draws small
random integer arrays with a fixed seed, asks ``octave-cli`` to evaluate
``convn(a, b, mode)`` for the shape modes 'full', 'same' and 'valid', and
writes the results to ``tests/data/octave_convolve.json``.

For the 2-D cases ``conv2(a, b, mode)`` and for the 1-D cases
``conv(a, b, mode)`` are evaluated as well and must equal ``convn`` exactly
(values and size); the script fails otherwise.

Conventions of the JSON file:

* every array is stored as a flat list in C (row-major) order next to its
  shape, so ``np.array(flat, dtype=np.int64).reshape(shape)`` restores it
  (including empty results such as shape ``[0, 3]``);
* 1-D cases are passed to Octave as row vectors; their shapes are stored as
  1-D shapes (the number of columns);
* 3-D results whose trailing singleton dimension Octave dropped are padded
  with 1s back to three dimensions.

Regenerate with::

    python tests/data/make_octave_fixtures.py
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

SEED = 20240607
VALUE_RANGE = (-4, 4)  # inclusive
MODES = ("full", "same", "valid")
OUTPUT = Path(__file__).resolve().parent / "octave_convolve.json"
GENERATED_BY = "tests/data/make_octave_fixtures.py"

# (input shape, kernel shape) pairs; the comments name what each pair covers.
SHAPE_PAIRS: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
    # ---- 1-D (row vectors on the Octave side) ----
    ((5,), (3,)),  # odd input, odd kernel
    ((6,), (3,)),  # even input, odd kernel
    ((5,), (4,)),  # odd input, even kernel
    ((6,), (4,)),  # even input, even kernel
    ((8,), (2,)),  # even kernel of size 2
    ((7,), (1,)),  # kernel size 1
    ((1,), (1,)),  # input size 1 and kernel size 1
    ((1,), (3,)),  # input size 1, odd kernel larger
    ((1,), (4,)),  # input size 1, even kernel larger
    ((3,), (5,)),  # odd kernel larger than input
    ((3,), (6,)),  # even kernel larger than input
    ((4,), (7,)),  # odd kernel larger than even input
    ((2,), (2,)),  # kernel as large as input (even)
    ((5,), (5,)),  # kernel as large as input (odd)
    ((4,), (5,)),  # kernel larger by one
    ((9,), (6,)),  # longer even kernel
    # ---- 2-D ----
    ((5, 6), (3, 3)),  # odd x odd kernel
    ((5, 6), (2, 2)),  # even x even kernel
    ((5, 6), (3, 2)),  # odd x even kernel
    ((5, 6), (2, 3)),  # even x odd kernel
    ((6, 7), (4, 5)),  # larger even x odd kernel
    ((5, 6), (1, 1)),  # kernel size 1
    ((5, 6), (1, 4)),  # kernel size 1 in the first dim, even in the second
    ((5, 6), (3, 1)),  # kernel size 1 in the second dim
    ((4, 5), (6, 3)),  # kernel larger in dim 0 only (even)
    ((4, 5), (5, 2)),  # kernel larger in dim 0 only (odd)
    ((4, 5), (2, 7)),  # kernel larger in dim 1 only (odd)
    ((4, 5), (3, 6)),  # kernel larger in dim 1 only (even)
    ((3, 6), (5, 2)),  # mixed: larger in dim 0, smaller in dim 1
    ((6, 2), (2, 4)),  # mixed: smaller in dim 0, larger in dim 1
    ((2, 3), (4, 5)),  # kernel larger in all dims
    ((3, 3), (4, 4)),  # kernel larger in all dims, even
    ((3, 4), (5, 5)),  # kernel larger in all dims, odd
    ((3, 4), (3, 4)),  # kernel the same size as the input
    ((1, 1), (1, 1)),  # input size 1 and kernel size 1
    ((1, 1), (3, 2)),  # input size 1 in all dims, kernel larger
    ((1, 5), (2, 3)),  # input size 1 in dim 0
    ((4, 1), (3, 3)),  # input size 1 in dim 1
    ((1, 6), (1, 3)),  # a 2-D row vector
    ((6, 1), (2, 1)),  # a 2-D column vector
    # ---- 3-D ----
    ((4, 5, 6), (3, 3, 3)),  # odd in all dims
    ((4, 5, 6), (2, 2, 2)),  # even in all dims
    ((4, 5, 6), (3, 2, 1)),  # odd, even, size 1
    ((4, 5, 6), (2, 3, 4)),  # even, odd, even
    ((4, 5, 6), (1, 1, 1)),  # kernel size 1
    ((3, 4, 5), (5, 2, 3)),  # mixed: larger in dim 0 only
    ((3, 4, 5), (1, 6, 2)),  # mixed: larger in dim 1 only
    ((3, 4, 5), (2, 3, 7)),  # mixed: larger in dim 2 only
    ((3, 4, 5), (4, 5, 6)),  # kernel larger in all dims
    ((2, 3, 4), (3, 4, 5)),  # kernel larger in all dims, odd
    ((2, 2, 2), (3, 3, 3)),  # kernel larger in all dims, cube
    ((3, 3, 3), (3, 3, 3)),  # kernel the same size as the input
    ((2, 3, 1), (2, 2, 2)),  # input size 1 in the last dim, kernel larger there
    ((1, 1, 1), (2, 3, 2)),  # input size 1 in all dims
    ((3, 1, 4), (2, 2, 3)),  # input size 1 in the middle dim
    ((1, 5, 3), (1, 2, 4)),  # input size 1 in dim 0, mixed kernel
    ((3, 4, 2), (1, 1, 3)),  # only the last dim is convolved
    ((5, 4, 3), (1, 5, 1)),  # only the middle dim is convolved, kernel larger
    ((4, 4, 1), (3, 3, 1)),  # trailing singleton in input, kernel and result
    ((6, 1, 1), (2, 1, 1)),  # result of shape (7, 1, 1) reported as 7x1
    ((3, 5, 2), (2, 4, 2)),  # even kernel, even last dim
    ((1, 1, 2), (1, 1, 3)),  # only the last dim, kernel larger
]


def to_octave_literal(array: np.ndarray) -> str:
    """Return an Octave expression that rebuilds ``array``.

    1-D arrays become row vectors; N-d arrays are rebuilt with ``reshape``
    from their column-major (Fortran-order) element list.
    """
    values = " ".join(str(int(v)) for v in array.ravel(order="F"))
    if array.ndim == 1:
        dims = f"1 {array.shape[0]}"
    else:
        dims = " ".join(str(n) for n in array.shape)
    return f"reshape([{values}], [{dims}])"


def build_script(cases: list[tuple[np.ndarray, np.ndarray]], out_path: Path) -> str:
    """Build the Octave program that evaluates every case and mode.

    Each result is written as one line ``tag|size|values`` where ``size`` is
    ``size(c)`` and ``values`` is ``c(:)`` (column-major) in ``%.17g``.
    """
    emit = "emit = @(tag, c) fprintf(fid, '%s|%s|%s\\n', tag, sprintf('%d ', size(c)), sprintf('%.17g ', c(:)));"
    lines = [f"fid = fopen('{out_path.as_posix()}', 'w');", emit]
    for index, (a, b) in enumerate(cases):
        lines.append(f"a = {to_octave_literal(a)};")
        lines.append(f"b = {to_octave_literal(b)};")
        for mode in MODES:
            lines.append(f"emit('{index} convn {mode}', convn(a, b, '{mode}'));")
            if a.ndim == 2:
                lines.append(f"emit('{index} conv2 {mode}', conv2(a, b, '{mode}'));")
            elif a.ndim == 1:
                lines.append(f"emit('{index} conv {mode}', conv(a, b, '{mode}'));")
    lines.append("fclose(fid);")
    return "\n".join(lines) + "\n"


def parse_result(size_text: str, values_text: str, ndim: int) -> np.ndarray:
    """Turn one ``size|values`` record into a NumPy array of ``ndim`` dims."""
    size = [int(s) for s in size_text.split()]
    floats = [float(v) for v in values_text.split()]
    if any(v != round(v) for v in floats):
        raise ValueError(f"non-integer value in Octave output: {values_text!r}")
    flat = np.array([round(v) for v in floats], dtype=np.int64)
    if len(flat) != int(np.prod(size)):
        raise ValueError(f"size {size} does not match {len(flat)} values")
    if ndim == 1:
        # A row vector result: keep only the number of columns.
        if len(size) != 2 or size[0] != 1:
            raise ValueError(f"1-D case gave a non row-vector result of size {size}")
        shape = [size[1]]
    else:
        if len(size) > ndim and any(n != 1 for n in size[ndim:]):
            raise ValueError(f"result of size {size} has more than {ndim} dims")
        # MATLAB drops trailing singleton dimensions; pad them back.
        shape = (size + [1] * ndim)[:ndim]
    return flat.reshape(shape, order="F")


def run_octave(cases: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """Evaluate every case in one Octave run; map ``'index func mode'`` to results."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        out_path = tmp_dir / "results.txt"
        script_path = tmp_dir / "fixtures.m"
        script_path.write_text(build_script(cases, out_path))
        proc = subprocess.run(
            ["octave-cli", "--norc", "--quiet", str(script_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        # Octave 7 may print a harmless "ignoring const execution_exception"
        # note on exit, so stderr is only shown when the run fails.
        if proc.returncode != 0 or not out_path.exists():
            raise RuntimeError(f"octave-cli failed:\n{proc.stdout}\n{proc.stderr}")
        records = out_path.read_text().splitlines()

    results = {}
    for record in records:
        tag, size_text, values_text = record.split("|")
        ndim = cases[int(tag.split()[0])][0].ndim
        results[tag] = parse_result(size_text, values_text, ndim)
    return results


def octave_version() -> str:
    """Return the first line of ``octave-cli --version``."""
    out = subprocess.run(["octave-cli", "--version"], check=True, capture_output=True, text=True).stdout
    return out.splitlines()[0].strip()


def make_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """Draw the random integer input and kernel for every shape pair."""
    rng = np.random.default_rng(SEED)
    low, high = VALUE_RANGE
    return [
        (
            rng.integers(low, high + 1, size=a_shape, dtype=np.int64),
            rng.integers(low, high + 1, size=b_shape, dtype=np.int64),
        )
        for a_shape, b_shape in SHAPE_PAIRS
    ]


def main() -> None:
    cases = make_cases()
    results = run_octave(cases)

    records = []
    for index, (a, b) in enumerate(cases):
        for mode in MODES:
            expected = results[f"{index} convn {mode}"]
            peer = {1: "conv", 2: "conv2"}.get(a.ndim)
            if peer is not None:
                other = results[f"{index} {peer} {mode}"]
                assert other.shape == expected.shape and np.array_equal(other, expected), (
                    f"case {index}: {peer} differs from convn in mode {mode!r}"
                )
            records.append(
                {
                    "a": a.ravel().tolist(),
                    "a_shape": list(a.shape),
                    "kernel": b.ravel().tolist(),
                    "kernel_shape": list(b.shape),
                    "mode": mode,
                    "expected": expected.ravel().tolist(),
                    "expected_shape": list(expected.shape),
                }
            )

    header = {
        "octave_version": octave_version(),
        "generated_by": GENERATED_BY,
        "seed": SEED,
    }
    # One case per line keeps the file compact and diffs readable.
    lines = [f" {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()]
    lines.append(' "cases": [')
    lines.append(",\n".join(f"  {json.dumps(record)}" for record in records))
    lines.append(" ]")
    OUTPUT.write_text("{\n" + "\n".join(lines) + "\n}\n")
    print(f"wrote {len(records)} cases ({len(cases)} pairs x {len(MODES)} modes) to {OUTPUT}")


if __name__ == "__main__":
    main()
