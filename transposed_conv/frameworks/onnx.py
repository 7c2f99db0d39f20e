"""ONNX: the ``ConvTranspose`` operator, its specification computed with our core, and its runtimes.

Everything about ONNX lives here: the ``auto_pad`` values, :func:`onnx_pads` (the padding
arithmetic of the specification), :func:`onnx_conv_transpose` (the specification, computed with
:func:`~transposed_conv.conv_transpose`), :func:`onnx_attributes` (our geometry as node
attributes), the single-node model and the runners on ONNX Runtime and ONNX's reference
evaluator (both imported when called), and what each supports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._arguments import real_array
from .._normalize import as_choice, as_int, as_int_tuple, is_int
from ..shapes import check_output_padding, conv_transpose_output_length, full_output_shape, spatial_arguments
from ._declarations import (
    NO_PADDING_MODES_IN_PYTORCH_CONVENTION,
    Convention,
    Geometry,
    Implementation,
    Reading,
    Supports,
    exported_from,
)
from ._window import check_input_not_empty, checked_arrays, geometry_of_call

__all__ = [
    "CONVENTIONS",
    "IMPLEMENTATIONS",
    "ONNX_AUTO_PADS",
    "PEERS",
    "SUPPORTS",
    "onnx_attributes",
    "onnx_conv_transpose",
    "onnx_model",
    "onnx_pads",
    "onnx_reading",
    "onnx_reference_onnx",
    "onnxruntime_conv_transpose",
    "onnxruntime_onnx",
]

#: ONNX ``ConvTranspose``'s ``auto_pad`` values.
ONNX_AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
#: The opset of the models we build: ``ConvTranspose``-22, unchanged in meaning since opset 11.
OPSET = 22
#: The IR version ONNX Runtime 1.30 reads for opset 22.
IR_VERSION = 10


@exported_from("transposed_conv.conventions")
def onnx_pads(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    strides: Sequence[int],
    dilations: Sequence[int],
    output_padding: Sequence[int],
    auto_pad: str = "NOTSET",
    output_shape: Sequence[int] | None = None,
    pads: Sequence[tuple[int, int]] | None = None,
) -> tuple[tuple[int, int], ...]:
    """The ``(begin, end)`` pads ONNX ``ConvTranspose`` crops from each dimension (negative: extends).

    Pure integer arithmetic on already validated per-dimension tuples; see
    :func:`onnx_conv_transpose` for the rules.  ``total = strides*(i - 1) + output_padding +
    dilations*(k - 1) + 1 - output_shape`` is split in two, the larger half at the end for
    ``SAME_UPPER`` and at the beginning otherwise; ``/ 2`` rounds down (``//``), as the ONNX
    reference evaluator does, so a negative odd total extends the *other* side by one more.

    Examples
    --------
    >>> onnx_pads([3], [4], strides=[1], dilations=[1], output_padding=[0], auto_pad="SAME_UPPER")
    ((1, 2),)
    >>> onnx_pads([3], [4], strides=[1], dilations=[1], output_padding=[0], auto_pad="SAME_LOWER")
    ((2, 1),)
    >>> onnx_pads([3], [1], strides=[3], dilations=[1], output_padding=[0], output_shape=[10])
    ((-1, -2),)
    """
    result = []
    for axis, (i, k, s, d, a) in enumerate(zip(input_shape, kernel_shape, strides, dilations, output_padding)):
        full = conv_transpose_output_length(i, k, s, 0, 0, a, d)
        if output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            wanted = output_shape[axis] if output_shape is not None else i * s
            total = full - wanted
            if auto_pad == "SAME_UPPER":
                begin = total // 2
                end = total - begin
            else:
                end = total // 2
                begin = total - end
            result.append((begin, end))
        elif pads is not None:
            result.append((int(pads[axis][0]), int(pads[axis][1])))
        else:  # VALID, or NOTSET without pads
            result.append((0, 0))
    return tuple(result)


def _onnx_pads_attribute(pads: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """ONNX's ``[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`` as ``(begin, end)`` pairs."""
    if isinstance(pads, str) or not isinstance(pads, Sequence):
        raise TypeError(
            f"pads must be a sequence of {2 * ndim} ints [x1_begin, ..., x1_end, ...]; "
            f"got {pads!r} of type {type(pads).__name__}"
        )
    items = list(pads)
    if len(items) != 2 * ndim:
        raise ValueError(
            f"pads must have 2 entries per spatial dimension ({2 * ndim}), all begins then all ends; "
            f"got pads={items!r} with {len(items)} entries"
        )
    if not all(is_int(item) for item in items):
        raise TypeError(f"pads must contain only ints; got pads={items!r}")
    values = [int(item) for item in items]
    if any(v < 0 for v in values):
        raise ValueError(f"pads must be >= 0 (ONNX ConvTranspose); got pads={values}")
    return tuple((values[axis], values[axis + ndim]) for axis in range(ndim))


@exported_from("transposed_conv.conventions")
def onnx_conv_transpose(
    X: ArrayLike,
    W: ArrayLike,
    B: ArrayLike | None = None,
    *,
    auto_pad: str = "NOTSET",
    dilations: Sequence[int] | None = None,
    group: int = 1,
    kernel_shape: Sequence[int] | None = None,
    output_padding: Sequence[int] | None = None,
    output_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
) -> np.ndarray:
    """ONNX ``ConvTranspose`` (opset 11 and later, current opset 22), computed with :func:`conv_transpose`.

    Parameters
    ----------
    X : array_like
        Input, ``(N, C, D_1, ..., D_n)``.
    W : array_like
        Weight, ``(C, M/group, k_1, ..., k_n)`` -- input channels first, as PyTorch.
    B : array_like, optional
        Bias, ``(M,)``.
    auto_pad : {'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'}
        ``'NOTSET'``: use ``pads``.  ``'SAME_UPPER'``/``'SAME_LOWER'``: output ``X.shape[2 + i] *
        strides[i]``, odd total padding cropped more at the end (UPPER) or at the beginning
        (LOWER).  ``'VALID'``: no padding.
    dilations, strides : sequence of int, optional
        Per spatial dimension, ``>= 1``; default all 1.
    group : int
        Divides ``C``; the output has ``M = W.shape[1] * group`` channels.
    kernel_shape : sequence of int, optional
        If given, must equal ``W.shape[2:]``.
    output_padding : sequence of int, optional
        Added at the end of each dimension, ``0 <= output_padding < max(strides, dilations)``;
        default all 0.  With ``output_shape`` it adds no size but enters the total padding.
    output_shape : sequence of int, optional
        The spatial output shape (no ``N`` or ``C``).  Takes precedence over ``pads``; any size
        ``>= 0``, also larger than the full output (the extra positions hold the bias); a 0
        gives an empty array.
    pads : sequence of int, optional
        ``[x1_begin, x2_begin, ..., x1_end, x2_end, ...]``, each ``>= 0``; not together with an
        ``auto_pad`` other than ``'NOTSET'``.  Default all 0.

    Returns
    -------
    numpy.ndarray
        ``(N, M, *output)``; dtype by the core's rules.  Empty (a 0 in ``output``) where ``pads``
        crop exactly the whole full output or ``output_shape`` has a 0, as the specification's
        formula gives.

    Raises
    ------
    ValueError, TypeError
        For an argument the specification does not allow, naming it and the rule; also for
        ``pads`` that crop more than the whole full output (a negative size).

    See Also
    --------
    conv_transpose : the same operation in PyTorch's convention; ``pads`` there is ``padding``.
    onnx_pads : the padding arithmetic on its own.

    Notes
    -----
    The specification (ONNX operator ``ConvTranspose``, version 22, identical since version 11:
    https://onnx.ai/onnx/operators/onnx__ConvTranspose.html, and ``docs/Operators.md#ConvTranspose``
    in https://github.com/onnx/onnx), per spatial dimension ``i``:

    * with ``pads``: ``output_shape[i] = strides[i]*(X_i - 1) + output_padding[i] +
      ((kernel_shape[i] - 1)*dilations[i] + 1) - pads[start_i] - pads[end_i]`` -- PyTorch's
      formula, ``pads`` crop the full output;
    * with ``output_shape``: ``total_padding[i] = strides[i]*(X_i - 1) + output_padding[i] +
      ((kernel_shape[i] - 1)*dilations[i] + 1) - output_shape[i]``; for ``SAME_UPPER``
      ``pads[start_i] = total_padding[i]/2`` and ``pads[end_i] = total_padding[i] -
      total_padding[i]/2``; otherwise (``NOTSET``, ``SAME_LOWER``, ``VALID``) the other way
      round.  The odd element is cropped at the *end* for ``SAME_UPPER``, at the *beginning*
      otherwise.  (Opset 1 had this reversed; opset 11 fixed it.)
    * ``SAME_UPPER``/``SAME_LOWER`` without ``output_shape``: the same with
      ``output_shape[i] = X_i * strides[i]``.
    * ``output_padding`` "must be less than the corresponding stride/dilation", read here as
      PyTorch's ``output_padding < max(strides, dilations)``.

    A negative ``total_padding`` (the requested output is larger than the full output) gives
    negative pads: the output extends past the full output, with zeros plus bias.  The
    specification writes ``total_padding[i]/2`` without saying how a negative odd number is
    halved; we round down, as ``onnx.reference`` does.  ONNX Runtime deviates from the
    specification in places (``docs/conventions.md``, section Deviations).

    The formula may give 0: ``pads`` that crop exactly the whole full output, or an
    ``output_shape`` with a 0.  ONNX tensors may have zero-sized dimensions, and the
    specification's formula, ``onnx.shape_inference`` and ``onnx.reference`` all give an empty
    output there, so we return one; ONNX Runtime refuses it (a deviation).  ``pads`` that crop
    more would give a negative size, which no tensor has: refused, as ``onnx.reference`` does.

    Examples
    --------
    The full output of ``[1, 2, 3]`` with a kernel of four ones is ``[1, 3, 6, 6, 5, 3]``;
    ``SAME_UPPER`` keeps three elements and crops the odd one at the end, ``SAME_LOWER`` at the
    beginning:

    >>> x, w = [[[1, 2, 3]]], [[[1, 1, 1, 1]]]
    >>> onnx_conv_transpose(x, w, auto_pad="SAME_UPPER").tolist()
    [[[3, 6, 6]]]
    >>> onnx_conv_transpose(x, w, auto_pad="SAME_LOWER").tolist()
    [[[6, 6, 5]]]

    ``pads`` crop like PyTorch's ``padding``: begins first, then ends:

    >>> onnx_conv_transpose(x, w, pads=[2, 1]).tolist()
    [[[6, 6, 5]]]

    ``output_shape`` overrides ``pads``; with the default ``auto_pad`` an odd total padding
    (here ``6 - 3``) loses its extra element at the beginning, as with ``SAME_LOWER``:

    >>> onnx_conv_transpose(x, w, output_shape=[3], pads=[0, 0]).tolist()
    [[[6, 6, 5]]]

    A kernel smaller than the stride leaves gaps, and ``SAME_UPPER`` asks for
    ``3 * 3 = 9`` elements where the full output has 7: it extends both ends:

    >>> onnx_conv_transpose(x, [[[1]]], strides=[3], auto_pad="SAME_UPPER", B=[10]).tolist()
    [[[10, 11, 10, 10, 12, 10, 10, 13, 10]]]

    ``pads`` that crop all six elements leave an empty output; one more is refused:

    >>> onnx_conv_transpose(x, w, pads=[3, 3]).shape
    (1, 1, 0)
    >>> onnx_conv_transpose(x, w, pads=[3, 4])
    Traceback (most recent call last):
    ...
    ValueError: pads must crop at most the whole full output, ... got pads=[3, 4] and a full output of (6,)
    """
    reading = onnx_reading(
        X,
        W,
        B,
        auto_pad=auto_pad,
        dilations=dilations,
        group=group,
        kernel_shape=kernel_shape,
        output_padding=output_padding,
        output_shape=output_shape,
        pads=pads,
        strides=strides,
    )
    return reading.compute(np.asarray(X), np.asarray(W), None if B is None else np.asarray(B))


def onnx_reading(
    X: ArrayLike,
    W: ArrayLike,
    B: ArrayLike | None = None,
    *,
    auto_pad: str = "NOTSET",
    dilations: Sequence[int] | None = None,
    group: int = 1,
    kernel_shape: Sequence[int] | None = None,
    output_padding: Sequence[int] | None = None,
    output_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
) -> Reading:
    """An ONNX ``ConvTranspose`` node read as our window of the full output (:func:`onnx_conv_transpose`'s rules).

    Only the arrays' shapes and dtypes enter.

    Examples
    --------
    >>> import numpy as np
    >>> onnx_reading(np.empty((1, 1, 3)), np.empty((1, 1, 4)), auto_pad="SAME_LOWER").window
    ((2, 5),)
    """
    x, w, ndim = checked_arrays(
        X, "X", W, "W", x_layout="(N, C, *spatial)", weight_layout="(C, M/group, *kernel_shape)"
    )
    b = None if B is None else real_array(B, "B")
    mode = as_choice(auto_pad, "auto_pad", ONNX_AUTO_PADS)
    stride, _, extra, dilation = spatial_arguments(
        ndim,
        stride=1 if strides is None else strides,
        dilation=1 if dilations is None else dilations,
        output_padding=0 if output_padding is None else output_padding,
        names={"stride": "strides", "dilation": "dilations"},
    )
    check_output_padding(extra, stride, dilation, names=("output_padding", "strides", "dilations"))
    g = as_int(group, "group", minimum=1)
    check_input_not_empty(x, "X", x.shape)
    channels = x.shape[1]
    if w.shape[0] != channels:
        raise ValueError(
            "W must have shape (C, M/group, *kernel_shape) with C = X.shape[1]; "
            f"got X.shape={x.shape} and W.shape={w.shape}"
        )
    if channels % g:
        raise ValueError(f"group must divide the input channels C; got group={g} and C={channels}")
    out_channels = w.shape[1] * g
    if b is not None and b.shape != (out_channels,):
        raise ValueError(f"B must have shape (M,) = ({out_channels},), M = W.shape[1] * group; got B.shape={b.shape}")
    kernel = tuple(w.shape[2:])
    if kernel_shape is not None and as_int_tuple(kernel_shape, "kernel_shape", ndim, minimum=1) != kernel:
        raise ValueError(f"kernel_shape must equal W.shape[2:] = {kernel}; got kernel_shape={kernel_shape!r}")
    explicit = None if pads is None else _onnx_pads_attribute(pads, ndim)
    if explicit is not None and mode != "NOTSET":
        raise ValueError(
            f"pads cannot be used together with auto_pad={mode!r} (only with 'NOTSET'); got pads={list(pads or ())}"
        )
    wanted = None
    if output_shape is not None:
        if isinstance(output_shape, Sequence) and len(output_shape) == ndim + 2:
            raise ValueError(
                f"output_shape must list the {ndim} spatial sizes only, without N and C; "
                f"got output_shape={output_shape!r}"
            )
        wanted = as_int_tuple(output_shape, "output_shape", ndim, minimum=0)
    spatial = tuple(x.shape[2:])
    crop = onnx_pads(
        spatial,
        kernel,
        strides=stride,
        dilations=dilation,
        output_padding=extra,
        auto_pad=mode,
        output_shape=wanted,
        pads=explicit,
    )
    full = full_output_shape(spatial, kernel, stride, dilation)
    window = tuple((begin, f + a - end) for (begin, end), f, a in zip(crop, full, extra))
    if any(stop < start for start, stop in window):
        raise ValueError(
            "pads must crop at most the whole full output, pads_begin + pads_end <= strides*(X_i - 1) + "
            "output_padding + (kernel_shape - 1)*dilations + 1 in every dimension (an output size of 0 is an empty "
            f"array); got pads={list(pads or ())} and a full output of {tuple(f + a for f, a in zip(full, extra))}"
        )
    return Reading(
        batch=x.shape[0],
        in_channels=channels,
        out_channels=out_channels,
        groups=g,
        input_shape=spatial,
        kernel_shape=kernel,
        stride=stride,
        dilation=dilation,
        window=window,
        x_axes=tuple(range(ndim + 2)),
        weight_axes=tuple(range(ndim + 2)),
        weight_flipped=False,
        out_axes=tuple(range(ndim + 2)),
        bias=True,
    )


def onnx_attributes(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """ONNX ``ConvTranspose`` attributes for our geometry: ``pads`` holds every begin, then every end.

    ONNX expresses every geometry, in PyTorch's layouts (``batch`` does not enter).

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry(
    ...     input_shape=(4, 5), kernel_shape=(3, 2), stride=(2, 1), padding=((1, 0), (0, 1)), output_padding=(1, 0),
    ...     dilation=(1, 2), groups=2, in_channels=2, out_channels=4)
    >>> onnx_attributes(geometry)
    {'strides': [2, 1], 'pads': [1, 0, 0, 1], 'output_padding': [1, 0], 'dilations': [1, 2], 'group': 2,
     'kernel_shape': [3, 2]}
    """
    return {
        "strides": list(geometry.stride),
        "pads": [b for b, _ in geometry.padding] + [e for _, e in geometry.padding],
        "output_padding": list(geometry.output_padding),
        "dilations": list(geometry.dilation),
        "group": geometry.groups,
        "kernel_shape": list(geometry.kernel_shape),
    }


# --- the runtimes ---------------------------------------------------------------------------------


def onnx_model(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, attributes: dict[str, Any]) -> tuple[Any, Any]:
    """A single-node ``ConvTranspose`` model (opset 22) with exactly ``attributes``, and its feeds."""
    from onnx import TensorProto, helper

    element = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}[X.dtype]
    inputs = {"X": X, "W": W} | ({} if B is None else {"B": B})
    node = helper.make_node("ConvTranspose", list(inputs), ["Y"], **attributes)
    graph = helper.make_graph(
        [node],
        "conv_transpose",
        [helper.make_tensor_value_info(name, element, list(a.shape)) for name, a in inputs.items()],
        [helper.make_tensor_value_info("Y", element, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)
    return model, {name: np.ascontiguousarray(a) for name, a in inputs.items()}


def onnxruntime_onnx(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any) -> np.ndarray:
    """ONNX ``ConvTranspose`` with exactly ``attributes`` (ONNX's names), on ONNX Runtime's CPU provider."""
    import onnxruntime

    model, feeds = onnx_model(X, W, B, attributes)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4  # its own error log would repeat the exception it raises
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    result: np.ndarray = session.run(None, feeds)[0]
    return result


def onnx_reference_onnx(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any) -> np.ndarray:
    """ONNX ``ConvTranspose`` with exactly ``attributes``, on ONNX's own ``ReferenceEvaluator``."""
    from onnx.reference import ReferenceEvaluator

    model, feeds = onnx_model(X, W, B, attributes)
    result: np.ndarray = ReferenceEvaluator(model).run(None, feeds)[0]
    return result


def onnxruntime_conv_transpose(
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
    """PyTorch's arguments as ONNX ``ConvTranspose`` attributes (:func:`onnx_attributes`), run by
    :func:`onnxruntime_onnx`."""
    geometry = geometry_of_call(
        x, weight, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation
    )
    return onnxruntime_onnx(x, weight, bias, **onnx_attributes(geometry))


# --- what it supports -----------------------------------------------------------------------------

#: What ONNX ``ConvTranspose`` can express: everything (groups, bias, dilation, pads, auto_pad, output_shape).
SUPPORTS = Supports()

_ONNXRUNTIME_FAILS = {
    "float64": "ONNX Runtime's CPU provider registers ConvTranspose for float32 only (float64: NOT_IMPLEMENTED), "
    "a limitation in docs/conventions.md",
    "large output_padding": "ONNX Runtime rejects output_padding >= strides even below the dilation ('output_padding "
    "may be too large for stride'), deviation 4 of ONNX Runtime in docs/conventions.md",
}
_REFERENCE_FAILS = {
    "groups": "onnx.reference slices W along the wrong axis for group > 1 with several channels per group, and adds "
    "B[0] in every group: deviations 1 and 2 of onnx.reference in docs/conventions.md",
    "large output_padding": "onnx.reference's col2im raises for output_padding >= strides: deviation 5 of "
    "onnx.reference in docs/conventions.md",
}

CONVENTIONS = (
    Convention(
        "onnx",
        onnx_conv_transpose,
        onnx_attributes,
        SUPPORTS,
        draws={
            "plain": {"padding": "symmetric", "auto_pads": ("NOTSET",), "beyond_full_output": False},
            "padding modes": {"padding": "symmetric"},
            "asymmetric": {"auto_pads": ("NOTSET",), "beyond_full_output": False},
        },
    ),
)
IMPLEMENTATIONS = (
    Implementation(
        "onnxruntime ConvTranspose", "onnxruntime", "onnx", onnxruntime_onnx, Supports(fails=_ONNXRUNTIME_FAILS)
    ),
    Implementation(
        "onnx.reference ConvTranspose", "onnx", "onnx", onnx_reference_onnx, Supports(fails=_REFERENCE_FAILS)
    ),
)
PEERS = (
    Implementation(
        "onnxruntime",
        "onnxruntime",
        "torch",
        onnxruntime_conv_transpose,
        Supports(lacks={"padding modes": NO_PADDING_MODES_IN_PYTORCH_CONVENTION}, fails=_ONNXRUNTIME_FAILS),
    ),
)
