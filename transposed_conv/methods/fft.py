"""Transposed convolution by the convolution theorem: zero insertion, then a full convolution by real FFTs.

Per spatial dimension the uncropped output of a transposed convolution is the *full*
convolution of the stretched input -- ``stride - 1`` zeros inserted between neighbours --
with the dilated kernel -- ``dilation - 1`` zeros between taps: input ``i`` and tap ``j``
meet at ``f = i*stride + j*dilation`` (Dumoulin & Visin 2016, section 4).  Then the
padding crops ``f`` to ``o = f - p_begin``.  The convolution theorem turns the full
convolution of two sequences into a product of their discrete Fourier transforms, when
both are zero-padded to (at least) the full length, so that the circular convolution the
DFT computes does not wrap around.  For output channel ``m`` of group ``g``::

    Y_m = sum_{c in group g} rfftn(insert_zeros(x_c)) * rfftn(dilate(w_{c,m}))
    y_m = crop(irfftn(Y_m))

The sum over the input channels runs in the frequency domain, so each output channel is
transformed back once.  Real FFTs (:func:`numpy.fft.rfftn`) keep half the spectrum of the
last axis.  The cost is ``O(P log P)`` per transform for a grid of ``P`` values, against
``prod(kernel)`` multiply-adds per output position for the direct sum: fast for large
kernels, slow for small ones, which is why ``method="auto"`` never picks it.

Crop first: only the inputs and taps that reach the cropped output are transformed
(:func:`reach`), so a huge padding -- which crops most of the full output away -- costs
nothing; the transform grid is the full output of those inputs and taps alone.  When that
grid is still much larger than the output and too large for the memory limit (huge
strides *and* dilations with a padding that crops between them), the method refuses with
a ``ValueError`` rather than allocate it.  Otherwise the batch and the output channels are
processed in chunks whose spectra stay under :func:`~transposed_conv._memory.get_memory_limit`.

Rounding: the FFT does not form the definition's products, so its result is *not* within
the oracle's elementwise summation bound; its error is normwise, ``c*log2(P)*u*||x||*||w||``
(Higham 2002, ch. 24), and can be large relative to small output elements -- the oracle's
``algorithm="fft"`` model (``docs/oracle.md``).  Non-finite inputs give the definition's
IEEE result, as in every method (:mod:`._transforms`): the FFT alone would smear one NaN
over the whole output.

Integer inputs never reach this module: :func:`transposed_conv.conv_transpose` computes
them exactly with a summing method instead (an FFT result is not exact).

Notes
-----
* The convolution theorem and FFT-based linear convolution: Oppenheim & Schafer,
  *Discrete-Time Signal Processing*, 3rd ed. (2010), sections 8.6-8.7.
* FFT convolution for convolutional networks: Mathieu, Henaff & LeCun, "Fast Training of
  Convolutional Networks through FFTs", ICLR 2014.
* Rounding error of the FFT: Higham, *Accuracy and Stability of Numerical Algorithms*,
  2nd ed. (2002), chapter 24, Theorem 24.2.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._memory import chunk_count, chunks, get_memory_limit
from ..shapes import ConvTransposeGeometry
from ._transforms import ieee_special_values_of_transform

__all__ = ["Reach", "conv_transpose", "dilate", "full_convolution", "insert_zeros", "reach"]

#: The transform grid may exceed the memory limit only while it is at most this many times the cropped output.
GRID_BLOWUP = 4


class Reach(NamedTuple):
    """In one dimension: the inputs ``[first_input, stop_input)`` and taps ``[first_tap, stop_tap)`` that reach
    the cropped output, and where the cropped output starts in the full convolution of those alone."""

    first_input: int
    stop_input: int
    first_tap: int
    stop_tap: int
    shift: int  # cropped output o sits at position o + shift of the transform grid

    def grid(self, stride: int, dilation: int) -> int:
        """The full-convolution length of the reaching inputs and taps: the transform size."""
        return (self.stop_input - self.first_input - 1) * stride + (self.stop_tap - self.first_tap - 1) * dilation + 1


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def reach(i: int, k: int, o: int, s: int, d: int, p_begin: int) -> Reach | None:
    """The inputs and taps whose products land in the cropped output ``[0, o)``, in one dimension; ``None`` if none.

    Input ``a`` and tap ``j`` meet at ``f = a*s + j*d``, which is output ``f - p_begin``.
    ``a`` reaches only if ``p_begin - (k - 1)*d <= a*s <= p_begin + o - 1``; of those inputs,
    tap ``j`` reaches only if ``p_begin - a_last*s <= j*d <= p_begin + o - 1 - a_first*s``.

    >>> reach(3, 3, 3, 2**31 - 1, 1, 2**31 - 1)  # a huge stride cropped by a huge padding: only the middle input
    Reach(first_input=1, stop_input=2, first_tap=0, stop_tap=3, shift=0)
    """
    first = max(0, _ceil_div(p_begin - (k - 1) * d, s))
    last = min(i - 1, (p_begin + o - 1) // s)
    if first > last:
        return None
    first_tap = max(0, _ceil_div(p_begin - last * s, d))
    last_tap = min(k - 1, (p_begin + o - 1 - first * s) // d)
    if first_tap > last_tap:
        return None
    return Reach(first, last + 1, first_tap, last_tap + 1, p_begin - first * s - first_tap * d)


def insert_zeros(x: np.ndarray, stride: tuple[int, ...]) -> np.ndarray:
    """``(N, C, *L)`` -> ``(N, C, *((L - 1)*s + 1))``: ``stride - 1`` zeros between neighbours on each spatial axis."""
    spatial = x.shape[2:]
    z = np.zeros(x.shape[:2] + tuple((i - 1) * s + 1 for i, s in zip(spatial, stride)), dtype=x.dtype)
    z[(slice(None), slice(None), *(slice(None, None, s) for s in stride))] = x
    return z


def dilate(weight: np.ndarray, dilation: tuple[int, ...]) -> np.ndarray:
    """``(C_in, C_out/G, *k)`` -> ``(C_in, C_out/G, *(d*(k - 1) + 1))``: ``dilation - 1`` zeros between taps."""
    return insert_zeros(weight, dilation)


def full_convolution(x: np.ndarray, weight: np.ndarray, groups: int, grid: tuple[int, ...]) -> np.ndarray:
    """``(N, C_in, *L)`` and ``(C_in, M, *K)`` -> ``(N, G*M, *grid)``: the full convolution by the convolution theorem.

    ``grid`` must be at least ``L + K - 1`` per dimension, so that the circular convolution of
    the DFT is the linear one.  Each output channel is ``irfftn`` of the sum over the group's
    input channels of the products of the spectra.
    """
    n, c_in = x.shape[:2]
    m = weight.shape[1]
    axes = tuple(range(2, x.ndim))
    spectrum_x = np.fft.rfftn(x, s=grid, axes=axes)  # (N, C_in, *grid[:-1], grid[-1]//2 + 1)
    spectrum_w = np.fft.rfftn(weight, s=grid, axes=axes)  # (C_in, M, *grid[:-1], grid[-1]//2 + 1)
    half = spectrum_x.shape[2:]
    sx = spectrum_x.reshape(n, groups, c_in // groups, math.prod(half))  # (N, G, C_in/G, P')
    sw = spectrum_w.reshape(groups, c_in // groups, m, math.prod(half))  # (G, C_in/G, M, P')
    product = np.einsum("ngcp,gcmp->ngmp", sx, sw)  # (N, G, M, P'): the channel sum, in the frequency domain
    product = product.reshape(n, groups * m, *half)  # (N, G*M, *grid[:-1], grid[-1]//2 + 1)
    return np.fft.irfftn(product, s=grid, axes=axes).astype(x.dtype, copy=False)  # (N, G*M, *grid)


def _plan(geometry: ConvTransposeGeometry) -> list[Reach] | None:
    per_dim = [reach(i, k, o, s, d, pb) for k, i, o, s, d, pb in geometry.dimensions]
    return None if any(r is None for r in per_dim) else [r for r in per_dim if r is not None]


def _check_grid(geometry: ConvTransposeGeometry, grid: tuple[int, ...], channel_bytes: int) -> None:
    size, out = math.prod(grid), math.prod(geometry.output_shape)
    if channel_bytes > get_memory_limit() and size > GRID_BLOWUP * out:
        raise ValueError(
            f"method='fft' transforms the full output of the inputs and taps that reach the output, "
            f"a grid of {size} values per channel here ({grid}) for an output of {out}: above the memory limit "
            f"(transposed_conv._memory.get_memory_limit()) and more than {GRID_BLOWUP} times the output, "
            "because of the stride, dilation and padding; use method='auto'"
        )


@ieee_special_values_of_transform  # the FFT mixes every element into every other: see _transforms
def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Zero insertion, then the full convolution by real FFTs, then the crop (no bias).

    Only the inputs and taps that reach the cropped output are transformed (:func:`reach`).
    Output channels are processed in chunks whose weight spectra take at most half the
    memory limit, and the batch in chunks whose spectra fit in the rest.
    """
    g = geometry.groups
    n = x.shape[0]
    c_out_g = geometry.out_channels // g
    out = geometry.output_shape
    y = np.zeros((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O)
    plan = _plan(geometry)
    if n == 0 or plan is None:
        return y  # no product lands in the output
    grid = tuple(r.grid(s, d) for r, s, d in zip(plan, geometry.stride, geometry.dilation))
    inputs = tuple(slice(r.first_input, r.stop_input) for r in plan)
    kernel_taps = tuple(slice(r.first_tap, r.stop_tap) for r in plan)
    # where the cropped output lies in the grid, and the part of it the grid covers
    targets = tuple(slice(max(0, -r.shift), min(o, size - r.shift)) for r, o, size in zip(plan, out, grid))
    sources = tuple(slice(t.start + r.shift, t.stop + r.shift) for t, r in zip(targets, plan))
    if any(t.start >= t.stop for t in targets):
        return y
    real = x.dtype.itemsize
    size, half = math.prod(grid), math.prod(grid[:-1]) * (grid[-1] // 2 + 1)
    spectrum = half * 2 * real  # bytes of one channel's half spectrum (complex)
    channel_bytes = size * real + 2 * spectrum  # a transform's input and its two latest stages
    _check_grid(geometry, grid, channel_bytes)
    # Kept: the weight spectra of a chunk of output channels, at most half the limit.  Per batch element:
    # the stretched input and its transform, then the products and their inverse transform.
    per_channel = geometry.in_channels * spectrum
    channel_chunk = min(c_out_g, chunk_count(per_channel, limit=max(get_memory_limit() // 2, 1)))
    stretched = math.prod(
        (i - 1) * s + 1 for i, s in zip((r.stop_input - r.first_input for r in plan), geometry.stride)
    )
    everything = (slice(None), slice(None))
    stretched_inputs = x[everything + inputs]  # (N, C_in, *L_reach): a view
    for channels in chunks(c_out_g, channel_chunk):
        mc = channels.stop - channels.start
        w = dilate(weight[(slice(None), channels, *kernel_taps)], geometry.dilation)  # (C_in, mc, *K_reach)
        per_item = geometry.in_channels * (stretched * real + 2 * spectrum) + g * mc * channel_bytes
        batch_chunk = min(n, chunk_count(per_item, mc * per_channel))
        outputs = np.concatenate(
            [np.arange(group * c_out_g + channels.start, group * c_out_g + channels.stop) for group in range(g)]
        )
        for batch in chunks(n, batch_chunk):
            z = insert_zeros(stretched_inputs[batch], geometry.stride)  # (n_b, C_in, *Z)
            full = full_convolution(z, w, g, grid)  # (n_b, G*mc, *grid)
            where: tuple[slice | np.ndarray, ...] = (batch, outputs, *targets)
            y[where] = full[everything + sources]  # the crop
    return y
