"""A zoo of deliberately broken transposed convolutions, each one a realistic bug.

Every mutant takes the ``"torch"`` calling convention of the conformance kit,
``impl(x, weight, bias, *, stride, padding, output_padding, groups, dilation)``, and
differs from a correct implementation by one bug of a kind seen in real trackers (ONNX
Runtime, TVM, OpenVINO, XNNPACK, onnx2tf, ONNX's reference evaluator, XLA) or that an
implementer easily writes.  Each lives in one tier of the kit (:data:`HABITATS`): the small
cases, the stress regions (tiled, blocked and specialised kernels) or the special values
(IEEE arithmetic); a few crash, hang, race or depend on earlier calls, and are run in worker
processes.

``python -m tests.mutants --kill-table`` runs the kit on every mutant with the default budget on
three seeds, checks that the stress and special-value mutants pass the small tier alone, and
writes the kill table of ``docs/conformance.md``; ``tests/test_mutants.py`` runs each mutant
once and checks that the table is what this module would write.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from transposed_conv import conv_transpose
from transposed_conv.methods._windows import clipped_taps
from transposed_conv.methods.zero_insertion import correlate_stride1, insert_zeros, pad_or_crop, transposed_kernel
from transposed_conv.shapes import ConvTransposeGeometry
from transposed_conv.testing import NonConformance, check_conv_transpose

Impl = Callable[..., Any]


def _per_dim(value: Any, ndim: int) -> tuple[int, ...]:
    return (int(value),) * ndim if isinstance(value, int) else tuple(int(v) for v in value)


def _pairs(padding: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    if isinstance(padding, int):
        return ((padding, padding),) * ndim
    return tuple((p, p) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in padding)


def _column(bias: np.ndarray, ndim: int) -> np.ndarray:
    return bias.reshape((-1,) + (1,) * ndim)


def correct(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
    """Not a mutant: our implementation, for the control group."""
    return conv_transpose(x, weight, bias, **kwargs)


def sums_in_a_random_order(x, weight, bias, *, stride, padding, output_padding, groups, dilation):  # type: ignore[no-untyped-def]
    """Not a mutant: the definition's products summed in an order drawn afresh at every call -- the kernel taps
    shuffled, the input channels shuffled within each tap's sum, the bias added first or last."""
    rng = np.random.default_rng()
    order = rng.permutation(x.shape[1] // groups)
    return _tap_by_tap(
        x,
        weight,
        bias,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
        tap_order=rng.permutation,
        channel_order=order,
        bias_first=bool(rng.integers(2)),
    )


def float64_then_rounded(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Not a mutant: computes float32 inputs in float64, then rounds the result to float32 (a wider accumulator)."""
    wide = (a if a is None else a.astype(np.float64) for a in (x, weight, bias))
    with np.errstate(over="ignore"):  # a float64 result beyond float32's range rounds to inf, as it must
        return conv_transpose(*wide, **kwargs).astype(x.dtype)


def our_fft(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Not a mutant: our FFT method (the convolution theorem), judged by the fft error model."""
    return conv_transpose(x, weight, bias, method="fft", **kwargs)


def our_winograd(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Not a mutant: our Winograd F(2, 3) / F(4, 3) method (stride-1 3-tap kernels, 1-D and 2-D), judged by the
    winograd error model."""
    return conv_transpose(x, weight, bias, method="winograd", **kwargs)


def pytorch_as_it_is(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Not a mutant: ``torch.nn.functional.conv_transpose{1,2,3}d`` called with the kit's arguments as they come."""
    import torch

    conv = getattr(torch.nn.functional, f"conv_transpose{x.ndim - 2}d")

    def tensor(a: np.ndarray | None) -> Any:
        return None if a is None else torch.from_numpy(np.ascontiguousarray(a))

    return conv(tensor(x), tensor(weight), tensor(bias), **kwargs).numpy()


#: The control group: correct implementations, each with the ``check --impl`` options that describe it (its error
#: model, the domain it computes).  The campaign checks each passes the default command-line run on every seed.
CONTROLS: dict[str, tuple[Impl, tuple[str, ...]]] = {
    "correct": (correct, ()),
    "sums_in_a_random_order": (sums_in_a_random_order, ()),
    "float64_then_rounded": (float64_then_rounded, ()),
    "our_fft": (our_fft, ("--algorithm", "fft")),
    "our_winograd": (
        our_winograd,
        ("--algorithm", "winograd", "--only", "kernel=3,stride=1,dilation=1", "--max-dims", "2"),
    ),
    "pytorch_as_it_is": (pytorch_as_it_is, ()),
}


# --- the kernel --------------------------------------------------------------------------------


def kernel_not_flipped(x, weight, bias, *, stride, padding, output_padding, groups, dilation):  # type: ignore[no-untyped-def]
    """Zero insertion + stride-1 convolution, but the kernel is not flipped (a correlation)."""
    ndim = weight.ndim - 2
    s, d, a, pairs = (
        _per_dim(stride, ndim),
        _per_dim(dilation, ndim),
        _per_dim(output_padding, ndim),
        _pairs(padding, ndim),
    )
    c_in, c_out_g = weight.shape[:2]
    w = weight.reshape(groups, c_in // groups, c_out_g, *weight.shape[2:]).swapaxes(1, 2)
    w = w.reshape(groups * c_out_g, c_in // groups, *weight.shape[2:])  # swapped, but not flipped
    full = [dd * (k - 1) for dd, k in zip(d, weight.shape[2:])]
    z = pad_or_crop(
        insert_zeros(x, s),
        tuple(f - pb for f, (pb, _) in zip(full, pairs)),
        tuple(f - pe + aa for f, (_, pe), aa in zip(full, pairs, a)),
    )
    y = correlate_stride1(z, w, d, groups)
    return y if bias is None else y + _column(bias, ndim)


def kernel_spatial_axes_transposed(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Reads a (kH, kW) kernel as (kW, kH): H and W swapped in the kernel (layout confusion)."""
    if weight.ndim >= 4 and weight.shape[-1] == weight.shape[-2]:
        weight = np.swapaxes(weight, -1, -2)
    return conv_transpose(x, weight, bias, **kwargs)


# --- padding and output size -------------------------------------------------------------------


def odd_padding_on_the_wrong_side(x, weight, bias, *, padding, **kwargs):  # type: ignore[no-untyped-def]
    """Asymmetric padding applied with begin and end swapped (the SAME_UPPER/SAME_LOWER bug)."""
    ndim = weight.ndim - 2
    swapped = tuple((pe, pb) for pb, pe in _pairs(padding, ndim))
    return conv_transpose(x, weight, bias, padding=swapped, **kwargs)


def end_padding_taken_from_begin(x, weight, bias, *, padding, **kwargs):  # type: ignore[no-untyped-def]
    """Only the begin padding is read; it is used for both sides."""
    ndim = weight.ndim - 2
    same = tuple((pb, pb) for pb, _ in _pairs(padding, ndim))
    return conv_transpose(x, weight, bias, padding=same, **kwargs)


def padding_clamped_to_full(x, weight, bias, *, padding, dilation, **kwargs):  # type: ignore[no-untyped-def]
    """Padding beyond dilation*(k - 1) clamped, as if one could not crop more than the full padding."""
    ndim = weight.ndim - 2
    d = _per_dim(dilation, ndim)
    limit = [dd * (k - 1) for dd, k in zip(d, weight.shape[2:])]
    clamped = tuple((min(pb, m), min(pe, m)) for (pb, pe), m in zip(_pairs(padding, ndim), limit))
    return conv_transpose(x, weight, bias, padding=clamped, dilation=dilation, **kwargs)


def output_padding_at_the_start(x, weight, bias, *, padding, output_padding, **kwargs):  # type: ignore[no-untyped-def]
    """The extra output_padding rows are added before the output instead of after it."""
    ndim = weight.ndim - 2
    a = _per_dim(output_padding, ndim)
    pairs = _pairs(padding, ndim)
    if all(pb >= aa for (pb, _), aa in zip(pairs, a)):
        shifted = tuple((pb - aa, pe + aa) for (pb, pe), aa in zip(pairs, a))
        return conv_transpose(x, weight, bias, padding=shifted, output_padding=a, **kwargs)
    return conv_transpose(x, weight, bias, padding=padding, output_padding=output_padding, **kwargs)


def output_padding_without_bias(x, weight, bias, *, output_padding, **kwargs):  # type: ignore[no-untyped-def]
    """The output_padding positions are left zero: the bias is not added there."""
    y = conv_transpose(x, weight, bias, output_padding=output_padding, **kwargs)
    ndim = weight.ndim - 2
    for axis, aa in enumerate(_per_dim(output_padding, ndim)):
        if aa and bias is not None:
            index = [slice(None)] * y.ndim
            index[2 + axis] = slice(y.shape[2 + axis] - aa, None)
            y[tuple(index)] -= _column(bias, ndim)
    return y


def output_padding_limited_to_stride(x, weight, bias, *, output_padding, stride, **kwargs):  # type: ignore[no-untyped-def]
    """Rejects output_padding >= stride even where the dilation allows it (ONNX Runtime's check)."""
    ndim = weight.ndim - 2
    if any(aa >= s for aa, s in zip(_per_dim(output_padding, ndim), _per_dim(stride, ndim))):
        raise ValueError("output_padding may be too large for stride")
    return conv_transpose(x, weight, bias, output_padding=output_padding, stride=stride, **kwargs)


# --- stride and dilation -----------------------------------------------------------------------


def dilation_ignored(x, weight, bias, *, dilation, output_padding, stride, **kwargs):  # type: ignore[no-untyped-def]
    """The dilation is silently dropped (output_padding kept valid for the undilated kernel)."""
    ndim = weight.ndim - 2
    a = tuple(min(aa, s - 1) for aa, s in zip(_per_dim(output_padding, ndim), _per_dim(stride, ndim)))
    return conv_transpose(x, weight, bias, stride=stride, output_padding=a, **kwargs)


def stride_and_dilation_confused(x, weight, bias, *, stride, dilation, **kwargs):  # type: ignore[no-untyped-def]
    """Stride and dilation swapped where an implementation passes them positionally."""
    return conv_transpose(x, weight, bias, stride=dilation, dilation=stride, **kwargs)


def per_dimension_arguments_reversed(x, weight, bias, *, stride, padding, output_padding, dilation, groups):  # type: ignore[no-untyped-def]
    """Per-dimension stride/dilation/output_padding read in reverse order (W, H instead of H, W)."""
    ndim = weight.ndim - 2
    s, d, a = _per_dim(stride, ndim)[::-1], _per_dim(dilation, ndim)[::-1], _per_dim(output_padding, ndim)[::-1]
    if any(aa >= max(ss, dd) for aa, ss, dd in zip(a, s, d)):
        a = tuple(0 for _ in a)
    return conv_transpose(x, weight, bias, stride=s, padding=padding, output_padding=a, dilation=d, groups=groups)


# --- groups and channels -----------------------------------------------------------------------


def groups_interleaved_instead_of_blocked(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """Output channel g*C/G + m computed as if it were m*G + g (group read against the wrong axis)."""
    y = conv_transpose(x, weight, bias, groups=groups, **kwargs)
    c_out = y.shape[1]
    order = np.arange(c_out).reshape(groups, c_out // groups).T.ravel()
    return y[:, order]


def groups_with_one_channel_per_group_only(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """Each group uses only the first of its input channels (correct with one channel per group only)."""
    c_in_g = x.shape[1] // groups
    keep = np.zeros(x.shape[1], dtype=bool)
    keep[::c_in_g] = True
    masked = np.where(keep.reshape((1, -1) + (1,) * (x.ndim - 2)), x, 0)
    return conv_transpose(masked, weight, bias, groups=groups, **kwargs)


def bias_per_group(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """The bias indexed by group, not by output channel (bias[g] added to every channel of group g)."""
    y = conv_transpose(x, weight, None, groups=groups, **kwargs)
    if bias is None:
        return y
    per_group = np.repeat(bias[:groups], y.shape[1] // groups) if len(bias) >= groups else bias
    return y + _column(per_group, y.ndim - 2)


def channel_remainder_dropped(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """A kernel blocked by 4 input channels drops the remainder when C_in/groups is not a multiple of 4."""
    c_in_g = x.shape[1] // groups
    kept = (c_in_g // 4) * 4
    if kept in (0, c_in_g):
        return conv_transpose(x, weight, bias, groups=groups, **kwargs)
    mask = np.tile(np.arange(c_in_g) < kept, groups).reshape((1, -1) + (1,) * (x.ndim - 2))
    return conv_transpose(np.where(mask, x, 0), weight, bias, groups=groups, **kwargs)


# --- bias, batch, sizes ------------------------------------------------------------------------


def bias_ignored(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """The bias argument is accepted and ignored."""
    return conv_transpose(x, weight, None, **kwargs)


def batch_uses_the_first_sample(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Every batch element gets the result of the first one (batch stride taken as 0)."""
    y = conv_transpose(x[:1], weight, bias, **kwargs)
    return np.repeat(y, x.shape[0], axis=0)


def empty_batch_crashes(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Stacks per-sample results: fails on an empty batch."""
    return np.stack([conv_transpose(sample, weight, bias, **kwargs) for sample in x])


def tile_edge_dropped(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """A tiled kernel (tiles of 16 input positions) loses the last position of every full tile."""
    lost = np.ones(x.shape[2:], dtype=bool)
    for axis, n in enumerate(x.shape[2:]):
        if n > 16:
            index = [slice(None)] * len(lost.shape)
            index[axis] = slice(15, n - 1, 16)
            lost[tuple(index)] = False
    return conv_transpose(np.where(lost, x, 0), weight, bias, **kwargs)


# --- numerics and memory -----------------------------------------------------------------------


def float64_computed_in_float32(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Silently computes in float32 and returns float64 (precision lowered)."""
    b = None if bias is None else bias.astype(np.float32)
    return conv_transpose(x.astype(np.float32), weight.astype(np.float32), b, **kwargs).astype(x.dtype)


def float32_accumulated_in_float16(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Accumulates in float16 (a half-precision kernel) and returns the input dtype."""
    b = None if bias is None else bias.astype(np.float16)
    return conv_transpose(x.astype(np.float16), weight.astype(np.float16), b, **kwargs).astype(x.dtype)


def result_in_float64_always(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Returns float64 whatever the input dtype."""
    return conv_transpose(x, weight, bias, **kwargs).astype(np.float64)


def input_zero_padded_in_place(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Clears the input's last position in place as scratch space (the caller's array is mutated)."""
    y = conv_transpose(x, weight, bias, **kwargs)
    if x.size:
        x[(Ellipsis, -1)] = 0
    return y


def memory_layout_assumed_c_order(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Reads the input's raw buffer as if it were C-contiguous (wrong for Fortran-ordered arrays)."""
    raw = np.frombuffer(x.tobytes(order="A"), dtype=x.dtype).reshape(x.shape)
    return conv_transpose(raw, weight, bias, **kwargs)


# --- the stress tier: what blocked, tiled and specialised kernels get wrong beyond the small cases ----------


def last_partial_tile_of_64_dropped(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Tiled by 64 input positions along the last axis: past one tile, the last partial tile is never computed."""
    side = x.shape[-1]
    if side > 64 and side % 64:
        x = x.copy()
        x[..., side // 64 * 64 :] = 0
    return conv_transpose(x, weight, bias, **kwargs)


def line_buffer_of_128(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """A line buffer of 128 positions: input beyond position 128 of the last axis is read as zeros."""
    if x.shape[-1] > 128:
        x = x.copy()
        x[..., 128:] = 0
    return conv_transpose(x, weight, bias, **kwargs)


def output_index_wraps_beyond_2_17(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """The flat output offset held in too narrow an integer (int32 past 2**31, simulated at 2**17): element i is
    written at i mod 2**17, so beyond 2**17 elements later ones overwrite the first and the rest stay zero."""
    y = np.asarray(conv_transpose(x, weight, bias, **kwargs))
    flat, wrap = y.reshape(-1), 2**17
    if flat.size <= wrap:
        return y
    written = np.zeros_like(flat)
    for start in range(0, flat.size, wrap):
        chunk = flat[start : start + wrap]
        written[: chunk.size] = chunk
    return written.reshape(y.shape)


def batch_remainder_after_blocks_of_4_dropped(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """The batch runs in blocks of 4; past the first block, the samples after the last full block are never
    computed (their output stays zero)."""
    y = conv_transpose(x, weight, bias, **kwargs)
    n = x.shape[0]
    if n > 4 and n % 4:
        y[n // 4 * 4 :] = 0
    return y


def depthwise_fast_path_assumes_multiplier_1(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """The depthwise fast path (one input channel per group, taken from 8 groups up) assumes a channel multiplier
    of 1: every output of a group gets the first one's weights."""
    if groups >= 8 and x.shape[1] == groups and weight.shape[1] > 1:
        weight = np.repeat(weight[:, :1], weight.shape[1], axis=1)
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


def groups_beyond_4_reuse_weights(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """The group loop is unrolled for up to 4 groups: group g >= 4 reads the weights of group g mod 4."""
    if groups > 4:
        per_group = weight.shape[0] // groups
        # (G, C_in/G, C_out/G, *k): group g takes group g % 4's block
        blocks = weight.reshape(groups, per_group, *weight.shape[1:])
        weight = blocks[np.arange(groups) % 4].reshape(weight.shape)
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


def input_channel_chunk_weights_not_advanced(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """Input channels are summed in chunks of 32; the weight pointer is not advanced between chunks, so with
    more than 32 channels per group the second chunk reads the first chunk's weights."""
    per_group = x.shape[1] // groups
    if per_group > 32:
        blocks = np.array(weight.reshape(groups, per_group, *weight.shape[1:]), copy=True)  # (G, C_in/G, ...)
        extra = per_group - 32
        blocks[:, 32:] = blocks[:, : min(extra, 32)] if extra <= 32 else blocks[:, :extra]
        weight = blocks.reshape(weight.shape)
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


def output_channel_chunk_bias_not_advanced(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Output channels are computed in chunks of 64; the bias offset is not advanced, so channel 64 + c gets
    bias[c]."""
    if bias is None or bias.shape[0] <= 64:
        return conv_transpose(x, weight, bias, **kwargs)
    index = np.arange(bias.shape[0])
    return conv_transpose(x, weight, bias[np.where(index >= 64, index - 64, index)], **kwargs)


def kernel_unrolled_to_8_taps(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """The tap loop is unrolled for kernels of up to 8: a ninth tap along any axis is dropped."""
    if max(weight.shape[2:]) > 8:
        weight = np.array(weight, copy=True)
        for axis in range(2, weight.ndim):
            index = [slice(None)] * weight.ndim
            index[axis] = slice(8, None)
            weight[tuple(index)] = 0
    return conv_transpose(x, weight, bias, **kwargs)


def strides_above_4_run_as_4(x, weight, bias, *, stride, output_padding, dilation, **kwargs):  # type: ignore[no-untyped-def]
    """The phase tables are sized for strides 1 to 4: a larger stride runs as stride 4."""
    ndim = weight.ndim - 2
    s, d = tuple(min(v, 4) for v in _per_dim(stride, ndim)), _per_dim(dilation, ndim)
    a = tuple(min(aa, max(ss, dd) - 1) for aa, ss, dd in zip(_per_dim(output_padding, ndim), s, d))
    return conv_transpose(x, weight, bias, stride=s, output_padding=a, dilation=dilation, **kwargs)


def phases_beyond_4_use_phase_minus_4(x, weight, bias, *, stride, padding, output_padding, **kwargs):  # type: ignore[no-untyped-def]
    """A polyphase kernel with sub-kernel tables for 4 phases: with a stride above 4, output phase p >= 4 is
    computed with sub-kernel p - 4."""
    ndim = weight.ndim - 2
    s, pairs = _per_dim(stride, ndim), _pairs(padding, ndim)
    y = conv_transpose(x, weight, bias, stride=s, padding=0, output_padding=output_padding, **kwargs)
    for axis, ss in enumerate(s):  # full output o = i*s + p: sub-kernel p - 4 on the same inputs is output o - 4
        if ss > 4:
            index = np.arange(y.shape[2 + axis])
            y = np.take(y, np.where(index % ss >= 4, index - 4, index), axis=2 + axis)
    crop = tuple(slice(begin, y.shape[2 + axis] - end) for axis, (begin, end) in enumerate(pairs))
    return np.ascontiguousarray(y[(slice(None), slice(None), *crop)])


def depth_stride_read_from_height(x, weight, bias, *, stride, output_padding, dilation, **kwargs):  # type: ignore[no-untyped-def]
    """3-D volumes of depth 5 and more go to a tiled path that reads the depth stride from the height's."""
    ndim = weight.ndim - 2
    s, d = _per_dim(stride, ndim), _per_dim(dilation, ndim)
    if ndim != 3 or x.shape[2] < 5:
        return conv_transpose(x, weight, bias, stride=s, output_padding=output_padding, dilation=d, **kwargs)
    s = (s[1], s[1], s[2])
    a = tuple(min(aa, max(ss, dd) - 1) for aa, ss, dd in zip(_per_dim(output_padding, ndim), s, d))
    return conv_transpose(x, weight, bias, stride=s, output_padding=a, dilation=d, **kwargs)


def _fast_path(weight: np.ndarray, stride: Any, dilation: Any, kernel: int, step: int) -> bool:
    """A 2-D kernel of ``kernel`` x ``kernel`` with stride ``step`` and no dilation: a fast path's domain."""
    return (
        weight.ndim == 4
        and weight.shape[2:] == (kernel, kernel)
        and _per_dim(stride, 2) == (step, step)
        and _per_dim(dilation, 2) == (1, 1)
    )


def pointwise_fast_path_ignores_bias(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """The pointwise path (a 2-D 1x1 kernel, from 256 input pixels up: one GEMM, then a scatter for the stride)
    forgets the bias."""
    if weight.shape[2:] == (1, 1) and math.prod(x.shape[2:]) >= 256:
        bias = None
    return conv_transpose(x, weight, bias, **kwargs)


def decoder_4x4_stride_2_phases_swapped(x, weight, bias, *, stride, dilation, **kwargs):  # type: ignore[no-untyped-def]
    """The 4x4 stride-2 upsampling fast path writes its two column phases the wrong way round (even outputs at
    odd positions and back)."""
    y = conv_transpose(x, weight, bias, stride=stride, dilation=dilation, **kwargs)
    if _fast_path(weight, stride, dilation, 4, 2):
        pairs = y.shape[-1] // 2 * 2
        even = y[..., 0:pairs:2].copy()
        y[..., 0:pairs:2] = y[..., 1:pairs:2]
        y[..., 1:pairs:2] = even
    return y


def winograd_odd_edge_dropped(x, weight, bias, *, stride, dilation, **kwargs):  # type: ignore[no-untyped-def]
    """The Winograd F(2x2, r x r) paths (3x3 and 5x5 kernels, stride 1) compute outputs in 2 x 2 tiles: an odd
    last row or column gets only the bias."""
    y = conv_transpose(x, weight, bias, stride=stride, dilation=dilation, **kwargs)
    if _fast_path(weight, stride, dilation, 3, 1) or _fast_path(weight, stride, dilation, 5, 1):
        edge = np.zeros(y.shape[2:], dtype=bool)
        edge[-1, :] |= y.shape[2] % 2 == 1
        edge[:, -1] |= y.shape[3] % 2 == 1
        y[..., edge] = 0 if bias is None else bias.reshape(-1, 1)
    return y


# --- the special-value tier: what kernels get wrong about IEEE arithmetic -------------------------------


def nan_inputs_become_zero(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Replaces NaN by 0 in its inputs before computing (a kernel that 'sanitises' its data)."""

    def clean(a: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(a), np.zeros((), a.dtype), a)

    return conv_transpose(clean(x), clean(weight), None if bias is None else clean(bias), **kwargs)


def inf_minus_inf_gives_zero(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Accumulates +inf and -inf products apart and cancels them: inf - inf gives 0 where it must give NaN (a NaN
    from a NaN input stays NaN)."""
    y = conv_transpose(x, weight, bias, **kwargs)
    nan_in = [np.isnan(a).astype(x.dtype) for a in (x, weight)]
    reached = conv_transpose(nan_in[0], np.ones_like(weight), None, **kwargs) + conv_transpose(
        np.ones_like(x), nan_in[1], None, **kwargs
    )
    if bias is not None:
        reached += _column(np.isnan(bias).astype(x.dtype), y.ndim - 2)
    y[np.isnan(y) & (reached == 0)] = 0
    return y


def zero_insertion_forms_0_times_inf(x, weight, bias, *, stride, padding, output_padding, groups, dilation):  # type: ignore[no-untyped-def]
    """Zero insertion and padding, then a stride-1 correlation with the flipped kernel, all products formed: the
    inserted and padded zeros times an infinite tap give NaN where the definition forms no such product."""
    ndim = weight.ndim - 2
    s, d, a, pairs = (
        _per_dim(stride, ndim),
        _per_dim(dilation, ndim),
        _per_dim(output_padding, ndim),
        _pairs(padding, ndim),
    )
    full = [dd * (k - 1) for dd, k in zip(d, weight.shape[2:])]
    z = pad_or_crop(
        insert_zeros(x, s),
        tuple(f - pb for f, (pb, _) in zip(full, pairs)),
        tuple(f - pe + aa for f, (_, pe), aa in zip(full, pairs, a)),
    )
    with np.errstate(invalid="ignore", over="ignore"):
        y = correlate_stride1(z, transposed_kernel(weight, groups), d, groups)
        return y if bias is None else y + _column(bias, ndim)


def _tap_by_tap(  # type: ignore[no-untyped-def]
    x,
    weight,
    bias,
    *,
    stride,
    padding,
    output_padding,
    groups,
    dilation,
    skip=None,
    tap_order=None,
    channel_order=None,
    bias_first=False,
):
    """A tap-by-tap scatter, as col2im does: for each kernel tap, the products with the input channels of each group,
    summed over the channels and added to one strided slice of the output.  ``skip(xs, ws, shape)`` drops the
    products it marks (``(N, C_in/G, C_out/G, *L) -> bool``); ``tap_order`` permutes the taps, ``channel_order`` the
    input channels of each group; the bias is added last, or first."""
    ndim = weight.ndim - 2
    c_in, c_out_g = weight.shape[:2]
    geometry = ConvTransposeGeometry.build(
        x.shape[2:],
        weight.shape[2:],
        stride=stride,
        padding=_pairs(padding, ndim),
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        in_channels=c_in,
        out_channels=c_out_g * groups,
    )
    g_in = c_in // groups
    order = np.arange(g_in) if channel_order is None else np.asarray(channel_order)
    y = np.zeros((x.shape[0], c_out_g * groups, *geometry.output_shape), dtype=x.dtype)
    taps = list(
        clipped_taps(
            geometry.kernel_shape,
            geometry.input_shape,
            geometry.output_shape,
            geometry.stride,
            geometry.dilation,
            geometry.padding,
        )
    )
    if tap_order is not None:
        taps = [taps[i] for i in tap_order(len(taps))]
    with np.errstate(invalid="ignore", over="ignore"):
        if bias is not None and bias_first:
            y += _column(bias, ndim)
        for tap, inputs, outputs in taps:
            for g in range(groups):
                channels = g * g_in + order
                xs = x[(slice(None), channels, *inputs)][:, :, None]  # (N, C_in/G, 1, *L')
                ws = weight[(channels, slice(None), *tap)]  # (C_in/G, C_out/G)
                ws = ws.reshape(ws.shape + (1,) * ndim)[None]  # (1, C_in/G, C_out/G, 1, ...)
                products = xs * ws  # (N, C_in/G, C_out/G, *L')
                if skip is not None:
                    products[skip(xs, ws, products.shape)] = 0
                y[(slice(None), slice(g * c_out_g, (g + 1) * c_out_g), *outputs)] += products.sum(axis=1)
        return y if bias is None or bias_first else y + _column(bias, ndim)


def zero_inputs_skipped(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Skips zero activations (a sparse fast path for inputs after a ReLU): a zero input times an infinite weight
    forms no NaN."""
    return _tap_by_tap(x, weight, bias, skip=lambda xs, ws, shape: np.broadcast_to(xs == 0, shape), **kwargs)


def pruned_weight_taps_skipped(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Skips zero weight taps (a fast path for pruned kernels): an infinite input times a zero tap forms no NaN."""
    return _tap_by_tap(x, weight, bias, skip=lambda xs, ws, shape: np.broadcast_to(ws == 0, shape), **kwargs)


def subnormal_inputs_flushed_to_zero(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Reads subnormal inputs as zero (denormals-are-zero, a CPU mode some kernels switch on for speed)."""

    def flush(a: np.ndarray) -> np.ndarray:
        tiny = np.finfo(a.dtype).tiny
        return np.where(np.abs(a) < tiny, np.zeros((), a.dtype), a)

    return conv_transpose(flush(x), flush(weight), None if bias is None else flush(bias), **kwargs)


def subnormal_results_flushed_to_zero(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Stores subnormal results as zero (flush-to-zero on the output)."""
    y = conv_transpose(x, weight, bias, **kwargs)
    y[np.abs(y) < np.finfo(y.dtype).tiny] = 0
    return y


def fixed_loss_scale_overflows(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """A loss scale of 2**16 left in the kernel: x * 2**16 in the input's precision, the result scaled back.
    Exact in binary, but it overflows where the definition does not."""
    scale = np.asarray(2.0**16, dtype=x.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        y = conv_transpose(x * scale, weight, None, **kwargs) / scale
        return y if bias is None else y + _column(bias, y.ndim - 2)


def power_of_two_scale_from_max_abs(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Scales x by a power of two from max|x| (a per-tensor scale, as for block floating point) and the result back:
    exact for finite data, but one infinity in x makes every output NaN, not only those the infinity reaches."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        top = float(np.max(np.abs(x))) if x.size else 1.0
        scale = np.asarray(2.0 ** math.frexp(top)[1] if math.isfinite(top) and top > 0 else top or 1.0, x.dtype)
        y = conv_transpose(x / scale, weight, None, **kwargs) * scale
        return y if bias is None else y + _column(bias, y.ndim - 2)


def saturating_store_clamps_inf(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Stores results with saturation, as int8 paths do: +-inf become the largest finite value."""
    y = conv_transpose(x, weight, bias, **kwargs)
    top = np.finfo(y.dtype).max
    return np.where(np.isinf(y), np.copysign(top, y), y).astype(y.dtype)


# --- crashes, hangs, nondeterminism, history: caught in worker processes (isolate=True) ----------------


def aborts_beyond_4_groups(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """Keeps a table of 4 group descriptors and aborts the process on a failed CHECK (as XLA does) with more
    groups.  Never call it in-process."""
    if groups > 4:
        os.abort()
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


def segfaults_beyond_stride_4(x, weight, bias, *, stride, **kwargs):  # type: ignore[no-untyped-def]
    """Indexes a table of pointers to 4 phase buffers past its end with a stride above 4: killed by SIGSEGV.  Never
    call it in-process."""
    if max(_per_dim(stride, weight.ndim - 2)) > 4:
        os.kill(os.getpid(), signal.SIGSEGV)
    return conv_transpose(x, weight, bias, stride=stride, **kwargs)


def deadlocks_beyond_4_groups(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    """Hands each group to one of 4 threads and, with more groups, waits for a fifth that never starts: never
    returns.  Check it with a short timeout."""
    if groups > 4:
        while True:
            time.sleep(3600)
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


_RACES = np.random.default_rng(13)


def racy_accumulation(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """A data race between threads: on each call one output element, chosen by the scheduling, gets a partial sum
    added twice (which element, and by how much, changes from call to call)."""
    y = conv_transpose(x, weight, bias, **kwargs)
    if y.size:
        where = np.unravel_index(_RACES.integers(y.size), y.shape)
        y[where] += y.dtype.type(_RACES.uniform(0.5, 1.5)) * (1 + abs(y[where]))
    return y


_PLANS: dict[tuple[Any, ...], np.ndarray] = {}


def plan_cache_keyed_by_shape(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Caches its prepared weights by shape and dtype, not by value: a later call with other weights of the same
    shape computes with the first ones (right in a fresh process, wrong after earlier calls)."""
    key = (weight.shape, weight.dtype.str)
    prepared = _PLANS.setdefault(key, np.array(weight, copy=True))
    return conv_transpose(x, prepared, bias, **kwargs)


_CALLS = [0]


def autotuner_switches_after_warmup(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """An autotuner times its algorithms on the first 20 calls, then keeps the fastest, which forgets the bias
    (right in a fresh process, wrong after earlier calls)."""
    _CALLS[0] += 1
    return conv_transpose(x, weight, None if _CALLS[0] > 20 else bias, **kwargs)


#: Every mutant, by name.
MUTANTS: dict[str, Impl] = {
    f.__name__: f
    for f in (
        kernel_not_flipped,
        kernel_spatial_axes_transposed,
        odd_padding_on_the_wrong_side,
        end_padding_taken_from_begin,
        padding_clamped_to_full,
        output_padding_at_the_start,
        output_padding_without_bias,
        output_padding_limited_to_stride,
        dilation_ignored,
        stride_and_dilation_confused,
        per_dimension_arguments_reversed,
        groups_interleaved_instead_of_blocked,
        groups_with_one_channel_per_group_only,
        bias_per_group,
        channel_remainder_dropped,
        bias_ignored,
        batch_uses_the_first_sample,
        empty_batch_crashes,
        tile_edge_dropped,
        float64_computed_in_float32,
        float32_accumulated_in_float16,
        result_in_float64_always,
        input_zero_padded_in_place,
        memory_layout_assumed_c_order,
        last_partial_tile_of_64_dropped,
        line_buffer_of_128,
        output_index_wraps_beyond_2_17,
        batch_remainder_after_blocks_of_4_dropped,
        depthwise_fast_path_assumes_multiplier_1,
        groups_beyond_4_reuse_weights,
        input_channel_chunk_weights_not_advanced,
        output_channel_chunk_bias_not_advanced,
        kernel_unrolled_to_8_taps,
        strides_above_4_run_as_4,
        phases_beyond_4_use_phase_minus_4,
        depth_stride_read_from_height,
        pointwise_fast_path_ignores_bias,
        decoder_4x4_stride_2_phases_swapped,
        winograd_odd_edge_dropped,
        nan_inputs_become_zero,
        inf_minus_inf_gives_zero,
        zero_insertion_forms_0_times_inf,
        zero_inputs_skipped,
        pruned_weight_taps_skipped,
        subnormal_inputs_flushed_to_zero,
        subnormal_results_flushed_to_zero,
        fixed_loss_scale_overflows,
        power_of_two_scale_from_max_abs,
        saturating_store_clamps_inf,
        aborts_beyond_4_groups,
        segfaults_beyond_stride_4,
        deadlocks_beyond_4_groups,
        racy_accumulation,
        plan_cache_keyed_by_shape,
        autotuner_switches_after_warmup,
    )
}


# --- where each mutant lives, and the kill table ----------------------------------------------------


@dataclass(frozen=True)
class Habitat:
    """Where a mutant lives: the tier of the kit that catches it, and how the kit must run it.

    ``extensions`` widens the torch convention's draw (a bug in what PyTorch's API cannot
    express); ``isolate`` runs it in worker processes (it crashes, hangs, or remembers earlier
    calls), ``timeout`` bounds one call there.
    """

    tier: str = "small"
    extensions: tuple[str, ...] = ()
    isolate: bool = False
    timeout: float = 120.0

    def options(self, tier: str | None = None) -> dict[str, Any]:
        """``check_conv_transpose``'s options for this habitat (in ``tier``, when given, instead of its own)."""
        return {
            "tiers": (tier or self.tier,),
            "extensions": list(self.extensions),
            "isolate": self.isolate,
            "timeout": self.timeout,
        }

    def label(self) -> str:
        """The kill table's tier column: the tier, then how it is run where that is not the default."""
        parts = [self.tier] + [f"with {extension}" for extension in self.extensions]
        if self.isolate:
            parts.append("isolated" + (f", timeout {self.timeout:g} s" if self.timeout != Habitat.timeout else ""))
        return ", ".join(parts)


_ASYMMETRIC = Habitat(extensions=("asymmetric padding",))
_STRESS, _SPECIAL = Habitat(tier="stress"), Habitat(tier="special")

#: The habitat of every mutant that does not live in the small tier, run in this process (the default).
HABITATS: dict[str, Habitat] = {
    "end_padding_taken_from_begin": _ASYMMETRIC,
    "odd_padding_on_the_wrong_side": _ASYMMETRIC,
    **dict.fromkeys(
        [
            "last_partial_tile_of_64_dropped",
            "line_buffer_of_128",
            "output_index_wraps_beyond_2_17",
            "batch_remainder_after_blocks_of_4_dropped",
            "depthwise_fast_path_assumes_multiplier_1",
            "groups_beyond_4_reuse_weights",
            "input_channel_chunk_weights_not_advanced",
            "output_channel_chunk_bias_not_advanced",
            "kernel_unrolled_to_8_taps",
            "strides_above_4_run_as_4",
            "phases_beyond_4_use_phase_minus_4",
            "depth_stride_read_from_height",
            "pointwise_fast_path_ignores_bias",
            "decoder_4x4_stride_2_phases_swapped",
            "winograd_odd_edge_dropped",
        ],
        _STRESS,
    ),
    **dict.fromkeys(
        [
            "nan_inputs_become_zero",
            "inf_minus_inf_gives_zero",
            "zero_insertion_forms_0_times_inf",
            "zero_inputs_skipped",
            "pruned_weight_taps_skipped",
            "subnormal_inputs_flushed_to_zero",
            "subnormal_results_flushed_to_zero",
            "fixed_loss_scale_overflows",
            "power_of_two_scale_from_max_abs",
            "saturating_store_clamps_inf",
        ],
        _SPECIAL,
    ),
    "aborts_beyond_4_groups": Habitat(tier="stress", isolate=True),
    "segfaults_beyond_stride_4": Habitat(tier="stress", isolate=True),
    "deadlocks_beyond_4_groups": Habitat(tier="stress", isolate=True, timeout=0.5),
    "plan_cache_keyed_by_shape": Habitat(isolate=True),
    "autotuner_switches_after_warmup": Habitat(isolate=True),
}


def habitat(name: str) -> Habitat:
    """Where mutant ``name`` lives (:data:`HABITATS`; the small tier, in-process, when not listed)."""
    if name not in MUTANTS:
        raise KeyError(f"no mutant named {name!r}")
    return HABITATS.get(name, Habitat())


#: The kill campaign: the kit's default budget, on these seeds.
EXAMPLES, SEEDS = 200, (0, 1, 2)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "conformance.md"
BEGIN = "<!-- kill table: written by `python -m tests.mutants --kill-table` from tests/mutants.py; do not edit -->"
END = "<!-- end of the kill table -->"
_HEADER = "| mutant | the bug | tier | caught as | verdict | seeds that caught it |\n|---|---|---|---|---|---|"
_ROW = re.compile(r"^\| `(\w+)` \| .* \| (`[\w-]+`(?:, `[\w-]+`)*) \| ([\w-]+(?:, [\w-]+)*) \| ([\d, ]*) \|$")


@dataclass(frozen=True)
class Kill:
    """What the campaign saw for one mutant: the problems and verdicts reported, and the seeds that caught it."""

    problems: tuple[str, ...]
    verdicts: tuple[str, ...]
    seeds: tuple[int, ...]


def bug(name: str) -> str:
    """The mutant's docstring on one line: the bug it has."""
    return " ".join((MUTANTS[name].__doc__ or "").split())


def kill_table(kills: dict[str, Kill]) -> str:
    """The kill table's Markdown, one row per mutant in name order, between its markers."""
    rows = [
        f"| `{name}` | {bug(name)} | {habitat(name).label()} | {', '.join(f'`{p}`' for p in kill.problems)} | "
        f"{', '.join(kill.verdicts)} | {', '.join(map(str, kill.seeds))} |"
        for name, kill in sorted(kills.items())
    ]
    return "\n".join([BEGIN, _HEADER, *rows, END])


def documented_kills(text: str | None = None) -> dict[str, Kill]:
    """The kills the table in ``docs/conformance.md`` (or ``text``) records, by mutant."""
    kills = {}
    for line in (DOCS.read_text() if text is None else text).splitlines():
        match = _ROW.match(line)
        if match:
            name, problems, verdicts, seeds = match.groups()
            kills[name] = Kill(
                tuple(p.strip("`") for p in problems.split(", ")),
                tuple(verdicts.split(", ")),
                tuple(int(s) for s in seeds.split(", ") if s),
            )
    return kills


def _between(begin: str, end: str, text: str | None) -> str:
    """The part of ``docs/conformance.md`` (or ``text``) from marker ``begin`` to marker ``end``, both included."""
    text = DOCS.read_text() if text is None else text
    return text[text.index(begin) : text.index(end) + len(end)]


def documented_table(text: str | None = None) -> str:
    """The kill table as ``docs/conformance.md`` (or ``text``) has it, markers included."""
    return _between(BEGIN, END, text)


def hunt(name: str, seed: int, examples: int = EXAMPLES, tier: str | None = None) -> NonConformance | None:
    """Run the kit on mutant ``name`` in its habitat (or ``tier``): the non-conformance it reports, or ``None``."""
    try:
        check_conv_transpose(MUTANTS[name], examples=examples, seed=seed, **habitat(name).options(tier))
    except NonConformance as failure:
        return failure
    return None


def campaign(
    names: Iterable[str] | None = None,
    seeds: Sequence[int] = SEEDS,
    examples: int = EXAMPLES,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, Kill], list[str]]:
    """Hunt every mutant on every seed, and check that those of the stress and special tiers pass the small tier.

    Returns the kills and the complaints: a mutant that survived a seed, or that the small tier
    alone catches although it is said to live elsewhere.
    """
    kills, complaints = {}, []
    for name in sorted(MUTANTS) if names is None else names:
        problems: dict[str, None] = {}
        verdicts: dict[str, None] = {}
        caught = []
        for seed in seeds:
            start = time.perf_counter()
            failure = hunt(name, seed, examples)
            if failure is None:
                complaints.append(f"{name} survived seed {seed}")
            else:
                problems[failure.problem] = verdicts[failure.verdict] = None
                caught.append(seed)
            note = "survived" if failure is None else f"{failure.problem} ({failure.verdict})"
            if habitat(name).tier != "small" and hunt(name, seed, examples, tier="small") is not None:
                complaints.append(f"{name} is caught by the small tier alone on seed {seed}")
                note += "; caught by the small tier too"
            log(f"{name} seed {seed}: {note} in {time.perf_counter() - start:.1f} s")
        kills[name] = Kill(tuple(problems), tuple(verdicts), tuple(caught))
    return kills, complaints


CONTROL_BEGIN = (
    "<!-- control table: written by `python -m tests.mutants --kill-table` from tests/mutants.py; do not edit -->"
)
CONTROL_END = "<!-- end of the control table -->"
_CONTROL_COLUMNS = "| implementation | what it is | `check --impl` options | seeds that passed | worst error / bound |"
_CONTROL_HEADER = _CONTROL_COLUMNS + "\n|---|---|---|---|---|"
_CONTROL_ROW = re.compile(r"^\| `(\w+)` \| .* \| ([\d, ]*) \| ([\d.]+|-) \|$")


def control_run(name: str, seed: int, extra: Sequence[str] = ()) -> tuple[int, float, str]:
    """The default ``transposed-conv check --impl tests.mutants:NAME`` run of control ``name`` on ``seed`` (in this
    process): its exit status, the worst error as a fraction of the bound over every area, and its output."""
    import io

    from transposed_conv.cli import main as cli

    out, err = io.StringIO(), io.StringIO()
    argv = ["check", "--impl", f"tests.mutants:{name}", "--seed", str(seed), "--in-process", *CONTROLS[name][1], *extra]
    status = cli(argv, out=out, err=err)
    worst = [float(m.group(1)) for m in re.finditer(r"^.+?\s+\d+\s+([\d.e+-]+)\s+pass$", out.getvalue(), re.M)]
    return status, max(worst, default=math.nan), out.getvalue() + err.getvalue()


def _summary(impl: Impl) -> str:
    """A control's docstring on one line, in Markdown: what it is."""
    return " ".join((impl.__doc__ or "").split()).removeprefix("Not a mutant: ").replace("``", "`")


def control_table(passes: dict[str, tuple[tuple[int, ...], float]]) -> str:
    """The control table's Markdown: each correct implementation, the seeds whose default run it passed, its worst."""
    rows = [
        f"| `{name}` | {_summary(CONTROLS[name][0])} | "
        f"{f'`{chr(32).join(CONTROLS[name][1])}`' if CONTROLS[name][1] else 'none'} | {', '.join(map(str, seeds))} | "
        f"{'-' if math.isnan(worst) else f'{worst:.3g}'} |"
        for name, (seeds, worst) in passes.items()
    ]
    return "\n".join([CONTROL_BEGIN, _CONTROL_HEADER, *rows, CONTROL_END])


def documented_controls(text: str | None = None) -> dict[str, tuple[tuple[int, ...], float]]:
    """What the control table of ``docs/conformance.md`` (or ``text``) records for each control: the seeds it passed
    on, and its worst error as a fraction of the bound."""
    found = {}
    for line in (DOCS.read_text() if text is None else text).splitlines():
        match = _CONTROL_ROW.match(line)
        if match:
            worst = math.nan if match.group(3) == "-" else float(match.group(3))
            found[match.group(1)] = (tuple(int(s) for s in match.group(2).split(", ") if s), worst)
    return found


def documented_control_table(text: str | None = None) -> str:
    """The control table as ``docs/conformance.md`` (or ``text``) has it, markers included."""
    return _between(CONTROL_BEGIN, CONTROL_END, text)


def control_campaign(
    seeds: Sequence[int] = SEEDS, log: Callable[[str], None] = print
) -> tuple[dict[str, tuple[tuple[int, ...], float]], list[str]]:
    """Every control through the default command-line run on every seed: the seeds each passed, and complaints."""
    passes, complaints = {}, []
    for name in CONTROLS:
        passed, worst = [], math.nan
        for seed in seeds:
            start = time.perf_counter()
            status, fraction, output = control_run(name, seed)
            if status == 0:
                passed.append(seed)
                worst = fraction if math.isnan(worst) else max(worst, fraction)
            else:
                complaints.append(f"control {name} failed the default run on seed {seed}:\n{output}")
            took = time.perf_counter() - start
            log(f"control {name} seed {seed}: exit {status}, worst {fraction:.3g} in {took:.1f} s")
        passes[name] = (tuple(passed), worst)
    return passes, complaints


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.mutants --kill-table``: run the campaign and the controls; rewrite both tables in the docs."""
    parser = argparse.ArgumentParser(prog="python -m tests.mutants", description=main.__doc__)
    parser.add_argument("--kill-table", action="store_true", help="rewrite the kill table of docs/conformance.md")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="seeds (default: %(default)s)")
    parser.add_argument("--examples", type=int, default=EXAMPLES, help="cases per tier (default: %(default)s)")
    parser.add_argument("names", nargs="*", help="mutants to hunt (default: all); the table is then printed")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(MUTANTS))
    if unknown:
        parser.error(f"no mutants named {unknown}")

    def log(line: str) -> None:
        print(line, flush=True)

    kills, complaints = campaign(args.names or None, args.seeds, args.examples, log)
    table = kill_table(kills)
    passes, failed = control_campaign(args.seeds, log) if not args.names else ({}, [])
    complaints += failed
    for complaint in complaints:
        print(f"error: {complaint}", file=sys.stderr)
    if args.kill_table and not args.names and not complaints:
        text = DOCS.read_text()
        text = text.replace(documented_table(text), table)
        DOCS.write_text(text.replace(documented_control_table(text), control_table(passes)))
        print(f"wrote the kill table of {len(kills)} mutants and the control table of {len(passes)} to {DOCS}")
    else:
        print(table)
        if passes:
            print(control_table(passes))
    return 1 if complaints else 0


if __name__ == "__main__":  # the mutants by their importable name, tests.mutants, which worker processes import
    from tests import mutants

    raise SystemExit(mutants.main())
