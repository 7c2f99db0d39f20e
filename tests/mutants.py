"""A zoo of deliberately broken transposed convolutions, each one a realistic bug.

Every mutant takes the ``"torch"`` calling convention of the conformance kit,
``impl(x, weight, bias, *, stride, padding, output_padding, groups, dilation)``, and
differs from a correct implementation by one bug of a kind seen in real trackers (ONNX
Runtime, TVM, OpenVINO, XNNPACK, onnx2tf, ONNX's reference evaluator) or that an
implementer easily writes.  ``tests/test_mutants.py`` proves that the kit reports every
one of them; ``docs/conformance.md`` shows the kill table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from transposed_conv import conv_transpose
from transposed_conv.methods.zero_insertion import correlate_stride1, insert_zeros, pad_or_crop

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
    )
}
