"""The transposed-conv command: check, vectors, shape, demo; exit statuses 0, 1, 2 and 130.

Every misuse a newcomer tried (issue 17) is driven here: each must end with its exit
status, exactly one line on stderr, and no traceback, before any long work.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from transposed_conv import METHODS, conv_transpose
from transposed_conv.cli import main
from transposed_conv.oracle import assert_close
from transposed_conv.transpose import ERROR_MODELS


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_check_our_methods_passes_with_a_table() -> None:
    """Every method whose rounding the kit's bound describes (the summing ones; ``fft`` and ``winograd`` obey
    other error models), two dtypes each."""
    status, out, _ = run("check", "--framework", "ours", "--examples", "10")
    assert status == 0
    summing = [method for method in METHODS if ERROR_MODELS[method] == "summation"]
    for method in summing:
        assert f"ours:{method}" in out
    assert out.count("pass") == 2 * len(summing)


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
    status, out, _ = run("shape", "--input-size", "3", "--kernel-size", "3", "--stride", "2", "--output-size", "8")
    assert status == 0 and "output_padding for (8,): 1" in out
    status, out, _ = run(
        "shape", "--input-size", "3", "--kernel-size", "3", "--stride", "2", "--padding", "1", "--output-size", "8"
    )  # above what padding 1 reaches (5 to 6), below the full output plus output_padding (8)
    assert status == 0 and "no output_padding reaches it with padding (1,)" in out
    assert "padding (begin, end) per dimension [(0, 0)] with output_padding 1" in out


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


# --- misuse: one line on stderr, the documented exit status, no traceback --------------------------


def assert_refused(result: tuple[int, str, str], status: int, *messages: str) -> None:
    """Exit ``status``, exactly one line on stderr holding each of ``messages``, no traceback anywhere."""
    code, out, err = result
    assert code == status, (code, out, err)
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in out + err
    for message in messages:
        assert message in err, err


def command(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """The installed command in a subprocess (``python -m transposed_conv``)."""
    result = subprocess.run(
        [sys.executable, "-m", "transposed_conv", *argv], capture_output=True, text=True, cwd=cwd, check=False
    )
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: COMMAND"),
        (["check", "--examples", "0"], "argument --examples: expected a positive integer"),
        (["check", "--framework", "caffe"], "argument --framework: invalid choice"),
        (["check", "--convention", "onnx"], "--convention applies to --impl"),
        (["check", "--impl", "no_colon"], "--impl must be MODULE:NAME"),
        (["shape", "--input-size", "x", "--kernel-size", "3"], "argument --input-size: expected comma-separated"),
        (["vectors", "--out", "somewhere", "--count", "10001"], "argument --count: expected at most 10000"),
        (["explain", "--input-size", "3", "--kernel-size", "3", "--seed", "-1"], "expected an integer >= 0"),
        (["export", "decoder.pt"], "the following arguments are required: output"),
        (["export", "no/such/decoder.pt", "out.npz"], "no such file: no/such/decoder.pt"),
    ],
    ids=[
        "command",
        "no-command",
        "examples",
        "framework",
        "convention-alone",
        "impl-form",
        "ints",
        "count",
        "seed",
        "export-arguments",
        "export-missing",
    ],
)
def test_usage_errors_are_one_line_with_status_2(argv: list[str], message: str) -> None:
    """argparse's complaints too: one line, not the usage block, on the stream main was given."""
    assert_refused(run(*argv), 2, message)


