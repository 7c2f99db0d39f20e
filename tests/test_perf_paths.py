"""The paths that make small, depthwise and repeated calls fast equal the readable ones; no test here is timed.

* the depthwise path of the polyphase split (:func:`~transposed_conv.methods.polyphase.conv_transpose_depthwise`)
  forms im2col's products and adds them in im2col's order: equal to ``"im2col"`` bit for bit, special
  values and zero signs included;
* zero insertion's small path (:func:`~transposed_conv.methods.zero_insertion.conv_transpose_gathered`)
  sums the readable steps' products in BLAS's order: equal on integers, within the summation bound on
  floats, and the definition's IEEE result for non-finite inputs;
* the call plans that :func:`~transposed_conv.conv_transpose` keeps: a call that finds its plan returns
  what the full path returns, bit for bit; the key tells apart every shape, dtype, argument and the
  memory limit; failed calls leave no plan, so errors keep their messages; the cache stays bounded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import conv_transpose
from transposed_conv import transpose as transpose_module
from transposed_conv._arguments import prepare_conv_transpose
from transposed_conv._memory import memory_limit
from transposed_conv.methods import im2col, polyphase, zero_insertion
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases
from transposed_conv.transpose import PLAN_CACHE_SIZE, call_key, choose_method

#: Values that decide a sum's IEEE class and its zero sign.
SPECIAL = [np.inf, -np.inf, np.nan, 0.0, -0.0]


def _with_specials(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``a`` with a few entries replaced by NaN, infinities and signed zeros (sometimes none)."""
    a = a.copy()
    if a.size and rng.random() < 0.7:
        where = rng.random(a.shape) < 0.15
        a[where] = rng.choice(SPECIAL, size=int(where.sum()))
    return a


def _prepared(x: np.ndarray, w: np.ndarray, kwargs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, Any]:
    prepared, geometry = prepare_conv_transpose(x, w, None, output_size=None, **kwargs)
    return prepared.x, prepared.weight, geometry


@given(cases(values="normal", max_channels_per_group=1), st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 3]))
def test_depthwise_path_equals_im2col_bit_for_bit(case: Case, seed: int, per_group_out: int) -> None:
    """One input channel per group: the phase-by-phase weighted sums equal im2col's GEMM and col2im exactly.

    Both form the same products ``x * w`` and add them into +0 in increasing tap order (the
    depthwise path adds the padding's signed zeros too, which change no sum), so the results
    agree in every bit: NaN where NaN, the same infinities, the same zero signs; with a
    non-finite weight the clipped path runs, which forms the definition's products only.
    """
    rng = np.random.default_rng(seed)
    g = case.in_channels  # C_in/G = 1
    x = _with_specials(case.x, rng)
    w = _with_specials(rng.standard_normal((g, per_group_out, *case.kernel_shape)), rng)
    kwargs = case.kwargs | {"groups": g}
    px, pw, geometry = _prepared(x, w, kwargs)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = im2col.conv_transpose(px, pw, geometry)
        for limit, block in ((2**28, polyphase.DEPTHWISE_BLOCK), (1, 1)):  # one chunk; one item and group at a time
            with memory_limit(limit), _depthwise_block(block):
                actual = polyphase.conv_transpose_depthwise(px, pw, geometry)
            np.testing.assert_array_equal(actual, expected)  # NaN equals NaN here
            number = ~np.isnan(expected)  # a NaN's sign bit means nothing
            np.testing.assert_array_equal(np.signbit(actual[number]), np.signbit(expected[number]))


@contextlib.contextmanager
def _depthwise_block(size: int) -> Iterator[None]:
    """Blocks of groups as small as ``size`` bytes allow (one group when 1)."""
    saved, polyphase.DEPTHWISE_BLOCK = polyphase.DEPTHWISE_BLOCK, size
    try:
        yield
    finally:
        polyphase.DEPTHWISE_BLOCK = saved


def test_auto_runs_the_depthwise_path_for_one_input_channel_per_group() -> None:
    _, _, geometry = _prepared(
        np.ones((1, 256, 32, 32), np.float32),
        np.ones((256, 1, 4, 4), np.float32),
        {"stride": 2, "padding": 1, "output_padding": 0, "dilation": 1, "groups": 256},
    )
    assert choose_method(geometry, 1, np.float32) == "polyphase"


