"""The forward operations: ``conv`` against SciPy and its own definitions, ``convolve`` against SciPy and Octave."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from transposed_conv import conv, conv_output_shape, convolve

FIXTURES = Path(__file__).parent / "data" / "octave_convolve.json"


def small_int_arrays(ndim: int, max_side: int = 6) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.int64,
        hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=max_side),
        elements=st.integers(-9, 9),
    )


@st.composite
def signal_and_kernel(draw: st.DrawFn, max_side: int = 6) -> tuple[np.ndarray, np.ndarray]:
    ndim = draw(st.integers(1, 3))
    return draw(small_int_arrays(ndim, max_side)), draw(small_int_arrays(ndim, max_side))


# --- conv ---------------------------------------------------------------------------------------


@given(signal_and_kernel())
def test_conv_of_one_channel_is_scipy_correlate_valid(pair: tuple[np.ndarray, np.ndarray]) -> None:
    """Deep-learning convolution is cross-correlation: no kernel flip, 'valid' positions only."""
    a, k = pair
    if any(m < n for m, n in zip(a.shape, k.shape)):
        a, k = k, a  # scipy's 'valid' needs the first to be the larger; ours needs the kernel to fit
        if any(m < n for m, n in zip(a.shape, k.shape)):
            return
    result = conv(a[np.newaxis, np.newaxis], k[np.newaxis, np.newaxis])[0, 0]
    np.testing.assert_array_equal(result, scipy.signal.correlate(a, k, mode="valid"))


@st.composite
def conv_configs(draw: st.DrawFn) -> dict[str, object]:
    ndim = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    padding = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(ndim))
    top = 7 if ndim < 3 else 5
    spatial = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - pb - pe), max(top, d * (k - 1) + 1 - pb - pe)))
        for k, d, (pb, pe) in zip(kernel, dilation, padding)
    )
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return {
        "x": rng.integers(-5, 6, size=(draw(st.integers(1, 2)), cin, *spatial)),
        "weight": rng.integers(-5, 6, size=(cout, cin // groups, *kernel)),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
    }


@given(conv_configs())
def test_conv_with_stride_is_stride_one_conv_subsampled(config: dict) -> None:
    full = conv(
        config["x"], config["weight"], padding=config["padding"], dilation=config["dilation"], groups=config["groups"]
    )
    strided = conv(**config)
    subsampled = full[(slice(None), slice(None), *(slice(None, None, s) for s in config["stride"]))]
    np.testing.assert_array_equal(strided, subsampled)


@given(conv_configs())
def test_conv_with_dilation_is_conv_with_a_zero_stretched_kernel(config: dict) -> None:
    w = config["weight"]
    dilation = config["dilation"]
    stretched = np.zeros(w.shape[:2] + tuple(d * (k - 1) + 1 for k, d in zip(w.shape[2:], dilation)), w.dtype)
    stretched[(slice(None), slice(None), *(slice(None, None, d) for d in dilation))] = w
    np.testing.assert_array_equal(conv(**config), conv(**{**config, "weight": stretched, "dilation": 1}))


@given(conv_configs())
def test_conv_with_padding_is_conv_of_the_zero_padded_input(config: dict) -> None:
    padded = np.pad(config["x"], ((0, 0), (0, 0), *config["padding"]))
    np.testing.assert_array_equal(conv(**config), conv(**{**config, "x": padded, "padding": 0}))


@given(conv_configs())
def test_conv_output_shape_is_the_formula(config: dict) -> None:
    x, w = config["x"], config["weight"]
    expected = conv_output_shape(
        x.shape[2:], w.shape[2:], stride=config["stride"], padding=config["padding"], dilation=config["dilation"]
    )
    assert conv(**config).shape == (x.shape[0], w.shape[0], *expected)


@given(conv_configs())
def test_grouped_conv_is_independent_convs_concatenated(config: dict) -> None:
    g = config["groups"]
    x, w = config["x"], config["weight"]
    cin_g, cout_g = x.shape[1] // g, w.shape[0] // g
    parts = [
        conv(
            **{
                **config,
                "x": x[:, i * cin_g : (i + 1) * cin_g],
                "weight": w[i * cout_g : (i + 1) * cout_g],
                "groups": 1,
            }
        )
        for i in range(g)
    ]
    np.testing.assert_array_equal(conv(**config), np.concatenate(parts, axis=1))


def test_conv_bias_and_unbatched_input() -> None:
    x = np.arange(12).reshape(2, 6)
    w = np.ones((3, 2, 2), dtype=np.int64)
    b = np.array([10, 20, 30])
    batched = conv(x[np.newaxis], w, b)
    np.testing.assert_array_equal(conv(x, w, b), batched[0])
    np.testing.assert_array_equal(batched - conv(x[np.newaxis], w), np.broadcast_to(b[:, None], (1, 3, 5)))


# --- convolve -----------------------------------------------------------------------------------


@given(signal_and_kernel())
def test_convolve_full_is_scipy_convolve_full(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, k = pair
    np.testing.assert_array_equal(convolve(a, k, "full"), scipy.signal.convolve(a, k, mode="full"))


@given(signal_and_kernel())
def test_convolve_same_is_matlab_central_part(pair: tuple[np.ndarray, np.ndarray]) -> None:
    """'same' starts at floor(m_k / 2); SciPy agrees exactly when every kernel size is odd."""
    a, k = pair
    full = convolve(a, k, "full")
    same = convolve(a, k, "same")
    assert same.shape == a.shape
    np.testing.assert_array_equal(same, full[tuple(slice(n // 2, n // 2 + m) for m, n in zip(a.shape, k.shape))])
    if all(n % 2 == 1 for n in k.shape):
        np.testing.assert_array_equal(same, scipy.signal.convolve(a, k, mode="same"))


@given(signal_and_kernel())
def test_convolve_valid_is_matlab_valid(pair: tuple[np.ndarray, np.ndarray]) -> None:
    """'valid' keeps max(m_a - m_k + 1, 0) per dimension; SciPy agrees when the kernel fits inside a."""
    a, k = pair
    valid = convolve(a, k, "valid")
    assert valid.shape == tuple(max(m - n + 1, 0) for m, n in zip(a.shape, k.shape))
    if all(m >= n for m, n in zip(a.shape, k.shape)):
        np.testing.assert_array_equal(valid, scipy.signal.convolve(a, k, mode="valid"))


def test_convolve_differs_from_scipy_where_documented() -> None:
    """The two documented differences, as concrete examples (also checked against Octave below)."""
    a, k = np.array([1, 2, 3]), np.array([1, 1])
    assert convolve(a, k, "same").tolist() == [3, 5, 3]
    assert scipy.signal.convolve(a, k, mode="same").tolist() == [1, 3, 5]
    assert convolve(a, np.ones(5, dtype=int), "valid").shape == (0,)
    assert scipy.signal.convolve(a, np.ones(5, dtype=int), mode="valid").shape == (3,)
    with pytest.raises(ValueError):
        scipy.signal.convolve(np.ones((6, 2)), np.ones((2, 4)), mode="valid")
    assert convolve(np.ones((6, 2)), np.ones((2, 4)), "valid").shape == (5, 0)


def _octave_cases() -> list[dict]:
    data = json.loads(FIXTURES.read_text())
    return data["cases"]


@pytest.mark.parametrize("case", _octave_cases(), ids=lambda c: f"{c['mode']}-{c['a_shape']}x{c['kernel_shape']}")
def test_convolve_matches_gnu_octave_convn(case: dict) -> None:
    """Recorded from GNU Octave's convn (tests/data/make_octave_fixtures.py): values and shape, empty ones included."""
    a = np.array(case["a"], dtype=np.int64).reshape(case["a_shape"])
    k = np.array(case["kernel"], dtype=np.int64).reshape(case["kernel_shape"])
    expected = np.array(case["expected"], dtype=np.int64).reshape(case["expected_shape"])
    result = convolve(a, k, case["mode"])
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)
