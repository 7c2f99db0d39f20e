"""Non-finite entries: the IEEE result of the definition, for algorithms that multiply zeros they add.

The transposed convolution is a sum, at each output position, of the products of the
(input element, kernel tap) pairs that the definition pairs there.  Zero insertion also
multiplies the zeros it inserts and pads with, and the polyphase split multiplies the
zero slots of unevenly split kernels: harmless for finite numbers, but ``0 * inf`` is
NaN, so an infinite weight would turn positions whose true result is finite into NaN.

Those algorithms stay as they are, readable as their mathematics; this module adds one
separate step around them.  In IEEE arithmetic a product with a non-finite operand is
never finite, and the sum it arrives in is non-finite whatever the summation order:

* NaN where a NaN product arrives -- a NaN operand, or ``0 * inf`` -- or where ``+inf``
  and ``-inf`` products meet;
* ``+inf`` (``-inf``) where infinite products of only that sign arrive.

Every other position receives finite products only, exactly the products it receives
when the non-finite entries are replaced by zero.  So:

1. run the algorithm on the *finite parts* of ``x`` and ``weight`` (non-finite entries
   set to 0): right everywhere except where a non-finite product arrives;
2. find where NaN, ``+inf`` and ``-inf`` products arrive by running the same algorithm
   on 0/1 *indicator* arrays -- ``T(a, b)`` counts the pairs with ``a`` true for the input
   element and ``b`` true for the tap, and a sum of non-negative counts is positive
   exactly when one pair arrives, whatever the rounding;
3. write those values there.

With finite inputs only the check runs (one sum of each array, :func:`all_finite`), so the
finite path costs nothing measurable.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["all_finite", "ieee_special_values", "special_value_arrivals"]

G = TypeVar("G")
Algorithm = Callable[[np.ndarray, np.ndarray, G], np.ndarray]


def all_finite(a: np.ndarray) -> bool:
    """True when the sum of ``a`` is finite: always when ``a`` has no NaN or infinity, unless the sum overflows.

    One reduction and no temporary array: a NaN or an infinity makes the sum non-finite
    (``inf + -inf`` is NaN).  A sum that overflows on finite entries only sends them down
    the exact special-value path, which then finds nothing to change.
    """
    if a.dtype.kind != "f" or a.size == 0:
        return True
    return math.isfinite(np.add.reduce(a, axis=None))  # callers silence NumPy's warnings (np.errstate)


def _classes(a: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks of the IEEE classes of ``a`` that decide a product's class."""
    finite = np.isfinite(a)
    return {
        "nan": np.isnan(a),
        "+inf": a == np.inf,
        "-inf": a == -np.inf,
        "inf": np.isinf(a),
        "zero": a == 0,
        "+": a > 0,  # +inf included
        "-": a < 0,  # -inf included
        "+finite": finite & (a > 0),
        "-finite": finite & (a < 0),
        "any": np.ones(a.shape, dtype=bool),
    }


#: For each class of product, the (input class, weight class) pairs that give it.
PRODUCT_CLASSES: dict[str, tuple[tuple[str, str], ...]] = {
    "nan": (("nan", "any"), ("any", "nan"), ("inf", "zero"), ("zero", "inf")),
    "+inf": (("+inf", "+"), ("-inf", "-"), ("+finite", "+inf"), ("-finite", "-inf")),
    "-inf": (("+inf", "-"), ("-inf", "+"), ("+finite", "-inf"), ("-finite", "+inf")),
}


def special_value_arrivals(
    algorithm: Algorithm[G], x: np.ndarray, weight: np.ndarray, geometry: G
) -> dict[str, np.ndarray]:
    """Where NaN, ``+inf`` and ``-inf`` products arrive: boolean arrays of the output's shape.

    ``algorithm(a, b, geometry)`` must compute the bilinear map on any arrays of one
    floating dtype; it is run once per (input class, weight class) pair that occurs.
    """
    x_classes, w_classes = _classes(x), _classes(weight)
    arrivals: dict[str, np.ndarray] = {}
    for product, pairs in PRODUCT_CLASSES.items():
        count: np.ndarray | None = None
        for x_class, w_class in pairs:
            a, b = x_classes[x_class], w_classes[w_class]
            if not (a.any() and b.any()):
                continue  # this pair of classes never meets
            counted = algorithm(a.astype(np.float32), b.astype(np.float32), geometry)
            count = counted if count is None else count + counted
        arrivals[product] = np.zeros((), dtype=bool) if count is None else count > 0
    return arrivals


def ieee_special_values(algorithm: Algorithm[G], *, counts: Algorithm[G] | None = None) -> Algorithm[G]:
    """Wrap ``algorithm(x, weight, geometry)`` so that non-finite entries give the definition's IEEE result.

    See the module docstring: the algorithm runs on the finite parts, and the positions
    where non-finite products arrive are set from indicator runs of the same algorithm --
    or of ``counts``, where the algorithm's own runs are not exact on 0/1 arrays
    (:mod:`._transforms`).
    """

    @functools.wraps(algorithm)
    def wrapped(x: np.ndarray, weight: np.ndarray, geometry: G) -> np.ndarray:
        if all_finite(x) and all_finite(weight):
            return algorithm(x, weight, geometry)
        finite_x = np.where(np.isfinite(x), x, 0).astype(x.dtype, copy=False)
        finite_w = np.where(np.isfinite(weight), weight, 0).astype(weight.dtype, copy=False)
        y = algorithm(finite_x, finite_w, geometry)
        arrivals = special_value_arrivals(algorithm if counts is None else counts, x, weight, geometry)
        nan = arrivals["nan"] | (arrivals["+inf"] & arrivals["-inf"])
        y[np.broadcast_to(arrivals["+inf"], y.shape)] = np.inf
        y[np.broadcast_to(arrivals["-inf"], y.shape)] = -np.inf
        y[np.broadcast_to(nan, y.shape)] = np.nan
        return y

    return wrapped
