"""PyTorch CPU on NaN, infinities, signed zeros and subnormals: the same IEEE result as every method, and the oracle.

The definition's IEEE result (see tests/test_special_values.py) is what PyTorch returns:
NaN and infinities at the same positions, finite values up to rounding, and the oracle's
:func:`~transposed_conv.oracle.assert_close` accepts PyTorch's result in its own precision.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.frameworks.test_torch import torch_functional
from tests.test_special_values import assert_same_ieee_result, has_subnormals, special_cases, with_special_values
from transposed_conv import METHODS, conv, conv_transpose
from transposed_conv.oracle import assert_close
from transposed_conv.strategies import ConvTransposeCase
from transposed_conv.transpose import ERROR_MODELS

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
pytestmark = pytest.mark.torch


@given(special_cases(padding="symmetric"), st.sampled_from(["float64", "float32"]))
def test_every_method_matches_pytorch_on_special_values(case: ConvTransposeCase, dtype: str) -> None:
    """NaN and ±inf where PyTorch has them, finite values up to rounding, zero results +0 as in PyTorch."""
    torch.set_num_threads(1)
    x, w = case.x.astype(dtype), case.weight.astype(dtype)
    b = None if case.bias is None else case.bias.astype(dtype)
    theirs = torch_functional(ConvTransposeCase(case.config, x, w, b))
    # the methods that sum the products; fft and winograd are checked against the definition in test_special_values
    for method in (m for m in ["auto", *METHODS] if ERROR_MODELS.get(m, "summation") == "summation"):
        ours = conv_transpose(x, w, b, **case.kwargs, method=method)
        assert_same_ieee_result(ours, theirs, exact_zero_sign=not has_subnormals(case))
    assert_close(theirs, x, w, b, **case.kwargs, precision=dtype)


@given(special_cases(padding="symmetric"), st.integers(0, 2**32 - 1))
def test_conv_matches_pytorch_on_special_values(case: ConvTransposeCase, seed: int) -> None:
    """The forward ``conv`` zero-pads as PyTorch does: padded zeros are entries, so ``0 * inf`` is NaN there too."""
    torch.set_num_threads(1)
    shape = (case.batch, case.out_channels, *case.output_shape)  # conv maps this back to x's shape
    dy = with_special_values(np.random.default_rng(seed).integers(-4, 5, size=shape).astype(np.float64), seed, 0.15)
    assert dy is not None
    padding = tuple(begin for begin, _ in case.padding)
    theirs = getattr(torch.nn.functional, f"conv{case.ndim}d")(
        torch.from_numpy(dy),
        torch.from_numpy(case.weight),
        stride=case.stride,
        padding=padding,
        dilation=case.dilation,
        groups=case.groups,
    ).numpy()
    ours = conv(dy, case.weight, stride=case.stride, padding=padding, dilation=case.dilation, groups=case.groups)
    assert_same_ieee_result(ours, theirs, exact_zero_sign=False)
