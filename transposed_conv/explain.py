"""Worked examples with numbers: the engine of ``transposed-conv explain``.

:func:`explain` computes a one-channel transposed convolution of small numbers the way
Dumoulin & Visin (2016, section 4) draw it, and keeps every intermediate array:

1. the input ``x`` and the kernel ``w``;
2. ``x`` with ``stride - 1`` zeros inserted between neighbours (the *stretched* input);
3. that, padded by ``dilation*(kernel - 1) - padding`` zeros before and
   ``dilation*(kernel - 1) - padding + output_padding`` after (a negative amount crops);
4. the kernel flipped in every dimension (and dilated: ``dilation - 1`` zeros between taps);
5. the output: the flipped kernel slid over the padded map with stride 1,

and prints them with the size formula filled in (the command's parser is in
:mod:`transposed_conv.cli`; it prints :attr:`Explanation.text`).  :meth:`Explanation.view`
prints the same computation from the other angles of :data:`VIEWS` -- kernel copies scattered
and summed, the matrix ``C.T @ x``, the im2col columns added by col2im, the stride's phases --
each computing the output its own way and working out the same output element
(:attr:`Explanation.highlight`).  Everything here is plain NumPy written out step by step,
independent of :mod:`transposed_conv.methods`: the tests check that every view's output equals
:func:`~transposed_conv.conv_transpose`.  Real values are computed exactly (as fractions) and
rounded once; every printed line is at most :data:`MAX_WIDTH` columns wide.

The module also holds the other small teaching computations the documentation and the
figures use: the convolution's explicit matrix (:func:`convolution_matrix`), the number of
kernel taps that land on each output position (:func:`overlap_counts`, :func:`tap_counts`),
and the sub-pixel (polyphase) form of a strided transposed convolution
(:func:`subpixel_conv_transpose`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from ._normalize import as_choice, as_int_tuple, as_shape
from .conv import conv
from .shapes import ConvTransposeGeometry, Padding, effective_kernel_length, spatial_arguments

__all__ = [
    "MAX_MATRIX_ROWS",
    "MAX_PRINTED_SIDE",
    "MAX_SIDE",
    "MAX_WIDTH",
    "VALUE_KINDS",
    "VIEWS",
    "Explanation",
    "TooWideToPrint",
    "View",
    "convolution_matrix",
    "dilate",
    "explain",
    "format_array",
    "format_number",
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

#: Widest line ``explain`` prints: a wider array is printed in blocks of columns, a long sum wraps.
MAX_WIDTH = 100

#: The views :meth:`Explanation.view` prints: the same computation from five angles.
VIEWS = ("scatter", "zero-insertion", "matrix", "im2col", "phases")


class TooWideToPrint(ValueError):
    """A worked example with an array wider than :data:`MAX_PRINTED_SIDE` (or a view too large to print).

    ``culprits`` maps the arguments to blame (``stride``, ``dilation``, ``input_size``) to their
    values, so that a command line can name them as its options: ``text(options=True)``.
    ``limit`` says what explain prints at most; ``view`` names the view that is too large, when
    another view would print.
    """

    def __init__(
        self, what: str, culprits: dict[str, tuple[int, ...]], *, limit: str | None = None, view: str | None = None
    ) -> None:
        self.what, self.culprits, self.view = what, culprits, view
        self.limit = limit or f"arrays at most {MAX_PRINTED_SIDE} wide"
        super().__init__(self.text(options=False))

    def text(self, *, options: bool) -> str:
        """The refusal, naming the culprits as arguments (``stride=(9,)``) or as options (``--stride 9``)."""
        if options:
            flags = {name: "--" + name.replace("_", "-") for name in self.culprits}
            given = [f"{flags[name]} {','.join(map(str, value))}" for name, value in self.culprits.items()]
            names = list(flags.values())
            other = f", or another --view than {self.view}" if self.view else ""
        else:
            given = [f"{name}={value}" for name, value in self.culprits.items()]
            names = list(self.culprits)
            other = f", or another view than {self.view!r}" if self.view else ""
        return (
            f"explain prints {self.limit}; with {' and '.join(given)}, {self.what}; "
            f"choose a smaller {' or '.join(names)}{other}"
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


# --- numbers: integers stay integers, real values are exact ------------------------------------


def _exact(a: np.ndarray) -> np.ndarray:
    """``a`` for exact arithmetic: int64 as it is, floats as an object array of :class:`~fractions.Fraction`.

    Every float is a binary fraction, so sums and products of Fractions are exact: every view
    computes the same numbers, whatever order it adds them in, and rounds once, at the end.
    """
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    return np.array([Fraction(float(v)) for v in a.ravel()], dtype=object).reshape(a.shape)


def _public(a: np.ndarray) -> np.ndarray:
    """An exact array as the user sees it: int64, or float64 rounded once from the exact values."""
    if a.dtype != object:
        return a
    return np.array([float(v) for v in a.ravel()], dtype=np.float64).reshape(a.shape)


def format_number(v: object) -> str:
    """A value printed compactly and exactly: integers as integers, other reals as their shortest repr.

    Examples
    --------
    >>> from fractions import Fraction
    >>> format_number(3), format_number(Fraction(-5, 4)), format_number(2.0), format_number(0.1)
    ('3', '-1.25', '2', '0.1')
    """
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else repr(float(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(int(v))  # type: ignore[call-overload]


def _cells(a: np.ndarray) -> np.ndarray:
    return np.array([format_number(v) for v in a.ravel()], dtype=object).reshape(a.shape)


def _grid(
    cells: np.ndarray,
    indent: str = "  ",
    *,
    mark: tuple[int, ...] | None = None,
    labels: Sequence[str] | None = None,
) -> list[str]:
    """Right-aligned columns, one line per row, at most :data:`MAX_WIDTH` wide.

    ``mark`` puts brackets around one element (``5[4]9``) without moving the columns;
    ``labels`` start each row. A grid too wide for one line is printed in blocks of columns,
    each headed ``(columns a to b)``.
    """
    rows = cells.reshape(1, -1) if cells.ndim == 1 else cells
    if rows.size == 0:
        return [f"{indent}(empty)"]
    marked = None if mark is None else ((0, mark[0]) if cells.ndim == 1 else (mark[0], mark[1]))
    names = list(labels) if labels is not None else [""] * rows.shape[0]
    lead = max(map(len, names))
    widths = [max(len(c) for c in rows[:, col]) for col in range(rows.shape[1])]  # each column its own width
    room = MAX_WIDTH - len(indent) - lead
    blocks: list[tuple[int, int]] = []
    for col in range(len(widths)):
        if blocks and sum(widths[blocks[-1][0] : col + 1]) + (col + 1 - blocks[-1][0]) <= room:
            blocks[-1] = (blocks[-1][0], col + 1)
        else:
            blocks.append((col, col + 1))
    lines = []
    for start, stop in blocks:
        if len(blocks) > 1:
            lines.append(f"{indent}(columns {start} to {stop - 1})")
        for r in range(rows.shape[0]):
            line = names[r].ljust(lead) + indent[:-1]
            after = False
            for c in range(start, stop):
                here = marked == (r, c)
                line += ("[" if here else "]" if after else indent[-1:] or " ") + rows[r, c].rjust(widths[c])
                after = here
            lines.append(line + ("]" if after else ""))
    return lines


def _fit(lines: list[str]) -> list[str]:
    """Wrap the lines longer than :data:`MAX_WIDTH` at spaces, continuing them indented."""
    fitted = []
    for line in lines:
        if len(line) <= MAX_WIDTH:
            fitted.append(line)
            continue
        hang = " " * (len(line) - len(line.lstrip()) + 4)
        fitted += textwrap.wrap(line, MAX_WIDTH, subsequent_indent=hang, break_long_words=False, break_on_hyphens=False)
    return fitted


def _index(o: Sequence[int]) -> str:
    return ", ".join(map(str, o))


def _sum_line(prefix: str, named: list[str], values: list[str], total: object) -> str:
    """``prefix = a*b + c*d = 1*2 + 3*4 = 14`` (the named form only when given)."""
    if not values:
        return f"{prefix} = 0 (no term)"
    middle = f"{' + '.join(named)} = " if named else ""
    return f"{prefix} = {middle}{' + '.join(values)} = {format_number(total)}"


# --- explain ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One view of an :class:`Explanation`: the output computed that view's way, and its printout.

    Attributes
    ----------
    name : str
        One of :data:`VIEWS`.
    output : numpy.ndarray
        The output as this view computes it (equal, in every view, to the transposed convolution).
    body : str
        The view's own steps.
    text : str
        The configuration, the input and the kernel, then ``body``.
    """

    name: str
    output: np.ndarray
    body: str
    text: str

    def __str__(self) -> str:
        return self.text


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
        The input and the kernel, spatial axes only (int64, or float64 for real values).
    stretched : numpy.ndarray
        ``x`` with ``stride - 1`` zeros between neighbours.
    padded : numpy.ndarray
        ``stretched`` padded (or cropped) by ``dilation*(kernel - 1) - padding``, plus
        ``output_padding`` at the end.
    flipped : numpy.ndarray
        ``weight`` flipped in every axis and dilated.
    output : numpy.ndarray
        The transposed convolution: ``flipped`` slid over ``padded`` with stride 1 (computed
        exactly; real values are rounded once, at the end).
    highlight : tuple of int
        The output element every view works out term by term: the one with the most non-zero
        terms (the first of those).
    text : str
        Everything above, printed, with the size formula filled in: the zero-insertion view.
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
    highlight: tuple[int, ...]
    text: str

    def __str__(self) -> str:
        return self.text

    def view(self, name: str) -> View:
        """The same computation seen as one of :data:`VIEWS`, printed, with :attr:`highlight` worked out.

        Raises :class:`TooWideToPrint` when the view would print a matrix of more than
        :data:`MAX_MATRIX_ROWS` rows or :data:`MAX_PRINTED_SIDE` columns, or more than
        :data:`MAX_PRINTED_SIDE` phases or kernel copies.

        Examples
        --------
        >>> e = explain(3, 3, stride=2, padding=1)
        >>> [e.view(name).output.tolist() for name in VIEWS]
        [[2, 5, 4, 9, 6], [2, 5, 4, 9, 6], [2, 5, 4, 9, 6], [2, 5, 4, 9, 6], [2, 5, 4, 9, 6]]
        >>> e.highlight
        (1,)
        """
        kind = as_choice(name, "view", VIEWS)
        if kind == "zero-insertion":
            return View(kind, self.output, self.text[len(_heading(self)) :], self.text)
        output, body = _VIEWS[kind](self)
        text = _heading(self) + "\n".join(_fit(body)) + "\n"
        return View(kind, _public(output), text[len(_heading(self)) :], text)