@given(cases(values="integers"))
def test_gathered_path_equals_the_readable_steps_exactly_on_integers(case: Case) -> None:
    """The small path multiplies the same pairs as insert-zeros-pad-correlate; on integers the sums are exact."""
    x, w, geometry = _prepared(case.x.astype(np.int64), case.weight.astype(np.int64), case.kwargs)
    expected = zero_insertion.conv_transpose_steps(x.astype(np.float64), w.astype(np.float64), geometry)
    actual = zero_insertion.conv_transpose_gathered(x.astype(np.float64), w.astype(np.float64), geometry)
    np.testing.assert_array_equal(actual, expected)
    assert actual.flags.c_contiguous


@given(cases(values="normal"), st.integers(0, 2**32 - 1))
def test_gathered_path_is_within_the_summation_bound_and_keeps_special_values(case: Case, seed: int) -> None:
    """Floats: within ``2 * terms * eps * sum|products|`` of the readable steps (another summation order);
    non-finite inputs with finite weights: NaN and infinities where the definition puts them, zeros +0."""
    rng = np.random.default_rng(seed)
    x = _with_specials(case.x, rng)
    x, w, geometry = _prepared(x, case.weight, case.kwargs)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = zero_insertion.conv_transpose_steps(x, w, geometry)
        actual = zero_insertion.conv_transpose_gathered(x, w, geometry)
        magnitude = zero_insertion.conv_transpose_steps(np.abs(np.nan_to_num(x)), np.abs(w), geometry)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_array_equal(actual[np.isinf(expected)], expected[np.isinf(expected)])
    finite = np.isfinite(expected)
    terms = geometry.products_per_output + 1
    bound = 2 * terms * np.finfo(np.float64).eps * magnitude[finite]
    assert np.all(np.abs(actual[finite] - expected[finite]) <= bound)
    assert not np.signbit(actual[expected == 0]).any()


def test_the_small_path_runs_only_for_small_calls_with_finite_weights() -> None:
    _, _, small = _prepared(
        np.ones((1, 4, 8, 8)),
        np.ones((4, 4, 3, 3)),
        {"stride": 2, "padding": 1, "output_padding": 0, "dilation": 1, "groups": 1},
    )
    _, _, large = _prepared(
        np.ones((1, 64, 32, 32)),
        np.ones((64, 4, 3, 3)),
        {"stride": 2, "padding": 1, "output_padding": 0, "dilation": 1, "groups": 1},
    )
    assert zero_insertion.gathered_fits(small, 1) and not zero_insertion.gathered_fits(large, 1)
    assert choose_method(small, 1, np.float32) == "zero_insertion"
    w = np.ones((4, 4, 3, 3))
    w[0, 0, 0, 0] = np.inf  # zeros would meet it: the readable steps and their special-value step run
    y = conv_transpose(np.ones((1, 4, 8, 8)), w, stride=2, padding=1, method="zero_insertion")
    np.testing.assert_array_equal(y, conv_transpose(np.ones((1, 4, 8, 8)), w, stride=2, padding=1, method="direct"))


# --- the call plans -------------------------------------------------------------------------------------


#: Floats with special values, and integers (computed exactly, in pieces).
DTYPED_CASES = st.sampled_from(["float64", "float32", "int64"]).flatmap(
    lambda dtype: cases(values="integers" if dtype == "int64" else "special", dtype=dtype)
)


@given(DTYPED_CASES)
def test_a_cached_plan_gives_the_full_paths_result_bit_for_bit(case: Case) -> None:
    """The second call finds the first call's plan and returns the same array; inputs stay untouched."""
    x, w, b = case.x, case.weight, case.bias
    kwargs = case.kwargs
    copies = [None if a is None else a.copy() for a in (x, w, b)]
    with np.errstate(invalid="ignore", over="ignore"):
        transpose_module._PLANS.clear()
        first = conv_transpose(x, w, b, **kwargs)
        key = call_key(x, w, b, (*(kwargs.get(k, d) for k, d in _ARGUMENT_DEFAULTS), "auto"))
        assert key is None or key in transpose_module._PLANS
        second = conv_transpose(x, w, b, **kwargs)
    np.testing.assert_array_equal(second, first)
    np.testing.assert_array_equal(np.signbit(second), np.signbit(first))
    assert second.dtype == first.dtype and second.shape == first.shape
    for array, copy in zip((x, w, b), copies):
        if array is not None:
            np.testing.assert_array_equal(array, copy)


