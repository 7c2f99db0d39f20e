"""The size arithmetic: the formulas, their inverse relationship, and output_size / output_padding_for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import (
    conv,
    conv_output_shape,
    conv_transpose,
    conv_transpose_output_shape,
    output_padding_for,
    transposed_size_range,
)
from transposed_conv._arguments import prepare_conv, prepare_conv_transpose
from transposed_conv.shapes import ConvGeometry, ConvTransposeGeometry
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


# --- the geometry built from plain integers -----------------------------------------------------


def _channels(case: Case) -> dict[str, int]:
    return {"in_channels": case.x.shape[1], "out_channels": case.weight.shape[1] * case.groups}


def _spelled_otherwise(value: tuple[int, ...] | tuple[tuple[int, int], ...]) -> Any:
    """The same per-dimension value spelled as a user might: one int if all entries agree, else a list of NumPy ints."""
    if len(set(value)) == 1 and isinstance(value[0], int):
        return value[0]
    return [[np.int64(v) for v in item] if isinstance(item, tuple) else np.int32(item) for item in value]


@given(cases(max_batch=1))
def test_the_geometry_built_from_integers_is_the_one_the_arrays_give(case: Case) -> None:
    """ConvTransposeGeometry.build on plain integers equals the geometry conv_transpose builds from its arrays,
    and its output shape is the formula's and the result's."""
    spatial, kernel = case.x.shape[2:], case.weight.shape[2:]
    geometry = ConvTransposeGeometry.build(
        list(spatial),
        kernel,
        stride=_spelled_otherwise(case.stride),
        padding=_spelled_otherwise(case.padding),
        output_padding=_spelled_otherwise(case.output_padding),
        dilation=_spelled_otherwise(case.dilation),
        groups=case.groups,
        **_channels(case),
    )
    _, from_arrays = prepare_conv_transpose(case.x, case.weight, None, output_size=None, **case.kwargs)
    assert geometry == from_arrays
    formula = conv_transpose_output_shape(spatial, kernel, output_padding=case.output_padding, **_geometry(case))
    assert geometry.output_shape == formula == conv_transpose(case.x, case.weight, **case.kwargs).shape[2:]


@given(cases(max_batch=1))
def test_output_size_builds_the_geometry_with_the_output_padding_that_reaches_it(case: Case) -> None:
    """build(output_size=o) is build(output_padding=output_padding_for(o)): PyTorch's output_size."""
    spatial, kernel = case.x.shape[2:], case.weight.shape[2:]
    wanted = case.output_shape
    by_size = ConvTransposeGeometry.build(
        spatial, kernel, output_size=wanted, groups=case.groups, **_channels(case), **_geometry(case)
    )
    assert by_size.output_shape == wanted
    assert by_size.output_padding == output_padding_for(spatial, kernel, wanted, **_geometry(case))
    whole = (case.x.shape[0], by_size.out_channels, *wanted)
    assert (
        ConvTransposeGeometry.build(
            spatial,
            kernel,
            output_size=whole,
            output_leading=whole[:2],
            groups=case.groups,
            **_channels(case),
            **_geometry(case),
        )
        == by_size
    )


@given(cases(max_batch=1, large_output_padding=False))
def test_the_convolution_geometry_built_from_integers_is_the_one_the_arrays_give(case: Case) -> None:
    """ConvGeometry.build on plain integers equals conv's geometry, with conv_output_shape's and conv's shape."""
    # conv maps the transposed output back to the input, with the same weight: (C_out, C_in/groups, *k) to conv.
    y, w = conv_transpose(case.x, case.weight, **case.kwargs), case.weight
    geometry = ConvGeometry.build(
        y.shape[2:], w.shape[2:], in_channels=y.shape[1], out_channels=w.shape[0], groups=case.groups, **_geometry(case)
    )
    _, from_arrays = prepare_conv(y, w, None, groups=case.groups, **_geometry(case))
    assert geometry == from_arrays
    assert geometry.output_shape == conv_output_shape(y.shape[2:], w.shape[2:], **_geometry(case))
    assert geometry.output_shape == conv(y, w, groups=case.groups, **_geometry(case)).shape[2:] == case.x.shape[2:]


def _beyond(case: Case) -> tuple[int, ...]:
    """The smallest output_padding that breaks ``output_padding < max(stride, dilation)``."""
    return tuple(max(s, d) for s, d in zip(case.stride, case.dilation))


