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

The stride-1 convolution here is written with ``sliding_window_view``, independently of
the ``im2col`` module, so that the two methods check each other.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._arguments import ConvTransposeGeometry

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
    """Stride-1 cross-correlation of ``(N, C, *Z)`` with ``(C_out, C/G, *k)`` dilated by ``dilation``."""
    n, c = z.shape[:2]
    c_out = weight.shape[0]
    kernel = weight.shape[2:]
    ndim = len(kernel)
    extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    windows = sliding_window_view(z, extent, axis=tuple(range(2, 2 + ndim)))  # (N, C, *O, *extent)
    every_dth = tuple(slice(None, None, d) for d in dilation)
    windows = windows[(slice(None),) * (2 + ndim) + every_dth]  # (N, C, *O, *k)
    out = windows.shape[2 : 2 + ndim]
    windows = windows.reshape(n, groups, c // groups, *out, *kernel)  # (N, G, C/G, *O, *k)
    order = (1, 0, *range(3, 3 + ndim), 2, *range(3 + ndim, 3 + 2 * ndim))
    depth = c // groups * int(np.prod(kernel))
    rows = windows.transpose(order).reshape(groups, n * int(np.prod(out)), depth)  # (G, N*prod(O), C/G*prod(k))
    w = weight.reshape(groups, c_out // groups, -1)  # (G, C_out/G, C/G*prod(k))
    y: np.ndarray = np.matmul(rows, np.swapaxes(w, 1, 2))  # (G, N*prod(O), C_out/G)
    y = y.reshape(groups, n, *out, c_out // groups)  # (G, N, *O, C_out/G)
    y = np.moveaxis(y, (0, 1, 2 + ndim), (1, 0, 2))  # (N, G, C_out/G, *O)
    return y.reshape(n, c_out, *out)


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Insert zeros, pad by ``d*(k-1) - p`` (+ output_padding at the end), convolve with the flipped kernel."""
    stretched = insert_zeros(x, geometry.stride)
    full = tuple(d * (k - 1) for d, k in zip(geometry.dilation, geometry.kernel_shape))
    before = tuple(f - pb for f, (pb, _) in zip(full, geometry.padding))
    after = tuple(f - pe + a for f, (_, pe), a in zip(full, geometry.padding, geometry.output_padding))
    padded = pad_or_crop(stretched, before, after)
    kernel = transposed_kernel(weight, geometry.groups)
    return correlate_stride1(padded, kernel, geometry.dilation, geometry.groups)
