"""The claims the teaching pages (docs/*.md) make, each as a property test on small integers.

* Dumoulin & Visin (2016), *A guide to convolution arithmetic for deep learning*,
  relationships 1-6 (convolution), 8-14 (transposed convolution, each as an equivalent
  direct convolution over a zero-padded, zero-inserted input) and 15 (dilation).
  Relationship 7 is about pooling and is not ours.
* MATLAB's ``'full'``/``'same'``/``'valid'`` as transposed convolutions and convolutions,
  and where SciPy's ``'same'`` differs.
* The sub-pixel (polyphase) decomposition: a stride-``s`` transposed convolution is ``s**d``
  stride-1 convolutions, interleaved.
* Overlap counts (the checkerboard): an interior position of phase ``r`` receives the
  taps ``j`` with ``j*dilation = r (mod stride)``.
* "Deconvolution" proper inverts a convolution; the transposed convolution is its adjoint,
  an inverse only in special cases.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.signal
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from transposed_conv import conv, conv_output_shape, conv_transpose, conv_transpose_output_shape, convolve
from transposed_conv.explain import overlap_counts, pad_or_crop, stretch, subpixel_conv_transpose, tap_counts
from transposed_conv.gradients import conv_backward
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases

sizes = st.integers(1, 40)
kernels = st.integers(1, 7)
strides = st.integers(1, 5)
pads = st.integers(0, 6)
dilations = st.integers(1, 4)


def ints(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int64, shape, elements=st.integers(-5, 5))


def one_channel(a: np.ndarray) -> np.ndarray:
    """(*L) -> (1, 1, *L): one batch element, one channel."""
    return a[np.newaxis, np.newaxis]


def flipped(w: np.ndarray) -> np.ndarray:
    """A one-channel kernel flipped in every spatial dimension, as a (1, 1, *k) conv weight."""
    return one_channel(np.flip(w))


# --- Dumoulin & Visin: convolution arithmetic (relationships 1-6, 15) -----------------------------


@given(sizes, kernels)
def test_relationship_1_no_padding_unit_strides(i: int, k: int) -> None:
    """o = (i - k) + 1: the number of places the kernel fits."""
    assume(i >= k)
    assert conv_output_shape(i, k) == (i - k + 1,)


@given(sizes, kernels, pads)
def test_relationship_2_padding_unit_strides(i: int, k: int, p: int) -> None:
    """o = (i - k) + 2p + 1: padding makes the input 2p larger."""
    assume(i + 2 * p >= k)
    assert conv_output_shape(i, k, padding=p) == (i - k + 2 * p + 1,)


@given(sizes, st.integers(0, 3))
def test_relationship_3_half_padding_keeps_the_size(i: int, n: int) -> None:
    """k = 2n + 1, p = floor(k/2) = n: o = i ("same" padding, odd kernels only)."""
    k = 2 * n + 1
    assert conv_output_shape(i, k, padding=k // 2) == (i,)


@given(sizes, kernels)
def test_relationship_4_full_padding(i: int, k: int) -> None:
    """p = k - 1: o = i + (k - 1), every partial overlap counted (MATLAB's 'full')."""
    assert conv_output_shape(i, k, padding=k - 1) == (i + k - 1,)


@given(sizes, kernels, strides)
def test_relationship_5_no_padding_strides(i: int, k: int, s: int) -> None:
    """o = floor((i - k) / s) + 1."""
    assume(i >= k)
    assert conv_output_shape(i, k, stride=s) == ((i - k) // s + 1,)


@given(sizes, kernels, strides, pads)
def test_relationship_6_padding_strides_and_the_sizes_it_merges(i: int, k: int, s: int, p: int) -> None:
    """o = floor((i + 2p - k) / s) + 1; when s divides i + 2p - k, sizes i .. i + s - 1 all give o."""
    assume(i + 2 * p >= k)
    o = (i + 2 * p - k) // s + 1
    assert conv_output_shape(i, k, stride=s, padding=p) == (o,)
    base = i - (i + 2 * p - k) % s  # the smallest size with the same output (if it is >= 1)
    merged = range(max(base, 1), base + s)
    assert [conv_output_shape(j, k, stride=s, padding=p)[0] for j in merged] == [o] * len(merged)
    assert conv_output_shape(base + s, k, stride=s, padding=p) == (o + 1,)


@given(sizes, kernels, strides, pads, dilations)
def test_relationship_15_dilation(i: int, k: int, s: int, p: int, d: int) -> None:
    """o = floor((i + 2p - k - (k - 1)(d - 1)) / s) + 1: a dilated kernel spans k + (k - 1)(d - 1)."""
    span = k + (k - 1) * (d - 1)
    assume(i + 2 * p >= span)
    assert conv_output_shape(i, k, stride=s, padding=p, dilation=d) == ((i + 2 * p - span) // s + 1,)


# --- Dumoulin & Visin: transposed convolution arithmetic (relationships 8-14) --------------------


@st.composite
def transposed_of_a_conv(draw: st.DrawFn, *, unit_stride: bool = False) -> dict[str, int]:
    """A convolution (i, k, s, p, d) whose padding is at most d(k - 1), and its output size o."""
    k, d = draw(kernels), draw(st.integers(1, 3))
    s = 1 if unit_stride else draw(strides)
    p = draw(st.integers(0, d * (k - 1)))
    lowest = max(1, d * (k - 1) + 1 - 2 * p)  # the padded input must hold the dilated kernel
    i = draw(st.integers(lowest, lowest + 10))
    o = conv_output_shape(i, k, stride=s, padding=p, dilation=d)[0]
    return {"i": i, "k": k, "s": s, "p": p, "d": d, "o": o}


@given(transposed_of_a_conv(unit_stride=True), st.data())
def test_relationships_8_to_11_unit_strides_transposed(c: dict[str, int], data: st.DataObject) -> None:
    """The transpose of a stride-1 convolution with padding p is a direct convolution with p' = k - p - 1.

    Relationship 9 (any p): o' = i' + (k - 1) - 2p, with i' = o, and o' = i again;
    8 is p = 0 (p' = k - 1, the full convolution), 10 is half padding (p' = p),
    11 is full padding (p' = 0).  With dilation the kernel's span d(k - 1) + 1 replaces k.
    """
    i, k, p, d, o = c["i"], c["k"], c["p"], c["d"], c["o"]
    assert conv_transpose_output_shape(o, k, padding=p, dilation=d) == (o + d * (k - 1) - 2 * p,) == (i,)
    y, w = data.draw(ints((o,))), data.draw(ints((k,)))
    direct = conv(one_channel(y), flipped(w), padding=d * (k - 1) - p, dilation=d)
    np.testing.assert_array_equal(conv_transpose(one_channel(y), one_channel(w), padding=p, dilation=d), direct)


@given(transposed_of_a_conv(), st.data())
def test_relationships_12_to_14_strided_transposed(c: dict[str, int], data: st.DataObject) -> None:
    """Stride s: insert s - 1 zeros between inputs (i' becomes (i' - 1)s + 1), pad by p' = k - p - 1, and
    a = (i + 2p - k) mod s more at the end; then a stride-1 convolution.  o' = s(i' - 1) + a + k - 2p = i.

    Relationship 12 is p = 0 with s dividing i - k, 13 any p with s dividing i + 2p - k (a = 0),
    14 the general case; ``output_padding`` is D&V's a.
    """
    i, k, s, p, d, o = c["i"], c["k"], c["s"], c["p"], c["d"], c["o"]
    a = (i + 2 * p - d * (k - 1) - 1) % s
    assert conv_transpose_output_shape(o, k, stride=s, padding=p, output_padding=a, dilation=d) == (i,)
    assert (o - 1) * s + a + d * (k - 1) + 1 - 2 * p == i
    y, w = data.draw(ints((o,))), data.draw(ints((k,)))
    stretched = stretch(y, s)
    direct = conv(one_channel(stretched), flipped(w), padding=[(d * (k - 1) - p, d * (k - 1) - p + a)], dilation=d)
    result = conv_transpose(one_channel(y), one_channel(w), stride=s, padding=p, output_padding=a, dilation=d)
    np.testing.assert_array_equal(result, direct)


@given(st.integers(1, 6), kernels, strides, st.integers(1, 3), st.integers(0, 8), st.integers(0, 8), st.data())
def test_padding_crops_each_end_of_the_full_result_and_output_padding_gives_back_the_end(
    i: int, k: int, s: int, d: int, pb: int, pe: int, data: st.DataObject
) -> None:
    """With padding (p_b, p_e) and output_padding a, conv_transpose is the full result (no padding) with p_b
    elements removed at the start and p_e - a at the end: asymmetric padding crops each end by its own amount,
    and an element output_padding adds holds the full result's value there (zero only past its end)."""
    a = data.draw(st.integers(0, max(s, d) - 1))
    full_length = (i - 1) * s + d * (k - 1) + 1
    assume(full_length - pb - pe + a >= 1)
    x, w = data.draw(ints((i,))), data.draw(ints((k,)))
    full = conv_transpose(one_channel(x), one_channel(w), stride=s, dilation=d)[0, 0]
    y = conv_transpose(one_channel(x), one_channel(w), stride=s, padding=[(pb, pe)], output_padding=a, dilation=d)
    np.testing.assert_array_equal(y[0, 0], pad_or_crop(full, [-pb], [a - pe]))


@given(st.lists(transposed_of_a_conv(), min_size=2, max_size=2), st.data())
def test_the_relationships_hold_per_dimension(dims: list[dict[str, int]], data: st.DataObject) -> None:
    """In 2-D each axis follows its own relationship: the equivalent direct convolution, per axis."""
    o = tuple(c["o"] for c in dims)
    k = tuple(c["k"] for c in dims)
    s, d = tuple(c["s"] for c in dims), tuple(c["d"] for c in dims)
    a = tuple((c["i"] + 2 * c["p"] - c["d"] * (c["k"] - 1) - 1) % c["s"] for c in dims)
    padding = [(c["d"] * (c["k"] - 1) - c["p"], c["d"] * (c["k"] - 1) - c["p"] + e) for c, e in zip(dims, a)]
    y, w = data.draw(ints(o)), data.draw(ints(k))
    direct = conv(one_channel(stretch(y, s)), flipped(w), padding=padding, dilation=d)
    p = tuple(c["p"] for c in dims)
    result = conv_transpose(one_channel(y), one_channel(w), stride=s, padding=p, output_padding=a, dilation=d)
    np.testing.assert_array_equal(result, direct)
    assert result.shape[2:] == tuple(c["i"] for c in dims)


# --- MATLAB and SciPy -------------------------------------------------------------------------------


@st.composite
def signal_and_kernel(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    ndim = draw(st.integers(1, 2))
    a = draw(
        hnp.arrays(np.int64, hnp.array_shapes(min_dims=ndim, max_dims=ndim, max_side=7), elements=st.integers(-9, 9))
    )
    k = draw(
        hnp.arrays(np.int64, hnp.array_shapes(min_dims=ndim, max_dims=ndim, max_side=5), elements=st.integers(-9, 9))
    )
    return a, k


@given(signal_and_kernel())
def test_matlab_full_same_valid_in_terms_of_conv_transpose_and_conv(pair: tuple[np.ndarray, np.ndarray]) -> None:
    """'full' is the stride-1 transposed convolution; 'same' crops floor(k/2) before and (k - 1) - floor(k/2)
    after; 'valid' is the deep-learning convolution (a cross-correlation) with the flipped kernel."""
    a, k = pair
    np.testing.assert_array_equal(convolve(a, k, "full"), conv_transpose(one_channel(a), one_channel(k))[0, 0])
    same = conv_transpose(one_channel(a), one_channel(k), padding=[(n // 2, (n - 1) - n // 2) for n in k.shape])
    np.testing.assert_array_equal(convolve(a, k, "same"), same[0, 0])
    if all(m >= n for m, n in zip(a.shape, k.shape)):
        np.testing.assert_array_equal(convolve(a, k, "valid"), conv(one_channel(a), flipped(k))[0, 0])


@given(signal_and_kernel())
def test_scipy_same_crops_the_other_way_round(pair: tuple[np.ndarray, np.ndarray]) -> None:
    """SciPy's 'same' starts at (k - 1) // 2: it crops (k - 1)//2 before and k//2 after -- MATLAB's
    split mirrored, so the two differ by one position for even kernels."""
    a, k = pair
    same = conv_transpose(one_channel(a), one_channel(k), padding=[((n - 1) // 2, n // 2) for n in k.shape])
    np.testing.assert_array_equal(scipy.signal.convolve(a, k, mode="same"), same[0, 0])


# --- the sub-pixel (polyphase) view -----------------------------------------------------------------


@given(cases(max_groups=1, max_ndim=3))
def test_subpixel_decomposition_equals_conv_transpose(case: Case) -> None:
    """Output phase r of a stride-s transposed convolution is a stride-1 convolution with the taps
    j for which j*d = r + p_begin (mod s): prod(s) stride-1 convolutions, interleaved, give the result."""
    kwargs = {k: v for k, v in case.kwargs.items() if k != "groups"}
    expected = conv_transpose(case.x, case.weight, **kwargs)
    np.testing.assert_array_equal(subpixel_conv_transpose(case.x, case.weight, **kwargs), expected)


@given(cases(max_groups=1, max_ndim=2, padding="symmetric"))
def test_each_output_phase_is_a_stride_one_transposed_convolution_with_every_s_th_tap(case: Case) -> None:
    """With no padding and dilation 1: y[..., r::s] == conv_transpose(x, w[..., r::s]) (stride 1) for r < k,
    and y[..., r::s] == 0 for r >= k."""
    x, w, s = case.x, case.weight, case.stride
    y = conv_transpose(x, w, stride=s)
    for phase in np.ndindex(*s):
        part = y[(slice(None), slice(None), *(slice(r, None, t) for r, t in zip(phase, s)))]
        if any(r >= k for r, k in zip(phase, w.shape[2:])):
            assert not part.any()
            continue
        sub = w[(slice(None), slice(None), *(slice(r, None, t) for r, t in zip(phase, s)))]
        np.testing.assert_array_equal(part, conv_transpose(x, sub))


# --- overlap counts: the checkerboard ---------------------------------------------------------------


@given(st.integers(1, 12), kernels, strides, dilations)
def test_interior_positions_receive_the_taps_of_their_phase(i: int, k: int, s: int, d: int) -> None:
    """Away from the edges, position t receives #{j < k : j*d = t (mod s)} taps; with d = 1 that is
    ceil((k - r)/s) for phase r = t mod s."""
    counts = overlap_counts(i, k, stride=s, dilation=d)
    per_phase = tap_counts(k, s, d)
    for t in range(d * (k - 1), (i - 1) * s + 1):  # every input a tap could come from exists
        assert counts[t] == per_phase[t % s], t
    if d == 1:
        assert per_phase == tuple(max(0, math.ceil((k - r) / s)) for r in range(s))
    assert sum(per_phase) == k


@given(kernels, strides)
def test_the_interior_is_uniform_exactly_when_the_stride_divides_the_kernel(k: int, s: int) -> None:
    """No checkerboard iff s | k (dilation 1): then every phase receives k/s taps."""
    per_phase = tap_counts(k, s)
    assert (len(set(per_phase)) == 1) == (k % s == 0)
    if k % s:
        assert (max(per_phase), min(per_phase)) == (k // s + 1, k // s)


@given(kernels, strides, dilations)
def test_some_phase_gets_no_tap_exactly_when_gcd_or_kernel_size_leaves_it_out(k: int, s: int, d: int) -> None:
    """Holes: a phase receives no tap iff gcd(d, s) > 1 (only multiples of the gcd are reached) or k < s."""
    assert (0 in tap_counts(k, s, d)) == (math.gcd(d, s) > 1 or k < s)


@given(st.integers(1, 12), strides, dilations, st.data())
def test_a_constant_input_gives_each_interior_phase_the_sum_of_its_taps(
    i: int, s: int, d: int, data: st.DataObject
) -> None:
    """conv_transpose(ones, w) at interior position t is sum(w[j] for j*d = t (mod s)): the output of a flat
    input is flat only if every phase's taps have the same sum -- what a trained kernel must learn."""
    w = data.draw(ints((data.draw(kernels),)))
    k = w.size
    y = conv_transpose(one_channel(np.ones(i, dtype=np.int64)), one_channel(w), stride=s, dilation=d)[0, 0]
    phase_sums = [int(sum(w[j] for j in range(k) if (j * d) % s == r)) for r in range(s)]
    for t in range(d * (k - 1), (i - 1) * s + 1):
        assert y[t] == phase_sums[t % s], t


@given(st.sampled_from([2, 3, 4, 6]), st.lists(st.integers(-4, 4), min_size=1, max_size=12))
@example(2, [1, 2, 1]).via("docs/checkerboard.md: flat")
@example(2, [1, 2, 3]).via("docs/checkerboard.md: a checkerboard")
def test_flat_in_flat_out_iff_the_phase_sums_agree_iff_the_kernels_dft_vanishes_at_multiples_of_1_over_s(
    s: int, taps: list[int]
) -> None:
    """Three equivalent statements for a kernel w and stride s: (a) conv_transpose(ones, w) is constant on
    the interior; (b) the phase sums S_r = sum(w[r::s]) are all equal; (c) W(f) = sum_j w[j] exp(-2 pi i f j)
    vanishes at f = m/s, m = 1 .. s - 1 (W(m/s) is the DFT of (S_0 .. S_{s-1}) at m, zero for every m != 0
    exactly when S is constant).  For s in {2, 3, 4, 6} and integer w, W(m/s) is a Gaussian or Eisenstein
    integer, so it is 0 or at least 1 in modulus: the test below 1/2 is exact."""
    w = np.array(taps, dtype=np.int64)
    k = w.size
    i = k + 2  # every phase has interior positions
    y = conv_transpose(one_channel(np.ones(i, dtype=np.int64)), one_channel(w), stride=s)[0, 0]
    flat = len(set(y[k - 1 : (i - 1) * s + 1].tolist())) == 1
    sums_agree = len({int(w[r::s].sum()) for r in range(s)}) == 1
    spectrum = [abs(sum(int(v) * np.exp(-2j * np.pi * m * j / s) for j, v in enumerate(w))) for m in range(1, s)]
    vanishes = all(value < 0.5 for value in spectrum)
    assert flat == sums_agree == vanishes, (flat, sums_agree, spectrum)


@given(st.lists(hnp.arrays(np.int64, (4,), elements=st.integers(-2, 3)), min_size=3, max_size=3))
def test_the_seeds_three_layers_turn_a_constant_input_into_a_period_8_pattern(weights: list[np.ndarray]) -> None:
    """Kernel 4, stride 2, padding 1, a ReLU between: a constant input leaves layer 1 with period 2 (two
    phases, each its own phase sum), layer 2 with period 4, layer 3 with period 8 -- away from the edges.
    Per axis; docs/figures/checkerboard_layers.png draws it in 2-D."""
    a = np.ones((1, 1, 12), dtype=np.int64)
    for n, w in enumerate(weights):
        a = conv_transpose(a, one_channel(w), stride=2, padding=1)
        a = np.maximum(a, 0) if n < 2 else a
    y = a[0, 0]  # 96 long; the periodic interior is 14 .. 81
    assert y.size == 96
    np.testing.assert_array_equal(y[14:74], y[22:82])


@given(st.integers(1, 8), strides, st.data())
def test_a_strided_convolutions_input_gradient_of_a_constant_gradient_is_the_phase_sum_pattern(
    o: int, s: int, data: st.DataObject
) -> None:
    """dx = conv_transpose(dy, w): for dy = ones, the interior of dx is the kernel's phase sums, so training a
    strided convolution (a discriminator, an encoder) paints the same checkerboard into its input gradient."""
    w = data.draw(ints((data.draw(kernels),)))
    k = w.size
    i = (o - 1) * s + k
    dx = conv_backward(
        np.ones((1, 1, o), dtype=np.int64), np.zeros((1, 1, i), dtype=np.int64), one_channel(w), stride=s
    ).grad_input[0, 0]
    for t in range(k - 1, (o - 1) * s + 1):
        assert dx[t] == w[t % s :: s].sum(), t


@given(st.integers(1, 6), st.integers(1, 6), kernels, kernels, strides, strides, st.integers(0, 2), st.integers(0, 2))
def test_overlap_counts_in_2d_are_products_of_the_1d_counts(
    i1: int, i2: int, k1: int, k2: int, s1: int, s2: int, p1: int, p2: int
) -> None:
    """The taps landing at (t1, t2) pair up independently: count2d = outer(count1d, count1d)."""
    full1, full2 = (i1 - 1) * s1 + k1, (i2 - 1) * s2 + k2
    p1, p2 = min(p1, (full1 - 1) // 2), min(p2, (full2 - 1) // 2)
    both = overlap_counts((i1, i2), (k1, k2), stride=(s1, s2), padding=(p1, p2))
    first = overlap_counts(i1, k1, stride=s1, padding=p1)
    second = overlap_counts(i2, k2, stride=s2, padding=p2)
    np.testing.assert_array_equal(both, np.outer(first, second))


# --- deconvolution proper versus the transpose ------------------------------------------------------


@given(ints((6,)), st.integers(1, 5), st.data())
def test_deconvolution_proper_inverts_a_full_convolution(x: np.ndarray, k: int, data: st.DataObject) -> None:
    """Deconvolution (polynomial division, scipy.signal.deconvolve) recovers x from the full convolution x * w."""
    w = np.concatenate([[1], data.draw(ints((k - 1,)))])  # a leading 1 keeps the division exact
    y = conv_transpose(one_channel(x), one_channel(w))[0, 0]  # stride 1: MATLAB's conv(x, w, 'full')
    quotient, remainder = scipy.signal.deconvolve(y.astype(float), w.astype(float))
    np.testing.assert_allclose(quotient, x, atol=1e-6)
    np.testing.assert_allclose(remainder, 0, atol=1e-6)


@given(st.integers(1, 6), ints((4,)))
def test_the_transpose_is_an_inverse_only_for_a_single_unit_tap(i: int, w: np.ndarray) -> None:
    """conv(conv_transpose(., w), w) -- the matrix T.T @ T -- is the identity iff w is +-1 at one tap.

    Its diagonal is sum(w**2) and its off-diagonals the autocorrelation of w: the transposed
    convolution returns the right *shape*, not the input.
    """
    assume(w.any())
    basis = np.eye(i, dtype=np.int64)[:, np.newaxis]  # (i, 1, i): every unit input at once
    gram = conv(conv_transpose(basis, one_channel(w)), one_channel(w))[:, 0]  # (i, i)
    assert np.all(np.diag(gram) == np.sum(w**2))
    single_unit_tap = np.count_nonzero(w) == 1 and np.abs(w).max() == 1
    assert np.array_equal(gram, np.eye(i, dtype=np.int64)) == single_unit_tap


@given(cases(max_groups=1, max_channels_per_group=1, max_dilation=1, padding="symmetric", max_ndim=2), st.data())
def test_without_overlap_conv_undoes_conv_transpose_up_to_the_kernel_energy(case: Case, data: st.DataObject) -> None:
    """When kernel <= stride (no padding) the windows do not overlap: C @ C.T = sum(w**2) * I, so
    conv(conv_transpose(x, w), w) == sum(w**2) * x -- a unit-norm kernel makes the transpose a right inverse."""
    s = tuple(data.draw(st.integers(k, k + 2)) for k in case.weight.shape[2:])
    x, w = case.x[:1], case.weight
    back = conv(conv_transpose(x, w, stride=s), np.swapaxes(w, 0, 1), stride=s)
    np.testing.assert_array_equal(back, np.sum(w**2) * x)
