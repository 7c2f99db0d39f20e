"""Convolution as ``im2col`` + GEMM, and transposed convolution as its exact transpose.

A convolution (cross-correlation) with weight matrix ``W`` of shape
``(C_out, C_in * prod(k))`` is::

    y = W @ im2col(pad(x))

where ``im2col`` gathers, for every output position, the ``prod(k)`` input values the
kernel covers.  Its transpose reverses every step, in reverse order::

    conv_transpose(x) = crop(col2im(W.T @ x))

``W.T @ x`` is one GEMM; ``col2im`` is the adjoint of ``im2col``: each column entry is
added back to the input position it was gathered from (one strided slice-add per
kernel tap); ``crop`` is the adjoint of zero padding.  Groups make ``W`` block diagonal,
so the GEMM becomes a batched matmul over groups.
"""

from __future__ import annotations

import numpy as np

from .._arguments import ConvGeometry, ConvTransposeGeometry
from ._windows import crop_slices, tap_slices, taps

__all__ = ["col2im", "conv_transpose", "correlate", "im2col"]


def im2col(
    padded: np.ndarray,
    kernel_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> np.ndarray:
    """Gather ``(N, C, *P)`` into columns ``(N, C, *k, *O)``: entry ``[n, c, j, o] = padded[n, c, o*s + j*d]``."""
    n, c = padded.shape[:2]
    cols = np.empty((n, c, *kernel_shape, *output_shape), dtype=padded.dtype)
    everything = (slice(None), slice(None))
    for tap in taps(kernel_shape):
        cols[everything + tap] = padded[everything + tap_slices(tap, output_shape, stride, dilation)]
    return cols


def col2im(
    cols: np.ndarray,
    padded_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> np.ndarray:
    """The adjoint of :func:`im2col`: scatter-add columns ``(N, C, *k, *L)`` into ``(N, C, *P)``."""
    n, c = cols.shape[:2]
    ndim = len(padded_shape)
    kernel_shape = cols.shape[2 : 2 + ndim]
    count = cols.shape[2 + ndim :]
    padded = np.zeros((n, c, *padded_shape), dtype=cols.dtype)
    everything = (slice(None), slice(None))
    for tap in taps(kernel_shape):
        padded[everything + tap_slices(tap, count, stride, dilation)] += cols[everything + tap]
    return padded


def correlate(x: np.ndarray, weight: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """Convolution ``(N, C_in, *L) -> (N, C_out, *O)`` as pad, ``im2col``, GEMM (no bias)."""
    g = geometry.groups
    n = x.shape[0]
    k, out = geometry.kernel_shape, geometry.output_shape
    pad_width = ((0, 0), (0, 0), *geometry.padding)
    padded = np.pad(x, pad_width)
    cols = im2col(padded, k, out, geometry.stride, geometry.dilation)  # (N, C_in, *k, *O)
    cols = cols.reshape(
        n, g, geometry.in_channels // g * int(np.prod(k)), int(np.prod(out))
    )  # (N, G, C_in/G * prod(k), prod(O))
    w = weight.reshape(g, geometry.out_channels // g, -1)  # (G, C_out/G, C_in/G * prod(k))
    y: np.ndarray = np.matmul(w[np.newaxis], cols)  # (N, G, C_out/G, prod(O))
    return y.reshape(n, geometry.out_channels, *out)


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Transposed convolution as GEMM with ``W.T``, then ``col2im``, then crop (no bias)."""
    g = geometry.groups
    n = x.shape[0]
    c_in, c_out = geometry.in_channels, geometry.out_channels
    k, spatial = geometry.kernel_shape, geometry.input_shape
    out = geometry.output_shape
    w = weight.reshape(g, c_in // g, -1)  # (G, C_in/G, C_out/G * prod(k))
    xs = x.reshape(n, g, c_in // g, int(np.prod(spatial)))  # (N, G, C_in/G, prod(L))
    cols = np.matmul(np.swapaxes(w, 1, 2)[np.newaxis], xs)  # (N, G, C_out/G * prod(k), prod(L))
    cols = cols.reshape(n, c_out, *k, *spatial)  # (N, C_out, *k, *L)
    padded_shape = tuple(o + pb + pe for o, (pb, pe) in zip(out, geometry.padding))
    padded = col2im(cols, padded_shape, geometry.stride, geometry.dilation)  # (N, C_out, *P)
    return padded[(slice(None), slice(None), *crop_slices(geometry.padding, out))]
