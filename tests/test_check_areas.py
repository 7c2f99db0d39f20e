"""Declared capabilities and "unsupported is not wrong": the kit, from Python and from ``transposed-conv check``.

* Each convention's default draw is what its framework's API takes (PyTorch's: one padding int per
  dimension): PyTorch called as it is passes ``check --impl`` in the torch convention.
* ``without=``/``--without``, ``max_dims=``/``--max-dims``, ``only=``/``--only`` narrow the draw and
  ``extensions=``/``--extensions`` widen it; bad values are refused before any case runs, naming the
  option and the valid values.
* ``check --impl`` reports the report's feature areas: a raise on a feature declared unsupported is
  ``unsupported`` (exit 0); a raise on anything else, or a wrong result anywhere, is ``FAIL`` (exit 1).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.cli_run import run_in_process
from transposed_conv import conv_transpose
from transposed_conv.frameworks import FEATURES, Supports
from transposed_conv.frameworks._declarations import feature_name
from transposed_conv.report import AREAS, TOGETHER, check_areas
from transposed_conv.strategies import case_features
from transposed_conv.testing import Declaration, NonConformance, check_conv_transpose

run = run_in_process


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh current directory that ``--impl`` imports from; its modules are forgotten afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("areas_"):
            del sys.modules[name]


IMPLS = """\
from transposed_conv import conv_transpose

CALLS = []


def no_groups(x, weight, bias, *, groups, **kwargs):
    if groups > 1:
        raise NotImplementedError("no groups in this kernel")
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


def ignores_groups(x, weight, bias, *, groups, **kwargs):
    '''Never raises on groups: computes every group with the first group's weights (a wrong result).'''
    if groups > 1:
        weight = weight.copy()
        per_group = weight.shape[0] // groups
        for g in range(1, groups):
            weight[g * per_group : (g + 1) * per_group] = weight[:per_group]
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


def wrong_when_dilated(x, weight, bias, *, dilation, **kwargs):
    y = conv_transpose(x, weight, bias, dilation=dilation, **kwargs)
    return y * 1.001 if max(dilation) > 1 else y


def spy(x, weight, bias, **kwargs):
    CALLS.append((weight.shape, kwargs))
    return conv_transpose(x, weight, bias, **kwargs)
"""


# ----------------------------------------------------------------------------------------------
# Framework-true defaults
# ----------------------------------------------------------------------------------------------

TORCH_AS_IT_IS = """\
import numpy as np
import torch


def f(x, weight, bias, **kwargs):
    conv = getattr(torch.nn.functional, f"conv_transpose{x.ndim - 2}d")
    tensor = lambda a: None if a is None else torch.from_numpy(np.ascontiguousarray(a))
    return conv(tensor(x), tensor(weight), tensor(bias), **kwargs).numpy()
"""


@pytest.mark.torch
def test_pytorch_as_it_is_passes_check_in_the_torch_convention(workdir: Path) -> None:
    """``torch.nn.functional.conv_transpose{1,2,3}d``, called with the kit's arguments as they come, conforms:
    the torch convention draws one padding int per dimension and PyTorch's ``output_padding`` rule (the small
    tier here; the default run of every tier, on three seeds, is the control table's: tests/test_mutants.py)."""
    pytest.importorskip("torch", reason="torch is not installed (pip install 'transposed-conv[frameworks]')")
    (workdir / "areas_torch.py").write_text(TORCH_AS_IT_IS)
    status, out, err = run("check", "--impl", "areas_torch:f", "--convention", "torch", "--quick")
    assert status == 0, out + err
    assert "FAIL" not in out and "output_padding >= stride" in out
    assert "asymmetric padding" in out and "n/a" in out  # PyTorch's API has no (begin, end) pairs
    # asked for, the extension is drawn, and PyTorch refuses the pairs: a raise on a declared-supported feature
    status, out, _ = run("check", "--impl", "areas_torch:f", "--quick", "--extensions", "asymmetric-padding")
    assert status == 1 and "FAIL (raised)" in out and "padding" in out


def test_every_convention_draws_only_what_its_api_expresses_by_default() -> None:
    """The kit's default draw in each convention never exercises a feature the registry says its API lacks."""
    from transposed_conv import frameworks
    from transposed_conv.strategies import CONVENTION_CASES, feature_draw_options

    from .test_strategies import first_draws

    for name, convention in frameworks.CONVENTIONS.items():
        strategy = CONVENTION_CASES[name](max_ndim=2, **feature_draw_options(name))
        for case in first_draws(strategy, count=60):
            assert not case_features(case) & set(convention.supports.lacks), (name, case)


