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
Deviations); those examples check that it still raises.  Empty outputs, which Keras returns, are
checked to be the empty arrays we return.

Empty outputs in TensorFlow: where a size of 0 fits the consistency rule (explicit padding that
covers the kernel), TensorFlow and we return an empty output; where it does not, its float64
kernels and we refuse it, and its float32 kernels return one anyway (a strict xfail).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.frameworks import assert_within_float32_rounding, float32_rounding_bound, float64
from transposed_conv.conventions import keras_conv_transpose, tf_conv_transpose
from transposed_conv.frameworks.tf import tf_size_range
from transposed_conv.shapes import effective_kernel_length
from transposed_conv.strategies import ConventionCase, keras_cases, tf_cases

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # the float32 kernels that implement dilation and NCHW
tf = pytest.importorskip("tensorflow", reason="tensorflow is not installed (pip install tensorflow-cpu)")

pytestmark = pytest.mark.tensorflow
DOCS = "docs/conventions.md, section Deviations"

# Every TensorFlow call (transposed_conv.strategies.tf_cases), where TensorFlow's CPU kernels implement it: float32
# with implicit padding runs on oneDNN (dilation, channels-first); float64, and explicit padding in any dtype, on
# kernels that implement neither (docs/conventions.md, TensorFlow limitation 4; the xfails below pin it).
tf_calls = st.one_of(
    tf_cases(dtype="float32", values="uniform", paddings=("SAME", "VALID")),
    tf_cases(
        dtype="float32",
        values="uniform",
        paddings=("explicit",),
        channels_first=False,
        max_dilation=1,
        min_ndim=2,
        max_ndim=2,
    ),
    tf_cases(dtype="float64", values="uniform", channels_first=False, max_dilation=1),
)


def effective(case: ConventionCase) -> list[int]:
    return [effective_kernel_length(k, d) for k, d in zip(case.kernel_shape, case.dilation)]


def tensorflow_accepts_a_misfit(case: ConventionCase, x: np.ndarray, padding: Any, axis: int, size: int) -> bool:
    """TensorFlow 2.21's float32 (oneDNN) kernels accept a ``'VALID'`` size ``k_eff - s < o < k_eff`` where the input
    has size 1 -- as if ``floor((o - k_eff) / s) + 1`` were computed rounding towards zero -- and return the first
    ``o`` elements of the full output; the specification (and TensorFlow's float64 kernels) reject it."""
    i, k_eff, s = case.input_shape[axis], effective(case)[axis], case.stride[axis]
    return x.dtype == np.float32 and padding == "VALID" and i == 1 and k_eff - s < size < k_eff


@given(tf_calls, st.data())
def test_tf_conv_transpose_matches_tensorflow(case: ConventionCase, data: st.DataObject) -> None:
    """Every output size TensorFlow accepts gives its result; every size it rejects (one in eight examples has one
    size just outside the range), ours rejects too -- but for the sizes :func:`tensorflow_accepts_a_misfit`
    describes, where TensorFlow returns the start of the full output."""
    x, filters = case.x, case.weight
    output_shape, strides = case.arguments
    arguments = {"output_shape": list(output_shape), "strides": strides, **case.kwargs}
    fits, accepted = True, False
    if data.draw(st.integers(0, 7), label="misfit?") == 0:
        axis = data.draw(st.integers(0, case.ndim - 1), label="axis")
        position = axis + (2 if (case.kwargs["data_format"] or "N?").startswith("NC") else 1)
        padding = case.kwargs["padding"]
        low, high = tf_size_range(
            case.input_shape[axis],
            case.kernel_shape[axis],
            case.stride[axis],
            case.dilation[axis],
            padding if isinstance(padding, str) else tuple(padding[position]),
        )
        size = data.draw(st.sampled_from(sorted({max(low - 1, 1), high + 1})), label="misfit size")
        arguments["output_shape"][position] = size
        fits = low <= size <= high
        accepted = tensorflow_accepts_a_misfit(case, x, padding, axis, size)
    event(f"fits: {fits}")
    if not fits:
        with pytest.raises(ValueError, match=r"^output_shape must fit the input"):
            tf_conv_transpose(x, filters, **arguments)
        if case.batch == 0:  # with an empty batch TensorFlow computes nothing and checks nothing
            return
        if not accepted:
            with pytest.raises(Exception):  # noqa: B017 -- InvalidArgumentError, or AbortedError from oneDNN
                tf.nn.conv_transpose(x, filters, **arguments)
            return
        event("deviation: TensorFlow accepts a 'VALID' size below the kernel")
        full = {**arguments, "output_shape": list(arguments["output_shape"])}
        full["output_shape"][position] = low  # k_eff: the full output, from which TensorFlow returns the start
        start = (slice(None),) * position + (slice(0, size),)
        actual = tf.nn.conv_transpose(x, filters, **arguments).numpy()

        def cropped(x_: np.ndarray, w_: np.ndarray, b_: np.ndarray | None) -> np.ndarray:
            return tf_conv_transpose(x_, w_, **full)[start]

        bound = float32_rounding_bound(cropped, x, filters)
        assert_within_float32_rounding(actual, cropped(float64(x), float64(filters), None), bound, f"{arguments}")
        return
    actual = tf.nn.conv_transpose(x, filters, **arguments).numpy()

    def compute(x_: np.ndarray, w_: np.ndarray, b_: np.ndarray | None) -> np.ndarray:
        return tf_conv_transpose(x_, w_, **arguments)

    bound = float32_rounding_bound(compute, x, filters)
    expected = tf_conv_transpose(float64(x), float64(filters), **arguments)
    assert_within_float32_rounding(actual, expected, bound, f"input {x.shape}, filters {filters.shape}, {arguments}")


