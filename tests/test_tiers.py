"""The kit's tiers: the stress regions and the special values reach where the small cases do not.

Each claim once, in the cheapest test that can fail: every stress region is drawn and keeps to its
stated extremes; every special kind lands in ``x``, ``weight`` and ``bias``; our methods pass the
special tier; a kernel that zeroes NaN and a tiled kernel that drops its last partial tile of 64 are
caught by their tier and missed by the small one; the command prints the coverage.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from transposed_conv import METHODS, conv_transpose
from transposed_conv.cli import main
from transposed_conv.strategies import (
    FAST_PATHS,
    LARGE_OUTPUT,
    SPECIAL_KINDS,
    STRESS_REGIONS,
    ConvTransposeConfig,
    conv_transpose_configs,
    torch_cases,
)
from transposed_conv.testing import check_conv_transpose
from transposed_conv.transpose import ERROR_MODELS

from .test_strategies import first_draws


def ours(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
    return conv_transpose(x, weight, bias, **kwargs)


def _is_power_multiple_or_next_to_one(side: int) -> bool:
    return any(side + d >= 2**k and (side + d) % 2**k == 0 for k in range(3, 8) for d in (-1, 0, 1))


#: What each region promises, on one configuration of it.
REGION_CLAIMS: dict[str, Callable[[ConvTransposeConfig], bool]] = {
    "batch 3..8": lambda c: 3 <= c.batch <= 8,
    "channels: up to 64 per group, 128 out, bias": lambda c: (
        9 <= c.in_channels // c.groups <= 64 and 9 <= c.out_channels <= 128 and c.bias
    ),
    "groups 5..8": lambda c: 5 <= c.groups <= 8,
    "depthwise (C_in = groups, up to 32)": lambda c: c.in_channels == c.groups and 2 <= c.groups <= 32,
    "sides 41..160": lambda c: 41 <= max(c.input_shape) <= 160,
    "sides m * 2**k and +-1": lambda c: (
        any(s > 6 and _is_power_multiple_or_next_to_one(s) for s in c.input_shape) and max(c.input_shape) <= 161
    ),
    "3-D: sides up to 8, kernels up to 5": lambda c: (
        c.ndim == 3 and max(c.input_shape) <= 8 and max(c.kernel_shape) <= 5
    ),
    "kernels 6..9": lambda c: 6 <= max(c.kernel_shape) <= 9,
    "strides 5..8": lambda c: 5 <= max(c.stride) <= 8,
    "outputs over 2**17 elements": lambda c: c.batch * c.out_channels * math.prod(c.output_shape) > LARGE_OUTPUT,
    "fast paths: 3x3, 5x5 stride 1; 4x4 stride 2; 1x1": lambda c: (
        c.ndim == 2 and len({*c.kernel_shape}) == 1 and (c.kernel_shape[0], c.stride[0]) in FAST_PATHS
    ),
}


def test_every_region_has_a_claim() -> None:
    assert set(REGION_CLAIMS) == set(STRESS_REGIONS)


@pytest.mark.parametrize("region", STRESS_REGIONS)
def test_a_stress_region_draws_its_extreme_and_keeps_the_rest_within_the_stated_limits(region: str) -> None:
    """Each case of a region is labelled with it, reaches its extreme, and stays within every stated limit:
    batch <= 8, 64 channels per group, 128 output channels, 32 groups, sides <= 161, kernels <= 9, strides <= 8."""
    for config in first_draws(conv_transpose_configs(tier="stress", regions=(region,)), count=12):
        assert isinstance(config, ConvTransposeConfig) and config.region == region
        assert REGION_CLAIMS[region](config), config
        assert 1 <= config.batch <= 8 and config.in_channels // config.groups <= 64 and config.out_channels <= 128
        assert config.groups <= 32 and max(config.input_shape) <= 161 and max(config.kernel_shape) <= 9
        assert max(config.stride) <= 8 and all(o >= 1 for o in config.output_shape)


def test_the_stress_tier_runs_every_region_and_counts_it() -> None:
    """One run per region, so that each is drawn whatever hypothesis favours; the report counts them."""
    report = check_conv_transpose(ours, examples=22, seed=0, dtypes=("float32",), tiers=("stress",))
    assert report.examples == {"float32": 22}
    assert {region: report.coverage.get(region, 0) for region in STRESS_REGIONS} == dict.fromkeys(STRESS_REGIONS, 2)


def test_a_declaration_leaves_out_the_regions_it_excludes() -> None:
    """Without groups, the group regions are not drawn; with a fixed kernel, neither are the kernel and fast paths."""
    report = check_conv_transpose(
        ours, examples=11, seed=0, dtypes=("float32",), tiers=("stress",), without=["groups"], only={"kernel": 3}
    )
    left_out = {"groups 5..8", "depthwise (C_in = groups, up to 32)", "kernels 6..9"}
    assert not left_out & set(report.coverage) and not any(region.startswith("fast") for region in report.coverage)
    assert set(report.coverage) == set(STRESS_REGIONS) - left_out - {STRESS_REGIONS[-1]}


def _present(kind: str, a: np.ndarray) -> bool:
    """Whether ``a`` holds a value of ``kind`` (``cancelling`` is checked by its structure below)."""
    values = a.astype(np.float64)
    finfo = np.finfo(a.dtype)
    return bool(
        {
            "NaN": np.isnan(values).any(),
            "+inf": (values == np.inf).any(),
            "-inf": (values == -np.inf).any(),
            "+-0": (values == 0).any(),
            "subnormal": ((values != 0) & (np.abs(values) < finfo.tiny)).any(),
            "near overflow": (np.abs(values) >= 2.0 ** (finfo.maxexp // 2)).any(),
            "0 * inf": (values == 0).any() or np.isinf(values).any(),
        }[kind]
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_special_values_are_in_the_arrays_they_are_named_for(dtype: str) -> None:
    for case in first_draws(torch_cases(dtype=dtype, values="special", padding="symmetric"), count=60):
        assert case.special or case.x.size == 0, case  # an empty batch may have been the one array chosen
        for label in case.special:
            kind, _, name = label.partition(" in ")
            array = {"x": case.x, "weight": case.weight, "bias": case.bias}[name]
            assert array is not None and array.size
            if kind == "cancelling":  # x near a large power of two; weight taps in negated pairs, or a bias against it
                assert name != "x" or np.all(np.abs(case.x) > 2.0 ** (np.finfo(case.x.dtype).nmant // 2 - 1))
            else:
                assert _present(kind, array), (label, case)


def test_the_special_tier_puts_each_kind_in_x_weight_and_bias() -> None:
    report = check_conv_transpose(ours, examples=140, seed=0, dtypes=("float32",), tiers=("special",))
    expected = {f"{kind} in {name}" for kind in SPECIAL_KINDS for name in ("x", "weight", "bias")} - {"0 * inf in bias"}
    assert expected <= set(report.coverage), sorted(expected - set(report.coverage))


@pytest.mark.parametrize("method", [m for m in METHODS if m != "winograd"])  # winograd: 3-tap stride-1 kernels only
def test_our_methods_pass_the_special_tier(method: str) -> None:
    """NaN and infinities exactly where the definition puts them, finite values within the method's error model."""

    def impl(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
        return conv_transpose(x, weight, bias, method=method, **kwargs)

    check_conv_transpose(impl, examples=35, seed=0, tiers=("special",), algorithm=ERROR_MODELS[method])


# The blind spots the tiers close (a NaN-sanitising kernel, a tiled kernel that drops its last partial tile, and
# two dozen more) are the mutant zoo's claim: tests/test_mutants.py checks each is caught by its tier and passes
# the small tier alone.


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_check_impl_prints_the_coverage_and_quick_runs_the_small_tier() -> None:
    impl = ["check", "--impl", "transposed_conv:conv_transpose", "--in-process", "--seed", "0", "--dtype", "float32"]
    status, out, _ = run(*impl, "--examples", "11")
    assert status == 0, out
    assert "tiers small, stress, special" in out
    assert "stress regions (float32)" in out and "special values (float32)" in out
    lines = out.splitlines()
    assert "stress regions" in lines and "special values" in lines
    assert any(line.split()[:3] == ["batch", "3..8", "1"] for line in lines), out
    assert any(line.startswith("  NaN in ") for line in lines), out
    status, out, _ = run(*impl, "--quick")
    assert status == 0, out
    assert "25 cases per area, tiers small;" in out and "stress regions" not in out
