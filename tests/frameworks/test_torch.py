"""Cross-check against PyTorch CPU: functional conv_transpose{1,2,3}d and nn.ConvTranspose*d(output_size=...)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from transposed_conv import conv_transpose, transposed_size_range
from transposed_conv.strategies import ConvTransposeCase, conv_transpose_cases

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

FUNCTIONAL = {1: "conv_transpose1d", 2: "conv_transpose2d", 3: "conv_transpose3d"}
MODULES = {1: "ConvTranspose1d", 2: "ConvTranspose2d", 3: "ConvTranspose3d"}


def torch_functional(case: ConvTransposeCase) -> np.ndarray:
    function = getattr(torch.nn.functional, FUNCTIONAL[case.ndim])
    padding = tuple(begin for begin, _ in case.padding)
    with torch.no_grad():
        y = function(
            torch.from_numpy(case.x),
            torch.from_numpy(case.weight),
            None if case.bias is None else torch.from_numpy(case.bias),
            stride=case.stride,
            padding=padding,
            output_padding=case.output_padding,
            groups=case.groups,
            dilation=case.dilation,
        )
    return y.numpy()


@given(conv_transpose_cases(values="integers", padding="symmetric"))
def test_torch_functional_is_exact_on_integer_values(case: ConvTransposeCase) -> None:
    """Small integers are exact in float64 whatever the order of summation: the results must be identical."""
    torch.set_num_threads(1)
    np.testing.assert_array_equal(torch_functional(case), conv_transpose(case.x, case.weight, case.bias, **case.kwargs))


@given(conv_transpose_cases(values="integers", padding="symmetric", min_ndim=1, max_ndim=3), st.data())
def test_torch_module_output_size_matches(case: ConvTransposeCase, data: st.DataObject) -> None:
    """nn.ConvTranspose*d(x, output_size=...) picks the same output_padding as ours.

    PyTorch's module accepts sizes up to ``stride - 1`` above the smallest; ours (like
    PyTorch's functional ``output_padding`` rule) up to ``max(stride, dilation) - 1``.
    Draw within PyTorch's range.
    """
    torch.set_num_threads(1)
    padding = tuple(begin for begin, _ in case.padding)
    smallest, _ = transposed_size_range(
        case.input_shape, case.kernel_shape, stride=case.stride, padding=case.padding, dilation=case.dilation
    )
    assume(all(lo + s - 1 >= 1 for lo, s in zip(smallest, case.stride)))
    wanted = tuple(data.draw(st.integers(max(lo, 1), lo + s - 1)) for lo, s in zip(smallest, case.stride))
    module = getattr(torch.nn, MODULES[case.ndim])(
        case.in_channels,
        case.out_channels,
        case.kernel_shape,
        stride=case.stride,
        padding=padding,
        groups=case.groups,
        dilation=case.dilation,
        bias=case.bias is not None,
        dtype=torch.float64,
    )
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(case.weight))
        if case.bias is not None:
            module.bias.copy_(torch.from_numpy(case.bias))
        y = module(torch.from_numpy(case.x), output_size=list(wanted)).numpy()
    ours = conv_transpose(
        case.x,
        case.weight,
        case.bias,
        stride=case.stride,
        padding=case.padding,
        dilation=case.dilation,
        groups=case.groups,
        output_size=wanted,
    )
    np.testing.assert_array_equal(y, ours)
