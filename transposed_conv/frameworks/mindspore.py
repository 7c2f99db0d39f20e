"""MindSpore: ``mindspore.nn.Conv{1,2,3}dTranspose`` on the CPU, built with ``pad_mode='pad'``.

MindSpore's transposed-convolution cells take PyTorch's weight layout ``(C_in, C_out / group,
*k)``, ``pad_mode='pad'`` with an explicit symmetric ``padding``, ``dilation``, ``group`` and
(for 2-D and 3-D) ``output_padding``; the wrapper, in the ``'torch'`` convention, builds the cell
with the given weight and bias and runs it in PyNative mode.  ``Conv1dTranspose`` has no
``output_padding``: a 1-D call with one raises, which the report counts as refused.  MindSpore
is imported when the wrapper is called.
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
    dtype = mindspore.float64 if x.dtype == np.float64 else mindspore.float32
    options: dict[str, Any] = {}
    if any(a):
        if ndim == 1:
            raise NotImplementedError("mindspore.nn.Conv1dTranspose has no output_padding")
        options["output_padding"] = a if ndim > 1 else a[0]
    cell = getattr(mindspore.nn, f"Conv{ndim}dTranspose")(
        weight.shape[0],
        weight.shape[1] * groups,
        weight.shape[2:] if ndim > 1 else weight.shape[2],
        stride=s if ndim > 1 else s[0],
        pad_mode="pad",
        padding=(p if ndim == 2 else tuple(v for v in p for _ in (0, 1))) if ndim > 1 else p[0],
        dilation=d if ndim > 1 else d[0],
        group=groups,
        has_bias=bias is not None,
        weight_init=mindspore.Tensor(np.ascontiguousarray(weight)),
        bias_init=None if bias is None else mindspore.Tensor(np.ascontiguousarray(bias)),
        dtype=dtype,
        **options,
    )
    return np.asarray(cell(mindspore.Tensor(np.ascontiguousarray(x))).asnumpy())


SUPPORTS = Supports(
    lacks={
        "padding modes": "called with PyTorch's arguments; MindSpore's pad_mode 'same'/'valid' are not drawn in "
        "that convention",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    }
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("mindspore.nn.Conv{1,2,3}dTranspose", "mindspore", "torch", mindspore_conv_transpose, SUPPORTS),
)
PEERS = ()
