"""IEEE special values: every method returns what the definition's sum of products gives.

The definition: output position ``o`` starts at +0 and receives ``x[n, c, i] * w[c, m, j]``
for each pair with ``o = i*stride + j*dilation - p_begin``; then the bias is added.  In IEEE
arithmetic a product with a NaN or infinite operand is never finite, so where one arrives
the result is NaN or an infinity whatever the order of the sum; elsewhere it is the sum of
finite products, equal up to rounding in any order.  A zero result is +0: a sum that starts
at +0 never gives -0 (``+0 + -0 = +0``, ``a + -a = +0``), which is also what PyTorch returns.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from transposed_conv import METHODS, conv_transpose
from transposed_conv.oracle import assert_close
from transposed_conv.strategies import ConvTransposeCase, conv_transpose_cases
from transposed_conv.transpose import ERROR_MODELS, supports

#: winograd computes stride-1 3-tap kernels only; test_algorithm_bounds checks it in its domain
GENERAL_METHODS = [m for m in ["auto", *METHODS] if m != "winograd"]

#: Values that stress IEEE semantics: infinities, NaN, signed zeros and subnormals.
SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 5e-324, -2.5e-310, 1e-310])
SUBNORMAL = np.abs(SPECIAL) < np.finfo(np.float64).tiny


def with_special_values(a: np.ndarray | None, seed: int, fraction: float) -> np.ndarray | None:
    """A copy of ``a`` with about ``fraction`` of its entries replaced by special values."""
    if a is None:
        return None
    rng = np.random.default_rng(seed)
    out = a.astype(np.float64)
    chosen = rng.random(a.shape) < fraction
    out[chosen] = rng.choice(SPECIAL, size=int(chosen.sum()))
    return out.astype(a.dtype)


@st.composite
def special_cases(draw: st.DrawFn, dtype: str = "float64", **config_options: object) -> ConvTransposeCase:
    """A drawn configuration whose x, weight and bias hold special values in about 15% of entries."""
    case = draw(conv_transpose_cases(dtype=dtype, **config_options))  # type: ignore[arg-type]
    seed = draw(st.integers(0, 2**32 - 1))
    fraction = draw(st.sampled_from([0.05, 0.15, 0.4]))
    x = with_special_values(case.x, seed, fraction)
    w = with_special_values(case.weight, seed + 1, fraction)
    b = with_special_values(case.bias, seed + 2, fraction)
    assert x is not None and w is not None
    return ConvTransposeCase(case.config, x, w, b)


def literal_definition(case: ConvTransposeCase) -> np.ndarray:
    """The definition, one scalar product at a time in Python's IEEE floats, into +0-initialised outputs."""
    c = case.config
    y = np.zeros((c.batch, c.out_channels, *c.output_shape), dtype=np.float64)
    c_in_g, c_out_g = c.in_channels // c.groups, c.out_channels // c.groups
    for n, ci in itertools.product(range(c.batch), range(c.in_channels)):
        group = ci // c_in_g
        for i in itertools.product(*(range(size) for size in c.input_shape)):
            for m, j in itertools.product(range(c_out_g), itertools.product(*(range(k) for k in c.kernel_shape))):
                o = tuple(ii * s + jj * d - pb for ii, jj, s, d, (pb, _) in zip(i, j, c.stride, c.dilation, c.padding))
                if all(0 <= oo < size for oo, size in zip(o, c.output_shape)):
                    index = (n, group * c_out_g + m, *o)
                    y[index] = float(y[index]) + float(case.x[(n, ci, *i)]) * float(case.weight[(ci, m, *j)])
    if case.bias is not None:
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN, as IEEE says
            y = y + case.bias.astype(np.float64).reshape((-1,) + (1,) * c.ndim)
    return y


def assert_same_ieee_result(actual: np.ndarray, expected: np.ndarray, *, exact_zero_sign: bool) -> None:
    """Equal non-finite pattern (NaN where NaN, the same infinity), finite values equal up to rounding."""
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg="NaN positions differ")
    np.testing.assert_array_equal(actual[np.isinf(expected)], expected[np.isinf(expected)], err_msg="infinities differ")
    np.testing.assert_array_equal(np.isinf(actual), np.isinf(expected), err_msg="infinite positions differ")
    finite = np.isfinite(expected)
    tiny = float(np.finfo(expected.dtype).tiny)
    np.testing.assert_allclose(actual[finite], expected[finite], rtol=1e-5, atol=64 * tiny)
    if exact_zero_sign:
        zero = expected == 0
        np.testing.assert_array_equal(np.signbit(actual[zero]), np.signbit(expected[zero]), err_msg="zero signs")


