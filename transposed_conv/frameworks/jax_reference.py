"""JAX's NumPy reference: ``jax._src.lax_reference.conv_general_dilated`` with ``lhs_dilation``.

``lax_reference`` is the NumPy model of ``jax.lax`` that JAX's own tests compare against; it
has no ``conv_transpose``, but a transposed convolution is its ``conv_general_dilated`` with the
input dilated by the stride (``lhs_dilation``), the kernel flipped in space with its input and
output channels swapped, and the padding ``d * (k - 1) - p`` at the start and
``d * (k - 1) - p + output_padding`` at the end -- what ``jax.lax.conv_transpose`` does with
``transpose_kernel=True``.  The wrapper, in the ``'torch'`` convention, makes that call with
dimension numbers ``('NC...', 'OI...', 'NC...')`` and adds the bias; ``conv_general_dilated``
has no ``feature_group_count``.  JAX is imported when the wrapper is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = ["CONVENTIONS", "IMPLEMENTATIONS", "PEERS", "SUPPORTS", "lax_reference_conv_transpose"]


def lax_reference_conv_transpose(
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
    """``lax_reference.conv_general_dilated`` with ``lhs_dilation=stride`` and the flipped, swapped kernel."""
    from jax._src import lax_reference

    if groups != 1:
        raise NotImplementedError("lax_reference.conv_general_dilated has no feature_group_count")
    ndim = weight.ndim - 2

    def per_dimension(value: Any) -> tuple[int, ...]:
        return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * ndim

    s, p, a, d = (per_dimension(v) for v in (stride, padding, output_padding, dilation))
    pads = [(di * (k - 1) - pi, di * (k - 1) - pi + ai) for k, pi, ai, di in zip(weight.shape[2:], p, a, d)]
    # (C_in, C_out, *k) -> (C_out, C_in, *k), flipped in every spatial dimension
    kernel = np.flip(weight, axis=tuple(range(2, weight.ndim))).swapaxes(0, 1)
    letters = "HWD"[:ndim]
    dilated = lax_reference.conv_general_dilated(
        x, kernel, (1,) * ndim, pads, s, d, ("NC" + letters, "OI" + letters, "NC" + letters)
    )
    y: np.ndarray = np.asarray(dilated, dtype=x.dtype)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * ndim)
    return y


SUPPORTS = Supports(
    lacks={
        "groups": "lax_reference.conv_general_dilated has no feature_group_count",
        "padding modes": "called with PyTorch's arguments, explicit padding only",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    }
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation(
        "jax lax_reference.conv_general_dilated (lhs_dilation)", "jax", "torch", lax_reference_conv_transpose, SUPPORTS
    ),
)
PEERS = ()
