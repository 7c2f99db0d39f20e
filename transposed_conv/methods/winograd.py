"""Transposed convolution by Winograd's minimal filtering F(m, 3), for stride 1, dilation 1 and 3-tap kernels.

With stride 1 and dilation 1 a transposed convolution is a correlation: output ``o`` (full
position ``f = o + p_begin``) receives ``x[f - j] * w[j]`` for the taps ``j = 0, 1, 2``, so
with the input zero-padded by ``2 - p_begin`` in front (cropped where that is negative)
and the kernel flipped, ``g[t] = w[2 - t]``::

    y[o] = sum_t xpad[o + t] * g[t]

-- three taps sliding over ``xpad``, the correlation that Winograd's minimal filtering
algorithm computes with fewer multiplications (Lavin & Gray 2016).  ``F(m, 3)`` computes
``m`` neighbouring outputs from a tile ``d`` of ``a = m + 2`` inputs as::

    Y = A^T [ (G g) * (B^T d) ]                   (1-D)
    Y = A^T [ (G g G^T) * (B^T d B) ] A           (2-D, 3x3 kernels)

where ``*`` is elementwise: ``a`` (or ``a**2``) multiplications instead of ``3m`` (``9m**2``).
Over channels, the products are summed in the transformed domain -- for each of the
``a**d`` transformed positions one GEMM of the ``(C_out, C_in)`` transformed kernels with the
``(C_in, tiles)`` transformed input tiles -- and only the sum is transformed back.  The
matrices ``B^T``, ``G``, ``A^T`` are :data:`TRANSFORMS` (Lavin & Gray, section 4; the points
``0, +-1, +-2`` and infinity for F(4, 3)).

The domain is stated, not widened: stride 1, dilation 1, a kernel of 3 taps in each of 1
or 2 spatial dimensions (any padding, batch, channels and groups).  Anything else raises a
``ValueError`` naming the rule (:func:`check_geometry`); ``method="auto"`` never picks it.

Rounding: the transforms are not the definition's products, so the result obeys the
oracle's ``algorithm="winograd"`` bound, built from the transforms in absolute value, not
the summation bound; F(4, 3) is less accurate than F(2, 3) (its ``G`` has entries 1/6 and
1/24, its ``B^T`` entries 4 and 5).  Non-finite inputs give the definition's IEEE result
(:mod:`._transforms`).  Integer inputs never reach this module:
:func:`transposed_conv.conv_transpose` computes them exactly with a summing method.

Notes
-----
* Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016
  (arXiv:1509.09308): the algorithm, the matrices, the batched GEMM over transformed positions.
* Winograd, *Arithmetic Complexity of Computations*, SIAM (1980): minimal filtering.
* Barabasz, Anderson, Soodhalter & Gregg, "Error Analysis and Improving the Accuracy of
  Winograd Convolution for Deep Neural Networks", ACM TOMS 46(4), 2020: the error bound.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._memory import chunk_count, chunks
from ..shapes import ConvTransposeGeometry
from ._transforms import ieee_special_values_of_transform

__all__ = ["DEFAULT_TILE", "TRANSFORMS", "Transforms", "check_geometry", "conv_transpose", "in_domain"]


class Transforms(NamedTuple):
    """The matrices of F(m, 3): ``B^T`` (a x a), ``G`` (a x 3) and ``A^T`` (m x a), with ``a = m + 2``."""

    BT: np.ndarray
    G: np.ndarray
    AT: np.ndarray


#: F(2, 3) and F(4, 3) of Lavin & Gray (2016), section 4, by output tile size ``m``.
TRANSFORMS: dict[int, Transforms] = {
    2: Transforms(
        BT=np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64),
        G=np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]),
        AT=np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64),
    ),
    4: Transforms(
        BT=np.array(
            [
                [4, 0, -5, 0, 1, 0],
                [0, -4, -4, 1, 1, 0],
                [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0],
                [0, 4, 0, -5, 0, 1],
            ],
            dtype=np.float64,
        ),
        G=np.array(
            [
                [1 / 4, 0, 0],
                [-1 / 6, -1 / 6, -1 / 6],
                [-1 / 6, 1 / 6, -1 / 6],
                [1 / 24, 1 / 12, 1 / 6],
                [1 / 24, -1 / 12, 1 / 6],
                [0, 0, 1],
            ]
        ),
        AT=np.array(
            [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]], dtype=np.float64
        ),
    ),
}

#: The tile ``method="winograd"`` uses: F(2, 3), the more accurate of the two.
DEFAULT_TILE = 2


def in_domain(geometry: ConvTransposeGeometry) -> bool:
    """Whether F(m, 3) computes this geometry: 1-D or 2-D, 3-tap kernels, stride 1, dilation 1."""
    return (
        geometry.ndim in (1, 2)
        and all(k == 3 for k in geometry.kernel_shape)
        and all(s == 1 for s in geometry.stride)
        and all(d == 1 for d in geometry.dilation)
    )


def check_geometry(geometry: ConvTransposeGeometry) -> None:
    """Raise a ``ValueError`` naming the rule when the geometry is outside :func:`in_domain`."""
    if not in_domain(geometry):
        raise ValueError(
            "method='winograd' computes Winograd's F(m, 3), which needs stride 1, dilation 1 and a kernel of 3 taps "
            "in each of 1 or 2 spatial dimensions; "
            f"got kernel_shape={geometry.kernel_shape}, stride={geometry.stride}, dilation={geometry.dilation}; "
            "use method='auto'"
        )


def padded_window(x: np.ndarray, geometry: ConvTransposeGeometry, size: tuple[int, ...]) -> np.ndarray:
    """``(N, C, *L)`` -> ``(N, C, *size)``: ``xpad[q] = x[q - 2 + p_begin]``, zero outside ``x``."""
    window = np.zeros((*x.shape[:2], *size), dtype=x.dtype)  # (N, C, *size)
    targets, sources = [], []
    for q, i, (pb, _) in zip(size, geometry.input_shape, geometry.padding):
        first, stop = max(0, 2 - pb), min(q, i + 2 - pb)
        targets.append(slice(first, max(first, stop)))
        sources.append(slice(first - 2 + pb, max(first, stop) - 2 + pb))
    window[(slice(None), slice(None), *targets)] = x[(slice(None), slice(None), *sources)]
    return window


#: The einsum subscripts of the three transforms, by number of spatial dimensions: the kernel ``G g G^T`` from
#: ``(G, C_in/G, C_out/G, *3)``, the input tiles ``B^T d B`` from ``(n, G, C_in/G, *tiles, *a)`` and the output
#: ``A^T M A`` from ``(*a, G, C_out/G, n, *tiles)``; each writes straight into the layout of the next step.
SUBSCRIPTS = {
    1: ("ai,gcmi->agmc", "ai,ngcxi->agcnx", "ri,igmnx->ngmxr"),
    2: ("ai,bj,gcmij->abgmc", "ai,bj,ngcxyij->abgcnxy", "ri,sj,ijgmnxy->ngmxrys"),
}


def _winograd(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry, tile: int) -> np.ndarray:
    check_geometry(geometry)
    BT, G, AT = (matrix.astype(x.dtype) for matrix in TRANSFORMS[tile])
    a, ndim, groups = tile + 2, geometry.ndim, geometry.groups
    kernel_subscripts, input_subscripts, output_subscripts = SUBSCRIPTS[ndim]
    n = x.shape[0]
    c_in_g, c_out_g = geometry.in_channels // groups, geometry.out_channels // groups
    out = geometry.output_shape
    tiles = tuple(-(-o // tile) for o in out)
    y = np.zeros((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O)
    if n == 0:
        return y
    spatial = tuple(range(2, 2 + ndim))
    g = np.flip(weight, axis=spatial).reshape(groups, c_in_g, c_out_g, *(3,) * ndim)  # (G, C_in/G, C_out/G, *3)
    u = np.einsum(kernel_subscripts, *(G,) * ndim, g)  # (*a, G, C_out/G, C_in/G): G g G^T
    u = u.reshape(a**ndim, groups, c_out_g, c_in_g)  # (a**d, G, C_out/G, C_in/G)
    count = math.prod(tiles)
    size = tuple(t * tile + 2 for t in tiles)
    per_item = (
        geometry.in_channels * (math.prod(size) + count * a**ndim)
        + geometry.out_channels * count * (a**ndim + tile**ndim)
    ) * x.dtype.itemsize
    batch_chunk = min(n, chunk_count(per_item, u.nbytes))
    for batch in chunks(n, batch_chunk):
        nb = batch.stop - batch.start
        xpad = padded_window(x[batch], geometry, size)  # (n_b, C_in, *(tiles*m + 2))
        d = sliding_window_view(xpad, (a,) * ndim, axis=spatial)  # (n_b, C_in, *(tiles*m - m + 1), *a): a view
        d = d[(slice(None), slice(None), *(slice(None, None, tile),) * ndim)]  # (n_b, C_in, *tiles, *a)
        d = d.reshape(nb, groups, c_in_g, *d.shape[2:])  # (n_b, G, C_in/G, *tiles, *a)
        v = np.einsum(input_subscripts, *(BT,) * ndim, d)  # (*a, G, C_in/G, n_b, *tiles): B^T d B
        v = v.reshape(a**ndim, groups, c_in_g, nb * count)  # (a**d, G, C_in/G, n_b * tiles)
        # one GEMM per transformed position sums the products over the input channels
        m = np.matmul(u, v)  # (a**d, G, C_out/G, n_b * tiles)
        m = m.reshape(*(a,) * ndim, groups, c_out_g, nb, *tiles)  # (*a, G, C_out/G, n_b, *tiles)
        result = np.einsum(output_subscripts, *(AT,) * ndim, m)  # (n_b, G, C_out/G, tiles_1, m, ...): A^T M A
        result = result.reshape(nb, geometry.out_channels, *(t * tile for t in tiles))  # (n_b, C_out, *tiles*m)
        y[batch] = result[(slice(None), slice(None), *(slice(0, o) for o in out))]
    return y


def _tile_2(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    return _winograd(x, weight, geometry, 2)


def _tile_4(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    return _winograd(x, weight, geometry, 4)


_BY_TILE = {2: ieee_special_values_of_transform(_tile_2), 4: ieee_special_values_of_transform(_tile_4)}


def conv_transpose(
    x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry, tile: int = DEFAULT_TILE
) -> np.ndarray:
    """Stride-1 transposed convolution of 3-tap kernels by Winograd's F(``tile``, 3) (no bias).

    ``tile`` is 2 or 4.  The tiles cover the cropped output from its first position; the
    last tile is computed on zeros past the input and cropped.  The batch is processed in
    chunks whose transformed tiles stay under :func:`~transposed_conv._memory.get_memory_limit`.
    Raises ``ValueError`` outside the domain (:func:`check_geometry`).
    """
    check_geometry(geometry)
    if tile not in _BY_TILE:
        raise ValueError(f"tile must be one of {sorted(_BY_TILE)} (F(2, 3) or F(4, 3)); got tile={tile!r}")
    return _BY_TILE[tile](x, weight, geometry)
