"""The oracle: correct results stay within the rigorous bound; results past it are reported, with a reproducer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import METHODS, conv_transpose
from transposed_conv.oracle import (
    PRECISIONS,
    OracleMismatch,
    Precision,
    assert_close,
    error_bound,
    reference,
    round_to,
)
from transposed_conv.strategies import ConvTransposeCase, conv_transpose_cases
from transposed_conv.transpose import ERROR_MODELS

#: The methods whose rounding the summation bound describes; fft and winograd: tests/test_algorithm_bounds.py.
SUMMING_METHODS = [m for m in METHODS if ERROR_MODELS[m] == "summation"]


@given(conv_transpose_cases(dtype="float32", values="normal"))
def test_our_float32_results_stay_within_the_float32_bound(case: ConvTransposeCase) -> None:
    for method in SUMMING_METHODS:
        y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method=method)
        assert y.dtype == np.float32
        assert_close(y, case.x, case.weight, case.bias, **case.kwargs, precision="float32")


@given(conv_transpose_cases(dtype="float64", values="normal"))
def test_our_float64_results_stay_within_the_float64_bound(case: ConvTransposeCase) -> None:
    for method in SUMMING_METHODS:
        y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method=method)
        assert_close(y, case.x, case.weight, case.bias, **case.kwargs, precision="float64")


@given(conv_transpose_cases(dtype="float16", values="uniform"))
def test_float16_results_stay_within_the_float16_bound(case: ConvTransposeCase) -> None:
    """Our float16 path accumulates in float32 and rounds once: what 'float16' describes."""
    y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
    assert y.dtype == np.float16
    assert_close(y, case.x, case.weight, case.bias, **case.kwargs, precision="float16")


@given(conv_transpose_cases(dtype="float32", values="normal"))
def test_simulated_tf32_and_bfloat16_stay_within_their_bounds(case: ConvTransposeCase) -> None:
    """TF32: inputs rounded to 10 mantissa bits, float32 accumulation; bfloat16: bf16 inputs and output."""
    tf32 = conv_transpose(
        round_to(case.x, "tf32").astype(np.float32),
        round_to(case.weight, "tf32").astype(np.float32),
        case.bias,
        **case.kwargs,
    )
    assert_close(tf32, case.x, case.weight, case.bias, **case.kwargs, precision="tf32")
    bx, bw = round_to(case.x, "bfloat16").astype(np.float32), round_to(case.weight, "bfloat16").astype(np.float32)
    bb = None if case.bias is None else round_to(case.bias, "bfloat16").astype(np.float32)
    bf16 = round_to(conv_transpose(bx, bw, bb, **case.kwargs), "bfloat16")
    assert_close(bf16, case.x, case.weight, case.bias, **case.kwargs, precision="bfloat16")


@given(conv_transpose_cases(dtype="float32", values="normal"), st.data())
def test_a_result_perturbed_past_the_bound_fails_at_that_element(case: ConvTransposeCase, data: st.DataObject) -> None:
    y = reference(case.x, case.weight, case.bias, **case.kwargs, precision="float32")
    if y.size == 0:
        return
    bound = error_bound(case.x, case.weight, case.bias, **case.kwargs, precision="float32")
    flat = data.draw(st.integers(0, y.size - 1))
    index = np.unravel_index(flat, y.shape)
    wrong = y.copy()
    wrong[index] += 1.5 * bound[index] + 1e-30  # past the bound, even where the bound is 0
    with pytest.raises(OracleMismatch) as raised:
        assert_close(wrong, case.x, case.weight, case.bias, **case.kwargs, precision="float32")
    assert raised.value.index == tuple(int(i) for i in index)
    assert raised.value.violations == 1


def test_lower_precision_fails_a_higher_precision_check() -> None:
    """An implementation that silently computes in float16 (or TF32) fails the float32 check."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 16, 6, 6)).astype(np.float32)
    w = rng.standard_normal((16, 8, 4, 4)).astype(np.float32)
    kwargs = {"stride": 2, "padding": 1}
    low = conv_transpose(x.astype(np.float16), w.astype(np.float16), **kwargs).astype(np.float32)
    with pytest.raises(OracleMismatch, match="float32 rounding bound"):
        assert_close(low, x, w, **kwargs, precision="float32")
    assert_close(low, x, w, **kwargs, precision="float16")
    tf32 = conv_transpose(round_to(x, "tf32").astype(np.float32), round_to(w, "tf32").astype(np.float32), **kwargs)
    with pytest.raises(OracleMismatch):
        assert_close(tf32, x, w, **kwargs, precision="float32")
    assert_close(tf32, x, w, **kwargs, precision="tf32")


