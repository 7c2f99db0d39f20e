"""Each framework's convention equals our core on the mapped arguments (NumPy only; always runs).

The claims, one per test:

* ONNX ``pads`` are PyTorch's ``padding`` split into begins and ends; ``output_shape`` and
  ``auto_pad`` pick a window of the full output as the ONNX specification's equations say
  (transcribed here independently of ``transposed_conv.conventions``), zero-extended when the
  requested output is larger than the full one;
* JAX's ``(lo, hi)`` padding of the zero-inserted input is PyTorch's ``padding =
  dilation*(k - 1) - (lo, hi)`` with the kernel flipped and its channel axes swapped, in any
  dimension numbers; ``'SAME'`` and ``'VALID'`` are TensorFlow's sizes;
* TensorFlow's and Keras's transposed convolution is the adjoint of the forward convolution of
  an ``output_shape`` array with TensorFlow's padding;
* bad arguments raise ``ValueError``/``TypeError`` naming the parameter; inputs are never
  modified; dtypes follow the core's rules.

Integer-valued inputs make every comparison exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from transposed_conv import conv, conv_transpose
from transposed_conv.conventions import (
    jax_conv_transpose,
    jax_padding,
    keras_conv_transpose,
    onnx_conv_transpose,
    onnx_pads,
    tf_conv_transpose,
)
from transposed_conv.strategies import ConvTransposeCase, conv_transpose_cases

AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
SPATIAL_LETTERS = "HWD"

# ----------------------------------------------------------------------------------------------
# Helpers: the full output, windows of it, layouts
# ----------------------------------------------------------------------------------------------


def full_output(case: ConvTransposeCase) -> np.ndarray:
    """The transposed convolution with nothing cropped and no bias: ``(N, C_out, *F)``."""
    return conv_transpose(case.x, case.weight, stride=case.stride, dilation=case.dilation, groups=case.groups)


def window_of(full: np.ndarray, window: list[tuple[int, int]], bias: np.ndarray | None = None) -> np.ndarray:
    """``full[..., start:stop]`` per spatial dimension, reading zeros outside it, plus ``bias``."""
    extend = [(max(-start, 0), max(stop - size, 0)) for (start, stop), size in zip(window, full.shape[2:])]
    padded = np.pad(full, [(0, 0), (0, 0), *extend])
    index = tuple(slice(start + before, stop + before) for (start, stop), (before, _) in zip(window, extend))
    y = padded[(slice(None), slice(None), *index)]
    if bias is not None:
        y = y + bias.reshape((-1,) + (1,) * len(window))
    return y


def effective_kernel(case: ConvTransposeCase) -> list[int]:
    return [(k - 1) * d + 1 for k, d in zip(case.kernel_shape, case.dilation)]


def full_sizes(case: ConvTransposeCase) -> list[int]:
    return [(i - 1) * s + ke for i, s, ke in zip(case.input_shape, case.stride, effective_kernel(case))]


def channels_last(a: np.ndarray) -> np.ndarray:
    return np.moveaxis(a, 1, -1)


def kernel_out_in(weight: np.ndarray) -> np.ndarray:
    """PyTorch's ``(C_in, C_out, *k)`` as TensorFlow's and Keras's ``(*k, C_out, C_in)``."""
    ndim = weight.ndim - 2
    return weight.transpose(*range(2, ndim + 2), 1, 0)


def cases(**options: Any) -> st.SearchStrategy[ConvTransposeCase]:
    """Integer-valued cases, int64 unless told: every comparison below is exact."""
    return conv_transpose_cases(**{"dtype": "int64", **options})


def single_group_cases(**options: Any) -> st.SearchStrategy[ConvTransposeCase]:
    """For JAX, TensorFlow and Keras: no groups, no bias."""
    return cases(max_groups=1, bias=False, **options)


# ----------------------------------------------------------------------------------------------
# ONNX
# ----------------------------------------------------------------------------------------------


def onnx_flat_pads(case: ConvTransposeCase) -> list[int]:
    return [begin for begin, _ in case.padding] + [end for _, end in case.padding]


def spec_pads(
    i: int, k: int, s: int, d: int, a: int, auto_pad: str, output_shape: int | None, pads: tuple[int, int]
) -> tuple[int, int]:
    """The ONNX ConvTranspose specification's equations for one dimension, transcribed; ``/`` rounds down."""
    if output_shape is None and auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        output_shape = i * s
    if output_shape is None:
        return pads if auto_pad == "NOTSET" else (0, 0)
    total_padding = s * (i - 1) + a + ((k - 1) * d + 1) - output_shape
    if auto_pad == "SAME_UPPER":
        return total_padding // 2, total_padding - total_padding // 2
    return total_padding - total_padding // 2, total_padding // 2


@given(cases())
def test_onnx_pads_are_pytorch_padding_begins_then_ends(case: ConvTransposeCase) -> None:
    """``pads = [x1_begin, ..., x1_end, ...]`` is PyTorch's ``padding`` of ``(begin, end)`` pairs."""
    expected = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
    actual = onnx_conv_transpose(
        case.x,
        case.weight,
        case.bias,
        pads=onnx_flat_pads(case),
        strides=case.stride,
        dilations=case.dilation,
        output_padding=case.output_padding,
        group=case.groups,
        kernel_shape=case.kernel_shape,
    )
    np.testing.assert_array_equal(actual, expected)


@given(cases(), st.data())
def test_onnx_output_shape_and_auto_pad_follow_the_specification(case: ConvTransposeCase, data: st.DataObject) -> None:
    """``output_shape``/``auto_pad`` choose the window the specification's ``total_padding`` split gives.

    Requested sizes range past the full output, where the specification's pads turn negative and
    the output is zero-extended (plus bias); where the pads are ``>= 0`` the result is also
    PyTorch's with ``padding`` set to them.
    """
    auto_pad = data.draw(st.sampled_from(AUTO_PADS), label="auto_pad")
    full = full_sizes(case)
    wanted = None
    if data.draw(st.booleans(), label="give output_shape"):
        wanted = [
            data.draw(st.integers(1, f + a + s + 1), label=f"output_shape[{axis}]")
            for axis, (f, a, s) in enumerate(zip(full, case.output_padding, case.stride))
        ]
    given_pads = onnx_flat_pads(case) if auto_pad == "NOTSET" else None
    actual = onnx_conv_transpose(
        case.x,
        case.weight,
        case.bias,
        auto_pad=auto_pad,
        pads=given_pads,
        output_shape=wanted,
        strides=case.stride,
        dilations=case.dilation,
        output_padding=case.output_padding,
        group=case.groups,
    )
    pads = [
        spec_pads(i, k, s, d, a, auto_pad, None if wanted is None else wanted[axis], case.padding[axis])
        for axis, (i, k, s, d, a) in enumerate(
            zip(case.input_shape, case.kernel_shape, case.stride, case.dilation, case.output_padding)
        )
    ]
    window = [(begin, f + a - end) for (begin, end), f, a in zip(pads, full, case.output_padding)]
    np.testing.assert_array_equal(actual, window_of(full_output(case), window, case.bias))
    if wanted is not None:
        assert actual.shape[2:] == tuple(wanted)
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        assert actual.shape[2:] == tuple(i * s for i, s in zip(case.input_shape, case.stride))
    if all(begin >= 0 and end >= 0 for begin, end in pads):
        pytorch = conv_transpose(case.x, case.weight, case.bias, **{**case.kwargs, "padding": pads})
        np.testing.assert_array_equal(actual, pytorch)


