"""``jax_conv_transpose`` against ``jax.lax.conv_transpose``.

Every argument is drawn (``transposed_conv.strategies.jax_cases``): ``'SAME'``, ``'VALID'`` and
explicit ``(lo, hi)`` pads from below ``-(k_eff - 1)`` to above ``k_eff - 1`` (cropping into the
full output and extending past it), ``use_consistent_padding``, ``transpose_kernel``,
``rhs_dilation``, and dimension numbers as ``None`` (JAX's channels-last default), any
permutation of the letters, or axis numbers (a ``ConvDimensionNumbers``, made here).
float32 is compared within the float32 rounding bound; float64 (``jax.enable_x64``) within the
same bound, which is then generous.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.frameworks import assert_within_float32_rounding, float32_rounding_bound, float64
from transposed_conv.conventions import jax_conv_transpose
from transposed_conv.strategies import ConventionCase, jax_cases

jax = pytest.importorskip("jax", reason="jax is not installed (pip install jax)")
from jax import lax  # noqa: E402 -- after the importorskip

pytestmark = pytest.mark.jax


def permutation(spec: str, pair: str, kernel_spec: str) -> tuple[int, ...]:
    """The axis numbers of ``spec``, spatial axes in the kernel spec's order (a ``ConvDimensionNumbers`` entry)."""
    spatial = sorted((i for i, c in enumerate(spec) if c not in pair), key=lambda i: kernel_spec.index(spec[i]))
    return (spec.index(pair[0]), spec.index(pair[1]), *spatial)


def run_jax(lhs: np.ndarray, rhs: np.ndarray, arguments: dict[str, Any]) -> np.ndarray:
    padding = arguments["padding"]
    if not isinstance(padding, str):
        padding = [tuple(pair) for pair in padding]  # JAX reads consistent padding pairs only as tuples
    args = {**arguments, "padding": padding}
    if lhs.dtype == np.float64:
        with jax.enable_x64(True):
            return np.asarray(lax.conv_transpose(lhs, rhs, **args))
    return np.asarray(lax.conv_transpose(lhs, rhs, **args))


@given(
    jax_cases(dtype="float32", values="uniform", max_batch=2, use_consistent_padding=True),
    st.sampled_from([np.float32, np.float64]),
    st.booleans(),
)
def test_jax_conv_transpose_matches_jax(case: ConventionCase, dtype: type, as_numbers: bool) -> None:
    """Every dimension-number layout (also as a ``ConvDimensionNumbers``), padding form and kernel orientation."""
    lhs, rhs = case.x.astype(dtype), case.weight.astype(dtype)
    strides, padding = case.arguments
    arguments = {"strides": strides, "padding": padding, **case.kwargs}
    specs = arguments["dimension_numbers"]
    if specs is not None and as_numbers:
        arguments["dimension_numbers"] = lax.ConvDimensionNumbers(
            *(permutation(spec, pair, specs[1]) for spec, pair in zip(specs, ("NC", "OI", "NC")))
        )
    actual = run_jax(lhs, rhs, arguments)
    expected = jax_conv_transpose(float64(lhs), float64(rhs), **arguments)

    def compute(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        return jax_conv_transpose(x, w, **arguments)

    bound = float32_rounding_bound(compute, lhs, rhs)
    assert_within_float32_rounding(actual, expected, bound, f"lhs {lhs.shape}, rhs {rhs.shape}, {arguments}")
    assert jax_conv_transpose(lhs, rhs, **arguments).dtype == dtype


def test_jax_defaults_to_channels_last() -> None:
    """JAX's ``dimension_numbers=None`` is ``('NHWC', 'HWIO', 'NHWC')`` in 2-D: checked on JAX itself."""
    rng = np.random.default_rng(0)
    x = rng.integers(-4, 5, size=(1, 3, 2, 2)).astype(np.float32)  # NHWC: H=3, W=2, C=2
    k = rng.integers(-4, 5, size=(2, 3, 2, 4)).astype(np.float32)  # HWIO: I=2, O=4
    y = np.asarray(lax.conv_transpose(x, k, (2, 1), "SAME"))
    assert y.shape == (1, 6, 2, 4)
    np.testing.assert_array_equal(y, jax_conv_transpose(x, k, (2, 1), "SAME"))
