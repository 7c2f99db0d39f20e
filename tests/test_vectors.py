"""``transposed_conv.vectors.write_vectors``, called as a library; ``tests/test_cli.py`` checks the files' contents."""

from __future__ import annotations

import functools
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


# --- the ONNX node-test layout ----------------------------------------------------------------------

#: The oracle's precision model for each dtype ONNX Runtime computes: float16 may accumulate in float16.
ONNX_PRECISIONS = {"float32": "float32", "float16": "float16-accumulate", "float64": "float64"}


def _onnx_runtime_verdicts(directory: Path, inferred: dict[str, str]) -> dict[str, str | None]:
    """Run every case directory through ``onnxruntime.backend``: ``None`` where it reproduces ``output_0.pb``
    within the oracle's rounding bound of the stored inputs, else what went wrong; ``inferred`` collects the
    cases whose declared output shape ``onnx``'s shape inference disputes."""
    import onnx
    import onnxruntime.backend as backend
    from onnx import numpy_helper

    from transposed_conv.conventions import onnx_conv_transpose
    from transposed_conv.oracle import linear_bound_fraction

    verdicts: dict[str, str | None] = {}
    index = json.loads((directory / "index.json").read_text())
    for case in index["cases"]:
        folder = directory / case["directory"]
        model = onnx.load(folder / "model.onnx")
        onnx.checker.check_model(model)
        try:
            onnx.checker.check_model(model, full_check=True)  # with onnx's shape inference
        except Exception as error:  # onnx's InferenceError, whose class is not public
            inferred[case["directory"]] = str(error).splitlines()[-1][:200]
        data = folder / "test_data_set_0"
        inputs = [numpy_helper.to_array(onnx.load_tensor(path)) for path in sorted(data.glob("input_*.pb"))]
        stored = numpy_helper.to_array(onnx.load_tensor(data / "output_0.pb"))

        spec = functools.partial(onnx_conv_transpose, **case["attributes"])

        x, w, b = inputs[0], inputs[1], inputs[2] if len(inputs) == 3 else None
        precision = ONNX_PRECISIONS[case["dtype"]]
        assert float(linear_bound_fraction(stored, spec, x, w, b, precision=precision).max()) <= 1, case["directory"]
        try:
            got = backend.prepare(model, device="CPU").run(inputs)[0]
        except Exception as error:  # what ONNX Runtime says, reported as the verdict
            verdicts[case["directory"]] = f"raises {type(error).__name__}: {str(error).splitlines()[0][:160]}"
            continue
        if got.shape != stored.shape:
            verdicts[case["directory"]] = f"returns shape {got.shape}, the specification {stored.shape}"
            continue
        worst = float(linear_bound_fraction(got, spec, x, w, b, precision=precision).max())
        verdicts[case["directory"]] = None if worst <= 1 else f"differs by {worst:.3g} times the rounding bound"
    return verdicts


@pytest.mark.filterwarnings("ignore:onnx.version is deprecated:DeprecationWarning")  # onnxruntime.backend's import
def test_the_onnx_vectors_pass_the_checker_and_onnx_runtime_fails_exactly_the_declared_cases(tmp_path: Path) -> None:
    """Every case's model passes ``onnx.checker`` (full check), its ``output_0.pb`` is the specification's result
    within the rounding bound, and ``onnxruntime.backend`` reproduces every case but those whose ONNX Runtime
    limit or deviation the catalogue declares; the message names each failing case and what it did."""
    pytest.importorskip("onnxruntime")
    from transposed_conv.vectors import ONNX_CASES, write_onnx_vectors

    cases = write_onnx_vectors(tmp_path)
    assert [case["directory"] for case in cases] == [f"test_convtranspose_{case.name}" for case in ONNX_CASES]
    inferred: dict[str, str] = {}
    verdicts = _onnx_runtime_verdicts(tmp_path, inferred)
    disputed = {f"test_convtranspose_{case.name}" for case in ONNX_CASES if case.shape_inference}
    assert set(inferred) == disputed, inferred
    declared = {f"test_convtranspose_{case.name}": case.onnxruntime for case in ONNX_CASES if case.onnxruntime}
    failing = {name: why for name, why in verdicts.items() if why is not None}
    report = "\n".join(f"{name}: {why} (declared: {declared.get(name)})" for name, why in sorted(failing.items()))
    assert set(failing) == set(declared), report
    features = {key for case in ONNX_CASES for key in case.attributes} | {case.dtype for case in ONNX_CASES}
    every = {"auto_pad", "pads", "output_shape", "output_padding", "group", "dilations", "strides", "kernel_shape"}
    assert features >= every | {"float32", "float64", "float16"}
    assert {len(case.x_shape) - 2 for case in ONNX_CASES} == {1, 2, 3}
    assert {a["auto_pad"] for case in ONNX_CASES if "auto_pad" in (a := case.attributes)} == {
        "SAME_UPPER",
        "SAME_LOWER",
        "VALID",
    }
    grouped = [case for case in ONNX_CASES if case.attributes.get("group", 1) > 1]
    assert grouped and all(case.w_shape[1] >= 2 for case in grouped), "several output channels per group"


def test_write_onnx_vectors_refuses_an_opset_before_11(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    from transposed_conv.vectors import write_onnx_vectors

    with pytest.raises(ValueError, match=r"opset must be an int from 11 .* got 10"):
        write_onnx_vectors(tmp_path / "out", opset=10)
    assert not (tmp_path / "out").exists()