def _unreachable(case: Case) -> tuple[int, ...]:
    """One more than the largest size output_padding reaches."""
    return tuple(
        o - a + max(s, d) for o, a, s, d in zip(case.output_shape, case.output_padding, case.stride, case.dilation)
    )


BAD_INTEGERS = [
    pytest.param("stride", lambda case: 0, id="stride-zero"),
    pytest.param("stride", lambda case: (2,) * (case.ndim + 1), id="stride-one-entry-too-many"),
    pytest.param("stride", lambda case: 2.0, id="stride-float"),
    pytest.param("stride", lambda case: 2**31, id="stride-beyond-int32"),
    pytest.param("dilation", lambda case: True, id="dilation-bool"),
    pytest.param("dilation", lambda case: [1] * case.ndim + ["1"], id="dilation-str-entry"),
    pytest.param("padding", lambda case: -1, id="padding-negative"),
    pytest.param("padding", lambda case: [(0, 0, 0)] * case.ndim, id="padding-triples"),
    pytest.param("padding", lambda case: [1, (0, 0)] + [1] * (case.ndim - 2), id="padding-mixed"),
    pytest.param("output_padding", lambda case: -1, id="output_padding-negative"),
    pytest.param("output_padding", _beyond, id="output_padding-not-below-max-stride-dilation"),
    pytest.param("output_size", _unreachable, id="output_size-unreachable"),
    pytest.param("output_size", lambda case: (0,) * case.ndim, id="output_size-zero"),
]


@pytest.mark.parametrize(("name", "bad"), BAD_INTEGERS)
@given(case=cases(max_batch=1))
def test_bad_integers_raise_the_same_error_through_the_constructor_as_through_conv_transpose(
    name: str, bad: Callable[[Case], object], case: Case
) -> None:
    """One set of rules: the constructor from integers and conv_transpose refuse a bad argument alike."""
    kwargs = {**case.kwargs, name: bad(case)}
    if name == "output_size":
        kwargs["output_padding"] = 0
    with pytest.raises((TypeError, ValueError)) as through_arrays:
        conv_transpose(case.x, case.weight, **kwargs)
    with pytest.raises(through_arrays.type) as through_integers:
        ConvTransposeGeometry.build(case.x.shape[2:], case.weight.shape[2:], **kwargs, **_channels(case))
    assert str(through_integers.value) == str(through_arrays.value)


def test_an_empty_output_is_worded_for_the_caller() -> None:
    """The rule is the constructor's; the shape functions name input_shape, conv_transpose and conv the arrays."""
    with pytest.raises(
        ValueError, match=r"^the transposed convolution output must be at least 1 .* input_shape=\(2,\)"
    ):
        ConvTransposeGeometry.build(2, 2, padding=2)
    with pytest.raises(ValueError, match=r"^the output size must be at least 1 in every dimension; with input \(2,\)"):
        ConvTransposeGeometry.build((2,), (2,), padding=2, source="arrays")
    with pytest.raises(ValueError, match=r"^the output size must be at least 1 in every dimension; with input \(2,\)"):
        conv_transpose(np.ones((1, 1, 2)), np.ones((1, 1, 2)), padding=2)
    with pytest.raises(ValueError, match=r"^the padded input .* dilated kernel in every dimension \(input \+ padding"):
        ConvGeometry.build(3, 3, dilation=2)
    with pytest.raises(ValueError, match=r"^the padded input .* dilated kernel in every dimension; with input \(3,\)"):
        conv(np.ones((1, 1, 3)), np.ones((1, 1, 3)), dilation=2)


def test_groups_must_divide_the_channels_given_to_the_constructor() -> None:
    assert ConvTransposeGeometry.build(5, 3, groups=2, in_channels=4, out_channels=6).groups == 2
    assert ConvTransposeGeometry.build(5, 3, groups=3).in_channels == 3  # one channel per group by default
    with pytest.raises(ValueError, match=r"^groups must divide both in_channels and out_channels; got groups=4"):
        ConvTransposeGeometry.build(5, 3, groups=4, in_channels=4, out_channels=6)
    with pytest.raises(ValueError, match=r"^groups must divide both in_channels and out_channels; got groups=2"):
        ConvGeometry.build(5, 3, groups=2, in_channels=3, out_channels=4)
