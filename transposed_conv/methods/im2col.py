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

As in Chainer's ``conv_nd`` (whose ``col2im`` also returns the cropped image), the pad
and the crop are folded into the two index maps: :func:`im2col` reads the zeros of the
padding without building the padded input, and :func:`col2im` adds only the column
entries that land inside the cropped output.  A huge padding therefore costs nothing.

Examples
--------
Stride 2, padding 1, one channel: the columns ``W.T @ x`` hold one scaled copy of the
kernel per input element, and ``col2im`` adds the copies two apart, dropping what falls
in the padding:

>>> x = np.array([[[1, 2, 3]]])  # (N, C_in, L)
>>> w = np.array([[[1, 10, 100]]])  # (C_in, C_out, k)
>>> cols = np.einsum("ncl,cmk->nmkl", x, w)  # W.T @ x: (N, C_out, k, L)
>>> cols[0, 0].T.tolist()  # one row per input element
[[1, 10, 100], [2, 20, 200], [3, 30, 300]]
>>> col2im(cols, (7,), (2,), (1,)).tolist()  # uncropped: positions 2i + j
[[[1, 10, 102, 20, 203, 30, 300]]]
>>> col2im(cols, (5,), (2,), (1,), padding=((1, 1),)).tolist()  # crop(col2im(W.T @ x))
[[[10, 102, 20, 203, 30]]]
>>> g = ConvTransposeGeometry.build((3,), (3,), stride=2, padding=1)
>>> conv_transpose(x, w, g).tolist()
[[[10, 102, 20, 203, 30]]]
"""

from __future__ import annotations

import functools
import math
from types import EllipsisType

import numpy as np

from .._memory import chunk_count, chunks, get_memory_limit
from ..shapes import ConvGeometry, ConvTransposeGeometry
from ._buffers import scratch
from ._windows import clipped_taps

__all__ = ["CACHE_TARGET", "col2im", "conv_transpose", "correlate", "im2col", "tap_windows"]

Pairs = tuple[tuple[int, int], ...]
Windows = tuple[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]], ...]
#: An index into the last axes of an array, whatever its leading axes: ``(..., *tap, *positions)``.
Index = tuple[EllipsisType | int | slice, ...]


@functools.lru_cache(maxsize=256)
def tap_windows(
    kernel_shape: tuple[int, ...],
    count: tuple[int, ...],
    grid: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Pairs,
) -> Windows:
    """``(tap, positions, inside)`` for each tap ``j``: the positions ``i`` (of ``count``) whose
    ``i*stride + j*dilation - p_begin`` lies inside ``grid``, and those grid positions.

    Taps that reach no position of the grid are left out.  Integers only, and cached: a
    layer calls with the same geometry again and again.
    """
    return tuple(clipped_taps(kernel_shape, count, grid, stride, dilation, padding))


def im2col(
    x: np.ndarray,
    kernel_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Pairs | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Gather ``(N, C, *L)`` into columns ``(N, C, *k, *O)``: entry ``[n, c, j, o] = pad(x)[n, c, o*s + j*d]``.

    ``pad`` adds ``padding`` zeros (``(begin, end)`` per dimension; none by default) but is
    never built: each tap copies the window of ``x`` it reads, and the entries that read
    the padding are left as they are in ``out`` -- zeros when ``out`` is not given, so
    a zeroed buffer can be reused.

    With ``stride > 1`` a tap reads every ``stride``-th input, so ``x`` is first split into its
    phases ``x[r::stride]`` (one pass over the residues some tap reads, :func:`input_phases`), in
    which every tap's window is consecutive: the copies then read contiguous rows instead of
    ``stride``-apart values (measured: the gather of ``conv`` on the decoder's 128 -> 256 layer,
    64 x 64 -> 32 x 32, 0.9 ms instead of 1.3 ms per batch element).
    """
    ndim = len(kernel_shape)
    pairs = padding if padding is not None else ((0, 0),) * ndim
    if out is None:
        out = np.zeros((*x.shape[:-ndim], *kernel_shape, *output_shape), dtype=x.dtype)  # (N, C, *k, *O)
    # Tap j of output o reads input o*stride + j*dilation - p_begin: the roles of tap_windows' positions and grid.
    windows = tap_windows(kernel_shape, output_shape, x.shape[-ndim:], stride, dilation, pairs)
    if all(s == 1 for s in stride):
        for tap, outputs, inputs in windows:
            where: Index = (..., *tap, *outputs)
            source: Index = (..., *inputs)
            out[where] = x[source]
        return out
    residues, longest, reads = input_phases(kernel_shape, output_shape, x.shape[-ndim:], stride, dilation, pairs)
    with scratch((*x.shape[:-ndim], len(residues), *longest), x.dtype) as phases:  # (N, C, phases, *M)
        for index, residue in enumerate(residues):
            every: Index = (..., *(slice(r, None, s) for r, s in zip(residue, stride)))
            phase = x[every]  # (N, C, *M_r)
            target: Index = (..., index, *(slice(0, m) for m in phase.shape[x.ndim - ndim :]))
            phases[target] = phase
        for tap, outputs, index, consecutive in reads:
            where, source = (..., *tap, *outputs), (..., index, *consecutive)
            out[where] = phases[source]
    return out