def test_the_report_names_the_worst_element_and_its_reproducer_reproduces() -> None:
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3) / 7
    w = np.ones((2, 2, 3), dtype=np.float32) / 3
    b = np.array([0.5, -0.25], dtype=np.float32)
    y = conv_transpose(x, w, b, stride=2, padding=1)
    y[0, 1, 2] += np.float32(0.01)
    with pytest.raises(OracleMismatch) as raised:
        assert_close(y, x, w, b, stride=2, padding=1, precision="float32")
    error = raised.value
    assert error.index == (0, 1, 2)
    assert error.actual == float(y[0, 1, 2])
    assert error.expected == pytest.approx(float(y[0, 1, 2]) - 0.01, abs=1e-6)
    message = str(error)
    for text in ("worst element (0, 1, 2)", "actual", "expected", "bound", "stride=2", "padding=1", "reproducer"):
        assert text in message
    with pytest.raises(OracleMismatch) as again:
        exec(error.reproducer, {})
    assert again.value.index == error.index
    assert again.value.actual == error.actual


def test_large_reproducers_are_saved_to_a_file() -> None:
    x = np.ones((4, 8, 16, 16), dtype=np.float32)
    w = np.ones((8, 4, 3, 3), dtype=np.float32)
    y = conv_transpose(x, w)
    y[0, 0, 0, 0] = 123.0
    with pytest.raises(OracleMismatch) as raised:
        assert_close(y, x, w)
    assert "np.load(" in raised.value.reproducer
    with pytest.raises(OracleMismatch):
        exec(raised.value.reproducer, {})


def test_shape_nan_and_dtype_mismatches_fail() -> None:
    x = np.ones((1, 1, 3), dtype=np.float32)
    w = np.ones((1, 1, 2), dtype=np.float32)
    y = conv_transpose(x, w)
    with pytest.raises(OracleMismatch, match=r"shape \(1, 1, 3\), but the transposed convolution has shape"):
        assert_close(y[..., :3], x, w)
    y_nan = y.copy()
    y_nan[0, 0, 1] = np.nan
    with pytest.raises(OracleMismatch, match=r"worst element \(0, 0, 1\)"):
        assert_close(y_nan, x, w)
    with pytest.raises(OracleMismatch, match="real numbers"):
        assert_close(y.astype(np.complex64), x, w)


def test_bound_counts_the_products_of_each_element() -> None:
    """Gaps of a stride larger than the kernel get no products: only the bias, exactly representable."""
    x = np.ones((1, 1, 3))
    w = np.ones((1, 1, 2))
    bound = error_bound(x, w, precision="float32")[0, 0]
    u = 2.0**-24
    # positions 0,1 | 3,4 | 6,7 get one product each; 2 and 5 none.
    bound_stride3 = error_bound(x, w, stride=3, precision="float32")[0, 0]
    assert bound_stride3[[2, 5]].tolist() == [0.0, 0.0]
    assert np.all(bound_stride3[[0, 1, 3, 4, 6, 7]] < 3 * u)
    assert bound[1] > bound[0]  # two products at the overlap


@pytest.mark.parametrize("name", sorted(PRECISIONS))
def test_every_precision_has_a_nonnegative_bound_growing_with_the_work(name: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 4, 5))
    small = error_bound(x, rng.standard_normal((4, 2, 3)), precision=name)
    large = error_bound(np.concatenate([x, x], axis=1), rng.standard_normal((8, 2, 3)), precision=name)
    assert np.all(small >= 0) and np.all(np.isfinite(small))
    assert large.max() > 0 and small.max() > 0


