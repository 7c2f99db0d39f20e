"""The conformance kit in every calling convention: PyTorch's, ONNX's, JAX's, TensorFlow's and Keras's.

* Our spec-following convention functions pass the kit in their own convention: they are
  the reference, so this checks the plumbing (arguments, layouts, bounds, dtypes).
* The convention strategies draw only valid calls, and everything the kit promises to draw.
* Deliberately broken implementations are caught, per convention, with a reproducer.
* ``transposed-conv check --impl MODULE:NAME --convention ...``: exit statuses 0, 1 and 2.
* The real frameworks, through thin wrappers, conform where installed -- with the draw
  restricted, test by test, exactly where ``docs/conventions.md`` documents a deviation or a
  limitation of the framework.

The kit runs use the active hypothesis profile's ``max_examples`` (200 in CI).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import InvalidArgument

from tests.cli_run import run_in_process
from transposed_conv import conv_transpose, frameworks
from transposed_conv.conventions import jax_conv_transpose, keras_conv_transpose, onnx_conv_transpose, tf_conv_transpose
from transposed_conv.strategies import (
    CONVENTION_CASES,
    ConventionCase,
    ConvTransposeCase,
    jax_cases,
    keras_cases,
    onnx_cases,
    tf_cases,
)
from transposed_conv.testing import CONVENTIONS, KIT_DRAW, NonConformance, check_conv_transpose

EXAMPLES = max(settings().max_examples, 1)  # the active profile: 200 in CI
DOCS = "docs/conventions.md, section Deviations"

OURS: dict[str, Callable[..., Any]] = {
    "torch": conv_transpose,
    "onnx": onnx_conv_transpose,
    "jax": jax_conv_transpose,
    "tf": tf_conv_transpose,
    "keras": keras_conv_transpose,
}


# ----------------------------------------------------------------------------------------------
# Our convention functions conform
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("convention", [c for c in CONVENTIONS if c != "torch"])
def test_our_convention_functions_conform_in_their_own_convention(convention: str) -> None:
    """The kit's control group: it passes the reference in float64 and float32 (arguments, layouts, bounds,
    dtypes plumbed right).  The answer key is the same function, so in float64 the values are compared with
    themselves; what can fail is the kit: a dtype, a shape, a bound too tight for float32.  PyTorch's convention
    is ``tests/test_mutants.py::test_the_correct_implementation_passes``, the same run."""
    report = check_conv_transpose(OURS[convention], convention=convention, examples=EXAMPLES, seed=0)
    assert report.convention == convention
    assert report.examples == {"float64": EXAMPLES, "float32": EXAMPLES}
    assert all(0 <= worst <= 1 for worst in report.worst_fraction.values())


# ----------------------------------------------------------------------------------------------
# What the strategies draw
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_convention_strategies_draw_only_valid_calls(convention: str, dtype: str) -> None:
    """Every drawn call runs through our spec-following function, keeps the dtype, and takes the arrays as given."""

    @settings(max_examples=EXAMPLES, database=None, suppress_health_check=list(HealthCheck))
    @given(CONVENTION_CASES[convention](dtype=dtype, values="normal", layouts=True))
    def check(case: ConventionCase) -> None:
        before = [None if a is None else a.copy() for a in case.arrays]
        y = case.reference(*case.args, **case.kwargs)
        assert y.dtype == (np.float32 if dtype == "float32" else np.int64)
        assert y.ndim == case.x.ndim and (y.size == 0) == (case.batch == 0)  # never an empty output
        np.testing.assert_array_equal(case.compute(case.x, case.weight, case.bias), y)
        for original, current in zip(before, case.arrays):
            assert original is None or (current is not None and np.array_equal(original, current))

    check()


def _layout(a: np.ndarray) -> str:
    if any(step < 0 for step in a.strides):
        return "reversed"
    if a.flags.c_contiguous:
        return "C"
    return "F" if a.flags.f_contiguous else "strided"


def _common_features(case: ConventionCase) -> set[str]:
    config = case.config
    features = {f"ndim={case.ndim}", f"batch={min(case.batch, 2)}", f"x layout {_layout(case.x)}"}
    if case.ndim > 1 and len(set(config.input_shape)) > 1:
        features.add("different sizes per dimension")
    if any(17 <= i <= 40 for i in config.input_shape):
        features.add("a spatial size of 17 to 40")
    for k, s, d in zip(config.kernel_shape, config.stride, config.dilation):
        features.add("kernel < stride" if k < s else "kernel = stride" if k == s else "kernel > stride")
        if s > (k - 1) * d + 1:
            features.add("stride > dilated kernel")
    if max(config.in_channels, config.out_channels) // config.groups >= 9:
        features.add("9 channels per group")
    return features


def _full(case: ConventionCase) -> list[int]:
    c = case.config
    return [
        (i - 1) * s + d * (k - 1) + 1 + a
        for i, k, s, d, a in zip(c.input_shape, c.kernel_shape, c.stride, c.dilation, c.output_padding)
    ]


def _padded_features(case: ConventionCase) -> set[str]:
    """PyTorch-style padding, output_padding, groups and bias (the torch and ONNX conventions)."""
    c = case.config
    features = {"bias" if case.bias is not None else "no bias", f"groups={c.groups}"}
    for (begin, end), k, s, d, a in zip(c.padding, c.kernel_shape, c.stride, c.dilation, c.output_padding):
        if begin == end == 0:
            features.add("padding 0")
        if max(begin, end) > d * (k - 1):
            features.add("padding > dilation*(kernel - 1)")
        if begin != end:
            features.add("asymmetric padding")
        if a == max(s, d) - 1 and a > 0:
            features.add("output_padding = max(stride, dilation) - 1")
        if a >= s:
            features.add("output_padding >= stride")
    return features


def _onnx_features(case: ConventionCase) -> set[str]:
    attributes = case.kwargs
    features = _padded_features(case) | {f"auto_pad={attributes.get('auto_pad', 'absent')}"}
    features |= {f"{name} given" for name in ("pads", "output_shape", "kernel_shape") if name in attributes}
    features |= {
        f"{name} left out" for name in ("strides", "dilations", "group", "output_padding") if name not in attributes
    }
    if "output_shape" in attributes and any(o > f for o, f in zip(attributes["output_shape"], _full(case))):
        features.add("output_shape beyond the full output")
    if attributes.get("auto_pad", "").startswith("SAME") and any(
        i * s > f for i, s, f in zip(case.config.input_shape, case.config.stride, _full(case))
    ):
        features.add("SAME beyond the full output")
    return features


def _jax_features(case: ConventionCase) -> set[str]:
    _, padding = case.arguments
    numbers = case.kwargs["dimension_numbers"]
    features = {f"transpose_kernel={case.kwargs['transpose_kernel']}", f"rhs_dilation={case.kwargs['rhs_dilation']}"}
    features.add("dimension_numbers=None" if numbers is None else f"dimension_numbers {numbers[0][0]}...")
    if numbers is not None and numbers[1][:2] not in ("OI", "HI", "HW", "WH"):
        features.add("kernel spec permuted")
    features.add(padding if isinstance(padding, str) else "explicit padding")
    if not isinstance(padding, str):
        c = case.config
        effective = sorted((k - 1) * d + 1 for k, d in zip(c.kernel_shape, c.dilation))
        if any(lo < 0 or hi < 0 for lo, hi in padding):
            features.add("negative padding")
        if any(max(lo, hi) > effective[-1] - 1 for lo, hi in padding):
            features.add("padding > k_eff - 1")
    return features


def _tf_features(case: ConventionCase) -> set[str]:
    _, strides = case.arguments
    padding, data_format, dilations = (case.kwargs[name] for name in ("padding", "data_format", "dilations"))
    features = {f"data_format={data_format}", "explicit padding" if isinstance(padding, list) else padding}
    features.add(f"strides as {type(strides).__name__} of {1 if isinstance(strides, int) else len(strides)}")
    features.add("dilations=None" if dilations is None else "dilations given")
    return features


def _keras_features(case: ConventionCase) -> set[str]:
    extra, padding = case.kwargs["output_padding"], case.kwargs["padding"]
    features = {f"padding={padding}", f"data_format={case.kwargs['data_format']}"}
    features.add("output_padding=None" if extra is None else f"output_padding as {type(extra).__name__}")
    features.add(f"strides as {type(case.kwargs['strides']).__name__}")
    return features


COMMON = {
    *(f"ndim={n}" for n in (1, 2, 3)),
    *(f"batch={n}" for n in (0, 1, 2)),
    *(f"x layout {layout}" for layout in ("C", "F", "strided", "reversed")),
    "different sizes per dimension",
    "a spatial size of 17 to 40",
    "kernel < stride",
    "kernel = stride",
    "kernel > stride",
    "stride > dilated kernel",
    "9 channels per group",
}
PADDED = {
    "bias",
    "no bias",
    "groups=4",
    "padding 0",
    "padding > dilation*(kernel - 1)",
    "output_padding = max(stride, dilation) - 1",
    "output_padding >= stride",
}
FEATURES: dict[str, tuple[Callable[[ConventionCase], set[str]], set[str]]] = {
    "torch": (_padded_features, PADDED | {"asymmetric padding"}),
    "onnx": (
        _onnx_features,
        PADDED
        | {f"auto_pad={mode}" for mode in ("absent", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")}
        | {"pads given", "asymmetric padding", "output_shape given", "kernel_shape given"}
        | {f"{name} left out" for name in ("strides", "dilations", "group", "output_padding")}
        | {"output_shape beyond the full output", "SAME beyond the full output"},
    ),
    "jax": (
        _jax_features,
        {"transpose_kernel=True", "transpose_kernel=False", "rhs_dilation=None", "dimension_numbers=None"}
        | {"dimension_numbers N...", "dimension_numbers C...", "kernel spec permuted"}
        | {"SAME", "VALID", "explicit padding", "negative padding", "padding > k_eff - 1"},
    ),
    "tf": (
        _tf_features,
        {"data_format=None", "data_format=NWC", "data_format=NCW", "data_format=NHWC", "data_format=NCHW"}
        | {"data_format=NDHWC", "data_format=NCDHW", "SAME", "VALID", "explicit padding"}
        | {"strides as int of 1", "strides as list of 1", "dilations=None", "dilations given"},
    ),
    "keras": (
        _keras_features,
        {"padding=valid", "padding=same", "padding=SAME", "padding=VALID"}
        | {"data_format=None", "data_format=channels_last", "data_format=channels_first"}
        | {"output_padding=None", "output_padding as int", "output_padding as tuple"}
        | {"strides as int", "strides as tuple"},
    ),
}


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_the_kit_draws_every_promised_option(convention: str) -> None:
    """Over 400 draws of the kit's strategy: every dimension count, batch kind, layout, kernel-to-stride relation,
    and each convention's own options (``auto_pad``, ``output_shape`` beyond the full output, ``dimension_numbers``
    None and permuted, negative pads, both data formats, ...) turn up."""
    features, promised = FEATURES[convention]
    seen: set[str] = set()
    defaults = KIT_DRAW if convention in ("torch", "onnx") else {"max_channels_per_group": 9, "max_large_side": 40}

    @settings(max_examples=400, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(CONVENTION_CASES[convention](dtype="float32", values="normal", layouts=True, **defaults))
    def collect(case: ConventionCase) -> None:
        seen.update(_common_features(case) | features(case))

    collect()
    assert COMMON | promised <= seen, sorted(COMMON | promised - seen)


def test_small_cases_dominate() -> None:
    """Most kit draws are small, so that a run stays fast: the median output has at most a few hundred elements."""
    sizes: list[int] = []

    @settings(max_examples=300, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(onnx_cases(dtype="float32", **KIT_DRAW))
    def collect(case: ConventionCase) -> None:
        sizes.append(case.expected().size)

    collect()
    assert np.median(sizes) <= 300, np.median(sizes)


BAD_STRATEGY_ARGUMENTS = [
    pytest.param(onnx_cases, {"auto_pads": ("SAME",)}, InvalidArgument, "auto_pads must be", id="onnx-auto_pads"),
    pytest.param(onnx_cases, {"auto_pads": "VALID"}, InvalidArgument, "auto_pads must be", id="onnx-auto_pads-str"),
    pytest.param(jax_cases, {"max_groups": 2}, InvalidArgument, "max_groups does not apply", id="jax-groups"),
    pytest.param(jax_cases, {"paddings": ()}, InvalidArgument, "paddings must be", id="jax-no-padding"),
    pytest.param(tf_cases, {"bias": True}, InvalidArgument, "bias does not apply", id="tf-bias"),
    pytest.param(tf_cases, {"channels_first": 1}, InvalidArgument, "channels_first must be", id="tf-channels_first"),
    pytest.param(keras_cases, {"paddings": ("full",)}, InvalidArgument, "paddings must contain", id="keras-padding"),
    pytest.param(keras_cases, {"padding": "symmetric"}, InvalidArgument, "padding does not apply", id="keras-torch"),
    pytest.param(keras_cases, {"values": "ones"}, InvalidArgument, "values must be one of", id="keras-values"),
    pytest.param(onnx_cases, {"dtype": "complex64"}, InvalidArgument, "dtype must be a real", id="onnx-dtype"),
    pytest.param(onnx_cases, {"max_groups": 0}, InvalidArgument, "max_groups must be an int >= 1", id="onnx-groups"),
]


@pytest.mark.parametrize(("strategy", "options", "error", "message"), BAD_STRATEGY_ARGUMENTS)
def test_convention_strategies_validate_their_arguments_eagerly(
    strategy: Callable[..., Any], options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        strategy(**options)


def test_the_kit_passes_draw_options_to_the_conventions_strategy() -> None:
    with pytest.raises(InvalidArgument, match="max_groups does not apply to the 'jax' convention"):
        check_conv_transpose(jax_conv_transpose, convention="jax", max_groups=2)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        check_conv_transpose(keras_conv_transpose, convention="keras", auto_pads=("VALID",))
    report = check_conv_transpose(
        onnx_conv_transpose, convention="onnx", examples=10, seed=0, auto_pads=("VALID",), max_ndim=1
    )
    assert report.examples == {"float64": 10, "float32": 10}


# ----------------------------------------------------------------------------------------------
# Broken implementations are caught
# ----------------------------------------------------------------------------------------------


def onnx_same_upper_as_lower(X: Any, W: Any, B: Any, **attributes: Any) -> np.ndarray:
    """Splits an odd SAME_UPPER padding on the wrong side (ONNX opset 1's reading, and ONNX Runtime before 1.13)."""
    if attributes.get("auto_pad") == "SAME_UPPER":
        attributes["auto_pad"] = "SAME_LOWER"
    return onnx_conv_transpose(X, W, B, **attributes)


def onnx_ignores_output_shape(X: Any, W: Any, B: Any, *, output_shape: Any = None, **attributes: Any) -> np.ndarray:
    return onnx_conv_transpose(X, W, B, **attributes)


def onnx_pads_per_dimension(X: Any, W: Any, B: Any, *, pads: Any = None, **attributes: Any) -> np.ndarray:
    """Reads ``pads`` as ``[x1_begin, x1_end, x2_begin, ...]``, not ONNX's all-begins-then-all-ends."""
    if pads is not None:
        attributes["pads"] = list(pads[0::2]) + list(pads[1::2])
    return onnx_conv_transpose(X, W, B, **attributes)


def onnx_in_float32(X: Any, W: Any, B: Any, **attributes: Any) -> np.ndarray:
    """Computes float64 inputs in float32 and hands back float64: must fail the float64 bound."""
    b = None if B is None else B.astype(np.float32)
    return onnx_conv_transpose(X.astype(np.float32), W.astype(np.float32), b, **attributes).astype(X.dtype)


def onnx_scales_its_input(X: Any, W: Any, B: Any, **attributes: Any) -> np.ndarray:
    y = onnx_conv_transpose(X, W, B, **attributes)
    X *= 2
    return y


def jax_ignores_transpose_kernel(lhs: Any, rhs: Any, strides: Any, padding: Any, **kwargs: Any) -> np.ndarray:
    return jax_conv_transpose(lhs, rhs, strides, padding, **{**kwargs, "transpose_kernel": False})


def jax_none_means_nchw(
    lhs: Any, rhs: Any, strides: Any, padding: Any, *, dimension_numbers: Any = None, **kwargs: Any
) -> np.ndarray:
    """Reads ``dimension_numbers=None`` as ``conv_general_dilated`` does (NCHW/OIHW), not as ``conv_transpose``."""
    if dimension_numbers is None:
        letters = "HWD"[: lhs.ndim - 2]
        dimension_numbers = ("NC" + letters, "OI" + letters, "NC" + letters)
    return jax_conv_transpose(lhs, rhs, strides, padding, dimension_numbers=dimension_numbers, **kwargs)


def jax_in_float32(lhs: Any, rhs: Any, strides: Any, padding: Any, **kwargs: Any) -> np.ndarray:
    y = jax_conv_transpose(lhs.astype(np.float32), rhs.astype(np.float32), strides, padding, **kwargs)
    return y.astype(lhs.dtype)


def tf_nchw_as_nhwc(
    input: Any, filters: Any, output_shape: Any, strides: Any, padding: Any = "SAME", data_format: Any = None, **kw: Any
) -> np.ndarray:
    """Ignores ``data_format``: channels-first input read as channels-last."""
    return tf_conv_transpose(input, filters, output_shape, strides, padding, None, **kw)


def tf_same_odd_element_first(
    input: Any, filters: Any, output_shape: Any, strides: Any, padding: Any = "SAME", **kwargs: Any
) -> np.ndarray:
    """With ``'SAME'``, crops the odd element at the beginning (it belongs at the end): one larger, then cut."""
    if padding != "SAME":
        return tf_conv_transpose(input, filters, output_shape, strides, padding, **kwargs)
    first = (kwargs.get("data_format") or "NHWC").startswith("NC")
    spatial = slice(2, None) if first else slice(1, -1)
    ndim = len(output_shape) - 2
    grown = list(output_shape)
    grown[spatial] = [o + 1 for o in output_shape[spatial]]
    try:
        y = tf_conv_transpose(input, filters, grown, strides, padding, **kwargs)
    except ValueError:  # one larger does not fit: the size is already the largest, nothing is cropped
        return tf_conv_transpose(input, filters, output_shape, strides, padding, **kwargs)
    index = [slice(None)] * (ndim + 2)
    for axis in range(ndim):
        index[(2 if first else 1) + axis] = slice(1, None)
    return y[tuple(index)]


def tf_appends_to_output_shape(input: Any, filters: Any, output_shape: Any, strides: Any, **kwargs: Any) -> np.ndarray:
    y = tf_conv_transpose(input, filters, output_shape, strides, **kwargs)
    output_shape.append(1)
    return y


def keras_ignores_output_padding(inputs: Any, kernel: Any, *, output_padding: Any = None, **kwargs: Any) -> np.ndarray:
    return keras_conv_transpose(inputs, kernel, **kwargs)


def keras_returns_float64(inputs: Any, kernel: Any, **kwargs: Any) -> np.ndarray:
    return keras_conv_transpose(inputs, kernel, **kwargs).astype(np.float64)


def keras_padding_case_sensitive(inputs: Any, kernel: Any, *, padding: str = "valid", **kwargs: Any) -> np.ndarray:
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}")
    return keras_conv_transpose(inputs, kernel, padding=padding, **kwargs)


