"""The geometry of a (transposed) convolution, built from plain integers, and its size arithmetic.

No arrays here: everything is a pure function of integers, kept apart from any array
computation (as JAX keeps ``_conv_transpose_padding`` apart from ``conv_transpose``), so
that the arithmetic can be taught and tested on its own.  Per spatial dimension, with
input size ``i``, kernel size ``k``, stride ``s``, dilation ``d``, padding
``p_begin``/``p_end`` and output padding ``a``:

* convolution:  ``o = floor((i + p_begin + p_end - d*(k - 1) - 1) / s) + 1``
* transposed:   ``o = (i - 1)*s - p_begin - p_end + d*(k - 1) + a + 1``

The transposed formula inverts the convolution one: a convolution maps each of the
``s`` sizes ``o, o + 1, ..., o + s - 1`` to the same ``i`` (the floor discards the
remainder), and ``output_padding`` ``a`` picks which of them the transposed
convolution produces.  See Dumoulin & Visin, *A guide to convolution arithmetic for
deep learning* (2016), relationships 1-14.

:meth:`ConvTransposeGeometry.build` and :meth:`ConvGeometry.build` are the one place
where a geometry is made from what a user passes: :func:`spatial_arguments` normalises
``stride``, ``padding``, ``output_padding`` and ``dilation`` into per-dimension tuples,
then every rule that involves only integers is checked (the ``output_padding`` rule,
``output_size``, ``groups``, an output of at least 1).  The shape functions below, the
array boundary (:mod:`transposed_conv._arguments`), the layers and the worked examples
all build through them.

Examples
--------
>>> g = ConvTransposeGeometry.build((16, 16), (4, 4), stride=2, padding=1, in_channels=8, out_channels=4)
>>> g.kernel_shape, g.stride, g.padding, g.output_shape
((4, 4), (2, 2), ((1, 1), (1, 1)), (32, 32))
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ._normalize import as_int, as_int_tuple, as_padding_pairs, as_shape, is_sequence

__all__ = [
    "ConvGeometry",
    "ConvTransposeGeometry",
    "SpatialArguments",
    "conv_output_shape",
    "conv_transpose_output_shape",
    "full_output_shape",
    "output_padding_for",
    "spatial_arguments",
    "transposed_size_range",
]

IntOrSeq = int | Sequence[int]
Padding = int | Sequence[int] | Sequence[Sequence[int]]

#: Where a geometry's input and kernel shapes come from, which decides how its errors are worded:
#: ``"integers"`` -- a caller's plain integers, normalised and checked, errors naming ``input_shape``
#: and ``kernel_shape`` as the shape functions do; ``"arrays"`` -- the shapes of ``x`` and ``weight``,
#: already checked at the array boundary, errors worded as ``conv_transpose`` and ``conv`` word them.
Source = Literal["integers", "arrays"]


def conv_output_length(i: int, k: int, s: int, p_begin: int, p_end: int, d: int) -> int:
    """Convolution output length along one dimension (may be < 1 for invalid configurations)."""
    return (i + p_begin + p_end - d * (k - 1) - 1) // s + 1


def conv_transpose_output_length(i: int, k: int, s: int, p_begin: int, p_end: int, a: int, d: int) -> int:
    """Transposed-convolution output length along one dimension (may be < 1)."""
    return (i - 1) * s - p_begin - p_end + d * (k - 1) + a + 1


def effective_kernel_length(k: int, d: int) -> int:
    """``d*(k - 1) + 1``: the extent of a kernel of ``k`` taps with dilation ``d``."""
    return d * (k - 1) + 1


def full_output_shape(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    output_padding: Sequence[int] | None = None,
) -> tuple[int, ...]:
    """``F = (i - 1)*stride + dilation*(k - 1) + 1 (+ output_padding)`` per dimension: nothing cropped.

    Every position an input element reaches; every framework returns a window of it.

    >>> full_output_shape((3, 4), (3, 2), (2, 1), (1, 3))
    (7, 7)
    """
    extra = (0,) * len(input_shape) if output_padding is None else output_padding
    return tuple(
        conv_transpose_output_length(i, k, s, 0, 0, a, d)
        for i, k, s, d, a in zip(input_shape, kernel_shape, stride, dilation, extra)
    )


def transposed_lengths(
    sizes: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[tuple[int, int]],
    output_padding: Sequence[int],
    dilation: Sequence[int],
) -> tuple[int, ...]:
    """:func:`conv_transpose_output_length` per dimension, on normalised per-dimension tuples."""
    return tuple(
        conv_transpose_output_length(i, k, s, pb, pe, a, d)
        for i, k, s, (pb, pe), a, d in zip(sizes, kernel, stride, padding, output_padding, dilation)
    )


# --- the per-dimension arguments and the rules on integers ------------------------------------------


class SpatialArguments(NamedTuple):
    """``stride``, ``padding``, ``output_padding`` and ``dilation``, one entry per spatial dimension."""

    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]


def spatial_arguments(
    ndim: int,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    dilation: Any = 1,
    names: Mapping[str, str] | None = None,
) -> SpatialArguments:
    """Normalise the per-dimension arguments into tuples of ``ndim`` entries: the one place this is done.

    ``stride`` and ``dilation`` are ``>= 1``, ``output_padding`` ``>= 0`` (an int applies to
    every dimension); ``padding`` becomes one ``(begin, end)`` pair per dimension, ``>= 0``.
    Each is checked on its own, in the order stride, dilation, padding, output_padding; the
    rules that relate them (:func:`check_output_padding`) are left to the caller.  ``names``
    gives a parameter's name in the caller's convention, for the messages (ONNX:
    ``{"stride": "strides", "dilation": "dilations"}``).

    Raises
    ------
    TypeError
        If an argument is not an int or a sequence of ints (of pairs, for ``padding``).
    ValueError
        If an argument has the wrong number of entries or a value out of range.

    Examples
    --------
    >>> spatial_arguments(2, stride=2, padding=[(0, 1), 2])
    Traceback (most recent call last):
    ...
    TypeError: padding must be an int, 2 ints, or 2 (begin, end) pairs; got padding=((0, 1), 2)
    >>> spatial_arguments(2, stride=(2, 1), padding=1)
    SpatialArguments(stride=(2, 1), padding=((1, 1), (1, 1)), output_padding=(0, 0), dilation=(1, 1))
    >>> spatial_arguments(1, dilation=0, names={"dilation": "rhs_dilation"})
    Traceback (most recent call last):
    ...
    ValueError: rhs_dilation must be >= 1 in every dimension; got rhs_dilation=(0,)
    """
    named = {} if names is None else names
    strides = as_int_tuple(stride, named.get("stride", "stride"), ndim, minimum=1)
    dilations = as_int_tuple(dilation, named.get("dilation", "dilation"), ndim, minimum=1)
    pads = as_padding_pairs(padding, named.get("padding", "padding"), ndim)
    extra = as_int_tuple(output_padding, named.get("output_padding", "output_padding"), ndim, minimum=0)
    return SpatialArguments(strides, pads, extra, dilations)


def check_output_padding(
    output_padding: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    *,
    names: tuple[str, str, str] = ("output_padding", "stride", "dilation"),
) -> None:
    """Enforce ``0 <= output_padding < max(stride, dilation)`` in every dimension (PyTorch's rule).

    ``names`` are the parameters' names in the caller's convention (ONNX: ``strides``, ``dilations``).
    """
    if any(a >= max(s, d) for a, s, d in zip(output_padding, stride, dilation)):
        a_name, s_name, d_name = names
        raise ValueError(
            f"{a_name} must be smaller than {s_name} or {d_name} in every dimension; "
            f"got {a_name}={output_padding}, {s_name}={stride}, {d_name}={dilation}"
        )


def check_groups(groups: Any, in_channels: int, out_channels: int) -> int:
    """``groups`` as an int ``>= 1`` that divides both channel counts.

    Examples
    --------
    >>> check_groups(2, 4, 6)
    2
    >>> check_groups(4, 4, 6)
    Traceback (most recent call last):
    ...
    ValueError: groups must divide both in_channels and out_channels; got groups=4, in_channels=4, out_channels=6
    """
    g = as_int(groups, "groups", minimum=1)
    _check_dividing(g, in_channels, out_channels)
    return g


def _check_dividing(groups: int, in_channels: int, out_channels: int) -> None:
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            "groups must divide both in_channels and out_channels; "
            f"got groups={groups}, in_channels={in_channels}, out_channels={out_channels}"
        )


def _spatial(input_shape: Any, kernel_shape: Any, source: Source) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The input and kernel shapes as tuples: checked when given as integers, as they are for arrays."""
    if source == "arrays":  # the shapes of x and weight: ints >= 1, as many as each other
        return tuple(input_shape), tuple(kernel_shape)
    sizes = as_shape(input_shape, "input_shape")
    kernel = as_shape(kernel_shape, "kernel_shape")
    if len(sizes) != len(kernel):
        raise ValueError(
            "input_shape and kernel_shape must have one entry per spatial dimension each; "
            f"got input_shape={sizes} and kernel_shape={kernel}"
        )
    return sizes, kernel


def _channels(groups: Any, in_channels: Any, out_channels: Any) -> tuple[int, int, int]:
    """``(groups, in_channels, out_channels)``, checked; channels default to one per group."""
    g = as_int(groups, "groups", minimum=1)
    c_in = g if in_channels is None else as_int(in_channels, "in_channels", minimum=1)
    c_out = g if out_channels is None else as_int(out_channels, "out_channels", minimum=1)
    _check_dividing(g, c_in, c_out)
    return g, c_in, c_out


def _size_range(
    sizes: tuple[int, ...], kernel: tuple[int, ...], args: SpatialArguments
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The output sizes with ``output_padding = 0`` and ``max(stride, dilation) - 1``."""
    smallest = transposed_lengths(sizes, kernel, args.stride, args.padding, (0,) * len(sizes), args.dilation)
    largest = tuple(o + max(s, d) - 1 for o, s, d in zip(smallest, args.stride, args.dilation))
    return smallest, largest


def _output_size(output_size: Any, ndim: int, leading: tuple[int, ...]) -> tuple[int, ...]:
    """``output_size`` as the spatial sizes; like PyTorch, also the whole output shape ``(*leading, *spatial)``."""
    if leading and is_sequence(output_size) and len(output_size) == ndim + len(leading):
        whole = as_int_tuple(output_size, "output_size", len(output_size), minimum=0)
        if whole[: len(leading)] != leading:
            what = "batch and channels" if len(leading) == 2 else "channels"
            raise ValueError(
                f"output_size with {len(whole)} entries is the whole output shape, whose leading "
                f"entries must be {leading} ({what}); got output_size={whole}"
            )
        output_size = whole[len(leading) :]
    return as_int_tuple(output_size, "output_size", ndim, minimum=1)


def _output_padding_for(
    sizes: tuple[int, ...], kernel: tuple[int, ...], wanted: tuple[int, ...], args: SpatialArguments
) -> tuple[int, ...]:
    """The ``output_padding`` that gives the spatial size ``wanted``, or PyTorch's message naming the valid range."""
    smallest, largest = _size_range(sizes, kernel, args)
    if any(not lo <= o <= hi for o, lo, hi in zip(wanted, smallest, largest)):
        raise ValueError(
            f"requested an output_size of {wanted}, but valid sizes range from {smallest} to {largest} "
            f"(for an input of {sizes}, kernel {kernel}, stride={args.stride}, padding={args.padding}, "
            f"dilation={args.dilation})"
        )
    return tuple(o - lo for o, lo in zip(wanted, smallest))


# --- the geometries ------------------------------------------------------------------------------


class Dimension(NamedTuple):
    """One spatial dimension of a transposed convolution: what the per-dimension index arithmetic needs."""

    kernel: int
    input: int
    output: int
    stride: int
    dilation: int
    pad_begin: int


@dataclass(frozen=True)
class ConvTransposeGeometry:
    """Everything about a transposed convolution except the array values.

    Every field is normalised: one entry per spatial dimension, and ``padding`` one
    ``(begin, end)`` pair per spatial dimension.  Build one from plain integers with
    :meth:`build`, which checks every rule; the fields are trusted as they are.
    """

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    in_channels: int
    out_channels: int

    @classmethod
    def build(
        cls,
        input_shape: IntOrSeq,
        kernel_shape: IntOrSeq,
        *,
        stride: IntOrSeq = 1,
        padding: Padding = 0,
        output_padding: IntOrSeq = 0,
        dilation: IntOrSeq = 1,
        groups: int = 1,
        in_channels: int | None = None,
        out_channels: int | None = None,
        output_size: IntOrSeq | None = None,
        output_leading: tuple[int, ...] = (),
        source: Source = "integers",
    ) -> ConvTransposeGeometry:
        """The geometry of a transposed convolution, from plain integers, every rule checked.

        Parameters
        ----------
        input_shape, kernel_shape : int or sequence of int
            Spatial sizes only (no batch or channel axes); an int means one dimension.
        stride, padding, output_padding, dilation
            As for :func:`~transposed_conv.conv_transpose`: ints or one entry per dimension
            (``padding`` also one ``(begin, end)`` pair per dimension), normalised by
            :func:`spatial_arguments`; ``0 <= output_padding < max(stride, dilation)``.
        groups : int
            Divides both channel counts.
        in_channels, out_channels : int, optional
            ``C_in`` and ``C_out``; one per group by default (the shape functions need none).
        output_size : int or sequence of int, optional
            The wanted spatial output size, instead of ``output_padding`` (which must then be
            zero): the ``output_padding`` that gives it is computed, as PyTorch does.
        output_leading : tuple of int
            If given, ``output_size`` may also be the whole output shape
            ``(*output_leading, *spatial)``, whose leading entries must equal these:
            ``conv_transpose`` passes ``(N, C_out)``, or ``(C_out,)`` for an unbatched input.
        source : {'integers', 'arrays'}
            ``'arrays'`` when ``input_shape`` and ``kernel_shape`` are the shapes of arrays
            already checked (the array boundary): they are taken as they are, and errors are
            worded as :func:`~transposed_conv.conv_transpose` words them.

        Returns
        -------
        ConvTransposeGeometry

        Raises
        ------
        TypeError
            If an argument is not an int or a sequence of ints.
        ValueError
            If an argument is out of range, ``output_padding`` breaks its rule or comes
            with ``output_size``, ``output_size`` is not reachable, ``groups`` does not
            divide the channels, or the output would be empty.

        Examples
        --------
        >>> g = ConvTransposeGeometry.build((3, 3), (3, 3), stride=2, padding=1, output_size=(6, 5))
        >>> g.output_padding, g.output_shape
        ((1, 0), (6, 5))
        >>> ConvTransposeGeometry.build(5, 3, stride=2, output_padding=2)
        Traceback (most recent call last):
        ...
        ValueError: output_padding must be smaller than stride or dilation in every dimension; ...
        """
        sizes, kernel = _spatial(input_shape, kernel_shape, source)
        args = spatial_arguments(
            len(sizes), stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
        )
        extra = args.output_padding
        if output_size is not None:
            if any(extra):
                raise ValueError(
                    "give output_padding or output_size, not both; "
                    f"got output_padding={extra} and output_size={output_size!r}"
                )
            wanted = _output_size(output_size, len(sizes), output_leading)
            extra = _output_padding_for(sizes, kernel, wanted, args)
        else:
            check_output_padding(extra, args.stride, args.dilation)
        g, c_in, c_out = _channels(groups, in_channels, out_channels)
        geometry = cls(sizes, kernel, args.stride, args.padding, extra, args.dilation, g, c_in, c_out)
        out = geometry.output_shape
        if any(o < 1 for o in out) and source == "arrays":
            raise ValueError(
                "the output size must be at least 1 in every dimension; with "
                f"input {sizes}, kernel {kernel}, stride={args.stride}, padding={args.padding}, "
                f"output_padding={extra}, dilation={args.dilation} the formula (i - 1)*stride - p_begin - p_end "
                f"+ dilation*(k - 1) + output_padding + 1 gives {out}"
            )
        if any(o < 1 for o in out):
            raise ValueError(
                "the transposed convolution output must be at least 1 in every dimension "
                "((input - 1)*stride + dilation*(kernel - 1) + output_padding + 1 > padding_begin + padding_end); "
                f"got input_shape={sizes}, kernel_shape={kernel}, stride={args.stride}, padding={args.padding}, "
                f"output_padding={extra}, dilation={args.dilation}, which gives an output of {out}"
            )
        return geometry

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.input_shape)

    @functools.cached_property  # the fields are frozen; every method asks for it, on every call
    def output_shape(self) -> tuple[int, ...]:
        """Spatial output shape, by the transposed-convolution formula."""
        return transposed_lengths(
            self.input_shape, self.kernel_shape, self.stride, self.padding, self.output_padding, self.dilation
        )

    @functools.cached_property
    def dimensions(self) -> tuple[Dimension, ...]:
        """Per spatial dimension: kernel, input and output length, stride, dilation and the padding cropped in front.

        >>> ConvTransposeGeometry.build((4,), (3,), stride=2, padding=1).dimensions
        (Dimension(kernel=3, input=4, output=7, stride=2, dilation=1, pad_begin=1),)
        """
        return tuple(
            Dimension(k, i, o, s, d, pb)
            for k, i, o, s, d, (pb, _) in zip(
                self.kernel_shape, self.input_shape, self.output_shape, self.stride, self.dilation, self.padding
            )
        )

    @property
    def products_per_output(self) -> int:
        """An upper bound on the products summed into one output element.

        In each dimension the taps reaching one output are ``stride / gcd(stride, dilation)``
        apart, and each pairs with a different input element.
        """
        per_dimension = (
            min(k, -(-k * math.gcd(s, d) // s), i)
            for k, s, d, i in zip(self.kernel_shape, self.stride, self.dilation, self.input_shape)
        )
        return self.in_channels // self.groups * math.prod(per_dimension)


@dataclass(frozen=True)
class ConvGeometry:
    """Everything about a convolution (cross-correlation) except the array values.

    Normalised as :class:`ConvTransposeGeometry` is; build one from plain integers with :meth:`build`.
    """

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int
    in_channels: int
    out_channels: int

    @classmethod
    def build(
        cls,
        input_shape: IntOrSeq,
        kernel_shape: IntOrSeq,
        *,
        stride: IntOrSeq = 1,
        padding: Padding = 0,
        dilation: IntOrSeq = 1,
        groups: int = 1,
        in_channels: int | None = None,
        out_channels: int | None = None,
        source: Source = "integers",
    ) -> ConvGeometry:
        """The geometry of a convolution, from plain integers, every rule checked.

        The parameters are those of :meth:`ConvTransposeGeometry.build` that a convolution
        has; ``padding`` adds zeros around the input, and the padded input must be at least
        as large as the dilated kernel.

        Examples
        --------
        >>> ConvGeometry.build((32, 32), (4, 4), stride=2, padding=1).output_shape
        (16, 16)
        >>> ConvGeometry.build(3, 3, dilation=2)
        Traceback (most recent call last):
        ...
        ValueError: the padded input must be at least as large as the dilated kernel in every dimension ...
        """
        sizes, kernel = _spatial(input_shape, kernel_shape, source)
        args = spatial_arguments(len(sizes), stride=stride, padding=padding, dilation=dilation)
        g, c_in, c_out = _channels(groups, in_channels, out_channels)
        geometry = cls(sizes, kernel, args.stride, args.padding, args.dilation, g, c_in, c_out)
        out = geometry.output_shape
        if any(o < 1 for o in out) and source == "arrays":
            raise ValueError(
                "the padded input must be at least as large as the dilated kernel in every dimension; with "
                f"input {sizes}, kernel {kernel}, padding={args.padding} and "
                f"dilation={args.dilation} the output would be {out}"
            )
        if any(o < 1 for o in out):
            raise ValueError(
                "the padded input must be at least as large as the dilated kernel in every dimension "
                f"(input + padding >= dilation*(kernel - 1) + 1); got input_shape={sizes}, kernel_shape={kernel}, "
                f"padding={args.padding}, dilation={args.dilation}, which gives an output of {out}"
            )
        return geometry

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.input_shape)

    @property
    def products_per_output(self) -> int:
        """The products summed into one output element (padded positions included)."""
        return self.in_channels // self.groups * math.prod(self.kernel_shape)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Spatial output shape, by the convolution formula."""
        return tuple(
            conv_output_length(i, k, s, pb, pe, d)
            for i, k, s, (pb, pe), d in zip(
                self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation
            )
        )


# --- the shape functions -------------------------------------------------------------------------


def conv_output_shape(
    input_shape: IntOrSeq,
    kernel_shape: IntOrSeq,
    *,
    stride: IntOrSeq = 1,
    padding: Padding = 0,
    dilation: IntOrSeq = 1,
) -> tuple[int, ...]:
    """Spatial output shape of a convolution (cross-correlation).

    Parameters
    ----------
    input_shape, kernel_shape : int or sequence of int
        Spatial sizes only (no batch or channel axes); an int means one dimension.
    stride, dilation : int or sequence of int
        ``>= 1``; an int applies to every dimension.
    padding : int, sequence of int, or sequence of (begin, end) pairs
        Zeros added before and after each dimension, ``>= 0``.

    Returns
    -------
    tuple of int
        ``floor((i + p_begin + p_end - dilation*(k - 1) - 1) / stride) + 1`` per dimension.

    Raises
    ------
    ValueError
        If the padded input is smaller than the dilated kernel in some dimension
        (the output would be empty), or an argument is out of range.
    TypeError
        If an argument is not an int or a sequence of ints.

    See Also
    --------
    conv_transpose_output_shape : the inverse relationship.

    Examples
    --------
    The seed's formula ``(input + 2*pad - kernel)/stride + 1`` on a 32x32 map with
    kernel 4, stride 2, padding 1 gives the 16x16 map the decoder starts from:

    >>> conv_output_shape((32, 32), (4, 4), stride=2, padding=1)
    (16, 16)

    The floor means several input sizes give the same output size:

    >>> [conv_output_shape(i, 3, stride=2)[0] for i in (7, 8)]
    [3, 3]
    """
    return ConvGeometry.build(input_shape, kernel_shape, stride=stride, padding=padding, dilation=dilation).output_shape


def conv_transpose_output_shape(
    input_shape: IntOrSeq,
    kernel_shape: IntOrSeq,
    *,
    stride: IntOrSeq = 1,
    padding: Padding = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
) -> tuple[int, ...]:
    """Spatial output shape of a transposed convolution.

    Parameters
    ----------
    input_shape, kernel_shape : int or sequence of int
        Spatial sizes only (no batch or channel axes); an int means one dimension.
    stride, dilation : int or sequence of int
        ``>= 1``.
    padding : int, sequence of int, or sequence of (begin, end) pairs
        Rows and columns removed from each side of the full output, ``>= 0``.
    output_padding : int or sequence of int
        Extra size added at the end of each dimension,
        ``0 <= output_padding < max(stride, dilation)``.

    Returns
    -------
    tuple of int
        ``(i - 1)*stride - p_begin - p_end + dilation*(k - 1) + output_padding + 1``.

    Raises
    ------
    ValueError
        If ``output_padding`` is out of range or the output would be empty.
    TypeError
        If an argument is not an int or a sequence of ints.

    Examples
    --------
    Kernel 4, stride 2, padding 1 doubles the size exactly (the seed's decoder):

    >>> conv_transpose_output_shape((16, 16), (4, 4), stride=2, padding=1)
    (32, 32)

    With stride 1 and no padding the output is the MATLAB ``'full'`` size ``i + k - 1``:

    >>> conv_transpose_output_shape(5, 3)
    (7,)

    Asymmetric padding takes one ``(begin, end)`` pair per dimension:

    >>> conv_transpose_output_shape((4,), (3,), stride=2, padding=[(0, 1)], output_padding=1)
    (9,)
    """
    return ConvTransposeGeometry.build(
        input_shape, kernel_shape, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    ).output_shape


def transposed_size_range(
    input_shape: IntOrSeq,
    kernel_shape: IntOrSeq,
    *,
    stride: IntOrSeq = 1,
    padding: Padding = 0,
    dilation: IntOrSeq = 1,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Smallest and largest output shapes a transposed convolution can produce.

    They are the shapes for ``output_padding = 0`` and ``max(stride, dilation) - 1``.
    The smallest may contain sizes below 1 for configurations that crop everything.

    Examples
    --------
    >>> transposed_size_range((3, 3), (3, 3), stride=2, padding=1)
    ((5, 5), (6, 6))
    """
    sizes, kernel = _spatial(input_shape, kernel_shape, "integers")
    return _size_range(sizes, kernel, spatial_arguments(len(sizes), stride=stride, padding=padding, dilation=dilation))


def output_padding_for(
    input_shape: IntOrSeq,
    kernel_shape: IntOrSeq,
    output_size: IntOrSeq,
    *,
    stride: IntOrSeq = 1,
    padding: Padding = 0,
    dilation: IntOrSeq = 1,
) -> tuple[int, ...]:
    """The ``output_padding`` that makes a transposed convolution produce ``output_size``.

    This is what PyTorch's ``ConvTranspose*d(...)(x, output_size=...)`` computes.  Since
    a strided convolution maps several sizes to the same one, the transposed convolution
    needs to be told which of them to produce.

    Parameters
    ----------
    input_shape, kernel_shape : int or sequence of int
        Spatial sizes of the transposed convolution's input and kernel.
    output_size : int or sequence of int
        The wanted spatial output size, one entry per spatial dimension.
    stride, padding, dilation
        As for :func:`conv_transpose_output_shape`.

    Returns
    -------
    tuple of int
        ``output_size - smallest_size`` per dimension.

    Raises
    ------
    ValueError
        If some wanted size is not reachable: valid sizes range from the size with
        ``output_padding = 0`` to ``max(stride, dilation) - 1`` more.

    Examples
    --------
    A 3x3 map, kernel 3, stride 2, padding 1 reaches 5x5 and 6x6:

    >>> output_padding_for((3, 3), (3, 3), (6, 5), stride=2, padding=1)
    (1, 0)
    >>> output_padding_for((3, 3), (3, 3), (7, 7), stride=2, padding=1)
    Traceback (most recent call last):
    ...
    ValueError: requested an output_size of (7, 7), but valid sizes range from (5, 5) to (6, 6) ...
    """
    return ConvTransposeGeometry.build(
        input_shape, kernel_shape, stride=stride, padding=padding, dilation=dilation, output_size=output_size
    ).output_padding