@pytest.mark.parametrize(
    ("input_shape", "kernel_shape", "arguments", "expected"),
    [
        # total 3, odd: SAME_UPPER crops the extra element at the end, SAME_LOWER at the beginning
        ([3], [4], {"auto_pad": "SAME_UPPER"}, ((1, 2),)),
        ([3], [4], {"auto_pad": "SAME_LOWER"}, ((2, 1),)),
        # output_shape with NOTSET or VALID: the "otherwise" branch, like SAME_LOWER
        ([3], [4], {"output_shape": [3]}, ((2, 1),)),
        ([3], [4], {"auto_pad": "VALID", "output_shape": [3]}, ((2, 1),)),
        ([3], [4], {"auto_pad": "SAME_UPPER", "output_shape": [3]}, ((1, 2),)),
        # output_shape takes precedence over pads
        ([3], [4], {"output_shape": [4], "pads": [(0, 0)]}, ((1, 1),)),
        # stride 2, kernel 3: full 7, SAME wants 6
        ([3], [3], {"strides": [2], "auto_pad": "SAME_UPPER"}, ((0, 1),)),
        ([3], [3], {"strides": [2], "auto_pad": "SAME_LOWER"}, ((1, 0),)),
        # output_padding enters the total (8 - 6 = 2) but not the size
        ([3], [3], {"strides": [2], "output_padding": [1], "auto_pad": "SAME_UPPER"}, ((1, 1),)),
        ([3], [3], {"strides": [2], "output_padding": [1], "output_shape": [5]}, ((2, 1),)),
        # dilation 2: kernel 3 spans 5; full 2 - 1 + 5 = 6, SAME wants 2: total 4
        ([2], [3], {"dilations": [2], "auto_pad": "SAME_UPPER"}, ((2, 2),)),
        # requested output larger than the full one: negative pads, halves rounded down
        ([3], [1], {"strides": [3], "auto_pad": "SAME_UPPER"}, ((-1, -1),)),
        ([3], [1], {"strides": [3], "output_shape": [10], "auto_pad": "SAME_UPPER"}, ((-2, -1),)),
        ([3], [1], {"strides": [3], "output_shape": [10]}, ((-1, -2),)),
        ([3], [2], {"strides": [2], "output_shape": [7]}, ((0, -1),)),
        ([3], [2], {"strides": [2], "output_shape": [7], "auto_pad": "SAME_UPPER"}, ((-1, 0),)),
        # VALID and NOTSET without pads crop nothing
        ([3], [4], {"auto_pad": "VALID"}, ((0, 0),)),
        ([3], [4], {}, ((0, 0),)),
        # 2-D: one value per dimension
        ([3, 4], [4, 2], {"strides": [1, 2], "auto_pad": "SAME_LOWER"}, ((2, 1), (0, 0))),
        ([3, 4], [4, 2], {"pads": [(1, 3), (2, 4)]}, ((1, 3), (2, 4))),
    ],
    ids=lambda value: str(value) if not isinstance(value, dict) else ",".join(f"{k}={v}" for k, v in value.items()),
)
def test_onnx_pads_arithmetic_hand_computed(
    input_shape: list[int], kernel_shape: list[int], arguments: dict[str, Any], expected: tuple[tuple[int, int], ...]
) -> None:
    """``total_padding = s*(i - 1) + a + d*(k - 1) + 1 - output_shape``, split as the spec says, by hand."""
    ndim = len(input_shape)
    options: dict[str, Any] = {"strides": [1] * ndim, "dilations": [1] * ndim, "output_padding": [0] * ndim}
    options.update(arguments)
    assert onnx_pads(input_shape, kernel_shape, **options) == expected


def test_onnx_pads_attribute_lists_all_begins_then_all_ends() -> None:
    """``pads=[1, 2, 3, 4]`` in 2-D crops 1 and 3 from the rows, 2 and 4 from the columns."""
    x = np.arange(12).reshape(1, 1, 3, 4)
    w = np.arange(1, 13).reshape(1, 1, 3, 4)
    expected = conv_transpose(x, w, padding=[(1, 3), (2, 4)])
    np.testing.assert_array_equal(onnx_conv_transpose(x, w, pads=[1, 2, 3, 4]), expected)


def test_onnx_outputs_larger_than_the_full_output_hold_the_bias() -> None:
    """``SAME_UPPER`` with kernel 1 and stride 3 extends both ends (one extra element each) with the bias."""
    y = onnx_conv_transpose([[[1, 2, 3]]], [[[2]]], [5], strides=[3], auto_pad="SAME_UPPER")
    assert y.tolist() == [[[5, 7, 5, 5, 9, 5, 5, 11, 5]]]
    z = onnx_conv_transpose([[[1, 2, 3]]], [[[2]]], [5], strides=[3], output_shape=[10])  # NOTSET: 2 at the end
    assert z.tolist() == [[[5, 7, 5, 5, 9, 5, 5, 11, 5, 5]]]


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------


@st.composite
def jax_dimension_numbers(draw: st.DrawFn, ndim: int) -> tuple[str, str, str]:
    """Any three layouts: the letters ``N``/``C``, ``O``/``I`` and ``ndim`` spatial letters, permuted."""
    spatial = SPATIAL_LETTERS[:ndim]
    return (
        "".join(draw(st.permutations("NC" + spatial))),
        "".join(draw(st.permutations("OI" + spatial))),
        "".join(draw(st.permutations("NC" + spatial))),
    )


def to_layout(canonical: np.ndarray, spec: str, order: str) -> np.ndarray:
    """An array in ``(first, second, *spatial in order)`` axis order, laid out as ``spec``."""
    axes = [spec.index(letter) for letter in (spec_pair(spec) + order)]
    return canonical.transpose(np.argsort(axes))


def spec_pair(spec: str) -> str:
    return "NC" if "N" in spec else "OI"


def from_layout(array: np.ndarray, spec: str, order: str) -> np.ndarray:
    return array.transpose([spec.index(letter) for letter in (spec_pair(spec) + order)])


@given(single_group_cases(), st.data())
def test_jax_padding_is_pytorch_padding_on_the_flipped_kernel(case: ConvTransposeCase, data: st.DataObject) -> None:
    """``(lo, hi) = dilation*(k - 1) - (p_begin, p_end - output_padding)``, kernel flipped and ``I``/``O`` swapped.

    In any dimension numbers; with ``transpose_kernel=True`` the kernel is PyTorch's as it is, its
    ``O`` axis the input channels.
    """
    dims = data.draw(jax_dimension_numbers(case.ndim), label="dimension_numbers")
    transpose_kernel = data.draw(st.booleans(), label="transpose_kernel")
    order = "".join(c for c in dims[1] if c in SPATIAL_LETTERS)  # spatial axes follow the kernel's spec
    canonical_order = SPATIAL_LETTERS[: case.ndim]
    # our arrays' spatial axes are canonical_order; reorder them to the kernel spec's order
    perm = [canonical_order.index(c) for c in order]
    x = case.x.transpose(0, 1, *(2 + p for p in perm))
    w = case.weight.transpose(0, 1, *(2 + p for p in perm))
    stride = [case.stride[p] for p in perm]
    dilation = [case.dilation[p] for p in perm]
    pads = [case.padding[p] for p in perm]
    extra = [case.output_padding[p] for p in perm]
    if transpose_kernel:
        kernel = w  # (O = C_in, I = C_out, *k)
    else:
        kernel = np.flip(w, axis=tuple(range(2, case.ndim + 2))).swapaxes(0, 1)  # (O = C_out, I = C_in, *k)
    padding = [
        ((k - 1) * d - begin, (k - 1) * d - end + a)
        for k, d, (begin, end), a in zip(w.shape[2:], dilation, pads, extra)
    ]
    actual = jax_conv_transpose(
        to_layout(x, dims[0], order),
        to_layout(kernel, dims[1], order),
        stride,
        padding,
        dilation,
        dims,
        transpose_kernel,
    )
    expected = conv_transpose(x, w, stride=stride, padding=pads, output_padding=extra, dilation=dilation)
    np.testing.assert_array_equal(from_layout(actual, dims[2], order), expected)


