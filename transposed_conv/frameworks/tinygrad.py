"""tinygrad: ``Tensor.conv_transpose2d``, which takes any number of spatial dimensions.

tinygrad's ``conv_transpose2d(weight, bias, groups, stride, dilation, padding, output_padding)``
takes PyTorch's layouts and arguments (the name says 2-D; the code works for any rank), so its
row runs in the ``'torch'`` convention with the arguments passed through.  Its CPU backend
compiles kernels with the machine's C compiler.  tinygrad is imported when the wrapper is
called, never when this module is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = ["CONVENTIONS", "IMPLEMENTATIONS", "PEERS", "SUPPORTS", "tinygrad_conv_transpose"]


def tinygrad_conv_transpose(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> np.ndarray:
    """``tinygrad.Tensor.conv_transpose2d`` on the CPU device, with exactly these arguments."""
    from tinygrad import Tensor

    y = Tensor(np.ascontiguousarray(x), device="CPU").conv_transpose2d(
        Tensor(np.ascontiguousarray(weight), device="CPU"),
        None if bias is None else Tensor(np.ascontiguousarray(bias), device="CPU"),
        groups=groups,
        stride=stride,
        dilation=dilation,
        padding=padding,
        output_padding=output_padding,
    )
    return np.asarray(y.numpy())


#: What ``Tensor.conv_transpose2d`` expresses: PyTorch's arguments.
SUPPORTS = Supports(
    lacks={
        "padding modes": "tinygrad's conv_transpose2d takes explicit padding only",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    }
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("tinygrad Tensor.conv_transpose2d", "tinygrad", "torch", tinygrad_conv_transpose, SUPPORTS),
)
PEERS = ()
