"""Index arithmetic shared by the algorithms: where each kernel tap reads or writes.

Pure integer functions of the geometry, kept apart from the array code.  In one
dimension, input position ``i`` and kernel tap ``j`` of a transposed convolution reach
output position ``o = i*stride + j*dilation - p_begin`` (``p_begin`` cropped from the front).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Phase", "clipped_tap", "crop_slices", "phases", "tap_slices", "taps"]


def taps(kernel_shape: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every kernel offset ``(j_1, ..., j_d)`` in C order."""
    return itertools.product(*(range(k) for k in kernel_shape))


def tap_slices(
    tap: tuple[int, ...], count: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[slice, ...]:
    """Positions ``j*dilation + stride*i`` for ``i = 0 .. count-1``: the tap's footprint in the padded grid."""
    return tuple(slice(j * d, j * d + (n - 1) * s + 1, s) for j, n, s, d in zip(tap, count, stride, dilation))


def crop_slices(padding: tuple[tuple[int, int], ...], size: tuple[int, ...]) -> tuple[slice, ...]:
    """The part of a padded grid that remains after removing ``padding``: ``[p_begin, p_begin + size)``."""
    return tuple(slice(pb, pb + n) for (pb, _), n in zip(padding, size))


def clipped_tap(
    tap: int, input_size: int, output_size: int, stride: int, dilation: int, pad_begin: int
) -> tuple[slice, slice] | None:
    """One dimension of tap ``j``: the inputs ``i`` whose ``o = i*stride + j*dilation - p_begin`` is in the output.

    Returns ``(inputs, outputs)`` as slices (the outputs ``stride`` apart), or ``None``
    when every position of the tap lands in the padding.

    >>> clipped_tap(0, 4, 8, stride=2, dilation=1, pad_begin=1)  # o = 2i - 1: i = 0 falls off the front
    (slice(1, 4, None), slice(1, 6, 2))
    >>> clipped_tap(3, 4, 8, stride=2, dilation=1, pad_begin=1)  # o = 2i + 2: i = 3 falls off the end
    (slice(0, 3, None), slice(2, 7, 2))
    """
    offset = tap * dilation - pad_begin
    first = max(0, -(offset // stride))  # smallest i with i*stride + offset >= 0
    last = min(input_size - 1, (output_size - 1 - offset) // stride)
    if first > last:
        return None
    return slice(first, last + 1), slice(first * stride + offset, last * stride + offset + 1, stride)


@dataclass(frozen=True)
class Phase:
    """The outputs ``o = residue + stride*q`` of one dimension, ``q = 0 .. count-1``, and the taps reaching them.

    Slot ``e`` of the phase is kernel tap ``taps[e]``, and it reads input position
    ``i = q + shift + e*step`` (``step`` is the same for every phase of a dimension).
    """

    residue: int
    count: int
    shift: int
    taps: tuple[int, ...]


def phases(kernel: int, stride: int, dilation: int, pad_begin: int, output_size: int) -> tuple[tuple[Phase, ...], int]:
    """The polyphase split of one dimension: the ``stride`` output phases, and the common slot ``step``.

    Output ``o = stride*q + r`` receives tap ``j`` from input ``i`` exactly when
    ``stride*(i - q) = r + p_begin - j*dilation``: only the taps with
    ``j*dilation = r + p_begin (mod stride)`` reach phase ``r``, each from input
    ``i = q + (r + p_begin - j*dilation) / stride``.  Those taps are ``stride / g`` apart
    (``g = gcd(stride, dilation)``), so their inputs are ``step = dilation / g`` apart.

    >>> ph, step = phases(4, 2, 1, 1, 8)  # the decoder's kernel 4, stride 2, padding 1
    >>> step, [(p.residue, p.count, p.shift, p.taps) for p in ph]
    (1, [(0, 4, -1, (3, 1)), (1, 4, 0, (2, 0))])
    """
    step = dilation // math.gcd(stride, dilation)
    result = []
    for r in range(stride):
        reaching = sorted((j for j in range(kernel) if (r + pad_begin - j * dilation) % stride == 0), reverse=True)
        shift = (r + pad_begin - reaching[0] * dilation) // stride if reaching else 0
        count = max(0, -(-(output_size - r) // stride))
        result.append(Phase(r, count, shift, tuple(reaching)))
    return tuple(result), step
