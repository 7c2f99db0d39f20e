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
   with its input and output channel axes swapped (per group), dilated by ``d``: a sum
   over the taps ``j`` of the flipped kernel ``W'``, ``y[o] = sum_j W'_j @ z[o + j*d]``, in
   which tap ``j`` reads the window ``z[j*d : j*d + out]`` of the stretched, padded input ``z``.

:func:`conv_transpose` is these three steps, one function each (:func:`insert_zeros`,
:func:`pad_or_crop`, :func:`correlate_stride1` with :func:`transposed_kernel`), written
independently of the ``im2col`` module, so that the two methods check each other.

Beside it sit three other arrangements of the same sums, each used only where the readable
steps are measured slower or cannot run:

* :func:`correlate_stride1_fast`, the fast path -- the same correlation with no copy of the
  windows: on the flattened ``z`` a shift by ``j*d`` is one offset, so each tap is one GEMM
  on a view (:data:`FLAT_WASTE`).
* :func:`conv_transpose_gathered`, the small path -- for small calls (:data:`GATHERED_SIZE`), every
  window of ``z`` gathered from the input by one cached index, then one GEMM: a handful of NumPy
  calls whatever the kernel size, where the call overhead outweighs the arithmetic.
* :func:`conv_transpose_windowed`, the bounded path -- when a huge stride, padding or
  dilation would make ``z`` much larger than the output (:data:`GRID_FACTOR`), each window
  ``z[j*d : j*d + out]`` is built straight from the input (:func:`stretched_window`), so
  memory is bounded by the output, never by the magnitude of stride, padding or dilation.

It does ``prod(stride)`` times the multiply-adds of the other methods, by design: most
of them multiply inserted zeros.  Those zeros are not products of the definition, so
:func:`~transposed_conv.methods._nonfinite.ieee_special_values` gives non-finite inputs
the definition's IEEE result.

Examples
--------
Kernel 3, stride 2, padding 1 on ``[1, 2, 3]``:

