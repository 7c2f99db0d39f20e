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

import functools
import math

import numpy as np

from .._arguments import ConvGeometry, ConvTransposeGeometry
from .._memory import chunk_count, chunks, get_memory_limit
from ._windows import clipped_taps, tap_slices, taps

__all__ = ["col2im", "conv_transpose", "correlate", "cropped_tap_windows", "im2col"]


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
    """Convolution ``(N, C_in, *L) -> (N, C_out, *O)`` as ``im2col`` of the zero-padded input, then GEMM (no bias).

    The padded input is never built: the column buffer starts as zeros -- the padding --
    and each tap gathers only the window of ``x`` it reads inside the input
    (:func:`~transposed_conv.methods._windows.clipped_taps`), so a huge ``padding`` costs
    nothing.  The zeros still enter the products, as the definition's padding does
    (``0 * inf`` is NaN there, as in PyTorch).  The batch is processed in chunks whose
    column buffer (``C_in * prod(k) * prod(O)`` values per batch element) stays under
    :func:`~transposed_conv._memory.get_memory_limit`.
    """
    g = geometry.groups
    n = x.shape[0]
    k, out = geometry.kernel_shape, geometry.output_shape
    volume, size = math.prod(k), math.prod(out)
    y = np.empty((n, geometry.out_channels, *out), dtype=np.result_type(x, weight))  # (N, C_out, *O)
    if n == 0:
        return y
    # Tap j of output o reads input o*stride + j*dilation - p_begin: the roles of clipped_tap's input and output.
    windows = list(clipped_taps(k, out, geometry.input_shape, geometry.stride, geometry.dilation, geometry.padding))
    batch_chunk = min(n, chunk_count(geometry.in_channels * volume * size * x.dtype.itemsize))
    cols = np.zeros((batch_chunk, geometry.in_channels, *k, *out), dtype=x.dtype)  # (n_b, C_in, *k, *O): the padding
    w = weight.reshape(g, geometry.out_channels // g, -1)  # (G, C_out/G, C_in/G * prod(k))
    for batch in chunks(n, batch_chunk):
        nb = batch.stop - batch.start
        for tap, outputs, inputs in windows:  # entries outside the input are never written: they stay zero
            where: tuple[slice | int, ...] = (slice(0, nb), slice(None), *tap, *outputs)
            cols[where] = x[(batch, slice(None), *inputs)]
        c_in_g = geometry.in_channels // g
        columns = cols[:nb].reshape(nb, g, c_in_g * volume, size)  # (n_b, G, C_in/G * prod(k), prod(O))
        y[batch] = np.matmul(w[np.newaxis], columns).reshape(nb, geometry.out_channels, *out)  # (n_b, C_out, *O)
    return y


@functools.lru_cache(maxsize=256)
def cropped_tap_windows(
    geometry: ConvTransposeGeometry,
) -> tuple[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]], ...]:
    """``(tap, inputs, outputs)`` for every tap with a position inside the cropped output.

    ``col2im`` followed by ``crop`` adds tap ``j``'s column entries at the inputs ``i`` to
    the outputs ``i*stride + j*dilation - p_begin``; entries that would land in the
    padding are never added (instead of being added and cropped away).
    """
    return tuple(
        clipped_taps(
            geometry.kernel_shape,
            geometry.input_shape,
            geometry.output_shape,
            geometry.stride,
            geometry.dilation,
            geometry.padding,
        )
    )


#: With fewer GEMM columns (batch elements times input positions) than this, and at least this many
#: input channels per group, computing ``X.T @ W`` and transposing it is faster than ``W.T @ X`` with
#: OpenBLAS (measured: 256 columns and 2048 input channels, float64 ``X.T @ W`` 25% faster; with 256
#: input channels ``W.T @ X`` wins).
NARROW = 1024


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Transposed convolution as GEMM with ``W.T``, then ``col2im`` straight into the cropped output (no bias).

    The batch is folded into the GEMM's columns, and processed in chunks whose column
    buffer (``C_out * prod(k) * prod(L)`` values per batch element) stays under
    :func:`~transposed_conv._memory.get_memory_limit`; when a single batch element is
    too large, the output channels are chunked too.
    """
    g = geometry.groups
    n = x.shape[0]
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    k, spatial, out = geometry.kernel_shape, geometry.input_shape, geometry.output_shape
    volume, length = math.prod(k), math.prod(spatial)
    y = np.zeros((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O)
    if n == 0:
        return y
    itemsize = x.dtype.itemsize
    per_item = (geometry.out_channels * volume + geometry.in_channels) * length * itemsize
    batch_chunk = min(n, chunk_count(per_item))
    channel_chunk = c_out_g
    if batch_chunk == 1 and per_item > get_memory_limit():
        per_channel = g * volume * length * itemsize
        channel_chunk = min(c_out_g, chunk_count(per_channel, geometry.in_channels * length * itemsize))
    w = weight.reshape(g, c_in_g, c_out_g * volume)  # (G, C_in/G, C_out/G * prod(k))
    windows = cropped_tap_windows(geometry)
    y_groups = y.reshape(n, g, c_out_g, *out)  # (N, G, C_out/G, *O)
    everything = (slice(None),) * 3
    for batch in chunks(n, batch_chunk):
        nb = batch.stop - batch.start
        items = x[batch].reshape(nb, g, c_in_g, length)  # (n_b, G, C_in/G, prod(L))
        xs = items.transpose(1, 2, 0, 3).reshape(g, c_in_g, nb * length)  # (G, C_in/G, n_b * prod(L))
        for channels in chunks(c_out_g, channel_chunk):
            mc = channels.stop - channels.start
            w_chunk = w[:, :, channels.start * volume : channels.stop * volume]  # (G, C_in/G, mc * prod(k))
            if nb * length < NARROW <= c_in_g:  # BLAS runs faster with the big weight matrix as its right operand
                cols = np.matmul(np.swapaxes(xs, 1, 2), w_chunk)  # (G, n_b * prod(L), mc * prod(k))
                cols = np.ascontiguousarray(np.swapaxes(cols, 1, 2))  # (G, mc * prod(k), n_b * prod(L))
            else:
                cols = np.matmul(np.swapaxes(w_chunk, 1, 2), xs)  # (G, mc * prod(k), n_b * prod(L))
            cols = cols.reshape(g, mc, *k, nb, *spatial)  # (G, mc, *k, n_b, *L)
            order = (2 + len(k), 0, 1, *range(2, 2 + len(k)), *range(3 + len(k), 3 + 2 * len(k)))
            cols = cols.transpose(order)  # (n_b, G, mc, *k, *L)
            target = y_groups[batch, :, channels]  # (n_b, G, mc, *O)
            for tap, inputs, outputs in windows:
                region = target[everything + outputs]
                np.add(region, cols[everything + tap + inputs], out=region)
            del cols  # free this chunk's columns before the next chunk's GEMM allocates its own
    return y