FEATURE_LIST = "float64, groups, dilation, large-output-padding, padding-modes, asymmetric-padding, empty-batch"
ONLY_FORM = "expected NAME=VALUE pairs separated by commas, like kernel=3x3,stride=1"
IMPL = ["check", "--impl", "transposed_conv:conv_transpose"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            [*IMPL, "--without", "bias"],
            f"argument --without: expected comma-separated features from {FEATURE_LIST}; got 'bias'",
            id="without-unknown",
        ),
        pytest.param([*IMPL, "--without", ","], "argument --without: expected comma-separated", id="without-empty"),
        pytest.param(
            [*IMPL, "--extensions", "groups"],
            "--extensions must name features the 'torch' convention's API lacks and the kit can draw all the same: "
            "['asymmetric padding']; got ['groups']",
            id="extensions-not-drawable",
        ),
        pytest.param(
            [*IMPL, "--convention", "onnx", "--extensions", "asymmetric-padding"],
            "the 'onnx' convention's API lacks",
            id="extensions-expressed",
        ),
        pytest.param(
            [*IMPL, "--without", "asymmetric-padding", "--extensions", "asymmetric-padding"],
            "--without and --extensions both name ['asymmetric padding']",
            id="without-and-extensions",
        ),
        pytest.param(
            [*IMPL, "--max-dims", "4"], "argument --max-dims: invalid choice: 4 (choose from 1, 2, 3)", id="md"
        ),
        pytest.param([*IMPL, "--max-dims", "two"], "argument --max-dims: invalid int value: 'two'", id="md-text"),
        pytest.param([*IMPL, "--only", "kernel"], f"argument --only: {ONLY_FORM}", id="only-no-value"),
        pytest.param([*IMPL, "--only", "padding=1"], "NAME once each from dims, kernel, stride", id="only-name"),
        pytest.param([*IMPL, "--only", "kernel=3x0"], "got 'kernel=3x0'", id="only-zero"),
        pytest.param([*IMPL, "--only", "groups=2x2"], "got 'groups=2x2'", id="only-groups-per-dimension"),
        pytest.param([*IMPL, "--only", "stride=1,stride=2"], "got 'stride=2'", id="only-twice"),
        pytest.param(
            [*IMPL, "--only", "kernel=3x3,stride=1x1x1"],
            "--only's per-dimension values must agree on the number of dimensions",
            id="only-dims",
        ),
        pytest.param(
            [*IMPL, "--only", "kernel=3x3", "--max-dims", "1"],
            "--only fixes 2 dimensions, more than --max-dims=1",
            id="only-max-dims",
        ),
        pytest.param(
            [*IMPL, "--convention", "jax", "--only", "groups=2"],
            "--only groups=2 contradicts what is drawn: the 'jax' convention has no groups",
            id="only-groups-jax",
        ),
        pytest.param(
            [*IMPL, "--without", "groups", "--only", "groups=3"],
            "--only groups=3 contradicts what is drawn: declared --without groups",
            id="only-groups-without",
        ),
        pytest.param(
            ["check", "--framework", "ours", "--only", "dilation=2", "--without", "dilation"],
            "--only dilation=2 contradicts --without dilation",
            id="framework-declaration",
        ),
    ],
)
def test_declarations_that_make_no_sense_are_refused_in_one_line_before_any_work(
    argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each option's bad values, and options that contradict each other or the convention, exit 2 with one line
    naming the option and the valid values -- before a single case runs."""
    import transposed_conv.report as report
    import transposed_conv.testing as testing

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the kit ran before the options were checked")

    monkeypatch.setattr(report, "check_areas", no_work)
    monkeypatch.setattr(testing, "check_conv_transpose", no_work)
    assert_refused(run(*argv), 2, message)


def test_the_framework_checks_read_their_declarations_from_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """``check --framework X`` leaves out what the registry says X does not run, and adds the user's --without."""
    import transposed_conv.testing as testing

    seen: dict[str, object] = {}

    def record(impl: object, **kwargs: object) -> testing.ConformanceReport:
        seen.update(kwargs)
        return testing.ConformanceReport("torch", examples={"float32": 1}, worst_fraction={"float32": 0.0})

    monkeypatch.setattr(testing, "check_conv_transpose", record)
    status, out, err = run("check", "--framework", "onnxruntime", "--dtype", "float32", "--without", "groups")
    if "is not installed" in err:
        pytest.skip("onnxruntime is not installed")
    assert status == 0, out + err
    assert set(seen["without"]) == {"float64", "large output_padding", "padding modes", "groups"}  # type: ignore[arg-type]


def test_the_argument_error_line_names_the_subcommand() -> None:
    assert run("shape")[2].startswith("transposed-conv shape: error: the following arguments are required")


def test_report_out_is_checked_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing directory, a directory, a path under a file: refused before the (30 s) run starts."""
    import transposed_conv.report as report

    def no_run(**kwargs: object) -> None:
        raise AssertionError("the report ran before --out was checked")

    monkeypatch.setattr(report, "run_report", no_run)
    (tmp_path / "file").write_text("")
    assert_refused(run("report", "--out", str(tmp_path / "missing" / "r.md")), 2, "does not exist")
    assert_refused(run("report", "--out", str(tmp_path)), 2, "is a directory")
    assert_refused(run("report", "--out", str(tmp_path / "file" / "r.md")), 2, "is not a directory")
    assert_refused(run("report", "--out", ""), 2, "--out needs a file name")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file can be created")
def test_report_and_vectors_refuse_a_place_that_takes_no_file() -> None:
    assert_refused(run("report", "--out", "/proc/report.md"), 2, "--out /proc/report.md: cannot write there")
    assert_refused(run("vectors", "--out", "/proc/vectors/a"), 2, "cannot create it in /proc")


def test_report_says_so_when_it_cannot_write_after_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--out went away during the run: the report is printed instead of lost, and the error is one line."""
    import transposed_conv.report as report

    target = tmp_path / "gone" / "r.md"
    target.parent.mkdir()
    monkeypatch.setattr(report, "IMPLEMENTATIONS", (FAKE_IMPLEMENTATION,))

    def run_report(**kwargs: object) -> dict[str, dict[str, report.Cell]]:
        target.parent.rmdir()
        return {"fake": {area.name: report.Cell("pass") for area in report.AREAS}}

    monkeypatch.setattr(report, "run_report", run_report)
    status, out, err = run("report", "--out", str(target))
    assert_refused((status, out, err), 2, "cannot write it", "printed above instead")
    assert "| fake |" in out


def _interrupting(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    raise KeyboardInterrupt


def _ours(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    return conv_transpose(x, weight, bias, **kwargs)


def _fake(name: str, impl: object) -> object:
    from transposed_conv.report import Implementation

    features = frozenset({"float64", "groups", "dilation", "large output_padding", "asymmetric"})
    return Implementation(name, "numpy", "torch", impl, features)  # type: ignore[arg-type]


FAKE_IMPLEMENTATION = _fake("fake", _ours)


def test_report_on_sigint_prints_the_partial_table_and_leaves_out_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import transposed_conv.report as report

    monkeypatch.setattr(report, "IMPLEMENTATIONS", (_fake("ours", _ours), _fake("stops", _interrupting)))
    target = tmp_path / "r.md"
    target.write_text("the published report\n")
    status, out, err = run("report", "--examples", "2", "--out", str(target))
    assert_refused((status, out, err), 130, "interrupted", f"{target} was left as it was")
    assert target.read_text() == "the published report\n"
    assert "| ours | pass" in out and "| stops | interrupted | not run |" in out


def test_vectors_out_must_be_a_directory_or_creatable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    assert_refused(run("vectors", "--out", str(tmp_path / "file")), 2, "is a file, not a directory")
    assert_refused(run("vectors", "--out", str(tmp_path / "file" / "a" / "b")), 2, "under", "which is a file")
    assert_refused(run("vectors", "--out", ""), 2, "--out needs a directory name")
    status, _, _ = run("vectors", "--out", str(tmp_path / "new" / "deeper"), "--count", "2")
    assert status == 0 and (tmp_path / "new" / "deeper" / "index.json").is_file()


def test_an_environment_error_while_writing_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "case_0000.npz"))

    monkeypatch.setattr(np, "savez", full_disk)
    assert_refused(run("vectors", "--out", str(tmp_path), "--count", "2"), 2, "No space left on device")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--output-size", "0"], "requested an output size of (0,), but valid sizes range from (1,) to (5,)"),
        (["--output-size", "-4"], "requested an output size of (-4,), but valid sizes range from (1,) to (5,)"),
        (["--output-size", "9", "--stride", "2"], "requested an output size of (9,), but valid sizes range from"),
        (["--output-size", "5", "--output-padding", "1"], "--output-padding does not apply with --output-size"),
        (["--conv", "--output-padding", "1"], "--output-padding does not apply with --conv"),
        (["--conv", "--output-size", "1"], "--output-size and --conv do not go together"),
        (["--output-size", "5,5"], "--output-size needs 1 value"),
        (["--stride", "0"], "stride must be >= 1"),
    ],
    ids=[
        "zero",
        "negative",
        "unreachable",
        "output-padding-and-size",
        "output-padding-and-conv",
        "conv-and-size",
        "dims",
        "stride",
    ],
)
def test_shape_refuses_impossible_sizes_and_flags_that_do_not_apply(argv: list[str], message: str) -> None:
    assert_refused(run("shape", "--input-size", "3", "--kernel-size", "3", *argv), 2, message)


