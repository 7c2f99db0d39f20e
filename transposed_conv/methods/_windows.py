"""Index arithmetic shared by the algorithms: where each kernel tap reads or writes.

Pure integer functions of the geometry, kept apart from the array code.  In one
dimension, input position ``i`` and kernel tap ``j`` of a transposed convolution reach
output position ``o = i*stride + j*dilation - p_begin`` (``p_begin`` cropped from the front).
A convolution reads, for its output ``o``, the input ``o*stride + j*dilation - p_begin``:
the same relation with input and output exchanged.

Every function here costs ``O(kernel)`` or less, whatever the magnitude of stride,
dilation and padding: the algorithms clip each tap to the positions that really exist
instead of materialising padded or stretched grids.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Phase", "clipped_input", "clipped_tap", "clipped_taps", "phases", "tap_slices", "taps"]


def taps(kernel_shape: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every kernel offset ``(j_1, ..., j_d)`` in C order."""
    return itertools.product(*(range(k) for k in kernel_shape))


def tap_slices(
    tap: tuple[int, ...], count: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[slice, ...]:
    """Positions ``j*dilation + stride*i`` for ``i = 0 .. count-1``: the tap's footprint in the padded grid."""
    return tuple(slice(j * d, j * d + (n - 1) * s + 1, s) for j, n, s, d in zip(tap, count, stride, dilation))


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


def clipped_input(
    position: int, kernel: int, output_size: int, stride: int, dilation: int, pad_begin: int
) -> tuple[slice, slice] | None:
    """One dimension of input ``i``: the taps ``j`` whose ``o = i*stride + j*dilation - p_begin`` is in the output.

    Returns ``(taps, outputs)`` as slices (the outputs ``dilation`` apart), or ``None``
    when every tap lands in the padding: :func:`clipped_tap` with the roles of
    ``(tap, dilation)`` and ``(input, stride)`` exchanged.

    >>> clipped_input(0, 4, 8, stride=2, dilation=1, pad_begin=1)  # o = j - 1: j = 0 falls off the front
    (slice(1, 4, None), slice(0, 3, 1))
    >>> clipped_input(2, 3, 1, stride=2**31 - 1, dilation=2**14, pad_begin=2**32)  # no tap reaches o = 0
    """
    return clipped_tap(position, kernel, output_size, stride=dilation, dilation=stride, pad_begin=pad_begin)


def clipped_taps(
    kernel_shape: tuple[int, ...],
    input_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
) -> Iterator[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]]]:
    """``(tap, inputs, outputs)``, :func:`clipped_tap` in every dimension, for each tap reaching the output.

    For a transposed convolution, ``inputs`` are positions of ``x`` and ``outputs`` of
    the cropped output.  For a convolution, pass its output shape as ``input_shape`` and
    its input shape as ``output_shape``: the slices are then ``(outputs, inputs)``, the
    outputs whose window tap ``j`` reads inside the unpadded input.

    >>> for tap, inputs, outputs in clipped_taps((3,), (2,), (3,), (2,), (1,), ((1, 1),)):
    ...     print(tap, inputs[0], outputs[0])  # o = 2i + j - 1 for i in 0, 1
    (0,) slice(1, 2, None) slice(1, 2, 2)
    (1,) slice(0, 2, None) slice(0, 3, 2)
    (2,) slice(0, 1, None) slice(1, 2, 2)
    """
    for tap in taps(kernel_shape):
        per_dim = [
            clipped_tap(j, i, o, s, d, pb)
            for j, i, o, s, d, (pb, _) in zip(tap, input_shape, output_shape, stride, dilation, padding)
        ]
        if all(pair is not None for pair in per_dim):
            yield tap, tuple(p[0] for p in per_dim if p), tuple(p[1] for p in per_dim if p)


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


def phases(
    kernel: int, input_size: int, output_size: int, stride: int, dilation: int, pad_begin: int
) -> tuple[tuple[Phase, ...], int]:
    """The polyphase split of one dimension: the output phases that kernel taps reach, and the common slot ``step``.

    Output ``o = stride*q + r`` receives tap ``j`` from input ``i`` exactly when
    ``stride*(i - q) = r + p_begin - j*dilation``: tap ``j`` reaches only phase
    ``r = (j*dilation - p_begin) mod stride``, from input ``i = q + (r + p_begin - j*dilation) / stride``.
    The taps of a phase are ``stride / g`` apart (``g = gcd(stride, dilation)``), so their
    inputs are ``step = dilation / g`` apart.

    Only the taps that land inside the output from some input (:func:`clipped_tap`) are
    listed -- those of a phase are consecutive, and their inputs ``-count < i - q < input_size``
    -- so the work is ``O(kernel)``, never ``O(stride)``: the phases that receive no tap
    are left out (their outputs are zero).

    >>> ph, step = phases(4, 4, 8, stride=2, dilation=1, pad_begin=1)  # the decoder's kernel 4, stride 2, padding 1
    >>> step, [(p.residue, p.count, p.shift, p.taps) for p in ph]
    (1, [(0, 4, -1, (3, 1)), (1, 4, 0, (2, 0))])
    >>> phases(1, 1, 1, stride=2**31 - 1, dilation=1, pad_begin=0)  # one output: one phase of 2**31 - 1
    ((Phase(residue=0, count=1, shift=0, taps=(0,)),), 1)
    """
    step = dilation // math.gcd(stride, dilation)
    reaching: dict[int, list[int]] = {}
    for j in reversed(range(kernel)):  # the largest tap first: it reads the smallest input, slot 0
        if clipped_tap(j, input_size, output_size, stride, dilation, pad_begin) is not None:
            reaching.setdefault((j * dilation - pad_begin) % stride, []).append(j)
    result = []
    for r, reached in sorted(reaching.items()):
        shift = (r + pad_begin - reached[0] * dilation) // stride
        count = -(-(output_size - r) // stride)
        result.append(Phase(r, count, shift, tuple(reached)))
    return tuple(result), step
