"""Dtype rules and the promise that inputs are never modified."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given

from transposed_conv import METHODS, conv, conv_transpose, convolve
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases
from transposed_conv.transpose import supports

ALL_METHODS = ["auto", *METHODS]
#: winograd computes stride-1 3-tap kernels only; test_algorithm_bounds checks it in its domain
GENERAL_METHODS = [m for m in ALL_METHODS if m != "winograd"]


@pytest.mark.parametrize("method", GENERAL_METHODS)
@pytest.mark.parametrize(
    ("x_dtype", "w_dtype", "expected"),
    [
        (np.float32, np.float32, np.float32),
        (np.float64, np.float64, np.float64),
        (np.float16, np.float16, np.float16),
        (np.float32, np.float64, np.float64),
        (np.int64, np.int64, np.int64),
        (np.int8, np.int8, np.int64),
        (np.uint8, np.int16, np.int64),
        (np.int32, np.float32, np.float64),  # NumPy's promotion
        (np.int64, np.float64, np.float64),
    ],
)
def test_result_dtype_rules(method: str, x_dtype: type, w_dtype: type, expected: type) -> None:
    x = np.arange(2 * 2 * 3).reshape(1, 2, 2, 3).astype(x_dtype)
    w = np.arange(2 * 2 * 2 * 2).reshape(2, 2, 2, 2).astype(w_dtype)
    y = conv_transpose(x, w, stride=2, method=method)
    assert y.dtype == expected
    exact = conv_transpose(x.astype(np.int64), w.astype(np.int64), stride=2, method="direct")
    np.testing.assert_array_equal(y, exact.astype(expected))  # small integers are exact in every dtype


def test_forward_functions_follow_the_same_rules() -> None:
    x = np.arange(8, dtype=np.float32).reshape(1, 1, 8)
    assert conv(x, np.ones((1, 1, 3), dtype=np.float32)).dtype == np.float32
    assert conv(x.astype(np.int16), np.ones((1, 1, 3), dtype=np.int16)).dtype == np.int64
    assert convolve(np.arange(4, dtype=np.float32), np.ones(2, dtype=np.float32)).dtype == np.float32
    assert convolve(np.arange(4, dtype=np.uint8), np.ones(2, dtype=np.uint8)).dtype == np.int64


def test_integer_results_are_exact_beyond_float64_precision() -> None:
    """int64 arithmetic: products near 2**60 would lose their low bits in float64."""
    x = np.array([[[2**40 + 1, 3]]], dtype=np.int64)
    w = np.array([[[2**20 + 1, 1]]], dtype=np.int64)
    expected = [(2**40 + 1) * (2**20 + 1), (2**40 + 1) + 3 * (2**20 + 1), 3]  # exact Python integers
    for method in GENERAL_METHODS:
        assert conv_transpose(x, w, method=method)[0, 0].tolist() == expected, method


@given(cases())
def test_inputs_are_never_modified(case: Case) -> None:
    """Every method leaves x, weight and bias untouched (checked with read-only arrays and copies)."""
    originals = [case.x.copy(), case.weight.copy(), None if case.bias is None else case.bias.copy()]
    arrays = [case.x, case.weight, case.bias]
    for a in arrays:
        if a is not None:
            a.flags.writeable = False
    try:
        for method in (m for m in ALL_METHODS if supports(m, case.config)):
            conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method=method)
        conv(
            conv_transpose(case.x, case.weight, **case.kwargs),
            case.weight,
            stride=case.stride,
            padding=case.padding,
            dilation=case.dilation,
            groups=case.groups,
        )
    finally:
        for a in arrays:
            if a is not None:
                a.flags.writeable = True
    for a, original in zip(arrays, originals):
        if a is not None:
            np.testing.assert_array_equal(a, original)


@given(cases())
def test_result_never_shares_memory_with_the_inputs(case: Case) -> None:
    for method in (m for m in ALL_METHODS if supports(m, case.config)):
        y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs, method=method)
        for a in (case.x, case.weight, case.bias):
            assert a is None or not np.shares_memory(y, a)
        assert y.flags.c_contiguous


def test_plain_python_lists_are_accepted() -> None:
    y = conv_transpose([[[1, 2]]], [[[1, 1]]], [5], stride=2)
    assert y.tolist() == [[[6, 6, 7, 7]]]
    assert y.dtype == np.int64
    for a, b in itertools.product([[1.0, 2.0], [1, 2]], repeat=2):
        assert convolve(a, b).tolist() == [1, 4, 4]