BROKEN = [
    pytest.param("onnx", onnx_same_upper_as_lower, "float64", {"values"}, id="onnx-same_upper-split-like-lower"),
    pytest.param("onnx", onnx_ignores_output_shape, "float64", {"shape", "values"}, id="onnx-output_shape-ignored"),
    pytest.param("onnx", onnx_pads_per_dimension, "float64", {"values", "shape", "raised"}, id="onnx-pads-order"),
    pytest.param("onnx", onnx_in_float32, "float64", {"values"}, id="onnx-float64-in-float32"),
    pytest.param("onnx", onnx_scales_its_input, "float32", {"mutated"}, id="onnx-mutates-X"),
    pytest.param("jax", jax_ignores_transpose_kernel, "float64", {"values", "raised"}, id="jax-transpose_kernel"),
    pytest.param("jax", jax_none_means_nchw, "float64", {"values", "shape", "raised"}, id="jax-None-as-NCHW"),
    pytest.param("jax", jax_in_float32, "float64", {"values"}, id="jax-float64-in-float32"),
    pytest.param("tf", tf_nchw_as_nhwc, "float64", {"values", "shape", "raised"}, id="tf-NCHW-as-NHWC"),
    pytest.param("tf", tf_same_odd_element_first, "float64", {"values"}, id="tf-same-odd-element-first"),
    pytest.param("tf", tf_appends_to_output_shape, "float32", {"mutated"}, id="tf-mutates-output_shape"),
    pytest.param("keras", keras_ignores_output_padding, "float64", {"shape", "values"}, id="keras-output_padding"),
    pytest.param("keras", keras_returns_float64, "float32", {"dtype"}, id="keras-float32-to-float64"),
    pytest.param("keras", keras_padding_case_sensitive, "float32", {"raised"}, id="keras-padding-case"),
]


