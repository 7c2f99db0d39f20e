"""Framework-neutral helpers of the convention functions: the window of the full output, and array checks.

Every framework returns a *window* ``[start, stop)`` of the full transposed convolution in each
spatial dimension (``transposed_conv.conventions`` explains the picture);
:func:`window_of_full_output` computes it with :func:`~transposed_conv.conv_transpose`, wherever
the window lies.  The rest checks the arguments the frameworks share (arrays, explicit padding
pairs, bools, case-insensitive choices) and reads the PyTorch-convention arguments of a peer as
our geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._arguments import real_array, result_dtypes
from .._integers import as_int64
from .._normalize import as_choice, as_int, is_int
from ..shapes import ConvTransposeGeometry, full_output_shape
from ..transpose import conv_transpose

Window = tuple[tuple[int, int], ...]


def window_of_full_output(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
    window: Window,
) -> np.ndarray:
    """``full[..., start:stop]`` in every spatial dimension, zero (plus bias) where it lies outside ``[0, F)``.

    ``x`` is ``(N, C_in, *spatial)`` and ``weight`` ``(C_in, C_out/groups, *kernel)``, PyTorch's
    layout; ``window`` holds one ``(start, stop)`` per spatial dimension, in the coordinates of the
    full output, with ``stop >= start`` but otherwise any integers.  A window with ``stop == start``
    in some dimension gives an empty result, ``(N, C_out, *sizes)`` in the core's result dtype,
    without computing anything: the frameworks that return empty outputs (``docs/input-rules.md``).

    Examples
    --------
    The full output of ``[1, 2, 3]`` with the kernel ``[1, 10]`` is ``[1, 12, 23, 30]``; a window
    may reach past either end, where only the bias is:

    >>> import numpy as np
    >>> x, w = np.array([[[1, 2, 3]]]), np.array([[[1, 10]]])
    >>> window_of_full_output(x, w, np.array([5]), stride=(1,), dilation=(1,), groups=1, window=((-1, 5),)).tolist()
    [[[5, 6, 17, 28, 35, 5]]]
    """
    sizes = tuple(stop - start for start, stop in window)
    if 0 in sizes:
        dtype = result_dtypes(*(a for a in (x, weight, bias) if a is not None))[1]
        return np.empty((x.shape[0], weight.shape[1] * groups, *sizes), dtype=dtype)  # (N, C_out, *o)
    full = full_output_shape(x.shape[2:], weight.shape[2:], stride, dilation)
    # The core computes a non-empty window inside [0, F): the requested one clipped to it, or, when
    # the requested one misses the full output entirely, one element next to it (never copied).
    computed = []
    for (start, stop), f in zip(window, full):
        lo = min(max(start, 0), f - 1)
        computed.append((lo, max(min(stop, f), lo + 1)))
    y = conv_transpose(
        x,
        weight,
        bias,
        stride=stride,
        padding=[(lo, f - hi) for (lo, hi), f in zip(computed, full)],
        dilation=dilation,
        groups=groups,
    )
    if tuple(computed) == tuple(window):
        return y
    out = np.empty(y.shape[:2] + tuple(stop - start for start, stop in window), dtype=y.dtype)  # (N, C_out, *o)
    out[...] = bias_alone(x, weight, bias, len(window))
    target, source = [slice(None)] * 2, [slice(None)] * 2  # all of N and C_out
    for (start, stop), (lo, hi) in zip(window, computed):
        first, last = max(start, lo), min(stop, hi)
        if first >= last:  # the window misses the full output in this dimension: bias only
            return out
        target.append(slice(first - start, last - start))
        source.append(slice(first - lo, last - lo))
    out[tuple(target)] = y[tuple(source)]
    return out


def bias_alone(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, ndim: int) -> np.ndarray | int:
    """What the core gives at a position no product reaches: the bias, rounded as the core rounds it."""
    if bias is None:
        return 0
    compute, result = result_dtypes(x, weight, bias)
    alone = as_int64(bias, "bias") if compute.kind == "i" else bias.astype(compute).astype(result)
    return alone.reshape((-1,) + (1,) * ndim)  # (C_out, 1, ..., 1)


def checked_arrays(
    x: ArrayLike, x_name: str, weight: ArrayLike, weight_name: str, *, x_layout: str, weight_layout: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Both arrays as real NumPy arrays of one rank ``>= 3``, no empty kernel axis; and the number of spatial dims."""
    x_arr = real_array(x, x_name)
    w_arr = real_array(weight, weight_name)
    if w_arr.ndim < 3:
        raise ValueError(
            f"{weight_name} must have shape {weight_layout} with at least one spatial dimension; "
            f"got {weight_name}.shape={w_arr.shape}"
        )
    if x_arr.ndim != w_arr.ndim:
        raise ValueError(
            f"{x_name} must have shape {x_layout}, as many axes as {weight_name}; "
            f"got {x_name}.shape={x_arr.shape} and {weight_name}.shape={w_arr.shape}"
        )
    if any(size < 1 for size in w_arr.shape):
        raise ValueError(f"{weight_name} must have no empty axis; got {weight_name}.shape={w_arr.shape}")
    return x_arr, w_arr, w_arr.ndim - 2


