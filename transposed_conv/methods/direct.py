"""Transposed convolution by its literal definition: every input element scatters its kernel.

For input position ``i`` of channel ``c`` (in group ``g``), every kernel tap ``j`` adds
``x[n, c, i] * weight[c, m, j]`` to output channel ``g*C_out/G + m`` at position
``i*stride + j*dilation - p_begin``.  Positions that land in the padding are dropped --
each element writes only the taps that land inside the output
(:func:`~transposed_conv.methods._windows.clipped_input`), so memory is the output alone,
whatever the padding -- and ``output_padding`` only extends the end of the output.

This module loops over every input element on purpose: it is the ground truth the
other methods are checked against on small inputs, not a method for real sizes.  It
refuses inputs for which ``N * C_in * prod(L) * prod(k)`` -- input elements times kernel
taps -- exceeds :data:`MAX_WORK` (10**6, a few seconds of Python looping) with a
``ValueError`` that points to ``method="auto"``.
"""

from __future__ import annotations

import math

import numpy as np

from ..shapes import ConvTransposeGeometry
from ._windows import clipped_input

__all__ = ["MAX_WORK", "check_size", "conv_transpose"]

#: The most input elements times kernel taps, ``N * C_in * prod(L) * prod(k)``, that ``"direct"`` accepts.
MAX_WORK = 10**6


def check_size(batch: int, geometry: ConvTransposeGeometry) -> None:
    """Refuse, with a ``ValueError``, sizes whose Python loop would run for minutes."""
    work = batch * geometry.in_channels * math.prod(geometry.input_shape) * math.prod(geometry.kernel_shape)
    if work > MAX_WORK:
        raise ValueError(
            "method='direct' loops in Python over every input element and kernel tap; "
            f"N*C_in*prod(input)*prod(kernel) = {work} is above its limit of {MAX_WORK} "
            "(transposed_conv.methods.direct.MAX_WORK); use method='auto'"
        )


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """Scatter ``x[n, c, i] * weight[c, :, j]`` to ``i*stride + j*dilation - p_begin``, for taps inside the output."""
    n = x.shape[0]
    check_size(n, geometry)
    c_in_g = geometry.in_channels // geometry.groups
    c_out_g = geometry.out_channels // geometry.groups
    out = geometry.output_shape
    y = np.zeros((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O)
    for batch, channel, *position in np.ndindex(*x.shape):
        group = channel // c_in_g
        targets = slice(group * c_out_g, (group + 1) * c_out_g)
        reach = [
            clipped_input(i, k, o, s, d, pb)
            for i, k, o, s, d, (pb, _) in zip(
                position, geometry.kernel_shape, out, geometry.stride, geometry.dilation, geometry.padding
            )
        ]
        if any(pair is None for pair in reach):
            continue  # every tap of this element lands in the padding
        kernel = tuple(pair[0] for pair in reach if pair)
        footprint = tuple(pair[1] for pair in reach if pair)
        y[(batch, targets, *footprint)] += x[(batch, channel, *position)] * weight[(channel, slice(None), *kernel)]
    return y