def has_subnormals(case: ConvTransposeCase) -> bool:
    arrays = [case.x, case.weight] + ([] if case.bias is None else [case.bias])
    tiny = np.finfo(np.float64).tiny
    return any(bool(((a != 0) & (np.abs(a.astype(np.float64)) < tiny)).any()) for a in arrays)


@settings(max_examples=60)
@given(special_cases(max_ndim=2, max_side=3, max_kernel=3, max_channels_per_group=2, max_groups=2, max_batch=1))
def test_direct_is_the_literal_ieee_definition(case: ConvTransposeCase) -> None:
    """``direct`` equals the definition evaluated one IEEE scalar product at a time, bit for bit."""
    expected = literal_definition(case)
    actual = conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method="direct")
    np.testing.assert_array_equal(actual, expected)  # NaN equals NaN here
    signed = ~np.isnan(expected)  # IEEE 754 leaves the sign of a NaN result unspecified
    np.testing.assert_array_equal(np.signbit(actual[signed]), np.signbit(expected[signed]))


@given(special_cases(), st.sampled_from(["float64", "float32"]))
def test_every_method_gives_the_ieee_result_of_the_definition(case: ConvTransposeCase, dtype: str) -> None:
    """Every method: NaN and infinities exactly where the definition puts them, finite values up to rounding.

    Zero results are +0 in every method (checked where no subnormal product can underflow,
    whose zero sign depends on whether the products are fused with the sum).
    """
    x, w = case.x.astype(dtype), case.weight.astype(dtype)
    b = None if case.bias is None else case.bias.astype(dtype)
    expected = conv_transpose(x, w, b, **case.kwargs, method="direct")
    for method in (m for m in ["auto", *METHODS] if supports(m, case.config)):
        actual = conv_transpose(x, w, b, **case.kwargs, method=method)
        assert actual.dtype == np.dtype(dtype), method
        model = ERROR_MODELS.get(method, "summation")
        if model == "summation":
            assert_same_ieee_result(actual, expected, exact_zero_sign=not has_subnormals(case))
        else:  # a transform: the same non-finite values exactly, finite ones within its error model
            np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg=method)
            np.testing.assert_array_equal(actual[np.isinf(expected)], expected[np.isinf(expected)], err_msg=method)
            assert_close(actual, x, w, b, **case.kwargs, precision=dtype, algorithm=model)


def test_the_issue_examples() -> None:
    """An infinite tap inserts no NaN between the copies of the kernel; ``[inf, 1] * [1, 2]`` is ``[inf, inf, 2]``."""
    x = np.ones((1, 1, 1, 1))
    w = np.ones((1, 1, 4, 4))
    w[0, 0, 0, 0] = np.inf
    for method in GENERAL_METHODS:
        assert conv_transpose(x, w, stride=2, method=method)[0, 0, 0].tolist() == [np.inf, 1, 1, 1], method
        y = conv_transpose([[[np.inf, 1.0]]], [[[[1.0, 2.0]]]][0], method=method)
        assert y.tolist() == [[[np.inf, np.inf, 2.0]]], method


def test_opposite_infinities_and_zero_times_infinity_give_nan() -> None:
    for method in GENERAL_METHODS:
        y = conv_transpose([[[np.inf, -np.inf, 0.0]]], [[[1.0, 1.0]]], method=method)
        assert np.isnan(y[0, 0, 1]), method  # +inf meets -inf
        assert y[0, 0, 0] == np.inf and y[0, 0, 2] == -np.inf and y[0, 0, 3] == 0, method
        y = conv_transpose([[[0.0, 1.0]]], [[[np.inf]]], stride=2, method=method)
        assert np.isnan(y[0, 0, 0]) and y[0, 0, 1] == 0 and y[0, 0, 2] == np.inf, method  # 0 * inf; nothing arrives


def test_a_non_finite_bias_adds_in_ieee_arithmetic() -> None:
    y = conv_transpose([[[np.inf, 1.0]]], [[[1.0]], [[1.0]]][:1], [-np.inf])
    assert np.isnan(y[0, 0, 0]) and y[0, 0, 1] == -np.inf
