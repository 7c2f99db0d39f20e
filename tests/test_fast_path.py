"""The fast path behind ``method="auto"``, its chunking under the memory limit, and the size guards.

``"auto"`` runs ``"im2col"`` or the polyphase decomposition, each in batch (and
output-channel) chunks sized by the memory limit; every arrangement must give exactly
the literal definition's result on integers.  The fast paths that sit beside a readable
algorithm (zero insertion's flattened correlation and its windows built from the input,
im2col's GEMM orientation, the crop folded into ``col2im``) must equal it.  No test here
is timed.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import conv_transpose, release_scratch
from transposed_conv._arguments import prepare_conv_transpose
from transposed_conv._memory import (
    DEFAULT_MEMORY_LIMIT,
    get_memory_limit,
    memory_limit,
    set_memory_limit,
)
from transposed_conv.methods import direct, im2col, matrix, polyphase, zero_insertion
from transposed_conv.methods._nonfinite import ieee_special_values
from transposed_conv.shapes import ConvTransposeGeometry
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases
from transposed_conv.transpose import METHODS, choose_method

CHUNKED = {
    "im2col": im2col.conv_transpose,
    "polyphase": polyphase.conv_transpose,
    "zero_insertion": zero_insertion.conv_transpose,
}

#: Limits from "everything in one chunk" down to "one batch element and one output channel at a time".
LIMITS = st.sampled_from([DEFAULT_MEMORY_LIMIT, 4096, 512, 1])


def _integers(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    bias = None if case.bias is None else case.bias.astype(np.int64)
    return case.x.astype(np.int64), case.weight.astype(np.int64), bias


def _prepared(x: np.ndarray, w: np.ndarray, case: Case) -> tuple[np.ndarray, np.ndarray, ConvTransposeGeometry]:
    prepared, geometry = prepare_conv_transpose(x, w, None, output_size=None, **case.kwargs)
    return prepared.x, prepared.weight, geometry


@given(cases(), LIMITS)
def test_auto_equals_the_definition_exactly_for_integers_under_any_memory_limit(case: Case, limit: int) -> None:
    """``auto`` (whichever algorithm and chunking it picks) equals ``direct`` bit for bit on integers."""
    x, w, b = _integers(case)
    reference = conv_transpose(x, w, b, **case.kwargs, method="direct")
    with memory_limit(limit):
        result = conv_transpose(x, w, b, **case.kwargs, method="auto")
    assert result.dtype == np.int64 and result.flags.c_contiguous
    np.testing.assert_array_equal(result, reference)


@given(cases(max_groups=4, max_channels_per_group=3), LIMITS)
def test_every_chunked_algorithm_equals_the_definition_exactly(case: Case, limit: int) -> None:
    """im2col, polyphase and zero insertion, forced into every chunk size, equal ``direct`` on integers."""
    x, w, _ = _integers(case)
    reference = conv_transpose(x, w, **case.kwargs, method="direct")
    px, pw, geometry = _prepared(x, w, case)
    with memory_limit(limit):
        for name, algorithm in CHUNKED.items():
            np.testing.assert_array_equal(algorithm(px, pw, geometry), reference, err_msg=name)


@given(
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.sampled_from([1, 2, 3]),
    st.integers(0, 2**32 - 1),
)
def test_grouped_and_depthwise_fast_paths_equal_the_definition(
    groups: int, per_group_out: int, ndim: int, kernel: int, stride: int, seed: int
) -> None:
    """Depthwise (one input channel per group) and grouped kernels, through every algorithm and chunking."""
    rng = np.random.default_rng(seed)
    side = 5 if ndim < 3 else 3
    x = rng.integers(-4, 5, size=(2, groups, *(side,) * ndim))
    w = rng.integers(-4, 5, size=(groups, per_group_out, *(kernel,) * ndim))
    kwargs: dict[str, Any] = {"stride": stride, "padding": kernel // 2, "groups": groups}
    reference = conv_transpose(x, w, **kwargs, method="direct")
    prepared, geometry = prepare_conv_transpose(x, w, None, output_size=None, output_padding=0, dilation=1, **kwargs)
    for limit in (DEFAULT_MEMORY_LIMIT, 1):
        with memory_limit(limit):
            for name, algorithm in CHUNKED.items():
                result = algorithm(prepared.x, prepared.weight, geometry)
                np.testing.assert_array_equal(result, reference, err_msg=f"{name}, limit {limit}")


@given(cases(dtype="float32", values="normal"))
def test_auto_keeps_float32_and_never_writes_into_its_inputs(case: Case) -> None:
    """float32 in, float32 out (no float64 upcast); inputs untouched; the result owns its memory."""
    copies = [None if a is None else a.copy() for a in (case.x, case.weight, case.bias)]
    y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
    assert y.dtype == np.float32 and y.flags.c_contiguous
    for array, copy in zip((case.x, case.weight, case.bias), copies):
        if array is not None:
            np.testing.assert_array_equal(array, copy)
            assert not np.shares_memory(y, array)


def test_auto_handles_an_empty_batch() -> None:
    x = np.ones((0, 8, 5, 5), dtype=np.float32)
    w = np.ones((8, 4, 4, 4), dtype=np.float32)
    y = conv_transpose(x, w, np.ones(4, dtype=np.float32), stride=2, padding=1)
    assert y.shape == (0, 4, 10, 10) and y.dtype == np.float32


def test_auto_picks_polyphase_or_im2col_by_the_cost_model() -> None:
    """The decoder's wide 2048->256 layer goes to im2col, its 128->64 layer to polyphase."""
    for c_in, c_out, side, expected in [(2048, 256, 16, "im2col"), (128, 64, 64, "polyphase")]:
        _, geometry = prepare_conv_transpose(
            np.ones((1, c_in, side, side), dtype=np.float32),
            np.ones((c_in, c_out, 4, 4), dtype=np.float32),
            None,
            stride=2,
            padding=1,
            output_padding=0,
            dilation=1,
            groups=1,
            output_size=None,
        )
        assert choose_method(geometry, 8, np.float32) == expected
    assert expected in METHODS


