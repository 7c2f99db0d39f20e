"""MindSpore: ``mindspore.nn.Conv{1,2,3}dTranspose`` on the CPU, built with ``pad_mode='pad'``.

MindSpore's transposed-convolution cells take PyTorch's weight layout ``(C_in, C_out / group,
*k)``, ``pad_mode='pad'`` with an explicit symmetric ``padding``, ``dilation``, ``group`` and
(for 2-D and 3-D) ``output_padding``; the wrapper, in the ``'torch'`` convention, builds the cell
with the given weight and bias and runs it in PyNative mode.  ``Conv1dTranspose`` has no
``output_padding``, and runs as a 2-D one with a height of 1: a 1-D call is made so, with
``Conv2dTranspose``.  MindSpore is imported when the wrapper is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = ["CONVENTIONS", "IMPLEMENTATIONS", "PEERS", "SUPPORTS", "mindspore_conv_transpose"]


def mindspore_conv_transpose(
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
    """A ``mindspore.nn.Conv{1,2,3}dTranspose`` cell with ``pad_mode='pad'``, this weight and bias, on the CPU."""
    import mindspore

    mindspore.set_context(mode=mindspore.PYNATIVE_MODE)
    mindspore.set_device("CPU")
    ndim = weight.ndim - 2

    def per_dimension(value: Any) -> tuple[int, ...]:
        return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * ndim

    s, p, a, d = (per_dimension(v) for v in (stride, padding, output_padding, dilation))
    one_d = ndim == 1
    if one_d:  # Conv1dTranspose has no output_padding: 1-D as 2-D with a height of 1, as Conv1dTranspose runs
        x, weight = x[:, :, None, :], weight[:, :, None, :]
        s, p, a, d, ndim = (1, *s), (0, *p), (0, *a), (1, *d), 2
    cell = getattr(mindspore.nn, f"Conv{ndim}dTranspose")(
        weight.shape[0],
        weight.shape[1] * groups,
        tuple(weight.shape[2:]),
        stride=s,
        pad_mode="pad",
        padding=tuple(v for v in p for _ in (0, 1)),  # (begin, end) per dimension
        output_padding=a,
        dilation=d,
        group=groups,
        has_bias=bias is not None,
        weight_init=mindspore.Tensor(np.ascontiguousarray(weight)),
        bias_init=None if bias is None else mindspore.Tensor(np.ascontiguousarray(bias)),
        dtype=mindspore.float64 if x.dtype == np.float64 else mindspore.float32,
    )
    y = np.asarray(cell(mindspore.Tensor(np.ascontiguousarray(x))).asnumpy())
    return y[:, :, 0, :] if one_d else y


SUPPORTS = Supports(
    fails={
        "float64": "MindSpore's Conv2DBackpropInput takes bfloat16, float16, float32, int32 and int8 tensors only on "
        "the CPU (it raises TypeError for float64)"
    },
    lacks={
        "padding modes": "called with PyTorch's arguments; MindSpore's pad_mode 'same'/'valid' are not drawn in "
        "that convention",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    },
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("mindspore.nn.Conv{1,2,3}dTranspose", "mindspore", "torch", mindspore_conv_transpose, SUPPORTS),
)
PEERS = ()
