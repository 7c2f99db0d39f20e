"""Flax: ``flax.linen.ConvTranspose``, with and without ``transpose_kernel``, in JAX's convention.

``linen.ConvTranspose(features, kernel_size, strides, padding, kernel_dilation,
transpose_kernel)`` calls ``jax.lax.conv_transpose`` with JAX's channels-last default layout
(``x`` as ``(N, *L, C)``, the kernel as ``(*k, I, O)``, or ``(*k, O, I)`` with
``transpose_kernel=True``), so its rows run in the ``'jax'`` convention: the wrappers bring a
case's arrays into that layout when it names other dimension numbers, set the kernel as the
module's parameter and apply it.  Each row runs one of Flax's two kernel orientations on every
case: a case drawn with the other orientation has its kernel flipped in space and its I and O
axes swapped, which is what ``transpose_kernel`` means in ``jax.lax.conv_transpose``.  Flax is
imported when a wrapper is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = [
    "CONVENTIONS",
    "IMPLEMENTATIONS",
    "PEERS",
    "SUPPORTS",
    "flax_conv_transpose",
    "flax_conv_transpose_transposed_kernel",
]


def flax_linen(
    lhs: np.ndarray,
    rhs: np.ndarray,
    strides: Any,
    padding: Any,
    rhs_dilation: Any = None,
    dimension_numbers: Any = None,
    transpose_kernel: bool = False,
    *,
    flax_transpose_kernel: bool,
) -> np.ndarray:
    """``flax.linen.ConvTranspose(..., transpose_kernel=flax_transpose_kernel)`` applied to ``lhs``.

    The other arguments are ``jax.lax.conv_transpose``'s; float64 under ``jax.enable_x64``.
    """
    import jax
    from flax import linen

    ndim = lhs.ndim - 2
    if dimension_numbers is None:  # JAX's default: channels-last, the kernel as (*k, I, O)
        lhs_spec, rhs_spec, out_spec = "N" + "HWD"[:ndim] + "C", "HWD"[:ndim] + "IO", "N" + "HWD"[:ndim] + "C"
    else:
        lhs_spec, rhs_spec, out_spec = (str(spec) for spec in dimension_numbers)
    spatial = [letter for letter in rhs_spec if letter not in "IO"]  # JAX orders spatial dimensions as rhs does
    x = np.transpose(lhs, [lhs_spec.index(c) for c in ["N", *spatial, "C"]])
    kernel = np.transpose(rhs, [rhs_spec.index(c) for c in [*spatial, "I", "O"]])
    if transpose_kernel != flax_transpose_kernel:  # the other orientation: flip in space, swap I and O
        kernel = np.flip(kernel, axis=tuple(range(ndim))).swapaxes(-1, -2)
    features = kernel.shape[-2] if flax_transpose_kernel else kernel.shape[-1]
    if not isinstance(padding, str):
        padding = [tuple(int(v) for v in pair) for pair in padding]
    with jax.enable_x64(lhs.dtype == np.float64):
        module = linen.ConvTranspose(
            features=features,
            kernel_size=kernel.shape[:ndim],
            strides=tuple(strides) if strides is not None else None,
            padding=padding,
            kernel_dilation=None if rhs_dilation is None else tuple(rhs_dilation),
            use_bias=False,
            transpose_kernel=flax_transpose_kernel,
            dtype=lhs.dtype,
            param_dtype=lhs.dtype,
        )
        y = np.asarray(module.apply({"params": {"kernel": np.ascontiguousarray(kernel)}}, np.ascontiguousarray(x)))
    # y is (N, *spatial, C): back into out_spec's order
    order = ["N", *spatial, "C"]
    return np.transpose(y, [order.index(c) for c in out_spec])


def flax_conv_transpose(lhs: np.ndarray, rhs: np.ndarray, strides: Any, padding: Any, **kwargs: Any) -> np.ndarray:
    """``flax.linen.ConvTranspose`` with ``transpose_kernel=False`` (Flax's default)."""
    return flax_linen(lhs, rhs, strides, padding, **kwargs, flax_transpose_kernel=False)


def flax_conv_transpose_transposed_kernel(
    lhs: np.ndarray, rhs: np.ndarray, strides: Any, padding: Any, **kwargs: Any
) -> np.ndarray:
    """``flax.linen.ConvTranspose`` with ``transpose_kernel=True`` (the gradient of ``linen.Conv``)."""
    return flax_linen(lhs, rhs, strides, padding, **kwargs, flax_transpose_kernel=True)


#: What ``linen.ConvTranspose`` expresses: ``jax.lax.conv_transpose``'s arguments.
SUPPORTS = Supports(
    lacks={
        "groups": "linen.ConvTranspose has no feature_group_count",
        "large output_padding": "linen.ConvTranspose has no output_padding: the padding of the zero-inserted input "
        "sets the size, as in jax.lax.conv_transpose",
    }
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("flax.linen.ConvTranspose", "flax", "jax", flax_conv_transpose, SUPPORTS),
    Implementation(
        "flax.linen.ConvTranspose(transpose_kernel=True)",
        "flax",
        "jax",
        flax_conv_transpose_transposed_kernel,
        SUPPORTS,
    ),
)
PEERS = ()
