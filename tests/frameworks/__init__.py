"""Cross-checks of ``transposed_conv.conventions`` against the real frameworks (optional).

Each module here imports its framework with ``pytest.importorskip`` and carries a marker
(``onnxruntime``, ``jax``, ``tensorflow``, ``keras``; registered in ``conftest.py``), so that
``pytest -m "not tensorflow"`` leaves one out and a missing package skips with its reason.

The frameworks compute in float32; we compute the answer in float64 from the same
float32 values.  :func:`assert_within_float32_rounding` then allows, per output element,
``(n + 2) * 2**-23 * S``, where ``n`` is the number of products summed into the element
and ``S = |b| + sum |x_t| |w_t|`` -- both computed with the convention function itself, on
ones and on absolute values.  That covers float32 rounding in any summation order
(Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., section 3.1:
``|error| <= gamma_(n+1) * S`` with ``gamma_m = m*u / (1 - m*u)``, ``u = 2**-24``) plus the
float64 reference's own error; it is not a guessed ``atol``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Compute = Callable[[np.ndarray, np.ndarray, "np.ndarray | None"], np.ndarray]

FLOAT32_EPS = 2.0**-23


def float32_rounding_bound(compute: Compute, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``(n + 2) * 2**-23 * S`` per output element; ``compute(x, w, b)`` is the convention being checked."""
    counts = compute(np.ones(x.shape, np.int64), np.ones(w.shape, np.int64), None)
    magnitude = compute(
        np.abs(x).astype(np.float64), np.abs(w).astype(np.float64), None if b is None else np.abs(b).astype(np.float64)
    )
    return (counts + 2) * FLOAT32_EPS * magnitude


def assert_within_float32_rounding(actual: Any, expected: np.ndarray, bound: np.ndarray, context: str = "") -> None:
    """``|actual - expected| <= bound`` elementwise, reporting the worst element."""
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}; {context}"
    difference = np.abs(actual.astype(np.float64) - expected)
    excess = difference - bound
    if excess.size and excess.max() > 0:
        worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
        raise AssertionError(
            f"{int((excess > 0).sum())} of {excess.size} elements beyond float32 rounding; worst at {worst}: "
            f"framework {actual[worst]!r}, ours {expected[worst]!r}, |difference| {difference[worst]:.3g} "
            f"> bound {bound[worst]:.3g}; {context}"
        )


def float64(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else a.astype(np.float64)
