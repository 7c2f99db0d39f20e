"""Time and memory are bounded by the sizes involved, never by the magnitude of stride, dilation or padding.

Degenerate calls -- stride ``2**31 - 1`` with a one-element output; dilation and padding
``2**14`` on a one-element input, in 1-D to 3-D; a huge padding balanced by a huge stride
or dilation, so that the output is tiny -- must return the right result (worked out by
hand below) with ``tracemalloc``'s peak under :data:`FEW_MIB`, through every method, the
forward ``conv``, both backward passes, the oracle and the four convention functions.
Before, they allocated the padded, stretched or uncropped grids (gigabytes, or a
``MemoryError``) or looped once per stride phase (``2**31 - 1`` times).

Then one test per method: a case that needs more than the memory limit either stays
under it, beside the output array itself, or is refused up front with a ``ValueError``.

No test here is timed: a hang shows up as a test that never finishes, so every case is tiny.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.sparse  # noqa: F401 -- imported here so that tracemalloc measures method='matrix', not its lazy import

from transposed_conv import METHODS, conv, conv_transpose, release_scratch
from transposed_conv._arguments import prepare_conv_transpose
from transposed_conv._memory import memory_limit
from transposed_conv._normalize import MAX_INT
from transposed_conv.conventions import (
    jax_conv_transpose,
    keras_conv_transpose,
    onnx_conv_transpose,
    tf_conv_transpose,
)
from transposed_conv.gradients import conv_backward, conv_transpose_backward
from transposed_conv.methods import polyphase
from transposed_conv.oracle import error_bound, reference

#: A peak far below what any of the grids the degenerate calls used to build would need.
FEW_MIB = 2 * 2**20
#: ``dilation = padding = 2**14`` with kernel 3: the centre tap alone lands on the one output.
H = 2**14
ALL_METHODS = ["auto", *METHODS]
#: winograd computes stride-1 3-tap kernels only: no degenerate stride or dilation reaches it, and a padding can
#: crop at most the input's own size there (its memory test is below, in its domain).
DEGENERATE_METHODS = [m for m in ALL_METHODS if m != "winograd"]


def traced(call: Callable[[], Any]) -> tuple[Any, int]:
    """``call()`` and the peak of memory traced by ``tracemalloc`` while it ran (NumPy reports its arrays), with no
    temporary buffer kept from an earlier call: every buffer the call uses is allocated, and counted."""
    release_scratch()
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def kernel(*shape: int) -> np.ndarray:
    """``1, 2, 3, ...`` in the given shape: every tap distinguishable."""
    return np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)


def centre(w: np.ndarray) -> np.ndarray:
    """``w[..., 1, 1, 1]``, keeping the channel axes: the centre tap of a kernel of size 3."""
    return w[(slice(None), slice(None), *(1,) * (w.ndim - 2))]


def dilated_centre_case(ndim: int) -> tuple[np.ndarray, np.ndarray, dict[str, Any], np.ndarray]:
    """A 1-element input, kernel 3, dilation = padding = 2**14: ``o = j*2**14 - 2**14`` is 0 only for ``j = 1``."""
    x = np.full((1, 1, *(1,) * ndim), 3.0)
    w = kernel(1, 1, *(3,) * ndim)
    expected = (3.0 * centre(w)).reshape(1, 1, *(1,) * ndim)
    return x, w, {"dilation": H, "padding": H}, expected


def transpose_cases() -> list[Any]:
    x2 = kernel(1, 1, 3, 3)
    w2 = kernel(1, 1, 3, 3) + 10
    return [
        pytest.param(
            np.full((1, 1, 1), 3.0), np.full((1, 1, 1), 2.0), {"stride": MAX_INT}, np.full((1, 1, 1), 6.0), id="stride"
        ),
        *(pytest.param(*dilated_centre_case(ndim), id=f"dilation-padding-{ndim}d") for ndim in (1, 2, 3)),
        # o = i*(2**31 - 1) + j - (2**31 - 1): only the centre input reaches the 3x3 output, at o = j.
        pytest.param(
            x2,
            w2,
            {"stride": MAX_INT, "padding": [(MAX_INT, MAX_INT)] * 2},
            x2[:, :, 1, 1] * w2,
            id="padding-vs-stride",
        ),
        # o = i + j*(2**31 - 1) - (2**31 - 1): only tap 1 reaches the output, from every input.
        pytest.param(
            np.array([[[1.0, 2.0]]]),
            np.array([[[5.0, 7.0]]]),
            {"dilation": MAX_INT, "padding": [(MAX_INT, 0)]},
            np.array([[[7.0, 14.0]]]),
            id="padding-vs-dilation",
        ),
        # Groups: channel c of group g scatters into output channels 2g and 2g + 1 only.
        pytest.param(
            np.array([[[2.0], [3.0]]]),
            np.array([[[5.0], [7.0]], [[11.0], [13.0]]]),
            {"stride": MAX_INT, "groups": 2},
            np.array([[[10.0], [14.0], [33.0], [39.0]]]),
            id="stride-groups",
        ),
    ]


@pytest.mark.parametrize("method", DEGENERATE_METHODS)
@pytest.mark.parametrize(("x", "w", "kwargs", "expected"), transpose_cases())
def test_degenerate_conv_transpose_costs_only_its_sizes(
    method: str, x: np.ndarray, w: np.ndarray, kwargs: dict[str, Any], expected: np.ndarray
) -> None:
    """Every method returns the hand-computed result of a degenerate call, in a few MiB at most."""
    y, peak = traced(lambda: conv_transpose(x, w, **kwargs, method=method))
    np.testing.assert_array_equal(y, expected)
    assert peak < FEW_MIB, f"{method} traced {peak} bytes"


@pytest.mark.parametrize(("x", "w", "kwargs", "expected"), transpose_cases()[:4])
def test_degenerate_conv_transpose_of_integers_is_exact_and_cheap(
    x: np.ndarray, w: np.ndarray, kwargs: dict[str, Any], expected: np.ndarray
) -> None:
    """The exact integer path runs the same algorithms: the same bounds hold."""
    y, peak = traced(lambda: conv_transpose(x.astype(np.int64), w.astype(np.int64), **kwargs))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, expected.astype(np.int64))
    assert peak < FEW_MIB


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_degenerate_conv_reads_the_padding_as_zeros_without_building_it(ndim: int) -> None:
    """``conv`` with dilation = padding = 2**14: the centre tap reads the input, the others read padding.

    The padding still enters the products: with an infinite weight on a padded tap the result
    is NaN (``0 * inf``), exactly as with padding 1 and dilation 1, as PyTorch's conv gives.
    """
    x = np.full((1, 1, *(1,) * ndim), 3.0)
    w = kernel(1, 1, *(3,) * ndim)
    y, peak = traced(lambda: conv(x, w, dilation=H, padding=H))
    np.testing.assert_array_equal(y, 3.0 * centre(w).reshape(y.shape))
    assert peak < FEW_MIB
    w_inf = w.copy()
    w_inf[(0, 0, *(0,) * ndim)] = np.inf
    huge, peak = traced(lambda: conv(x, w_inf, dilation=H, padding=H))
    small = conv(x, w_inf, padding=1)
    assert np.isnan(small).all()
    np.testing.assert_array_equal(huge, small)
    assert peak < FEW_MIB


def test_degenerate_conv_with_padding_balanced_by_stride() -> None:
    """Padding 2**30 on both sides, stride 2**30: outputs at ``-2**30, 0, 2**30`` -- only the middle one is inside."""
    y, peak = traced(lambda: conv(np.full((1, 1, 1), 3.0), np.full((1, 1, 1), 2.0), stride=2**30, padding=2**30))
    assert y.tolist() == [[[0.0, 6.0, 0.0]]]
    assert peak < FEW_MIB


@pytest.mark.parametrize("method", DEGENERATE_METHODS)
def test_degenerate_conv_backward_costs_only_its_sizes(method: str) -> None:
    """``conv_backward`` with dilation = padding = 2**14 (3-D): the gradient reaches the centre tap only."""
    x = np.full((1, 1, 1, 1, 1), 3.0)
    w = kernel(1, 1, 3, 3, 3)
    dy = np.full((1, 1, 1, 1, 1), 5.0)
    grads, peak = traced(lambda: conv_backward(dy, x, w, dilation=H, padding=H, method=method))
    expected_w = np.zeros_like(w)
    expected_w[0, 0, 1, 1, 1] = 15.0  # dy * x; the other taps multiply padding
    np.testing.assert_array_equal(grads.grad_input, 5.0 * centre(w).reshape(x.shape))
    np.testing.assert_array_equal(grads.grad_weight, expected_w)
    np.testing.assert_array_equal(grads.grad_bias, [5.0])
    assert peak < FEW_MIB


@pytest.mark.parametrize(("x", "w", "kwargs", "expected"), transpose_cases())
def test_degenerate_conv_transpose_backward_costs_only_its_sizes(
    x: np.ndarray, w: np.ndarray, kwargs: dict[str, Any], expected: np.ndarray
) -> None:
    """``conv_transpose_backward`` on the degenerate cases equals its small-geometry counterpart.

    The output is linear in ``x`` and in ``w``; the gradients are checked against their
    definition through ``conv_transpose`` itself on unit inputs: ``<dy, T(e_i, w)>`` and
    ``<dy, T(x, e_j)>``, each a degenerate call too.
    """
    dy = np.arange(1.0, 1.0 + expected.size).reshape(expected.shape)
    grads, peak = traced(lambda: conv_transpose_backward(dy, x, w, **kwargs))
    assert peak < FEW_MIB
    for gradient, argument, other, first in ((grads.grad_input, x, w, True), (grads.grad_weight, w, x, False)):
        for index in np.ndindex(*argument.shape):
            unit = np.zeros_like(argument)
            unit[index] = 1.0
            y = conv_transpose(unit, other, **kwargs) if first else conv_transpose(other, unit, **kwargs)
            assert gradient[index] == np.sum(dy * y), index
    np.testing.assert_array_equal(grads.grad_bias, dy.sum(axis=(0, *range(2, dy.ndim))))


@pytest.mark.parametrize(("x", "w", "kwargs", "expected"), transpose_cases())
def test_degenerate_oracle_costs_only_its_sizes(
    x: np.ndarray, w: np.ndarray, kwargs: dict[str, Any], expected: np.ndarray
) -> None:
    """``reference`` gives the exact result; ``error_bound`` covers one product per output element."""
    (exact, bound), peak = traced(lambda: (reference(x, w, **kwargs), error_bound(x, w, precision="float32", **kwargs)))
    np.testing.assert_array_equal(exact, expected)
    assert bound.shape == expected.shape and np.all(bound >= 0) and np.all(bound < 1e-5 * np.abs(expected) + 1e-30)
    assert peak < FEW_MIB


def convention_cases() -> list[Any]:
    one, two = np.full((1, 1, 1), 3.0), np.full((1, 1, 1), 2.0)  # (N, W, C) or (W, O, I) alike with one channel
    x3, w3 = np.full((1, 1, 1, 1, 1), 3.0), kernel(3, 3, 3, 1, 1)  # channels last, kernel (*k, ., .)
    expected3 = np.full((1, 1, 1, 1, 1), 3.0 * w3[1, 1, 1, 0, 0])
    w3_first = np.moveaxis(w3, (3, 4), (0, 1))  # ONNX: (C, M, *k)
    return [
        pytest.param(lambda: onnx_conv_transpose(one, two, strides=[MAX_INT]), 6.0, id="onnx-stride"),
        pytest.param(
            lambda: onnx_conv_transpose(np.moveaxis(x3, 4, 1), w3_first, dilations=[H] * 3, pads=[H] * 6),
            expected3,
            id="onnx-dilation-pads-3d",
        ),
        pytest.param(  # o = i*(2**31 - 1) - (2**31 - 1): the second input lands on the one output
            lambda: onnx_conv_transpose(np.array([[[1.0, 3.0]]]), two, strides=[MAX_INT], pads=[MAX_INT, 0]),
            6.0,
            id="onnx-pads-vs-stride",
        ),
        pytest.param(lambda: jax_conv_transpose(one, two, (MAX_INT,), [(0, 0)]), 6.0, id="jax-stride"),
        pytest.param(
            lambda: jax_conv_transpose(x3, w3, (1, 1, 1), [(H, H)] * 3, rhs_dilation=(H,) * 3),
            expected3,
            id="jax-dilation-padding-3d",
        ),
        pytest.param(lambda: tf_conv_transpose(one, two, [1, 1, 1], MAX_INT, "VALID"), 6.0, id="tf-stride"),
        pytest.param(
            lambda: tf_conv_transpose(x3, w3, [1, 1, 1, 1, 1], 1, "SAME", dilations=H),
            expected3,
            id="tf-dilation-same-3d",
        ),
        pytest.param(
            lambda: keras_conv_transpose(one, two, strides=MAX_INT, padding="valid", output_padding=0),
            6.0,
            id="keras-stride",
        ),
        pytest.param(
            lambda: keras_conv_transpose(x3, w3, padding="same", dilation_rate=H), expected3, id="keras-dilation-3d"
        ),
    ]


@pytest.mark.parametrize(("call", "expected"), convention_cases())
def test_degenerate_convention_calls_cost_only_their_sizes(call: Callable[[], np.ndarray], expected: Any) -> None:
    """Each framework's convention, with a degenerate stride, dilation or padding and a tiny output."""
    y, peak = traced(call)
    np.testing.assert_array_equal(y, np.broadcast_to(expected, y.shape))
    assert y.size == 1
    assert peak < FEW_MIB


