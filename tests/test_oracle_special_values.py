"""The oracle on NaN, infinities and overflow: it accepts exactly the right answer and rejects every wrong one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_special_values import special_cases
from transposed_conv import conv_transpose
from transposed_conv.oracle import OracleMismatch, answer_key, assert_close, bound_fraction
from transposed_conv.strategies import ConvTransposeCase

X, W = [[[np.inf, 1.0]]], [[[1.0, 2.0]]]  # exactly [inf, inf, 2]


def test_the_issue_example_accepts_exactly_the_right_answer() -> None:
    assert_close([[[np.inf, np.inf, 2.0]]], X, W, precision="float64")
    for wrong in ([[[0.0, 0.0, 2.0]]], [[[-np.inf, -np.inf, 2.0]]], [[[1.0, 7.0, 2.0]]], [[[np.nan, np.inf, 2.0]]]):
        with pytest.raises(OracleMismatch, match=r"worst element \(0, 0, 0\): .*non-finite input arrives"):
            assert_close(wrong, X, W, precision="float64")
    with pytest.raises(OracleMismatch, match=r"worst element \(0, 0, 2\): actual nan, expected 2.0"):
        assert_close([[[np.inf, np.inf, np.nan]]], X, W, precision="float64")


@pytest.mark.parametrize(
    "actual",
    [[[[0.0, 0.0, 2.0]]], [[[-np.inf, -np.inf, 2.0]]], [[[1.0, 7.0, 2.0]]], [[[np.nan, np.nan, np.nan]]]],
)
def test_bound_fraction_is_never_nan_for_a_mismatch(actual: list[list[list[float]]]) -> None:
    fraction = bound_fraction(actual, X, W)
    assert not np.isnan(fraction).any()
    assert fraction.max() == np.inf


def mutations(expected: np.ndarray, key_exact: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Wrong results: one element changed in a way no correct implementation could produce."""
    wrong = []
    exact = np.flatnonzero(key_exact)
    if exact.size:
        index = rng.choice(exact)
        value = expected.flat[index]
        changed = expected.copy()
        changed.flat[index] = 1.0 if np.isnan(value) else (-value if np.isinf(value) else np.nan)
        wrong.append(changed)
        changed = expected.copy()
        changed.flat[index] = np.nan if not np.isnan(value) else np.inf
        wrong.append(changed)
    finite = np.flatnonzero(~key_exact & np.isfinite(expected))
    if finite.size:
        index = rng.choice(finite)
        changed = expected.copy()
        changed.flat[index] = np.nan  # no finite input can overflow here: the values are small
        wrong.append(changed)
        changed = expected.copy()
        changed.flat[index] += 1.0
        wrong.append(changed)
    return wrong


@given(special_cases(), st.sampled_from(["float64", "float32"]), st.integers(0, 2**32 - 1))
def test_the_oracle_accepts_the_ieee_result_and_rejects_every_mutation(
    case: ConvTransposeCase, dtype: str, seed: int
) -> None:
    """Our result (the definition's IEEE result) passes; each single-element corruption of it fails."""
    x, w = case.x.astype(dtype), case.weight.astype(dtype)
    b = None if case.bias is None else case.bias.astype(dtype)
    y = conv_transpose(x, w, b, **case.kwargs)
    assert_close(y, x, w, b, **case.kwargs, precision=dtype)

    def compute(xx: np.ndarray, ww: np.ndarray, bb: np.ndarray | None) -> np.ndarray:
        return conv_transpose(xx, ww, bb, **case.kwargs)

    key = answer_key(compute, x, w, b, precision=dtype)
    for wrong in mutations(y.astype(np.float64), key.exact, np.random.default_rng(seed)):
        with pytest.raises(OracleMismatch):
            assert_close(wrong.astype(dtype), x, w, b, **case.kwargs, precision=dtype)
        assert not np.isnan(key.fraction(wrong)).any()


