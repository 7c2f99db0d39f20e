"""Non-finite entries for the transform methods (FFT, Winograd): the definition's IEEE result, counted robustly.

:func:`~transposed_conv.methods._nonfinite.ieee_special_values` runs an algorithm on the
finite parts of its inputs and finds where NaN and infinite products arrive by running
the same algorithm on 0/1 indicator arrays: the counts of arriving pairs are sums of
non-negative integers, positive exactly where a pair arrives.  That needs the indicator
runs to be *exact*, which the summing methods are and the transform methods are not: an
FFT or a Winograd transform of 0/1 arrays returns the counts up to rounding, so an empty
position can come out as ``1e-8`` instead of 0.

Here the indicator runs use the same algorithm in float64 and round each count to the
nearest integer.  The counts are at most the number of products per output element, and
the transform's error on them is far below 1/2 for any size NumPy can allocate (for the
FFT: ``c * log2(L) * 2**-53 * ||a||_2 * ||b||_1 <= c * log2(L) * 2**-53 * L**1.5``, below
``1e-6`` for ``L <= 2**40``; see ``docs/oracle.md``), so the rounded counts are exact and the
rule of :mod:`._nonfinite` applies unchanged.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from ._nonfinite import Algorithm, ieee_special_values

__all__ = ["ieee_special_values_of_transform"]

G = TypeVar("G")


def ieee_special_values_of_transform(algorithm: Algorithm[G]) -> Algorithm[G]:
    """Wrap a transform ``algorithm(x, weight, geometry)`` so that non-finite entries give the definition's result.

    As :func:`~transposed_conv.methods._nonfinite.ieee_special_values`, with the indicator
    counts computed in float64 and rounded to integers (see the module docstring).
    """

    def counts(a: np.ndarray, b: np.ndarray, geometry: G) -> np.ndarray:
        return np.rint(algorithm(a.astype(np.float64), b.astype(np.float64), geometry))

    return ieee_special_values(algorithm, counts=counts)