@functools.lru_cache(maxsize=256)
def input_phases(
    kernel_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    input_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Pairs,
) -> tuple[
    tuple[tuple[int, ...], ...],
    tuple[int, ...],
    tuple[tuple[tuple[int, ...], tuple[slice, ...], int, tuple[slice, ...]], ...],
]:
    """:func:`im2col`'s reads by input phase: ``(residues, longest, ((tap, outputs, phase, positions), ...))``.

    ``residues`` lists the residues ``r`` (per dimension, of input positions modulo ``stride``)
    that some tap reads; phase ``r`` holds ``x[r::stride]``, at most ``longest`` positions per
    dimension.  Tap ``j`` fills its ``outputs`` from the consecutive ``positions`` of phase
    number ``phase``.  There are at most ``min(stride, kernel)`` residues per dimension, so the
    phases hold at most as many values as ``x``.  Integers only, and cached.
    """
    windows = tap_windows(kernel_shape, output_shape, input_shape, stride, dilation, padding)
    residues = sorted({tuple(i.start % s for i, s in zip(inputs, stride)) for _, _, inputs in windows})
    number = {residue: index for index, residue in enumerate(residues)}
    longest = tuple(-(-size // s) for size, s in zip(input_shape, stride))  # residue 0 has the most
    reads = []
    for tap, outputs, inputs in windows:
        residue = tuple(i.start % s for i, s in zip(inputs, stride))
        positions = tuple(
            slice(i.start // s, i.start // s + (o.stop - o.start)) for i, o, s in zip(inputs, outputs, stride)
        )
        reads.append((tap, outputs, number[residue], positions))
    return tuple(residues), longest, tuple(reads)


def col2im(
    cols: np.ndarray,
    output_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Pairs | None = None,
    out: np.ndarray | None = None,
    *,
    out_is_zero: bool = False,
) -> np.ndarray:
    """The adjoint of :func:`im2col`, then the crop: scatter-add columns ``(N, C, *k, *L)`` into ``(N, C, *O)``.

    Column entry ``[n, c, j, i]`` is added to position ``i*s + j*d - p_begin`` of the output:
    one strided slice-add per kernel tap.  Without ``padding`` the output is the whole
    padded grid; with it, ``output_shape`` is the grid after the crop, and the entries
    that would land in the padding are never added (instead of being added and cropped
    away).  Adds into ``out`` when given (any leading axes), else into zeros; ``out_is_zero``
    promises that ``out`` holds zeros, so that it is not read.

    Every tap lands in one output *phase* (the positions ``o = r + s*q`` of one residue
    ``r``), and inside it on consecutive positions: the taps of each phase are added, in
    increasing tap order, into a contiguous copy of the phase, which is then written back
    -- each output element receives the same additions in the same order as a slice-add
    per tap straight into ``out`` would make, with contiguous adds instead of ``stride``-apart
    ones (measured: the decoder's 256 -> 128 layer, 2.2 ms instead of 1.5 ms).
    """
    ndim = len(output_shape)
    pairs = padding if padding is not None else ((0, 0),) * ndim
    kernel_shape, count = cols.shape[-2 * ndim : -ndim], cols.shape[-ndim:]
    if out is None:
        out = np.zeros((*cols.shape[: -2 * ndim], *output_shape), dtype=cols.dtype)  # (N, C, *O)
        out_is_zero = True
    one_phase = all(s == 1 for s in stride)  # the whole output: add in place
    for residue, taps in phase_windows(kernel_shape, count, output_shape, stride, dilation, pairs):
        if one_phase:
            for tap, inputs, positions in taps:
                target: Index = (..., *positions)
                source: Index = (..., *tap, *inputs)
                out[target] += cols[source]
            continue
        where: Index = (..., *residue)
        phase_view = out[where]  # (N, C, *Q): the positions of one residue, stride apart
        with scratch(phase_view.shape, out.dtype, zeroed=out_is_zero) as phase:
            if not out_is_zero:
                np.copyto(phase, phase_view)
            for tap, inputs, positions in taps:
                target, source = (..., *positions), (..., *tap, *inputs)
                phase[target] += cols[source]
            phase_view[...] = phase
    return out


@functools.lru_cache(maxsize=256)
def phase_windows(
    kernel_shape: tuple[int, ...],
    count: tuple[int, ...],
    output_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: Pairs,
) -> tuple[tuple[tuple[slice, ...], tuple[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]], ...]], ...]:
    """:func:`tap_windows` grouped by output phase: ``(phase, ((tap, inputs, positions), ...))`` per phase.

    ``phase`` selects the outputs ``o = r + s*q`` of one residue ``r`` per dimension (a strided
    slice), and ``positions`` the consecutive ``q`` a tap reaches in it; the taps keep their
    increasing order.  Integers only, and cached.
    """
    grouped: dict[tuple[int, ...], list[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]]]] = {}
    for tap, inputs, outputs in tap_windows(kernel_shape, count, output_shape, stride, dilation, padding):
        residues = tuple(o.start % s for o, s in zip(outputs, stride))
        positions = tuple(
            slice(o.start // s, o.start // s + (i.stop - i.start)) for o, i, s in zip(outputs, inputs, stride)
        )
        grouped.setdefault(residues, []).append((tap, inputs, positions))
    return tuple(
        (tuple(slice(r, None, s) for r, s in zip(residues, stride)), tuple(taps))
        for residues, taps in sorted(grouped.items())
    )


#: :func:`correlate` also caps its batch chunks so that the column buffer stays near this size (bytes), or
#: one batch element: a buffer reused while it is still in cache is cheaper than one as large as the limit
#: allows (measured: ``conv`` of the decoder's 128 -> 256 channels, 64 x 64 -> 32 x 32, batch 8, float32, one
#: BLAS thread: 106 ms instead of 120 ms; PyTorch's ``conv2d`` takes 80 ms).
CACHE_TARGET = 4 * 2**20


def correlate(x: np.ndarray, weight: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """Convolution ``(N, C_in, *L) -> (N, C_out, *O)`` as ``W @ im2col(pad(x))`` (no bias).

    :func:`im2col` never builds the padded input: the column buffer starts as zeros --
    the padding -- and each tap gathers only the window of ``x`` it reads inside the
    input, so a huge ``padding`` costs nothing.  The zeros still enter the products, as
    the definition's padding does (``0 * inf`` is NaN there, as in PyTorch).  The batch is
    processed in chunks whose column buffer (``C_in * prod(k) * prod(O)`` values per batch
    element) stays under :func:`~transposed_conv._memory.get_memory_limit` and near
    :data:`CACHE_TARGET`; the buffer is reused, as the entries in the padding are never written.
    """
    g = geometry.groups
    n = x.shape[0]
    k, out = geometry.kernel_shape, geometry.output_shape
    c_in_g = geometry.in_channels // g
    volume, size = math.prod(k), math.prod(out)
    y = np.empty((n, geometry.out_channels, *out), dtype=np.result_type(x, weight))  # (N, C_out, *O)
    if n == 0:
        return y
    per_item = geometry.in_channels * volume * size * x.dtype.itemsize
    batch_chunk = min(n, chunk_count(per_item), max(1, CACHE_TARGET // per_item))
    w = weight.reshape(g, geometry.out_channels // g, c_in_g * volume)  # (G, C_out/G, C_in/G * prod(k))
    y_groups = y.reshape(n, g, geometry.out_channels // g, size)  # (N, G, C_out/G, prod(O)): a view
    with scratch((batch_chunk, geometry.in_channels, *k, *out), x.dtype, zeroed=True) as cols:  # zeros: the padding
        for batch in chunks(n, batch_chunk):
            nb = batch.stop - batch.start
            im2col(x[batch], k, out, geometry.stride, geometry.dilation, geometry.padding, out=cols[:nb])
            columns = cols[:nb].reshape(nb, g, c_in_g * volume, size)  # (n_b, G, C_in/G * prod(k), prod(O))
            np.matmul(w[np.newaxis], columns, out=y_groups[batch])  # (n_b, G, C_out/G, prod(O))
    return y


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Transposed convolution ``crop(col2im(W.T @ x))`` (no bias).

    Per group, ``W.T @ x`` maps the ``C_in/G`` input channels at every input position to
    the columns ``(C_out/G * prod(k), N * prod(L))``: one scaled copy of the kernel per
    input element; :func:`col2im` adds each copy's taps to their output positions,
    straight into the cropped output.  The batch is folded into the GEMM's columns and
    processed in chunks whose column buffer (``C_out * prod(k) * prod(L)`` values per batch
    element) stays under :func:`~transposed_conv._memory.get_memory_limit`; when a single
    batch element is too large, the output channels are chunked too.
    """
    g = geometry.groups
    n = x.shape[0]
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    k, spatial, out = geometry.kernel_shape, geometry.input_shape, geometry.output_shape
    volume, length, ndim = math.prod(k), math.prod(spatial), geometry.ndim
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
    w = weight.reshape(g, c_in_g, c_out_g * volume)  # (G, C_in/G, C_out/G * prod(k)): W's block of each group
    y_groups = y.reshape(n, g, c_out_g, *out)  # (N, G, C_out/G, *O): a view
    # (G, mc, *k, n_b, *L) -> (n_b, G, mc, *k, *L)
    order = (2 + ndim, 0, 1, *range(2, 2 + ndim), *range(3 + ndim, 3 + 2 * ndim))
    for batch in chunks(n, batch_chunk):
        nb = batch.stop - batch.start
        items = x[batch].reshape(nb, g, c_in_g, length)  # (n_b, G, C_in/G, prod(L))
        with scratch((g, c_in_g, nb, length) if nb > 1 else (0,), x.dtype) as gathered:
            xs = items[0]  # (G, C_in/G, prod(L)): a view when the chunk is one batch element
            if nb > 1:  # the batch folded into the GEMM's columns
                np.copyto(gathered, items.transpose(1, 2, 0, 3))
                xs = gathered.reshape(g, c_in_g, nb * length)  # (G, C_in/G, n_b * prod(L))
            for channels in chunks(c_out_g, channel_chunk):
                mc = channels.stop - channels.start
                w_chunk = w[:, :, channels.start * volume : channels.stop * volume]  # (G, C_in/G, mc * prod(k))
                with scratch((g, mc * volume, nb * length), x.dtype) as cols:
                    transposed_times(w_chunk, xs, out=cols)  # W.T @ x: (G, mc * prod(k), n_b * prod(L))
                    columns = cols.reshape(g, mc, *k, nb, *spatial).transpose(order)  # (n_b, G, mc, *k, *L)
                    target = y_groups[batch, :, channels]  # (n_b, G, mc, *O)
                    col2im(
                        columns, out, geometry.stride, geometry.dilation, geometry.padding, out=target, out_is_zero=True
                    )
    return y


#: With fewer GEMM columns (batch elements times input positions) than this, and at least this many
#: input channels per group, computing ``X.T @ W`` and transposing it is faster than ``W.T @ X`` with
#: OpenBLAS (measured: 256 columns and 2048 input channels, float64 ``X.T @ W`` 25% faster; with 256
#: input channels ``W.T @ X`` wins).
NARROW = 1024


def transposed_times(w: np.ndarray, xs: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``W.T @ X`` per group into ``out``: ``(G, C_in/G, M)`` and ``(G, C_in/G, P)`` -> ``(G, M, P)``, contiguous.

    Fast paths, measured: with few columns ``P`` and many input channels (:data:`NARROW`), BLAS
    runs faster with the big weight matrix as its right operand, so ``(X.T @ W).T`` is
    computed instead: the same sums (BLAS may order them differently).  With one input
    channel per group (depthwise) the product is an outer product, computed as a broadcast
    multiply: the same products, 3x faster than NumPy's matmul over as many small matrices
    as groups.
    """
    if xs.shape[1] == 1:
        np.multiply(np.swapaxes(w, 1, 2), xs, out=out)  # (G, M, 1) * (G, 1, P)
    elif xs.shape[2] < NARROW <= xs.shape[1]:
        with scratch((w.shape[0], xs.shape[2], w.shape[2]), out.dtype) as product:
            np.matmul(np.swapaxes(xs, 1, 2), w, out=product)  # X.T @ W: (G, P, M)
            np.copyto(out, np.swapaxes(product, 1, 2))  # (G, M, P)
    else:
        np.matmul(np.swapaxes(w, 1, 2), xs, out=out)  # (G, M, P)
    return out