def test_memory_limit_context_and_setter() -> None:
    """The context manager scopes the limit; the setter changes the process default and returns the old one."""
    assert get_memory_limit() == DEFAULT_MEMORY_LIMIT
    with memory_limit(1024) as inside:
        assert inside == get_memory_limit() == 1024
    assert get_memory_limit() == DEFAULT_MEMORY_LIMIT
    previous = set_memory_limit(2**20)
    try:
        assert previous == DEFAULT_MEMORY_LIMIT and get_memory_limit() == 2**20
    finally:
        set_memory_limit(previous)
    with pytest.raises(ValueError, match=r"^memory limit \(bytes\) must be >= 1; got"):
        set_memory_limit(0)
    with pytest.raises(TypeError, match=r"^memory limit \(bytes\) must be an int"):
        set_memory_limit(1.5)  # type: ignore[arg-type]


def test_direct_refuses_above_its_documented_size() -> None:
    """Beyond MAX_WORK input elements times taps, direct raises instead of looping for minutes."""
    x = np.ones((1, 256, 64, 64), dtype=np.float32)  # 256*4096*16 = 16.8M input elements x taps
    w = np.ones((256, 2, 4, 4), dtype=np.float32)
    message = (
        "method='direct' loops in Python over every input element and kernel tap; "
        f"N*C_in*prod(input)*prod(kernel) = {256 * 64 * 64 * 16} is above its limit of {direct.MAX_WORK} "
        "(transposed_conv.methods.direct.MAX_WORK); use method='auto'"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        conv_transpose(x, w, stride=2, padding=1, method="direct")
    assert conv_transpose(x[:, :, :8, :8], w, stride=2, padding=1, method="direct").shape == (1, 2, 16, 16)


def test_matrix_refuses_when_its_sparse_matrix_would_exceed_the_memory_limit() -> None:
    """The sparse matrix's estimated construction memory is checked against the (configurable) limit."""
    x = np.ones((1, 16, 16, 16))
    w = np.ones((16, 8, 4, 4))
    nonzeros = 16 * 256 * 8 * 16
    with memory_limit(2**20), pytest.raises(ValueError) as raised:
        conv_transpose(x, w, stride=2, padding=1, method="matrix")
    assert str(raised.value) == (
        f"method='matrix' builds the convolution's sparse matrix, here with up to {nonzeros} non-zeros "
        f"(C_in*prod(input)*C_out/groups*prod(kernel)), about {nonzeros * (matrix.BYTES_PER_NONZERO + 8)} bytes, "
        f"above the memory limit of {2**20} bytes (transposed_conv._memory.set_memory_limit); use method='auto'"
    )
    assert conv_transpose(x, w, stride=2, padding=1, method="matrix").shape == (1, 8, 32, 32)  # 25 MB: accepted


def test_peak_temporary_memory_stays_under_the_limit() -> None:
    """tracemalloc's peak during auto, minus the output, stays under a small limit that forces chunking."""
    import tracemalloc

    x = np.ones((6, 32, 16, 16), dtype=np.float32)
    w = np.ones((32, 16, 4, 4), dtype=np.float32)
    limit = 2**20  # one batch element's column buffer is 16*16*256*4 = 1 MiB; the whole batch 6 MiB
    for method in ("auto", "im2col", "zero_insertion"):
        with memory_limit(limit):
            release_scratch()  # every buffer the call uses is allocated during it, and counted
            tracemalloc.start()
            y = conv_transpose(x, w, stride=2, padding=1, method=method)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert peak - y.nbytes <= 2 * limit, method


# --- fast paths beside the readable algorithms ----------------------------------------------------


def _zero_insertion_paths(x: np.ndarray, w: np.ndarray, geometry: ConvTransposeGeometry) -> dict[str, np.ndarray]:
    """Zero insertion's three arrangements of the same sums, whatever the rules in ``conv_transpose`` pick."""

    def readable(x: np.ndarray, w: np.ndarray, geometry: ConvTransposeGeometry, fast: bool = False) -> np.ndarray:
        before, after = zero_insertion.stretched_padding(geometry)
        z = zero_insertion.pad_or_crop(zero_insertion.insert_zeros(x, geometry.stride), before, after)
        kernel = zero_insertion.transposed_kernel(w, geometry.groups)
        correlate = zero_insertion.correlate_stride1_fast if fast else zero_insertion.correlate_stride1
        return correlate(z, kernel, geometry.dilation, geometry.groups)

    paths = {
        "readable": readable,
        "fast": lambda x, w, geometry: readable(x, w, geometry, fast=True),
        "windowed": zero_insertion.conv_transpose_windowed,
    }
    with np.errstate(all="ignore"):  # inf - inf and 0 * inf, as the definition computes them
        return {name: ieee_special_values(path)(x, w, geometry) for name, path in paths.items()}


def _with_non_finite(a: np.ndarray, seed: int) -> np.ndarray:
    """A float64 copy of ``a`` with about a tenth of its entries set to ``inf``, ``-inf`` or NaN."""
    rng = np.random.default_rng(seed)
    out = a.astype(np.float64)
    chosen = rng.random(a.shape) < 0.1
    out[chosen] = rng.choice([np.inf, -np.inf, np.nan], size=int(chosen.sum()))
    return out


@given(cases(max_groups=4, max_channels_per_group=3), st.integers(0, 2**32 - 1), st.booleans())
def test_zero_insertion_readable_fast_and_windowed_paths_equal_the_definition(
    case: Case, seed: int, non_finite: bool
) -> None:
    """insert_zeros -> pad_or_crop -> correlate_stride1, its flattened fast correlation and its windows built
    from the input all give the definition's result exactly: integers, with NaN and infinities when drawn."""
    x, w, _ = _integers(case)
    if non_finite:
        x, w = _with_non_finite(x, seed), _with_non_finite(w, seed + 1)
    reference = conv_transpose(x, w, **case.kwargs, method="direct")
    px, pw, geometry = _prepared(x, w, case)
    for name, result in _zero_insertion_paths(px, pw, geometry).items():
        np.testing.assert_array_equal(result, reference, err_msg=name)


@given(cases(values="normal"))
def test_zero_insertion_paths_agree_to_rounding_on_floats(case: Case) -> None:
    """On floats the three arrangements sum the same products tap by tap: equal within the summation bound."""
    px, pw, geometry = _prepared(case.x, case.weight, case)
    magnitude = conv_transpose(np.abs(case.x), np.abs(case.weight), **case.kwargs, method="direct")
    bound = 2 * geometry.products_per_output * np.finfo(np.float64).eps * magnitude
    paths = _zero_insertion_paths(px, pw, geometry)
    for name, result in paths.items():
        assert np.all(np.abs(result - paths["readable"]) <= bound), name


@given(cases(max_batch=1), st.integers(0, 2**32 - 1))
def test_col2im_with_padding_is_col2im_of_the_padded_grid_then_the_crop(case: Case, seed: int) -> None:
    """Folding the crop into col2im's scatter (only the entries landing inside are added) changes nothing."""
    _, geometry = prepare_conv_transpose(case.x, case.weight, None, **case.kwargs, output_size=None)
    padded_shape = tuple(o + pb + pe for o, (pb, pe) in zip(geometry.output_shape, geometry.padding))
    crop = tuple(slice(pb, pb + o) for o, (pb, _) in zip(geometry.output_shape, geometry.padding))
    cols = np.random.default_rng(seed).integers(-5, 6, size=(1, 2, *geometry.kernel_shape, *geometry.input_shape))
    full = im2col.col2im(cols, padded_shape, geometry.stride, geometry.dilation)
    cropped = im2col.col2im(cols, geometry.output_shape, geometry.stride, geometry.dilation, geometry.padding)
    np.testing.assert_array_equal(cropped, full[(slice(None), slice(None), *crop)])


@given(cases(max_batch=1), st.integers(0, 2**32 - 1))
def test_im2col_with_padding_is_im2col_of_the_padded_input(case: Case, seed: int) -> None:
    """Reading the padding's zeros without building the padded input changes nothing."""
    _, geometry = prepare_conv_transpose(case.x, case.weight, None, **case.kwargs, output_size=None)
    y = np.random.default_rng(seed).integers(-5, 6, size=(1, 2, *geometry.output_shape))  # a convolution's input
    padded = np.pad(y, ((0, 0), (0, 0), *geometry.padding))
    args = (geometry.kernel_shape, geometry.input_shape, geometry.stride, geometry.dilation)
    np.testing.assert_array_equal(im2col.im2col(y, *args, geometry.padding), im2col.im2col(padded, *args))


@pytest.mark.parametrize(
    ("channels", "columns"),
    [(im2col.NARROW, im2col.NARROW - 1), (im2col.NARROW, im2col.NARROW), (1, 64)],
    ids=["narrow", "wide", "depthwise"],
)
def test_transposed_times_gives_w_transpose_times_x_in_every_arrangement(channels: int, columns: int) -> None:
    """W.T @ X, computed as (X.T @ W).T below NARROW columns and as an outer product for one channel per group."""
    rng = np.random.default_rng(columns)
    w = rng.integers(-4, 5, size=(2, channels, 3)).astype(np.float64)  # (G, C_in/G, M)
    xs = rng.integers(-4, 5, size=(2, channels, columns)).astype(np.float64)  # (G, C_in/G, P)
    out = np.empty((2, 3, columns))
    result = im2col.transposed_times(w, xs, out=out)
    assert result is out
    np.testing.assert_array_equal(result, np.einsum("gcm,gcp->gmp", w, xs))
