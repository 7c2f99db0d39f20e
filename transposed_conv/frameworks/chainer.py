"""Chainer: ``chainer.functions.deconvolution_nd``, PyTorch's layouts with ``outsize`` for the size.

Chainer's ``deconvolution_nd(x, W, b, stride, pad, outsize, dilate, groups)`` takes PyTorch's
layouts (``W`` as ``(C_in, C_out / groups, *k)``) and a symmetric ``pad``; it has no
``output_padding`` but an ``outsize``, which may exceed the size without it by less than the
stride.  The wrapper, in the ``'torch'`` convention, asks for ``outsize`` = the size with
``output_padding`` (``(i - 1) * s - 2 * p + d * (k - 1) + 1 + a``) when ``output_padding`` is
not zero.  Chainer is imported when the wrapper is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = ["CONVENTIONS", "IMPLEMENTATIONS", "PEERS", "SUPPORTS", "chainer_deconvolution"]


def chainer_deconvolution(
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
    """``chainer.functions.deconvolution_nd`` with ``outsize`` set from ``output_padding`` (when not 0)."""
    import chainer

    ndim = weight.ndim - 2

    def per_dimension(value: Any) -> tuple[int, ...]:
        return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * ndim

    s, p, a, d = (per_dimension(v) for v in (stride, padding, output_padding, dilation))
    sizes = [
        (i - 1) * si - 2 * pi + di * (k - 1) + 1 + ai
        for i, k, si, pi, ai, di in zip(x.shape[2:], weight.shape[2:], s, p, a, d)
    ]
    y = chainer.functions.deconvolution_nd(
        np.ascontiguousarray(x),
        np.ascontiguousarray(weight),
        None if bias is None else np.ascontiguousarray(bias),
        stride=s,
        pad=p,
        outsize=tuple(sizes) if any(a) else None,
        dilate=d,
        groups=groups,
    )
    return np.asarray(y.array)


SUPPORTS = Supports(
    fails={
        "large output_padding": "deconvolution_nd checks outsize against the forward convolution's size, "
        "(outsize + 2 * pad - d * (k - 1) - 1) // stride + 1 == input size, which an output_padding >= stride breaks "
        "(chainer's documented constraint on outsize)"
    },
    lacks={
        "padding modes": "deconvolution_nd takes explicit padding (and outsize) only",
        "asymmetric padding": "deconvolution_nd's pad is one int per dimension, cropped from both ends",
    },
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("chainer.functions.deconvolution_nd", "chainer", "torch", chainer_deconvolution, SUPPORTS),
)
PEERS = ()
