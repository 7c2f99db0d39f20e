"""The seed document's facts, as executable examples and properties.

The seed (a blog post on deconvolution layers) says: stride 1 is MATLAB's full
convolution; stride 2 inserts one zero between neighbouring elements and then
convolves; conv ``out = (in + 2*pad - kernel)/stride + 1`` and deconv
``out = (in - 1)*stride + kernel - 2*pad``; and its decoder stacks three
kernel-4, stride-2, padding-1 layers on a ResNet-50 feature map.  Its remark that the
stride-2 case "is equivalent to pad = (k - 1)/2" is garbled: what holds is that a
transposed convolution with padding ``p`` is the *full* convolution of the
zero-inserted input with ``p`` removed from each side, so the kernel centre stays on
the zero-inserted map exactly when ``p = (k - 1)/2`` (odd ``k``) -- that is MATLAB's
``'same'`` of the zero-inserted map, ``2*in - 1`` long, not ``2*in``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from transposed_conv import conv_output_shape, conv_transpose, conv_transpose_output_shape, convolve
from transposed_conv.methods.zero_insertion import insert_zeros


def one_channel(ndim: int, max_side: int = 6) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.int64,
        hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=max_side),
        elements=st.integers(-9, 9),
    )


@st.composite
def signal_kernel_stride(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    ndim = draw(st.integers(1, 3))
    a, k = draw(one_channel(ndim)), draw(one_channel(ndim, 5))
    return a, k, tuple(draw(st.integers(1, 4)) for _ in range(ndim))


@given(signal_kernel_stride())
def test_stride_one_no_padding_is_matlab_full_convolution(case: tuple[np.ndarray, np.ndarray, tuple[int, ...]]) -> None:
    a, k, _ = case
    result = conv_transpose(a[np.newaxis, np.newaxis], k[np.newaxis, np.newaxis])[0, 0]
    np.testing.assert_array_equal(result, convolve(a, k, "full"))


@given(signal_kernel_stride())
def test_stride_s_is_full_convolution_of_the_zero_inserted_input(
    case: tuple[np.ndarray, np.ndarray, tuple[int, ...]],
) -> None:
    """Insert s - 1 zeros between elements, then MATLAB 'full' convolution."""
    a, k, stride = case
    result = conv_transpose(a[np.newaxis, np.newaxis], k[np.newaxis, np.newaxis], stride=stride)[0, 0]
    stretched = insert_zeros(a[np.newaxis, np.newaxis], stride)[0, 0]
    np.testing.assert_array_equal(result, convolve(stretched, k, "full"))


@given(signal_kernel_stride(), st.data())
def test_padding_crops_the_full_convolution_of_the_zero_inserted_input(
    case: tuple[np.ndarray, np.ndarray, tuple[int, ...]], data: st.DataObject
) -> None:
    a, k, stride = case
    stretched = insert_zeros(a[np.newaxis, np.newaxis], stride)[0, 0]
    full = convolve(stretched, k, "full")
    padding = tuple(data.draw(st.integers(0, (n - 1) // 2)) for n in full.shape)
    result = conv_transpose(a[np.newaxis, np.newaxis], k[np.newaxis, np.newaxis], stride=stride, padding=padding)
    np.testing.assert_array_equal(result[0, 0], full[tuple(slice(p, n - p) for p, n in zip(padding, full.shape))])


@given(signal_kernel_stride())
def test_kernel_centre_on_the_zero_inserted_map_is_padding_half_the_kernel(
    case: tuple[np.ndarray, np.ndarray, tuple[int, ...]],
) -> None:
    """For odd kernels, padding (k - 1)/2 is MATLAB's 'same' convolution of the zero-inserted map."""
    a, k, stride = case
    k = k[tuple(slice(0, n - (1 - n % 2)) for n in k.shape)]  # make every kernel size odd
    padding = tuple((n - 1) // 2 for n in k.shape)
    result = conv_transpose(a[np.newaxis, np.newaxis], k[np.newaxis, np.newaxis], stride=stride, padding=padding)
    stretched = insert_zeros(a[np.newaxis, np.newaxis], stride)[0, 0]
    np.testing.assert_array_equal(result[0, 0], convolve(stretched, k, "same"))
    assert result.shape[2:] == tuple((i - 1) * s + 1 for i, s in zip(a.shape, stride))


@given(st.integers(1, 64), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3))
def test_the_seeds_size_formulas(size: int, kernel: int, stride: int, pad: int) -> None:
    """deconv: (in - 1)*stride + kernel - 2*pad; conv: (in + 2*pad - kernel)/stride + 1 (floored)."""
    deconv = (size - 1) * stride + kernel - 2 * pad
    if deconv >= 1:
        assert conv_transpose_output_shape(size, kernel, stride=stride, padding=pad) == (deconv,)
        assert conv_output_shape(deconv, kernel, stride=stride, padding=pad) == (size,)
    if size + 2 * pad >= kernel:
        assert conv_output_shape(size, kernel, stride=stride, padding=pad) == ((size + 2 * pad - kernel) // stride + 1,)


def test_kernel_4_stride_2_padding_1_doubles_a_16_by_16_map() -> None:
    assert conv_transpose_output_shape((16, 16), (4, 4), stride=2, padding=1) == (32, 32)
    assert conv_output_shape((32, 32), (4, 4), stride=2, padding=1) == (16, 16)
    x = np.ones((1, 3, 16, 16))
    assert conv_transpose(x, np.ones((3, 2, 4, 4)), stride=2, padding=1).shape == (1, 2, 32, 32)


def test_the_seeds_decoder_shape_trace() -> None:
    """(N, 2048, 16, 16) -> (N, 256, 32, 32) -> (N, 128, 64, 64) -> (N, 64, 128, 128)."""
    side, trace = 16, []
    for _planes in (256, 128, 64):
        (side, _) = conv_transpose_output_shape((side, side), (4, 4), stride=2, padding=1)
        trace.append(side)
    assert trace == [32, 64, 128]
    # The same trace through the arrays, with few channels so that the test stays cheap.
    x = np.ones((2, 8, 16, 16), dtype=np.float32)
    for c_out in (4, 3, 2):
        x = conv_transpose(x, np.ones((x.shape[1], c_out, 4, 4), dtype=np.float32), stride=2, padding=1)
    assert x.shape == (2, 2, 128, 128)
    assert x.dtype == np.float32
