"""The strategies draw one case type, on a configuration that is a geometry."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import conv_transpose, frameworks
from transposed_conv.shapes import ConvTransposeGeometry
from transposed_conv.strategies import (
    CONVENTION_CASES,
    ConventionCase,
    ConvTransposeCase,
    ConvTransposeConfig,
    conv_transpose_cases,
    conv_transpose_configs,
    example_draws,
    onnx_cases,
    torch_cases,
)


def first_draws(strategy: st.SearchStrategy[Any], count: int = 20, seed_value: int = 0) -> list[Any]:
    """The first ``count`` values ``strategy`` generates under a fixed seed (generation only)."""
    return example_draws(strategy, count, seed_value)


def test_every_strategy_draws_the_one_case_type() -> None:
    """``ConventionCase`` is another name for ``ConvTransposeCase``; every convention's strategy draws it."""
    assert ConventionCase is ConvTransposeCase
    for strategy in (conv_transpose_cases(max_ndim=1), *(cases(max_ndim=1) for cases in CONVENTION_CASES.values())):
        case = first_draws(strategy, count=1)[0]
        assert isinstance(case, ConvTransposeCase)
        assert isinstance(case.config, ConvTransposeConfig)


def test_torch_cases_are_conv_transpose_cases_with_pytorchs_padding_form() -> None:
    """The same seed draws the same configuration and arrays; only ``kwargs`` differ: ``torch_cases`` passes
    symmetric padding as ints, in PyTorch's keyword order, ``conv_transpose_cases`` the configuration's pairs."""
    options: dict[str, Any] = {"max_ndim": 2, "layouts": True}
    ours, theirs = first_draws(conv_transpose_cases(**options)), first_draws(torch_cases(**options))
    for a, b in zip(ours, theirs, strict=True):
        assert a.config == b.config and a.convention == b.convention == "torch"
        for x, y in zip(a.arrays, b.arrays, strict=True):
            assert (x is None and y is None) or (np.array_equal(x, y) and x.strides == y.strides)
        assert a.kwargs == a.config.kwargs
        symmetric = all(begin == end for begin, end in a.config.padding)
        assert b.kwargs["padding"] == (tuple(p for p, _ in a.padding) if symmetric else a.padding)
        assert list(b.kwargs) == ["stride", "padding", "output_padding", "groups", "dilation"]
        assert repr(a) == repr(b) and repr(a).startswith("ConvTransposeCase(x: ")


@given(conv_transpose_configs(max_ndim=2))
def test_a_configuration_is_a_geometry_with_a_batch_and_a_bias(config: ConvTransposeConfig) -> None:
    """The configuration adds ``batch`` and ``bias`` to the geometry it is, and rebuilds from its integers."""
    assert isinstance(config, ConvTransposeGeometry)
    rebuilt = ConvTransposeConfig.build(
        config.input_shape,
        config.kernel_shape,
        stride=config.stride,
        padding=config.padding,
        output_padding=config.output_padding,
        dilation=config.dilation,
        groups=config.groups,
        in_channels=config.in_channels,
        out_channels=config.out_channels,
        batch=config.batch,
        bias=config.bias,
    )
    assert rebuilt == config
    assert config.x_shape == (config.batch, config.in_channels, *config.input_shape)
    assert frameworks.CONVENTIONS["torch"].arguments(config, batch=config.batch) is not None


def test_a_case_made_from_a_configuration_is_a_pytorch_call() -> None:
    """``ConvTransposeCase(config, x, weight, bias)``: PyTorch's convention, the configuration's kwargs."""
    config = ConvTransposeConfig.build((3,), (2,), stride=2, padding=[(0, 1)], batch=1, bias=True)
    x, weight, bias = np.ones(config.x_shape), np.ones(config.weight_shape), np.ones(1)
    case = ConvTransposeCase(config, x, weight, bias)
    assert case.convention == "torch" and case.args == (x, weight, bias) and case.kwargs == config.kwargs
    np.testing.assert_array_equal(case.expected(), conv_transpose(x, weight, bias, **config.kwargs))
    assert (case.stride, case.padding, case.output_shape, case.ndim) == ((2,), ((0, 1),), (5,), 1)
    assert repr(case) == (
        "ConvTransposeCase(x: float64 (1, 1, 3), weight: (1, 1, 2), bias: array of shape (1,), stride=(2,), "
        "padding=((0, 1),), output_padding=(0,), dilation=(1,), groups=1)"
    )


def test_other_conventions_show_only_the_shared_geometry() -> None:
    """Outside PyTorch's convention the configuration's padding is not the call's: it is not on the case."""
    case = first_draws(onnx_cases(max_ndim=1), count=1)[0]
    assert case.groups == case.config.groups and case.ndim == 1
    with pytest.raises(AttributeError, match="'ConvTransposeCase' object has no attribute 'padding'"):
        _ = case.padding
    assert repr(case).startswith("ConventionCase('onnx', X: ")
