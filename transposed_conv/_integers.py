"""Integer inputs: the exact result, or an ``OverflowError``; never a wrapped int64.

Every operation of this package is *bilinear*: each result element is ``b + sum_t x_t w_t``
over at most ``n`` products.  NumPy's int64 arithmetic wraps around silently beyond
``2**63``, so integers are never computed in it.  Instead, with
``S = max|b| + n * max|x| * max|w|`` (a bound on the result and on every partial sum):

* **``S <= 2**53``** (every everyday case): the operation runs in float64.  Every product
  and every partial sum is then an integer that float64 holds exactly, so the result is
  exact whatever the summation order, fused multiply-adds included -- and the GEMMs run
  at BLAS speed instead of NumPy's integer loops.
* **Otherwise** the inputs are split into ``bits``-bit *limbs*,
  ``x = sum_i x_i 2**(bits*i)`` (the top limb signed), with ``bits`` chosen so that
  ``n * 2**(2*bits) <= 2**53``: each ``T(x_i, w_j)`` is again exact in float64, and the
  exact result ``sum_ij T(x_i, w_j) 2**(bits*(i + j)) + b`` is assembled elementwise with
  Python integers (pairs of all-zero limbs are skipped).

The exact result is returned as int64 when every element fits, and refused with an
``OverflowError`` naming the largest magnitude otherwise.  uint64 inputs up to
``2**64 - 1`` follow the same rule: what decides is the result, not the inputs.
Time stays bounded by the sizes: at most ``ceil(64/bits)**2`` runs of the operation
plus a Python-integer pass over the output.

Examples
--------
>>> import numpy as np
>>> def dot(a, b):  # a bilinear map: here, one dot product of n = 2 terms
...     return np.array([a @ b])
>>> exact_bilinear(dot, np.array([2**62, 2**62]), np.array([3, -3]), terms=2).tolist()
[0]
>>> exact_bilinear(dot, np.array([2**62, 1]), np.array([4, 1]), terms=2)
Traceback (most recent call last):
...
OverflowError: the exact result has the value 18446744073709551617 ...
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["EXACT_IN_FLOAT64", "as_int64", "exact_bilinear", "exact_sum", "magnitude"]

#: Integers up to this magnitude, and sums of them up to it, are exact in float64.
EXACT_IN_FLOAT64 = 2**53

_INT64 = np.iinfo(np.int64)


def magnitude(a: np.ndarray | None) -> int:
    """``max |a|`` as a Python integer (0 for ``None`` or an empty array), without int64 overflow."""
    if a is None or a.size == 0:
        return 0
    return max(abs(int(a.max())), abs(int(a.min())))


def limbs(a: np.ndarray, bits: int) -> list[np.ndarray]:
    """Split an integer array into float64 limbs with ``a == sum_i limbs[i] * 2**(bits*i)`` exactly.

    Every limb but the last is in ``[0, 2**bits)``; the last carries the sign (int64 inputs)
    and is at most ``2**bits`` in magnitude.

    >>> [part.tolist() for part in limbs(np.array([-1, 2**40 + 5]), 16)]
    [[65535.0, 5.0], [65535.0, 0.0], [65535.0, 256.0], [-1.0, 0.0]]
    """
    value = a if a.dtype == np.uint64 else a.astype(np.int64)
    count = -(-64 // bits)
    mask = (1 << bits) - 1
    parts = [((value >> (bits * i)) & mask).astype(np.float64) for i in range(count - 1)]
    parts.append((value >> (bits * (count - 1))).astype(np.float64))  # arithmetic shift: keeps the sign
    return parts


def _refuse(total: np.ndarray, names: str) -> None:
    """Raise ``OverflowError`` if the Python-integer array ``total`` does not fit int64."""
    if total.size == 0:
        return
    high, low = int(total.max()), int(total.min())
    if low >= _INT64.min and high <= _INT64.max:
        return
    worst = high if high > _INT64.max else low
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(total == worst)), total.shape))
    raise OverflowError(
        f"the exact result has the value {worst} at index {index}, outside int64's range "
        f"[-2**63, 2**63 - 1]; integer {names} are computed exactly and never wrapped: "
        "pass floating-point arrays for a rounded result"
    )


def exact_bilinear(
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x: np.ndarray,
    weight: np.ndarray,
    *,
    terms: int,
    bias: np.ndarray | None = None,
    names: str = "inputs",
) -> np.ndarray:
    """The exact int64 result of a bilinear operation on integer arrays, or ``OverflowError``.

    Parameters
    ----------
    compute : callable
        ``compute(a, b)``: the operation (without bias) on float64 arrays of the shapes of
        ``x`` and ``weight``, formed as sums of products ``a_t * b_t``.
    x, weight : numpy.ndarray
        Integer arrays (any integer dtype, uint64 included).
    terms : int
        An upper bound on the number of products summed into one result element.
    bias : numpy.ndarray, optional
        Integers added to the result, broadcastable to its shape.
    names : str
        What to call the inputs in the error message.

    Returns
    -------
    numpy.ndarray
        int64, exact.

    Raises
    ------
    OverflowError
        If an element of the exact result lies outside int64's range.
    """
    bound = magnitude(bias) + max(terms, 1) * magnitude(x) * magnitude(weight)
    if bound <= EXACT_IN_FLOAT64:
        y = compute(x.astype(np.float64), weight.astype(np.float64)).astype(np.int64)
        return y if bias is None else y + bias.astype(np.int64)
    bits = min(16, (53 - max(terms, 1).bit_length()) // 2)
    x_limbs, w_limbs = limbs(x, bits), limbs(weight, bits)
    diagonals: dict[int, np.ndarray] = {}  # s -> sum of T(x_i, w_j) over i + j = s, exact in int64
    for i, x_limb in enumerate(x_limbs):
        for j, w_limb in enumerate(w_limbs):
            if (i or j) and not (x_limb.any() and w_limb.any()):
                continue  # a zero limb contributes nothing (the pair (0, 0) always runs: it gives the shape)
            part = compute(x_limb, w_limb).astype(np.int64)
            diagonals[i + j] = diagonals[i + j] + part if i + j in diagonals else part
    total = np.zeros(diagonals[0].shape, dtype=object)  # Python integers from here on
    for s in range(max(diagonals), -1, -1):  # Horner: total = sum_s D_s 2**(bits*s)
        total = total * (1 << bits)
        if s in diagonals:
            total = total + diagonals[s].astype(object)
    if bias is not None:
        total = total + bias.astype(object)
    _refuse(total, names)
    return total.astype(np.int64)


def as_int64(a: np.ndarray, names: str = "inputs") -> np.ndarray:
    """An integer array as int64, exactly, or ``OverflowError`` (uint64 values above ``2**63 - 1``).

    >>> as_int64(np.array([2**63 - 1], np.uint64)).tolist()
    [9223372036854775807]
    """
    if a.dtype == np.uint64 and a.size and int(a.max()) > _INT64.max:
        _refuse(a.astype(object), names)
    return a.astype(np.int64)


def exact_sum(a: np.ndarray, axis: tuple[int, ...], names: str = "inputs") -> np.ndarray:
    """``a.sum(axis)`` of an integer array, exact as int64, or ``OverflowError``.

    >>> exact_sum(np.array([[2**62, 2**62], [2**62, -2**62]]), (1,)).tolist()
    Traceback (most recent call last):
    ...
    OverflowError: the exact result has the value 9223372036854775808 ...
    """
    count = math.prod(a.shape[k] for k in axis)
    if count * magnitude(a) <= _INT64.max:
        return np.asarray(a.astype(np.int64).sum(axis=axis))  # no partial sum can leave int64's range
    total = np.asarray(a.astype(object).sum(axis=axis), dtype=object)
    _refuse(total, names)
    return total.astype(np.int64)