def test_the_torch_convention_draws_padding_as_pytorch_takes_it() -> None:
    seen: list[Any] = []

    def record(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
        seen.append(kwargs["padding"])
        return conv_transpose(x, weight, bias, **kwargs)

    check_conv_transpose(record, examples=40, seed=0, dtypes=("float64",))
    assert seen and all(isinstance(p, int) for padding in seen for p in padding)
    seen.clear()
    check_conv_transpose(record, examples=40, seed=0, dtypes=("float64",), extensions=["asymmetric padding"])
    assert any(isinstance(p, tuple) for padding in seen for p in padding)


# ----------------------------------------------------------------------------------------------
# Declarations: names, validation, and what they draw
# ----------------------------------------------------------------------------------------------


def test_features_are_one_list_read_in_any_spelling() -> None:
    assert [feature_name(f.replace(" ", "-").upper()) for f in FEATURES] == list(FEATURES)
    assert feature_name("asymmetric") == "asymmetric padding"  # the name before, in declarations already written
    assert Supports(lacks={"asymmetric": "reason"}).lacks == {"asymmetric padding": "reason"}
    assert {area.needs for area in AREAS} - {None} == set(FEATURES)  # every feature has its area
    assert feature_name("bias") is None


BAD_DECLARATIONS = [
    pytest.param({"without": ["bias"]}, r"without must name features from \['float64', 'groups'", id="without"),
    pytest.param({"without": 3}, r"without must be a collection of feature names", id="without-type"),
    pytest.param(
        {"extensions": ["groups"]},
        r"extensions must name features the 'torch' convention's API lacks .*: \['asymmetric padding'\]; got "
        r"\['groups'\]",
        id="extensions",
    ),
    pytest.param(
        {"without": ["asymmetric padding"], "extensions": ["asymmetric-padding"]},
        r"without and extensions both name \['asymmetric padding'\]",
        id="both",
    ),
    pytest.param({"max_dims": 4}, r"max_dims must be 1, 2 or 3; got max_dims=4", id="max_dims"),
    pytest.param({"max_dims": True}, r"max_dims must be 1, 2 or 3; got max_dims=True", id="max_dims-bool"),
    pytest.param({"only": {"padding": 1}}, r"only takes the parameters \['dims', 'kernel', 'stride'", id="only-name"),
    pytest.param({"only": {"kernel": 0}}, r"only\['kernel'\] must be an int >= 1, or a tuple", id="only-value"),
    pytest.param({"only": {"groups": (2, 2)}}, r"only\['groups'\] must be an int >= 1", id="only-groups"),
    pytest.param({"only": [("kernel", 3)]}, r"only must be a mapping", id="only-type"),
    pytest.param(
        {"only": {"kernel": (3, 3), "stride": (1, 1, 1)}}, r"only's per-dimension values must agree", id="only-dims"
    ),
    pytest.param(
        {"only": {"kernel": (3, 3)}, "max_dims": 1}, r"only fixes 2 dimensions, more than max_dims=1", id="only-max"
    ),
    pytest.param(
        {"only": {"groups": 2}, "without": ["groups"]}, r"only groups=2 contradicts .*declared without groups", id="g"
    ),
    pytest.param(
        {"only": {"dilation": 2}, "without": ["dilation"]}, r"only dilation=2 contradicts without dilation", id="d"
    ),
]


@pytest.mark.parametrize(("options", "message"), BAD_DECLARATIONS)
def test_bad_declarations_are_refused_before_any_case_runs(options: dict[str, Any], message: str) -> None:
    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("called before the options were checked")

    with pytest.raises(ValueError, match=message):
        check_conv_transpose(never, **options)
    with pytest.raises(ValueError, match=message):
        check_areas(never, **options)


def test_groups_are_refused_where_the_convention_has_none() -> None:
    with pytest.raises(ValueError, match="only groups=2 contradicts what is drawn: the 'jax' convention has no groups"):
        Declaration.build("jax", only={"groups": 2})


@pytest.mark.parametrize("convention", ["torch", "onnx", "jax", "tf", "keras"])
@pytest.mark.parametrize("feature", [f for f in FEATURES if f != "float64"])
def test_a_feature_declared_without_is_never_drawn(convention: str, feature: str) -> None:
    """Whatever the convention, no case of a feature declared ``without`` reaches the implementation."""
    from transposed_conv.strategies import CONVENTION_CASES

    from .test_strategies import first_draws

    options = Declaration.build(convention, without=[feature]).draw_options()
    for case in first_draws(CONVENTION_CASES[convention](max_ndim=2, **options), count=40):
        assert feature not in case_features(case), case


def test_only_and_max_dims_draw_only_those_values(workdir: Path) -> None:
    """``--only kernel=3x3,stride=1``: every call has a 3x3 kernel and stride 1 (2-D); ``--max-dims 1``: 1-D only."""
    (workdir / "areas_spy.py").write_text(IMPLS)
    status, out, err = run(
        "check", "--impl", "areas_spy:spy", "--in-process", "--examples", "10", "--only", "kernel=3x3,stride=1"
    )
    assert status == 0, out + err
    assert "declared: only kernel=3x3,stride=1" in out
    calls = sys.modules["areas_spy"].CALLS
    assert len(calls) >= 50
    assert {shape[2:] for shape, _ in calls} == {(3, 3)} and {kwargs["stride"] for _, kwargs in calls} == {(1, 1)}
    calls.clear()
    status, out, err = run("check", "--impl", "areas_spy:spy", "--examples", "10", "--max-dims", "1")
    assert status == 0, out + err
    assert {len(shape) for shape, _ in calls} == {3}


def test_only_fixes_a_value_for_every_dimension_with_an_int() -> None:
    seen: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def record(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
        seen.append((weight.shape[2:], kwargs["dilation"]))
        return conv_transpose(x, weight, bias, **kwargs)

    check_conv_transpose(record, examples=30, seed=0, dtypes=("float32",), only={"kernel": 2, "dilation": 3})
    assert {len(kernel) for kernel, _ in seen} == {1, 2, 3}
    assert all(set(kernel) == {2} and set(dilation) == {3} for kernel, dilation in seen)


# ----------------------------------------------------------------------------------------------
# Unsupported is not wrong
# ----------------------------------------------------------------------------------------------


def test_a_raise_on_a_feature_declared_unsupported_is_unsupported_and_exits_0(workdir: Path) -> None:
    (workdir / "areas_declared.py").write_text(IMPLS)
    status, out, err = run("check", "--impl", "areas_declared:no_groups", "--examples", "15", "--without", "groups")
    assert status == 0, out + err
    assert "declared: without groups" in out and "FAIL" not in out
    groups = next(line for line in out.splitlines() if line.startswith("groups "))
    assert "unsupported (raised on" in groups and "NotImplementedError: no groups in this kernel" in groups
    assert "basics (float32)" in out and "pass" in out


def test_a_raise_on_a_feature_not_declared_unsupported_fails_with_exit_1(workdir: Path) -> None:
    (workdir / "areas_undeclared.py").write_text(IMPLS)
    status, out, _ = run("check", "--impl", "areas_undeclared:no_groups", "--examples", "15", "--dtype", "float32")
    assert status == 1
    groups = next(line for line in out.splitlines() if line.startswith("groups "))
    assert "FAIL (raised)" in groups and "reproducer:" in out
    assert "declare it (--without groups)" in out
    basics = next(line for line in out.splitlines() if line.startswith("basics (float32)"))
    assert basics.endswith("pass")


def test_declaring_a_feature_unsupported_is_no_licence_to_get_it_wrong(workdir: Path) -> None:
    """An implementation that returns wrong grouped results instead of raising fails, declared without groups or
    not: a silent wrong answer is the failure a kit exists to find."""
    (workdir / "areas_wrong.py").write_text(IMPLS)
    status, out, _ = run("check", "--impl", "areas_wrong:ignores_groups", "--examples", "20", "--without", "groups")
    assert status == 1
    groups = next(line for line in out.splitlines() if line.startswith("groups "))
    assert "FAIL (values)" in groups and "reproducer:" in out


def test_a_wrong_result_in_a_supported_area_fails_with_a_reproducer(workdir: Path) -> None:
    (workdir / "areas_dilated.py").write_text(IMPLS)
    status, out, _ = run("check", "--impl", "areas_dilated:wrong_when_dilated", "--quick", "--without", "groups")
    assert status == 1
    table = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "FAIL (values)" in table["dilation"] and table["basics (float32)"].endswith("pass")
    assert "--- areas_dilated:wrong_when_dilated: dilation ---" in out
    assert "linear_bound_fraction" in out or "assert_close(actual" in out


def test_check_areas_gives_the_python_api_the_same_verdicts() -> None:
    def no_groups(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
        if kwargs["groups"] > 1:
            raise NotImplementedError("groups")
        return conv_transpose(x, weight, bias, **kwargs)

    report = check_areas(no_groups, examples=10, seed=0, without=["groups"], max_dims=2)
    assert report.conforms and report.cells["groups"].status == "unsupported" and report.cells["groups"].refused
    assert set(report.cells) == {area.name for area in (*TOGETHER, *AREAS)}
    assert report.cells["padding modes (auto_pad, SAME, output_shape)"].status == "n/a"
    assert "unsupported (raised on" in str(report)
    failing = check_areas(no_groups, examples=10, seed=0, dtypes=("float32",))
    assert not failing.conforms and set(failing.failures) == {"all declared features (float32)", "groups"}
    assert all(area.dtype == "float32" for area in (*TOGETHER, *AREAS) if area.name in failing.cells)
    # check_conv_transpose keeps its contract: the first non-conformance is raised
    with pytest.raises(NonConformance):
        check_conv_transpose(no_groups, examples=30, seed=0)


# ----------------------------------------------------------------------------------------------
# Error models by algorithm, area by area
# ----------------------------------------------------------------------------------------------

FFT_IMPLS = """\
from transposed_conv import conv_transpose


def fft(x, weight, bias, **kwargs):
    return conv_transpose(x, weight, bias, method="fft", **kwargs)


def fft_off_by_a_percent(x, weight, bias, **kwargs):
    return conv_transpose(x, weight, bias, method="fft", **kwargs) * 1.01
"""


def test_an_fft_implementation_is_judged_by_the_fft_model_area_by_area(workdir: Path) -> None:
    """Stride 4 with a 3-tap kernel leaves positions no product reaches: the summation bound there is 0, which no
    FFT meets in float32; the fft model (docs/oracle.md) passes it, and still catches a 1 % error, with a
    reproducer that names the model."""
    (workdir / "areas_fft.py").write_text(FFT_IMPLS)
    argv = ["check", "--impl", "areas_fft:fft", "--examples", "10", "--dtype", "float32", "--max-dims", "1"]
    argv += ["--only", "stride=4,kernel=3", "--without", "groups"]
    status, out, err = run(*argv)
    assert status == 1 and "FAIL (values)" in out, out + err
    status, out, err = run(*argv, "--algorithm", "fft")
    assert status == 0 and "FAIL" not in out, out + err
    argv[2] = "areas_fft:fft_off_by_a_percent"
    status, out, _ = run(*argv, "--algorithm", "fft")
    assert status == 1 and "FAIL (values)" in out and "algorithm='fft'" in out


def test_an_error_model_other_than_summation_needs_the_torch_convention(workdir: Path) -> None:
    with pytest.raises(ValueError, match=r"^algorithm must be one of \['summation', 'fft', 'winograd'\]"):
        check_areas(conv_transpose, convention="onnx", algorithm="fft")
    status, _, err = run("check", "--impl", "areas_x:f", "--convention", "onnx", "--algorithm", "fft")
    assert status == 2 and "--algorithm fft applies to the 'torch' convention only" in err


def test_a_flush_to_zero_kernel_passes_under_the_precision_it_declares(workdir: Path) -> None:
    """``--precision float32-ftz``: subnormals flushed in the inputs and the result are that model's, not a failure;
    without it, the special-value tier fails the same kernel."""
    (workdir / "areas_ftz.py").write_text("from tests.mutants import subnormal_results_flushed_to_zero as flushes\n")
    argv = ["check", "--impl", "areas_ftz:flushes", "--examples", "8", "--dtype", "float32", "--max-dims", "1"]
    status, out, err = run(*argv)
    assert status == 1 and "FAIL (values" in out, out + err
    status, out, err = run(*argv, "--precision", "float32-ftz")
    assert status == 0 and "FAIL" not in out and "declared: at most 1-D; computes float32 as float32-ftz" in out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--precision", "float33"], "--precision must be one of float64, float32, tf32, "),
        (["--precision", "float64-ftz", "--dtype", "float32"], "--precision float64-ftz judges float64 inputs, which"),
        (["--precision", "tf32", "--precision", "float32-ftz"], "--precision tf32 and --precision float32-ftz both"),
    ],
)
def test_bad_precisions_are_usage_errors(argv: list[str], message: str) -> None:
    status, out, err = run("check", "--impl", "areas_none:f", *argv)
    assert status == 2 and not out and message in err and err.count("\n") == 1