@pytest.mark.parametrize(("convention", "impl", "dtype", "problems"), BROKEN)
def test_broken_implementations_are_caught(
    convention: str, impl: Callable[..., Any], dtype: str, problems: set[str]
) -> None:
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(impl, convention=convention, examples=200, seed=0, dtypes=(dtype,))
    error = raised.value
    assert error.problem in problems, str(error)
    assert error.case.convention == convention
    assert "configuration: ConventionCase(" in str(error) and "reproducer:" in str(error)


def test_a_shrunk_failure_is_small_and_its_reproducer_runs_with_numpy_and_our_package() -> None:
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(onnx_same_upper_as_lower, convention="onnx", examples=200, seed=0, dtypes=("float64",))
    case = raised.value.case
    assert case.ndim == 1 and case.batch == 1 and case.in_channels == 1 and case.kwargs["auto_pad"] == "SAME_UPPER"
    reproducer = raised.value.reproducer
    assert "from tests.test_kit_conventions import onnx_same_upper_as_lower" in reproducer
    assert "from transposed_conv.conventions import onnx_conv_transpose" in reproducer
    with pytest.raises(AssertionError, match="beyond the float64 rounding bound"):
        exec(reproducer, {})


# ----------------------------------------------------------------------------------------------
# The command line: transposed-conv check --impl MODULE:NAME --convention ...
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty current directory; ``sys.path`` and the modules imported from it are restored afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if getattr(sys.modules[name], "__file__", "") and str(tmp_path) in str(sys.modules[name].__file__):
            del sys.modules[name]