@given(single_group_cases(), st.booleans())
def test_jax_consistent_padding_is_the_forward_convolutions_padding(case: ConvTransposeCase, flip: bool) -> None:
    """``use_consistent_padding=True`` reads pads as PyTorch's ``padding`` (``output_padding`` lowers the end)."""
    kernel = case.weight if flip else np.flip(case.weight, axis=tuple(range(2, case.ndim + 2))).swapaxes(0, 1)
    dims = (
        "NC" + SPATIAL_LETTERS[: case.ndim],
        "OI" + SPATIAL_LETTERS[: case.ndim],
        "NC" + SPATIAL_LETTERS[: case.ndim],
    )
    padding = [(begin, end - a) for (begin, end), a in zip(case.padding, case.output_padding)]
    actual = jax_conv_transpose(
        case.x, kernel, case.stride, padding, case.dilation, dims, flip, use_consistent_padding=True
    )
    np.testing.assert_array_equal(actual, conv_transpose(case.x, case.weight, **case.kwargs))


@given(single_group_cases(), st.sampled_from(["SAME", "VALID"]))
def test_jax_same_and_valid_are_tensorflows_sizes_and_windows(case: ConvTransposeCase, padding: str) -> None:
    """``'SAME'``: size ``i*s``, starting ``max(F - i*s, 0) // 2`` into the full output (odd element cropped at
    the end); ``'VALID'``: size ``(i - 1)*s + max(k_eff, s)``, starting at 0, zeros past the full output."""
    dims = (
        "NC" + SPATIAL_LETTERS[: case.ndim],
        "IO" + SPATIAL_LETTERS[: case.ndim],
        "NC" + SPATIAL_LETTERS[: case.ndim],
    )
    kernel = np.flip(case.weight, axis=tuple(range(2, case.ndim + 2)))  # (I = C_in, O = C_out, *k), flipped
    actual = jax_conv_transpose(case.x, kernel, case.stride, padding, case.dilation, dims)
    window = []
    for i, s, ke, f in zip(case.input_shape, case.stride, effective_kernel(case), full_sizes(case)):
        if padding == "SAME":
            window.append((max(f - i * s, 0) // 2, max(f - i * s, 0) // 2 + i * s))
        else:
            window.append((0, (i - 1) * s + max(ke, s)))
    np.testing.assert_array_equal(actual, window_of(full_output(case), window))


@pytest.mark.parametrize(
    ("padding", "effective", "strides", "expected"),
    [
        ("SAME", [3], [2], ((2, 1),)),  # 3 + 2 - 2 = 3, ceil(3 / 2) = 2 first
        ("SAME", [4], [1], ((2, 1),)),
        ("SAME", [1], [3], ((0, 2),)),  # kernel smaller than the stride: lo = k - 1 = 0
        ("SAME", [2], [3], ((1, 2),)),
        ("VALID", [3], [2], ((2, 2),)),
        ("VALID", [1], [3], ((0, 2),)),  # max(k - s, 0) = 0, so hi = k + s - 2 - lo = 2
        ("VALID", [5], [2], ((4, 4),)),  # 5 + 2 - 2 + max(5 - 2, 0) = 8, lo = k - 1 = 4
    ],
)
def test_jax_string_padding_hand_computed(
    padding: str, effective: list[int], strides: list[int], expected: tuple[tuple[int, int], ...]
) -> None:
    """JAX's ``_conv_transpose_padding``, by hand: SAME totals ``k + s - 2``, VALID adds ``max(k - s, 0)``."""
    assert jax_padding(padding, effective, strides) == expected


@pytest.mark.parametrize(
    ("shape", "dimension_numbers"),
    [
        ((1, 4, 2), ("NHC", "HIO", "NHC")),
        ((1, 4, 3, 2), ("NHWC", "HWIO", "NHWC")),
        ((1, 3, 2, 2, 2), ("NHWDC", "HWDIO", "NHWDC")),
    ],
)
def test_jax_default_dimension_numbers_are_channels_last(
    shape: tuple[int, ...], dimension_numbers: tuple[str, str, str]
) -> None:
    """``dimension_numbers=None`` means TensorFlow's layouts, as ``jax.lax.conv_transpose`` sets them by rank."""
    rng = np.random.default_rng(0)
    x = rng.integers(-4, 5, size=shape)
    k = rng.integers(-4, 5, size=(2,) * (len(shape) - 2) + (2, 3))
    np.testing.assert_array_equal(
        jax_conv_transpose(x, k, (2,) * (len(shape) - 2), "SAME"),
        jax_conv_transpose(x, k, (2,) * (len(shape) - 2), "SAME", dimension_numbers=dimension_numbers),
    )


def test_jax_dimension_numbers_as_axis_numbers_equal_the_letters() -> None:
    """A ``ConvDimensionNumbers``-like triple of axis permutations means the same as the letters."""
    rng = np.random.default_rng(1)
    x = rng.integers(-4, 5, size=(2, 3, 4, 2))  # NWHC: N=2, W=3, H=4, C=2
    k = rng.integers(-4, 5, size=(3, 2, 2, 4))  # WIHO: W=3, I=2, H=2, O=4
    letters = ("NWHC", "WIHO", "CHNW")
    # (N, C, spatial in the kernel's order W, H), (O, I, W, H), (N, C, W, H), as axis numbers:
    numbers = ((0, 3, 1, 2), (3, 1, 0, 2), (2, 0, 3, 1))
    np.testing.assert_array_equal(
        jax_conv_transpose(x, k, (1, 2), [(1, 0), (0, 2)], (1, 1), letters),
        jax_conv_transpose(x, k, (1, 2), [(1, 0), (0, 2)], (1, 1), numbers),
    )


def test_jax_negative_padding_crops_and_large_padding_adds_zeros() -> None:
    """JAX's pads act on the zero-inserted input ``[1, 0, 2, 0, 3]``, not on the output."""
    x = np.array([1, 2, 3]).reshape(1, 3, 1)
    k = np.array([1, 10, 100]).reshape(3, 1, 1)
    assert jax_conv_transpose(x, k, (2,), [(-1, 0)]).ravel().tolist() == [20, 302]
    assert jax_conv_transpose(x, k, (2,), [(3, 0)]).ravel().tolist() == [0, 100, 10, 201, 20, 302]
    assert jax_conv_transpose(x, k, (2,), [(-7, 7)]).ravel().tolist() == [0, 0, 0]  # past the end: zeros
    assert jax_conv_transpose(x, k, (2,), [(7, -7)]).ravel().tolist() == [0, 0, 0]  # before the start


# ----------------------------------------------------------------------------------------------
# TensorFlow and Keras: the adjoint of the forward convolution
# ----------------------------------------------------------------------------------------------


def tf_forward_padding(o: int, i: int, k_eff: int, s: int, padding: Any) -> tuple[int, int]:
    """TensorFlow's forward-convolution padding of an ``o``-sized input ("Notes on padding")."""
    if padding == "SAME":
        total = max((i - 1) * s + k_eff - o, 0)
        return total // 2, total - total // 2
    if padding == "VALID":
        return 0, 0
    return padding


def assert_adjoint(
    transposed: np.ndarray, x: np.ndarray, weight: np.ndarray, stride: Any, pads: Any, dilation: Any
) -> None:
    """``<conv(u), x> == <u, transposed>`` for random ``u``: ``transposed`` is ``conv``'s adjoint applied to ``x``."""
    rng = np.random.default_rng(0)
    u = rng.integers(-4, 5, size=transposed.shape)
    forward = conv(u, weight, stride=stride, padding=pads, dilation=dilation)  # weight (C_in, C_out, *k) maps u back
    assert forward.shape == x.shape
    assert int(np.sum(forward * x)) == int(np.sum(u * transposed))


@given(single_group_cases(), st.data())
def test_tf_conv_transpose_is_the_adjoint_of_tf_conv(case: ConvTransposeCase, data: st.DataObject) -> None:
    """For every ``output_shape`` TensorFlow accepts, the result is the gradient (adjoint) of the forward
    convolution of an ``output_shape`` array, padded as TensorFlow pads it -- with ``'SAME'``, ``'VALID'``,
    or (2-D) explicit pairs; channels last or first."""
    choices: list[Any] = ["SAME", "VALID"]
    if case.ndim == 2:
        choices.append("explicit")
    padding = data.draw(st.sampled_from(choices), label="padding")
    explicit = [data.draw(st.tuples(st.integers(0, 3), st.integers(0, 3))) for _ in range(case.ndim)]
    sizes = []
    for axis, (i, s, ke) in enumerate(zip(case.input_shape, case.stride, effective_kernel(case))):
        if padding == "SAME":
            low, high = (i - 1) * s + 1, i * s
        elif padding == "VALID":
            low, high = (i - 1) * s + ke, (i - 1) * s + ke + s - 1
        else:
            low = max((i - 1) * s + ke - sum(explicit[axis]), 1)
            high = (i - 1) * s + ke - sum(explicit[axis]) + s - 1
        if high < low:
            assume(False)  # these explicit pads leave no valid size: covered by the bad-argument tests
        sizes.append(data.draw(st.integers(low, high), label=f"output size {axis}"))
    first = data.draw(st.booleans(), label="channels first")
    fmt = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}[case.ndim][int(first)]
    out_channels = case.weight.shape[1]
    shape = [case.batch, out_channels, *sizes] if first else [case.batch, *sizes, out_channels]
    tf_padding: Any = padding
    if padding == "explicit":
        tf_padding = [[0, 0], [0, 0], *map(list, explicit)] if first else [[0, 0], *map(list, explicit), [0, 0]]
    x = case.x if first else channels_last(case.x)
    y = tf_conv_transpose(x, kernel_out_in(case.weight), shape, list(case.stride), tf_padding, fmt, list(case.dilation))
    assert list(y.shape) == shape
    y = y if first else np.moveaxis(y, -1, 1)
    pads = [
        tf_forward_padding(o, i, ke, s, tuple(explicit[axis]) if padding == "explicit" else padding)
        for axis, (o, i, ke, s) in enumerate(zip(sizes, case.input_shape, effective_kernel(case), case.stride))
    ]
    assert_adjoint(y, case.x, case.weight, case.stride, pads, case.dilation)


@given(single_group_cases(min_ndim=2, max_ndim=2))
def test_tf_explicit_padding_is_pytorch_padding(case: ConvTransposeCase) -> None:
    """2-D explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]`` with the output size PyTorch gives is
    PyTorch's ``padding`` (output_padding below the stride)."""
    assume(all(a < s for a, s in zip(case.output_padding, case.stride)))
    shape = [case.batch, *case.output_shape, case.weight.shape[1]]
    padding = [[0, 0], *map(list, case.padding), [0, 0]]
    y = tf_conv_transpose(
        channels_last(case.x), kernel_out_in(case.weight), shape, list(case.stride), padding, None, list(case.dilation)
    )
    np.testing.assert_array_equal(np.moveaxis(y, -1, 1), conv_transpose(case.x, case.weight, **case.kwargs))


def keras_size(i: int, k_eff: int, s: int, padding: str, a: int | None) -> int:
    """``keras.src.backend.common.backend_utils`` output size, transcribed."""
    if padding == "valid":
        return (i - 1) * s + k_eff + (max(k_eff, s) - k_eff if a is None else a)
    return i * s if a is None else (i - 1) * s + k_eff % 2 + a


@given(single_group_cases(), st.sampled_from(["valid", "same"]), st.data())
def test_keras_conv_transpose_has_keras_size_and_is_the_adjoint_of_tf_conv(
    case: ConvTransposeCase, padding: str, data: st.DataObject
) -> None:
    """Keras sizes the output from ``padding`` and ``output_padding`` and computes TensorFlow's
    ``conv_transpose`` for it: the adjoint of the forward convolution with TensorFlow's padding."""
    extra = data.draw(st.none() | st.tuples(*(st.integers(0, s - 1) for s in case.stride)), label="output_padding")
    sizes = [
        keras_size(i, ke, s, padding, None if extra is None else extra[axis])
        for axis, (i, ke, s) in enumerate(zip(case.input_shape, effective_kernel(case), case.stride))
    ]
    if min(sizes) < 1:  # 'same', one input element, even k_eff, output_padding 0: Keras's empty output
        kernel = kernel_out_in(case.weight)
        y = keras_conv_transpose(channels_last(case.x), kernel, case.stride, padding, extra, None, case.dilation)
        assert y.shape == (case.batch, *sizes, kernel.shape[-2]) and y.dtype == np.int64
        return
    first = data.draw(st.booleans(), label="channels_first")
    x = case.x if first else channels_last(case.x)
    fmt = "channels_first" if first else "channels_last"
    y = keras_conv_transpose(x, kernel_out_in(case.weight), case.stride, padding, extra, fmt, case.dilation)
    y = y if first else np.moveaxis(y, -1, 1)
    assert list(y.shape[2:]) == sizes
    pads = [
        tf_forward_padding(o, i, ke, s, padding.upper())
        for o, i, ke, s in zip(sizes, case.input_shape, effective_kernel(case), case.stride)
    ]
    assert_adjoint(y, case.x, case.weight, case.stride, pads, case.dilation)
    if padding == "valid":  # no cropping: PyTorch's output_padding
        a = [max(ke, s) - ke for ke, s in zip(effective_kernel(case), case.stride)] if extra is None else extra
        np.testing.assert_array_equal(
            y, conv_transpose(case.x, case.weight, stride=case.stride, dilation=case.dilation, output_padding=a)
        )


def test_tf_output_shape_must_fit_the_input() -> None:
    """TensorFlow's consistency rule, with the valid range in the message."""
    x = np.ones((1, 3, 1))
    f = np.ones((3, 1, 1))
    for size in (5, 6):
        assert tf_conv_transpose(x, f, [1, size, 1], 2).shape == (1, size, 1)
    for size in (4, 7):
        with pytest.raises(ValueError, match=r"^output_shape must fit the input: .* from \(5,\) to \(6,\); got "):
            tf_conv_transpose(x, f, [1, size, 1], 2)
    for size in (7, 8):
        assert tf_conv_transpose(x, f, [1, size, 1], 2, "VALID").shape == (1, size, 1)
    with pytest.raises(ValueError, match=r"from \(7,\) to \(8,\)"):
        tf_conv_transpose(x, f, [1, 9, 1], 2, "VALID")


def test_keras_same_with_output_padding_hand_computed() -> None:
    """Full ``[1, 10, 102, 20, 203, 30, 300]``; ``'same'`` with ``output_padding=1`` keeps ``2*2 + 1 + 1 = 6``."""
    x = np.array([1, 2, 3]).reshape(1, 3, 1)
    k = np.array([1, 10, 100]).reshape(3, 1, 1)
    y = keras_conv_transpose(x, k, 2, "same", 1)
    assert y.ravel().tolist() == [1, 10, 102, 20, 203, 30]
    assert keras_conv_transpose(x, k, 2, "SAME").shape == (1, 6, 1)  # Keras lower-cases padding


# ----------------------------------------------------------------------------------------------
# Bad arguments, one table; dtypes; inputs never modified
# ----------------------------------------------------------------------------------------------

X1 = np.ones((1, 2, 4))  # (N, C, W)
W1 = np.ones((2, 3, 3))  # ONNX (C, M/group, k)
X1_LAST = np.ones((1, 4, 2))  # (N, W, C)
K1_LAST = np.ones((3, 3, 2))  # (k, out, in); JAX HIO: I=3 would not match, so JAX uses K1_HIO
K1_HIO = np.ones((3, 2, 3))  # JAX default 'HIO': I = 2 input features, O = 3


def onnx(**kw: Any) -> Callable[[], Any]:
    arguments = {"X": X1, "W": W1, **kw}
    return lambda: onnx_conv_transpose(**arguments)


def jax(**kw: Any) -> Callable[[], Any]:
    arguments = {"lhs": X1_LAST, "rhs": K1_HIO, "strides": (2,), "padding": "SAME", **kw}
    return lambda: jax_conv_transpose(**arguments)


def tf(**kw: Any) -> Callable[[], Any]:
    arguments = {"input": X1_LAST, "filters": K1_LAST, "output_shape": [1, 8, 3], "strides": 2, **kw}
    return lambda: tf_conv_transpose(**arguments)


def keras(**kw: Any) -> Callable[[], Any]:
    arguments = {"inputs": X1_LAST, "kernel": K1_LAST, "strides": 2, **kw}
    return lambda: keras_conv_transpose(**arguments)


BAD_CALLS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    # ONNX
    ("onnx-auto_pad-unknown", onnx(auto_pad="SAME"), ValueError, r"^auto_pad must be one of \['NOTSET', "),
    ("onnx-auto_pad-not-str", onnx(auto_pad=None), TypeError, r"^auto_pad must be a str"),
    ("onnx-strides-zero", onnx(strides=[0]), ValueError, r"^strides must be >= 1"),
    ("onnx-dilations-count", onnx(dilations=[1, 1]), ValueError, r"^dilations must be an int or a sequence of 1 int"),
    (
        "onnx-output_padding-too-large",
        onnx(strides=[2], dilations=[3], output_padding=[3]),
        ValueError,
        r"^output_padding must be smaller than strides or dilations in every dimension",
    ),
    ("onnx-output_padding-negative", onnx(output_padding=[-1]), ValueError, r"^output_padding must be >= 0"),
    ("onnx-pads-count", onnx(pads=[1]), ValueError, r"^pads must have 2 entries per spatial dimension \(2\)"),
    ("onnx-pads-negative", onnx(pads=[0, -1]), ValueError, r"^pads must be >= 0"),
    ("onnx-pads-float", onnx(pads=[0, 1.0]), TypeError, r"^pads must contain only ints"),
    ("onnx-pads-int", onnx(pads=1), TypeError, r"^pads must be a sequence of 2 ints"),
    (
        "onnx-pads-with-auto_pad",
        onnx(pads=[1, 1], auto_pad="SAME_UPPER"),
        ValueError,
        r"^pads cannot be used together with auto_pad='SAME_UPPER'",
    ),
    ("onnx-pads-crop-more-than-everything", onnx(pads=[4, 4]), ValueError, r"^pads must crop at most the whole"),
    ("onnx-output_shape-negative", onnx(output_shape=[-1]), ValueError, r"^output_shape must be >= 0"),
    ("onnx-group-zero", onnx(group=0), ValueError, r"^group must be >= 1"),
    ("onnx-group-float", onnx(group=1.0), TypeError, r"^group must be an int"),
    (
        "onnx-group-divides-C",
        onnx(X=np.ones((1, 3, 4)), W=np.ones((3, 1, 3)), group=2),
        ValueError,
        r"^group must divide",
    ),
    ("onnx-W-channels", onnx(W=np.ones((3, 3, 3))), ValueError, r"^W must have shape \(C, M/group, \*kernel_shape\)"),
    ("onnx-W-rank", onnx(W=np.ones((2, 3))), ValueError, r"^W must have shape .* with at least one spatial dimension"),
    ("onnx-X-rank", onnx(X=np.ones((2, 4))), ValueError, r"^X must have shape \(N, C, \*spatial\)"),
    ("onnx-X-bool", onnx(X=np.ones((1, 2, 4), dtype=bool)), TypeError, r"^X must be an array of real numbers"),
    ("onnx-B-shape", onnx(B=np.ones(2)), ValueError, r"^B must have shape \(M,\) = \(3,\)"),
    ("onnx-kernel_shape", onnx(kernel_shape=[2]), ValueError, r"^kernel_shape must equal W.shape\[2:\] = \(3,\)"),
    ("onnx-output_shape-with-N-C", onnx(output_shape=[1, 3, 6]), ValueError, r"^output_shape must list the 1 spatial"),
    # JAX
    ("jax-padding-lowercase", jax(padding="same"), ValueError, r"^padding must be one of \['SAME', 'VALID'\]"),
    ("jax-padding-count", jax(padding=[(0, 0), (0, 0)]), ValueError, r"^padding must have 1 \(low, high\) pairs"),
    ("jax-padding-float", jax(padding=[(0, 0.5)]), TypeError, r"^padding must contain only ints"),
    ("jax-padding-int", jax(padding=1), TypeError, r"^padding must be a sequence of 1 \(low, high\) pairs"),
    ("jax-strides-zero", jax(strides=(0,)), ValueError, r"^strides must be >= 1"),
    ("jax-rhs_dilation-zero", jax(rhs_dilation=(0,)), ValueError, r"^rhs_dilation must be >= 1"),
    ("jax-rank-mismatch", jax(rhs=np.ones((3, 3))), ValueError, r"^lhs and rhs must have the same rank"),
    (
        "jax-features",
        jax(rhs=np.ones((3, 3, 3))),
        ValueError,
        r"^rhs's 'I' dimension must equal lhs's feature dimension 'C' \(without transpose_kernel\)",
    ),
    (
        "jax-features-transposed",
        jax(transpose_kernel=True),
        ValueError,
        r"^rhs's 'O' dimension must equal lhs's feature dimension 'C' \(with transpose_kernel\)",
    ),
    ("jax-transpose_kernel-int", jax(transpose_kernel=1), TypeError, r"^transpose_kernel must be a bool"),
    (
        "jax-dimension_numbers-letters",
        jax(dimension_numbers=("NHC", "HIX", "NHC")),
        ValueError,
        r"^dimension_numbers\[1\] must contain 'O' and 'I' exactly once",
    ),
    (
        "jax-dimension_numbers-length",
        jax(dimension_numbers=("NHWC", "HWIO", "NHWC")),
        ValueError,
        r"^dimension_numbers\[0\] must have one letter per axis \(3 for arrays of rank 3\)",
    ),
    (
        "jax-dimension_numbers-spatial",
        jax(dimension_numbers=("NHC", "WIO", "NHC")),
        ValueError,
        r"^dimension_numbers must name the same spatial letters",
    ),
    ("jax-dimension_numbers-str", jax(dimension_numbers="NHC"), TypeError, r"^dimension_numbers must be None, three"),
    (
        "jax-dimension_numbers-not-permutation",
        jax(dimension_numbers=((0, 2, 1), (0, 1, 1), (0, 2, 1))),
        ValueError,
        r"^dimension_numbers\[1\] must be a permutation of the axes 0..2",
    ),
    (
        "jax-no-default-beyond-3d",
        jax(lhs=np.ones((1,) * 6 + (2,)), rhs=np.ones((1,) * 5 + (2, 3)), strides=(1,) * 5),
        ValueError,
        r"^dimension_numbers must be given for more than 3 spatial dimensions",
    ),
    ("jax-padding-removes-everything", jax(padding=[(-4, -4)]), ValueError, r"^padding must remove at most the w"),
    # TensorFlow
    ("tf-output_shape-length", tf(output_shape=[8, 3]), ValueError, r"^output_shape must have 3, 4 or 5 entries"),
    ("tf-output_shape-int", tf(output_shape=8), TypeError, r"^output_shape must be a sequence of ints"),
    ("tf-output_shape-misfit", tf(output_shape=[1, 9, 3]), ValueError, r"^output_shape must fit the input: "),
    ("tf-output_shape-batch", tf(output_shape=[2, 8, 3]), ValueError, r"^output_shape must have the input's batch"),
    ("tf-output_shape-channels", tf(output_shape=[1, 8, 4]), ValueError, r"^output_shape must have .* C_out 3"),
    ("tf-output_shape-negative", tf(output_shape=[1, -1, 3]), ValueError, r"^output_shape must be >= 0"),
    ("tf-data_format", tf(data_format="NHWC"), ValueError, r"^data_format must be one of \['NWC', 'NCW'\]"),
    ("tf-padding-lowercase", tf(padding="same"), ValueError, r"^padding must be one of \['SAME', 'VALID'\]"),
    (
        "tf-padding-explicit-1d",
        tf(padding=[[0, 0], [1, 1], [0, 0]]),
        ValueError,
        r"^padding must be 'SAME' or 'VALID'; TensorFlow takes explicit padding pairs in 2-D only",
    ),
    (
        "tf-padding-explicit-batch",
        tf(
            input=np.ones((1, 4, 4, 2)),
            filters=np.ones((3, 3, 3, 2)),
            output_shape=[1, 8, 8, 3],
            padding=[[1, 0], [0, 0], [0, 0], [0, 0]],
        ),
        ValueError,
        r"^padding must be \[0, 0\] for the batch and channel dimensions",
    ),
    (
        "tf-padding-explicit-negative",
        tf(
            input=np.ones((1, 4, 4, 2)),
            filters=np.ones((3, 3, 3, 2)),
            output_shape=[1, 8, 8, 3],
            padding=[[0, 0], [0, -1], [0, 0], [0, 0]],
        ),
        ValueError,
        r"^padding must be >= 0 on every side",
    ),
    ("tf-strides-count", tf(strides=[2, 2]), ValueError, r"^strides must have 1 or 3 entries"),
    ("tf-strides-batch", tf(strides=[2, 2, 1]), ValueError, r"^strides must be 1 in the batch and channel dimensions"),
    ("tf-strides-float", tf(strides=2.0), TypeError, r"^strides must be an int or a sequence"),
    ("tf-dilations-zero", tf(dilations=0), ValueError, r"^dilations must be >= 1"),
    (
        "tf-filters-channels",
        tf(filters=np.ones((3, 3, 3))),
        ValueError,
        r"^filters must have shape \(\*kernel, C_out, C_in\) with C_in",
    ),
    (
        "tf-input-rank",
        tf(input=np.ones((4, 2))),
        ValueError,
        r"^input must have shape \(N, \*spatial, C\) with 1 spatial",
    ),
    # Keras
    ("keras-padding", keras(padding="full"), ValueError, r"^padding must be one of \['valid', 'same'\]"),
    ("keras-padding-not-str", keras(padding=0), TypeError, r"^padding must be a str"),
    ("keras-data_format", keras(data_format="NWC"), ValueError, r"^data_format must be one of \['channels_last', "),
    ("keras-output_padding", keras(output_padding=2), ValueError, r"^output_padding must be smaller than strides"),
    ("keras-strides-zero", keras(strides=0), ValueError, r"^strides must be >= 1"),
    ("keras-dilation_rate-count", keras(dilation_rate=(1, 1)), ValueError, r"^dilation_rate must be an int or a seq"),
    ("keras-kernel-channels", keras(kernel=np.ones((3, 3, 3))), ValueError, r"^kernel must have shape .* with C_in"),
    (
        "keras-4d",
        keras(inputs=np.ones((1, 2, 2, 2, 2, 2)), kernel=np.ones((1, 1, 1, 1, 3, 2))),
        ValueError,
        r"^keras.ops.conv_transpose supports 1 to 3 spatial dimensions",
    ),
]


