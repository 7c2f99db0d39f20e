"""Index arithmetic shared by the algorithms: where each kernel tap reads or writes."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

__all__ = ["crop_slices", "tap_slices", "taps"]


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
