"""The forward operations: ``conv`` (deep-learning convolution) and ``convolve`` (MATLAB's ``convn``).

``conv`` is what frameworks call convolution: a *cross-correlation* (the kernel is not
flipped) with stride, padding, dilation and groups.  ``conv_transpose`` is its adjoint.

``convolve`` is the true convolution of mathematics and signal processing (the kernel
*is* flipped) for one channel, with MATLAB's ``conv``/``conv2``/``convn`` shape
modes ``'full'``, ``'same'`` and ``'valid'``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._arguments import prepare_conv, real_array, result_dtypes
from ._integers import exact_bilinear
from ._normalize import as_choice
from .methods import im2col
from .methods._windows import taps
from .shapes import Padding

__all__ = ["conv", "convolve"]

CONVOLVE_MODES = ("full", "same", "valid")


def conv(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """N-d convolution as deep-learning frameworks define it (a cross-correlation).

    ``y[n, o, p] = bias[o] + sum_{c, j} weight[o, c, j] * x_pad[n, g*C_in/G + c, p*stride + j*dilation]``
    where ``g`` is the group of output channel ``o`` and ``x_pad`` is ``x`` zero-padded.

    Parameters
    ----------
    x : array_like
        Input of shape ``(N, C_in, *spatial)``, or ``(C_in, *spatial)`` unbatched;
        any number ``d >= 1`` of spatial dimensions.
    weight : array_like
        Kernel of shape ``(C_out, C_in/groups, *kernel)``.
    bias : array_like, optional
        Shape ``(C_out,)``.
    stride, dilation : int or sequence of int
        ``>= 1``; an int applies to every spatial dimension.
    padding : int, sequence of int, or sequence of (begin, end) pairs
        Zeros added around each spatial dimension, ``>= 0``.
    groups : int
        Number of blocked connections; divides ``C_in`` and ``C_out``.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, C_out, *out)`` (unbatched if ``x`` was), with
        ``out = floor((i + p_begin + p_end - dilation*(k - 1) - 1) / stride) + 1``;
        dtype by the rules in :mod:`transposed_conv` (int64 for integer inputs).

    Raises
    ------
    ValueError, TypeError
        For an invalid argument, naming it and the rule it breaks.

    See Also
    --------
    conv_transpose : the adjoint of this operation.
    convolve : the flipped-kernel convolution of one channel, MATLAB-style.

    Examples
    --------
    A 1-D cross-correlation slides the kernel without flipping it:

    >>> conv([[1, 2, 3, 4]], [[[1, 0, -1]]]).tolist()
    [[-2, -2]]

    Shapes for a strided, padded 2-D convolution:

    >>> import numpy as np
    >>> conv(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), stride=2, padding=1).shape
    (2, 4, 4, 4)
    """
    prepared, geometry = prepare_conv(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return prepared.evaluate(lambda x, w: im2col.correlate(x, w, geometry), terms=geometry.products_per_output)


def convolve(a: ArrayLike, kernel: ArrayLike, mode: str = "full") -> np.ndarray:
    """N-d convolution of one channel with MATLAB's ``conv``/``conv2``/``convn`` shape modes.

    ``full[p] = sum_j kernel[j] * a[p - j]`` over every ``j`` where the kernel overlaps ``a``.

    Parameters
    ----------
    a, kernel : array_like
        Non-empty real arrays with the same number of dimensions.
    mode : {'full', 'same', 'valid'}
        ``'full'``: every position with any overlap, size ``m_a + m_k - 1``.
        ``'same'``: the central part of ``'full'`` with the size of ``a``, starting at
        index ``floor(m_k / 2)``.
        ``'valid'``: only positions where the kernel lies entirely inside ``a``, size
        ``max(m_a - m_k + 1, 0)`` -- empty when the kernel is larger than ``a``.

    Returns
    -------
    numpy.ndarray
        int64 for integer inputs (exact), otherwise the promoted floating dtype.

    Raises
    ------
    ValueError
        For an unknown ``mode``, empty arrays, or differing numbers of dimensions.
    TypeError
        For non-real arrays or a non-string ``mode``.

    Notes
    -----
    This differs from ``scipy.signal.convolve`` in two places, both checked against GNU
    Octave in the tests:

    * ``'same'`` with an *even* kernel size: MATLAB starts at ``floor(m_k / 2)``, SciPy
      at ``(m_k - 1) // 2``, one element earlier.
    * ``'valid'`` with a kernel larger than ``a``: MATLAB returns an empty array; SciPy
      swaps the two arguments when the kernel is larger in every dimension, and raises
      when it is larger in only some.

    Examples
    --------
    >>> convolve([1, 2, 3], [1, 1]).tolist()
    [1, 3, 5, 3]
    >>> convolve([1, 2, 3], [1, 1], "same").tolist()
    [3, 5, 3]
    >>> convolve([1, 2, 3], [1, 1, 1, 1], "valid").tolist()
    []
    """
    a_arr = real_array(a, "a")
    k_arr = real_array(kernel, "kernel")
    mode = as_choice(mode, "mode", CONVOLVE_MODES)
    if a_arr.ndim != k_arr.ndim or a_arr.ndim == 0:
        raise ValueError(
            "a and kernel must have the same number (>= 1) of dimensions; "
            f"got a.shape={a_arr.shape} and kernel.shape={k_arr.shape}"
        )
    if a_arr.size == 0 or k_arr.size == 0:
        raise ValueError(f"a and kernel must be non-empty; got a.shape={a_arr.shape}, kernel.shape={k_arr.shape}")
    compute, result = result_dtypes(a_arr, k_arr)
    if compute.kind == "i":  # exact, or OverflowError; never wrapped
        terms = math.prod(min(m, n) for m, n in zip(a_arr.shape, k_arr.shape))
        full = exact_bilinear(_full_convolution, a_arr, k_arr, terms=terms, names="a and kernel")
    else:
        with np.errstate(invalid="ignore", over="ignore"):  # NaN and infinities are results here, as in IEEE
            full = _full_convolution(a_arr.astype(compute, copy=False), k_arr.astype(compute, copy=False))
    if mode == "full":
        part = full
    elif mode == "same":
        part = full[tuple(slice(n // 2, n // 2 + m) for m, n in zip(a_arr.shape, k_arr.shape))]
    else:
        part = full[tuple(slice(n - 1, n - 1 + max(m - n + 1, 0)) for m, n in zip(a_arr.shape, k_arr.shape))]
    return part.astype(result, copy=True)


def _full_convolution(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``full[p] = sum_j kernel[j] * a[p - j]``: each tap adds a shifted, scaled copy of ``a``."""
    full = np.zeros(tuple(m + n - 1 for m, n in zip(a.shape, kernel.shape)), dtype=a.dtype)
    for tap in taps(kernel.shape):
        full[tuple(slice(j, j + m) for j, m in zip(tap, a.shape))] += kernel[tap] * a
    return full