def test_every_option_is_documented_in_help() -> None:
    """Each option of each command has a description in --help (none is bare)."""
    from transposed_conv.cli import _parser

    parser = _parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices  # type: ignore[union-attr]
    for name, sub in [("transposed-conv", parser), *commands.items()]:
        for action in sub._actions:
            if action.option_strings:
                assert action.help, f"{name} {action.option_strings[0]} has no description in --help"
        assert "exit status: 0" in sub.format_help(), name


def test_check_refuses_options_that_leave_nothing_to_check() -> None:
    """ONNX Runtime computes in float32 only: --dtype float64 checks no case, which is not a pass."""
    status, out, err = run("check", "--framework", "onnxruntime", "--dtype", "float64")
    if "is not installed" in err:
        assert_refused((status, out, err), 2, "'onnxruntime' is not installed")
        return
    assert_refused((status, out, err), 2, "--dtype float64 leaves nothing to check", "--dtype float32")
    assert out == ""


def test_a_run_that_checked_no_case_is_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import transposed_conv.testing as testing

    monkeypatch.setattr(testing, "check_conv_transpose", lambda impl, **kwargs: testing.ConformanceReport("torch"))
    status, out, err = run("check", "--framework", "ours", "--dtype", "float64")
    assert_refused((status, out, err), 2, "no case was checked")
    assert "NOT CHECKED" in out and "pass" not in out