def check_input_not_empty(x: np.ndarray, x_name: str, shape: tuple[int, ...]) -> None:
    """Every axis but the batch has at least one element; ``x`` is ``(N, C, *spatial)``, ``shape`` as given."""
    if any(size < 1 for size in x.shape[1:]):
        raise ValueError(
            f"{x_name} must have at least one channel and one element per spatial dimension; got {x_name}.shape={shape}"
        )


def int_pairs(value: Any, name: str, count: int) -> tuple[tuple[int, int], ...]:
    """``count`` pairs of ints of any sign (explicit padding)."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of {count} (low, high) pairs of ints; got {value!r}")
    items = list(value)
    if len(items) != count:
        raise ValueError(f"{name} must have {count} (low, high) pairs, one per dimension; got {name}={value!r}")
    pairs = []
    for item in items:
        if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 2:
            raise TypeError(f"{name} must be a sequence of {count} (low, high) pairs of ints; got {name}={value!r}")
        if not (is_int(item[0]) and is_int(item[1])):
            raise TypeError(f"{name} must contain only ints; got {name}={value!r}")
        pairs.append((int(item[0]), int(item[1])))
    return tuple(pairs)


def as_bool(value: Any, name: str) -> bool:
    """``value`` if it is a bool (Python's or NumPy's), else a ``TypeError`` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {value!r} of type {type(value).__name__}")
    return bool(value)


def lower_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """One of ``choices``, compared case-insensitively (as Keras compares them)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {list(choices)}; got {value!r}")
    return as_choice(value.lower(), name, choices)


def geometry_of_call(
    x: np.ndarray, weight: np.ndarray, *, stride: Any, padding: Any, output_padding: Any, groups: Any, dilation: Any
) -> ConvTransposeGeometry:
    """Our geometry for a call in PyTorch's convention, ``impl(x, weight, bias, **kwargs)``, every rule checked:
    what a peer's adapter maps to its framework.  ``x`` is ``(N, C_in, *spatial)``, ``weight``
    ``(C_in, C_out/groups, *kernel)``."""
    g = as_int(groups, "groups", minimum=1)
    return ConvTransposeGeometry.build(
        x.shape[2:],
        weight.shape[2:],
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=g,
        in_channels=x.shape[1],
        out_channels=weight.shape[1] * g,
        source="arrays",
    )


def add_bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """``y`` ``(N, C_out, *spatial)`` plus ``bias`` ``(C_out,)``, for the frameworks that take no bias."""
    if bias is None:
        return y
    result: np.ndarray = y + bias.reshape((-1,) + (1,) * (y.ndim - 2))
    return result
