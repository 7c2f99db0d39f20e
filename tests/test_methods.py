"""Every method computes the same transposed convolution, with the formula's output shape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import METHODS, conv_transpose, conv_transpose_output_shape
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases
from transposed_conv.transpose import ERROR_MODELS, supports

ALL_METHODS = ["auto", *METHODS]


@given(cases())
def test_every_method_gives_the_same_result_exactly_for_integers(case: Case) -> None:
    """With integer inputs every method must agree bit for bit (integer arithmetic is exact)."""
    x, w = case.x.astype(np.int64), case.weight.astype(np.int64)
    b = None if case.bias is None else case.bias.astype(np.int64)
    reference = conv_transpose(x, w, b, **case.kwargs, method="direct")
    assert reference.dtype == np.int64
    for method in (m for m in METHODS if supports(m, case.config)):  # fft and winograd sum exactly for integers
        result = conv_transpose(x, w, b, **case.kwargs, method=method)
        assert result.dtype == np.int64
        np.testing.assert_array_equal(result, reference, err_msg=f"method={method}")


def _channel_column(v: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) -> (C, 1, ..., 1) so that it broadcasts over ``ndim`` spatial axes."""
    return v.reshape((-1,) + (1,) * ndim)


@given(cases(), st.integers(0, 2**32 - 1))
def test_every_method_agrees_on_random_floats(case: Case, seed: int) -> None:
    """On random float64 data the methods agree to within float64 rounding of the sums.

    Each output is a sum of at most ``C_in/G * prod(k)`` products plus the bias; any
    summation order is within ``n * eps * sum|terms|`` of the exact value, so two
    orders are within twice that of each other.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case.x.shape)
    w = rng.standard_normal(case.weight.shape)
    ndim = x.ndim - 2
    reference = conv_transpose(x, w, case.bias, **case.kwargs, method="direct")
    terms = case.weight.shape[0] // case.groups * int(np.prod(case.weight.shape[2:])) + 1
    magnitude = conv_transpose(np.abs(x), np.abs(w), None, **case.kwargs, method="direct")
    if case.bias is not None:
        magnitude = magnitude + _channel_column(np.abs(case.bias), ndim)
    bound = 2 * terms * np.finfo(np.float64).eps * magnitude
    # the methods that sum the products; fft and winograd obey their own error models (test_algorithm_bounds)
    for method in (m for m in METHODS if ERROR_MODELS[m] == "summation"):
        result = conv_transpose(x, w, case.bias, **case.kwargs, method=method)
        assert result.dtype == np.float64
        assert np.all(np.abs(result - reference) <= bound), f"method={method}"


@given(cases())
def test_output_shape_equals_the_formula_for_every_method(case: Case) -> None:
    """(i - 1)*s - p_begin - p_end + d*(k - 1) + output_padding + 1, per dimension, for every method."""
    formula = conv_transpose_output_shape(
        case.x.shape[2:],
        case.weight.shape[2:],
        stride=case.stride,
        padding=case.padding,
        output_padding=case.output_padding,
        dilation=case.dilation,
    )
    assert formula == case.output_shape
    expected = (case.x.shape[0], case.weight.shape[1] * case.groups, *formula)
    for method in (m for m in ALL_METHODS if supports(m, case.config)):
        assert conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method=method).shape == expected


@given(cases(max_batch=1))
def test_unbatched_input_gives_the_unbatched_output(case: Case) -> None:
    """(C_in, *L) in gives (C_out, *O) out, equal to the batched result's first element."""
    batched = np.concatenate([case.x, np.ones((1, *case.x.shape[1:]))])
    expected = conv_transpose(batched, case.weight, case.bias, **case.kwargs)[-1]
    for method in (m for m in ALL_METHODS if supports(m, case.config)):
        result = conv_transpose(batched[-1], case.weight, case.bias, **case.kwargs, method=method)
        if (
            ERROR_MODELS.get(method, "summation") != "summation"
        ):  # a transform rounds differently: compare it with itself
            expected_here = conv_transpose(batched, case.weight, case.bias, **case.kwargs, method=method)[-1]
            np.testing.assert_array_equal(result, expected_here)
        else:
            np.testing.assert_array_equal(result, expected)


@given(cases(bias=True))
def test_bias_is_added_to_every_output_position(case: Case) -> None:
    assert case.bias is not None
    without = conv_transpose(case.x, case.weight, None, **case.kwargs)
    with_bias = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
    difference = with_bias - without
    np.testing.assert_array_equal(
        difference, np.broadcast_to(_channel_column(case.bias, case.x.ndim - 2), difference.shape)
    )


@given(cases())
def test_zero_batch_gives_an_empty_batch_of_the_right_shape(case: Case) -> None:
    x = case.x[:0]
    for method in (m for m in ALL_METHODS if supports(m, case.config)):
        y = conv_transpose(x, case.weight, case.bias, **case.kwargs, method=method)
        assert y.shape == (0, case.weight.shape[1] * case.groups, *case.output_shape)


@given(cases(max_groups=4, max_channels_per_group=4))
def test_groups_are_independent_transposed_convolutions(case: Case) -> None:
    """A grouped transposed convolution is G ungrouped ones on channel slices, concatenated."""
    g = case.groups
    cin_g = case.x.shape[1] // g
    kwargs = {**case.kwargs, "groups": 1}
    parts = [
        conv_transpose(case.x[:, i * cin_g : (i + 1) * cin_g], case.weight[i * cin_g : (i + 1) * cin_g], **kwargs)
        for i in range(g)
    ]
    np.testing.assert_array_equal(conv_transpose(case.x, case.weight, **case.kwargs), np.concatenate(parts, axis=1))


@pytest.mark.parametrize(
    "method", [m for m in ALL_METHODS if m != "winograd"]
)  # winograd computes stride-1 3-tap kernels only; test_algorithm_bounds checks it in its domain
def test_integer_padding_forms_are_equivalent(method: str) -> None:
    """An int, one int per dimension, and symmetric (begin, end) pairs mean the same padding."""
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (2, 2, 4, 5))
    w = rng.integers(-3, 4, (2, 3, 3, 3))
    results = [conv_transpose(x, w, stride=2, padding=p, method=method) for p in (1, (1, 1), [(1, 1), (1, 1)])]
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