@given(st.lists(st.floats(-(2.0**100), 2.0**100, allow_nan=False, width=32), min_size=1, max_size=20))
def test_round_to_bfloat16_and_tf32_keep_7_and_10_mantissa_bits(values: list[float]) -> None:
    a = np.array(values, dtype=np.float32)
    for storage, bits in (("bfloat16", 7), ("tf32", 10)):
        r = round_to(a, storage)
        mantissa, _ = np.frexp(r)
        assert np.all(mantissa * 2 ** (bits + 1) == np.round(mantissa * 2 ** (bits + 1)))  # fits in bits + 1
        half_subnormal_spacing = 2.0 ** (-126 - bits - 1)  # subnormals keep fewer bits
        assert np.all(np.abs(r - a) <= 2.0 ** -(bits + 1) * np.abs(a) + half_subnormal_spacing)  # round to nearest


def test_round_to_bfloat16_ties_to_even() -> None:
    assert round_to([1 + 2**-8, 1 + 3 * 2**-8], "bfloat16").tolist() == [1.0, 1 + 2**-6]


def test_precision_arguments_are_validated() -> None:
    x, w = np.ones((1, 1, 2)), np.ones((1, 1, 2))
    with pytest.raises(ValueError, match="precision must be one of"):
        error_bound(x, w, precision="float8")
    with pytest.raises(TypeError, match="precision must be"):
        error_bound(x, w, precision=True)
    assert np.all(error_bound(x, w, precision=2.0**-24) > 0)
    with pytest.raises(ValueError, match="storage must be one of"):
        round_to(x, "int8")


def test_the_convention_general_oracle_takes_an_empty_result() -> None:
    """A convention whose output is empty (JAX pads leaving less than the kernel): the reference, the bound and
    the fraction are empty arrays of that shape, and an empty ``actual`` of another shape is still refused."""
    from transposed_conv.conventions import jax_conv_transpose
    from transposed_conv.oracle import linear_bound_fraction, linear_error_bound, linear_reference

    def compute(lhs: np.ndarray, rhs: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        return jax_conv_transpose(lhs, rhs, (2,), [(-2, -2)])

    x, k = np.ones((2, 3, 4), np.float32), np.ones((3, 4, 5), np.float32)
    for result in (
        linear_reference(compute, x, k, precision="float32"),
        linear_error_bound(compute, x, k, precision="float32"),
        linear_bound_fraction(np.empty((2, 0, 5), np.float32), compute, x, k, precision="float32"),
    ):
        assert result.shape == (2, 0, 5) and result.dtype == np.float64
    with pytest.raises(ValueError, match=r"actual must have the output's shape \(2, 0, 5\)"):
        linear_bound_fraction(np.empty((2, 0, 4), np.float32), compute, x, k)


# ----------------------------------------------------------------------------------------------
# Reproducers run as printed (transposed_conv._literals)
# ----------------------------------------------------------------------------------------------


def _special_values_case() -> tuple[np.ndarray, ...]:
    x = np.array([[[1.0, np.nan, 2.0, np.inf, 4.0, -np.inf, 6.0, -0.0]]], dtype=np.float32)
    return x, np.array([[[1.0, 0.5]]], dtype=np.float32), np.array([-0.0], dtype=np.float32)


def _uint64_case() -> tuple[np.ndarray, ...]:
    x = np.array([[[2**64 - 1, 2, 3]]], dtype=np.uint64)
    return x, np.ones((1, 1, 2), dtype=np.uint64), None


def _float16_case() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 3)).astype(np.float16)
    x[1, 1, 2] = -np.inf
    return x, rng.standard_normal((2, 3, 2)).astype(np.float16), np.array([0.5, np.inf, -0.0], np.float16)


