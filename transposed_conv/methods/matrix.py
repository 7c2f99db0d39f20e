"""Transposed convolution as the transpose of the convolution's explicit sparse matrix.

A convolution is linear, so for a fixed weight it is a matrix ``C``: flattening one
batch element's input ``y`` (``C_out * prod(O)`` values) and output (``C_in * prod(L)``
values), ``vec(conv(y)) = C @ vec(y)``.  Row ``(c, i)`` of ``C`` holds the weights
``weight[c, m, j]`` in the columns ``(g*C_out/G + m, i*stride + j*dilation - p_begin)``
that the kernel covers, for the conv that reads ``O``-sized inputs and produces ``L``
outputs.  The transposed convolution is then literally ``C.T @ vec(x)``.

``C`` has ``C_in * prod(L) * C_out/G * prod(k)`` non-zeros at most; it is built with
vectorised index arithmetic, one kernel tap at a time over the input positions that
land inside the output (so a huge padding or stride costs nothing), and stored as a
``scipy.sparse`` array.  Building it takes at most about ``40 + itemsize`` bytes per
non-zero (indices in SciPy's index dtype, values, and the CSR conversion; measured with
``tracemalloc``, beside a fixed ten-odd KiB), plus, for a batch of more than one element,
a reordered copy of the batch's input and output.  It refuses geometries whose estimate
exceeds the memory limit (:func:`~transposed_conv._memory.get_memory_limit`, 256 MiB by
default) with a ``ValueError`` that points to ``method="auto"``, before allocating anything.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._memory import get_memory_limit
from ..shapes import ConvTransposeGeometry
from ._windows import clipped_taps

if TYPE_CHECKING:
    import scipy.sparse

__all__ = ["BYTES_PER_NONZERO", "check_size", "conv_transpose", "convolution_matrix_of"]

#: Bytes needed per non-zero of ``C`` while building it, beyond the value itself.  Measured with tracemalloc
#: (``tests/test_cost_bounds.py``): at most about 28 in the worst case, one input and one output channel, where
#: the (position, tap) index arithmetic weighs as much as the non-zeros themselves; about 24 with many channels.
BYTES_PER_NONZERO = 40


def check_size(geometry: ConvTransposeGeometry, itemsize: int, batch: int = 1) -> None:
    """Refuse, with a ``ValueError``, matrices whose construction would exceed the memory limit.

    The estimate is ``BYTES_PER_NONZERO + itemsize`` bytes per non-zero, plus, for a batch of
    more than one element, the copies that reorder it: the input as columns, the output
    back from ``(C_out * prod(O), N)`` to ``(N, C_out, *O)``.
    """
    nonzeros = (
        geometry.in_channels
        * math.prod(geometry.input_shape)
        * geometry.out_channels
        // geometry.groups
        * math.prod(geometry.kernel_shape)
    )
    needed = nonzeros * (BYTES_PER_NONZERO + itemsize)
    reorder = ""
    if batch > 1:
        elements = geometry.in_channels * math.prod(geometry.input_shape)
        elements += geometry.out_channels * math.prod(geometry.output_shape)
        needed += batch * elements * itemsize
        reorder = f" with a reordered copy of the input and the output of all {batch} batch elements"
    limit = get_memory_limit()
    if needed > limit:
        raise ValueError(
            f"method='matrix' builds the convolution's sparse matrix, here with up to {nonzeros} non-zeros "
            f"(C_in*prod(input)*C_out/groups*prod(kernel)), about {needed} bytes{reorder}, above the memory limit of "
            f"{limit} bytes (transposed_conv._memory.set_memory_limit); use method='auto'"
        )


def convolution_matrix_of(weight: np.ndarray, geometry: ConvTransposeGeometry) -> scipy.sparse.csr_array:
    """The matrix ``C`` of the convolution whose transpose ``geometry`` describes.

    Shape ``(C_in * prod(L), C_out * prod(O))``: it maps the transposed convolution's
    output space back to its input space.  Each kernel tap contributes the input
    positions it sends inside the output (:func:`~transposed_conv.methods._windows.clipped_taps`),
    so the index arithmetic is proportional to the non-zeros, whatever the padding.
    """
    import scipy.sparse  # here, not at the top: importing SciPy's sparse arrays costs a tenth of a second

    spatial, out, kernel = geometry.input_shape, geometry.output_shape, geometry.kernel_shape
    c_in, c_out, g = geometry.in_channels, geometry.out_channels, geometry.groups
    c_out_g = c_out // g
    shape = (c_in * math.prod(spatial), c_out * math.prod(out))
    index = np.int32 if max(shape) <= np.iinfo(np.int32).max else np.int64  # SciPy's index dtype: no conversion copy
    windows = list(clipped_taps(kernel, spatial, out, geometry.stride, geometry.dilation, geometry.padding))
    # The V (input position, tap) pairs that land in the output, and the output position each reaches.
    position_index = np.concatenate([_flat_indices(i, spatial, index) for _, i, _ in windows] or [np.empty(0, index)])
    target = np.concatenate([_flat_indices(o, out, index) for _, _, o in windows] or [np.empty(0, index)])
    tap_index = np.concatenate(
        [np.full(_count(inputs, spatial), np.ravel_multi_index(tap, kernel), np.intp) for tap, inputs, _ in windows]
        or [np.empty(0, np.intp)]
    )  # (V,)
    channel = np.arange(c_in)[:, None, None]  # (C_in, 1, 1)
    member = np.arange(c_out_g)[None, :, None]  # (1, C_out/G, 1)
    group = channel // (c_in // g)
    rows = (channel * math.prod(spatial)).astype(index) + position_index.astype(index)  # (C_in, 1, V)
    cols = ((group * c_out_g + member) * math.prod(out)).astype(index) + target.astype(index)  # (C_in, C_out/G, V)
    values = weight.reshape(c_in, c_out_g, -1)[:, :, tap_index]  # (C_in, C_out/G, V)
    del position_index, target, tap_index
    rows = np.broadcast_to(rows, cols.shape).ravel()  # (C_in * C_out/G * V,)
    return scipy.sparse.coo_array((values.ravel(), (rows, cols.ravel())), shape=shape).tocsr()


def _flat_indices(box: tuple[slice, ...], shape: tuple[int, ...], dtype: type[np.signedinteger[Any]]) -> np.ndarray:
    """The C-order flat indices into ``shape`` of the positions in ``box`` (one slice per dimension), in C order."""
    flat = np.zeros(1, dtype=dtype)
    for part, size in zip(box, shape):
        flat = (flat[:, np.newaxis] * size + np.arange(*part.indices(size), dtype=dtype)).ravel()
    return flat


def _count(box: tuple[slice, ...], shape: tuple[int, ...]) -> int:
    """How many positions ``box`` holds."""
    return math.prod(len(range(*part.indices(size))) for part, size in zip(box, shape))


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """``C.T @ vec(x)`` for every batch element at once."""
    n = x.shape[0]
    check_size(geometry, x.dtype.itemsize, n)
    matrix = convolution_matrix_of(weight, geometry)
    columns = x.reshape(n, matrix.shape[0]).T  # (C_in * prod(L), N)
    y = np.asarray(matrix.T @ columns)  # (C_out * prod(O), N)
    y = np.ascontiguousarray(y.T)  # (N, C_out * prod(O)): a copy only when N > 1
    return y.reshape(n, geometry.out_channels, *geometry.output_shape)  # (N, C_out, *O)