@pytest.mark.parametrize("method", ALL_METHODS)
def test_an_output_numpy_cannot_describe_is_refused_up_front(method: str) -> None:
    """Stride ``2**31 - 1`` on three elements per dimension, in 3-D: ``2**94`` outputs -- a ValueError naming
    the array and the parameters, before anything is allocated (not NumPy's own error)."""
    x, w = np.ones((1, 1, 3, 3, 3)), np.ones((1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"^the output would have \d+ elements, .* stride, padding or dilation$"):
        traced(lambda: conv_transpose(x, w, stride=MAX_INT, method=method))


def test_polyphase_plans_only_the_phases_that_taps_reach() -> None:
    """The plan lists at most one phase per kernel tap, whatever the stride (there are ``stride`` phases in all)."""
    for kwargs in ({"stride": MAX_INT}, {"stride": 2**30, "padding": [(2**30, 2**30)]}, {"stride": 7, "dilation": 3}):
        _, geometry = prepare_conv_transpose(
            np.ones((1, 1, 3)),
            np.ones((1, 1, 4)),
            None,
            output_size=None,
            output_padding=0,
            groups=1,
            **{"padding": 0, "dilation": 1, **kwargs},
        )
        plan = polyphase.Plan(geometry)
        assert 1 <= len(plan.phases[0]) <= 4 and sum(len(p.taps) for p in plan.phases[0]) <= 4, kwargs
        assert plan.grid[0] < geometry.input_shape[0] + 2 * geometry.output_shape[0], kwargs


# --- the memory limit ------------------------------------------------------------------------

#: The limit the tests below set: one batch element's temporaries fit, the whole batch's do not.
LIMIT = 256 * 2**10
#: Beside the chunked buffers: Python objects, the reshaped weights and other small fixed arrays.
SLACK = 64 * 2**10


def batch_case() -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """8 batch elements, 16 -> 8 channels, 12x12 -> 24x24: about 1.3 MiB of ``im2col`` columns for the batch."""
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (8, 16, 12, 12)).astype(np.float64)
    w = rng.integers(-3, 4, (16, 8, 4, 4)).astype(np.float64)
    return x, w, {"stride": 2, "padding": 1}


