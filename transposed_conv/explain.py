"""Worked examples with numbers: the engine of ``transposed-conv explain``.

:func:`explain` computes a one-channel transposed convolution of small integers the way
Dumoulin & Visin (2016, section 4) draw it, and keeps every intermediate array:

1. the input ``x`` and the kernel ``w``;
2. ``x`` with ``stride - 1`` zeros inserted between neighbours (the *stretched* input);
3. that, padded by ``dilation*(kernel - 1) - padding`` zeros before and
   ``dilation*(kernel - 1) - padding + output_padding`` after (a negative amount crops);
4. the kernel flipped in every dimension (and dilated: ``dilation - 1`` zeros between taps);
5. the output: the flipped kernel slid over the padded map with stride 1,

and prints them with the size formula filled in (the command's parser is in
:mod:`transposed_conv.cli`; it prints :attr:`Explanation.text`).  Everything here is plain NumPy written
out step by step, independent of :mod:`transposed_conv.methods`: the tests check that the
output equals :func:`~transposed_conv.conv_transpose`.

The module also holds the other small teaching computations the documentation and the
figures use: the convolution's explicit matrix (:func:`convolution_matrix`), the number of
kernel taps that land on each output position (:func:`overlap_counts`, :func:`tap_counts`),
and the sub-pixel (polyphase) form of a strided transposed convolution
(:func:`subpixel_conv_transpose`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._normalize import as_choice, as_int_tuple, as_shape
from .conv import conv
from .shapes import ConvTransposeGeometry, Padding, effective_kernel_length, spatial_arguments

__all__ = [
    "MAX_PRINTED_SIDE",
    "MAX_SIDE",
    "VALUE_KINDS",
    "Explanation",
    "TooWideToPrint",
    "convolution_matrix",
    "dilate",
    "explain",
    "format_array",
    "overlap_counts",
    "pad_or_crop",
    "stretch",
    "subpixel_conv_transpose",
    "tap_counts",
]

#: How :func:`explain` fills the input and the kernel when their values are not given.
VALUE_KINDS = ("range", "ones", "random")

#: Largest input and kernel side ``explain`` prints: beyond it the arrays stop being readable.
MAX_SIDE = 16

#: Largest side of any array ``explain`` prints (the zero-inserted input, the padded map, the
#: dilated kernel, the output): a large stride or dilation stretches them (``stride=1000`` would
#: print megabytes), so ``explain`` refuses before computing them.
MAX_PRINTED_SIDE = 64


class TooWideToPrint(ValueError):
    """A worked example with an array wider than :data:`MAX_PRINTED_SIDE`.

    ``culprits`` maps the arguments to blame (``stride``, ``dilation``) to their values, so
    that a command line can name them as its options: ``text(options=True)``.
    """

    def __init__(self, what: str, culprits: dict[str, tuple[int, ...]]) -> None:
        self.what, self.culprits = what, culprits
        super().__init__(self.text(options=False))

    def text(self, *, options: bool) -> str:
        """The refusal, naming the culprits as arguments (``stride=(9,)``) or as options (``--stride 9``)."""
        if options:
            given = [f"--{name} {','.join(map(str, value))}" for name, value in self.culprits.items()]
            names = [f"--{name}" for name in self.culprits]
        else:
            given = [f"{name}={value}" for name, value in self.culprits.items()]
            names = list(self.culprits)
        return (
            f"explain prints arrays at most {MAX_PRINTED_SIDE} wide; with {' and '.join(given)}, {self.what}; "
            f"choose a smaller {' or '.join(names)}"
        )


def _check_printable(
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    extra: tuple[int, ...],
    dilation: tuple[int, ...],
) -> None:
    """Raise :class:`TooWideToPrint` if a step's array would be wider than :data:`MAX_PRINTED_SIDE`: integers only."""
    for j, (i, k, s, (pb, pe), a, d) in enumerate(zip(sizes, kernel, stride, pads, extra, dilation)):
        stretched, flipped = (i - 1) * s + 1, effective_kernel_length(k, d)
        padded = stretched + 2 * (flipped - 1) - pb - pe + a
        if stretched > MAX_PRINTED_SIDE:
            what = f"the zero-inserted input is (in - 1)*stride + 1 = ({i} - 1)*{s} + 1 = {stretched} wide in dim {j}"
            raise TooWideToPrint(what, {"stride": stride})
        if flipped > MAX_PRINTED_SIDE:
            what = f"the dilated kernel is dilation*(kernel - 1) + 1 = {d}*({k} - 1) + 1 = {flipped} wide in dim {j}"
            raise TooWideToPrint(what, {"dilation": dilation})
        if padded > MAX_PRINTED_SIDE:
            what = f"the padded input is {padded} wide in dim {j}"
            named = {"stride": stride, "dilation": dilation}
            raise TooWideToPrint(what, {name: v for name, v in named.items() if v[j] > 1} or named)


