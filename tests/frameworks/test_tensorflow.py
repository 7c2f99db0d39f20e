"""``tf_conv_transpose`` and ``keras_conv_transpose`` against ``tf.nn.conv_transpose`` and ``keras.ops.conv_transpose``.

TensorFlow: ``'SAME'``, ``'VALID'`` and (2-D) explicit padding, channels last and first, every
output size TensorFlow accepts and a few it rejects, ``strides``/``dilations`` as an int, ``n``
or ``n + 2`` values; float32 (oneDNN kernels) and float64.  TensorFlow's CPU kernels without
oneDNN -- float64 always, explicit padding always -- implement neither ``dilations > 1`` nor
channels-first layouts; the strategy draws those only where TensorFlow implements them, and two
strict xfails pin the limitation.

Keras (whatever backend it runs on; TensorFlow here): ``'valid'``/``'same'``, ``output_padding``
``None``, an int or per dimension, both data formats.  With the TensorFlow backend, ``'same'``
with ``output_padding=0`` and an even ``k_eff`` raises (docs/conventions.md, section
Deviations); those examples check that it still raises.  Empty outputs, which Keras returns and
this package refuses, are checked to be empty there and refused here.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.frameworks import assert_within_float32_rounding, float32_rounding_bound, float64
from transposed_conv.conventions import TF_DATA_FORMATS, keras_conv_transpose, tf_conv_transpose
from transposed_conv.strategies import ConvTransposeCase, conv_transpose_cases

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # the float32 kernels that implement dilation and NCHW
tf = pytest.importorskip("tensorflow", reason="tensorflow is not installed (pip install tensorflow-cpu)")

pytestmark = pytest.mark.tensorflow
DOCS = "docs/conventions.md, section Deviations"

cases = conv_transpose_cases(dtype="float32", values="uniform", max_groups=1, bias=False)


def effective(case: ConvTransposeCase) -> list[int]:
    return [(k - 1) * d + 1 for k, d in zip(case.kernel_shape, case.dilation)]


def tf_size_range(i: int, k_eff: int, s: int, padding: Any) -> tuple[int, int]:
    """Output sizes whose forward convolution gives ``i`` (TensorFlow's "Notes on padding")."""
    if padding == "SAME":
        return (i - 1) * s + 1, i * s
    if padding == "VALID":
        return (i - 1) * s + k_eff, (i - 1) * s + k_eff + s - 1
    before, after = padding
    return max((i - 1) * s + k_eff - before - after, 1), (i - 1) * s + k_eff - before - after + s - 1


def per_dimension_form(draw: st.DrawFn, values: tuple[int, ...], first: bool, name: str) -> Any:
    """An int (when all equal), ``n`` values, or ``n + 2`` with 1 for batch and channels."""
    forms = ["n", "n+2"] + (["int"] if len(set(values)) == 1 else [])
    form = draw(st.sampled_from(forms), label=f"{name} form")
    if form == "int":
        return values[0]
    if form == "n":
        return list(values)
    return [1, 1, *values] if first else [1, *values, 1]


@st.composite
def tf_arguments(draw: st.DrawFn, case: ConvTransposeCase) -> tuple[np.ndarray, np.ndarray, dict[str, Any], bool]:
    """``input``, ``filters``, the other arguments of ``tf.nn.conv_transpose``, and whether the size fits."""
    dtype = draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    eigen = dtype == np.float64  # TensorFlow's non-oneDNN CPU kernels: NHWC, dilation 1
    kinds: list[str] = ["SAME", "VALID"] + (["explicit"] if case.ndim == 2 else [])
    kind = draw(st.sampled_from(kinds), label="padding")
    eigen = eigen or kind == "explicit"
    first = False if eigen else draw(st.booleans(), label="channels first")
    dilation = (1,) * case.ndim if eigen else case.dilation
    pads: list[Any] = (
        [draw(st.tuples(st.integers(0, 3), st.integers(0, 3))) for _ in range(case.ndim)]
        if kind == "explicit"
        else [kind] * case.ndim
    )
    sizes, fits = [], True
    misfit = draw(st.integers(0, 7), label="misfit?") == 0 and draw(st.integers(0, case.ndim - 1), label="axis")
    for axis, (i, k, s, d, p) in enumerate(zip(case.input_shape, case.kernel_shape, case.stride, dilation, pads)):
        low, high = tf_size_range(i, (k - 1) * d + 1, s, p)
        if high < low or (misfit is not False and misfit == axis):
            size = draw(st.sampled_from(sorted({max(low - 1, 1), max(high + 1, 1)})), label="misfit size")
            fits = fits and low <= size <= high
        else:
            size = draw(st.integers(low, high), label="size")
        sizes.append(size)
    fmt = TF_DATA_FORMATS[case.ndim][int(first)]
    out_channels = case.weight.shape[1]
    output_shape = [case.batch, out_channels, *sizes] if first else [case.batch, *sizes, out_channels]
    x = case.x if first else np.moveaxis(case.x, 1, -1)
    filters = case.weight.transpose(*range(2, case.ndim + 2), 1, 0)  # (*k, C_out, C_in)
    padding: Any = kind
    if kind == "explicit":
        spatial = [list(pair) for pair in pads]
        padding = [[0, 0], [0, 0], *spatial] if first else [[0, 0], *spatial, [0, 0]]
    arguments = {
        "output_shape": output_shape,
        "strides": per_dimension_form(draw, case.stride, first, "strides"),
        "padding": padding,
        "data_format": None if fmt == TF_DATA_FORMATS[case.ndim][0] and draw(st.booleans()) else fmt,
        "dilations": None
        if set(dilation) == {1} and draw(st.booleans())
        else per_dimension_form(draw, dilation, first, "dilations"),
    }
    return x.astype(dtype), filters.astype(dtype), arguments, fits


@given(cases, st.data())
def test_tf_conv_transpose_matches_tensorflow(case: ConvTransposeCase, data: st.DataObject) -> None:
    """Every output size TensorFlow accepts gives its result; every size it rejects, ours rejects too."""
    x, filters, arguments, fits = data.draw(tf_arguments(case), label="input, filters, arguments")
    event(f"fits: {fits}")
    if not fits:
        with pytest.raises(ValueError, match=r"^output_shape must fit the input"):
            tf_conv_transpose(x, filters, **arguments)
        if case.batch > 0:  # with an empty batch TensorFlow computes nothing and checks nothing
            with pytest.raises(Exception):  # noqa: B017 -- InvalidArgumentError, or AbortedError from oneDNN
                tf.nn.conv_transpose(x, filters, **arguments)
        return
    actual = tf.nn.conv_transpose(x, filters, **arguments).numpy()

    def compute(x_: np.ndarray, w_: np.ndarray, b_: np.ndarray | None) -> np.ndarray:
        return tf_conv_transpose(x_, w_, **arguments)

    bound = float32_rounding_bound(compute, x, filters)
    expected = tf_conv_transpose(float64(x), float64(filters), **arguments)
    assert_within_float32_rounding(actual, expected, bound, f"input {x.shape}, filters {filters.shape}, {arguments}")


TF_CPU_LIMITS = [
    pytest.param(
        np.float64,
        {"output_shape": [1, 7, 1], "strides": 1, "padding": "VALID", "dilations": 2},
        id="float64-dilation",
    ),
    pytest.param(np.float64, {"output_shape": [1, 1, 6], "strides": 2, "data_format": "NCW"}, id="float64-NCW"),
]


@pytest.mark.xfail(
    strict=True, raises=tf.errors.OpError, reason="TensorFlow's CPU kernels outside oneDNN implement neither"
)
@pytest.mark.parametrize(("dtype", "arguments"), TF_CPU_LIMITS)
def test_tensorflow_cpu_float64_limits(dtype: type, arguments: dict[str, Any]) -> None:
    first = arguments.get("data_format") == "NCW"
    x = np.array([1.0, 2.0, 3.0], dtype).reshape((1, 1, 3) if first else (1, 3, 1))
    f = np.array([1.0, 10.0, 100.0], dtype).reshape(3, 1, 1)
    np.testing.assert_array_equal(tf.nn.conv_transpose(x, f, **arguments).numpy(), tf_conv_transpose(x, f, **arguments))


# ----------------------------------------------------------------------------------------------
# Keras
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras() -> Any:
    return pytest.importorskip("keras", reason="keras is not installed (pip install keras)")


def keras_size(i: int, k_eff: int, s: int, padding: str, a: int | None) -> int:
    if padding == "valid":
        return (i - 1) * s + k_eff + (max(k_eff, s) - k_eff if a is None else a)
    return i * s if a is None else (i - 1) * s + k_eff % 2 + a


def keras_tensorflow_backend_raises(case: ConvTransposeCase, padding: str, extra: tuple[int, ...] | None) -> bool:
    """``'same'``, ``output_padding`` given, 0 in a dimension whose ``k_eff`` is even: the size Keras asks
    ``tf.nn.conv_transpose`` for, ``(i - 1)*s``, is one TensorFlow's ``SAME`` rejects -- unless the batch is
    empty, when TensorFlow checks nothing."""
    even_kernel_no_padding = any(a == 0 and ke % 2 == 0 for a, ke in zip(extra or (), effective(case)))
    return case.batch > 0 and padding == "same" and extra is not None and even_kernel_no_padding


@pytest.mark.keras
@given(cases, st.data())
def test_keras_conv_transpose_matches_keras(keras: Any, case: ConvTransposeCase, data: st.DataObject) -> None:
    padding = data.draw(st.sampled_from(["valid", "same", "SAME"]), label="padding")
    extra: Any = data.draw(st.none() | st.tuples(*(st.integers(0, s - 1) for s in case.stride)), label="output_padding")
    if extra is not None and len(set(extra)) == 1 and data.draw(st.booleans(), label="as an int"):
        extra = extra[0]
    per_dim = None if extra is None else (extra,) * case.ndim if isinstance(extra, int) else tuple(extra)
    first = data.draw(st.booleans(), label="channels_first")
    data_format = "channels_first" if first else data.draw(st.sampled_from([None, "channels_last"]), label="fmt")
    x = case.x if first else np.moveaxis(case.x, 1, -1)
    kernel = case.weight.transpose(*range(2, case.ndim + 2), 1, 0)  # (*k, C_out, C_in)
    arguments = {
        "strides": case.stride,
        "padding": padding,
        "output_padding": extra,
        "data_format": data_format,
        "dilation_rate": case.dilation,
    }
    sizes = [
        keras_size(i, ke, s, padding.lower(), None if per_dim is None else per_dim[axis])
        for axis, (i, ke, s) in enumerate(zip(case.input_shape, effective(case), case.stride))
    ]
    if min(sizes) < 1:
        event("empty output: Keras returns it, we refuse it")
        assert keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, kernel, **arguments)).size == 0
        with pytest.raises(ValueError, match=r"^the output must have at least one element"):
            keras_conv_transpose(x, kernel, **arguments)
        return
    if keras.backend.backend() == "tensorflow" and keras_tensorflow_backend_raises(case, padding.lower(), per_dim):
        event("deviation: the TensorFlow backend raises")
        with pytest.raises(Exception):  # noqa: B017 -- InvalidArgumentError, or AbortedError from oneDNN
            keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, kernel, **arguments))
        keras_conv_transpose(x, kernel, **arguments)  # the documented rule allows it: we compute it
        return
    actual = keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, kernel, **arguments))

    def compute(x_: np.ndarray, w_: np.ndarray, b_: np.ndarray | None) -> np.ndarray:
        return keras_conv_transpose(x_, w_, **arguments)

    bound = float32_rounding_bound(compute, x, kernel)
    expected = keras_conv_transpose(float64(x), float64(kernel), **arguments)
    assert_within_float32_rounding(actual, expected, bound, f"inputs {x.shape}, kernel {kernel.shape}, {arguments}")


@pytest.mark.keras
def test_keras_same_even_kernel_output_padding_zero(keras: Any, request: pytest.FixtureRequest) -> None:
    """The reproducer in docs/conventions.md: kernel 2, stride 2, ``'same'``, ``output_padding=0``; the JAX and
    NumPy backends give our result, the TensorFlow backend raises (a strict xfail there)."""
    if keras.backend.backend() == "tensorflow":
        reason = f"Keras's TensorFlow backend rejects the size it computes ({DOCS})"
        request.applymarker(pytest.mark.xfail(strict=True, raises=tf.errors.OpError, reason=reason))
    x = np.array([1.0, 2.0, 3.0], np.float32).reshape(1, 3, 1)
    k = np.array([1.0, 10.0], np.float32).reshape(2, 1, 1)
    expected = keras_conv_transpose(x, k, 2, "same", 0)
    assert expected.ravel().tolist() == [10, 2, 20, 3]  # full [1, 10, 2, 20, 3, 30], 4 from index 1
    actual = keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, k, 2, "same", 0))
    np.testing.assert_array_equal(actual, expected)