@pytest.mark.parametrize(
    "method", ["auto", "im2col", "polyphase", "zero_insertion", "fft", pytest.param("winograd", id="winograd-3x3")]
)
def test_chunked_methods_stay_under_the_memory_limit_beside_the_output(method: str) -> None:
    """With a limit that holds one batch element's temporaries, the peak beyond the output stays under it."""
    x, w, kwargs = batch_case()
    if method == "winograd":  # its domain: the same arrays with a 3x3 kernel, stride 1
        w, kwargs = w[:, :, :3, :3], {"padding": 1}
    # fft: one batch element's spectra (16 input channels, two complex stages of a 26x26 grid) take about 350 KiB
    limit = 2 * LIMIT if method == "fft" else LIMIT
    expected = conv_transpose(x, w, **kwargs, method="im2col")  # integers: exact in any order
    with memory_limit(limit):
        y, peak = traced(lambda: conv_transpose(x, w, **kwargs, method=method))
    if method == "fft":  # the FFT rounds: within its error model (test_algorithm_bounds), here far below 1/2
        np.testing.assert_array_equal(np.rint(y), expected)
    else:
        np.testing.assert_array_equal(y, expected)
    assert peak - y.nbytes <= limit + SLACK, f"{method}: {peak - y.nbytes} bytes beside the output"


