"""Transposed convolution is the adjoint of convolution: <conv(y), x> == <y, conv_transpose(x)>."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import METHODS, conv, conv_transpose
from transposed_conv._arguments import prepare_conv_transpose
from transposed_conv.methods.im2col import col2im, im2col
from transposed_conv.methods.matrix import convolution_matrix_of
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases
from transposed_conv.transpose import supports


def _as_int(case: Case) -> tuple[np.ndarray, np.ndarray]:
    return case.x.astype(np.int64), case.weight.astype(np.int64)


@given(cases(), st.integers(0, 2**32 - 1))
def test_conv_transpose_is_adjoint_of_conv(case: Case, seed: int) -> None:
    """For every method: <conv(y, w), x> == <y, conv_transpose(x, w)>, exactly, on integers.

    ``conv`` with the same weight array, stride, padding, dilation and groups maps the
    transposed output size back to the input size ``L`` -- or to ``L + output_padding // stride``
    when ``output_padding >= stride`` (allowed when the dilation is larger), whose extra
    trailing outputs the transposed convolution ignores.
    """
    x, w = _as_int(case)
    rng = np.random.default_rng(seed)
    y = rng.integers(-5, 6, size=(x.shape[0], w.shape[1] * case.groups, *case.output_shape))
    forward = conv(y, w, stride=case.stride, padding=case.padding, dilation=case.dilation, groups=case.groups)
    expected_sizes = tuple(i + a // s for i, a, s in zip(x.shape[2:], case.output_padding, case.stride))
    assert forward.shape == x.shape[:2] + expected_sizes
    forward = forward[(slice(None), slice(None), *(slice(0, i) for i in x.shape[2:]))]
    left = int(np.sum(forward * x))
    for method in (m for m in METHODS if supports(m, case.config)):
        right = int(np.sum(y * conv_transpose(x, w, **case.kwargs, method=method)))
        assert left == right, f"method={method}"


@given(cases(max_batch=1), st.integers(0, 2**32 - 1))
def test_col2im_is_adjoint_of_im2col(case: Case, seed: int) -> None:
    """<im2col(p), c> == <p, col2im(c)> for the padded grid of the transposed output."""
    _, geometry = prepare_conv_transpose(case.x, case.weight, None, **case.kwargs, output_size=None)
    padded_shape = tuple(o + pb + pe for o, (pb, pe) in zip(geometry.output_shape, geometry.padding))
    rng = np.random.default_rng(seed)
    p = rng.integers(-5, 6, size=(1, 2, *padded_shape))
    c = rng.integers(-5, 6, size=(1, 2, *geometry.kernel_shape, *geometry.input_shape))
    gathered = im2col(p, geometry.kernel_shape, geometry.input_shape, geometry.stride, geometry.dilation)
    scattered = col2im(c, padded_shape, geometry.stride, geometry.dilation)
    assert int(np.sum(gathered * c)) == int(np.sum(p * scattered))


@given(cases(), st.integers(0, 2**32 - 1))
def test_convolution_matrix_applies_the_convolution(case: Case, seed: int) -> None:
    """C @ vec(y) == vec(conv(y)) restricted to the transposed input size: C really is conv's matrix."""
    x, w = _as_int(case)
    _, geometry = prepare_conv_transpose(x, w, None, **case.kwargs, output_size=None)
    matrix = convolution_matrix_of(w, geometry)
    rng = np.random.default_rng(seed)
    y = rng.integers(-5, 6, size=(w.shape[1] * case.groups, *case.output_shape))
    forward = conv(y, w, stride=case.stride, padding=case.padding, dilation=case.dilation, groups=case.groups)
    forward = forward[(slice(None), *(slice(0, i) for i in x.shape[2:]))]
    np.testing.assert_array_equal(matrix @ y.ravel(), forward.ravel())
