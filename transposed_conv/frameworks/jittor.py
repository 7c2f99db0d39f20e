"""Jittor: ``jittor.nn.conv_transpose`` (2-D) and ``conv_transpose3d``, called with PyTorch's arguments.

Jittor's functional transposed convolutions take PyTorch's layouts and argument names
(``input, weight, bias, stride, padding, output_padding, groups, dilation``); it has no 1-D one,
so a 1-D call is made as a 2-D one with a height of 1.  Jittor compiles its operators with
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
    """``jittor.nn.conv_transpose`` (2-D, and 1-D with a height of 1) or ``jittor.nn.conv_transpose3d`` on the CPU."""
    import jittor

    jittor.flags.use_cuda = 0
    jittor.flags.auto_convert_64_to_32 = 0  # Jittor makes float64 arrays float32 unless told not to
    ndim = weight.ndim - 2

    def per_dimension(value: Any) -> tuple[int, ...]:
        return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * ndim

    one_d = ndim == 1
    if one_d:  # no 1-D one: 2-D with a height of 1
        x, weight = x[:, :, None, :], weight[:, :, None, :]
        stride, padding, output_padding, dilation = (
            (first, *per_dimension(value))
            for first, value in zip((1, 0, 0, 1), (stride, padding, output_padding, dilation))
        )
    functions = {4: jittor.nn.conv_transpose, 5: jittor.nn.conv_transpose3d}
    y = functions[weight.ndim](
        jittor.array(np.ascontiguousarray(x)),
        jittor.array(np.ascontiguousarray(weight)),
        None if bias is None else jittor.array(np.ascontiguousarray(bias)),
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )
    result = np.asarray(y.numpy())
    return result[:, :, 0, :] if one_d else result


SUPPORTS = Supports(
    fails={"groups": "Jittor's conv_transpose asserts groups == 1 ('Group conv not supported yet')"},
    lacks={
        "padding modes": "Jittor's conv_transpose takes explicit padding only",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    },
)

CONVENTIONS = ()
IMPLEMENTATIONS = (Implementation("jittor.nn.conv_transpose{,3d}", "jittor", "torch", jittor_conv_transpose, SUPPORTS),)
PEERS = ()
