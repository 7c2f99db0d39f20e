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
from hypothesis import event, given
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


# ----------------------------------------------------------------------------------------------
# Empty outputs (docs/input-rules.md, "Empty outputs")
# ----------------------------------------------------------------------------------------------

EMPTY = [  # (lhs shape, rhs shape, strides, padding, keyword arguments): 0 <= (i - 1)*s + 1 + lo + hi < k_eff
    pytest.param((2, 3, 4), (3, 4, 5), (2,), [(-1, -2)], {}, id="exactly-0"),
    pytest.param((2, 3, 4), (3, 4, 5), (2,), [(0, -4)], {}, id="formula-negative"),
    pytest.param((2, 3, 4), (3, 4, 5), (2,), [(5, -8)], {}, id="one-side-positive"),
    pytest.param((2, 3, 4), (3, 4, 5), (2,), [(-10, 5)], {}, id="nothing-left"),
    pytest.param((0, 3, 4), (3, 4, 5), (2,), [(-2, -1)], {}, id="empty-batch"),
    pytest.param((2, 4, 3), (5, 4, 3), (2,), [(-2, -1)], {"dimension_numbers": ("NCH", "OIH", "NCH")}, id="NCH"),
    pytest.param((2, 3, 4), (3, 5, 4), (2,), [(-2, -1)], {"transpose_kernel": True}, id="transpose_kernel"),
    pytest.param((2, 3, 4), (3, 4, 5), (2,), [(4, 4)], {"use_consistent_padding": True}, id="consistent"),
    pytest.param((2, 3, 4), (2, 4, 5), (2,), [(-1, -1)], {"rhs_dilation": (3,)}, id="dilated"),
    pytest.param((1, 3, 3, 2), (2, 2, 2, 3), (1, 1), [(0, 0), (-1, -1)], {}, id="2d"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("lhs_shape", "rhs_shape", "strides", "padding", "kwargs"), EMPTY)
def test_jax_and_we_return_the_same_empty_output(
    dtype: type,
    lhs_shape: tuple[int, ...],
    rhs_shape: tuple[int, ...],
    strides: tuple[int, ...],
    padding: list[tuple[int, int]],
    kwargs: dict[str, Any],
) -> None:
    """Pads that leave fewer than ``k_eff`` elements of the zero-inserted input: JAX returns an empty output of
    this shape and dtype, and so do we."""
    lhs, rhs = np.ones(lhs_shape, dtype), np.ones(rhs_shape, dtype)
    arguments = {"strides": strides, "padding": padding, **kwargs}
    actual = run_jax(lhs, rhs, arguments)
    ours = jax_conv_transpose(lhs, rhs, **arguments)
    assert actual.size == 0
    assert (ours.shape, ours.dtype) == (actual.shape, actual.dtype)


@pytest.mark.parametrize(
    ("padding", "kwargs"),
    [
        pytest.param([(-5, -5)], {}, id="both-sides"),
        pytest.param([(-10, 4)], {}, id="one-side"),
        pytest.param([(5, 5)], {"use_consistent_padding": True}, id="consistent"),
    ],
)
def test_jax_and_we_refuse_padding_that_removes_more_than_the_zero_inserted_input(
    padding: list[tuple[int, int]], kwargs: dict[str, Any]
) -> None:
    lhs, rhs = np.ones((2, 3, 4), np.float32), np.ones((3, 4, 5), np.float32)
    with pytest.raises(ValueError, match="Negative padding is larger than the size of the corresponding dimension"):
        run_jax(lhs, rhs, {"strides": (2,), "padding": padding, **kwargs})
    with pytest.raises(ValueError, match=r"^padding must remove at most the whole zero-inserted input"):
        jax_conv_transpose(lhs, rhs, (2,), padding, **kwargs)


@given(
    jax_cases(
        dtype="float32",
        values="uniform",
        max_batch=2,
        paddings=("explicit",),
        use_consistent_padding=True,
        empty_outputs=True,
    )
)
def test_jax_conv_transpose_matches_jax_where_the_pads_may_leave_an_empty_output(case: ConventionCase) -> None:
    """Explicit pads, now and then so negative that fewer than ``k_eff`` elements are left: the same (possibly
    empty) shape, dtype and values."""
    strides, padding = case.arguments
    arguments = {"strides": strides, "padding": padding, **case.kwargs}
    actual = run_jax(case.x, case.weight, arguments)
    ours = jax_conv_transpose(case.x, case.weight, **arguments)
    event(f"empty output: {actual.size == 0 and case.batch > 0}")
    assert (ours.shape, ours.dtype) == (actual.shape, actual.dtype)

    def compute(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        return jax_conv_transpose(x, w, **arguments)

    bound = float32_rounding_bound(compute, case.x, case.weight)
    expected = jax_conv_transpose(float64(case.x), float64(case.weight), **arguments)
    assert_within_float32_rounding(actual, expected, bound, f"lhs {case.x.shape}, rhs {case.weight.shape}, {arguments}")
