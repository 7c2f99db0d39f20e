"""TensorFlow Lite: the ``TRANSPOSE_CONV`` builtin operator, computed with our core, and a runner.

``TRANSPOSE_CONV`` (TensorFlow Lite's builtin operator 67) takes an ``output_shape`` tensor, the
filter in ``OHWI`` layout ``(C_out, k_h, k_w, C_in)``, the input in ``NHWC``, an optional bias,
a ``padding`` of ``SAME`` or ``VALID`` and two strides; it has no dilation, no groups and no
explicit padding (the converter refuses ``tf.nn.conv2d_transpose`` with explicit padding or
dilation as "neither a custom op nor a flex op").  It is 2-D; a 1-D call is a 2-D one with a
unit height, as ``tf.nn.conv1d_transpose`` converts.  Here: its constants, the padding rule of its
kernel (:func:`tflite_window_start`), :func:`tflite_conv_transpose` (the operator computed with
:func:`~transposed_conv.conv_transpose`), :func:`tflite_arguments` (our geometry in its terms, or
:class:`~transposed_conv.frameworks.Inexpressible`), and :func:`tflite_interpreter`, which converts
a one-operator model with TensorFlow's converter and runs it with ``tf.lite.Interpreter``.

The module is not in the registry: ``TRANSPOSE_CONV`` has no case strategy in the kit, and the
translation (:func:`transposed_conv.translate`) reads it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._arguments import real_array
from .._normalize import as_choice, as_int_tuple
from ..shapes import full_output_shape
from ._declarations import Geometry, Inexpressible, Reading, Supports
from ._window import check_input_not_empty

__all__ = [
    "SUPPORTS",
    "TFLITE_PADDING_MODES",
    "XNNPACK_CRASH",
    "tflite_arguments",
    "tflite_conv_transpose",
    "tflite_interpreter",
    "tflite_reading",
    "tflite_size_range",
    "tflite_window_start",
]

#: What the campaign of ``docs/translate.md`` found: TensorFlow Lite's default XNNPACK delegate crashes the process
#: (SIGSEGV) on this ``TRANSPOSE_CONV``, which the builtin kernels compute correctly (TensorFlow 2.21).
XNNPACK_CRASH = (
    "input (1, 1, 3, 3) NHWC, filter (2, 5, 2, 3) OHWI, output_shape [1, 1, 5, 2], strides [3, 2], padding SAME: "
    "a height of 1 whose SAME padding (2 before, 2 after) leaves one row of a 5-tap kernel"
)
#: ``TRANSPOSE_CONV``'s padding values.
TFLITE_PADDING_MODES = ("SAME", "VALID")

#: What ``TRANSPOSE_CONV`` cannot express, with the reasons.
SUPPORTS = Supports(
    lacks={
        "groups": "TensorFlow Lite's TRANSPOSE_CONV has no groups",
        "dilation": "TensorFlow Lite's TRANSPOSE_CONV has no dilation (the converter refuses dilations > 1)",
        "asymmetric padding": "TensorFlow Lite's TRANSPOSE_CONV takes SAME or VALID only, no explicit padding",
        "large output_padding": "TensorFlow Lite's TRANSPOSE_CONV takes output sizes up to strides - 1 beyond the "
        "full output (TensorFlow's size rule, which the converter checks)",
        "float64": "TensorFlow Lite's TRANSPOSE_CONV computes float32 (and quantized integers), no float64",
    }
)


def tflite_size_range(i: int, k: int, s: int, padding: str) -> tuple[int, int]:
    """The output sizes ``TRANSPOSE_CONV`` takes for an input of size ``i``: those the forward convolution maps to it.

    The converter checks TensorFlow's rule: ``SAME`` gives ``ceil(o / s) = i``, ``VALID`` gives
    ``floor((o - k) / s) + 1 = i``.

    Examples
    --------
    >>> tflite_size_range(3, 3, 2, "SAME"), tflite_size_range(3, 3, 2, "VALID")
    ((5, 6), (7, 8))
    """
    if padding == "SAME":
        return (i - 1) * s + 1, i * s
    full = (i - 1) * s + k
    return full, full + s - 1


def tflite_window_start(o: int, k: int, s: int, padding: str) -> int:
    """Where ``TRANSPOSE_CONV``'s output of size ``o`` starts in the full output: its padding before.

    TensorFlow Lite's kernel computes the padding from ``output_shape`` alone
    (``ComputePaddingHeightWidth`` in ``tensorflow/lite/kernels/padding.h``): the forward
    convolution's output ``n = ceil(o / s)`` for ``SAME``, its total padding ``max((n - 1)*s + k
    - o, 0)``, of which the smaller half comes before; ``VALID`` pads nothing.

    Examples
    --------
    >>> [tflite_window_start(o, k, 2, mode) for o, k, mode in [(5, 3, "SAME"), (6, 4, "SAME"), (8, 3, "VALID")]]
    [1, 1, 0]
    """
    if padding == "VALID":
        return 0
    n = -(-o // s)
    return max((n - 1) * s + k - o, 0) // 2


def tflite_reading(
    input: ArrayLike,
    filter: ArrayLike,
    output_shape: Sequence[int],
    strides: Sequence[int],
    padding: str = "SAME",
    bias: ArrayLike | None = None,
) -> Reading:
    """A ``TRANSPOSE_CONV`` call read as our window of the full output (:func:`tflite_conv_transpose`'s rules).

    Only the arrays' shapes and dtypes enter.

    Examples
    --------
    >>> import numpy as np
    >>> reading = tflite_reading(np.empty((1, 4, 4, 2)), np.empty((3, 4, 4, 2)), [1, 8, 8, 3], [2, 2])
    >>> reading.window, reading.weight_axes, reading.x_axes
    (((1, 9), (1, 9)), (3, 0, 1, 2), (0, 3, 1, 2))
    """
    x = real_array(input, "input")
    f = real_array(filter, "filter")
    if x.ndim != 4 or f.ndim != 4:
        raise ValueError(
            "input and filter must have 4 axes, (N, H, W, C_in) and (C_out, k_h, k_w, C_in) (TRANSPOSE_CONV is 2-D); "
            f"got input.shape={x.shape} and filter.shape={f.shape}"
        )
    if any(size < 1 for size in f.shape):
        raise ValueError(f"filter must have no empty axis; got filter.shape={f.shape}")
    check_input_not_empty(np.moveaxis(x, -1, 1), "input", x.shape)
    if f.shape[-1] != x.shape[-1]:
        raise ValueError(
            "filter must have shape (C_out, k_h, k_w, C_in) with C_in the input's channels; "
            f"got input.shape={x.shape} and filter.shape={f.shape}"
        )
    mode = as_choice(padding, "padding", TFLITE_PADDING_MODES)
    stride = as_int_tuple(strides, "strides", 2, minimum=1)
    shape = as_int_tuple(output_shape, "output_shape", 4, minimum=0)
    if shape[0] != x.shape[0] or shape[3] != f.shape[0]:
        raise ValueError(
            f"output_shape must be (N, H, W, C_out) with the input's N={x.shape[0]} and the filter's "
            f"C_out={f.shape[0]}; got output_shape={shape}"
        )
    if bias is not None and real_array(bias, "bias").shape != (f.shape[0],):
        raise ValueError(f"bias must have shape (C_out,) = ({f.shape[0]},); got bias.shape={np.shape(bias)}")
    spatial, kernel, sizes = tuple(x.shape[1:3]), tuple(f.shape[1:3]), shape[1:3]
    ranges = [tflite_size_range(i, k, s, mode) for i, k, s in zip(spatial, kernel, stride)]
    if any(not lo <= o <= hi for o, (lo, hi) in zip(sizes, ranges)):
        raise ValueError(
            "output_shape must fit the input: the forward convolution of an output_shape array must give the input's "
            f"size {spatial}, so with kernel {kernel}, strides={stride} and padding={mode!r} valid sizes range from "
            f"{tuple(lo for lo, _ in ranges)} to {tuple(hi for _, hi in ranges)}; got output_shape={shape}"
        )
    starts = [tflite_window_start(o, k, s, mode) for o, k, s in zip(sizes, kernel, stride)]
    return Reading(
        batch=x.shape[0],
        in_channels=x.shape[3],
        out_channels=f.shape[0],
        groups=1,
        input_shape=spatial,
        kernel_shape=kernel,
        stride=stride,
        dilation=(1, 1),
        window=tuple((start, start + o) for start, o in zip(starts, sizes)),
        x_axes=(0, 3, 1, 2),  # (N, H, W, C_in) -> (N, C_in, H, W)
        weight_axes=(3, 0, 1, 2),  # (C_out, k_h, k_w, C_in) -> (C_in, C_out, k_h, k_w)
        weight_flipped=False,
        out_axes=(0, 2, 3, 1),  # (N, C_out, H, W) -> (N, H, W, C_out)
        bias=True,
    )


def tflite_conv_transpose(
    input: ArrayLike,
    filter: ArrayLike,
    output_shape: Sequence[int],
    strides: Sequence[int],
    padding: str = "SAME",
    bias: ArrayLike | None = None,
) -> np.ndarray:
    """TensorFlow Lite's ``TRANSPOSE_CONV``, computed with :func:`~transposed_conv.conv_transpose`.

    Parameters
    ----------
    input : array_like
        ``(N, H, W, C_in)``.
    filter : array_like
        ``(C_out, k_h, k_w, C_in)`` (``OHWI``).
    output_shape : sequence of int
        ``(N, H_out, W_out, C_out)``: a size the forward convolution maps back to the input
        (:func:`tflite_size_range`).
    strides : sequence of int
        ``(stride_h, stride_w)``, each ``>= 1``.
    padding : {'SAME', 'VALID'}
        ``SAME`` crops the full output by the smaller half of its excess at the start
        (:func:`tflite_window_start`); ``VALID`` crops nothing.
    bias : array_like, optional
        ``(C_out,)``.

    Returns
    -------
    numpy.ndarray
        ``output_shape``; dtype by the core's rules.

    Raises
    ------
    ValueError, TypeError
        For an argument the operator does not take, naming it and the rule.

    Notes
    -----
    The operator's reference kernel (``tensorflow/lite/kernels/internal/reference/transpose_conv.h``)
    scatters every input element times the filter to ``out = in*stride - pad + tap`` and keeps the
    positions inside ``output_shape``: PyTorch's transposed convolution, cropped by ``pad`` at
    the start.  Its builtin options hold ``padding``, ``stride_w``, ``stride_h`` and (schema 2.x)
    a fused activation, which is not taken here.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1, 2, 3]).reshape(1, 1, 3, 1)
    >>> f = np.array([1, 10, 100]).reshape(1, 1, 3, 1)
    >>> tflite_conv_transpose(x, f, [1, 1, 6, 1], [1, 2]).ravel().tolist()
    [1, 10, 102, 20, 203, 30]
    >>> tflite_conv_transpose(x, f, [1, 1, 7, 1], [1, 2], "VALID", bias=[5]).ravel().tolist()
    [6, 15, 107, 25, 208, 35, 305]
    """
    reading = tflite_reading(input, filter, output_shape, strides, padding, bias)
    return reading.compute(np.asarray(input), np.asarray(filter), None if bias is None else np.asarray(bias))


def tflite_arguments(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """``TRANSPOSE_CONV`` arguments for our geometry, where ``SAME`` or ``VALID`` gives its window.

    ``input_axes`` and ``filter_axes`` bring PyTorch's ``x`` and ``weight`` to ``NHWC`` and ``OHWI``;
    a 1-D geometry is spelled in 2-D with a unit height (``unit_height``: insert the axis first).
    Raises :class:`~transposed_conv.frameworks.Inexpressible` for groups, dilation, 3-D, or a
    window neither ``SAME`` nor ``VALID`` gives.

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry.build((4, 4), (4, 4), stride=2, padding=1, in_channels=2, out_channels=3)
    >>> arguments = tflite_arguments(geometry)
    >>> arguments["padding"], arguments["output_shape"], arguments["filter_axes"]
    ('SAME', [1, 8, 8, 3], [1, 2, 3, 0])
    >>> tflite_arguments(ConvTransposeGeometry.build((4, 4), (3, 3), stride=2, padding=(0, 1)))
    Traceback (most recent call last):
    ...
    transposed_conv.frameworks._declarations.Inexpressible: TensorFlow Lite's TRANSPOSE_CONV takes SAME or VALID ...
    """
    if geometry.groups != 1:
        raise Inexpressible(f"{SUPPORTS.lacks['groups']}; got groups={geometry.groups}")
    if any(d != 1 for d in geometry.dilation):
        raise Inexpressible(f"{SUPPORTS.lacks['dilation']}; got dilation={geometry.dilation}")
    if geometry.ndim > 2:
        raise Inexpressible(f"TensorFlow Lite's TRANSPOSE_CONV is 2-D (1-D with a unit height); got {geometry.ndim}-D")
    unit = geometry.ndim == 1
    spatial = ((1,) if unit else ()) + geometry.input_shape
    kernel = ((1,) if unit else ()) + geometry.kernel_shape
    stride = ((1,) if unit else ()) + geometry.stride
    padding = (((0, 0),) if unit else ()) + geometry.padding
    extra = ((0,) if unit else ()) + geometry.output_padding
    full = full_output_shape(spatial, kernel, stride, (1, 1))
    sizes = tuple(f - b - e + a for f, (b, e), a in zip(full, padding, extra))
    for mode in TFLITE_PADDING_MODES:
        fits = all(
            lo <= o <= hi and tflite_window_start(o, k, s, mode) == b
            for o, (lo, hi), k, s, (b, _) in zip(
                sizes,
                (tflite_size_range(i, k, s, mode) for i, k, s in zip(spatial, kernel, stride)),
                kernel,
                stride,
                padding,
            )
        )
        if fits:
            break
    else:
        raise Inexpressible(
            f"{SUPPORTS.lacks['asymmetric padding']}: neither gives the window of padding={geometry.padding}, "
            f"output_padding={geometry.output_padding} (SAME crops the smaller half of the excess over "
            "the output size at the start, VALID crops nothing and adds at most strides - 1)"
        )
    return {
        "unit_height": unit,
        "input_axes": [0, 2, 3, 1],
        "filter_axes": [1, 2, 3, 0],
        "output_shape": [batch, *sizes, geometry.out_channels],
        "strides": list(stride),
        "padding": mode,
        "bias": "taken as the operator's third input, (C_out,)",
    }


def tflite_interpreter(
    input: np.ndarray, filter: np.ndarray, bias: np.ndarray | None, *, output_shape: Any, strides: Any, padding: str
) -> np.ndarray:
    """``TRANSPOSE_CONV`` on TensorFlow Lite's interpreter: a one-operator model converted from
    ``tf.nn.conv2d_transpose`` (float32, ``NHWC`` input, ``OHWI`` filter), run by ``tf.lite.Interpreter`` with
    its builtin kernels (:data:`XNNPACK_CRASH`)."""
    import os
    import warnings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    kernel = tf.constant(np.transpose(filter, (1, 2, 0, 3)).astype(np.float32))  # OHWI -> (k_h, k_w, C_out, C_in)
    shift = None if bias is None else tf.constant(np.asarray(bias, np.float32))

    @tf.function(input_signature=[tf.TensorSpec(input.shape, tf.float32)])  # type: ignore[untyped-decorator]
    def model(x: Any) -> Any:
        y = tf.nn.conv2d_transpose(x, kernel, list(output_shape), list(strides), padding=padding)
        return y if shift is None else y + shift

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
        converter = tf.lite.TFLiteConverter.from_concrete_functions([model.get_concrete_function()], model)
        interpreter = tf.lite.Interpreter(  # the builtin kernels, not the XNNPACK delegate (XNNPACK_CRASH)
            model_content=converter.convert(),
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], np.ascontiguousarray(input, np.float32))
    interpreter.invoke()
    return np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
