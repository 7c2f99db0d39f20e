"""``conv_transpose``: the public entry point, and the choice of method."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._arguments import ConvTransposeGeometry, Padding, prepare_conv_transpose
from ._normalize import as_choice
from .methods import direct, im2col, matrix, zero_insertion

__all__ = ["METHODS", "conv_transpose"]

Method = Callable[[np.ndarray, np.ndarray, ConvTransposeGeometry], np.ndarray]

#: The algorithms by name; ``"auto"`` picks one of them.
METHODS: dict[str, Method] = {
    "direct": direct.conv_transpose,
    "zero_insertion": zero_insertion.conv_transpose,
    "im2col": im2col.conv_transpose,
    "matrix": matrix.conv_transpose,
}


def choose_method(geometry: ConvTransposeGeometry) -> str:
    """The method ``"auto"`` runs for ``geometry``.

    ``"im2col"`` -- one GEMM plus one strided slice-add per kernel tap -- was the fastest
    on every size measured (from 5 elements to the seed decoder's 256-channel 16x16
    layer): ``"zero_insertion"`` multiplies by ``prod(stride)`` zeros, ``"direct"`` loops in
    Python over input elements, and ``"matrix"`` builds a sparse matrix first.
    """
    return "im2col"


def conv_transpose(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    output_size: Sequence[int] | None = None,
    method: str = "auto",
) -> np.ndarray:
    """N-d transposed convolution: the adjoint of :func:`conv`.

    Each input element scatters a copy of its kernel, scaled by the element, into the
    output: ``y[n, g*C_out/G + m, i*stride + j*dilation - p_begin] += x[n, c, i] * weight[c, m, j]``
    for every input channel ``c`` (in group ``g``), input position ``i``, kernel tap ``j``
    and output channel ``m`` of the group; positions in the padding are dropped.

    Parameters
    ----------
    x : array_like
        Input of shape ``(N, C_in, *spatial)``, or ``(C_in, *spatial)`` unbatched;
        any number ``d >= 1`` of spatial dimensions.
    weight : array_like
        Kernel of shape ``(C_in, C_out/groups, *kernel)`` -- PyTorch's layout, in which
        the *input* channels come first.
    bias : array_like, optional
        Shape ``(C_out,)``, added to every output position.
    stride, dilation : int or sequence of int
        ``>= 1``; an int applies to every spatial dimension.
    padding : int, sequence of int, or sequence of (begin, end) pairs
        How much to remove from each side of the full output, ``>= 0``.  Pairs give
        asymmetric padding, as ONNX ``pads`` and JAX explicit padding do.
    output_padding : int or sequence of int
        Extra size at the end of each dimension, ``0 <= output_padding < max(stride, dilation)``.
    groups : int
        Number of blocked connections; divides ``C_in`` and ``C_out``.
    output_size : sequence of int, optional
        The wanted spatial output size (a full ``(N, C_out, *spatial)`` shape is accepted
        too); picks ``output_padding`` as :func:`output_padding_for` does.  Give either
        this or ``output_padding``.
    method : {'auto', 'im2col', 'zero_insertion', 'direct', 'matrix'}
        The algorithm; all give the same result.  ``'auto'`` picks the fastest.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, C_out, *out)`` (unbatched if ``x`` was), with
        ``out = (i - 1)*stride - p_begin - p_end + dilation*(k - 1) + output_padding + 1``.
        int64 for integer inputs (exact); otherwise the inputs' promoted floating dtype.

    Raises
    ------
    ValueError, TypeError
        For an invalid argument, naming it and the rule it breaks.

    See Also
    --------
    conv : the operation this is the adjoint of.
    conv_transpose_output_shape : the output-size formula on its own.

    Notes
    -----
    With stride 1 and no padding, one channel, this is MATLAB's ``conv(..., 'full')``.
    With stride ``s``, it equals inserting ``s - 1`` zeros between input elements and
    running a stride-1 full convolution (Dumoulin & Visin, 2016).

    Examples
    --------
    Stride 1 is the full convolution:

    >>> conv_transpose([[1, 2, 3]], [[[1, 1]]]).tolist()
    [[1, 3, 5, 3]]

    Stride 2 spreads the copies of the kernel two apart; where they overlap they add:

    >>> conv_transpose([[1, 2, 3]], [[[1, 1, 1]]], stride=2).tolist()
    [[1, 1, 3, 2, 5, 3, 3]]

    The seed's decoder layer: kernel 4, stride 2, padding 1 doubles a 16x16 map:

    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 8, 16, 16)), np.ones((8, 4, 4, 4)), stride=2, padding=1).shape
    (1, 4, 32, 32)
    """
    name = as_choice(method, "method", ("auto", *METHODS))
    prepared, geometry = prepare_conv_transpose(
        x,
        weight,
        bias,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        output_size=output_size,
    )
    if name == "auto":
        name = choose_method(geometry)
    y = METHODS[name](prepared.x, prepared.weight, geometry)
    if prepared.bias is not None:
        y = y + prepared.bias.reshape((-1,) + (1,) * geometry.ndim)
    y = np.ascontiguousarray(y, dtype=prepared.result_dtype)
    return y if prepared.batched else y[0]
