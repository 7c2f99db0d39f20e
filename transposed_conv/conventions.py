"""Other frameworks' transposed-convolution conventions, computed with our core.

Each function takes one framework's own argument names, layouts and defaults, turns
them into the arguments of :func:`~transposed_conv.conv_transpose` (PyTorch's layout),
and computes with it.  None of them imports its framework.

==========================  ==============================  ==============================
function                    the framework's operation       layouts (input, kernel)
==========================  ==============================  ==============================
:func:`onnx_conv_transpose`   ONNX ``ConvTranspose``          ``(N, C, *x)``, ``(C, M/group, *k)``
:func:`jax_conv_transpose`    ``jax.lax.conv_transpose``      any ``dimension_numbers``;
                                                              default ``NHWC``, ``HWIO``
:func:`tf_conv_transpose`     ``tf.nn.conv_transpose``        ``NHWC`` or ``NCHW``, ``(*k, out, in)``
:func:`keras_conv_transpose`  ``keras.ops.conv_transpose``    ``channels_last`` or
                                                              ``channels_first``, ``(*k, out, in)``
==========================  ==============================  ==============================

One picture covers them all.  Per spatial dimension, with input size ``i``, kernel ``k``,
stride ``s`` and dilation ``d``, the *full* transposed convolution -- every position any
input element reaches, nothing cropped -- has length ``F = (i - 1)*s + d*(k - 1) + 1``.
Every framework returns a *window* ``[start, start + o)`` of it; they differ only in how
the window is chosen:

* PyTorch: ``start = padding_begin``, ``o = F + output_padding - padding_begin - padding_end``;
* ONNX: the same with ``pads``, or ``pads`` computed from ``output_shape`` or ``auto_pad``;
* JAX: ``start = d*(k - 1) - lo`` for the ``(lo, hi)`` padding of the zero-inserted input;
* TensorFlow: ``start`` is the padding *before* of the forward convolution that maps an
  ``output_shape``-sized array to the input, ``o`` is ``output_shape``;
* Keras: ``o`` from ``padding`` and ``output_padding``, ``start`` as TensorFlow's.

PyTorch's window always lies inside ``[0, F + max(s, d) - 1)``; the others may reach
outside ``[0, F)`` -- ONNX ``output_shape`` larger than the full output, JAX padding that
is negative or larger than ``d*(k - 1)``, ``"SAME"`` with a kernel smaller than the
stride.  Positions outside the full output receive no product: they are zero, plus the
bias.  The private ``_window_of_full_output`` computes the part inside with
``conv_transpose`` and fills the rest; ``docs/conventions.md`` sets the conventions side
by side.

Dtype rules are the core's: integer inputs give exact ``int64`` results, floating inputs
keep NumPy's promoted floating dtype.  Inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._arguments import real_array, result_dtypes
from ._integers import as_int64
from ._normalize import as_choice, as_int, as_int_tuple, is_int
from .shapes import conv_transpose_output_length
from .transpose import conv_transpose

__all__ = [
    "jax_conv_transpose",
    "jax_padding",
    "keras_conv_transpose",
    "onnx_conv_transpose",
    "onnx_pads",
    "tf_conv_transpose",
]

#: ONNX ``ConvTranspose``'s ``auto_pad`` values.
ONNX_AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
#: ``jax.lax.conv_transpose``'s ``dimension_numbers`` when ``None``, by array rank (TensorFlow's layouts).
JAX_DEFAULT_DIMENSION_NUMBERS = {
    3: ("NHC", "HIO", "NHC"),
    4: ("NHWC", "HWIO", "NHWC"),
    5: ("NHWDC", "HWDIO", "NHWDC"),
}
#: ``tf.nn.conv_transpose``'s ``data_format`` values by number of spatial dimensions; the first is the default.
TF_DATA_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}
#: ``keras.ops.conv_transpose``'s ``data_format`` values; ``None`` means Keras's default, ``"channels_last"``.
KERAS_DATA_FORMATS = ("channels_last", "channels_first")

Window = tuple[tuple[int, int], ...]


# ----------------------------------------------------------------------------------------------
# The shared computation: a window of the full transposed convolution
# ----------------------------------------------------------------------------------------------


def _full_output_shape(
    input_shape: Sequence[int], kernel_shape: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> tuple[int, ...]:
    """``F = (i - 1)*stride + dilation*(k - 1) + 1`` per dimension: the transposed convolution with nothing cropped."""
    return tuple(
        conv_transpose_output_length(i, k, s, 0, 0, 0, d)
        for i, k, s, d in zip(input_shape, kernel_shape, stride, dilation)
    )


def _window_of_full_output(
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
    """
    sizes = tuple(stop - start for start, stop in window)
    if 0 in sizes:
        dtype = result_dtypes(*(a for a in (x, weight, bias) if a is not None))[1]
        return np.empty((x.shape[0], weight.shape[1] * groups, *sizes), dtype=dtype)  # (N, C_out, *o)
    full = _full_output_shape(x.shape[2:], weight.shape[2:], stride, dilation)
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
    out[...] = _bias_alone(x, weight, bias, len(window))
    target, source = [slice(None)] * 2, [slice(None)] * 2  # all of N and C_out
    for (start, stop), (lo, hi) in zip(window, computed):
        first, last = max(start, lo), min(stop, hi)
        if first >= last:  # the window misses the full output in this dimension: bias only
            return out
        target.append(slice(first - start, last - start))
        source.append(slice(first - lo, last - lo))
    out[tuple(target)] = y[tuple(source)]
    return out


