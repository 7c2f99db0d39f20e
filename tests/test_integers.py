"""Integer inputs: the exact result as int64, or an OverflowError -- never a wrapped value.

The exact result is computed here with Python integers (object arrays through the literal
``direct`` scatter, and plain loops for ``convolve``), independently of the package's
float64 and limb arithmetic.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from transposed_conv import METHODS, conv, conv_transpose, conv_transpose_backward, convolve
from transposed_conv._arguments import prepare_conv_transpose
from transposed_conv._integers import exact_sum, limbs
from transposed_conv.methods import direct
from transposed_conv.strategies import ConvTransposeCase, conv_transpose_cases
from transposed_conv.transpose import supports

ALL_METHODS = ["auto", *METHODS]
#: winograd computes stride-1 3-tap kernels only; test_algorithm_bounds checks it in its domain
GENERAL_METHODS = [m for m in ALL_METHODS if m != "winograd"]
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
OVERFLOW = r"^the exact result has the value -?\d+ at index \(.*\), outside int64's range"


def exact_conv_transpose(case: ConvTransposeCase) -> np.ndarray:
    """The definition in Python integers: ``direct``'s scatter on object arrays, plus the bias."""
    x, w = case.x.astype(object), case.weight.astype(object)
    _, geometry = prepare_conv_transpose(
        case.x, case.weight, None, output_size=None, **{k: v for k, v in case.kwargs.items()}
    )
    y = direct.conv_transpose(x, w, geometry)
    if case.bias is not None:
        y = y + case.bias.astype(object).reshape((-1,) + (1,) * case.ndim)
    return np.asarray(y, dtype=object)


def fits_int64(y: np.ndarray) -> bool:
    return y.size == 0 or (INT64_MIN <= min(y.flat) and max(y.flat) <= INT64_MAX)


@st.composite
def large_integer_cases(draw: st.DrawFn, dtype: str = "int64") -> ConvTransposeCase:
    """Drawn configurations whose entries are small, or anywhere in the dtype's range (about 2**62 and beyond)."""
    case = draw(conv_transpose_cases(dtype=dtype, max_ndim=2, max_side=4, max_channels_per_group=2, max_batch=1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    info = np.iinfo(dtype)

    def widen(a: np.ndarray | None, fraction: float) -> np.ndarray | None:
        if a is None:
            return None
        out = a.copy()
        chosen = rng.random(a.shape) < fraction
        out[chosen] = rng.integers(info.min, info.max, size=int(chosen.sum()), dtype=dtype, endpoint=True)
        return out

    fraction = draw(st.sampled_from([0.0, 0.1, 0.5]))
    x, w = widen(case.x, fraction), widen(case.weight, draw(st.sampled_from([0.0, 0.1])))
    assert x is not None and w is not None
    return ConvTransposeCase(case.config, x, w, widen(case.bias, fraction))


@given(large_integer_cases(), st.sampled_from(ALL_METHODS))
def test_integer_results_are_exact_or_refused(case: ConvTransposeCase, method: str) -> None:
    """Every method returns the exact int64 result when it fits, and raises OverflowError when it does not."""
    assume(supports(method, case.config))
    exact = exact_conv_transpose(case)
    event("fits int64" if fits_int64(exact) else "overflows int64")
    if fits_int64(exact):
        y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method=method)
        assert y.dtype == np.int64
        assert y.tolist() == exact.tolist()
    else:
        with pytest.raises(OverflowError, match=OVERFLOW):
            conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method=method)


@given(large_integer_cases(dtype="uint64"))
def test_uint64_inputs_up_to_2_64_are_exact_or_refused(case: ConvTransposeCase) -> None:
    """uint64 values up to ``2**64 - 1``: the result decides, as for every integer dtype."""
    exact = exact_conv_transpose(case)
    if fits_int64(exact):
        assert conv_transpose(case.x, case.weight, case.bias, **case.kwargs).tolist() == exact.tolist()
    else:
        with pytest.raises(OverflowError, match=OVERFLOW):
            conv_transpose(case.x, case.weight, case.bias, **case.kwargs)