run = run_in_process


IMPLEMENTATIONS = """\
from transposed_conv.conventions import keras_conv_transpose, onnx_conv_transpose


def good(X, W, B, **attributes):
    return onnx_conv_transpose(X, W, B, **attributes)


def swapped(X, W, B, **attributes):
    if attributes.get("auto_pad") == "SAME_UPPER":
        attributes["auto_pad"] = "SAME_LOWER"
    return onnx_conv_transpose(X, W, B, **attributes)


class Ops:
    keras = staticmethod(keras_conv_transpose)


not_callable = 42
"""


def test_cli_impl_that_conforms_exits_0(workdir: Path) -> None:
    (workdir / "kit_impls_ok.py").write_text(IMPLEMENTATIONS)
    status, out, _ = run("check", "--impl", "kit_impls_ok:good", "--convention", "onnx", "--quick")
    assert status == 0, out
    assert "pass" in out and "FAIL" not in out and "kit_impls_ok:good" in out  # every area that applies passes
    argv = ["--convention", "keras", "--dtype", "float32", "--quick"]
    status, out, _ = run("check", "--impl", "kit_impls_ok:Ops.keras", *argv)
    assert status == 0, out
    assert "pass" in out and "FAIL" not in out and "float64" not in out


def test_cli_impl_that_does_not_conform_exits_1_with_the_reproducer(workdir: Path) -> None:
    (workdir / "kit_impls_bad.py").write_text(IMPLEMENTATIONS)
    status, out, _ = run(
        "check", "--impl", "kit_impls_bad:swapped", "--convention", "onnx", "--dtype", "float64", "--quick"
    )
    assert status == 1
    assert "FAIL (values)" in out and "reproducer:" in out
    assert "# from kit_impls_bad import swapped" in out and "linear_bound_fraction(actual, answer" in out