@pytest.mark.parametrize(("call", "error", "match"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_argument_raises_an_error_naming_it(call: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def read_only(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


@given(cases(dtype="float32"))
def test_inputs_are_never_modified(case: ConvTransposeCase) -> None:
    """Read-only inputs go through every convention (including the zero-extending path) untouched."""
    x, w = read_only(case.x), read_only(case.weight)
    b = None if case.bias is None else read_only(case.bias)
    before = [x.copy(), w.copy()] + ([] if b is None else [b.copy()])
    full = [f + a + 2 for f, a in zip(full_sizes(case), case.output_padding)]
    onnx_conv_transpose(x, w, b, strides=case.stride, dilations=case.dilation, group=case.groups, output_shape=full)
    if case.groups == 1:
        wl = read_only(kernel_out_in(case.weight))
        xl = read_only(channels_last(case.x))
        beyond = [(ke + 1, ke + 1) for ke in effective_kernel(case)]  # past the full output: zero-extends
        jax_conv_transpose(xl, read_only(np.moveaxis(wl, -1, -2)), case.stride, beyond, case.dilation)
        keras_conv_transpose(xl, wl, case.stride, "same", None, None, case.dilation)
        shape = [case.batch, *(i * s for i, s in zip(case.input_shape, case.stride)), wl.shape[-2]]
        tf_conv_transpose(xl, wl, shape, list(case.stride), "SAME", None, list(case.dilation))
    after = [x, w] + ([] if b is None else [b])
    for old, new in zip(before, after):
        np.testing.assert_array_equal(old, new)


DTYPE_CASES = [
    (np.int8, np.int16, np.int64),
    (np.int64, np.int64, np.int64),
    (np.float32, np.float32, np.float32),
    (np.float16, np.float16, np.float16),
    (np.float64, np.float32, np.float64),
    (np.int32, np.float32, np.float64),
]


@pytest.mark.parametrize(("x_dtype", "w_dtype", "expected"), DTYPE_CASES)
def test_dtypes_follow_the_core(x_dtype: type, w_dtype: type, expected: type) -> None:
    """Integer inputs give exact int64, floats keep NumPy's promoted dtype -- also in the zero-extended part."""
    x = np.arange(1, 7).reshape(1, 2, 3).astype(x_dtype)
    w = np.arange(1, 7).reshape(2, 3, 1).astype(w_dtype)  # ONNX (C, M, k)
    b = np.array([1, 2, 3]).astype(w_dtype)
    exact = onnx_conv_transpose(
        x.astype(np.int64), w.astype(np.int64), b.astype(np.int64), strides=[3], auto_pad="SAME_UPPER"
    )
    y = onnx_conv_transpose(x, w, b, strides=[3], auto_pad="SAME_UPPER")  # extends both ends with the bias
    assert y.dtype == expected
    np.testing.assert_array_equal(y, exact.astype(expected))
    xl, kl = np.moveaxis(x, 1, -1), kernel_out_in(w)
    for result in (
        jax_conv_transpose(xl, np.moveaxis(kl, -1, -2), (3,), [(0, 4)]),
        tf_conv_transpose(xl, kl, [1, 9, 3], 3),
        keras_conv_transpose(xl, kl, 3, "same"),
    ):
        assert result.dtype == expected


# ----------------------------------------------------------------------------------------------
# Empty outputs: each convention does what its framework does (docs/input-rules.md, "Empty outputs")
# ----------------------------------------------------------------------------------------------


def test_the_core_refuses_an_empty_output_as_pytorch_does() -> None:
    """PyTorch raises "Output size is too small" for a size of 0; so does ``conv_transpose``."""
    with pytest.raises(ValueError, match=r"^the output size must be at least 1 in every dimension"):
        conv_transpose(np.ones((1, 1, 1)), np.ones((1, 1, 2)), padding=1)  # 1 + 2 - 1 - 2*1 = 0


F32, F64 = np.float32, np.float64

ONNX_EMPTY = [  # (X shape and dtype, W shape, B, attributes, the expected shape and dtype)
    pytest.param((2, 3, 1), F32, (3, 4, 2), None, {"pads": [1, 1]}, (2, 4, 0), F32, id="pads-crop-everything"),
    pytest.param((2, 3, 1), F32, (3, 4, 2), F64, {"pads": [1, 1]}, (2, 4, 0), F64, id="bias-promotes"),
    pytest.param((2, 3, 1), np.int8, (3, 4, 2), None, {"pads": [0, 2]}, (2, 4, 0), np.int64, id="integers-int64"),
    pytest.param((2, 3, 1), np.float16, (3, 4, 2), None, {"pads": [2, 0]}, (2, 4, 0), np.float16, id="float16"),
    pytest.param((2, 3, 1), F32, (3, 4, 2), None, {"output_shape": [0]}, (2, 4, 0), F32, id="output_shape-0"),
    pytest.param(
        (2, 3, 1), F32, (3, 4, 2), None, {"output_shape": [0], "auto_pad": "SAME_UPPER"}, (2, 4, 0), F32, id="same"
    ),
    pytest.param((1, 4, 1), F64, (4, 2, 2), None, {"pads": [1, 1], "group": 2}, (1, 4, 0), F64, id="groups"),
    pytest.param((0, 3, 1), F32, (3, 4, 2), None, {"pads": [1, 1]}, (0, 4, 0), F32, id="empty-batch"),
    pytest.param((1, 3, 1, 2), F32, (3, 4, 2, 2), None, {"pads": [1, 0, 1, 0]}, (1, 4, 0, 3), F32, id="2d"),
    pytest.param(
        (1, 3, 2),
        F32,
        (3, 4, 1),
        None,
        {"strides": [2], "output_padding": [1], "pads": [2, 2]},
        (1, 4, 0),
        F32,
        id="output_padding",
    ),
]


@pytest.mark.parametrize(("x_shape", "x_dtype", "w_shape", "b_dtype", "attributes", "shape", "dtype"), ONNX_EMPTY)
def test_onnx_returns_the_empty_output_the_specification_gives(
    x_shape: tuple[int, ...],
    x_dtype: type,
    w_shape: tuple[int, ...],
    b_dtype: type | None,
    attributes: dict[str, Any],
    shape: tuple[int, ...],
    dtype: type,
) -> None:
    """The specification's formula gives 0 (``pads`` crop exactly the full output, or ``output_shape`` has a 0):
    an empty ``(N, M, *o)`` array in the core's dtype, as ``onnx.reference`` returns (ONNX Runtime refuses)."""
    x, w = np.ones(x_shape, x_dtype), np.ones(w_shape, x_dtype)
    b = None if b_dtype is None else np.ones(w_shape[1] * attributes.get("group", 1), b_dtype)
    y = onnx_conv_transpose(x, w, b, **attributes)
    assert y.shape == shape and y.dtype == dtype


def test_onnx_refuses_pads_that_crop_more_than_the_full_output() -> None:
    """A negative size is no tensor's: refused, naming ``pads`` and the full output (``onnx.reference`` raises)."""
    x, w = np.ones((2, 3, 1), F32), np.ones((3, 4, 2), F32)
    match = r"^pads must crop at most the whole full output, .* got pads=\[2, 1\] and a full output of \(2,\)$"
    with pytest.raises(ValueError, match=match):
        onnx_conv_transpose(x, w, pads=[2, 1])
    with pytest.raises(ValueError, match=r"^output_shape must be >= 0 in every dimension; got output_shape=\(-1,\)"):
        onnx_conv_transpose(x, w, output_shape=[-1])


LHS_NHC, RHS_HIO = np.ones((2, 3, 4), F32), np.ones((3, 4, 5), F32)  # 3 inputs, stride 2: 5 zero-inserted, k_eff 3

JAX_EMPTY = [  # (lhs, rhs, strides, padding, keyword arguments, the expected shape and dtype)
    pytest.param(LHS_NHC, RHS_HIO, (2,), [(-1, -2)], {}, (2, 0, 5), F32, id="exactly-0"),
    pytest.param(LHS_NHC, RHS_HIO, (2,), [(0, -4)], {}, (2, 0, 5), F32, id="formula-negative"),
    pytest.param(LHS_NHC, RHS_HIO, (2,), [(5, -8)], {}, (2, 0, 5), F32, id="one-side-positive"),
    pytest.param(LHS_NHC, RHS_HIO.astype(F64), (2,), [(-2, -2)], {}, (2, 0, 5), F64, id="promotes"),
    pytest.param(
        LHS_NHC.astype(np.int32), RHS_HIO.astype(np.int32), (2,), [(-2, -1)], {}, (2, 0, 5), np.int64, id="int64"
    ),
    pytest.param(np.ones((0, 3, 4), F64), RHS_HIO, (2,), [(-2, -1)], {}, (0, 0, 5), F64, id="empty-batch"),
    pytest.param(
        np.ones((2, 4, 3), F32),
        np.ones((5, 4, 3), F32),
        (2,),
        [(-2, -1)],
        {"dimension_numbers": ("NCH", "OIH", "NCH")},
        (2, 5, 0),
        F32,
        id="NCH",
    ),
    pytest.param(
        LHS_NHC, np.ones((3, 5, 4), F32), (2,), [(-2, -1)], {"transpose_kernel": True}, (2, 0, 5), F32, id="transpose"
    ),
    pytest.param(
        LHS_NHC, RHS_HIO, (2,), [(4, 4)], {"use_consistent_padding": True}, (2, 0, 5), F32, id="consistent"
    ),  # lo = hi = 2 - 4: 5 - 4 = 1 element left
    pytest.param(
        np.ones((1, 3, 3, 2), F32),
        np.ones((2, 2, 2, 3), F32),
        (1, 1),
        [(0, 0), (-1, -1)],
        {},
        (1, 2, 0, 3),
        F32,
        id="2d",
    ),
]


@pytest.mark.parametrize(("lhs", "rhs", "strides", "padding", "kwargs", "shape", "dtype"), JAX_EMPTY)
def test_jax_returns_an_empty_output_where_less_than_the_kernel_is_left(
    lhs: np.ndarray,
    rhs: np.ndarray,
    strides: tuple[int, ...],
    padding: list[tuple[int, int]],
    kwargs: dict[str, Any],
    shape: tuple[int, ...],
    dtype: type,
) -> None:
    """``0 <= (i - 1)*strides + 1 + lo + hi < k_eff``: no kernel position fits, JAX's output is empty, so is ours."""
    y = jax_conv_transpose(lhs, rhs, strides, padding, **kwargs)
    assert y.shape == shape and y.dtype == dtype


def test_jax_refuses_padding_that_removes_more_than_the_zero_inserted_input() -> None:
    """JAX: "Negative padding is larger than the size of the corresponding dimension"."""
    match = (
        r"^padding must remove at most the whole zero-inserted input, \(i - 1\)\*strides \+ 1 \+ lo \+ hi >= 0 "
        r"in every dimension .*; got padding=\[\(-5, -5\)\], \(lo, hi\) = \(\(-5, -5\),\) for an input of \(3,\) "
        r"and strides=\(2,\): \(-5,\)$"
    )
    with pytest.raises(ValueError, match=match):
        jax_conv_transpose(LHS_NHC, RHS_HIO, (2,), [(-5, -5)])
    with pytest.raises(ValueError, match=r"^padding must remove at most"):
        jax_conv_transpose(LHS_NHC, RHS_HIO, (2,), [(5, 5)], use_consistent_padding=True)  # lo = hi = 2 - 5
    assert jax_conv_transpose(LHS_NHC, RHS_HIO, (2,), [(-10, 5)]).shape == (2, 0, 5)  # P = 0: empty, not refused


EXPLICIT_H = [[0, 0], [1, 0], [0, 0], [0, 0]]  # NHWC: one row of padding before the height


@pytest.mark.parametrize(
    ("x_shape", "dtype", "output_shape", "strides", "padding", "data_format"),
    [
        pytest.param((2, 1, 3, 3), F64, [2, 0, 4, 4], [1, 1, 1, 1], EXPLICIT_H, None, id="explicit"),
        pytest.param((2, 1, 3, 3), F32, [2, 0, 6, 4], 2, [[0, 0], [1, 1], [0, 0], [0, 0]], None, id="stride-2"),
        pytest.param((2, 3, 1, 3), np.int16, [2, 4, 0, 4], 1, [[0, 0], [0, 0], [0, 1], [0, 0]], "NCHW", id="NCHW"),
        pytest.param((0, 1, 3, 3), F32, [0, 0, 4, 4], 1, EXPLICIT_H, None, id="empty-batch"),
    ],
)
def test_tf_returns_an_empty_output_where_a_size_of_0_fits(
    x_shape: tuple[int, ...],
    dtype: type,
    output_shape: list[int],
    strides: Any,
    padding: Any,
    data_format: str | None,
) -> None:
    """Explicit padding that alone covers the kernel: ``floor((0 + before + after - k_eff)/s) + 1 = i``, so 0 fits
    TensorFlow's consistency rule, and TensorFlow returns an empty output; so do we, in the core's dtype."""
    first = data_format == "NCHW"
    x = np.ones(x_shape, dtype)
    filters = np.ones((1, 2, 4, x_shape[1 if first else -1]), dtype)  # (kh, kw, C_out, C_in)
    y = tf_conv_transpose(x, filters, output_shape, strides, padding, data_format)
    assert y.shape == tuple(output_shape)
    assert y.dtype == (np.int64 if dtype == np.int16 else dtype)


@pytest.mark.parametrize(
    ("output_shape", "padding", "match"),
    [
        pytest.param([2, 0, 3, 4], "SAME", r"sizes range from \(1, 3\) to \(1, 3\); got", id="SAME"),
        pytest.param([2, 0, 4, 4], "VALID", r"sizes range from \(1, 4\) to \(1, 4\); got", id="VALID"),
        pytest.param(
            [2, 0, 4, 4],
            [[0, 0], [2, 0], [0, 0], [0, 0]],
            r"from \(0, 4\) to \(-1, 4\) \(none where the padding alone is too large\); got",
            id="explicit-too-large",
        ),
    ],
)
def test_tf_refuses_a_size_of_0_that_does_not_fit(output_shape: list[int], padding: Any, match: str) -> None:
    """``'SAME'`` (``ceil(0/s) = 0``) and ``'VALID'`` never fit 0, nor explicit padding beyond the kernel."""
    x, filters = np.ones((2, 1, 3, 3)), np.ones((1, 2, 4, 3))
    with pytest.raises(ValueError, match=r"^output_shape must fit the input: .*" + match):
        tf_conv_transpose(x, filters, output_shape, 1, padding)


@pytest.mark.parametrize(
    ("x_shape", "dtype", "kernel_shape", "arguments", "shape", "out_dtype"),
    [
        pytest.param((2, 1, 3), F32, (2, 4, 3), {"strides": 2}, (2, 0, 4), F32, id="channels_last"),
        pytest.param((2, 3, 1), F64, (2, 4, 3), {"data_format": "channels_first"}, (2, 4, 0), F64, id="first"),
        pytest.param((1, 1, 3, 3), F32, (2, 3, 4, 3), {"strides": (2, 1)}, (1, 0, 3, 4), F32, id="2d"),
        pytest.param((2, 1, 3), np.int32, (2, 4, 3), {}, (2, 0, 4), np.int64, id="integers"),
        pytest.param((0, 1, 3), F32, (2, 4, 3), {"strides": 3}, (0, 0, 4), F32, id="empty-batch"),
        pytest.param((2, 1, 3), F32, (2, 4, 3), {"dilation_rate": 3}, (2, 0, 4), F32, id="dilated-even"),
    ],
)
def test_keras_returns_an_empty_output_where_its_size_is_0(
    x_shape: tuple[int, ...],
    dtype: type,
    kernel_shape: tuple[int, ...],
    arguments: dict[str, Any],
    shape: tuple[int, ...],
    out_dtype: type,
) -> None:
    """``'same'`` with ``output_padding=0``: ``(i - 1)*strides + k_eff % 2 + 0 = 0`` for one input element and an
    even ``k_eff``; Keras returns an empty output (JAX, NumPy, PyTorch backends), and so do we."""
    y = keras_conv_transpose(
        np.ones(x_shape, dtype), np.ones(kernel_shape, dtype), padding="same", output_padding=0, **arguments
    )
    assert y.shape == shape and y.dtype == out_dtype
