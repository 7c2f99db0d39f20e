"""``jax_conv_transpose`` against ``jax.lax.conv_transpose``: what the conformance kit does not draw.

The kit's run of ``jax.lax.conv_transpose`` in its own convention
(``tests/test_kit_conventions.py::test_framework_conforms_in_its_own_convention[jax]``) is the one
drawn comparison of our JAX convention with JAX: ``'SAME'``, ``'VALID'`` and explicit pads from below
``-(k_eff - 1)`` to above ``k_eff - 1``, ``use_consistent_padding``, ``transpose_kernel``,
``rhs_dilation``, dimension numbers as ``None`` or any permutation of the letters, pads that leave an
empty output, float32 and float64 within the oracle's rigorous bound.  Here: dimension numbers given as
axis numbers (a ``ConvDimensionNumbers``, which the kit does not draw), JAX's channels-last default,
and the empty outputs and refusals of padding, example by example.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from transposed_conv.conventions import jax_conv_transpose
from transposed_conv.oracle import linear_bound_fraction
from transposed_conv.strategies import ConventionCase, jax_cases

jax = pytest.importorskip("jax", reason="jax is not installed (pip install jax)")
from jax import lax  # noqa: E402 -- after the importorskip

pytestmark = pytest.mark.jax

EXAMPLES = max(settings().max_examples, 1)  # the active profile: 200 in CI


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


@settings(max_examples=min(EXAMPLES, 20))  # a form of one argument: a few draws suffice
@given(jax_cases(dtype="float32", values="uniform", max_batch=2).filter(lambda case: case.kwargs["dimension_numbers"]))
def test_jax_conv_transpose_reads_conv_dimension_numbers_as_jax_does(case: ConventionCase) -> None:
    """Dimension numbers as axis numbers (``lax.ConvDimensionNumbers``, spatial axes in the kernel spec's order):
    the same result as JAX's, within the float32 rounding bound."""
    strides, padding = case.arguments
    specs = case.kwargs["dimension_numbers"]
    numbers = lax.ConvDimensionNumbers(
        *(permutation(spec, pair, specs[1]) for spec, pair in zip(specs, ("NC", "OI", "NC")))
    )
    arguments = {"strides": strides, "padding": padding, **case.kwargs, "dimension_numbers": numbers}
    actual = run_jax(case.x, case.weight, arguments)

    def compute(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        return jax_conv_transpose(x, w, **arguments)

    fraction = linear_bound_fraction(actual, compute, case.x, case.weight, precision="float32")
    assert fraction.max(initial=0.0) <= 1, f"lhs {case.x.shape}, rhs {case.weight.shape}, {arguments}"


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
    lhs: np.ndarray = np.ones(lhs_shape, dtype)
    rhs: np.ndarray = np.ones(rhs_shape, dtype)
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