@pytest.fixture
def impl_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Write a module into a fresh current directory; ``--impl`` imports it from there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    written: list[str] = []

    def write(source: str) -> str:
        name = f"impl_{len(written)}_{tmp_path.name}".replace("-", "_")
        (tmp_path / f"{name}.py").write_text(source)
        written.append(name)
        return name

    yield write
    for name in written:
        sys.modules.pop(name, None)


def test_an_impl_module_that_exits_or_fails_on_import_is_a_usage_error(impl_module) -> None:  # type: ignore[no-untyped-def]
    exits = impl_module("import sys\nsys.exit(3)\n")
    assert_refused(run("check", "--impl", f"{exits}:impl"), 2, f"importing module '{exits}' called sys.exit(3)")
    fails = impl_module("raise ValueError('first line\\nsecond line')\n")
    assert_refused(run("check", "--impl", f"{fails}:impl"), 2, "ValueError: first line second line")
    assert_refused(run("check", "--impl", "no_such_module_here:impl"), 2, "No module named")
    empty = impl_module("")
    assert_refused(run("check", "--impl", f"{empty}:impl"), 2, "has no attribute 'impl'")


IMPL_RESULT_NOT_AN_ARRAY = """
class NotAnArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array here")


def impl(x, weight, bias, **kwargs):
    return NotAnArray()
"""


def test_an_impl_whose_result_is_no_array_or_that_exits_does_not_conform(impl_module) -> None:  # type: ignore[no-untyped-def]
    """Exit 1 with the reason and a reproducer, not a traceback or a silent exit."""
    name = impl_module(IMPL_RESULT_NOT_AN_ARRAY)
    status, out, err = run("check", "--impl", f"{name}:impl", "--examples", "5", "--dtype", "float64")
    assert status == 1 and err == "" and "Traceback" not in out
    assert "FAIL (result)" in out and "np.asarray cannot convert: RuntimeError: no array here" in out
    name = impl_module("import sys\n\n\ndef impl(x, weight, bias, **kwargs):\n    sys.exit(4)\n")
    status, out, err = run("check", "--impl", f"{name}:impl", "--examples", "5", "--dtype", "float64")
    assert status == 1 and err == "" and "Traceback" not in out
    assert "FAIL (crashed)" in out and "called sys.exit(4)" in out and "reproducer:" in out