@pytest.mark.xfail(strict=True, reason="TensorFlow's float32 kernels accept the size and return [1, 10]")
def test_tensorflow_float32_valid_rejects_an_output_smaller_than_the_kernel() -> None:
    """Input ``[1]``, filters ``[1, 10, 100]``, stride 2, ``'VALID'``: the forward convolution of a size-2 array gives
    ``floor((2 - 3) / 2) + 1 = 0`` elements, not 1, so ``output_shape=[1, 2, 1]`` does not fit.  TensorFlow's
    float64 kernels and ours reject it; its float32 (oneDNN) kernels return ``[1, 10]``."""
    x = np.array([1.0], np.float32).reshape(1, 1, 1)  # NWC
    f = np.array([1.0, 10.0, 100.0], np.float32).reshape(3, 1, 1)  # (width, out, in)
    with pytest.raises(ValueError, match=r"sizes range from \(3,\) to \(4,\)"):
        tf_conv_transpose(x, f, [1, 2, 1], 2, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="computed = 0"):
        tf.nn.conv_transpose(x.astype(np.float64), f.astype(np.float64), [1, 2, 1], 2, "VALID")
    with pytest.raises(tf.errors.OpError):
        tf.nn.conv_transpose(x, f, [1, 2, 1], 2, "VALID")


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


def keras_tensorflow_backend_raises(case: ConventionCase, padding: str, extra: tuple[int, ...] | None) -> bool:
    """``'same'``, ``output_padding`` given, 0 in a dimension whose ``k_eff`` is even: the size Keras asks
    ``tf.nn.conv_transpose`` for, ``(i - 1)*s``, is one TensorFlow's ``SAME`` rejects -- unless the batch is
    empty, or that size is 0 (one input element), when TensorFlow's float32 kernels check nothing."""
    even_kernel_no_padding = any(a == 0 and ke % 2 == 0 for a, ke in zip(extra or (), effective(case)))
    empty = any(a == 0 and ke % 2 == 0 and i == 1 for a, ke, i in zip(extra or (), effective(case), case.input_shape))
    return case.batch > 0 and padding == "same" and extra is not None and even_kernel_no_padding and not empty


@pytest.mark.keras
@given(keras_cases(dtype="float32", values="uniform"))
def test_keras_conv_transpose_matches_keras(keras: Any, case: ConventionCase) -> None:
    """Every ``keras.ops.conv_transpose`` call (``transposed_conv.strategies.keras_cases``): ``'valid'``/``'same'`` in
    any case, ``output_padding`` ``None``, an int or per dimension, both data formats."""
    x, kernel, arguments = case.x, case.weight, case.kwargs
    padding, extra = arguments["padding"], arguments["output_padding"]
    per_dim = None if extra is None else (extra,) * case.ndim if isinstance(extra, int) else tuple(extra)
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


