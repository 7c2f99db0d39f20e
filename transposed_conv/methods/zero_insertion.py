"""Transposed convolution by zero insertion, padding, and a stride-1 convolution.

This is the picture from Dumoulin & Visin (2016, section 4): a transposed convolution
with stride ``s`` is an ordinary *stride-1* convolution over a stretched input.  Per
spatial dimension:

1. **Insert zeros**: put ``s - 1`` zeros between neighbouring input elements, so an
   input of size ``i`` becomes ``(i - 1)*s + 1``.  This is the "fractional stride".
2. **Pad**: add ``d*(k - 1) - p_begin`` zeros before and
   ``d*(k - 1) - p_end + output_padding`` after (a negative amount crops instead).
   With ``p = 0`` that is the *full* padding, letting the kernel hang over the edge by
   all but one tap, as MATLAB's ``conv(..., 'full')`` does.
3. **Convolve with stride 1**, using the kernel flipped in every spatial dimension and
   with its input and output channel axes swapped (per group), dilated by ``d``.

The stride-1 convolution is a sum over the taps ``j`` of the flipped kernel ``W'``,
``y[o] = sum_j W'_j @ z[o + j*d]``, and tap ``j`` reads only the window
``z[j*d : j*d + out]`` of the stretched, padded input ``z``.  :func:`conv_transpose` builds
each such window directly (:func:`stretched_window`: zeros, then the input elements
that fall inside it at their stretched positions), so its memory is
``(C_in + C_out) * prod(out)`` values per batch element, never the whole stretched grid of
``prod(out + d*(k - 1))`` values, which a large dilation or padding makes huge.  The three
steps on whole arrays are kept as functions, for teaching and for the tests --
:func:`insert_zeros`, :func:`pad_or_crop`, :func:`correlate_stride1` (a sum over kernel taps
of GEMMs on shifted views of ``z``) and :func:`transposed_kernel` -- and give the same
result where the stretched grid fits in memory.  Both are written independently of the
``im2col`` module, so that the two methods check each other.

It does ``prod(stride)`` times the multiply-adds of the other methods, by design: most
of them multiply inserted zeros.
"""

from __future__ import annotations

import math

import numpy as np

from .._arguments import ConvTransposeGeometry
from .._memory import chunk_count, chunks
from ._nonfinite import ieee_special_values
from ._windows import clipped_tap, taps

__all__ = [
    "conv_transpose",
    "correlate_stride1",
    "insert_zeros",
    "pad_or_crop",
    "stretched_window",
    "transposed_kernel",
    "window_positions",
]

Slices = tuple[slice, ...]


def insert_zeros(x: np.ndarray, stride: tuple[int, ...]) -> np.ndarray:
    """Put ``stride - 1`` zeros between neighbouring elements of each spatial axis of ``(N, C, *L)``."""
    spatial = x.shape[2:]
    stretched = tuple((i - 1) * s + 1 for i, s in zip(spatial, stride))
    z = np.zeros(x.shape[:2] + stretched, dtype=x.dtype)  # (N, C, *((L - 1)*s + 1))
    z[(slice(None), slice(None), *(slice(None, None, s) for s in stride))] = x
    return z


def pad_or_crop(z: np.ndarray, before: tuple[int, ...], after: tuple[int, ...]) -> np.ndarray:
    """Zero-pad each spatial axis by ``before``/``after``; a negative amount crops that many instead."""
    widths = ((0, 0), (0, 0), *((max(b, 0), max(a, 0)) for b, a in zip(before, after)))
    padded = np.pad(z, widths)
    keep = tuple(slice(max(-b, 0), size - max(-a, 0)) for b, a, size in zip(before, after, padded.shape[2:]))
    return padded[(slice(None), slice(None), *keep)]