SLOW_IMPL = """
import pathlib
import time

from transposed_conv import conv_transpose


def impl(x, weight, bias, **kwargs):
    pathlib.Path("started").touch()
    time.sleep(0.05)
    return conv_transpose(x, weight, bias, **kwargs)
"""


def test_sigint_during_check_prints_the_summary_so_far_and_exits_130(tmp_path: Path) -> None:
    (tmp_path / "slow_impl.py").write_text(SLOW_IMPL)
    # `python -m transposed_conv check ...` with Ctrl-C handled as a terminal delivers it: a suite started in the
    # background (`cmd &` in a script) ignores SIGINT, and a child inherits that and would ignore the signal it is sent
    run_with_ctrl_c = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv[0] = 'transposed_conv'; runpy.run_module('transposed_conv', run_name='__main__')"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", run_with_ctrl_c, "check", "--impl", "slow_impl:impl", "--examples", "1000"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert_refused((process.returncode, out, err), 130, "interrupted after", "the table above shows what ran")
    assert "slow_impl:impl" in out and "interrupted (these cases passed)" in out and "not run" in out


def test_a_closed_pipe_ends_quietly() -> None:
    """`transposed-conv explain ... | head -c 1`: no BrokenPipeError traceback."""
    argv = ["explain", "--input-size", "16,16", "--kernel-size", "16", "--stride", "2"]
    process = subprocess.Popen(
        [sys.executable, "-m", "transposed_conv", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141 and err == ""


def test_framework_noise_is_silenced_unless_verbose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd) -> None:  # type: ignore[no-untyped-def]
    """The environment is set before a framework is imported; its import-time C-level output is discarded."""
    import logging
    import warnings

    from transposed_conv import cli

    for name in cli.QUIET_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    (tmp_path / "noisy_framework.py").write_text("import os\nos.write(2, b'W0000 OP_REQUIRES failed\\n')\n")
    try:
        with cli._framework_noise(verbose=False):
            assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
            assert logging.getLogger("tensorflow").getEffectiveLevel() == logging.ERROR
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("default")
                warnings.filterwarnings("ignore", module=cli._FRAMEWORK_MODULES)
                warnings.warn_explicit("chatter", UserWarning, "tensorflow/python/x.py", 1, module="tensorflow.x")
            assert caught == []
            cli._import_framework("noisy_framework", verbose=False)
        assert "OP_REQUIRES" not in capfd.readouterr().err
        del sys.modules["noisy_framework"]
        cli._import_framework("noisy_framework", verbose=True)
        assert "OP_REQUIRES" in capfd.readouterr().err
    finally:
        sys.modules.pop("noisy_framework", None)
    assert run("check", "--verbose", "--framework", "caffe")[0] == 2  # the flag exists on check
    assert run("--verbose", "report", "--out", str(tmp_path))[0] == 2  # and before the command


def test_a_framework_that_fails_to_import_is_an_environment_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transposed_conv import cli

    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    (tmp_path / "broken_framework.py").write_text("raise ImportError('libfoo.so: cannot open shared object')\n")
    with pytest.raises(cli.UsageError, match="broken_framework is installed but cannot be imported"):
        cli._import_framework("broken_framework", verbose=False)


# --- translate and vectors --format onnx (issue 15) ---------------------------------------------------

TORCH_CALL = ("--from", "torch", "--input-shape", "1,3,5,4", "--weight-shape", "3,2,4,3", "--stride", "2")


def test_translate_json_follows_the_documented_schema_and_is_verified_when_the_target_is_installed() -> None:
    pytest.importorskip("onnxruntime")
    status, out, err = run("translate", *TORCH_CALL, "--to", "onnx", "--padding", "1,0", "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    assert list(data) == ["source", "target", "geometry", "expressible", "reason", "call", "arguments", "steps",
                          "verified", "unverified_because", "code"]  # fmt: skip
    assert data["expressible"] and data["arguments"]["pads"] == [1, 0, 1, 0] and data["call"] == "ONNX ConvTranspose"
    assert data["geometry"]["window"] == [[1, 11], [0, 9]] and data["geometry"]["full"] == [12, 9]
    assert data["verified"].startswith("reproduces the source") and data["unverified_because"] is None


def test_translate_python_prints_a_snippet_whose_run_reproduces_the_source() -> None:
    pytest.importorskip("onnxruntime")
    status, out, _ = run("translate", *TORCH_CALL, "--to", "onnx", "--output-padding", "1", "--format", "python")
    assert status == 0 and "def run(x, weight, bias=None):" in out
    namespace: dict[str, object] = {}
    exec(compile(out, "<snippet>", "exec"), namespace)
    rng = np.random.default_rng(1)
    x, w, b = (rng.uniform(-1, 1, shape).astype(np.float32) for shape in ((1, 3, 5, 4), (3, 2, 4, 3), (2,)))
    got = namespace["run"](x, w, b)  # type: ignore[operator]
    assert_close(got, x, w, b, stride=2, output_padding=1)


def test_translate_exits_1_with_the_reason_when_the_target_cannot_express_it() -> None:
    status, out, err = run("translate", *TORCH_CALL, "--to", "tflite", "--dilation", "2")
    assert status == 1
    assert out.startswith("torch -> tflite: cannot be expressed, because TensorFlow Lite's TRANSPOSE_CONV has no dila")
    assert err.count("\n") == 1 and err.startswith("transposed-conv translate: cannot be expressed, because")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--from", "jax", "--to", "tf", "--input-shape", "1,4,2", "--weight-shape", "3,2,2", "--stride", "2"),
         r"--stride is PyTorch's argument; with --from jax give the source's own arguments as --arg NAME=VALUE"),
        ((*TORCH_CALL, "--to", "tf", "--arg", "strides=2"), r"torch's arguments are \[.*\]; got unknown \['strides'\]"),
        (("--from", "tf", "--to", "jax", "--input-shape", "1,4,2", "--weight-shape", "3,2,2", "--arg", "strides=2"),
         r"tf.nn.conv_transpose needs \['output_shape'\]"),
        ((*TORCH_CALL, "--to", "caffe"), r"argument --to: invalid choice: 'caffe'"),
        ((*TORCH_CALL, "--to", "jax", "--groups", "2,2"), r"--groups takes one integer; got 2,2"),
        ((*TORCH_CALL, "--to", "jax", "--arg", "padding"), r"expected NAME=VALUE"),
        ((*TORCH_CALL[:-1], "0", "--to", "jax"), r"stride must be >= 1"),
    ],
    ids=["torch-option-for-jax", "unknown-argument", "missing-argument", "unknown-target", "groups-list", "no-equals",
         "bad-stride"],
)  # fmt: skip
def test_translate_usage_errors_are_one_line_with_status_2(argv: tuple[str, ...], message: str) -> None:
    status, out, err = run("translate", *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.search(message, err), err


def test_translate_takes_any_source_argument_in_its_own_name() -> None:
    status, out, err = run(
        "translate", "--from", "onnx", "--to", "keras", "--input-shape", "1,2,3", "--weight-shape", "2,1,4",
        "--arg", "auto_pad=SAME_UPPER", "--arg", "strides=[2]", "--no-verify",
    )  # fmt: skip
    assert status == 0, err
    assert "keras.ops.conv_transpose" in out and "crop (keep=[[1, 7]])" in out and "not verified: verify=False" in out


def test_vectors_format_onnx_writes_the_node_test_layout(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    status, out, err = run("vectors", "--format", "onnx", "--out", str(tmp_path / "node"))
    assert status == 0, err
    assert out.startswith("wrote 19 ONNX node tests") and "ONNX Runtime is known to fail 4 of them" in out
    case = tmp_path / "node" / "test_convtranspose_group"
    assert sorted(p.name for p in (case / "test_data_set_0").iterdir()) == ["input_0.pb", "input_1.pb", "input_2.pb",
                                                                             "output_0.pb"]  # fmt: skip
    assert (case / "model.onnx").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--count", "3"), r"--count and --seed do not apply"),
        (("--opset", "9"), r"--opset: opset must be an int from 11"),
    ],
    ids=["count", "opset"],
)
def test_vectors_format_onnx_refuses_what_does_not_apply(tmp_path: Path, argv: tuple[str, ...], message: str) -> None:
    pytest.importorskip("onnx")
    status, _, err = run("vectors", "--format", "onnx", "--out", str(tmp_path / "o"), *argv)
    assert status == 2 and re.search(message, err) and err.count("\n") == 1