def _default_values(kind: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if kind == "range":
        return np.arange(1, math.prod(shape) + 1, dtype=np.int64).reshape(shape)
    if kind == "ones":
        return np.ones(shape, dtype=np.int64)
    return rng.integers(-3, 4, size=shape, dtype=np.int64)


def _given_values(values: ArrayLike, shape: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers (integers or floats); got dtype {arr.dtype}")
    if arr.size != math.prod(shape):
        raise ValueError(f"{name} must have {math.prod(shape)} values for a size of {shape}; got {arr.size}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must hold finite numbers; got {[format_number(v) for v in arr.ravel()]}")
        return arr.astype(np.float64).reshape(shape)
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
    """A transposed convolution of one channel, worked through with small numbers.

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
    x, weight : array_like of real numbers, optional
        Explicit values, reshaped (row-major) to ``input_size`` and ``kernel_size``.
        Integers are computed as integers; with a float among them the arithmetic is exact
        (in fractions) and the output rounded once to float64.
    seed : int
        Seed for ``values='random'``.

    Returns
    -------
    Explanation
        The arrays of every step and their printout, ``.text``; ``.view(name)`` prints the
        same computation as a scatter of kernel copies, a matrix, im2col columns or phases.

    Raises
    ------
    ValueError
        For an invalid configuration (the message names the argument), more than two
        dimensions, a side above 16, an array to print wider than 64 (a large stride or
        dilation), a wrong number of explicit values or a value that is not finite.
    TypeError
        For non-integer arguments, or values that are not real numbers.

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

    Real-valued weights are exact:

    >>> explain(3, 2, stride=2, weight=[0.5, -1.25]).output.tolist()
    [0.5, -1.25, 1.0, -2.5, 1.5, -3.75]
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
    if xs.dtype.kind == "f" or ws.dtype.kind == "f":
        xs, ws = xs.astype(np.float64), ws.astype(np.float64)
    xe, we = _exact(xs), _exact(ws)

    stretched = stretch(xe, steps)
    full = tuple(d * (k - 1) for d, k in zip(dilations, kernel))
    before = tuple(f - pb for f, (pb, _) in zip(full, pads))
    after = tuple(f - pe + a for f, (_, pe), a in zip(full, pads, extra))
    padded = pad_or_crop(stretched, before, after)
    flipped = dilate(np.flip(we), dilations)
    output = _correlate_stride1(padded, flipped)
    terms = _correlate_stride1((padded != 0).astype(np.int64), (flipped != 0).astype(np.int64))
    highlight = tuple(int(v) for v in np.unravel_index(int(np.argmax(terms)), terms.shape))
    heading = _describe_heading(sizes, kernel, steps, pads, extra, dilations, xe, we)
    text = heading + _describe(sizes, kernel, steps, pads, extra, dilations, stretched, before, after, padded, flipped)
    text += _describe_output(output, out_size, padded, flipped, sizes, kernel, steps, pads, extra, dilations, highlight)
    return Explanation(
        input_size=sizes,
        kernel_size=kernel,
        stride=steps,
        padding=pads,
        output_padding=extra,
        dilation=dilations,
        x=_public(xe),
        weight=_public(we),
        stretched=_public(stretched),
        padded=_public(padded),
        flipped=_public(flipped),
        output=_public(output),
        highlight=highlight,
        text=text,
    )


def format_array(a: np.ndarray, indent: str = "  ") -> str:
    """Right-aligned columns, one line per row (1-D arrays on one line); no brackets.

    Integers print as integers, other reals as their shortest repr; an array wider than
    :data:`MAX_WIDTH` columns is printed in blocks of columns.

    Examples
    --------
    >>> print(format_array(np.array([[1, 20], [300, 4]])))
        1  20
      300   4
    >>> print(format_array(np.array([0.5, -1.25, 2.0])))
        0.5 -1.25     2
    """
    return "\n".join(_grid(_cells(np.asarray(a)), indent))


def _shape_text(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape))


def _describe_heading(
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    extra: tuple[int, ...],
    dilation: tuple[int, ...],
    x: np.ndarray,
    w: np.ndarray,
) -> str:
    symmetric = all(b == e for b, e in pads)
    shown_padding = ",".join(str(b) for b, _ in pads) if symmetric else str(pads)
    first = f"transposed convolution, {len(sizes)}-D: input {_shape_text(sizes)}, kernel {_shape_text(kernel)}"
    rest = (
        f"stride {','.join(map(str, stride))}, padding {shown_padding}, "
        f"output_padding {','.join(map(str, extra))}, dilation {','.join(map(str, dilation))}"
    )
    title = [f"{first}, {rest}"] if len(first) + len(rest) + 2 <= MAX_WIDTH else [f"{first},", f"  {rest}"]
    lines = [
        *title,
        "",
        f"input x ({_shape_text(x.shape)}):",
        *_grid(_cells(x)),
        "",
        f"kernel w ({_shape_text(w.shape)}):",
        *_grid(_cells(w)),
        "",
    ]
    return "\n".join(_fit(lines)) + "\n"


def _heading(e: Explanation) -> str:
    return _describe_heading(
        e.input_size, e.kernel_size, e.stride, e.padding, e.output_padding, e.dilation, _exact(e.x), _exact(e.weight)
    )


def _describe(
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    extra: tuple[int, ...],
    dilation: tuple[int, ...],
    stretched: np.ndarray,
    before: tuple[int, ...],
    after: tuple[int, ...],
    padded: np.ndarray,
    flipped: np.ndarray,
) -> str:
    ndim = len(sizes)
    dims = range(ndim)
    lines = [
        "view zero-insertion: insert zeros, pad, flip the kernel, slide it with stride 1",
        "",
        "1. insert stride - 1 zeros between neighbouring inputs: size (in - 1)*stride + 1",
    ]
    lines += [f"   dim {j}: ({sizes[j]} - 1)*{stride[j]} + 1 = {stretched.shape[j]}" for j in dims]
    lines += [*_grid(_cells(stretched)), ""]
    lines.append("2. pad with dilation*(kernel - 1) - padding zeros before, and that + output_padding after")
    lines.append("   (a negative amount crops)")
    for j in dims:
        (pb, pe), d, k = pads[j], dilation[j], kernel[j]
        lines.append(
            f"   dim {j}: before {d}*({k} - 1) - {pb} = {before[j]}, after {d}*({k} - 1) - {pe} + {extra[j]} = "
            f"{after[j]}; size {stretched.shape[j]} + {before[j]} + {after[j]} = {padded.shape[j]}"
        )
    lines += [*_grid(_cells(padded)), ""]
    flip_what = "flip the kernel in every dimension" if ndim > 1 else "flip the kernel"
    if any(d > 1 for d in dilation):
        flip_what += ", then insert dilation - 1 zeros between its taps"
    lines.append(f"3. {flip_what}: size dilation*(kernel - 1) + 1")
    lines += [f"   dim {j}: {dilation[j]}*({kernel[j]} - 1) + 1 = {flipped.shape[j]}" for j in dims]
    lines += [*_grid(_cells(flipped)), ""]
    return "\n".join(_fit(lines)) + "\n"


def _size_lines(
    out_size: tuple[int, ...],
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    extra: tuple[int, ...],
    dilation: tuple[int, ...],
) -> list[str]:
    lines = [
        "size: out = (in - 1)*stride - padding_begin - padding_end + dilation*(kernel - 1)",
        "            + output_padding + 1",
    ]
    for j in range(len(sizes)):
        (pb, pe), d, k = pads[j], dilation[j], kernel[j]
        lines.append(
            f"   dim {j}: ({sizes[j]} - 1)*{stride[j]} - {pb} - {pe} + {d}*({k} - 1) + {extra[j]} + 1 = {out_size[j]}"
        )
    return lines


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
    highlight: tuple[int, ...],
) -> str:
    dims = range(len(sizes))
    lines = [
        "4. slide the flipped kernel over the padded map with stride 1:",
        "   size padded - (dilation*(kernel - 1) + 1) + 1",
    ]
    lines += [f"   dim {j}: {padded.shape[j]} - {flipped.shape[j]} + 1 = {output.shape[j]}" for j in dims]
    window = padded[tuple(slice(o, o + n) for o, n in zip(highlight, flipped.shape))]
    terms = [
        f"{format_number(v)}*{format_number(f)}" for v, f in zip(window.ravel(), flipped.ravel()) if v != 0 and f != 0
    ]
    lines.append(
        _sum_line(f"   for example y[{_index(highlight)}]", [], terms, output[highlight])
        + "   (terms with a zero omitted)"
    )
    lines += [f"output y ({_shape_text(output.shape)}):", *_grid(_cells(output), mark=highlight), ""]
    lines += _size_lines(out_size, sizes, kernel, stride, pads, extra, dilation)
    return "\n".join(_fit(lines)) + "\n"


# --- the other views ------------------------------------------------------------------------------


def _landing(e: Explanation, o: tuple[int, ...]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The (input, tap) pairs ``(i, j)`` with ``i*stride + j*dilation - padding_begin == o``, by input."""
    pairs = []
    for i in itertools.product(*(range(n) for n in e.input_size)):
        j = []
        for ii, oo, s, d, (pb, _), k in zip(i, o, e.stride, e.dilation, e.padding, e.kernel_size):
            rest = oo + pb - ii * s
            if rest < 0 or rest % d or rest // d >= k:
                break
            j.append(rest // d)
        else:
            pairs.append((i, tuple(j)))
    return pairs


def _crop(uncropped: np.ndarray, e: Explanation) -> np.ndarray:
    """The full (uncropped) output with ``padding`` removed and ``output_padding`` zeros added at the end."""
    return pad_or_crop(
        uncropped, [-pb for pb, _ in e.padding], [a - pe for (_, pe), a in zip(e.padding, e.output_padding)]
    )


def _full_shape(e: Explanation) -> tuple[int, ...]:
    return tuple((i - 1) * s + d * (k - 1) + 1 for i, s, d, k in zip(e.input_size, e.stride, e.dilation, e.kernel_size))


def _too_many(e: Explanation, view: str, count: int, what: str, culprits: dict[str, tuple[int, ...]]) -> None:
    if count > MAX_PRINTED_SIDE:
        raise TooWideToPrint(
            what, culprits, limit=f"at most {MAX_PRINTED_SIDE} {view} rows, columns or blocks", view=view
        )


#: Most rows of a matrix (``C.T``, the im2col columns) a view prints; its columns are at most :data:`MAX_PRINTED_SIDE`.
MAX_MATRIX_ROWS = 256


def _too_large_matrix(view: str, shape: tuple[int, int], what: str, culprits: dict[str, tuple[int, ...]]) -> None:
    if shape[0] > MAX_MATRIX_ROWS or shape[1] > MAX_PRINTED_SIDE:
        limit = f"matrices of at most {MAX_MATRIX_ROWS} rows and {MAX_PRINTED_SIDE} columns"
        raise TooWideToPrint(f"{what} = {shape[0]} x {shape[1]}", culprits, limit=limit, view=view)


def _output_lines(e: Explanation, output: np.ndarray) -> list[str]:
    return [f"output y ({_shape_text(output.shape)}):", *_grid(_cells(output), mark=e.highlight)]


def _scatter(e: Explanation) -> tuple[np.ndarray, list[str]]:
    """Each input element adds its value times the (dilated) kernel at ``i*stride - padding_begin``."""
    x, w = _exact(e.x), dilate(_exact(e.weight), e.dilation)
    _too_many(
        e,
        "scatter",
        x.size,
        f"the scatter view prints one kernel copy per input element, {x.size}",
        {"input_size": e.input_size},
    )
    uncropped = np.zeros(_full_shape(e), dtype=x.dtype)
    lines = [
        "view scatter: input element i adds the kernel times x[i], its first tap at i*stride - padding_begin;",
        "  the output is the sum of these copies (positions outside 0 .. out - 1 are cropped)",
        "",
    ]
    copies = []
    for i in itertools.product(*(range(n) for n in e.input_size)):
        where = tuple(slice(ii * s, ii * s + n) for ii, s, n in zip(i, e.stride, w.shape))
        uncropped[where] += x[i] * w
        copies.append((i, where))
    output = _crop(uncropped, e)
    starts = [-pb for pb, _ in e.padding]
    if len(e.input_size) == 1:
        first = min(starts[0], 0)
        last = max(uncropped.shape[0] + starts[0], output.shape[0])
        positions = list(range(first, last))
        table = np.full((len(copies) + 1, len(positions)), ".", dtype=object)
        table[0] = [str(t) for t in positions]
        for row, ((ii,), where) in enumerate(copies, start=1):
            block = _cells(x[ii] * w)
            for n, t in enumerate(range(where[0].start + starts[0], where[0].stop + starts[0])):
                table[row, t - first] = block[n]
        names = ["position"] + [f"x[{ii}] = {format_number(x[ii])}" for (ii,), _ in copies]
        lines += _grid(table, "  ", labels=[f"{n}:" for n in names])
    else:
        for i, where in copies:
            top = tuple(f"{ii}*{s} - {pb}" for ii, s, (pb, _) in zip(i, e.stride, e.padding))
            at = tuple(sl.start + st for sl, st in zip(where, starts))
            head = f"x[{_index(i)}] = {format_number(x[i])}: x[{_index(i)}]*w"
            lines.append(f"{head}, first tap at ({', '.join(top)}) = ({_index(at)})")
            lines += [*_grid(_cells(x[i] * w), "    "), ""]
    lines.append("")
    named = [
        f"x[{_index(i)}]*w[{_index(j)}]" for i, j in _landing(e, e.highlight) if x[i] != 0 and _exact(e.weight)[j] != 0
    ]
    values = [
        f"{format_number(x[i])}*{format_number(_exact(e.weight)[j])}"
        for i, j in _landing(e, e.highlight)
        if x[i] != 0 and _exact(e.weight)[j] != 0
    ]
    lines.append(_sum_line(f"   for example y[{_index(e.highlight)}]", named, values, output[e.highlight]))
    lines += _output_lines(e, output)
    return output, lines


def _matrix_transpose(e: Explanation) -> np.ndarray:
    """``C.T``: row ``o``, column ``i`` holds ``w[j]`` where ``i*stride + j*dilation - padding_begin = o``."""
    w = _exact(e.weight)
    out = e.output.shape
    ct = np.zeros((math.prod(out), math.prod(e.input_size)), dtype=w.dtype)
    for i in itertools.product(*(range(n) for n in e.input_size)):
        column = int(np.ravel_multi_index(i, e.input_size))
        for j in itertools.product(*(range(k) for k in e.kernel_size)):
            o = tuple(ii * s + jj * d - pb for ii, jj, s, d, (pb, _) in zip(i, j, e.stride, e.dilation, e.padding))
            if all(0 <= oo < n for oo, n in zip(o, out)):
                ct[int(np.ravel_multi_index(o, out)), column] += w[j]
    return ct  # (prod(out), prod(in))


def _matrix(e: Explanation) -> tuple[np.ndarray, list[str]]:
    """The output as ``C.T @ x``, with ``C`` the matrix of the convolution that maps y's size back to x's."""
    out, x = e.output.shape, _exact(e.x)
    rows, cols = math.prod(out), x.size
    culprits = {"input_size": e.input_size, "kernel_size": e.kernel_size, "stride": e.stride}
    _too_large_matrix("matrix", (rows, cols), "C.T is prod(out) x prod(in)", culprits)
    ct = _matrix_transpose(e)
    y = (ct @ x.ravel()).reshape(out)  # (prod(out),) -> out
    structural = _matrix_transpose(_ones(e)) != 0
    cells = _cells(ct)
    cells[~structural] = "."
    o = int(np.ravel_multi_index(e.highlight, out))
    labels = [
        ("-> " if r == o else "   ") + f"y[{_index([int(v) for v in np.unravel_index(r, out)])}]:" for r in range(rows)
    ]
    lines = [
        "view matrix: y = C.T @ x, where C is the matrix of the convolution (same stride, padding and",
        "  dilation) that maps y's size back to x's; row o of C.T holds w[j] in column i wherever",
        "  i*stride + j*dilation - padding_begin = o (x flattened row-major; '.' no tap lands)",
        "",
        f"C.T ({rows} x {cols}):",
        *_grid(cells, "  ", labels=labels),
        "",
        f"x flattened ({cols}):",
        *_grid(_cells(x.ravel())),
        "",
    ]
    row = ct[o]
    named = [f"C.T[{o}, {i}]*x[{i}]" for i in range(cols) if row[i] != 0 and x.ravel()[i] != 0]
    values = [
        f"{format_number(row[i])}*{format_number(x.ravel()[i])}"
        for i in range(cols)
        if row[i] != 0 and x.ravel()[i] != 0
    ]
    lines.append(
        _sum_line(f"   for example y[{_index(e.highlight)}] = row {o} of C.T times x", named, values, y[e.highlight])
    )
    lines += _output_lines(e, y)
    return y, lines


def _ones(e: Explanation) -> Explanation:
    """``e`` with a kernel of ones: where taps land, whatever their values."""
    return dataclasses.replace(e, weight=np.ones(e.kernel_size, dtype=np.int64))


def _im2col(e: Explanation) -> tuple[np.ndarray, list[str]]:
    """The columns ``W.T @ x`` (one per input element), added into the output by col2im."""
    x, w = _exact(e.x), _exact(e.weight)
    culprits = {"input_size": e.input_size, "kernel_size": e.kernel_size}
    _too_large_matrix("im2col", (w.size, x.size), "the columns are prod(kernel) x prod(in)", culprits)
    cols = np.multiply.outer(w.ravel(), x.ravel())  # (prod(k), prod(in)): W.T @ x for one channel
    uncropped = np.zeros(_full_shape(e), dtype=cols.dtype)
    for t, j in enumerate(itertools.product(*(range(k) for k in e.kernel_size))):  # col2im: one slice per tap
        where = tuple(
            slice(jj * d, jj * d + (i - 1) * s + 1, s) for jj, d, i, s in zip(j, e.dilation, e.input_size, e.stride)
        )
        uncropped[where] += cols[t].reshape(e.input_size)
    output = _crop(uncropped, e)
    labels = [f"w[{_index(j)}]:" for j in itertools.product(*(range(k) for k in e.kernel_size))]
    lines = [
        "view im2col: the columns W.T @ x, cols[j, i] = w[j]*x[i] (a row per kernel tap j, a column per",
        "  input element i, row-major); col2im adds each entry at i*stride + j*dilation - padding_begin",
        "  and crops the padding",
        "",
        f"cols ({w.size} x {x.size}):",
        *_grid(_cells(cols), "  ", labels=labels),
        "",
    ]
    pairs = sorted(_landing(e, e.highlight), key=lambda p: p[1])
    flat = [(int(np.ravel_multi_index(j, e.kernel_size)), int(np.ravel_multi_index(i, e.input_size))) for i, j in pairs]
    named = [f"cols[{r}, {c}]" for r, c in flat if cols[r, c] != 0]
    values = [format_number(cols[r, c]) for r, c in flat if cols[r, c] != 0]
    lines.append(
        _sum_line(f"   for example col2im adds into y[{_index(e.highlight)}]", named, values, output[e.highlight])
    )
    lines += _output_lines(e, output)
    return output, lines


def _phases(e: Explanation) -> tuple[np.ndarray, list[str]]:
    """Each output phase ``o mod stride`` is a stride-1 full convolution of x with a sub-kernel."""
    x, w = _exact(e.x), _exact(e.weight)
    count_phases = math.prod(e.stride)
    _too_many(e, "phases", count_phases, f"there are prod(stride) = {count_phases} phases", {"stride": e.stride})
    out = e.output.shape
    y = np.zeros(out, dtype=x.dtype)
    lines = [
        "view phases: output o receives the taps j with j*dilation = o + padding_begin (mod stride);",
        "  each output phase rho = o mod stride is a stride-1 full convolution of x with the sub-kernel",
        "  of those taps, starting at q0 = (rho + padding_begin) // stride",
        "",
    ]
    worked: list[str] = []
    for rho in itertools.product(*(range(s) for s in e.stride)):
        uncropped = tuple(r + pb for r, (pb, _) in zip(rho, e.padding))
        r = tuple(t % s for t, s in zip(uncropped, e.stride))
        q0 = tuple(t // s for t, s in zip(uncropped, e.stride))
        count = tuple(len(range(rr, n, s)) for rr, n, s in zip(rho, out, e.stride))
        taps = [
            [j for j in range(k) if (j * d) % s == rr] for k, d, s, rr in zip(e.kernel_size, e.dilation, e.stride, r)
        ]
        where = "y[" + ", ".join(f"{rr}::{s}" for rr, s in zip(rho, e.stride)) + "]"
        shown = " x ".join(",".join(map(str, js)) or "none" for js in taps)
        lines.append(f"phase {_index(rho)}: {where} ({_shape_text(count)}), taps j = {shown}")
        if 0 in count:
            lines += ["  no output position in this phase", ""]
            continue
        if not all(taps):
            lines += ["  no tap lands here: zeros", ""]
            if all(o % s == rr for o, s, rr in zip(e.highlight, e.stride, rho)):
                worked = [_sum_line(f"   for example y[{_index(e.highlight)}] (phase {_index(rho)})", [], [], 0)]
            continue
        offsets = [[(j * d - rr) // s for j in js] for js, d, s, rr in zip(taps, e.dilation, e.stride, r)]
        sub = np.zeros(tuple(m[-1] + 1 for m in offsets), dtype=w.dtype)
        sub[np.ix_(*offsets)] = w[np.ix_(*taps)]
        full = np.zeros(tuple(n + m - 1 for n, m in zip(x.shape, sub.shape)), dtype=np.result_type(x, sub))
        for m in itertools.product(*(range(n) for n in sub.shape)):  # full convolution, one slice per sub-tap
            full[tuple(slice(mm, mm + n) for mm, n in zip(m, x.shape))] += sub[m] * x
        part = pad_or_crop(full, [-q for q in q0], [c - (n - q) for c, n, q in zip(count, full.shape, q0)])
        y[tuple(slice(rr, None, s) for rr, s in zip(rho, e.stride))] = part
        lines.append(f"  sub-kernel v = w at those taps ({_shape_text(sub.shape)}):")
        lines += _grid(_cells(sub), "    ")
        lines.append(f"  x * v from q0 = ({_index(q0)}): {where} =")
        lines += [*_grid(_cells(part), "    "), ""]
        if all(o % s == rr for o, s, rr in zip(e.highlight, e.stride, rho)):
            q = tuple(o // s + qq for o, s, qq in zip(e.highlight, e.stride, q0))
            pairs = [
                (m, tuple(qq - mm for qq, mm in zip(q, m)))
                for m in itertools.product(*(range(n) for n in sub.shape))
                if all(0 <= qq - mm < n for qq, mm, n in zip(q, m, x.shape)) and sub[m] != 0
            ]
            pairs = [(m, i) for m, i in pairs if x[i] != 0]
            worked = [
                _sum_line(
                    f"   for example y[{_index(e.highlight)}] (phase {_index(rho)}, q = {_index(q)})",
                    [f"v[{_index(m)}]*x[{_index(i)}]" for m, i in pairs],
                    [f"{format_number(sub[m])}*{format_number(x[i])}" for m, i in pairs],
                    y[e.highlight],
                )
            ]
    lines += ["interleaved:", *worked]
    lines += _output_lines(e, y)
    return y, lines


_VIEWS: dict[str, Callable[[Explanation], tuple[np.ndarray, list[str]]]] = {
    "scatter": _scatter,
    "matrix": _matrix,
    "im2col": _im2col,
    "phases": _phases,
}


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