_ARGUMENT_DEFAULTS = (
    ("stride", 1),
    ("padding", 0),
    ("output_padding", 0),
    ("dilation", 1),
    ("groups", 1),
    ("output_size", None),
)


def test_the_key_tells_apart_every_shape_dtype_argument_and_the_memory_limit() -> None:
    x, w = np.ones((1, 2, 5, 5)), np.ones((2, 3, 3, 3))
    arguments = (2, 1, 0, 1, 1, None, "auto")
    key = call_key(x, w, None, arguments)
    others = [
        call_key(x.astype(np.float32), w, None, arguments),
        call_key(x[:, :, :4], w, None, arguments),
        call_key(x[0], w, None, arguments),
        call_key(x, w.astype(np.int64), None, arguments),
        call_key(x, w, np.ones(3), arguments),
        call_key(x, w, None, (2, 1, 1, 1, 1, None, "auto")),
        call_key(x, w, None, ((2, 2), 1, 0, 1, 1, None, "auto")),
        call_key(x, w, None, (2, 1, 0, 1, 1, None, "im2col")),
    ]
    with memory_limit(4096):
        others.append(call_key(x, w, None, arguments))
    assert key is not None and all(other is not None and other != key for other in others)
    assert len(set(others)) == len(others)
    # what could be read differently is never cached: lists, bools, floats, NumPy integers, array subclasses
    for odd in ([2, 2], True, 2.0, np.int64(2)):
        assert call_key(x, w, None, (odd, 1, 0, 1, 1, None, "auto")) is None
    assert call_key(x.tolist(), w, None, arguments) is None
    assert call_key(np.ma.masked_array(x), w, None, arguments) is None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"stride": 0}, ValueError, "stride"),
        ({"stride": True}, TypeError, "stride"),
        ({"stride": 2.0}, TypeError, "stride"),
        ({"groups": 3}, ValueError, "groups must divide"),
        ({"output_padding": 2, "stride": 2}, ValueError, "output_padding"),
        ({"method": "fastest"}, ValueError, "method"),
    ],
)
def test_a_cached_plan_never_changes_an_error(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    """After a good call has left its plan, a bad call near it still fails with its own message."""
    x, w = np.ones((1, 2, 5, 5)), np.ones((2, 3, 3, 3))
    conv_transpose(x, w, stride=2, padding=1)
    conv_transpose(x, w, stride=2, padding=1)
    with pytest.raises(error, match=match):
        conv_transpose(x, w, **({"padding": 1} | kwargs))
    with pytest.raises(ValueError, match="bias must have shape"):
        conv_transpose(x, w, np.ones(2), stride=2, padding=1)


def test_the_plan_cache_stays_bounded() -> None:
    x = np.ones((1, 1, 3))
    for length in range(1, PLAN_CACHE_SIZE + 20):
        conv_transpose(x, np.ones((1, 1, length)))
    assert len(transpose_module._PLANS) <= PLAN_CACHE_SIZE


@given(cases(values="normal"))
def test_polyphase_gather_writes_every_entry_of_a_reused_buffer(case: Case) -> None:
    """The grid buffers come from a pool, holding whatever the last call left: gathering into a buffer full of NaN
    gives what gathering into zeros gives (the window of x, and zeros around it)."""
    x, _, geometry = _prepared(case.x, case.weight, case.kwargs)
    layout = polyphase.plan(geometry)
    shape = (x.shape[0], x.shape[1], *layout.slots, *layout.grid)
    expected = polyphase.gather(x, layout, np.zeros(shape, x.dtype))
    actual = polyphase.gather(x, layout, np.full(shape, np.nan, x.dtype))
    np.testing.assert_array_equal(actual, expected)
    assert not np.isnan(actual).any()
