"""The transposed-conv command: check, vectors, shape, demo; exit statuses 0, 1 and 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from transposed_conv import METHODS, conv_transpose
from transposed_conv.cli import main
from transposed_conv.oracle import assert_close


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_check_our_methods_passes_with_a_table() -> None:
    status, out, _ = run("check", "--framework", "ours", "--examples", "10")
    assert status == 0
    for method in METHODS:
        assert f"ours:{method}" in out
    assert out.count("pass") == 2 * len(METHODS)  # every method, two dtypes


def test_check_reports_a_broken_implementation_with_exit_status_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Swap a broken method in: the check must fail, print the reproducer, and exit 1."""
    import transposed_conv.cli as cli

    def broken(method: str):  # type: ignore[no-untyped-def]
        def impl(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
            return conv_transpose(x, weight, None, **kwargs, method=method)  # forgets the bias

        return impl

    monkeypatch.setattr(cli, "_ours", broken)
    status, out, _ = run("check", "--framework", "ours", "--examples", "30", "--dtype", "float64")
    assert status == 1
    assert "FAIL (values)" in out
    assert "reproducer:" in out and "assert_close(actual" in out


def test_check_usage_errors_exit_with_status_2() -> None:
    assert run("check", "--examples", "0")[0] == 2
    assert run("check", "--framework", "caffe")[0] == 2
    assert run("frobnicate")[0] == 2
    assert run()[0] == 2


def test_vectors_are_loadable_with_numpy_alone_and_correct(tmp_path: Path) -> None:
    status, out, _ = run("vectors", "--out", str(tmp_path), "--count", "12", "--seed", "3")
    assert status == 0 and "wrote 12 cases" in out
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index["cases"]) == 12
    for entry in index["cases"]:
        data = np.load(tmp_path / entry["file"])
        torch_args = entry["torch"]
        kwargs = {
            "stride": tuple(torch_args["stride"]),
            "padding": [tuple(p) for p in torch_args["padding"]],
            "output_padding": tuple(torch_args["output_padding"]),
            "dilation": tuple(torch_args["dilation"]),
            "groups": torch_args["groups"],
        }
        bias = data["bias"] if entry["bias"] else None
        assert list(data["expected"].shape) == entry["output_shape"]
        ours = conv_transpose(data["x"], data["weight"], bias, **kwargs)  # float32, as a framework would
        assert np.all(np.abs(ours - data["expected"]) <= data["bound_float32"])
        assert_close(ours, data["x"], data["weight"], bias, **kwargs, precision="float32")
        onnx = entry["onnx"]
        ndim = len(onnx["strides"])
        assert onnx["pads"] == [p[0] for p in torch_args["padding"]] + [p[1] for p in torch_args["padding"]]
        assert onnx["kernel_shape"] == list(data["weight"].shape[2:]) and len(onnx["dilations"]) == ndim