def _bias_alone(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, ndim: int) -> np.ndarray | int:
    """What the core gives at a position no product reaches: the bias, rounded as the core rounds it."""
    if bias is None:
        return 0
    compute, result = result_dtypes(x, weight, bias)
    alone = as_int64(bias, "bias") if compute.kind == "i" else bias.astype(compute).astype(result)
    return alone.reshape((-1,) + (1,) * ndim)  # (C_out, 1, ..., 1)


def _arrays(
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


def _check_input_not_empty(x: np.ndarray, x_name: str, shape: tuple[int, ...]) -> None:
    """Every axis but the batch has at least one element; ``x`` is ``(N, C, *spatial)``, ``shape`` as given."""
    if any(size < 1 for size in x.shape[1:]):
        raise ValueError(
            f"{x_name} must have at least one channel and one element per spatial dimension; got {x_name}.shape={shape}"
        )


def _int_pairs(value: Any, name: str, count: int) -> tuple[tuple[int, int], ...]:
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


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {value!r} of type {type(value).__name__}")
    return bool(value)


# ----------------------------------------------------------------------------------------------
# ONNX
# ----------------------------------------------------------------------------------------------


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
        full = s * (i - 1) + a + (k - 1) * d + 1
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
    x, w, ndim = _arrays(X, "X", W, "W", x_layout="(N, C, *spatial)", weight_layout="(C, M/group, *kernel_shape)")
    b = None if B is None else real_array(B, "B")
    mode = as_choice(auto_pad, "auto_pad", ONNX_AUTO_PADS)
    stride = (1,) * ndim if strides is None else as_int_tuple(strides, "strides", ndim, minimum=1)
    dilation = (1,) * ndim if dilations is None else as_int_tuple(dilations, "dilations", ndim, minimum=1)
    extra = (0,) * ndim if output_padding is None else as_int_tuple(output_padding, "output_padding", ndim, minimum=0)
    if any(a >= max(s, d) for a, s, d in zip(extra, stride, dilation)):
        raise ValueError(
            "output_padding must be smaller than strides or dilations in every dimension "
            f"(output_padding < max(strides, dilations)); got output_padding={extra}, strides={stride}, "
            f"dilations={dilation}"
        )
    g = as_int(group, "group", minimum=1)
    _check_input_not_empty(x, "X", x.shape)
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
    full = _full_output_shape(spatial, kernel, stride, dilation)
    window = tuple((begin, f + a - end) for (begin, end), f, a in zip(crop, full, extra))
    if any(stop < start for start, stop in window):
        raise ValueError(
            "pads must crop at most the whole full output, pads_begin + pads_end <= strides*(X_i - 1) + "
            "output_padding + (kernel_shape - 1)*dilations + 1 in every dimension (an output size of 0 is an empty "
            f"array); got pads={list(pads or ())} and a full output of {tuple(f + a for f, a in zip(full, extra))}"
        )
    return _window_of_full_output(x, w, b, stride=stride, dilation=dilation, groups=g, window=window)


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------


def _jax_permutations(dimension_numbers: Any, rank: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """``(lhs, rhs, out)`` axis permutations to ``(N, C, *spatial)``, ``(O, I, *spatial)``, ``(N, C, *spatial)``.

    Spatial axes are ordered as they appear in the kernel's spec, as ``lax.conv_general_permutations`` does.
    """
    if dimension_numbers is None:
        if rank not in JAX_DEFAULT_DIMENSION_NUMBERS:
            raise ValueError(
                "dimension_numbers must be given for more than 3 spatial dimensions (JAX has defaults for 1 to 3); "
                f"got arrays of rank {rank}"
            )
        dimension_numbers = JAX_DEFAULT_DIMENSION_NUMBERS[rank]
    if isinstance(dimension_numbers, str) or not isinstance(dimension_numbers, Sequence) or len(dimension_numbers) != 3:
        raise TypeError(
            "dimension_numbers must be None, three strings such as ('NHWC', 'HWIO', 'NHWC'), or three "
            f"sequences of axis numbers (a ConvDimensionNumbers); got {dimension_numbers!r}"
        )
    specs = list(dimension_numbers)
    if all(isinstance(spec, str) for spec in specs):
        return _jax_permutations_from_letters(specs, rank)
    if all(isinstance(spec, Sequence) and not isinstance(spec, str) for spec in specs):
        perms = []
        for index, spec in enumerate(specs):
            if not all(is_int(axis) for axis in spec):
                raise TypeError(f"dimension_numbers[{index}] must contain only ints; got {spec!r}")
            perm = tuple(int(axis) for axis in spec)
            if sorted(perm) != list(range(rank)):
                raise ValueError(
                    f"dimension_numbers[{index}] must be a permutation of the axes 0..{rank - 1} "
                    f"(batch or out-feature axis, feature or in-feature axis, spatial axes); got {spec!r}"
                )
            perms.append(perm)
        return perms[0], perms[1], perms[2]
    raise TypeError(f"dimension_numbers must be three strings or three sequences of ints; got {dimension_numbers!r}")


def _jax_permutations_from_letters(
    specs: list[str], rank: int
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    letters = (("N", "C"), ("O", "I"), ("N", "C"))
    for index, (spec, (first, second)) in enumerate(zip(specs, letters)):
        if len(spec) != rank:
            raise ValueError(
                f"dimension_numbers[{index}] must have one letter per axis ({rank} for arrays of rank {rank}); "
                f"got {spec!r}"
            )
        if spec.count(first) != 1 or spec.count(second) != 1 or len(set(spec)) != len(spec):
            raise ValueError(
                f"dimension_numbers[{index}] must contain {first!r} and {second!r} exactly once and no letter twice; "
                f"got {spec!r}"
            )
    spatial_sets = [set(spec) - set(pair) for spec, pair in zip(specs, letters)]
    if not spatial_sets[0] == spatial_sets[1] == spatial_sets[2]:
        raise ValueError(f"dimension_numbers must name the same spatial letters in all three specs; got {tuple(specs)}")
    kernel_spec = specs[1]

    def permutation(spec: str, pair: tuple[str, str]) -> tuple[int, ...]:
        spatial = sorted((i for i, c in enumerate(spec) if c not in pair), key=lambda i: kernel_spec.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1]), *spatial)

    return permutation(specs[0], letters[0]), permutation(specs[1], letters[1]), permutation(specs[2], letters[2])


def jax_padding(
    padding: str | Sequence[tuple[int, int]],
    effective_kernel: Sequence[int],
    strides: Sequence[int],
    *,
    use_consistent_padding: bool = False,
) -> tuple[tuple[int, int], ...]:
    """The ``(lo, hi)`` padding ``jax.lax.conv_transpose`` applies to the zero-inserted input.

    ``effective_kernel`` is ``rhs_dilation*(k - 1) + 1`` per dimension.  ``'SAME'`` and ``'VALID'``
    follow ``jax._src.lax.convolution._conv_transpose_padding``; explicit pairs pass through, or,
    with ``use_consistent_padding=True``, are read as the forward convolution's padding ``p`` and
    become ``effective_kernel - 1 - p``.

    Examples
    --------
    >>> jax_padding("SAME", [3], [2])
    ((2, 1),)
    >>> jax_padding("VALID", [3], [2])
    ((2, 2),)
    >>> jax_padding([(1, 1)], [3], [2], use_consistent_padding=True)
    ((1, 1),)
    """
    if isinstance(padding, str):
        mode = as_choice(padding, "padding", ("SAME", "VALID"))
        result = []
        for k, s in zip(effective_kernel, strides):
            if mode == "SAME":
                total = k + s - 2
                lo = k - 1 if s > k - 1 else -(-total // 2)
            else:
                total = k + s - 2 + max(k - s, 0)
                lo = k - 1
            result.append((lo, total - lo))
        return tuple(result)
    pairs = _int_pairs(padding, "padding", len(effective_kernel))
    if use_consistent_padding:
        return tuple((k - 1 - lo, k - 1 - hi) for (lo, hi), k in zip(pairs, effective_kernel))
    return pairs


def jax_conv_transpose(
    lhs: ArrayLike,
    rhs: ArrayLike,
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Sequence[str] | Sequence[Sequence[int]] | None = None,
    transpose_kernel: bool = False,
    use_consistent_padding: bool = False,
) -> np.ndarray:
    """``jax.lax.conv_transpose``, computed with :func:`conv_transpose`.

    JAX computes a stride-1 convolution (a cross-correlation: the kernel is *not* flipped) of
    the input with ``strides - 1`` zeros inserted between its elements, padded by ``padding``.

    Parameters
    ----------
    lhs : array_like
        Input, rank ``n + 2``; layout by ``dimension_numbers[0]`` (default ``NHWC``).
    rhs : array_like
        Kernel, rank ``n + 2``; layout by ``dimension_numbers[1]`` (default ``HWIO``): ``I``
        matches the input's features, ``O`` is the output's -- unless ``transpose_kernel``.
    strides : sequence of int
        The fractional strides (zeros inserted between input elements are ``strides - 1``).
    padding : {'SAME', 'VALID'} or sequence of (int, int)
        ``'SAME'``: output ``i * strides``; ``'VALID'``: ``(i - 1)*strides + max(k_eff, strides)``
        with ``k_eff = rhs_dilation*(k - 1) + 1``.  Pairs ``(lo, hi)``: zeros added before and
        after the zero-inserted input (negative: removed), any integers, unless
        ``use_consistent_padding``.
    rhs_dilation : sequence of int, optional
        Kernel dilation, ``>= 1``; default all 1.
    dimension_numbers : tuple of three str, or three sequences of int, optional
        ``(lhs_spec, rhs_spec, out_spec)`` as in ``jax.lax.conv_general_dilated``, e.g.
        ``('NCHW', 'OIHW', 'NCHW')``, or a ``ConvDimensionNumbers``; the spatial axes of
        ``strides``, ``padding`` and ``rhs_dilation`` follow their order in ``rhs_spec``.
        Default: ``('NHC', 'HIO', 'NHC')``, ``('NHWC', 'HWIO', 'NHWC')`` or
        ``('NHWDC', 'HWDIO', 'NHWDC')`` by rank.
    transpose_kernel : bool
        Flip the kernel's spatial axes and swap its ``I`` and ``O`` axes first, as TensorFlow
        and Keras do: the kernel's ``O`` axis then matches the input's features.
    use_consistent_padding : bool
        Read explicit ``padding`` pairs as the forward convolution's padding, PyTorch-style.

    Returns
    -------
    numpy.ndarray
        Layout by ``dimension_numbers[2]``; spatial size
        ``max((i - 1)*strides + 1 + lo + hi - rhs_dilation*(k - 1), 0)``; dtype by the core's rules.

    Raises
    ------
    ValueError, TypeError
        For an argument JAX does not allow, naming the parameter -- also ``padding`` that
        removes more than the whole zero-inserted input.

    See Also
    --------
    jax_padding : the ``(lo, hi)`` padding of ``'SAME'`` and ``'VALID'``.

    Notes
    -----
    ``jax.lax.conv_transpose`` (https://docs.jax.dev/en/latest/_autosummary/jax.lax.conv_transpose.html;
    source ``jax/_src/lax/convolution.py``, functions ``conv_transpose`` and
    ``_conv_transpose_padding``) is ``conv_general_dilated(lhs, rhs, window_strides=1,
    padding=(lo, hi), lhs_dilation=strides, rhs_dilation=rhs_dilation)``.  Written as a
    transposed convolution, with the spatially flipped kernel and ``k_eff =
    rhs_dilation*(k - 1) + 1``, that is PyTorch's with ``padding = (k_eff - 1 - lo,
    k_eff - 1 - hi)``, which is negative when ``lo`` or ``hi`` exceed ``k_eff - 1``: the output
    then extends past the full output, with zeros.

    * ``'SAME'``: total ``k_eff + strides - 2``; ``lo = k_eff - 1`` if ``strides > k_eff - 1``, else
      ``ceil(total / 2)``; so the full output is cropped by ``floor((k_eff - s)/2)`` at the start
      and the rest at the end -- the odd element at the end, TensorFlow's ``SAME``.
    * ``'VALID'``: ``lo = k_eff - 1``, ``hi = k_eff - 1 + max(strides - k_eff, 0)``: nothing is
      cropped, and a kernel smaller than the stride is followed by ``strides - k_eff`` zeros.
    * There is no ``groups`` argument (``feature_group_count`` is 1), no bias, no
      ``output_padding``.  ``precision`` and ``preferred_element_type`` are not taken: results
      follow the core's dtype rules.  Only ``'SAME'`` and ``'VALID'`` are accepted as strings.
    * Empty outputs: JAX pads the zero-inserted input, of ``P = (i - 1)*strides + 1 + lo + hi``
      elements, and slides the dilated kernel over it; where ``0 <= P < k_eff`` no window
      position fits and JAX returns an empty output (size 0 in that dimension), and so do we.
      A negative ``P`` JAX refuses ("Negative padding is larger than the size of the
      corresponding dimension"), and so do we.

    Examples
    --------
    The default layout is channels-last, ``NHC`` and ``HIO`` in 1-D.  A ``(1, 3, 1)`` input and
    a kernel ``[1, 10, 100]``: without ``transpose_kernel`` the kernel is used unflipped on the
    zero-inserted input ``[1, 0, 2, 0, 3]``:

    >>> import numpy as np
    >>> x = np.array([1, 2, 3]).reshape(1, 3, 1)
    >>> k = np.array([1, 10, 100]).reshape(3, 1, 1)
    >>> jax_conv_transpose(x, k, (2,), "SAME").ravel().tolist()
    [100, 10, 201, 20, 302, 30]
    >>> jax_conv_transpose(x, k, (2,), "VALID").ravel().tolist()
    [100, 10, 201, 20, 302, 30, 3]

    Explicit pads apply to ``[1, 0, 2, 0, 3]``; negative ones crop it, large ones add zeros:

    >>> jax_conv_transpose(x, k, (2,), [(0, 0)]).ravel().tolist()
    [201, 20, 302]
    >>> jax_conv_transpose(x, k, (2,), [(-1, 3)]).ravel().tolist()
    [20, 302, 30, 3, 0]

    Pads that leave less of ``[1, 0, 2, 0, 3]`` than the kernel's three elements give an empty
    output, as in JAX; removing more than all five is refused, as in JAX:

    >>> jax_conv_transpose(x, k, (2,), [(-2, -2)]).shape
    (1, 0, 1)
    >>> jax_conv_transpose(x, k, (2,), [(-3, -3)])
    Traceback (most recent call last):
    ...
    ValueError: padding must remove at most the whole zero-inserted input, ...: (-1,)

    ``transpose_kernel=True`` is PyTorch's kernel orientation:

    >>> jax_conv_transpose(x, k, (2,), "VALID", transpose_kernel=True).ravel().tolist()
    [1, 10, 102, 20, 203, 30, 300]
    """
    lhs_arr = real_array(lhs, "lhs")
    rhs_arr = real_array(rhs, "rhs")
    if lhs_arr.ndim != rhs_arr.ndim or lhs_arr.ndim < 3:
        raise ValueError(
            "lhs and rhs must have the same rank n + 2 with n >= 1 spatial dimensions; "
            f"got lhs.shape={lhs_arr.shape} and rhs.shape={rhs_arr.shape}"
        )
    lhs_perm, rhs_perm, out_perm = _jax_permutations(dimension_numbers, lhs_arr.ndim)
    ndim = lhs_arr.ndim - 2
    x = lhs_arr.transpose(lhs_perm)  # (N, C, *spatial)
    kernel = rhs_arr.transpose(rhs_perm)  # (O, I, *kernel)
    if any(size < 1 for size in kernel.shape):
        raise ValueError(f"rhs must have no empty axis; got rhs.shape={rhs_arr.shape}")
    _check_input_not_empty(x, "lhs", lhs_arr.shape)
    stride = as_int_tuple(strides, "strides", ndim, minimum=1)
    dilation = (1,) * ndim if rhs_dilation is None else as_int_tuple(rhs_dilation, "rhs_dilation", ndim, minimum=1)
    flip = _bool(transpose_kernel, "transpose_kernel")
    consistent = _bool(use_consistent_padding, "use_consistent_padding")
    if flip:
        # JAX flips the spatial axes and swaps O and I; undoing the flip to write it as a
        # transposed convolution leaves the kernel as given, O (now the input features) first.
        weight, in_axis = kernel, "O"  # (C_in = O, C_out = I, *kernel)
    else:
        weight, in_axis = np.flip(kernel, axis=tuple(range(2, ndim + 2))).swapaxes(0, 1), "I"  # (I, O, *kernel)
    if weight.shape[0] != x.shape[1]:
        raise ValueError(
            f"rhs's {in_axis!r} dimension must equal lhs's feature dimension 'C' "
            f"({'with' if flip else 'without'} transpose_kernel); got lhs.shape={lhs_arr.shape} with C={x.shape[1]} "
            f"and rhs.shape={rhs_arr.shape} with {in_axis}={weight.shape[0]}"
        )
    effective = [(k - 1) * d + 1 for k, d in zip(kernel.shape[2:], dilation)]
    pads = jax_padding(padding, effective, stride, use_consistent_padding=consistent)
    full = _full_output_shape(x.shape[2:], kernel.shape[2:], stride, dilation)
    padded = [(i - 1) * s + 1 + lo + hi for i, s, (lo, hi) in zip(x.shape[2:], stride, pads)]
    if any(p < 0 for p in padded):
        raise ValueError(
            "padding must remove at most the whole zero-inserted input, (i - 1)*strides + 1 + lo + hi >= 0 in "
            f"every dimension (JAX: 'Negative padding is larger than the size'); got padding={padding!r}, "
            f"(lo, hi) = {pads} for an input of {tuple(x.shape[2:])} and strides={stride}: {tuple(padded)}"
        )
    # the window [k_eff - 1 - lo, F - (k_eff - 1) + hi): empty, as in JAX, where less than the kernel is left
    window = tuple((k - 1 - lo, max(f - (k - 1) + hi, k - 1 - lo)) for (lo, hi), k, f in zip(pads, effective, full))
    y = _window_of_full_output(x, weight, None, stride=stride, dilation=dilation, groups=1, window=window)
    return np.ascontiguousarray(y.transpose(np.argsort(out_perm)))  # (N, C, *spatial) -> out_spec's layout


# ----------------------------------------------------------------------------------------------
# TensorFlow and Keras
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


def _tf_window(
    sizes: Sequence[int],
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    padding: str | tuple[tuple[int, int], ...],
) -> tuple[Window, tuple[int, ...], tuple[int, ...]]:
    """The window TensorFlow takes for ``output_shape`` spatial ``sizes``, and the sizes it accepts.

    TensorFlow's transposed convolution is the gradient of the forward convolution of an
    ``output_shape`` array; its window starts at that convolution's padding *before*.
    Returns ``(window, smallest, largest)``: ``sizes`` fit when each lies between the two.
    """
    window, smallest, largest = [], [], []
    explicit = () if isinstance(padding, str) else padding
    for axis, (o, i, k, s, d) in enumerate(zip(sizes, input_shape, kernel_shape, stride, dilation)):
        k_eff = (k - 1) * d + 1
        if padding == "SAME":  # forward output ceil(o / s); pad max((i - 1)*s + k_eff - o, 0), before = half
            low, high = (i - 1) * s + 1, i * s
            start = max((i - 1) * s + k_eff - o, 0) // 2
        elif padding == "VALID":  # forward output floor((o - k_eff) / s) + 1
            low = (i - 1) * s + k_eff
            high = low + s - 1
            start = 0
        else:  # explicit (before, after): forward output floor((o + before + after - k_eff) / s) + 1
            before, after = explicit[axis]
            low = max((i - 1) * s + k_eff - before - after, 0)  # 0 fits when the padding alone covers it
            high = (i - 1) * s + k_eff - before - after + s - 1
            start = before
        window.append((start, start + o))
        smallest.append(low)
        largest.append(high)
    return tuple(window), tuple(smallest), tuple(largest)


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
    x = x_arr if channels_first else np.moveaxis(x_arr, -1, 1)  # (N, C_in, *spatial)
    _check_input_not_empty(x, "input", x_arr.shape)
    stride = _tf_per_dimension(strides, "strides", ndim, channels_first)
    dilation = (1,) * ndim if dilations is None else _tf_per_dimension(dilations, "dilations", ndim, channels_first)
    if f_arr.shape[-1] != x.shape[1]:
        raise ValueError(
            f"filters must have shape (*kernel, C_out, C_in) with C_in the input's channels; "
            f"got input.shape={x_arr.shape} ({fmt}, C_in={x.shape[1]}) and filters.shape={f_arr.shape}"
        )
    batch, channels, sizes = (shape[0], shape[1], shape[2:]) if channels_first else (shape[0], shape[-1], shape[1:-1])
    if batch != x.shape[0] or channels != f_arr.shape[-2]:
        raise ValueError(
            f"output_shape must have the input's batch size {x.shape[0]} and the filters' C_out {f_arr.shape[-2]} "
            f"({fmt}); got output_shape={shape}"
        )
    pads = _tf_padding(padding, ndim, channels_first)
    kernel = tuple(f_arr.shape[:ndim])
    window, smallest, largest = _tf_window(sizes, x.shape[2:], kernel, stride, dilation, pads)
    if any(not lo <= o <= hi for o, lo, hi in zip(sizes, smallest, largest)):
        none = any(lo > hi for lo, hi in zip(smallest, largest))
        raise ValueError(
            "output_shape must fit the input: the forward convolution of an output_shape array must give the "
            f"input's spatial size {tuple(x.shape[2:])}, so with kernel {kernel}, strides={stride}, "
            f"dilations={dilation} and padding={padding!r} valid spatial sizes range from {smallest} to {largest}"
            + (" (none where the padding alone is too large)" if none else "")
            + f"; got output_shape={shape}"
        )
    weight = f_arr.transpose(ndim + 1, ndim, *range(ndim))  # (C_in, C_out, *kernel)
    y = _window_of_full_output(x, weight, None, stride=stride, dilation=dilation, groups=1, window=window)
    return y if channels_first else np.ascontiguousarray(np.moveaxis(y, 1, -1))


def _tf_padding(padding: Any, ndim: int, channels_first: bool) -> str | tuple[tuple[int, int], ...]:
    """``'SAME'``, ``'VALID'``, or (2-D only) explicit pairs for the spatial dimensions."""
    if isinstance(padding, str):
        return as_choice(padding, "padding", ("SAME", "VALID"))
    if ndim != 2:
        raise ValueError(
            "padding must be 'SAME' or 'VALID'; TensorFlow takes explicit padding pairs in 2-D only "
            f"(tf.nn.conv2d_transpose); got padding={padding!r} with {ndim} spatial dimension(s)"
        )
    pairs = _int_pairs(padding, "padding", ndim + 2)
    outer = (pairs[0], pairs[1]) if channels_first else (pairs[0], pairs[-1])
    if any(pair != (0, 0) for pair in outer):
        raise ValueError(f"padding must be [0, 0] for the batch and channel dimensions; got padding={padding!r}")
    spatial = pairs[2:] if channels_first else pairs[1:-1]
    if any(before < 0 or after < 0 for before, after in spatial):
        raise ValueError(f"padding must be >= 0 on every side; got padding={padding!r}")
    return spatial


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
    x_arr, k_arr, ndim = _arrays(
        inputs,
        "inputs",
        kernel,
        "kernel",
        x_layout="(N, *spatial, C) or (N, C, *spatial)",
        weight_layout="(*kernel_size, C_out, C_in)",
    )
    if ndim > 3:
        raise ValueError(f"keras.ops.conv_transpose supports 1 to 3 spatial dimensions; got inputs.shape={x_arr.shape}")
    fmt = "channels_last" if data_format is None else _lower_choice(data_format, "data_format", KERAS_DATA_FORMATS)
    mode = _lower_choice(padding, "padding", ("valid", "same"))
    stride = as_int_tuple(strides, "strides", ndim, minimum=1)
    dilation = as_int_tuple(dilation_rate, "dilation_rate", ndim, minimum=1)
    extra = None if output_padding is None else as_int_tuple(output_padding, "output_padding", ndim, minimum=0)
    if extra is not None and any(a >= s for a, s in zip(extra, stride)):
        raise ValueError(
            "output_padding must be smaller than strides in every dimension; "
            f"got output_padding={extra}, strides={stride}"
        )
    x = x_arr if fmt == "channels_first" else np.moveaxis(x_arr, -1, 1)  # (N, C_in, *spatial)
    _check_input_not_empty(x, "inputs", x_arr.shape)
    if k_arr.shape[-1] != x.shape[1]:
        raise ValueError(
            "kernel must have shape (*kernel_size, C_out, C_in) with C_in the inputs' channels; "
            f"got inputs.shape={x_arr.shape} ({fmt}, C_in={x.shape[1]}) and kernel.shape={k_arr.shape}"
        )
    window = []
    for axis, (i, k, s, d) in enumerate(zip(x.shape[2:], k_arr.shape[:ndim], stride, dilation)):
        k_eff = (k - 1) * d + 1
        full = (i - 1) * s + k_eff
        if mode == "valid":
            o = full + (max(k_eff, s) - k_eff if extra is None else extra[axis])
            start = 0
        else:
            o = i * s if extra is None else (i - 1) * s + k_eff % 2 + extra[axis]
            start = max(full - o, 0) // 2
        window.append((start, start + o))  # o >= 0; 0 ('same', i = 1, even k_eff, output_padding 0): empty
    weight = k_arr.transpose(ndim + 1, ndim, *range(ndim))  # (C_in, C_out, *kernel)
    y = _window_of_full_output(x, weight, None, stride=stride, dilation=dilation, groups=1, window=tuple(window))
    return y if fmt == "channels_first" else np.ascontiguousarray(np.moveaxis(y, 1, -1))


def _lower_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """One of ``choices``, compared case-insensitively, as Keras compares them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {list(choices)}; got {value!r}")
    return as_choice(value.lower(), name, choices)