# --- the steps, one channel ---------------------------------------------------------------------


def stretch(a: ArrayLike, stride: int | Sequence[int]) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring elements along every axis.

    A size ``i`` becomes ``(i - 1)*stride + 1``: the "fractional stride" of a transposed
    convolution.

    Examples
    --------
    >>> stretch([1, 2, 3], 2).tolist()
    [1, 0, 2, 0, 3]
    >>> stretch([[1, 2], [3, 4]], (2, 3)).tolist()
    [[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 4]]
    """
    arr = np.asarray(a)
    steps = spatial_arguments(arr.ndim, stride=stride).stride
    out = np.zeros(tuple((i - 1) * s + 1 for i, s in zip(arr.shape, steps)), dtype=arr.dtype)
    out[tuple(slice(None, None, s) for s in steps)] = arr
    return out


def dilate(kernel: ArrayLike, dilation: int | Sequence[int]) -> np.ndarray:
    """Insert ``dilation - 1`` zeros between neighbouring kernel taps (the same as :func:`stretch`).

    Examples
    --------
    >>> dilate([1, 2, 3], 2).tolist()
    [1, 0, 2, 0, 3]
    """
    return stretch(kernel, dilation)


def pad_or_crop(a: ArrayLike, before: Sequence[int], after: Sequence[int]) -> np.ndarray:
    """Add ``before[j]``/``after[j]`` zeros at the two ends of axis ``j``; a negative amount removes that many.

    Examples
    --------
    >>> pad_or_crop([1, 0, 2, 0, 3], [1], [2]).tolist()
    [0, 1, 0, 2, 0, 3, 0, 0]
    >>> pad_or_crop([1, 0, 2, 0, 3], [-1], [0]).tolist()
    [0, 2, 0, 3]
    """
    arr = np.asarray(a)
    padded = np.pad(arr, [(max(b, 0), max(e, 0)) for b, e in zip(before, after)])
    keep = tuple(slice(max(-b, 0), n - max(-e, 0)) for b, e, n in zip(before, after, padded.shape))
    return padded[keep]


def _correlate_stride1(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Stride-1 'valid' cross-correlation of one channel: ``out[o] = sum_j kernel[j] * a[o + j]``."""
    out = np.zeros(tuple(m - n + 1 for m, n in zip(a.shape, kernel.shape)), dtype=np.result_type(a, kernel))
    for tap in itertools.product(*(range(n) for n in kernel.shape)):
        out += kernel[tap] * a[tuple(slice(j, j + o) for j, o in zip(tap, out.shape))]
    return out


