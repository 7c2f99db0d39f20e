"""TensorFlow and Keras: ``tf.nn.conv_transpose`` and ``keras.ops.conv_transpose``, computed with our core.

Keras sizes its output from ``padding`` and ``output_padding`` and then does what TensorFlow
does, so both live here: the data formats, TensorFlow's size rule (:func:`tf_size_range`,
:func:`tf_window_start`: the sizes the forward convolution maps back to the input, and where
the window starts), the channels-last moves and the kernel layout ``(*k, C_out, C_in)``;
:func:`tf_conv_transpose` and :func:`keras_conv_transpose` (the documented semantics, computed
with :func:`~transposed_conv.conv_transpose`); :func:`tf_arguments` and :func:`keras_arguments`
(our geometry as their arguments); the runners (TensorFlow and Keras imported when called); and
what each supports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._arguments import real_array
from .._normalize import as_choice, as_int_tuple, is_int
from ..shapes import conv_transpose_output_length, effective_kernel_length, spatial_arguments
from ._declarations import (
    NO_PADDING_MODES_IN_PYTORCH_CONVENTION,
    Convention,
    Geometry,
    Implementation,
    Inexpressible,
    Reading,
    Supports,
    exported_from,
)
from ._window import (
    add_bias,
    check_input_not_empty,
    checked_arrays,
    geometry_of_call,
    int_pairs,
    lower_choice,
)

__all__ = [
    "CONVENTIONS",
    "IMPLEMENTATIONS",
    "KERAS_DATA_FORMATS",
    "KERAS_PADDING_MODES",
    "KERAS_SUPPORTS",
    "PEERS",
    "SUPPORTS",
    "TF_DATA_FORMATS",
    "TF_PADDING_MODES",
    "import_tensorflow",
    "keras_arguments",
    "keras_conv_transpose",
    "keras_ops",
    "keras_output_size",
    "keras_reading",
    "tensorflow_conv_transpose",
    "tf_arguments",
    "tf_conv_transpose",
    "tf_nn",
    "tf_reading",
    "tf_size_range",
    "tf_window_start",
]

#: ``tf.nn.conv_transpose``'s ``data_format`` values by number of spatial dimensions; the first is the default.
TF_DATA_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}
#: ``tf.nn.conv_transpose``'s padding strings (explicit pairs are 2-D only).
TF_PADDING_MODES = ("SAME", "VALID")
#: ``keras.ops.conv_transpose``'s ``data_format`` values; ``None`` means Keras's default, ``"channels_last"``.
KERAS_DATA_FORMATS = ("channels_last", "channels_first")
#: ``keras.ops.conv_transpose``'s ``padding`` values, compared case-insensitively.
KERAS_PADDING_MODES = ("valid", "same")

TfPadding = str | tuple[int, int]


# ----------------------------------------------------------------------------------------------
# What TensorFlow and Keras share: the size rule, the window, the layouts
# ----------------------------------------------------------------------------------------------


def tf_size_range(i: int, k: int, s: int, d: int, padding: TfPadding) -> tuple[int, int]:
    """The output sizes TensorFlow accepts for an input of size ``i``: those whose forward convolution gives ``i``.

    ``padding`` is ``'SAME'``, ``'VALID'`` or the forward convolution's explicit ``(before,
    after)``; ``k`` and ``d`` are the kernel size and dilation.  With ``F = (i - 1)*s + d*(k - 1)
    + 1``, the full output (TensorFlow's "Notes on padding"):

    * ``'SAME'``: the forward convolution gives ``ceil(o / s)``, so ``(i - 1)*s < o <= i*s``;
    * ``'VALID'``: ``floor((o - k_eff) / s) + 1 = i``, so ``F <= o <= F + s - 1``;
    * explicit: ``floor((o + before + after - k_eff) / s) + 1 = i``, so ``F - before - after
      <= o <= F - before - after + s - 1``, and 0 fits where the padding alone covers the kernel.

    Examples
    --------
    >>> tf_size_range(3, 3, 2, 1, "SAME"), tf_size_range(3, 3, 2, 1, "VALID"), tf_size_range(3, 3, 2, 1, (1, 1))
    ((5, 6), (7, 8), (5, 6))
    """
    full = conv_transpose_output_length(i, k, s, 0, 0, 0, d)
    if isinstance(padding, str):
        return ((i - 1) * s + 1, i * s) if padding == "SAME" else (full, full + s - 1)  # SAME, VALID
    before, after = padding
    return max(full - before - after, 0), full - before - after + s - 1


def tf_window_start(o: int, i: int, k: int, s: int, d: int, padding: TfPadding) -> int:
    """Where TensorFlow's output of size ``o`` starts in the full output: the forward convolution's padding before.

    ``'SAME'`` pads ``max(F - o, 0)`` in total, the smaller half before; ``'VALID'`` pads nothing;
    explicit padding pads ``before``.

    Examples
    --------
    >>> tf_window_start(5, 3, 3, 2, 1, "SAME"), tf_window_start(8, 3, 3, 2, 1, "VALID")
    (1, 0)
    """
    if isinstance(padding, str):
        return max(conv_transpose_output_length(i, k, s, 0, 0, 0, d) - o, 0) // 2 if padding == "SAME" else 0
    return padding[0]


def keras_output_size(i: int, k: int, s: int, d: int, padding: str, output_padding: int | None) -> int:
    """``keras.ops.conv_transpose``'s output size for an input of size ``i`` (``padding`` ``'valid'`` or ``'same'``).

    With ``k_eff = d*(k - 1) + 1``: ``'valid'`` gives ``(i - 1)*s + k_eff + output_padding``, and
    ``output_padding=None`` means ``max(k_eff, s) - k_eff``; ``'same'`` gives ``i*s`` for ``None``,
    else ``(i - 1)*s + k_eff % 2 + output_padding`` (Keras's ``compute_conv_transpose_output_shape``).

    Examples
    --------
    >>> keras_output_size(3, 3, 2, 1, "valid", None), keras_output_size(3, 3, 2, 1, "same", None)
    (7, 6)
    >>> keras_output_size(1, 2, 2, 1, "same", 0)
    0
    """
    k_eff = effective_kernel_length(k, d)
    if padding == "valid":
        extra = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return conv_transpose_output_length(i, k, s, 0, 0, extra, d)
    return i * s if output_padding is None else (i - 1) * s + k_eff % 2 + output_padding


def _channels_first(x: np.ndarray, channels_first: bool) -> np.ndarray:
    """``(N, *spatial, C)`` or ``(N, C, *spatial)`` as ``(N, C, *spatial)``."""
    return x if channels_first else np.moveaxis(x, -1, 1)


def _reading(
    x: np.ndarray,
    kernel: np.ndarray,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    window: tuple[tuple[int, int], ...],
    channels_first: bool,
) -> Reading:
    """The reading of a TensorFlow or Keras call: ``x`` ``(N, C_in, *spatial)``, ``kernel`` ``(*k, C_out, C_in)``."""
    ndim = x.ndim - 2
    identity = tuple(range(ndim + 2))
    return Reading(
        batch=x.shape[0],
        in_channels=x.shape[1],
        out_channels=kernel.shape[-2],
        groups=1,
        input_shape=tuple(x.shape[2:]),
        kernel_shape=tuple(kernel.shape[:ndim]),
        stride=stride,
        dilation=dilation,
        window=window,
        x_axes=identity if channels_first else (0, ndim + 1, *range(1, ndim + 1)),  # (N, *spatial, C) -> (N, C, ...)
        weight_axes=(ndim + 1, ndim, *range(ndim)),  # (*k, C_out, C_in) -> (C_in, C_out, *k)
        weight_flipped=False,
        out_axes=identity if channels_first else (0, *range(2, ndim + 2), 1),  # (N, C, *spatial) -> (N, *spatial, C)
        bias=False,
    )


def _check_in_channels(
    x_given: np.ndarray, x: np.ndarray, kernel: np.ndarray, names: tuple[str, str, str], fmt: str
) -> None:
    """The kernel's last axis matches the input's channels; ``names`` are (input, kernel, kernel's first axes)."""
    x_name, k_name, k_axes = names
    if kernel.shape[-1] != x.shape[1]:
        whose = "the inputs'" if x_name.endswith("s") else "the input's"
        raise ValueError(
            f"{k_name} must have shape ({k_axes}, C_out, C_in) with C_in {whose} channels; "
            f"got {x_name}.shape={x_given.shape} ({fmt}, C_in={x.shape[1]}) and {k_name}.shape={kernel.shape}"
        )


# ----------------------------------------------------------------------------------------------
# TensorFlow
# ----------------------------------------------------------------------------------------------


def _tf_per_dimension(value: Any, name: str, ndim: int, channels_first: bool) -> tuple[int, ...]:
    """TensorFlow's ``strides``/``dilations``: an int, or 1, ``ndim`` or ``ndim + 2`` ints (batch and channel 1)."""
    if is_int(value):
        return as_int_tuple(value, name, ndim, minimum=1)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be an int or a sequence of 1, {ndim} or {ndim + 2} ints; got {value!r}")
    items = list(value)
    if len(items) == ndim + 2:
        outer = (items[0], items[1]) if channels_first else (items[0], items[-1])
        if any(not is_int(v) or v != 1 for v in outer):
            raise ValueError(f"{name} must be 1 in the batch and channel dimensions; got {name}={items!r}")
        items = items[2:] if channels_first else items[1:-1]
    elif len(items) == 1:
        items = items * ndim
    elif len(items) != ndim:
        counts = " or ".join(str(n) for n in sorted({1, ndim, ndim + 2}))
        raise ValueError(f"{name} must have {counts} entries; got {name}={items!r}")
    return as_int_tuple(items, name, ndim, minimum=1)


@exported_from("transposed_conv.conventions")
def tf_conv_transpose(
    input: ArrayLike,
    filters: ArrayLike,
    output_shape: Sequence[int],
    strides: int | Sequence[int],
    padding: str | Sequence[Sequence[int]] = "SAME",
    data_format: str | None = None,
    dilations: int | Sequence[int] | None = None,
) -> np.ndarray:
    """``tf.nn.conv_transpose``, computed with :func:`conv_transpose`.

    TensorFlow defines the transposed convolution as the gradient of the forward convolution
    that maps an ``output_shape`` array to one of the input's shape, so ``output_shape`` must be
    consistent with the input: checked here, with the valid range in the message.

    Parameters
    ----------
    input : array_like
        ``(N, *spatial, C_in)`` (default ``data_format``) or ``(N, C_in, *spatial)``.
    filters : array_like
        ``(*kernel, C_out, C_in)`` -- output channels *before* input channels.
    output_shape : sequence of int
        The full output shape, ``N``, ``C_out`` and the spatial sizes in ``data_format`` order;
        its length ``n + 2`` (3 to 5) sets the number of spatial dimensions.
    strides : int or sequence of int
        One value for all, ``n`` values, or ``n + 2`` values in ``data_format`` order with 1 for
        the batch and channel dimensions.
    padding : {'SAME', 'VALID'} or list of pairs
        The forward convolution's padding.  2-D only: ``n + 2`` explicit ``[before, after]``
        pairs in ``data_format`` order, ``[0, 0]`` for batch and channels, as
        ``tf.nn.conv2d_transpose`` takes them.
    data_format : str, optional
        ``'NWC'``/``'NCW'``, ``'NHWC'``/``'NCHW'`` or ``'NDHWC'``/``'NCDHW'``; default channels-last.
    dilations : int or sequence of int, optional
        As ``strides``; default 1.

    Returns
    -------
    numpy.ndarray
        Of shape ``output_shape`` (empty where it has a 0 that fits); dtype by the core's rules.

    Raises
    ------
    ValueError
        If ``output_shape`` does not fit the input (the forward convolution of an
        ``output_shape`` array would not give the input's size), or another argument is out of
        range.
    TypeError
        For a wrong type.

    Notes
    -----
    ``tf.nn.conv_transpose`` (https://www.tensorflow.org/api_docs/python/tf/nn/conv_transpose)
    dispatches on ``len(output_shape)`` to ``conv1d_transpose``, ``conv2d_transpose`` and
    ``conv3d_transpose``, whose documentation gives the filter layout ``[..., output_channels,
    in_channels]``; ``tf.nn.conv_transpose``'s own page says ``[in_channels, out_channels]``, which
    neither the per-rank pages nor the implementation follow (``docs/conventions.md``).  The
    padding is the forward convolution's (https://www.tensorflow.org/api_docs/python/tf/nn,
    "Notes on padding"): for an output of size ``o``,

    * ``'SAME'``: the forward convolution gives ``ceil(o / s)``, which must be the input size ``i``,
      so ``(i - 1)*s < o <= i*s``; it pads ``max((i - 1)*s + k_eff - o, 0)`` in total, the smaller
      half before, so the window starts at that half: the odd element is cropped at the end.
    * ``'VALID'``: ``floor((o - k_eff) / s) + 1 = i``, so ``(i - 1)*s + k_eff <= o <
      i*s + k_eff``; the window starts at 0, and sizes past the full output are zeros (PyTorch's
      ``output_padding = o - F``, but up to ``s - 1`` whatever the dilation).
    * explicit ``(before, after)``: ``floor((o + before + after - k_eff) / s) + 1 = i``; the window
      starts at ``before``.  This may hold for ``o = 0`` (the padding alone covers the kernel):
      then TensorFlow returns an empty output, and so do we.  ``'SAME'`` and ``'VALID'`` never fit
      ``o = 0`` (TensorFlow's float32 oneDNN kernels return an empty output nevertheless, a
      deviation in ``docs/conventions.md``), and no ``output_shape`` may be negative.

    Here ``k_eff = dilations*(k - 1) + 1``.  There is no bias and no ``groups``.  Integer inputs,
    which TensorFlow computes in their own integer type, give exact int64 here.

    Examples
    --------
    Stride 2, kernel ``[1, 10, 100]``: the full output of ``[1, 2, 3]`` is
    ``[1, 10, 102, 20, 203, 30, 300]``; ``'SAME'`` may produce 5 or 6 elements, cropping the
    odd one at the end:

    >>> import numpy as np
    >>> x = np.array([1, 2, 3]).reshape(1, 3, 1)        # NWC
    >>> f = np.array([1, 10, 100]).reshape(3, 1, 1)     # (width, out, in)
    >>> tf_conv_transpose(x, f, [1, 6, 1], 2).ravel().tolist()
    [1, 10, 102, 20, 203, 30]
    >>> tf_conv_transpose(x, f, [1, 5, 1], 2).ravel().tolist()
    [10, 102, 20, 203, 30]
    >>> tf_conv_transpose(x, f, [1, 8, 1], 2, "VALID").ravel().tolist()
    [1, 10, 102, 20, 203, 30, 300, 0]

    Explicit padding (2-D) that alone covers the kernel lets an empty size fit:

    >>> pads = [[0, 0], [1, 0], [0, 0], [0, 0]]
    >>> tf_conv_transpose(np.ones((1, 1, 3, 1)), np.ones((1, 1, 1, 1)), [1, 0, 3, 1], 1, pads).shape
    (1, 0, 3, 1)

    A size that does not fit is refused with the valid range:

    >>> tf_conv_transpose(x, f, [1, 7, 1], 2)
    Traceback (most recent call last):
    ...
    ValueError: output_shape must fit the input: ... sizes range from (5,) to (6,); got output_shape=(1, 7, 1)
    """
    reading = tf_reading(input, filters, output_shape, strides, padding, data_format, dilations)
    return reading.compute(np.asarray(input), np.asarray(filters), None)


def tf_reading(
    input: ArrayLike,
    filters: ArrayLike,
    output_shape: Sequence[int],
    strides: int | Sequence[int],
    padding: str | Sequence[Sequence[int]] = "SAME",
    data_format: str | None = None,
    dilations: int | Sequence[int] | None = None,
) -> Reading:
    """A ``tf.nn.conv_transpose`` call read as our window of the full output (:func:`tf_conv_transpose`'s rules).

    Only the arrays' shapes and dtypes enter.

    Examples
    --------
    >>> import numpy as np
    >>> reading = tf_reading(np.empty((1, 3, 1)), np.empty((3, 1, 1)), [1, 5, 1], 2)
    >>> reading.window, reading.x_axes, reading.weight_axes, reading.out_axes
    (((1, 6),), (0, 2, 1), (2, 1, 0), (0, 2, 1))
    """
    x_arr = real_array(input, "input")
    f_arr = real_array(filters, "filters")
    if isinstance(output_shape, np.ndarray) and output_shape.ndim == 1:
        output_shape = output_shape.tolist()
    if isinstance(output_shape, str) or not isinstance(output_shape, Sequence):
        raise TypeError(
            f"output_shape must be a sequence of ints (N, *spatial, C) or (N, C, *spatial); got {output_shape!r}"
        )
    ndim = len(output_shape) - 2
    if not 1 <= ndim <= 3:
        raise ValueError(
            "output_shape must have 3, 4 or 5 entries (1 to 3 spatial dimensions, plus N and C); "
            f"got output_shape={output_shape!r}"
        )
    shape = as_int_tuple(output_shape, "output_shape", ndim + 2, minimum=0)
    fmt = (
        TF_DATA_FORMATS[ndim][0]
        if data_format is None
        else as_choice(data_format, "data_format", TF_DATA_FORMATS[ndim])
    )
    channels_first = fmt.startswith("NC")
    layout = "(N, C, *spatial)" if channels_first else "(N, *spatial, C)"
    if x_arr.ndim != ndim + 2:
        raise ValueError(
            f"input must have shape {layout} with {ndim} spatial dimension(s), as output_shape has; "
            f"got input.shape={x_arr.shape} and output_shape={shape}"
        )
    if f_arr.ndim != ndim + 2 or any(size < 1 for size in f_arr.shape):
        raise ValueError(
            f"filters must have shape (*kernel, C_out, C_in) with {ndim} kernel dimension(s) and no empty axis; "
            f"got filters.shape={f_arr.shape}"
        )
    x = _channels_first(x_arr, channels_first)  # (N, C_in, *spatial)
    check_input_not_empty(x, "input", x_arr.shape)
    stride = _tf_per_dimension(strides, "strides", ndim, channels_first)
    dilation = (1,) * ndim if dilations is None else _tf_per_dimension(dilations, "dilations", ndim, channels_first)
    _check_in_channels(x_arr, x, f_arr, ("input", "filters", "*kernel"), fmt)
    batch, channels, sizes = (shape[0], shape[1], shape[2:]) if channels_first else (shape[0], shape[-1], shape[1:-1])
    if batch != x.shape[0] or channels != f_arr.shape[-2]:
        raise ValueError(
            f"output_shape must have the input's batch size {x.shape[0]} and the filters' C_out {f_arr.shape[-2]} "
            f"({fmt}); got output_shape={shape}"
        )
    pads = _tf_padding(padding, ndim, channels_first)
    kernel = tuple(f_arr.shape[:ndim])
    per_dimension = [pads if isinstance(pads, str) else pads[axis] for axis in range(ndim)]
    geometry = list(zip(x.shape[2:], kernel, stride, dilation, per_dimension))
    smallest, largest = zip(*(tf_size_range(i, k, s, d, pad) for i, k, s, d, pad in geometry))
    if any(not lo <= o <= hi for o, lo, hi in zip(sizes, smallest, largest)):
        none = any(lo > hi for lo, hi in zip(smallest, largest))
        raise ValueError(
            "output_shape must fit the input: the forward convolution of an output_shape array must give the "
            f"input's spatial size {tuple(x.shape[2:])}, so with kernel {kernel}, strides={stride}, "
            f"dilations={dilation} and padding={padding!r} valid spatial sizes range from {smallest} to {largest}"
            + (" (none where the padding alone is too large)" if none else "")
            + f"; got output_shape={shape}"
        )
    starts = [tf_window_start(o, *dimension) for o, dimension in zip(sizes, geometry)]
    window = tuple((start, start + o) for start, o in zip(starts, sizes))
    return _reading(x, f_arr, stride, dilation, window, channels_first)


def _tf_padding(padding: Any, ndim: int, channels_first: bool) -> str | tuple[tuple[int, int], ...]:
    """``'SAME'``, ``'VALID'``, or (2-D only) explicit pairs for the spatial dimensions."""
    if isinstance(padding, str):
        return as_choice(padding, "padding", TF_PADDING_MODES)
    if ndim != 2:
        raise ValueError(
            "padding must be 'SAME' or 'VALID'; TensorFlow takes explicit padding pairs in 2-D only "
            f"(tf.nn.conv2d_transpose); got padding={padding!r} with {ndim} spatial dimension(s)"
        )
    pairs = int_pairs(padding, "padding", ndim + 2)
    outer = (pairs[0], pairs[1]) if channels_first else (pairs[0], pairs[-1])
    if any(pair != (0, 0) for pair in outer):
        raise ValueError(f"padding must be [0, 0] for the batch and channel dimensions; got padding={padding!r}")
    spatial = pairs[2:] if channels_first else pairs[1:-1]
    if any(before < 0 or after < 0 for before, after in spatial):
        raise ValueError(f"padding must be >= 0 on every side; got padding={padding!r}")
    return spatial


# ----------------------------------------------------------------------------------------------
# Keras
# ----------------------------------------------------------------------------------------------


@exported_from("transposed_conv.conventions")
def keras_conv_transpose(
    inputs: ArrayLike,
    kernel: ArrayLike,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    output_padding: int | Sequence[int] | None = None,
    data_format: str | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> np.ndarray:
    """``keras.ops.conv_transpose`` (Keras 3), computed with :func:`conv_transpose`.

    Parameters
    ----------
    inputs : array_like
        ``(N, *spatial, C_in)`` for ``'channels_last'`` (the default), ``(N, C_in, *spatial)`` for
        ``'channels_first'``; 1 to 3 spatial dimensions.
    kernel : array_like
        ``(*kernel_size, C_out, C_in)``.
    strides, dilation_rate : int or sequence of int
        ``>= 1``; an int applies to every spatial dimension.
    padding : {'valid', 'same'}
        Case-insensitive, as Keras lower-cases it.
    output_padding : int or sequence of int, optional
        ``0 <= output_padding < strides``; ``None`` lets the padding mode choose the size.
    data_format : {'channels_last', 'channels_first'}, optional
        ``None`` means ``'channels_last'``, the default of ``keras.config.image_data_format()``.

    Returns
    -------
    numpy.ndarray
        Layout as ``inputs``; dtype by the core's rules.  Empty where Keras's size is 0.

    Raises
    ------
    ValueError, TypeError
        For an argument out of range or of the wrong type, naming it.

    Notes
    -----
    ``keras.ops.conv_transpose`` (https://keras.io/api/ops/nn/#conv_transpose-function; source
    ``keras/src/backend/common/backend_utils.py``, ``compute_conv_transpose_output_shape``) sizes
    the output from ``k_eff = dilation_rate*(k - 1) + 1``:

    * ``'valid'``: ``(i - 1)*s + k_eff + output_padding``; ``None`` means
      ``output_padding = max(k_eff, s) - k_eff``, i.e. ``(i - 1)*s + max(k_eff, s)``.  Nothing is
      cropped: the window starts at 0 and the extra positions are zeros.
    * ``'same'``: ``i*s`` for ``output_padding=None``, else ``(i - 1)*s + k_eff % 2 +
      output_padding``.  The full output ``F = (i - 1)*s + k_eff`` is cropped by
      ``max(F - o, 0) // 2`` at the start and the rest at the end (TensorFlow's ``SAME``).

    With the TensorFlow backend, ``padding='same'`` with an even ``k_eff`` and
    ``output_padding=0`` raises, though the documented rule (``output_padding < strides``)
    allows it (``docs/conventions.md``); we follow the documented rule.  With an input of size
    1 that size is 0: Keras returns an empty output (the TensorFlow backend in float64 raises),
    and so do we.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1, 2, 3]).reshape(1, 3, 1)         # channels_last
    >>> k = np.array([1, 10, 100]).reshape(3, 1, 1)      # (kernel, out, in)
    >>> keras_conv_transpose(x, k, strides=2).ravel().tolist()
    [1, 10, 102, 20, 203, 30, 300]
    >>> keras_conv_transpose(x, k, strides=2, padding="same").ravel().tolist()
    [1, 10, 102, 20, 203, 30]
    >>> keras_conv_transpose(x, k, strides=2, padding="same", output_padding=0).ravel().tolist()
    [10, 102, 20, 203, 30]

    ``'same'`` with ``output_padding=0``, an even kernel and one input element: an empty
    output, ``(i - 1)*strides + k_eff % 2 + output_padding = 0``:

    >>> keras_conv_transpose(np.ones((2, 1, 3)), np.ones((2, 4, 3)), 2, "same", 0).shape
    (2, 0, 4)
    """
    reading = keras_reading(inputs, kernel, strides, padding, output_padding, data_format, dilation_rate)
    return reading.compute(np.asarray(inputs), np.asarray(kernel), None)


def keras_reading(
    inputs: ArrayLike,
    kernel: ArrayLike,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    output_padding: int | Sequence[int] | None = None,
    data_format: str | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> Reading:
    """A ``keras.ops.conv_transpose`` call read as our window of the full output (:func:`keras_conv_transpose`'s
    rules).  Only the arrays' shapes and dtypes enter.

    Examples
    --------
    >>> import numpy as np
    >>> keras_reading(np.empty((1, 3, 1)), np.empty((3, 1, 1)), 2, "same", output_padding=0).window
    ((1, 6),)
    """
    x_arr, k_arr, ndim = checked_arrays(
        inputs,
        "inputs",
        kernel,
        "kernel",
        x_layout="(N, *spatial, C) or (N, C, *spatial)",
        weight_layout="(*kernel_size, C_out, C_in)",
    )
    if ndim > 3:
        raise ValueError(f"keras.ops.conv_transpose supports 1 to 3 spatial dimensions; got inputs.shape={x_arr.shape}")
    fmt = "channels_last" if data_format is None else lower_choice(data_format, "data_format", KERAS_DATA_FORMATS)
    mode = lower_choice(padding, "padding", KERAS_PADDING_MODES)
    stride, _, given_extra, dilation = spatial_arguments(
        ndim,
        stride=strides,
        dilation=dilation_rate,
        output_padding=0 if output_padding is None else output_padding,
        names={"stride": "strides", "dilation": "dilation_rate"},
    )
    extra = None if output_padding is None else given_extra
    if extra is not None and any(a >= s for a, s in zip(extra, stride)):
        raise ValueError(
            "output_padding must be smaller than strides in every dimension; "
            f"got output_padding={extra}, strides={stride}"
        )
    channels_first = fmt == "channels_first"
    x = _channels_first(x_arr, channels_first)  # (N, C_in, *spatial)
    check_input_not_empty(x, "inputs", x_arr.shape)
    _check_in_channels(x_arr, x, k_arr, ("inputs", "kernel", "*kernel_size"), fmt)
    window = []
    for axis, (i, k, s, d) in enumerate(zip(x.shape[2:], k_arr.shape[:ndim], stride, dilation)):
        o = keras_output_size(i, k, s, d, mode, None if extra is None else extra[axis])
        start = tf_window_start(o, i, k, s, d, mode.upper())  # 'same' crops as TensorFlow's 'SAME'
        window.append((start, start + o))  # o >= 0; 0 ('same', i = 1, even k_eff, output_padding 0): empty
    return _reading(x, k_arr, stride, dilation, tuple(window), channels_first)


# ----------------------------------------------------------------------------------------------
# Our geometry in their arguments
# ----------------------------------------------------------------------------------------------


def _channels_last_axes(ndim: int) -> dict[str, list[int]]:
    """The permutations that bring PyTorch's ``x`` and ``weight`` to ``(N, *spatial, C)`` and ``(*k, C_out, C_in)``."""
    return {"inputs": [0, *range(2, ndim + 2), 1], "kernel": [*range(2, ndim + 2), 1, 0]}


def _check_expressible(geometry: Geometry, name: str) -> None:
    """No groups, and ``output_padding < stride``: what both TensorFlow and Keras need."""
    if geometry.groups != 1:
        raise Inexpressible(f"{name} has no groups; got groups={geometry.groups}")
    if any(a >= s for a, s in zip(geometry.output_padding, geometry.stride)):
        raise Inexpressible(
            f"{name} reaches at most strides - 1 beyond the padded size (output_padding < strides); "
            f"got output_padding={geometry.output_padding}, stride={geometry.stride}"
        )


def tf_arguments(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """``tf.nn.conv_transpose`` arguments for our geometry with channels-last arrays.

    ``padding`` is ``'VALID'`` where there is none, else (2-D only: TensorFlow takes explicit
    pairs nowhere else) the pairs for all ``n + 2`` dimensions; ``output_shape`` is the output
    of ``batch`` examples, channels-last.  ``input_axes`` and ``filters_axes`` bring ``x`` and
    ``weight`` into TensorFlow's layouts (``np.transpose``).  Raises
    :class:`~transposed_conv.frameworks.Inexpressible` for groups, ``output_padding >= stride``,
    or padding outside 2-D.

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry(
    ...     input_shape=(4,), kernel_shape=(3,), stride=(2,), padding=((0, 0),), output_padding=(1,),
    ...     dilation=(1,), groups=1, in_channels=2, out_channels=3)
    >>> arguments = tf_arguments(geometry, batch=5)
    >>> arguments["output_shape"], arguments["padding"], arguments["filters_axes"]
    ([5, 10, 3], 'VALID', [2, 1, 0])
    """
    _check_expressible(geometry, "tf.nn.conv_transpose")
    ndim = geometry.ndim
    unpadded = all(p == (0, 0) for p in geometry.padding)
    if ndim != 2 and not unpadded:
        raise Inexpressible(
            f"tf.nn.conv_transpose takes explicit padding in 2-D only; got padding={geometry.padding} in {ndim}-D"
        )
    padding: Any = "VALID" if unpadded else [[0, 0], *[list(p) for p in geometry.padding], [0, 0]]
    axes = _channels_last_axes(ndim)
    return {
        "input_axes": axes["inputs"],
        "filters_axes": axes["kernel"],
        "output_shape": [batch, *geometry.output_shape, geometry.out_channels],
        "strides": list(geometry.stride),
        "padding": padding,
        "dilations": list(geometry.dilation),
        "bias": "added to the result (tf.nn.conv_transpose has none); the result is channels-last",
    }


def keras_arguments(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """``keras.ops.conv_transpose`` arguments for our geometry (channels-last), when ``'valid'`` expresses it.

    Keras's ``'valid'`` crops nothing and adds ``output_padding`` at the end, PyTorch's geometry
    without padding; ``'same'`` crops as TensorFlow's ``SAME``, which no PyTorch padding pins
    down in general.  Raises :class:`~transposed_conv.frameworks.Inexpressible` for groups,
    padding, or ``output_padding >= stride``.  ``batch`` does not enter.

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry(
    ...     input_shape=(4, 4), kernel_shape=(3, 3), stride=(2, 2), padding=((0, 0), (0, 0)), output_padding=(1, 0),
    ...     dilation=(1, 1), groups=1, in_channels=2, out_channels=3)
    >>> arguments = keras_arguments(geometry)
    >>> arguments["padding"], arguments["output_padding"], arguments["inputs_axes"]
    ('valid', [1, 0], [0, 2, 3, 1])
    """
    _check_expressible(geometry, "keras.ops.conv_transpose")
    if any(p != (0, 0) for p in geometry.padding):
        raise Inexpressible(
            "keras.ops.conv_transpose takes 'valid' or 'same' only, no explicit padding; "
            f"got padding={geometry.padding}"
        )
    axes = _channels_last_axes(geometry.ndim)
    return {
        "inputs_axes": axes["inputs"],
        "kernel_axes": axes["kernel"],
        "strides": list(geometry.stride),
        "padding": "valid",
        "output_padding": list(geometry.output_padding),
        "dilation_rate": list(geometry.dilation),
        "bias": "added to the result (keras.ops.conv_transpose has none); the result is channels-last",
    }


# ----------------------------------------------------------------------------------------------
# The runners
# ----------------------------------------------------------------------------------------------


def import_tensorflow() -> Any:
    """``import tensorflow``, with its start-up chatter off and the oneDNN kernels on (unless already set)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before the import: TensorFlow's start-up chatter
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # the float32 kernels that implement dilation and NCHW
    import tensorflow as tf

    return tf


def tf_nn(input: np.ndarray, filters: np.ndarray, output_shape: Any, strides: Any, **kwargs: Any) -> np.ndarray:
    """``tf.nn.conv_transpose`` on CPU."""
    return np.asarray(import_tensorflow().nn.conv_transpose(input, filters, output_shape, strides, **kwargs))


def keras_ops(inputs: np.ndarray, kernel: np.ndarray, **kwargs: Any) -> np.ndarray:
    """``keras.ops.conv_transpose`` on the backend Keras runs (TensorFlow here)."""
    import_tensorflow()
    import keras

    return np.asarray(keras.ops.convert_to_numpy(keras.ops.conv_transpose(inputs, kernel, **kwargs)))


def tensorflow_conv_transpose(
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
    """``tf.nn.conv_transpose`` with ``padding="VALID"``, channels-last, on CPU, then PyTorch's crop.

    TensorFlow's explicit padding exists only in 2-D, so the adapter asks for the geometry
    without padding (:func:`tf_arguments`: ``'VALID'``, ``output_shape`` the full size plus
    ``output_padding``) and removes PyTorch's padding from it.  TensorFlow's float64 CPU kernels
    support no dilation, and ``conv_transpose`` has no groups and no bias: the bias is added
    afterwards.
    """
    tf = import_tensorflow()
    geometry = geometry_of_call(
        x, weight, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation
    )
    unpadded = dataclasses.replace(geometry, padding=((0, 0),) * geometry.ndim)
    arguments = tf_arguments(unpadded, batch=x.shape[0])
    y = tf.nn.conv_transpose(
        tf.constant(np.ascontiguousarray(np.transpose(x, arguments["input_axes"]))),
        tf.constant(np.ascontiguousarray(np.transpose(weight, arguments["filters_axes"]))),
        output_shape=arguments["output_shape"],
        strides=arguments["strides"],
        padding=arguments["padding"],
        dilations=arguments["dilations"],
    )
    crop = tuple(slice(pb, f - pe) for (pb, pe), f in zip(geometry.padding, unpadded.output_shape))
    cropped = y.numpy()[(slice(None), *crop, slice(None))]  # (N, *o, C_out)
    return add_bias(np.moveaxis(cropped, -1, 1), bias).astype(x.dtype, copy=False)


# ----------------------------------------------------------------------------------------------
# What they support
# ----------------------------------------------------------------------------------------------

_NO_GROUPS = "{} has no groups"
_FITTING_OUTPUT = (
    "output_shape must be a size the forward convolution maps back to the input: at most strides - 1 beyond the "
    "size without it, so output_padding < strides"
)
_FLOAT64_DILATION = (
    "TensorFlow's float64 CPU kernels implement no dilation rates larger than 1 (limitation 4 of TensorFlow in "
    "docs/conventions.md)"
)

#: What ``tf.nn.conv_transpose`` can express.
SUPPORTS = Supports(
    lacks={"groups": _NO_GROUPS.format("tf.nn.conv_transpose"), "large output_padding": _FITTING_OUTPUT}
)
#: What ``keras.ops.conv_transpose`` can express.
KERAS_SUPPORTS = Supports(
    lacks={
        "groups": _NO_GROUPS.format("keras.ops.conv_transpose"),
        "large output_padding": "keras.ops.conv_transpose needs output_padding < strides",
        "asymmetric": "keras.ops.conv_transpose's padding is 'valid' or 'same' only, no explicit pairs",
    }
)

CONVENTIONS = (
    Convention(
        "tf",
        tf_conv_transpose,
        tf_arguments,
        SUPPORTS,
        draws={
            "plain": {"paddings": ("VALID",), "channels_first": False},
            "padding modes": {"channels_first": False},
            # channels-first needs TensorFlow's oneDNN path, which takes no explicit padding (a CPU-kernel limit)
            "asymmetric": {"channels_first": False},
        },
        pytorch_options=False,
    ),
    Convention(
        "keras",
        keras_conv_transpose,
        keras_arguments,
        KERAS_SUPPORTS,
        draws={"plain": {"paddings": ("valid",), "channels_first": False}, "padding modes": {"channels_first": False}},
        pytorch_options=False,
    ),
)
IMPLEMENTATIONS = (
    Implementation(
        "tf.nn.conv_transpose",
        "tensorflow",
        "tf",
        tf_nn,
        dataclasses.replace(SUPPORTS, fails={"dilation": _FLOAT64_DILATION}),
    ),
    Implementation("keras.ops.conv_transpose", "keras", "keras", keras_ops, KERAS_SUPPORTS),
)
PEERS = (
    Implementation(
        "tensorflow",
        "tensorflow",
        "torch",
        tensorflow_conv_transpose,
        Supports(
            lacks={
                "groups": _NO_GROUPS.format("tf.nn.conv_transpose"),
                "large output_padding": _FITTING_OUTPUT,
                "padding modes": NO_PADDING_MODES_IN_PYTORCH_CONVENTION,
            },
            fails={"dilation": _FLOAT64_DILATION},
        ),
    ),
)