>>> x, w = np.array([[[1, 2, 3]]]), np.array([[[1, 10, 100]]])  # (N, C_in, L), (C_in, C_out, k)
>>> z = insert_zeros(x, (2,))
>>> z.tolist()
[[[1, 0, 2, 0, 3]]]
>>> z = pad_or_crop(z, (1,), (1,))  # d*(k - 1) - p = 1 on each side
>>> z.tolist()
[[[0, 1, 0, 2, 0, 3, 0]]]
>>> transposed_kernel(w, 1).tolist()  # flipped
[[[100, 10, 1]]]
>>> correlate_stride1(z, transposed_kernel(w, 1), (1,), 1).tolist()
[[[10, 102, 20, 203, 30]]]
>>> conv_transpose(x, w, ConvTransposeGeometry.build((3,), (3,), stride=2, padding=1)).tolist()
[[[10, 102, 20, 203, 30]]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from .._memory import chunk_count, chunks, get_memory_limit
from ..shapes import ConvTransposeGeometry
from ._nonfinite import all_finite, ieee_special_values
from ._windows import clipped_tap, tap_slices, taps

__all__ = [
    "FLAT_WASTE",
    "GATHERED_SIZE",
    "GRID_FACTOR",
    "conv_transpose",
    "conv_transpose_gathered",
    "conv_transpose_steps",
    "conv_transpose_windowed",
    "correlate_stride1",
    "correlate_stride1_fast",
    "gathered_fits",
    "gathered_index",
    "grid_shapes",
    "insert_zeros",
    "item_bytes",
    "pad_or_crop",
    "planned",
    "stretched_padding",
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
    """Zero-pad each spatial axis of ``(N, C, *Z)`` by ``before``/``after``; a negative amount crops that many instead.

    Returns a new contiguous array of the final size: zeros, with the part of ``z`` that is
    kept copied in (never the larger padded array, then a crop).
    """
    kept, placed = [], []
    for n, b, a in zip(z.shape[2:], before, after):
        start = max(-b, 0)
        stop = max(n - max(-a, 0), start)  # z[start:stop] stays ...
        kept.append(slice(start, stop))
        placed.append(slice(start + b, stop + b))  # ... and moves by before
    size = tuple(max(n + b + a, 0) for n, b, a in zip(z.shape[2:], before, after))
    padded = np.zeros(z.shape[:2] + size, dtype=z.dtype)  # (N, C, *(Z + before + after))
    padded[(slice(None), slice(None), *placed)] = z[(slice(None), slice(None), *kept)]
    return padded


def stretched_padding(geometry: ConvTransposeGeometry) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(before, after)``: ``d*(k - 1) - p_begin`` and ``d*(k - 1) - p_end + output_padding`` per dimension.

    >>> stretched_padding(ConvTransposeGeometry.build((3,), (3,), stride=2, padding=1))
    ((1,), (1,))
    """
    full = tuple(d * (k - 1) for d, k in zip(geometry.dilation, geometry.kernel_shape))
    before = tuple(f - pb for f, (pb, _) in zip(full, geometry.padding))
    after = tuple(f - pe + a for f, (_, pe), a in zip(full, geometry.padding, geometry.output_padding))
    return before, after


def transposed_kernel(weight: np.ndarray, groups: int) -> np.ndarray:
    """``(C_in, C_out/G, *k)`` -> ``(C_out, C_in/G, *k)``: swap channel roles per group, flip every spatial axis."""
    c_in, c_out_g = weight.shape[:2]
    kernel = weight.shape[2:]
    w = weight.reshape(groups, c_in // groups, c_out_g, *kernel)  # (G, C_in/G, C_out/G, *k)
    w = np.swapaxes(w, 1, 2)  # (G, C_out/G, C_in/G, *k)
    w = np.flip(w, axis=tuple(range(3, 3 + len(kernel))))
    return w.reshape(groups * c_out_g, c_in // groups, *kernel)  # (C_out, C_in/G, *k)


def _tap_matrices(weight: np.ndarray, groups: int) -> np.ndarray:
    """``(C_out, C/G, *k)`` -> ``(prod(k), G, C_out/G, C/G)``, contiguous: each tap's matrix is one block BLAS reads."""
    c_out, c_g = weight.shape[:2]
    per_group = weight.reshape(groups, c_out // groups, c_g, -1)  # (G, C_out/G, C/G, prod(k))
    return np.ascontiguousarray(np.moveaxis(per_group, 3, 0))  # (prod(k), G, C_out/G, C/G)


def correlate_stride1(z: np.ndarray, weight: np.ndarray, dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """Stride-1 cross-correlation of ``(N, C, *Z)`` with ``(C_out, C/G, *k)`` dilated by ``dilation``.

    A sum over kernel taps: ``y[o] = sum_j weight[:, :, j] @ z[o + j*dilation]``; tap ``j``
    reads the window ``z[j*d : j*d + out]``, ``out = Z - d*(k - 1)``, one GEMM per group.
    """
    n, c = z.shape[:2]
    c_out = weight.shape[0]
    kernel = weight.shape[2:]
    out = tuple(size - d * (k - 1) for size, d, k in zip(z.shape[2:], dilation, kernel))
    size = math.prod(out)
    per_tap = _tap_matrices(weight, groups)  # (prod(k), G, C_out/G, C/G)
    y = np.zeros((n, groups, c_out // groups, size), dtype=z.dtype)  # (N, G, C_out/G, prod(O))
    product = np.empty_like(y)
    for index, tap in enumerate(taps(kernel)):
        window = z[(slice(None), slice(None), *tap_slices(tap, out, (1,) * len(out), dilation))]  # (N, C, *O)
        columns = window.reshape(n, groups, c // groups, size)  # a copy: (N, G, C/G, prod(O))
        y += np.matmul(per_tap[index], columns, out=product)  # (N, G, C_out/G, prod(O))
    return y.reshape(n, c_out, *out)  # (N, C_out, *O)


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Insert zeros, pad by ``d*(k-1) - p`` (+ output_padding at the end), correlate with the flipped kernel.

    Small calls (:func:`gathered_fits`) with finite weights run the small path,
    :func:`conv_transpose_gathered`: its inserted and padded zeros meet only finite weights, so
    they add signed zeros, which change no sum, and non-finite inputs give the definition's IEEE
    result as they are.  Everything else runs :func:`conv_transpose_steps`.
    """
    if gathered_fits(geometry, x.shape[0]) and all_finite(weight):
        return conv_transpose_gathered(x, weight, geometry)
    return conv_transpose_steps(x, weight, geometry)


@ieee_special_values  # the zeros it multiplies are not products of the definition: see _nonfinite
def conv_transpose_steps(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """The three steps: insert zeros, pad or crop, correlate with the flipped kernel (no bias).

    The batch is processed in chunks whose temporaries (the stretched input and ``z``, one
    window and the GEMM results: :func:`item_bytes`) stay under
    :func:`~transposed_conv._memory.get_memory_limit`.  The same sums run in the bounded path,
    :func:`conv_transpose_windowed`, where ``z`` would dwarf the output (:data:`GRID_FACTOR`) or
    one batch element's temporaries alone exceed the limit; the correlation runs in the fast
    path, :func:`correlate_stride1_fast`, where it wastes little (:data:`FLAT_WASTE`; measured).
    """
    n, out = x.shape[0], geometry.output_shape
    stretched, grid = grid_shapes(geometry)
    per_item = item_bytes(geometry, x.dtype.itemsize)
    if math.prod(stretched) + math.prod(grid) > GRID_FACTOR * math.prod(out) or per_item > get_memory_limit():
        return conv_transpose_windowed(x, weight, geometry)
    wasted = out[0] * math.prod(grid[1:]) / math.prod(out)  # the flat correlation's positions per output
    correlate = correlate_stride1_fast if wasted <= FLAT_WASTE else correlate_stride1
    before, after = stretched_padding(geometry)
    kernel = transposed_kernel(weight, geometry.groups)  # (C_out, C_in/G, *k)
    y = np.empty((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O)
    if n == 0:
        return y
    for batch in chunks(n, min(n, chunk_count(per_item, 2 * kernel.nbytes))):
        z = insert_zeros(x[batch], geometry.stride)  # (n_b, C_in, *((L - 1)*s + 1))
        z = pad_or_crop(z, before, after)  # (n_b, C_in, *(O + d*(k - 1)))
        y[batch] = correlate(z, kernel, geometry.dilation, geometry.groups)  # (n_b, C_out, *O)
    return y


#: :func:`conv_transpose` builds the stretched input and ``z`` only while together they hold at most this
#: many times the output's positions; beyond (a stride, padding or dilation large beside the sizes), it
#: builds each window from the input instead (:func:`conv_transpose_windowed`), so that memory stays a
#: multiple of the output's.  Every benchmark case (``benchmarks/run.py``) is at most 2.3.
GRID_FACTOR = 4


def grid_shapes(geometry: ConvTransposeGeometry) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The spatial shapes of the stretched input, ``(L - 1)*s + 1``, and of ``z``, ``O + d*(k - 1)``.

    >>> grid_shapes(ConvTransposeGeometry.build((3,), (3,), stride=2, padding=1))
    ((5,), (7,))
    """
    before, after = stretched_padding(geometry)
    stretched = tuple((i - 1) * s + 1 for i, s in zip(geometry.input_shape, geometry.stride))
    return stretched, tuple(size + b + a for size, b, a in zip(stretched, before, after))


def item_bytes(geometry: ConvTransposeGeometry, itemsize: int) -> int:
    """Bytes of :func:`conv_transpose`'s temporaries per batch element.

    The stretched input and ``z`` (``C_in`` channels), one window (``C_in * prod(O)``), and the
    correlation's sum, products and result (``C_out`` channels of at most ``O_1 * prod(Z[1:])``
    positions, which the flattened correlation computes).
    """
    stretched, grid = grid_shapes(geometry)
    out = geometry.output_shape
    inputs = geometry.in_channels * (math.prod(stretched) + math.prod(grid) + math.prod(out))
    return (inputs + 3 * geometry.out_channels * out[0] * math.prod(grid[1:])) * itemsize


# --- the fast path and the bounded path ----------------------------------------------------------------


#: :func:`conv_transpose` runs :func:`correlate_stride1_fast` when the flattened correlation computes at
#: most this many times the output's positions (it also computes the ``d*(k - 1)`` positions past the end
#: of each row, and drops them).  Measured (float32, one BLAS thread): 0.56-0.94x the time of
#: :func:`correlate_stride1` on every benchmark shape (at most 1.2 positions per output, 1.0 in 1-D);
#: from 1.25 to 1.6 either may win (0.7x-1.3x), and at 2-4 (dilation 4 or 8 on small outputs) it is
#: 1.6-1.8x slower.
FLAT_WASTE = 1.25


def correlate_stride1_fast(z: np.ndarray, weight: np.ndarray, dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """:func:`correlate_stride1`, fast path: one GEMM per tap on a view of the flattened ``z``, no window copied.

    Flattening the spatial axes of ``z`` turns the shift by ``j*dilation`` into a single
    offset, so each tap's window is one contiguous run of flattened positions.  In ``d >= 2``
    dimensions the run includes the ``d*(k - 1)`` positions past the end of each row; their
    results are computed and dropped at the end.  With one channel per group (depthwise) each
    tap's GEMM is an outer product, computed as a broadcast multiply: the same products,
    measured 6x faster than NumPy's matmul over as many 1 x 1 matrices as groups.
    """
    n, c = z.shape[:2]
    c_out = weight.shape[0]
    kernel = weight.shape[2:]
    grid = z.shape[2:]
    out = tuple(size - d * (k - 1) for size, d, k in zip(grid, dilation, kernel))
    row = math.prod(grid[1:])  # flattened distance between neighbours along the first spatial axis
    strides = [math.prod(grid[axis + 1 :]) for axis in range(len(grid))]
    run = sum((o - 1) * step for o, step in zip(out, strides)) + 1  # flattened positions from first to last output
    per_tap = _tap_matrices(weight, groups)  # (prod(k), G, C_out/G, C/G)
    flat = z.reshape(n, groups, c // groups, math.prod(grid))  # (N, G, C/G, prod(Z))
    acc = np.zeros((n, groups, c_out // groups, out[0] * row), dtype=z.dtype)  # (N, G, C_out/G, O_1 * prod(Z[1:]))
    covered = acc[..., :run]
    product = np.empty_like(covered)
    gemm = np.multiply if c == groups else np.matmul  # C/G = 1: (C_out/G, 1) @ (1, run) is an outer product
    for index, tap in enumerate(taps(kernel)):
        offset = sum(j * d * step for j, d, step in zip(tap, dilation, strides))
        covered += gemm(per_tap[index], flat[..., offset : offset + run], out=product)  # (N, G, C_out/G, run)
    y = acc.reshape(n, c_out, out[0], *grid[1:])  # (N, C_out, O_1, *Z[1:])
    return y[(slice(None), slice(None), slice(None), *(slice(0, o) for o in out[1:]))]


def window_positions(tap: tuple[int, ...], geometry: ConvTransposeGeometry) -> tuple[Slices, Slices] | None:
    """``(inputs, positions)``: where the window of flipped tap ``j`` holds input elements, or ``None`` if nowhere.

    Input ``i`` sits in the stretched, padded input ``z`` at ``i*s + d*(k - 1) - p_begin``, so it
    lands in tap ``j``'s window ``z[j*d : j*d + out]`` at ``o = i*s + (k - 1 - j)*d - p_begin`` --
    where the unflipped tap ``k - 1 - j`` sends it (:func:`~transposed_conv.methods._windows.clipped_tap`).
    """
    per_dim = [clipped_tap(k - 1 - j, i, o, s, d, pb) for j, (k, i, o, s, d, pb) in zip(tap, geometry.dimensions)]
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

    >>> x = np.array([[[1, 2, 3]]])
    >>> geometry = ConvTransposeGeometry.build((3,), (3,), stride=2, padding=1)
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


def conv_transpose_windowed(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """:func:`conv_transpose` with each window ``z[j*d : j*d + out]`` built from ``x``, never ``z`` (no bias).

    The correlation runs tap by tap, ``y += W'_j @ z[j*d : j*d + out]`` with ``W'`` the
    flipped, in/out-swapped kernel (:func:`transposed_kernel`) and each window built by
    :func:`stretched_window`, so memory is bounded by the output whatever the stride,
    padding and dilation.  The batch is processed in chunks whose temporaries (one window,
    ``C_in * prod(out)`` values per batch element, and one GEMM result, ``C_out * prod(out)``)
    stay under :func:`~transposed_conv._memory.get_memory_limit`.
    """
    g = geometry.groups
    n = x.shape[0]
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    out = geometry.output_shape
    size = math.prod(out)
    kernel = transposed_kernel(weight, g)  # (C_out, C_in/G, *k)
    per_tap = _tap_matrices(kernel, g)  # (prod(k), G, C_out/G, C_in/G)
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


#: :func:`conv_transpose` gathers every window at once (:func:`conv_transpose_gathered`) when the gathered
#: columns, ``N * C_in * prod(k) * prod(O)`` values, are at most this many: the calls then cost more than
#: the arithmetic.  Measured (float32, one thread): 4 -> 4 channels, 8 x 8, kernel 3, stride 2 (8,100
#: values) takes 11 us instead of im2col's 35 us.  The gathered path does ``prod(stride)`` times im2col's
#: multiply-adds, and its cached index (:func:`gathered_index`, at most this many entries) is kept per
#: geometry, so the bound also keeps the caches small: 128 KiB per geometry at most.
GATHERED_SIZE = 2**14


def gathered_fits(geometry: ConvTransposeGeometry, batch: int) -> bool:
    """Whether :func:`conv_transpose` runs :func:`conv_transpose_gathered` for ``batch`` elements."""
    values = batch * geometry.in_channels * math.prod(geometry.kernel_shape) * math.prod(geometry.output_shape)
    return values <= GATHERED_SIZE


def gathered_index(geometry: ConvTransposeGeometry) -> np.ndarray:
    """``(prod(k), prod(O))``: the flattened input position that tap ``j`` sends to output ``o``, else ``prod(L)``.

    Output ``o`` receives tap ``j`` from input ``i`` where ``o = i*s + j*d - p_begin``: where
    ``o + p_begin - j*d`` is a multiple of ``s`` that lands inside the input; elsewhere ``z``
    holds an inserted or padded zero, read from the extra position ``prod(L)``.  Integers only;
    built for small geometries (:func:`gathered_fits`), whose index the small path caches.

    >>> gathered_index(ConvTransposeGeometry.build((3,), (3,), stride=2, padding=1)).tolist()
    [[3, 1, 3, 2, 3], [0, 3, 1, 3, 2], [3, 0, 3, 1, 3]]
    """
    inputs = math.prod(geometry.input_shape)
    index = np.zeros((1, 1), dtype=np.intp)  # (prod(k) so far, prod(O) so far)
    valid = np.ones((1, 1), dtype=bool)
    for k, i, o, s, d, pb in geometry.dimensions:
        offset = np.arange(o)[np.newaxis, :] + pb - d * np.arange(k)[:, np.newaxis]  # (k, O): i*s of each pair
        position = offset // s
        reached = (offset % s == 0) & (position >= 0) & (position < i)
        index = (index[:, np.newaxis, :, np.newaxis] * i + position[np.newaxis, :, np.newaxis, :]).reshape(
            index.shape[0] * k, index.shape[1] * o
        )  # (prod(k), prod(O)) of the dimensions so far, C order
        valid = (valid[:, np.newaxis, :, np.newaxis] & reached[np.newaxis, :, np.newaxis, :]).reshape(index.shape)
    index[~valid] = inputs
    index.setflags(write=False)
    return index


@functools.lru_cache(maxsize=256)
def _pairs_index(geometry: ConvTransposeGeometry) -> np.ndarray:
    """:func:`gathered_index` in (output, tap) order, flattened, contiguous and read-only."""
    index = np.ascontiguousarray(gathered_index(geometry).T).ravel()  # (prod(O) * prod(k),)
    index.setflags(write=False)
    return index


def conv_transpose_gathered(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """:func:`conv_transpose`, small path: every window of ``z`` gathered at once, then one GEMM (no bias).

    ``z``'s window for tap ``j`` holds, at output ``o``, the input element tap ``j`` sends
    there or an inserted or padded zero (:func:`gathered_index`).  With the channels last,
    one ``take`` gathers the rows of every (output, tap) pair: the columns
    ``(N, prod(O), prod(k) * C_in)``, and ``y.T = columns @ W`` per group, with ``W`` of shape
    ``(prod(k) * C_in/G, C_out/G)``: the correlation with the flipped kernel, indexed by the
    unflipped tap.  The same products as the readable steps, and the same zeros.
    """
    return _gathered(x, weight, geometry, _pairs_index(geometry))


def _gathered(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry, index: np.ndarray) -> np.ndarray:
    g = geometry.groups
    n = x.shape[0]
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    volume, size = math.prod(geometry.kernel_shape), math.prod(geometry.output_shape)
    length = math.prod(geometry.input_shape)
    rows = np.zeros((n, length + 1, geometry.in_channels), dtype=x.dtype)  # (N, prod(L) + 1, C_in): zeros at the end
    rows[:, :length] = x.reshape(n, geometry.in_channels, length).transpose(0, 2, 1)
    columns = np.take(rows, index, axis=1)  # (N, prod(O) * prod(k), C_in)
    taps_first = weight.reshape(g, c_in_g, c_out_g, volume).transpose(0, 3, 1, 2)  # (G, prod(k), C_in/G, C_out/G)
    if g == 1 and n == 1:  # one 2-D GEMM, y = W.T @ columns.T: already in the output's layout
        matrix = taps_first.reshape(volume * c_in_g, c_out_g)  # (prod(k) * C_in, C_out)
        y = np.matmul(matrix.T, columns.reshape(size, volume * c_in_g).T)  # (C_out, prod(O))
    else:
        columns = columns.reshape(n, size, volume, g, c_in_g).transpose(0, 3, 1, 2, 4)  # (N, G, O, prod(k), C_in/G)
        columns = columns.reshape(n, g, size, volume * c_in_g)  # (N, G, prod(O), prod(k) * C_in/G)
        w = taps_first.reshape(g, volume * c_in_g, c_out_g)  # (G, prod(k) * C_in/G, C_out/G)
        y = np.matmul(columns, w).transpose(0, 1, 3, 2)  # (N, G, C_out/G, prod(O))
    return np.ascontiguousarray(y).reshape(n, geometry.out_channels, *geometry.output_shape)  # (N, C_out, *O)


def planned(geometry: ConvTransposeGeometry, batch: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """:func:`conv_transpose` for ``batch`` elements of ``geometry``, with the small path's index looked up once.

    What a call plan of :func:`transposed_conv.transpose.conv_transpose` keeps: the same
    function as :func:`conv_transpose`, without the per-call lookups.
    """
    if not gathered_fits(geometry, batch):
        return lambda x, weight: conv_transpose(x, weight, geometry)
    index = _pairs_index(geometry)

    def small(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        if all_finite(weight):
            return _gathered(x, weight, geometry, index)
        return conv_transpose_steps(x, weight, geometry)

    return small