def transposed_kernel(weight: np.ndarray, groups: int) -> np.ndarray:
    """``(C_in, C_out/G, *k)`` -> ``(C_out, C_in/G, *k)``: swap channel roles per group, flip every spatial axis."""
    c_in, c_out_g = weight.shape[:2]
    kernel = weight.shape[2:]
    w = weight.reshape(groups, c_in // groups, c_out_g, *kernel)  # (G, C_in/G, C_out/G, *k)
    w = np.swapaxes(w, 1, 2)  # (G, C_out/G, C_in/G, *k)
    w = np.flip(w, axis=tuple(range(3, 3 + len(kernel))))
    return w.reshape(groups * c_out_g, c_in // groups, *kernel)  # (C_out, C_in/G, *k)


def correlate_stride1(z: np.ndarray, weight: np.ndarray, dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """Stride-1 cross-correlation of ``(N, C, *Z)`` with ``(C_out, C/G, *k)`` dilated by ``dilation``.

    A sum over kernel taps: ``y[o] = sum_j weight[:, :, j] @ z[o + j*dilation]``.  Flattening
    the spatial axes of ``z`` turns the shift by ``j*dilation`` into a single offset, so each
    tap is one GEMM on a view of ``z`` (no copy of the windows).  The run of flattened
    positions it covers includes, in ``d >= 2`` dimensions, the ``d*(k - 1)`` positions past
    the end of each row; their results are computed and dropped at the end.
    """
    n, c = z.shape[:2]
    c_out = weight.shape[0]
    kernel = weight.shape[2:]
    grid = z.shape[2:]
    out = tuple(size - d * (k - 1) for size, d, k in zip(grid, dilation, kernel))
    row = math.prod(grid[1:])  # flattened distance between neighbours along the first spatial axis
    strides = [math.prod(grid[axis + 1 :]) for axis in range(len(grid))]
    run = sum((o - 1) * step for o, step in zip(out, strides)) + 1  # flattened positions from first to last output
    per_tap = np.swapaxes(weight.reshape(groups, c_out // groups, c // groups, -1), 2, 3)  # (G, C_out/G, prod(k), C/G)
    per_tap = np.ascontiguousarray(per_tap)  # each tap's (C_out/G, C/G) matrix is then a strided view BLAS reads
    flat = z.reshape(n, groups, c // groups, math.prod(grid))  # (N, G, C/G, prod(Z))
    acc = np.zeros((n, groups, c_out // groups, out[0] * row), dtype=z.dtype)  # (N, G, C_out/G, O_1 * prod(Z[1:]))
    covered = acc[..., :run]
    for index, tap in enumerate(taps(kernel)):
        offset = sum(j * d * step for j, d, step in zip(tap, dilation, strides))
        covered += np.matmul(per_tap[:, :, index], flat[..., offset : offset + run])  # (N, G, C_out/G, run)
    y = acc.reshape(n, c_out, out[0], *grid[1:])  # (N, C_out, O_1, *Z[1:])
    return y[(slice(None), slice(None), slice(None), *(slice(0, o) for o in out[1:]))]


def window_positions(tap: tuple[int, ...], geometry: ConvTransposeGeometry) -> tuple[Slices, Slices] | None:
    """``(inputs, positions)``: where the window of flipped tap ``j`` holds input elements, or ``None`` if nowhere.

    Input ``i`` sits in the stretched, padded input ``z`` at ``i*s + d*(k - 1) - p_begin``, so it
    lands in tap ``j``'s window ``z[j*d : j*d + out]`` at ``o = i*s + (k - 1 - j)*d - p_begin`` --
    where the unflipped tap ``k - 1 - j`` sends it (:func:`~transposed_conv.methods._windows.clipped_tap`).
    """
    per_dim = [
        clipped_tap(k - 1 - j, i, o, s, d, pb)
        for j, k, i, o, s, d, (pb, _) in zip(
            tap,
            geometry.kernel_shape,
            geometry.input_shape,
            geometry.output_shape,
            geometry.stride,
            geometry.dilation,
            geometry.padding,
        )
    ]
    if any(pair is None for pair in per_dim):
        return None
    return tuple(pair[0] for pair in per_dim if pair), tuple(pair[1] for pair in per_dim if pair)


def stretched_window(
    x: np.ndarray, tap: tuple[int, ...], geometry: ConvTransposeGeometry, window: np.ndarray | None = None
) -> np.ndarray:
    """``(N, C_in, *L)`` -> ``(N, C_in, *O)``: the window ``z[j*d : j*d + out]`` that flipped tap ``j`` reads.

    ``z`` is the stretched, padded input, ``pad_or_crop(insert_zeros(x, s), d*(k-1) - p_begin, ...)``;
    the window holds the input elements at :func:`window_positions` and the inserted or padded
    zeros everywhere else.  Writes into ``window`` when given, which must hold zeros (only the
    input elements are written).

    >>> from transposed_conv._arguments import ConvTransposeGeometry
    >>> x = np.array([[[1, 2, 3]]])
    >>> geometry = ConvTransposeGeometry((3,), (3,), (2,), ((1, 1),), (0,), (1,), 1, 1, 1)  # k 3, s 2, p 1
    >>> pad_or_crop(insert_zeros(x, (2,)), (1,), (1,)).tolist()  # z, padded by d*(k - 1) - p = 1
    [[[0, 1, 0, 2, 0, 3, 0]]]
    >>> for j in range(3):  # z[j : j + 5]
    ...     print("tap", j, "reads", stretched_window(x, (j,), geometry).ravel().tolist())
    tap 0 reads [0, 1, 0, 2, 0]
    tap 1 reads [1, 0, 2, 0, 3]
    tap 2 reads [0, 2, 0, 3, 0]
    """
    if window is None:
        window = np.zeros((*x.shape[:2], *geometry.output_shape), dtype=x.dtype)  # (N, C_in, *O)
    where = window_positions(tap, geometry)
    if where is not None:
        inputs, positions = where
        window[(slice(None), slice(None), *positions)] = x[(slice(None), slice(None), *inputs)]
    return window


@ieee_special_values  # the zeros it multiplies are not products of the definition: see _nonfinite
def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Insert zeros, pad by ``d*(k-1) - p`` (+ output_padding at the end), correlate with the flipped kernel.

    The correlation runs tap by tap, ``y += W'_j @ z[j*d : j*d + out]`` with ``W'`` the
    flipped, in/out-swapped kernel (:func:`transposed_kernel`) and each window built by
    :func:`stretched_window`.  The batch is processed in chunks whose temporaries (one
    window, ``C_in * prod(out)`` values per batch element, and one GEMM result,
    ``C_out * prod(out)``) stay under :func:`~transposed_conv._memory.get_memory_limit`.
    """
    g = geometry.groups
    n = x.shape[0]
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    out = geometry.output_shape
    size = math.prod(out)
    kernel = transposed_kernel(weight, g)  # (C_out, C_in/G, *k)
    per_tap = kernel.reshape(g, c_out_g, c_in_g, -1)  # (G, C_out/G, C_in/G, prod(k))
    per_tap = np.ascontiguousarray(np.moveaxis(per_tap, 3, 0))  # (prod(k), G, C_out/G, C_in/G)
    y = np.zeros((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O)
    if n == 0:
        return y
    per_item = (geometry.in_channels + geometry.out_channels) * size * x.dtype.itemsize
    batch_chunk = min(n, chunk_count(per_item, kernel.nbytes + per_tap.nbytes))
    window = np.zeros((batch_chunk, geometry.in_channels, *out), dtype=x.dtype)  # (n_b, C_in, *O)
    product = np.empty((batch_chunk, g, c_out_g, size), dtype=x.dtype)  # (n_b, G, C_out/G, prod(O))
    y_groups = y.reshape(n, g, c_out_g, size)  # (N, G, C_out/G, prod(O))
    for batch in chunks(n, batch_chunk):
        nb = batch.stop - batch.start
        for index, tap in enumerate(taps(geometry.kernel_shape)):
            z = stretched_window(x[batch], tap, geometry, window[:nb])  # (n_b, C_in, *O)
            columns = z.reshape(nb, g, c_in_g, size)  # (n_b, G, C_in/G, prod(O))
            y_groups[batch] += np.matmul(per_tap[index], columns, out=product[:nb])  # (n_b, G, C_out/G, prod(O))
            where = window_positions(tap, geometry)
            if where is not None:
                z[(slice(None), slice(None), *where[1])] = 0  # all zeros again for the next tap
    return y
