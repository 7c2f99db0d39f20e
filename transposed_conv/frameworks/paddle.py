"""PaddlePaddle: ``paddle.nn.functional.conv{1,2,3}d_transpose``, called with PyTorch's arguments.

Paddle's functional transposed convolutions take PyTorch's layouts (``x`` as ``(N, C_in, *L)``,
``weight`` as ``(C_in, C_out / groups, *k)``) and PyTorch's ``stride``, ``padding``,
``output_padding``, ``dilation`` and ``groups`` with the same meaning, so its row of the report
runs in the ``'torch'`` convention and the wrapper passes the arguments through unchanged.
Paddle is imported when the wrapper is called, never when this module is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = ["CONVENTIONS", "IMPLEMENTATIONS", "PEERS", "SUPPORTS", "paddle_conv_transpose"]


def paddle_conv_transpose(
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
    """``paddle.nn.functional.conv{1,2,3}d_transpose`` on the CPU, with exactly these arguments."""
    import paddle

    paddle.set_device("cpu")
    function = getattr(paddle.nn.functional, f"conv{weight.ndim - 2}d_transpose")
    y = function(
        paddle.to_tensor(np.ascontiguousarray(x)),
        paddle.to_tensor(np.ascontiguousarray(weight)),
        None if bias is None else paddle.to_tensor(np.ascontiguousarray(bias)),
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )
    return np.asarray(y.numpy())


#: What Paddle's functional transposed convolutions express in PyTorch's convention (its padding strings
#: and ``output_size`` are beyond that convention).
SUPPORTS = Supports(
    lacks={
        "padding modes": "called with PyTorch's arguments; Paddle's 'SAME'/'VALID' and output_size are not drawn "
        "in that convention",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    }
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("paddle.nn.functional.conv{1,2,3}d_transpose", "paddle", "torch", paddle_conv_transpose, SUPPORTS),
)
PEERS = ()
