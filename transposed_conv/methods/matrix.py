"""Transposed convolution as the transpose of the convolution's explicit sparse matrix.

A convolution is linear, so for a fixed weight it is a matrix ``C``: flattening one
batch element's input ``y`` (``C_out * prod(O)`` values) and output (``C_in * prod(L)``
values), ``vec(conv(y)) = C @ vec(y)``.  Row ``(c, i)`` of ``C`` holds the weights
``weight[c, m, j]`` in the columns ``(g*C_out/G + m, i*stride + j*dilation - p_begin)``
that the kernel covers, for the conv that reads ``O``-sized inputs and produces ``L``
outputs.  The transposed convolution is then literally ``C.T @ vec(x)``.

``C`` has ``C_in * prod(L) * C_out/G * prod(k)`` non-zeros at most; it is built with
vectorised index arithmetic and stored as a ``scipy.sparse`` array.  Building it takes
about ``40 + itemsize`` bytes per non-zero (indices, values, and the CSR conversion), so
it refuses geometries whose estimate exceeds the memory limit
(:func:`~transposed_conv._memory.get_memory_limit`, 256 MiB by default) with a
``ValueError`` that points to ``method="auto"``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse

from .._arguments import ConvTransposeGeometry
from .._memory import get_memory_limit

__all__ = ["BYTES_PER_NONZERO", "check_size", "conv_transpose", "convolution_matrix_of"]

#: Bytes needed per non-zero of ``C`` while building it, beyond the value itself (measured with tracemalloc).
BYTES_PER_NONZERO = 40


def check_size(geometry: ConvTransposeGeometry, itemsize: int) -> None:
    """Refuse, with a ``ValueError``, matrices whose construction would exceed the memory limit."""
    nonzeros = (
        geometry.in_channels
        * math.prod(geometry.input_shape)
        * geometry.out_channels
        // geometry.groups
        * math.prod(geometry.kernel_shape)
    )
    needed = nonzeros * (BYTES_PER_NONZERO + itemsize)
    limit = get_memory_limit()
    if needed > limit:
        raise ValueError(
            f"method='matrix' builds the convolution's sparse matrix, here with up to {nonzeros} non-zeros "
            f"(C_in*prod(input)*C_out/groups*prod(kernel)), about {needed} bytes, above the memory limit of "
            f"{limit} bytes (transposed_conv._memory.set_memory_limit); use method='auto'"
        )


def convolution_matrix_of(weight: np.ndarray, geometry: ConvTransposeGeometry) -> scipy.sparse.csr_array:
    """The matrix ``C`` of the convolution whose transpose ``geometry`` describes.

    Shape ``(C_in * prod(L), C_out * prod(O))``: it maps the transposed convolution's
    output space back to its input space.
    """
    ndim = geometry.ndim
    spatial, out, kernel = geometry.input_shape, geometry.output_shape, geometry.kernel_shape
    c_in, c_out, g = geometry.in_channels, geometry.out_channels, geometry.groups
    c_out_g = c_out // g
    positions = np.indices(spatial).reshape(ndim, -1)  # (d, prod(L))
    offsets = np.indices(kernel).reshape(ndim, -1)  # (d, prod(k))
    stride = np.array(geometry.stride).reshape(ndim, 1, 1)
    dilation = np.array(geometry.dilation).reshape(ndim, 1, 1)
    begin = np.array([pb for pb, _ in geometry.padding]).reshape(ndim, 1, 1)
    covered = positions[:, :, None] * stride + offsets[:, None, :] * dilation - begin  # (d, prod(L), prod(k))
    inside = np.all((covered >= 0) & (covered < np.array(out).reshape(ndim, 1, 1)), axis=0)
    position_index, tap_index = np.nonzero(inside)  # the (i, j) pairs that land in the output
    target = np.ravel_multi_index(tuple(covered[:, position_index, tap_index]), out)
    channel = np.arange(c_in)[:, None, None]  # (C_in, 1, 1)
    member = np.arange(c_out_g)[None, :, None]  # (1, C_out/G, 1)
    group = channel // (c_in // g)
    rows = channel * int(np.prod(spatial)) + position_index  # (C_in, 1, V)
    cols = (group * c_out_g + member) * int(np.prod(out)) + target  # (C_in, C_out/G, V)
    values = weight.reshape(c_in, c_out_g, -1)[:, :, tap_index]  # (C_in, C_out/G, V)
    rows, cols = np.broadcast_arrays(rows, cols)
    shape = (c_in * int(np.prod(spatial)), c_out * int(np.prod(out)))
    return scipy.sparse.coo_array((values.ravel(), (rows.ravel(), cols.ravel())), shape=shape).tocsr()


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """``C.T @ vec(x)`` for every batch element at once."""
    n = x.shape[0]
    check_size(geometry, x.dtype.itemsize)
    matrix = convolution_matrix_of(weight, geometry)
    columns = x.reshape(n, matrix.shape[0]).T  # (C_in * prod(L), N)
    y = matrix.T @ columns  # (C_out * prod(O), N)
    return np.asarray(y).T.reshape(n, geometry.out_channels, *geometry.output_shape)