EMPTY_OUTPUTS = [  # (i - 1)*s + k_eff % 2 + output_padding = 0: 'same', one input element, even k_eff, no padding
    pytest.param((1, 1, 1), (2, 1, 1), {"strides": 1}, id="1d"),
    pytest.param((1, 3, 1, 1), (1, 4, 1, 1), {"strides": (3, 2)}, id="2d"),  # the second dimension is empty
    pytest.param((1, 1, 3, 3), (2, 2, 4, 3), {"strides": (2, 1)}, id="2d-other-size-misfit"),  # TensorFlow: (3-1)*1
    pytest.param((1, 1, 1), (2, 1, 1), {"strides": 3, "dilation_rate": 3}, id="dilated"),
    pytest.param((2, 3, 1), (2, 4, 3), {"strides": 2, "data_format": "channels_first"}, id="channels_first"),
    pytest.param((0, 1, 3), (2, 4, 3), {"strides": 2}, id="empty-batch"),
]


@pytest.mark.keras
@pytest.mark.parametrize(("x_shape", "kernel_shape", "arguments"), EMPTY_OUTPUTS)
def test_keras_and_we_return_the_same_empty_output(
    keras: Any, x_shape: tuple[int, ...], kernel_shape: tuple[int, ...], arguments: dict[str, Any]
) -> None:
    """docs/input-rules.md, "Empty outputs": Keras's size is 0, and it returns an empty output of that shape (in
    float32 on every backend); so do we."""
    x, kernel = np.ones(x_shape, np.float32), np.ones(kernel_shape, np.float32)
    arguments = {**arguments, "padding": "same", "output_padding": 0}
    actual = keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, kernel, **arguments))
    ours = keras_conv_transpose(x, kernel, **arguments)
    assert actual.size == 0
    assert (ours.shape, ours.dtype) == (actual.shape, actual.dtype)


@pytest.mark.keras
def test_keras_tensorflow_backend_float64_empty_output(keras: Any, request: pytest.FixtureRequest) -> None:
    """docs/conventions.md, Keras 2: on the TensorFlow backend in float64, TensorFlow's consistency check rejects
    the size 0 Keras computes (a strict xfail there); the other backends return the empty output, as we do."""
    if keras.backend.backend() == "tensorflow":
        reason = f"Keras's TensorFlow backend rejects the size 0 in float64 ({DOCS})"
        request.applymarker(pytest.mark.xfail(strict=True, raises=tf.errors.OpError, reason=reason))
    x, kernel = np.ones((2, 1, 3)), np.ones((2, 4, 3))
    expected = keras_conv_transpose(x, kernel, 2, "same", 0)
    assert (expected.shape, expected.dtype) == ((2, 0, 4), np.float64)
    actual = keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, kernel, 2, "same", 0))
    assert actual.shape == expected.shape


# ----------------------------------------------------------------------------------------------
# TensorFlow: empty outputs
# ----------------------------------------------------------------------------------------------