def test_overflow_is_accepted_only_where_a_partial_sum_can_overflow() -> None:
    """float32: ``3e38 + 3e38`` may overflow; ``3e38`` alone may not."""
    x, w = np.full((1, 1, 2), 3e38, np.float32), np.ones((1, 1, 2), np.float32)
    assert_close(np.array([[[3e38, np.inf, 3e38]]], np.float32), x, w, precision="float32")
    assert_close(np.array([[[3e38, 6e38, 3e38]]]), x, w, precision="float32")  # the exact sum, in float64
    with pytest.raises(OracleMismatch, match="no partial sum can overflow"):
        assert_close(np.array([[[np.inf, np.inf, 3e38]]], np.float32), x, w, precision="float32")


def test_float16_results_may_overflow_when_rounded_to_float16() -> None:
    """float16 storage with a float32 accumulator: 40000 + 40000 fits float32 but not float16."""
    x, w = np.full((1, 1, 2), 40000, np.float16), np.ones((1, 1, 2), np.float16)
    assert_close(np.array([[[40000, np.inf, 40000]]], np.float16), x, w, precision="float16")
    with pytest.raises(OracleMismatch):
        assert_close(np.array([[[np.inf, np.inf, 40000]]], np.float16), x, w, precision="float16")


def test_float64_data_beyond_float64_range_is_judged_on_the_scaled_problem() -> None:
    """``1e160 * 1e160`` overflows float64 itself: finite answers are still judged, in scaled form."""
    x, w = np.array([[[1e160, -1e160]]]), np.array([[[1e160, 1e160]]])  # exactly [1e320, 0, -1e320]
    assert_close([[[np.inf, 0.0, -np.inf]]], x, w, precision="float64")
    with pytest.raises(OracleMismatch):
        assert_close([[[np.inf, 1e306, -np.inf]]], x, w, precision="float64")  # beyond the bound of about 1e305
    with pytest.raises(OracleMismatch):
        assert_close([[[1.0, 0.0, -np.inf]]], x, w, precision="float64")  # 1 is not 1e320


def test_the_sign_of_a_zero_result_is_not_compared() -> None:
    """Two correct float32 implementations disagree on the sign of a zero: float32 products underflow to -0 and +0
    and sum to +0; float64 products sum to -3 * 2**-162, which rounds to -0.  An accumulator started from the
    first product rather than +0 gives -0 where the only product is -0.  The oracle accepts both signs."""
    x = np.array([[[2.0**-70, 2.0**-80]]], np.float32)
    w = np.array([[[2.0**-82, -(2.0**-90)]]], np.float32)
    in_float32 = conv_transpose(x, w)
    in_float64 = conv_transpose(x.astype(np.float64), w.astype(np.float64)).astype(np.float32)
    assert in_float32[0, 0, 1] == 0 == in_float64[0, 0, 1]
    assert not np.signbit(in_float32[0, 0, 1]) and np.signbit(in_float64[0, 0, 1])
    first_product = np.array([[[float(x[0, 0, 1] * w[0, 0, 1])]]], np.float32)  # y[2] = x[1] w[1] = -0
    assert np.signbit(first_product).all() and not np.signbit(in_float32[0, 0, 2])
    for result in (in_float32, in_float64, -in_float32):
        assert float(bound_fraction(result, x, w, precision="float32").max()) <= 1
    assert_close(first_product, x[:, :, 1:], w[:, :, 1:], precision="float32")


@given(special_cases(max_ndim=2, max_side=4, max_kernel=3))
def test_flipping_the_sign_of_zero_results_changes_no_verdict(case: ConvTransposeCase) -> None:
    y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
    flipped = np.where(y == 0, -y, y)
    before = bound_fraction(y, case.x, case.weight, case.bias, **case.kwargs)
    np.testing.assert_array_equal(bound_fraction(flipped, case.x, case.weight, case.bias, **case.kwargs), before)