def test_cli_impl_defaults_to_the_torch_convention(workdir: Path) -> None:
    (workdir / "kit_impls_torch.py").write_text("from transposed_conv import conv_transpose as conv\n")
    status, out, _ = run("check", "--impl", "kit_impls_torch:conv", "--examples", "20", "--seed", "3")
    assert status == 0, out


CLI_USAGE_ERRORS = [
    pytest.param(["--impl", "kit_impls_usage"], "--impl must be MODULE:NAME", id="no-colon"),
    pytest.param(["--impl", "kit_impls_usage:"], "--impl must be MODULE:NAME", id="no-name"),
    pytest.param(["--impl", "no_such_module_here:f"], "cannot import module 'no_such_module_here'", id="no-module"),
    pytest.param(
        ["--impl", "kit_impls_broken:f"], "cannot import module 'kit_impls_broken': ZeroDivisionError", id="raises"
    ),
    pytest.param(["--impl", "kit_impls_usage:missing"], "has no attribute 'missing'", id="no-name-in-module"),
    pytest.param(["--impl", "kit_impls_usage:not_callable"], "'not_callable' is not callable", id="not-callable"),
    pytest.param(
        ["--impl", "kit_impls_usage:good", "--convention", "caffe"], "invalid choice: 'caffe'", id="convention"
    ),
    pytest.param(
        ["--impl", "kit_impls_usage:good", "--framework", "torch"], "not allowed with", id="impl-and-framework"
    ),
    pytest.param(["--convention", "onnx"], "--convention applies to --impl", id="convention-without-impl"),
    pytest.param(["--impl", "kit_impls_usage:good", "--examples", "0"], "positive integer", id="examples"),
    pytest.param(["--impl", "kit_impls_usage:good", "--dtype", "float8"], "invalid choice: 'float8'", id="dtype"),
]


