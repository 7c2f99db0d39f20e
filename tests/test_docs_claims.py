"""The claims the site's glossary, common mistakes, names and sub-pixel pages make, each stated as a property.

Each one was once written wrongly (issue 16): ``max(s, d)`` sizes mapping to the same input (it is ``s``,
whatever the dilation), "the identity only for a single +-1 tap" (not for a real kernel and an output shorter
than the kernel), and ``d`` for both the dilation and the number of dimensions (now ``D``).
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import assume, example, given
from hypothesis import strategies as st

from transposed_conv import conv, conv_output_shape, conv_transpose, conv_transpose_output_shape


@given(
    i=st.integers(1, 6),
    k=st.integers(1, 4),
    s=st.integers(1, 4),
    d=st.integers(1, 5),
    p=st.integers(0, 3),
)
def test_exactly_stride_many_sizes_convolve_to_one_input_size_whatever_the_dilation(
    i: int, k: int, s: int, d: int, p: int
) -> None:
    """The sizes a convolution maps to input size ``i`` are the ``s`` consecutive sizes from the transposed
    convolution's (``output_padding`` 0 to ``s - 1``), not ``max(s, d)`` of them; PyTorch's wider rule
    ``a < max(s, d)`` lets an ``a >= s`` (only when ``d > s``) give a size whose convolution is longer."""
    assume((i - 1) * s + d * (k - 1) + 1 > 2 * p)  # a transposed output of at least one element
    smallest = conv_transpose_output_shape(i, k, stride=s, padding=p, dilation=d)[0]

    def convolved(o: int) -> int | None:
        if o + 2 * p < d * (k - 1) + 1:
            return None
        return conv_output_shape(o, k, stride=s, padding=p, dilation=d)[0]

    mapping_to_i = [o for o in range(1, smallest + 3 * max(s, d) + 2) if convolved(o) == i]
    assert mapping_to_i == list(range(smallest, smallest + s)), (i, k, s, d, p)
    for a in range(max(s, d)):
        assert convolved(smallest + a) == i + a // s


def _gram(w: np.ndarray, out: int) -> np.ndarray:
    """``C Cᵀ`` for the stride-1 convolution with kernel ``w`` and output length ``out``: conv after conv_transpose."""
    basis = np.eye(out)[:, np.newaxis]  # (out, 1, out): every unit input at once
    kernel = w[np.newaxis, np.newaxis]  # (1, 1, k)
    return conv(conv_transpose(basis, kernel), kernel)[:, 0]  # (out, out)


def _autocorrelation(w: np.ndarray, lag: int) -> float:
    return float(np.dot(w[: len(w) - lag], w[lag:])) if lag < len(w) else 0.0


# Unit-norm kernels whose taps sit at the two ends (a Pythagorean pair over its hypotenuse): their only
# nonzero autocorrelation off lag 0 is at lag k - 1, so C Cᵀ is the identity exactly for outputs shorter than k.
_ENDS = st.builds(
    lambda pair, gap, signs: np.array([signs[0] * pair[0], *([0.0] * gap), signs[1] * pair[1]]),
    st.sampled_from([(0.6, 0.8), (5 / 13, 12 / 13), (8 / 17, 15 / 17), (1.0, 0.0)]),
    st.integers(0, 3),
    st.tuples(st.sampled_from([-1.0, 1.0]), st.sampled_from([-1.0, 1.0])),
)
_REAL = st.lists(st.integers(-4, 4), min_size=1, max_size=5).map(lambda taps: np.array(taps, dtype=float) / 4)


@given(w=st.one_of(_ENDS, _REAL), out=st.integers(1, 7))
@example(w=np.array([0.6, 0.0, 0.8]), out=2)
def test_conv_transpose_is_a_right_inverse_exactly_when_the_kernel_is_white_over_the_output_length(
    w: np.ndarray, out: int
) -> None:
    """``C Cᵀ`` is the Toeplitz matrix of ``w``'s autocorrelation (``sum(w**2)`` on the diagonal, lag ``m`` on
    the ``m``-th off-diagonals), so conv undoes conv_transpose exactly when ``sum(w**2) = 1`` and the
    autocorrelation vanishes at every lag below the output length -- a single +-1 tap once the output is at
    least as long as the kernel, but not before: ``w = [0.6, 0, 0.8]`` with an output of 2 also does."""
    gram = _gram(w, out)
    toeplitz = np.array([[_autocorrelation(w, abs(r - c)) for c in range(out)] for r in range(out)])
    np.testing.assert_allclose(gram, toeplitz, atol=1e-12)
    white = np.isclose(np.sum(w**2), 1) and all(np.isclose(_autocorrelation(w, m), 0) for m in range(1, out))
    assert np.allclose(gram, np.eye(out)) == white
    if out >= len(w) and white:
        assert np.count_nonzero(w) == 1 and np.isclose(np.abs(w).max(), 1)


def test_the_documented_counterexample_to_a_single_unit_tap() -> None:
    """The example on the names page: ``[0.6, 0, 0.8]`` is a right inverse's kernel for an output of 2, not 3."""
    assert np.allclose(_gram(np.array([0.6, 0.0, 0.8]), 2), np.eye(2))
    assert not np.allclose(_gram(np.array([0.6, 0.0, 0.8]), 3), np.eye(3))


@given(
    dims=st.integers(1, 3),
    s=st.integers(1, 3),
    data=st.data(),
)
def test_a_strided_transposed_convolution_is_s_to_the_D_stride_1_ones_interleaved(
    dims: int, s: int, data: st.DataObject
) -> None:
    """In ``D`` spatial dimensions (``D``, not ``d``, which is the dilation) a stride-``s`` transposed
    convolution is ``s**D`` stride-1 transposed convolutions, one per phase ``r``, each with the sub-kernel
    ``w[r_1::s, ..., r_D::s]``, their outputs interleaved."""
    sizes = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    kernel = tuple(data.draw(st.integers(s, s + 2)) for _ in range(dims))
    x = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=int(np.prod(sizes)), max_size=int(np.prod(sizes)))))
    w = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=int(np.prod(kernel)), max_size=int(np.prod(kernel)))))
    x, w = x.reshape((1, 1, *sizes)), w.reshape((1, 1, *kernel))  # (N, C, *spatial), (C_in, C_out, *kernel)
    y = conv_transpose(x, w, stride=s)
    phases = list(itertools.product(range(s), repeat=dims))
    assert len(phases) == s**dims
    for phase in phases:
        window = (..., *(slice(r, None, s) for r in phase))
        np.testing.assert_array_equal(y[window], conv_transpose(x, w[window]))