def test_vectors_give_every_convention_the_same_answer(tmp_path: Path) -> None:
    """Each framework's arguments in index.json, fed to our convention functions, reproduce the expected output."""
    from transposed_conv.conventions import (
        jax_conv_transpose,
        keras_conv_transpose,
        onnx_conv_transpose,
        tf_conv_transpose,
    )

    run("vectors", "--out", str(tmp_path), "--count", "40", "--seed", "5")
    index = json.loads((tmp_path / "index.json").read_text())
    seen = {"jax": 0, "tf": 0, "keras": 0}
    for entry in index["cases"]:
        data = np.load(tmp_path / entry["file"])
        x, w = data["x"].astype(np.float64), data["weight"].astype(np.float64)
        b = data["bias"].astype(np.float64) if entry["bias"] else None
        expected = data["expected"]
        column = (0.0 if b is None else b).reshape(-1, *([1] * (x.ndim - 2))) if b is not None else 0.0
        onnx = onnx_conv_transpose(x, w, b, **entry["onnx"])
        np.testing.assert_allclose(onnx, expected, rtol=1e-12, atol=1e-12)
        if entry["jax"] is not None:
            j = entry["jax"]
            y = jax_conv_transpose(
                x,
                w,
                j["strides"],
                [tuple(p) for p in j["padding"]],
                rhs_dilation=j["rhs_dilation"],
                dimension_numbers=tuple(j["dimension_numbers"]),
                transpose_kernel=j["transpose_kernel"],
            )
            np.testing.assert_allclose(y + column, expected, rtol=1e-12, atol=1e-12)
            seen["jax"] += 1
        if entry["tf"] is not None:
            t = entry["tf"]
            y = tf_conv_transpose(
                np.transpose(x, t["input_axes"]),
                np.transpose(w, t["filters_axes"]),
                t["output_shape"],
                t["strides"],
                padding=t["padding"],
                dilations=t["dilations"],
            )
            np.testing.assert_allclose(np.moveaxis(y, -1, 1) + column, expected, rtol=1e-12, atol=1e-12)
            seen["tf"] += 1
        if entry["keras"] is not None:
            k = entry["keras"]
            y = keras_conv_transpose(
                np.transpose(x, k["inputs_axes"]),
                np.transpose(w, k["kernel_axes"]),
                k["strides"],
                padding=k["padding"],
                output_padding=k["output_padding"],
                dilation_rate=k["dilation_rate"],
            )
            np.testing.assert_allclose(np.moveaxis(y, -1, 1) + column, expected, rtol=1e-12, atol=1e-12)
            seen["keras"] += 1
    assert all(count > 0 for count in seen.values()), seen


def test_vectors_are_reproducible(tmp_path: Path) -> None:
    run("vectors", "--out", str(tmp_path / "a"), "--count", "5", "--seed", "1")
    run("vectors", "--out", str(tmp_path / "b"), "--count", "5", "--seed", "1")
    assert (tmp_path / "a" / "index.json").read_text() == (tmp_path / "b" / "index.json").read_text()
    for name in ("case_0000.npz", "case_0004.npz"):
        a, b = np.load(tmp_path / "a" / name), np.load(tmp_path / "b" / name)
        assert all(np.array_equal(a[key], b[key]) for key in a.files)


def test_shape_fills_in_the_formula() -> None:
    status, out, _ = run("shape", "--input-size", "16,16", "--kernel-size", "4", "--stride", "2", "--padding", "1")
    assert status == 0
    assert "(16 - 1)*2 - 2*1 + 1*(4 - 1) + 0 + 1 = 32" in out
    assert out.strip().endswith("output size: 32,32")
    status, out, _ = run(
        "shape", "--input-size", "32", "--kernel-size", "4", "--stride", "2", "--padding", "1", "--conv"
    )
    assert status == 0 and out.strip().endswith("output size: 16")


def test_shape_finds_output_padding_and_padding_for_a_wanted_size() -> None:
    status, out, _ = run(
        "shape", "--input-size", "3", "--kernel-size", "3", "--stride", "2", "--padding", "1", "--output-size", "6"
    )
    assert status == 0
    assert "output_padding for (6,): 1" in out
    assert "[(0, 1)]" in out  # or padding (0, 1) with output_padding 0: (3-1)*2 + 3 - 6 = 1
    assert conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 3)), stride=2, padding=[(0, 1)]).shape[-1] == 6
    status, out, _ = run("shape", "--input-size", "3", "--kernel-size", "3", "--stride", "2", "--output-size", "9")
    assert status == 0 and "valid sizes range from (7,) to (8,)" in out


def test_shape_usage_errors() -> None:
    status, _, err = run("shape", "--input-size", "3", "--kernel-size", "3,3")
    assert status == 2 and "--kernel-size needs 1 value" in err
    status, _, err = run("shape", "--input-size", "1", "--kernel-size", "1", "--padding", "5")
    assert status == 2 and "at least 1" in err
    assert run("shape", "--input-size", "x", "--kernel-size", "3")[0] == 2


def test_demo_and_module_entry_point() -> None:
    status, out, _ = run("demo")
    assert status == 0 and "all checks passed" in out
    result = subprocess.run(
        [sys.executable, "-m", "transposed_conv", "shape", "--input-size", "5", "--kernel-size", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "output size: 7" in result.stdout
    assert subprocess.run([sys.executable, "-m", "transposed_conv", "--help"], capture_output=True).returncode == 0