@pytest.mark.parametrize("method", GENERAL_METHODS)
def test_the_boundary_of_int64(method: str) -> None:
    """Results of exactly ``2**63 - 1`` and ``-2**63`` are returned (even past a partial sum of ``2**63``); one more
    is refused, never wrapped."""
    assert conv_transpose([[[2**62]]], [[[-2]]], method=method).tolist() == [[[INT64_MIN]]]
    assert conv_transpose([[[2**62]]], [[[2]]], [-1], method=method).tolist() == [[[INT64_MAX]]]
    cancelling = conv_transpose([[[2**62], [2**62]]], [[[2]], [[-2]]], method=method)  # a partial sum of 2**63
    assert cancelling.tolist() == [[[0]]]
    with pytest.raises(OverflowError, match=r"the value 9223372036854775808 "):
        conv_transpose([[[2**62]]], [[[2]]], method=method)
    with pytest.raises(OverflowError, match=r"the value -9223372036854775809 "):
        conv_transpose([[[2**62]]], [[[-2]]], [-1], method=method)
    with pytest.raises(OverflowError, match=r"the value 18446744073709551616 "):
        conv_transpose(np.array([[[2**62]]]), np.array([[[4]]]), method=method)  # the example: was 0


def test_uint64_values_beyond_int64_are_exact_when_the_result_fits() -> None:
    """uint64 entries above ``2**63`` used to come back negative; now the exact result, or a refusal."""
    u = np.array([[[2**63, 2**63 + 5]]], dtype=np.uint64)
    assert conv_transpose(u, np.array([[[-1, 1]]], np.int8), padding=[(0, 1)]).tolist() == [[[INT64_MIN, -5]]]
    assert conv_transpose(u[:, :, 1:], np.array([[[1]]]), np.array([-10])).tolist() == [[[2**63 - 5]]]
    with pytest.raises(OverflowError, match=r"the value 9223372036854775808 "):
        conv_transpose(u[:, :, :1], np.array([[[1]]], np.uint8))


@pytest.mark.parametrize(("x_dtype", "w_dtype"), [("int8", "uint64"), ("uint16", "int64"), ("int32", "uint64")])
def test_mixed_integer_dtypes_follow_the_same_rule(x_dtype: str, w_dtype: str) -> None:
    """Products near ``2**60`` (beyond float64's 53 bits) of mixed integer dtypes, exact as int64."""
    x = np.array([[[3, 1, 2]]], dtype=x_dtype)
    w = np.array([[[2**58, 7]]], dtype=w_dtype)
    y = conv_transpose(x, w)
    assert y.dtype == np.int64
    assert y.tolist() == [[[3 * 2**58, 2**58 + 21, 2 * 2**58 + 7, 14]]]
    assert conv_transpose(w[:, :, :1], x).tolist() == [[[3 * 2**58, 2**58, 2 * 2**58]]]  # the roles swapped


def test_conv_and_convolve_are_exact_or_refused() -> None:
    assert conv([[[2**62, 2**62, 3]]], [[[1, -1]]]).tolist() == [[[0, 2**62 - 3]]]
    with pytest.raises(OverflowError, match=OVERFLOW):
        conv([[[2**62, 2**62]]], [[[1, 1]]])
    assert convolve([2**62, 2**62], [1, -1]).tolist() == [2**62, 0, -(2**62)]
    with pytest.raises(OverflowError, match=OVERFLOW):
        convolve(np.array([2**63 + 1], np.uint64), [1])
    with pytest.raises(OverflowError, match=OVERFLOW):
        convolve([2**62, 2**62], [1, 1])


