"""``jax_conv_transpose`` against ``jax.lax.conv_transpose``.

Every argument is drawn: ``'SAME'``, ``'VALID'`` and explicit ``(lo, hi)`` pads from below
``-(k_eff - 1)`` to above ``k_eff - 1`` (cropping into the full output and extending past it),
``use_consistent_padding``, ``transpose_kernel``, ``rhs_dilation``, and dimension numbers as
``None`` (JAX's channels-last default), any permutation of the letters, or axis numbers.
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
from transposed_conv.strategies import ConvTransposeCase, conv_transpose_cases

jax = pytest.importorskip("jax", reason="jax is not installed (pip install jax)")
from jax import lax  # noqa: E402 -- after the importorskip

pytestmark = pytest.mark.jax

SPATIAL = "HWD"
DEFAULTS = {1: ("NHC", "HIO", "NHC"), 2: ("NHWC", "HWIO", "NHWC"), 3: ("NHWDC", "HWDIO", "NHWDC")}


@st.composite
def jax_arguments(draw: st.DrawFn, case: ConvTransposeCase) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``lhs``, ``rhs`` and the keyword arguments of a ``jax.lax.conv_transpose`` call built from ``case``."""
    ndim = case.ndim
    letters = SPATIAL[:ndim]
    form = draw(st.sampled_from(["default", "letters", "numbers"]), label="dimension_numbers form")
    if form == "default":
        specs = DEFAULTS[ndim]
    else:
        specs = tuple("".join(draw(st.permutations(pair + letters))) for pair in ("NC", "OI", "NC"))
    transpose_kernel = draw(st.booleans(), label="transpose_kernel")
    # The case's arrays laid out as the specs say: x is (N, C, *letters); the kernel (O, I, *letters) is the
    # case's weight (C_in, C_out, *k) with O and I chosen so that the input channels match.
    kernel = case.weight if transpose_kernel else case.weight.swapaxes(0, 1)
    lhs = np.moveaxis(case.x, range(ndim + 2), [specs[0].index(c) for c in "NC" + letters])
    rhs = np.moveaxis(kernel, range(ndim + 2), [specs[1].index(c) for c in "OI" + letters])
    input_sizes = dict(zip(letters, case.input_shape))
    kernel_sizes = dict(zip(letters, case.kernel_shape))
    # strides, padding and rhs_dilation follow the kernel spec's spatial order
    order = [c for c in specs[1] if c in letters]
    strides = [case.stride[letters.index(c)] for c in order]
    dilation = [case.dilation[letters.index(c)] for c in order]
    effective = [(kernel_sizes[c] - 1) * d + 1 for c, d in zip(order, dilation)]
    padding: Any = draw(st.sampled_from(["SAME", "VALID", "pairs"]), label="padding kind")
    consistent = draw(st.booleans(), label="use_consistent_padding")
    if padding == "pairs":
        padding = []
        for c, k in zip(order, effective):
            low, high = -(k + 1), k + 1
            pair = (draw(st.integers(low, high)), draw(st.integers(low, high)))
            jax_pads = (k - 1 - pair[0], k - 1 - pair[1]) if consistent else pair
            deficit = 1 - ((input_sizes[c] - 1) * strides[order.index(c)] + 1 + sum(jax_pads) - (k - 1))
            if deficit > 0:  # an empty output: JAX returns it, we refuse it (test_conventions.py); widen it
                pair = (pair[0] - deficit, pair[1]) if consistent else (pair[0] + deficit, pair[1])
            padding.append(pair)
    dimension_numbers: Any = None if form == "default" and draw(st.booleans(), label="pass None") else specs
    if form == "numbers":
        dimension_numbers = lax.ConvDimensionNumbers(
            *(permutation(spec, pair, specs[1]) for spec, pair in zip(specs, ("NC", "OI", "NC")))
        )
    arguments = {
        "strides": strides,
        "padding": padding,
        "rhs_dilation": dilation,
        "dimension_numbers": dimension_numbers,
        "transpose_kernel": transpose_kernel,
        "use_consistent_padding": consistent,
    }
    return lhs, rhs, arguments


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
    conv_transpose_cases(dtype="float32", values="uniform", max_groups=1, bias=False, max_batch=2),
    st.sampled_from([np.float32, np.float64]),
    st.data(),
)
def test_jax_conv_transpose_matches_jax(case: ConvTransposeCase, dtype: type, data: st.DataObject) -> None:
    """Every dimension-number layout, padding form and kernel orientation, against JAX."""
    lhs, rhs, arguments = data.draw(jax_arguments(case), label="lhs, rhs, arguments")
    lhs, rhs = lhs.astype(dtype), rhs.astype(dtype)
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
