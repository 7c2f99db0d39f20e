"""Jittor: ``jittor.nn.conv_transpose`` (2-D) and ``conv_transpose3d``, called with PyTorch's arguments.

Jittor's functional transposed convolutions take PyTorch's layouts and argument names
(``input, weight, bias, stride, padding, output_padding, groups, dilation``); it has no 1-D one
(a 1-D call raises, which the report counts as refused).  Jittor compiles its operators with
the machine's C++ compiler at first import, and downloads oneDNN unless ``use_mkl=0`` is set
(``scripts/ecosystem.py`` sets it).  Jittor is imported when the wrapper is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = ["CONVENTIONS", "IMPLEMENTATIONS", "PEERS", "SUPPORTS", "jittor_conv_transpose"]


def jittor_conv_transpose(
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
    """``jittor.nn.conv_transpose`` (2-D) or ``jittor.nn.conv_transpose3d`` on the CPU."""
    import jittor

    jittor.flags.use_cuda = 0
    functions = {2: jittor.nn.conv_transpose, 3: jittor.nn.conv_transpose3d}
    if weight.ndim - 2 not in functions:
        raise NotImplementedError(f"jittor has no {weight.ndim - 2}-D transposed convolution")
    y = functions[weight.ndim - 2](
        jittor.array(np.ascontiguousarray(x)),
        jittor.array(np.ascontiguousarray(weight)),
        None if bias is None else jittor.array(np.ascontiguousarray(bias)),
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )
    return np.asarray(y.numpy())


SUPPORTS = Supports(
    lacks={
        "padding modes": "Jittor's conv_transpose takes explicit padding only",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    }
)

CONVENTIONS = ()
IMPLEMENTATIONS = (Implementation("jittor.nn.conv_transpose{,3d}", "jittor", "torch", jittor_conv_transpose, SUPPORTS),)
PEERS = ()
