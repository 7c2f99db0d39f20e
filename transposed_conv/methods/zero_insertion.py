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

The stride-1 convolution here is written as a sum over kernel taps of GEMMs on shifted
views, independently of the ``im2col`` module, so that the two methods check each other.
It does ``prod(stride)`` times the multiply-adds of the other methods, by design: most
of them multiply inserted zeros.
"""

from __future__ import annotations

import math

import numpy as np

from .._arguments import ConvTransposeGeometry
from .._memory import chunk_count, chunks
from ._nonfinite import ieee_special_values
from ._windows import taps

__all__ = ["conv_transpose", "correlate_stride1", "insert_zeros", "pad_or_crop", "transposed_kernel"]


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


@ieee_special_values  # the zeros it multiplies are not products of the definition: see _nonfinite
def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Insert zeros, pad by ``d*(k-1) - p`` (+ output_padding at the end), convolve with the flipped kernel.

    The batch is processed in chunks whose temporaries (the stretched and padded input,
    ``prod(stride)`` times the input, and the GEMM accumulators) stay under
    :func:`~transposed_conv._memory.get_memory_limit`.
    """
    n = x.shape[0]
    full = tuple(d * (k - 1) for d, k in zip(geometry.dilation, geometry.kernel_shape))
    before = tuple(f - pb for f, (pb, _) in zip(full, geometry.padding))
    after = tuple(f - pe + a for f, (_, pe), a in zip(full, geometry.padding, geometry.output_padding))
    kernel = transposed_kernel(weight, geometry.groups)
    out = geometry.output_shape
    y = np.empty((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O)
    padded = tuple(o + f for o, f in zip(out, full))  # the padded, stretched size
    per_item = 2 * (geometry.in_channels + geometry.out_channels) * math.prod(padded) * x.dtype.itemsize
    for batch in chunks(n, min(max(n, 1), chunk_count(per_item, 2 * kernel.nbytes))):
        stretched = pad_or_crop(insert_zeros(x[batch], geometry.stride), before, after)
        y[batch] = correlate_stride1(stretched, kernel, geometry.dilation, geometry.groups)
        del stretched  # free this chunk's stretched input before the next chunk builds its own
    return y