TF_EMPTY = [  # NHWC input (N, 1, 3, 3), filters (1, 2, 4, 3): a height of 0 fits where the padding covers the kernel
    pytest.param([2, 0, 4, 4], [1, 1, 1, 1], [[0, 0], [1, 0], [0, 0], [0, 0]], 2, id="before"),
    pytest.param([2, 0, 4, 4], 1, [[0, 0], [0, 1], [0, 0], [0, 0]], 2, id="after"),
    pytest.param([2, 0, 6, 4], 2, [[0, 0], [1, 1], [0, 0], [0, 0]], 2, id="stride-2"),
    pytest.param([0, 0, 4, 4], 1, [[0, 0], [1, 0], [0, 0], [0, 0]], 0, id="empty-batch"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("output_shape", "strides", "padding", "batch"), TF_EMPTY)
def test_tensorflow_and_we_return_an_empty_output_where_a_size_of_0_fits(
    dtype: type, output_shape: list[int], strides: Any, padding: Any, batch: int
) -> None:
    """Explicit padding: ``floor((0 + before + after - k_eff)/s) + 1 = i`` -- an empty output fits TensorFlow's
    consistency rule, and both its kernels return it; so do we."""
    x, filters = np.ones((batch, 1, 3, 3), dtype), np.ones((1, 2, 4, 3), dtype)
    actual = tf.nn.conv2d_transpose(x, filters, output_shape, strides, padding).numpy()
    ours = tf_conv_transpose(x, filters, output_shape, strides, padding)
    assert (ours.shape, ours.dtype) == (actual.shape, actual.dtype) == (tuple(output_shape), np.dtype(dtype))


@pytest.mark.parametrize(
    ("output_shape", "padding"),
    [
        pytest.param([2, 0, 3, 4], "SAME", id="SAME"),
        pytest.param([2, 0, 4, 4], "VALID", id="VALID"),
        pytest.param([2, 0, 4, 4], [[0, 0], [2, 0], [0, 0], [0, 0]], id="explicit-too-large"),
        pytest.param([2, -1, 3, 4], "SAME", id="negative"),
    ],
)
def test_tensorflow_float64_and_we_refuse_a_size_of_0_that_does_not_fit(output_shape: list[int], padding: Any) -> None:
    """``'SAME'`` and ``'VALID'`` never fit 0 (``ceil(0/s)``, ``floor((0 - k_eff)/s) + 1`` are not 1), nor explicit
    padding beyond the kernel; a negative size fits nothing.  TensorFlow's float64 kernels raise, and so do we.
    (Its float32 kernels return an empty output for the first two -- the strict xfail below -- and abort the
    process, a failed CHECK, for a negative size: not run here.)"""
    x, filters = np.ones((2, 1, 3, 3)), np.ones((1, 2, 4, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"computed = |must be >= 0"):
        tf.nn.conv2d_transpose(x, filters, output_shape, 1, padding)
    with pytest.raises(ValueError, match=r"^output_shape must (fit the input|be >= 0)"):
        tf_conv_transpose(x, filters, output_shape, 1, padding)


@pytest.mark.xfail(strict=True, reason=f"TensorFlow's float32 kernels return an empty output ({DOCS})")
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_tensorflow_float32_refuses_an_empty_same_or_valid_output(padding: str) -> None:
    """docs/conventions.md, TensorFlow 6: input ``(1, 1, 1)`` (NWC), filters ``(1, 1, 1)``, ``output_shape=[1, 0,
    1]``, stride 1: the forward convolution of an empty array gives no element, not 1, so 0 does not fit; the
    float64 kernels and we refuse it, the float32 (oneDNN) kernels return an array of shape ``(1, 0, 1)``."""
    x, f = np.ones((1, 1, 1), np.float32), np.ones((1, 1, 1), np.float32)
    with pytest.raises(ValueError, match=r"^output_shape must fit the input"):
        tf_conv_transpose(x, f, [1, 0, 1], 1, padding)
    with pytest.raises(tf.errors.InvalidArgumentError, match="computed = 0"):
        tf.nn.conv_transpose(x.astype(np.float64), f.astype(np.float64), [1, 0, 1], 1, padding)
    with pytest.raises(tf.errors.OpError):
        tf.nn.conv_transpose(x, f, [1, 0, 1], 1, padding)


@pytest.mark.keras
@given(keras_cases(dtype="float32", values="uniform", paddings=("same", "SAME"), empty_outputs=True))
def test_keras_conv_transpose_matches_keras_where_the_output_may_be_empty(keras: Any, case: ConventionCase) -> None:
    """``'same'`` with ``output_padding`` drawn, empty outputs included (one input element, an even ``k_eff``,
    ``output_padding`` 0): the same (possibly empty) shape, dtype and values."""
    x, kernel, arguments = case.x, case.weight, case.kwargs
    extra = arguments["output_padding"]
    per_dim = None if extra is None else (extra,) * case.ndim if isinstance(extra, int) else tuple(extra)
    ours = keras_conv_transpose(x, kernel, **arguments)
    event(f"empty output: {ours.size == 0 and case.batch > 0}")
    if keras.backend.backend() == "tensorflow" and keras_tensorflow_backend_raises(case, "same", per_dim):
        return  # the deviation test_keras_conv_transpose_matches_keras checks
    actual = keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, kernel, **arguments))
    assert (ours.shape, ours.dtype) == (actual.shape, actual.dtype)

    def compute(x_: np.ndarray, w_: np.ndarray, b_: np.ndarray | None) -> np.ndarray:
        return keras_conv_transpose(x_, w_, **arguments)

    bound = float32_rounding_bound(compute, x, kernel)
    expected = keras_conv_transpose(float64(x), float64(kernel), **arguments)
    assert_within_float32_rounding(actual, expected, bound, f"inputs {x.shape}, kernel {kernel.shape}, {arguments}")
