"""Output-size arithmetic for convolution and transposed convolution.

Pure functions of integers, kept apart from any array computation (as JAX keeps
``_conv_transpose_padding`` apart from ``conv_transpose``), so that the arithmetic can
be taught and tested on its own.  Per spatial dimension, with input size ``i``, kernel
size ``k``, stride ``s``, dilation ``d``, padding ``p_begin``/``p_end`` and output
padding ``a``:

* convolution:  ``o = floor((i + p_begin + p_end - d*(k - 1) - 1) / s) + 1``
* transposed:   ``o = (i - 1)*s - p_begin - p_end + d*(k - 1) + a + 1``

The transposed formula inverts the convolution one: a convolution maps each of the
``s`` sizes ``o, o + 1, ..., o + s - 1`` to the same ``i`` (the floor discards the
remainder), and ``output_padding`` ``a`` picks which of them the transposed
convolution produces.  See Dumoulin & Visin, *A guide to convolution arithmetic for
deep learning* (2016), relationships 1-14.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ._normalize import as_int_tuple, as_padding_pairs, as_shape

__all__ = [
    "ConvGeometry",
    "ConvTransposeGeometry",
    "conv_output_shape",
    "conv_transpose_output_shape",
    "full_output_shape",
    "output_padding_for",
    "transposed_size_range",
]

IntOrSeq = int | Sequence[int]
Padding = int | Sequence[int] | Sequence[Sequence[int]]


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


@dataclass(frozen=True)
class ConvTransposeGeometry:
    """Everything about a transposed convolution except the array values.

    ``padding`` holds one ``(begin, end)`` pair per spatial dimension.
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

    @property
    def ndim(self) -> int:
        return len(self.input_shape)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return transposed_lengths(
            self.input_shape, self.kernel_shape, self.stride, self.padding, self.output_padding, self.dilation
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
    """Everything about a convolution (cross-correlation) except the array values."""

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int
    in_channels: int
    out_channels: int

    @property
    def ndim(self) -> int:
        return len(self.input_shape)

    @property
    def products_per_output(self) -> int:
        """The products summed into one output element (padded positions included)."""
        return self.in_channels // self.groups * math.prod(self.kernel_shape)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(
            conv_output_length(i, k, s, pb, pe, d)
            for i, k, s, (pb, pe), d in zip(
                self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation
            )
        )


def _spatial(input_shape: IntOrSeq, kernel_shape: IntOrSeq) -> tuple[tuple[int, ...], tuple[int, ...]]:
    sizes = as_shape(input_shape, "input_shape")
    kernel = as_shape(kernel_shape, "kernel_shape")
    if len(sizes) != len(kernel):
        raise ValueError(
            "input_shape and kernel_shape must have one entry per spatial dimension each; "
            f"got input_shape={sizes} and kernel_shape={kernel}"
        )
    return sizes, kernel


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
    sizes, kernel = _spatial(input_shape, kernel_shape)
    ndim = len(sizes)
    strides = as_int_tuple(stride, "stride", ndim, minimum=1)
    dilations = as_int_tuple(dilation, "dilation", ndim, minimum=1)
    pads = as_padding_pairs(padding, "padding", ndim)
    out = tuple(
        conv_output_length(i, k, s, pb, pe, d) for i, k, s, (pb, pe), d in zip(sizes, kernel, strides, pads, dilations)
    )
    if any(o < 1 for o in out):
        raise ValueError(
            "the padded input must be at least as large as the dilated kernel in every dimension "
            f"(input + padding >= dilation*(kernel - 1) + 1); got input_shape={sizes}, kernel_shape={kernel}, "
            f"padding={pads}, dilation={dilations}, which gives an output of {out}"
        )
    return out


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
    sizes, kernel = _spatial(input_shape, kernel_shape)
    ndim = len(sizes)
    strides = as_int_tuple(stride, "stride", ndim, minimum=1)
    dilations = as_int_tuple(dilation, "dilation", ndim, minimum=1)
    pads = as_padding_pairs(padding, "padding", ndim)
    extra = as_int_tuple(output_padding, "output_padding", ndim, minimum=0)
    check_output_padding(extra, strides, dilations)
    out = transposed_lengths(sizes, kernel, strides, pads, extra, dilations)
    if any(o < 1 for o in out):
        raise ValueError(
            "the transposed convolution output must be at least 1 in every dimension "
            "((input - 1)*stride + dilation*(kernel - 1) + output_padding + 1 > padding_begin + padding_end); "
            f"got input_shape={sizes}, kernel_shape={kernel}, stride={strides}, padding={pads}, "
            f"output_padding={extra}, dilation={dilations}, which gives an output of {out}"
        )
    return out


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
    sizes, kernel = _spatial(input_shape, kernel_shape)
    ndim = len(sizes)
    strides = as_int_tuple(stride, "stride", ndim, minimum=1)
    dilations = as_int_tuple(dilation, "dilation", ndim, minimum=1)
    pads = as_padding_pairs(padding, "padding", ndim)
    smallest = tuple(
        conv_transpose_output_length(i, k, s, pb, pe, 0, d)
        for i, k, s, (pb, pe), d in zip(sizes, kernel, strides, pads, dilations)
    )
    largest = tuple(o + max(s, d) - 1 for o, s, d in zip(smallest, strides, dilations))
    return smallest, largest


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
    sizes, kernel = _spatial(input_shape, kernel_shape)
    ndim = len(sizes)
    wanted = as_int_tuple(output_size, "output_size", ndim, minimum=1)
    strides = as_int_tuple(stride, "stride", ndim, minimum=1)
    dilations = as_int_tuple(dilation, "dilation", ndim, minimum=1)
    pads = as_padding_pairs(padding, "padding", ndim)
    smallest, largest = transposed_size_range(sizes, kernel, stride=strides, padding=pads, dilation=dilations)
    if any(not lo <= o <= hi for o, lo, hi in zip(wanted, smallest, largest)):
        raise ValueError(
            f"requested an output_size of {wanted}, but valid sizes range from {smallest} to {largest} "
            f"(for an input of {sizes}, kernel {kernel}, stride={strides}, padding={pads}, dilation={dilations})"
        )
    return tuple(o - lo for o, lo in zip(wanted, smallest))