# --- explain ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """A one-channel transposed convolution, step by step (see :func:`explain`).

    Attributes
    ----------
    input_size, kernel_size, stride, output_padding, dilation : tuple of int
        The configuration, one entry per spatial dimension.
    padding : tuple of (int, int)
        ``(begin, end)`` per spatial dimension.
    x, weight : numpy.ndarray
        The input and the kernel, spatial axes only.
    stretched : numpy.ndarray
        ``x`` with ``stride - 1`` zeros between neighbours.
    padded : numpy.ndarray
        ``stretched`` padded (or cropped) by ``dilation*(kernel - 1) - padding``, plus
        ``output_padding`` at the end.
    flipped : numpy.ndarray
        ``weight`` flipped in every axis and dilated.
    output : numpy.ndarray
        The transposed convolution: ``flipped`` slid over ``padded`` with stride 1.
    text : str
        Everything above, printed, with the size formula filled in.
    """

    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    x: np.ndarray
    weight: np.ndarray
    stretched: np.ndarray
    padded: np.ndarray
    flipped: np.ndarray
    output: np.ndarray
    text: str

    def __str__(self) -> str:
        return self.text


def _default_values(kind: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if kind == "range":
        return np.arange(1, math.prod(shape) + 1, dtype=np.int64).reshape(shape)
    if kind == "ones":
        return np.ones(shape, dtype=np.int64)
    return rng.integers(-3, 4, size=shape, dtype=np.int64)


def _given_values(values: ArrayLike, shape: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers (explain works with small integers); got dtype {arr.dtype}")
    if arr.size != math.prod(shape):
        raise ValueError(f"{name} must have {math.prod(shape)} values for a size of {shape}; got {arr.size}")
    return arr.astype(np.int64).reshape(shape)


def explain(
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    values: str = "range",
    x: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    seed: int = 0,
) -> Explanation:
    """A transposed convolution of one channel, worked through with small integers.

    Parameters
    ----------
    input_size, kernel_size : int or sequence of int
        Spatial sizes, 1-D or 2-D, at most 16 per side.
    stride, padding, output_padding, dilation
        As for :func:`~transposed_conv.conv_transpose` (``padding`` may hold
        ``(begin, end)`` pairs).
    values : {'range', 'ones', 'random'}
        How to fill ``x`` and ``weight`` when they are not given: ``1, 2, 3, ...`` in
        row-major order; all ones (the output then counts the kernel taps that land on
        each position -- see :func:`overlap_counts`); or random integers in ``[-3, 3]``
        from ``seed``.
    x, weight : array_like of int, optional
        Explicit values, reshaped (row-major) to ``input_size`` and ``kernel_size``.
    seed : int
        Seed for ``values='random'``.

    Returns
    -------
    Explanation
        The arrays of every step and their printout, ``.text``.

    Raises
    ------
    ValueError
        For an invalid configuration (the message names the argument), more than two
        dimensions, a side above 16, an array to print wider than 64 (a large stride or
        dilation), or a wrong number of explicit values.
    TypeError
        For non-integer arguments or values.

    Examples
    --------
    >>> e = explain(3, 3, stride=2, padding=1)
    >>> e.stretched.tolist(), e.padded.tolist(), e.flipped.tolist()
    ([1, 0, 2, 0, 3], [0, 1, 0, 2, 0, 3, 0], [3, 2, 1])
    >>> e.output.tolist()
    [2, 5, 4, 9, 6]
    >>> from transposed_conv import conv_transpose
    >>> conv_transpose([[1, 2, 3]], [[[1, 2, 3]]], stride=2, padding=1).tolist()
    [[2, 5, 4, 9, 6]]
    """
    sizes = as_shape(input_size, "input_size")
    ndim = len(sizes)
    if ndim > 2:
        raise ValueError(f"explain prints 1-D and 2-D examples only; got input_size={sizes}")
    kernel = as_int_tuple(kernel_size, "kernel_size", ndim, minimum=1)
    if max(sizes + kernel) > MAX_SIDE:
        raise ValueError(
            f"explain prints small examples: input_size and kernel_size must be at most {MAX_SIDE}; "
            f"got input_size={sizes}, kernel_size={kernel}"
        )
    geometry = ConvTransposeGeometry.build(
        sizes, kernel, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )  # validates the whole configuration, with the library's messages
    steps, pads, extra, dilations = geometry.stride, geometry.padding, geometry.output_padding, geometry.dilation
    out_size = geometry.output_shape
    _check_printable(sizes, kernel, steps, pads, extra, dilations)
    kind = as_choice(values, "values", VALUE_KINDS)
    rng = np.random.default_rng(seed)
    xs = _default_values(kind, sizes, rng) if x is None else _given_values(x, sizes, "x")
    ws = _default_values(kind, kernel, rng) if weight is None else _given_values(weight, kernel, "weight")

    stretched = stretch(xs, steps)
    full = tuple(d * (k - 1) for d, k in zip(dilations, kernel))
    before = tuple(f - pb for f, (pb, _) in zip(full, pads))
    after = tuple(f - pe + a for f, (_, pe), a in zip(full, pads, extra))
    padded = pad_or_crop(stretched, before, after)
    flipped = dilate(np.flip(ws), dilations)
    output = _correlate_stride1(padded, flipped)
    text = _describe(sizes, kernel, steps, pads, extra, dilations, xs, ws, stretched, before, after, padded, flipped)
    text += _describe_output(output, out_size, padded, flipped, sizes, kernel, steps, pads, extra, dilations)
    return Explanation(
        input_size=sizes,
        kernel_size=kernel,
        stride=steps,
        padding=pads,
        output_padding=extra,
        dilation=dilations,
        x=xs,
        weight=ws,
        stretched=stretched,
        padded=padded,
        flipped=flipped,
        output=output,
        text=text,
    )


def format_array(a: np.ndarray, indent: str = "  ") -> str:
    """Right-aligned columns, one line per row (1-D arrays on one line); no brackets.

    Examples
    --------
    >>> print(format_array(np.array([[1, 20], [300, 4]])))
        1  20
      300   4
    """
    arr = np.asarray(a)
    rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if rows.size == 0:
        return f"{indent}(empty)"
    width = max(len(str(int(v))) for v in rows.ravel())
    return "\n".join(indent + " ".join(f"{int(v):>{width}}" for v in row) for row in rows)


def _shape_text(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape))


def _describe(
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    extra: tuple[int, ...],
    dilation: tuple[int, ...],
    x: np.ndarray,
    w: np.ndarray,
    stretched: np.ndarray,
    before: tuple[int, ...],
    after: tuple[int, ...],
    padded: np.ndarray,
    flipped: np.ndarray,
) -> str:
    ndim = len(sizes)
    dims = range(ndim)
    symmetric = all(b == e for b, e in pads)
    shown_padding = ",".join(str(b) for b, _ in pads) if symmetric else str(pads)
    lines = [
        f"transposed convolution, {ndim}-D: input {_shape_text(sizes)}, kernel {_shape_text(kernel)}, "
        f"stride {','.join(map(str, stride))}, padding {shown_padding}, "
        f"output_padding {','.join(map(str, extra))}, dilation {','.join(map(str, dilation))}",
        "",
        f"input x ({_shape_text(x.shape)}):",
        format_array(x),
        "",
        f"kernel w ({_shape_text(w.shape)}):",
        format_array(w),
        "",
        "1. insert stride - 1 zeros between neighbouring inputs: size (in - 1)*stride + 1",
    ]
    lines += [f"   dim {j}: ({sizes[j]} - 1)*{stride[j]} + 1 = {stretched.shape[j]}" for j in dims]
    lines += [format_array(stretched), ""]
    lines.append(
        "2. pad with dilation*(kernel - 1) - padding zeros before, and that + output_padding after"
        " (a negative amount crops)"
    )
    for j in dims:
        (pb, pe), d, k = pads[j], dilation[j], kernel[j]
        lines.append(
            f"   dim {j}: before {d}*({k} - 1) - {pb} = {before[j]}, after {d}*({k} - 1) - {pe} + {extra[j]} = "
            f"{after[j]}; size {stretched.shape[j]} + {before[j]} + {after[j]} = {padded.shape[j]}"
        )
    lines += [format_array(padded), ""]
    flip_what = "flip the kernel in every dimension" if ndim > 1 else "flip the kernel"
    if any(d > 1 for d in dilation):
        flip_what += ", then insert dilation - 1 zeros between its taps"
    lines.append(f"3. {flip_what}: size dilation*(kernel - 1) + 1")
    lines += [f"   dim {j}: {dilation[j]}*({kernel[j]} - 1) + 1 = {flipped.shape[j]}" for j in dims]
    lines += [format_array(flipped), ""]
    return "\n".join(lines) + "\n"


def _describe_output(
    output: np.ndarray,
    out_size: tuple[int, ...],
    padded: np.ndarray,
    flipped: np.ndarray,
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    extra: tuple[int, ...],
    dilation: tuple[int, ...],
) -> str:
    dims = range(len(sizes))
    lines = [
        "4. slide the flipped kernel over the padded map with stride 1: size padded - (dilation*(kernel - 1) + 1) + 1",
    ]
    lines += [f"   dim {j}: {padded.shape[j]} - {flipped.shape[j]} + 1 = {output.shape[j]}" for j in dims]
    window = padded[tuple(slice(0, n) for n in flipped.shape)]
    terms = [
        f"{int(v)}*{int(f)}" for v, f in zip(window.ravel(), flipped.ravel()) if v != 0 and f != 0
    ]  # zero terms omitted
    first = "y[" + ", ".join("0" for _ in dims) + "]"
    lines.append(
        f"   for example {first} = " + (" + ".join(terms) if terms else "0") + f" = {int(output.ravel()[0])}"
        "   (terms with a zero omitted)"
    )
    lines += [f"output y ({_shape_text(output.shape)}):", format_array(output), ""]
    lines.append(
        "size: out = (in - 1)*stride - padding_begin - padding_end + dilation*(kernel - 1) + output_padding + 1"
    )
    for j in dims:
        (pb, pe), d, k = pads[j], dilation[j], kernel[j]
        lines.append(
            f"   dim {j}: ({sizes[j]} - 1)*{stride[j]} - {pb} - {pe} + {d}*({k} - 1) + {extra[j]} + 1 = {out_size[j]}"
        )
    return "\n".join(lines) + "\n"


# --- other teaching computations ----------------------------------------------------------------


def convolution_matrix(
    input_shape: int | Sequence[int],
    weight: ArrayLike,
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """The dense matrix ``C`` of a one-channel convolution: ``vec(conv(a)) == C @ vec(a)``.

    Column ``m`` is the convolution of the ``m``-th unit array (row-major), so ``C`` has
    one row per output position and one column per input position.  Its transpose maps
    the convolution's output space back to its input space: ``C.T @ vec(y)`` is the
    transposed convolution of ``y`` (with the ``output_padding`` that gives back
    ``input_shape``).

    Parameters
    ----------
    input_shape : int or sequence of int
        Spatial shape of the convolution's input.
    weight : array_like
        The kernel, spatial axes only.
    stride, padding, dilation
        As for :func:`~transposed_conv.conv`.

    Returns
    -------
    numpy.ndarray
        Shape ``(prod(out), prod(input_shape))``.

    Examples
    --------
    Dumoulin & Visin's example: a 3 x 3 kernel on a 4 x 4 input gives a 4 x 16 matrix
    with the kernel's rows spread out, each row shifted by one:

    >>> C = convolution_matrix((4, 4), np.arange(1, 10).reshape(3, 3))
    >>> C.shape
    (4, 16)
    >>> C[0].tolist()
    [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]
    """
    shape = as_shape(input_shape, "input_shape")
    w = np.asarray(weight)
    n = math.prod(shape)
    basis = np.eye(n, dtype=w.dtype if w.dtype.kind in "iuf" else None).reshape(n, 1, *shape)  # (n, 1, *L)
    columns = conv(basis, w[np.newaxis, np.newaxis], stride=stride, padding=padding, dilation=dilation)  # (n, 1, *O)
    return np.ascontiguousarray(columns.reshape(n, -1).T)  # (prod(O), prod(L))


def overlap_counts(
    input_shape: int | Sequence[int],
    kernel_shape: int | Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """How many (input element, kernel tap) pairs land on each output position.

    This is the transposed convolution of an input of ones with a kernel of ones, computed
    by scattering: each tap ``j`` adds 1 at positions ``i*stride + j*dilation - padding_begin``.
    Where the count varies from position to position in the interior of the output, a
    trained kernel has to work against it: the *checkerboard* of Odena et al. (2016).

    Examples
    --------
    Kernel 3, stride 2: the interior alternates 2, 1, 2, 1 -- and in 2-D, where the
    counts multiply, 4, 2, 1:

    >>> overlap_counts(5, 3, stride=2).tolist()
    [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
    >>> overlap_counts((3, 3), (3, 3), stride=2, padding=1).tolist()
    [[1, 2, 1, 2, 1], [2, 4, 2, 4, 2], [1, 2, 1, 2, 1], [2, 4, 2, 4, 2], [1, 2, 1, 2, 1]]

    Kernel 4, stride 2 (the seed's decoder) covers every interior position twice:

    >>> overlap_counts(5, 4, stride=2, padding=1).tolist()
    [1, 2, 2, 2, 2, 2, 2, 2, 2, 1]
    """
    sizes = as_shape(input_shape, "input_shape")
    ndim = len(sizes)
    kernel = as_int_tuple(kernel_shape, "kernel_shape", ndim, minimum=1)
    geometry = ConvTransposeGeometry.build(
        sizes, kernel, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    steps, pads, dilations, out = geometry.stride, geometry.padding, geometry.dilation, geometry.output_shape
    uncropped = tuple(o + pb + pe for o, (pb, pe) in zip(out, pads))
    counts = np.zeros(uncropped, dtype=np.int64)
    for tap in itertools.product(*(range(k) for k in kernel)):
        counts[tuple(slice(j * d, j * d + (i - 1) * s + 1, s) for j, d, i, s in zip(tap, dilations, sizes, steps))] += 1
    return counts[tuple(slice(pb, pb + o) for (pb, _), o in zip(pads, out))]


def tap_counts(kernel_size: int, stride: int, dilation: int = 1) -> tuple[int, ...]:
    """Kernel taps landing on an interior output position, for each phase ``t mod stride``.

    Tap ``j`` of input ``i`` lands at ``i*stride + j*dilation``, so position ``t`` receives
    the taps with ``j*dilation = t (mod stride)`` -- as long as the matching inputs exist,
    which they do away from the edges.  With ``dilation = 1`` phase ``r`` receives
    ``ceil((kernel - r) / stride)`` taps: all phases get the same number exactly when the
    stride divides the kernel size.

    Examples
    --------
    >>> tap_counts(3, 2), tap_counts(4, 2), tap_counts(5, 3), tap_counts(3, 2, dilation=2)
    ((2, 1), (2, 2), (2, 2, 1), (3, 0))
    """
    k = as_int_tuple(kernel_size, "kernel_size", 1, minimum=1)[0]
    one_dimension = spatial_arguments(1, stride=stride, dilation=dilation)
    s, d = one_dimension.stride[0], one_dimension.dilation[0]
    return tuple(sum(1 for j in range(k) if (j * d) % s == r) for r in range(s))


def subpixel_conv_transpose(
    x: ArrayLike,
    weight: ArrayLike,
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """A stride-``s`` transposed convolution as ``prod(s)`` stride-1 convolutions, interleaved.

    The sub-pixel (polyphase) view.  Per dimension, tap ``j`` of input ``i`` lands on the
    uncropped output position ``t = i*s + j*d``.  Split ``t = q*s + r`` with phase
    ``0 <= r < s``: position ``q*s + r`` receives exactly the taps ``J_r = {j : j*d = r (mod s)}``,
    each from input ``q - m_j`` with ``m_j = (j*d - r) / s``.  So phase ``r`` of the output
    is an ordinary stride-1 *full* convolution of ``x`` with the sub-kernel ``v_r``
    (``v_r[m_j] = w[j]``, zero elsewhere) -- for ``dilation = 1`` simply ``v_r = w[r::s]``.
    Output position ``o`` is uncropped position ``o + padding_begin``; ``output_padding``
    positions past the end of the full output are zero.

    Parameters
    ----------
    x : array_like
        ``(N, C_in, *L)``.
    weight : array_like
        ``(C_in, C_out, *k)`` (PyTorch's layout; one group).
    stride, padding, output_padding, dilation
        As for :func:`~transposed_conv.conv_transpose`.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *out)``, equal to ``conv_transpose(x, weight, ...)``.

    Examples
    --------
    The seed's decoder layer (kernel 4, stride 2, padding 1) is four stride-1
    convolutions with 2 x 2 kernels, ``w[:, :, 1::2, 1::2]`` for the even rows and
    columns of the output, and so on:

    >>> from transposed_conv import conv_transpose
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.integers(-3, 4, (1, 2, 5, 5)), rng.integers(-3, 4, (2, 3, 4, 4))
    >>> y = subpixel_conv_transpose(x, w, stride=2, padding=1)
    >>> y.shape
    (1, 3, 10, 10)
    >>> np.array_equal(y, conv_transpose(x, w, stride=2, padding=1))
    True
    """
    xs, ws = np.asarray(x), np.asarray(weight)
    if xs.ndim < 3 or ws.ndim != xs.ndim or ws.shape[0] != xs.shape[1]:
        raise ValueError(
            "x must be (N, C_in, *L) and weight (C_in, C_out, *k) with the same number of spatial dimensions; "
            f"got x.shape={xs.shape}, weight.shape={ws.shape}"
        )
    ndim = xs.ndim - 2
    sizes, kernel = xs.shape[2:], ws.shape[2:]
    geometry = ConvTransposeGeometry.build(
        sizes, kernel, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    steps, pads, dilations, out = geometry.stride, geometry.padding, geometry.dilation, geometry.output_shape
    n, c_out = xs.shape[0], ws.shape[1]
    y = np.zeros((n, c_out, *out), dtype=np.result_type(xs, ws))  # (N, C_out, *O)
    for phase in itertools.product(*(range(s) for s in steps)):  # the output phase, rho
        count = tuple(len(range(rho, o, s)) for rho, o, s in zip(phase, out, steps))
        uncropped = tuple(rho + pb for rho, (pb, _) in zip(phase, pads))
        r = tuple(t % s for t, s in zip(uncropped, steps))  # its phase in the uncropped output
        q0 = tuple(t // s for t, s in zip(uncropped, steps))  # and where it starts there
        taps = [[j for j in range(k) if (j * d) % s == rr] for k, d, s, rr in zip(kernel, dilations, steps, r)]
        if 0 in count or not all(taps):
            continue  # no output positions in this phase, or no taps reach them: zeros
        offsets = [[(j * d - rr) // s for j in js] for js, d, s, rr in zip(taps, dilations, steps, r)]
        sub = np.zeros((*ws.shape[:2], *(m[-1] + 1 for m in offsets)), dtype=ws.dtype)  # (C_in, C_out, *M)
        sub[np.ix_(range(ws.shape[0]), range(c_out), *offsets)] = ws[np.ix_(range(ws.shape[0]), range(c_out), *taps)]
        flipped = np.flip(np.swapaxes(sub, 0, 1), axis=tuple(range(2, 2 + ndim)))  # (C_out, C_in, *M)
        full = conv(xs, flipped, padding=tuple(m - 1 for m in sub.shape[2:]))  # (N, C_out, *(L + M - 1))
        part = full[(slice(None), slice(None), *(slice(q, q + c) for q, c in zip(q0, count)))]
        part = np.pad(part, ((0, 0), (0, 0), *((0, c - m) for c, m in zip(count, part.shape[2:]))))
        y[(slice(None), slice(None), *(slice(rho, None, s) for rho, s in zip(phase, steps)))] = part
    return y