def test_direct_needs_only_its_output_whatever_the_padding() -> None:
    """``direct`` writes only inside the cropped output: no uncropped grid (here 606x606x3 values, 8.8 MB)."""
    x = np.arange(72.0).reshape(1, 2, 6, 6)
    w = kernel(2, 3, 3, 3)
    kwargs = {"dilation": 300, "padding": 300}
    with memory_limit(LIMIT):
        y, peak = traced(lambda: conv_transpose(x, w, **kwargs, method="direct"))
    np.testing.assert_array_equal(y, conv_transpose(x, w, **kwargs, method="im2col"))
    assert peak - y.nbytes <= LIMIT + SLACK


@pytest.mark.parametrize("batch", [1, 3])
def test_matrix_refuses_up_front_or_stays_under_its_estimate(batch: int) -> None:
    """``matrix`` refuses, before allocating, when its estimate exceeds the limit; with the limit at the estimate
    it runs, and the memory it takes beside the output stays within that estimate."""
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, (batch, 4, 16, 16)).astype(np.float64)
    w = rng.integers(-3, 4, (4, 4, 3, 3)).astype(np.float64)
    kwargs = {"stride": 2, "padding": 1}
    with memory_limit(1), pytest.raises(ValueError, match=r"^method='matrix' builds") as refused:
        traced(lambda: conv_transpose(x, w, **kwargs, method="matrix"))
    estimate = int(re.search(r"about (\d+) bytes", str(refused.value)).group(1))  # type: ignore[union-attr]
    with memory_limit(estimate - 1), pytest.raises(ValueError, match=f"about {estimate} bytes"):
        conv_transpose(x, w, **kwargs, method="matrix")
    with memory_limit(estimate):
        y, peak = traced(lambda: conv_transpose(x, w, **kwargs, method="matrix"))
    np.testing.assert_array_equal(y, conv_transpose(x, w, **kwargs, method="im2col"))
    assert peak - y.nbytes <= estimate


def test_matrix_refusal_allocates_nothing() -> None:
    """The refusal comes before any array is built: a few KiB traced, for a matrix that would need 300 MB."""
    x, w = np.ones((1, 16, 32, 32)), np.ones((16, 32, 4, 4))
    with pytest.raises(ValueError, match=r"^method='matrix' builds .* above the memory limit") as refused:
        traced(lambda: conv_transpose(x, w, stride=2, padding=1, method="matrix"))
    assert "use method='auto'" in str(refused.value)
    release_scratch()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError):
            conv_transpose(x, w, stride=2, padding=1, method="matrix")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < SLACK