@pytest.mark.parametrize(("argv", "message"), CLI_USAGE_ERRORS)
def test_cli_impl_usage_errors_exit_2_with_a_clear_message(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (workdir / "kit_impls_usage.py").write_text(IMPLEMENTATIONS)
    (workdir / "kit_impls_broken.py").write_text("1 / 0\n")
    status, _, err = run("check", *argv)
    assert status == 2
    assert message in err + capsys.readouterr().err  # argparse writes its own errors to sys.stderr


def test_cli_finds_modules_in_the_current_directory_first(workdir: Path) -> None:
    """A module in the current directory is importable even when the current directory is not on ``sys.path``."""
    sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
    (workdir / "kit_impls_cwd.py").write_text(IMPLEMENTATIONS)
    status, out, _ = run("check", "--impl", "kit_impls_cwd:good", "--convention", "onnx", "--examples", "5")
    assert status == 0, out
    assert sys.path[0] == os.getcwd()


# ----------------------------------------------------------------------------------------------
# The real frameworks, through thin wrappers
# ----------------------------------------------------------------------------------------------


onnxruntime_conv_transpose = frameworks.onnx.onnxruntime_onnx
jax_lax_conv_transpose = frameworks.jax.jax_lax
tf_nn_conv_transpose = frameworks.tf.tf_nn
keras_ops_conv_transpose = frameworks.tf.keras_ops


# (module, impl, convention, dtypes, draw): the draw restricted only where docs/conventions.md documents why.
# PyTorch in its own convention is the registry's torch peer, run once by tests/frameworks/test_peers.py (the
# same wrapper, dtypes, draw and seed as a row here would be).
FRAMEWORKS = [
    pytest.param(
        "onnxruntime",
        onnxruntime_conv_transpose,
        "onnx",
        # No float64 ConvTranspose on ONNX Runtime's CPU provider (a limitation, in docs/conventions.md).
        ("float32",),
        # Deviations 1-3 (outputs beyond the full output: SAME_* with X_i*strides beyond it, output_shape beyond
        # it) and 4 (output_padding >= strides below the dilation), docs/conventions.md, ONNX Runtime 1.30.0.
        {"beyond_full_output": False, "large_output_padding": False},
        marks=pytest.mark.onnxruntime,
        id="onnxruntime",
    ),
    pytest.param(
        "jax",
        jax_lax_conv_transpose,
        "jax",
        ("float64", "float32"),
        # Not a restriction but two extensions of the kit's draw: use_consistent_padding (JAX >= 0.10; the kit
        # leaves it out for older JAX) and pads that leave an empty output, which JAX returns (docs/input-rules.md).
        # This is the one run of JAX in its own convention (tests/frameworks/test_jax.py keeps what it cannot draw).
        {"use_consistent_padding": True, "empty_outputs": True},
        marks=pytest.mark.jax,
        id="jax",
    ),
    pytest.param(
        "tensorflow",
        tf_nn_conv_transpose,
        "tf",
        ("float32",),
        # float32 with implicit padding runs on oneDNN, which implements dilation and channels-first; explicit
        # padding runs on the kernels that implement neither (TensorFlow 2.21.0, limitation 4): checked below.
        {"paddings": ("SAME", "VALID")},
        marks=pytest.mark.tensorflow,
        id="tensorflow-float32-onednn",
    ),
    pytest.param(
        "tensorflow",
        tf_nn_conv_transpose,
        "tf",
        ("float64", "float32"),
        # float64, and explicit padding in any dtype: kernels without dilation or channels-first (limitation 4).
        {"channels_first": False, "max_dilation": 1},
        marks=pytest.mark.tensorflow,
        id="tensorflow-channels-last-undilated",
    ),
    pytest.param(
        "keras",
        keras_ops_conv_transpose,
        "keras",
        ("float32",),
        # Keras 3.15.1 deviation 1: 'same' with output_padding 0 and an even k_eff raises on the TensorFlow backend.
        {"same_even_zero_output_padding": False},
        marks=[pytest.mark.keras, pytest.mark.tensorflow],
        id="keras-float32",
    ),
    pytest.param(
        "keras",
        keras_ops_conv_transpose,
        "keras",
        ("float64",),
        # The same deviation; and float64 runs on TensorFlow's kernels without dilation or channels-first.
        {"same_even_zero_output_padding": False, "channels_first": False, "max_dilation": 1},
        marks=[pytest.mark.keras, pytest.mark.tensorflow],
        id="keras-float64",
    ),
]


#: Cases per real framework here (the ecosystem report runs every area of each): half the profile's budget, and
#: 50 for JAX, which compiles every new shape (about 70 ms each; 200 cases took 14 s of the suite).
FRAMEWORK_EXAMPLES = {False: max(EXAMPLES // 2, 1), True: min(EXAMPLES, 50)}


@pytest.mark.parametrize(("module", "impl", "convention", "dtypes", "draw"), FRAMEWORKS)
def test_framework_conforms_in_its_own_convention(
    module: str, impl: Callable[..., Any], convention: str, dtypes: tuple[str, ...], draw: dict[str, Any]
) -> None:
    """Each framework, called in its own convention with NumPy arrays, is within the rigorous rounding bound of our
    spec-following answer on every drawn call -- except where ``docs/conventions.md`` documents a deviation or a
    limitation, which the draw leaves out (the options above, each with its reason)."""
    pytest.importorskip(module, reason=f"{module} is not installed (pip install 'transposed-conv[frameworks]')")
    if module == "onnxruntime":
        pytest.importorskip("onnx", reason="onnx is not installed (pip install onnx)")
    examples = FRAMEWORK_EXAMPLES[module == "jax"]
    report = check_conv_transpose(impl, convention=convention, examples=examples, dtypes=dtypes, seed=0, **draw)
    assert report.examples == dict.fromkeys(dtypes, examples)
    assert all(0 <= worst <= 1 for worst in report.worst_fraction.values())


@pytest.mark.onnxruntime
def test_the_kit_finds_onnxruntimes_documented_deviations_when_not_told_to_avoid_them() -> None:
    """Without the restriction the kit runs into deviation 1, 2, 3 or 4 (``docs/conventions.md``)."""
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install onnxruntime)")
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(
            onnxruntime_conv_transpose, convention="onnx", examples=EXAMPLES, dtypes=("float32",), seed=0
        )
    assert raised.value.problem in ("raised", "shape", "values")
    attributes = raised.value.case.kwargs
    strides = attributes.get("strides", [1] * raised.value.case.ndim)
    beyond = "output_shape" in attributes or attributes.get("auto_pad", "NOTSET").startswith("SAME")
    assert beyond or any(a >= s for a, s in zip(attributes.get("output_padding", []), strides)), str(raised.value)


def test_torch_failures_are_reported_as_conv_transpose_cases() -> None:
    """In PyTorch's convention ``NonConformance.case`` stays a ``ConvTransposeCase``, as it was."""

    def no_bias(x: Any, weight: Any, bias: Any, **kwargs: Any) -> np.ndarray:
        return conv_transpose(x, weight, None, **kwargs)

    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(no_bias, examples=50, seed=0, dtypes=("float64",))
    assert isinstance(raised.value.case, ConvTransposeCase)
    assert "configuration: ConvTransposeCase(" in str(raised.value)
