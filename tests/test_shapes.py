"""The size arithmetic: the formulas, their inverse relationship, and output_size / output_padding_for."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import (
    conv_output_shape,
    conv_transpose,
    conv_transpose_output_shape,
    output_padding_for,
    transposed_size_range,
)
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases


def _geometry(case: Case) -> dict[str, object]:
    return {"stride": case.stride, "padding": case.padding, "dilation": case.dilation}


@given(cases())
def test_conv_maps_the_transposed_output_size_back_to_the_input_size(case: Case) -> None:
    """conv_output_shape(conv_transpose_output_shape(i)) == i + output_padding // stride.

    So with output_padding < stride (always true when dilation <= stride) the two
    formulas are inverse to each other, which is what makes the operations adjoint.
    """
    spatial, kernel = case.x.shape[2:], case.weight.shape[2:]
    out = conv_transpose_output_shape(spatial, kernel, output_padding=case.output_padding, **_geometry(case))
    back = conv_output_shape(out, kernel, **_geometry(case))
    assert back == tuple(i + a // s for i, a, s in zip(spatial, case.output_padding, case.stride))


@given(cases())
def test_every_size_that_convolves_to_the_input_is_reachable(case: Case) -> None:
    """The conv sizes o with conv(o) == i are exactly the transposed sizes for output_padding < stride."""
    spatial, kernel = case.x.shape[2:], case.weight.shape[2:]
    smallest, _ = transposed_size_range(spatial, kernel, **_geometry(case))
    for dim, (i, k, s, (pb, pe), d) in enumerate(zip(spatial, kernel, case.stride, case.padding, case.dilation)):
        preimage = [
            o
            for o in range(1, smallest[dim] + 2 * s + 2)
            if (o + pb + pe - d * (k - 1) - 1) // s + 1 == i and o + pb + pe >= d * (k - 1) + 1
        ]
        assert preimage == list(range(max(1, smallest[dim]), smallest[dim] + s)), dim


@given(cases(max_batch=1))
def test_output_size_gives_exactly_that_size_for_every_reachable_size(case: Case) -> None:
    spatial, kernel = case.x.shape[2:], case.weight.shape[2:]
    smallest, largest = transposed_size_range(spatial, kernel, **_geometry(case))
    kwargs = {**_geometry(case), "groups": case.groups}
    for wanted in {smallest, largest, case.output_shape}:
        if min(wanted) < 1:
            continue
        extra = output_padding_for(spatial, kernel, wanted, **_geometry(case))
        assert conv_transpose_output_shape(spatial, kernel, output_padding=extra, **_geometry(case)) == wanted
        y = conv_transpose(case.x, case.weight, output_size=wanted, **kwargs)
        assert y.shape[2:] == wanted
        np.testing.assert_array_equal(y, conv_transpose(case.x, case.weight, output_padding=extra, **kwargs))
    too_big = tuple(o + 1 for o in largest)
    with pytest.raises(ValueError, match=r"requested an output_size of .* but valid sizes range from"):
        conv_transpose(case.x, case.weight, output_size=too_big, **kwargs)


def test_output_size_accepts_a_full_shape_like_pytorch() -> None:
    x = np.ones((1, 2, 3, 3))
    w = np.ones((2, 4, 3, 3))
    y = conv_transpose(x, w, stride=2, padding=1, output_size=(1, 4, 6, 5))
    assert y.shape == (1, 4, 6, 5)
    assert conv_transpose(x[0], w, stride=2, padding=1, output_size=(4, 6, 5)).shape == (4, 6, 5)  # unbatched
    with pytest.raises(ValueError, match="output_size"):
        conv_transpose(x, w, stride=2, padding=1, output_size=(4, 6, 5))  # neither spatial nor the whole shape
    with pytest.raises(ValueError, match="leading entries must be"):
        conv_transpose(x, w, stride=2, padding=1, output_size=(1, 3, 6, 5))  # C_out is 4


@given(st.integers(1, 50), st.integers(1, 7), st.integers(1, 5), st.integers(0, 6), st.integers(1, 3))
def test_one_dimensional_formulas(i: int, k: int, s: int, p: int, d: int) -> None:
    """The shape functions equal the closed forms on plain integers (and reject empty outputs)."""
    conv_size = (i + 2 * p - d * (k - 1) - 1) // s + 1
    if conv_size >= 1:
        assert conv_output_shape(i, k, stride=s, padding=p, dilation=d) == (conv_size,)
    else:
        with pytest.raises(ValueError, match="padded input must be at least as large as the dilated kernel"):
            conv_output_shape(i, k, stride=s, padding=p, dilation=d)
    transposed = (i - 1) * s - 2 * p + d * (k - 1) + 1
    if transposed >= 1:
        assert conv_transpose_output_shape(i, k, stride=s, padding=p, dilation=d) == (transposed,)
    else:
        with pytest.raises(ValueError, match="at least 1 in every dimension"):
            conv_transpose_output_shape(i, k, stride=s, padding=p, dilation=d)


def test_dumoulin_visin_examples() -> None:
    """Worked numbers from Dumoulin & Visin (2016): relationships 1-3, 6 and 8-12."""
    assert conv_output_shape(4, 3) == (2,)  # no padding, unit strides: o = i - k + 1
    assert conv_output_shape(5, 4, padding=2) == (6,)  # o = i - k + 2p + 1
    assert conv_output_shape(5, 3, padding=1) == (5,)  # half (same) padding, odd k
    assert conv_output_shape(5, 3, padding=2) == (7,)  # full padding: o = i + k - 1
    assert conv_output_shape(5, 3, stride=2) == (2,)  # non-unit stride, no padding
    assert conv_output_shape(5, 3, stride=2, padding=1) == (3,)
    assert conv_output_shape(6, 3, stride=2, padding=1) == (3,)  # the size that maps to the same input
    assert conv_transpose_output_shape(2, 3) == (4,)  # transpose of relationship 1: o' = i' + k - 1
    assert conv_transpose_output_shape(5, 3, padding=1) == (5,)  # half padding is its own transpose
    assert conv_transpose_output_shape(7, 3, padding=2) == (5,)  # full padding transposes to none
    assert conv_transpose_output_shape(2, 3, stride=2) == (5,)  # o' = s(i' - 1) + k
    assert conv_transpose_output_shape(3, 3, stride=2, padding=1, output_padding=1) == (6,)  # relationship 14
    assert conv_output_shape(7, 3, dilation=2) == (3,)  # dilated kernel spans d(k - 1) + 1 = 5