@given(st.lists(st.integers(-(2**63), 2**64 - 1), min_size=1, max_size=6), st.sampled_from([16, 11, 5]))
def test_limbs_reassemble_the_integer_exactly(values: list[int], bits: int) -> None:
    dtype = np.uint64 if any(v >= 2**63 for v in values) else np.int64
    values = [v for v in values if (v >= 0 if dtype == np.uint64 else True)] or [0]
    a = np.array(values, dtype=dtype)
    parts = limbs(a, bits)
    assert all(float(np.abs(p).max()) <= 2**bits for p in parts)
    assert [sum(int(p[k]) << (bits * i) for i, p in enumerate(parts)) for k in range(a.size)] == values


def test_exact_sum_refuses_instead_of_wrapping() -> None:
    assert exact_sum(np.array([[2**62, 2**62, -(2**62)]]), (1,)).tolist() == [2**62]
    with pytest.raises(OverflowError, match=OVERFLOW):
        exact_sum(np.array([[2**62, 2**62]]), (1,))


def test_convention_functions_follow_the_same_rule() -> None:
    """ONNX positions beyond the full output hold the bias alone: exact too, or refused."""
    from transposed_conv import onnx_conv_transpose

    x, w = np.zeros((1, 1, 2), np.int64), np.ones((1, 1, 2), np.int64)
    y = onnx_conv_transpose(x, w, np.array([2**63 - 1], np.uint64), output_shape=[6])
    assert y.dtype == np.int64 and y.tolist() == [[[INT64_MAX] * 6]]
    with pytest.raises(OverflowError, match=OVERFLOW):
        onnx_conv_transpose(x, w, np.array([2**63], np.uint64), output_shape=[6])


def exact_gradients(case: ConvTransposeCase, dy: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """``conv_transpose``'s gradients in Python integers, one product at a time, flattened."""
    c = case.config
    dx = np.zeros(case.x.shape, dtype=object)
    dw = np.zeros(case.weight.shape, dtype=object)
    c_in_g, c_out_g = c.in_channels // c.groups, c.out_channels // c.groups
    for n, ci in itertools.product(range(c.batch), range(c.in_channels)):
        for i in itertools.product(*(range(size) for size in c.input_shape)):
            for m, j in itertools.product(range(c_out_g), itertools.product(*(range(k) for k in c.kernel_shape))):
                o = tuple(ii * s + jj * d - pb for ii, jj, s, d, (pb, _) in zip(i, j, c.stride, c.dilation, c.padding))
                if all(0 <= oo < size for oo, size in zip(o, c.output_shape)):
                    g = dy[(n, ci // c_in_g * c_out_g + m, *o)]
                    dx[(n, ci, *i)] += int(case.weight[(ci, m, *j)]) * int(g)
                    dw[(ci, m, *j)] += int(case.x[(n, ci, *i)]) * int(g)
    db = [sum(int(v) for v in dy[:, channel].flat) for channel in range(c.out_channels)]
    return list(dx.flat), list(dw.flat), db


@given(large_integer_cases(), st.integers(0, 2**32 - 1))
def test_gradients_are_exact_or_refused(case: ConvTransposeCase, seed: int) -> None:
    """Each gradient is the exact int64 result, or the call raises OverflowError because one does not fit."""
    rng = np.random.default_rng(seed)
    shape = (case.batch, case.out_channels, *case.output_shape)
    dy = np.where(rng.random(shape) < 0.3, rng.integers(-(2**62), 2**62, size=shape), rng.integers(-4, 5, size=shape))
    expected = exact_gradients(case, dy)
    fits = all(INT64_MIN <= v <= INT64_MAX for part in expected for v in part)
    event("fits int64" if fits else "overflows int64")
    if fits:
        grads = conv_transpose_backward(dy, case.x, case.weight, **case.kwargs)
        assert [[int(v) for v in g.flat] for g in grads] == list(expected)
        assert all(g.dtype == np.int64 for g in grads)
    else:
        with pytest.raises(OverflowError, match=OVERFLOW):
            conv_transpose_backward(dy, case.x, case.weight, **case.kwargs)