def _bfloat16_values_case() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(2)
    x = round_to(rng.standard_normal((1, 2, 4)), "bfloat16").astype(np.float32)
    x[0, 0, 3] = np.nan
    return x, round_to(rng.standard_normal((2, 1, 3)), "bfloat16").astype(np.float32), None


def _large_case() -> tuple[np.ndarray, ...]:
    x = np.ones((2, 8, 16, 16), dtype=np.float32)
    x[1, 3, 7, 7] = np.nan
    return x, np.ones((8, 4, 3, 3), dtype=np.float32), None


REPRODUCED = [  # (inputs, keyword arguments of assert_close, the position made clearly wrong: no non-finite input)
    pytest.param(_special_values_case, {"precision": "float32"}, (0, 0, 0), id="nan-inf-negative-zero"),
    pytest.param(_uint64_case, {"precision": "float64"}, (0, 0, 3), id="uint64-near-2**64"),
    pytest.param(_float16_case, {"precision": "float16", "stride": 2}, (0, 0, 0), id="float16"),
    pytest.param(_bfloat16_values_case, {"precision": "bfloat16"}, (0, 0, 0), id="bfloat16"),
    pytest.param(
        _special_values_case,
        {"precision": Precision("mine", "float32", 0.0, 2.0**-20, 0.0, 2.0**-150)},
        (0, 0, 0),
        id="custom-precision",
    ),
    pytest.param(_special_values_case, {"precision": 2.0**-30}, (0, 0, 0), id="unit-roundoff"),
    pytest.param(
        _special_values_case,
        {"precision": "float32", "stride": np.int64(2), "padding": [(np.int64(1), 0)], "dilation": (1,)},
        (0, 0, 0),
        id="numpy-int-arguments",
    ),
    pytest.param(_large_case, {"precision": "float32"}, (0, 0, 0, 0), id="large-with-nan-in-a-file"),
]


@pytest.mark.parametrize(("inputs", "options", "where"), REPRODUCED)
def test_printed_reproducers_run_and_fail_again(inputs, options, where) -> None:  # type: ignore[no-untyped-def]
    """The reproducer of a mismatch, executed as printed in a fresh namespace, raises the same mismatch: NaN,
    infinities, -0.0, float16, bfloat16 values, uint64 beyond 2**63, a custom precision, NumPy ints among the
    arguments and arrays too large to print all rebuild exactly."""
    x, w, b = inputs()
    precision = options["precision"]
    conv_args = {key: value for key, value in options.items() if key != "precision"}
    if x.dtype == np.uint64:  # the result as a uint64 array: 2**64 - 1 where 3 is expected
        actual = np.array([[[2**64 - 1, 2**64 - 1, 5, 2**64 - 1]]], dtype=np.uint64)
    else:
        actual = conv_transpose(x, w, b, **conv_args).astype(x.dtype)
        actual[where] += 1000
    with pytest.raises(OracleMismatch) as raised:
        assert_close(actual, x, w, b, precision=precision, **conv_args)
    error = raised.value
    assert error.index == where
    script = error.reproducer
    assert " nan" not in script and " inf" not in script and "np.bfloat16" not in script
    with pytest.raises(OracleMismatch) as again:
        exec(script, {})
    assert (again.value.index, again.value.violations) == (error.index, error.violations)
    assert again.value.actual == error.actual and again.value.expected == error.expected
    assert again.value.bound == error.bound  # the same precision, rebuilt


def test_a_custom_precision_is_imported_and_a_named_one_is_its_name() -> None:
    x, w, b = _special_values_case()
    actual = conv_transpose(x, w, b) + np.float32(1000)
    custom = Precision("float32", "float32", 0.0, 2.0**-20)  # a known name, other values: rebuilt, not named
    for precision, expected, imported in (
        (custom, "precision=Precision(name='float32', storage='float32'", True),
        (PRECISIONS["float32"], "precision='float32')", False),
    ):
        with pytest.raises(OracleMismatch) as raised:
            assert_close(actual, x, w, b, precision=precision)
        assert expected in raised.value.reproducer
        assert ("from transposed_conv.oracle import Precision" in raised.value.reproducer) == imported
