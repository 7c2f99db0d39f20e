"""Backward passes: the gradients of ``conv_transpose`` and ``conv``, side by side.

Both operations are bilinear in ``(x, weight)``, so their vector-Jacobian products are
again convolutions.  For ``y = conv_transpose(x, w) + b`` and an output gradient ``dy``:

* ``dx = conv(dy, w)`` with the same stride, padding, dilation and groups, cropped to
  ``x``'s size -- the convolution is the adjoint of the transposed convolution;
* ``dw[c, m, j] = sum_{n, i} x[n, c, i] * dy_full[n, m, i*stride + j*dilation]`` --
  a correlation of ``x`` with the windows of ``dy`` placed back in the uncropped
  ("full") output grid;
* ``db = dy`` summed over the batch and spatial axes.

For ``y = conv(x, w) + b`` the roles swap: ``dx = conv_transpose(dy, w)`` with the
``output_padding`` that restores ``x``'s size, and
``dw[o, c, j] = sum_{n, p} dy[n, o, p] * x_pad[n, c, p*stride + j*dilation]``.

The weight gradients are computed the im2col way: one strided slice per kernel tap
gathers the windows (:func:`~transposed_conv.methods.im2col.im2col`) -- clipped to the
unpadded array, the padding left as zeros, so no padded array is ever built -- then one
(grouped) matrix product per batch element sums over positions, added over the batch.
Integer inputs give exact ``int64`` gradients; otherwise the dtype rules of the forward
operations apply to ``x``, ``weight`` and ``grad_output`` together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._arguments import Prepared, prepare_conv, prepare_conv_transpose, real_array, result_dtypes
from ._integers import exact_bilinear, exact_sum
from ._memory import chunk_count, chunks
from ._normalize import as_choice
from .methods import im2col
from .methods._buffers import scratch
from .shapes import Padding, conv_transpose_output_length
from .transpose import METHODS, conv_transpose

__all__ = ["ConvGradients", "conv_backward", "conv_transpose_backward"]


class ConvGradients(NamedTuple):
    """The gradients of a loss with respect to the three arguments of a (transposed) convolution.

    Attributes
    ----------
    grad_input : numpy.ndarray
        Shape of ``x``.
    grad_weight : numpy.ndarray
        Shape of ``weight``.
    grad_bias : numpy.ndarray
        Shape ``(C_out,)``: what the bias would receive (whether or not the forward had one).
    """

    grad_input: np.ndarray
    grad_weight: np.ndarray
    grad_bias: np.ndarray


def conv_transpose_backward(
    grad_output: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    output_size: Sequence[int] | None = None,
    method: str = "auto",
) -> ConvGradients:
    """Gradients of :func:`~transposed_conv.conv_transpose` with respect to ``x``, ``weight`` and ``bias``.

    Parameters
    ----------
    grad_output : array_like
        The gradient of the loss with respect to the output: the output's shape,
        ``(N, C_out, *out)`` (or ``(C_out, *out)`` for unbatched ``x``).
    x, weight : array_like
        The forward's inputs, ``(N, C_in, *spatial)`` and ``(C_in, C_out/groups, *kernel)``.
    stride, padding, output_padding, dilation, groups, output_size
        The forward's arguments, with the same meaning and rules.
    method : {'auto', 'im2col', 'polyphase', 'zero_insertion', 'direct', 'matrix'}
        Accepted (and checked) so that the forward's keyword arguments can be passed on
        unchanged.  No transposed convolution is computed here -- the input gradient is a
        convolution and the weight gradient a correlation -- so every method gives the
        same gradients.

    Returns
    -------
    ConvGradients
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of ``x``, ``weight`` and
        ``(C_out,)``; int64 for integer inputs (exact), otherwise the promoted floating
        dtype of ``x``, ``weight`` and ``grad_output``.

    Raises
    ------
    ValueError, TypeError
        For an invalid argument, naming it; ``ValueError`` if ``grad_output`` does not
        have the output's shape.

    See Also
    --------
    conv_backward : the same for the convolution.

    Notes
    -----
    ``y[n, g*C_out/G + m, i*s + j*d - p_begin] += x[n, c, i] * w[c, m, j]`` is linear in
    ``x`` and in ``w``; differentiating ``L(y)`` gives

    * ``dx[n, c, i] = sum_{m, j} w[c, m, j] * dy_full[n, m, i*s + j*d]``: the convolution
      ``conv(dy, w)`` with the same stride, padding, dilation and groups.  When
      ``output_padding >= stride`` (allowed when the dilation is larger) that
      convolution yields ``output_padding // stride`` extra trailing positions, which
      no input element reached; they are cropped.
    * ``dw[c, m, j] = sum_{n, i} x[n, c, i] * dy_full[n, m, i*s + j*d]``, where
      ``dy_full`` is ``dy`` zero-padded back to the uncropped grid (the padding of a
      transposed convolution removes outputs, so their gradient is zero).
    * ``db[m] = sum_{n, p} dy[n, m, p]``.

    Examples
    --------
    A 1-D stride-2 transposed convolution of ``[1, 2]`` with the kernel ``[1, 1, 1]``
    writes ``[1, 1, 3, 2, 2]``; with an all-ones output gradient each input element
    receives the sum of its kernel, and each tap the sum of the inputs:

    >>> g = conv_transpose_backward([[[1, 1, 1, 1, 1]]], [[[1, 2]]], [[[1, 1, 1]]], stride=2)
    >>> g.grad_input.tolist(), g.grad_weight.tolist(), g.grad_bias.tolist()
    ([[[3, 3]]], [[[3, 3, 3]]], [5])

    The gradients have the shapes of the arguments:

    >>> import numpy as np
    >>> x, w = np.ones((2, 8, 16, 16), np.float32), np.ones((8, 4, 4, 4), np.float32)
    >>> g = conv_transpose_backward(np.ones((2, 4, 32, 32), np.float32), x, w, stride=2, padding=1)
    >>> g.grad_input.shape, g.grad_weight.shape, g.grad_bias.shape, g.grad_weight.dtype
    ((2, 8, 16, 16), (8, 4, 4, 4), (4,), dtype('float32'))
    """
    as_choice(method, "method", ("auto", *METHODS))
    forward, geometry = prepare_conv_transpose(
        x,
        weight,
        None,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        output_size=output_size,
    )
    dy, compute, result = _grad_output(grad_output, forward, geometry.out_channels, geometry.output_shape)
    x_arr, w_arr = _in_compute_dtype(forward.x, compute), _in_compute_dtype(forward.weight, compute)
    # dx = conv(dy, w), cropped to x's shape: the forward's output_padding positions reach no input.
    _, backward = prepare_conv(
        dy,
        w_arr,
        None,
        stride=geometry.stride,
        padding=geometry.padding,
        dilation=geometry.dilation,
        groups=geometry.groups,
    )
    keep = (slice(None), slice(None), *(slice(0, i) for i in geometry.input_shape))

    def input_gradient(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return im2col.correlate(a, b, backward)[keep]  # (N, C_in, *L)

    if compute.kind == "i":  # exact on the kept positions, or OverflowError
        grad_input = exact_bilinear(
            input_gradient, dy, w_arr, terms=backward.products_per_output, names="weight and grad_output"
        )
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            grad_input = input_gradient(dy, w_arr)
    grad_weight = _correlate_windows(
        x_arr,
        dy,
        geometry.kernel_shape,
        stride=geometry.stride,
        dilation=geometry.dilation,
        padding=geometry.padding,
        groups=geometry.groups,
    )
    return _finish(grad_input, grad_weight, dy, forward.batched, result)


def conv_backward(
    grad_output: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    method: str = "auto",
) -> ConvGradients:
    """Gradients of :func:`~transposed_conv.conv` with respect to ``x``, ``weight`` and ``bias``.

    Parameters
    ----------
    grad_output : array_like
        The gradient of the loss with respect to the output, with the output's shape
        ``(N, C_out, *out)`` (or ``(C_out, *out)`` for unbatched ``x``).
    x, weight : array_like
        The forward's inputs, ``(N, C_in, *spatial)`` and ``(C_out, C_in/groups, *kernel)``.
    stride, padding, dilation, groups
        The forward's arguments, with the same meaning and rules.
    method : {'auto', 'im2col', 'polyphase', 'zero_insertion', 'direct', 'matrix'}
        The algorithm of the transposed convolution that computes the input gradient;
        all give the same result.

    Returns
    -------
    ConvGradients
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of ``x``, ``weight`` and
        ``(C_out,)``; int64 for integer inputs (exact), otherwise the promoted floating
        dtype of ``x``, ``weight`` and ``grad_output``.

    Raises
    ------
    ValueError, TypeError
        For an invalid argument, naming it; ``ValueError`` if ``grad_output`` does not
        have the output's shape.

    See Also
    --------
    conv_transpose_backward : the same for the transposed convolution.

    Notes
    -----
    ``y[n, o, p] = sum_{c, j} w[o, c, j] * x_pad[n, g*C_in/G + c, p*s + j*d]`` gives

    * ``dx = conv_transpose(dy, w)`` with the same stride, padding, dilation and groups
      and ``output_padding = (L + p_begin + p_end - d*(k - 1) - 1) mod s``: the inputs the
      convolution's floor skipped at the end (they reach no output) get zero gradient;
    * ``dw[o, c, j] = sum_{n, p} dy[n, o, p] * x_pad[n, g*C_in/G + c, p*s + j*d]``;
    * ``db[o] = sum_{n, p} dy[n, o, p]``.

    Examples
    --------
    ``conv([1, 2, 3, 4], [1, 0, -1])`` is ``[-2, -2]``; with output gradient ``[1, 10]``:

    >>> g = conv_backward([[[1, 10]]], [[[1, 2, 3, 4]]], [[[1, 0, -1]]])
    >>> g.grad_input.tolist(), g.grad_weight.tolist(), g.grad_bias.tolist()
    ([[[1, 10, -1, -10]]], [[[21, 32, 43]]], [11])
    """
    name = as_choice(method, "method", ("auto", *METHODS))
    forward, geometry = prepare_conv(x, weight, None, stride=stride, padding=padding, dilation=dilation, groups=groups)
    dy, compute, result = _grad_output(grad_output, forward, geometry.out_channels, geometry.output_shape)
    x_arr, w_arr = _in_compute_dtype(forward.x, compute), _in_compute_dtype(forward.weight, compute)
    skipped = tuple(
        i - conv_transpose_output_length(o, k, s, pb, pe, 0, d)
        for i, o, k, s, (pb, pe), d in zip(
            geometry.input_shape,
            geometry.output_shape,
            geometry.kernel_shape,
            geometry.stride,
            geometry.padding,
            geometry.dilation,
        )
    )
    grad_input = conv_transpose(
        dy,
        w_arr,
        stride=geometry.stride,
        padding=geometry.padding,
        output_padding=skipped,
        dilation=geometry.dilation,
        groups=geometry.groups,
        method=name,
    )  # (N, C_in, *L)
    grad_weight = _correlate_windows(
        dy,
        x_arr,
        geometry.kernel_shape,
        stride=geometry.stride,
        dilation=geometry.dilation,
        padding=geometry.padding,
        groups=geometry.groups,
    )
    return _finish(grad_input, grad_weight, dy, forward.batched, result)


def _grad_output(
    grad_output: ArrayLike, forward: Prepared, out_channels: int, output_shape: tuple[int, ...]
) -> tuple[np.ndarray, np.dtype[Any], np.dtype[Any]]:
    """``grad_output`` checked against the forward output's shape, batched, and the (compute, result) dtypes."""
    dy = real_array(grad_output, "grad_output")
    leading = (forward.x.shape[0], out_channels) if forward.batched else (out_channels,)
    expected = (*leading, *output_shape)
    if dy.shape != expected:
        raise ValueError(
            f"grad_output must have the shape of the forward output, {expected}; got grad_output.shape={dy.shape}"
        )
    compute, result = result_dtypes(np.empty(0, forward.result_dtype), dy)
    dy = _in_compute_dtype(dy, compute)
    return (dy if forward.batched else dy[np.newaxis]), compute, result


def _in_compute_dtype(a: np.ndarray, compute: np.dtype[Any]) -> np.ndarray:
    """``a`` cast to the floating compute dtype; integers stay as they are (``_integers`` computes them exactly)."""
    return a if compute.kind == "i" else a.astype(compute, copy=False)


def _correlate_windows(
    left: np.ndarray,
    right: np.ndarray,
    kernel_shape: tuple[int, ...],
    *,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    groups: int,
) -> np.ndarray:
    """``out[g*A + a, b, j] = sum_{n, i} left[n, g*A + a, i] * right_pad[n, g*B + b, i*stride + j*dilation]``.

    ``left`` is ``(N, G*A, *positions)``, ``right`` is ``(N, G*B, *grid)`` and ``right_pad`` is
    ``right`` zero-padded by ``padding``; the result is ``(G*A, B, *kernel_shape)`` -- the
    weight layout of both operations.  ``right_pad`` is never built: its windows are
    :func:`~transposed_conv.methods.im2col.im2col`'s columns, which start as zeros and receive
    only the part of ``right`` each tap reaches, so a huge padding costs nothing, and the padded
    zeros still enter the products.  One GEMM per batch element (``(A, prod(positions))`` by the
    transposed columns), added over the batch, in chunks whose column buffer stays under the
    memory limit and near :data:`~transposed_conv.methods.im2col.CACHE_TARGET` (measured: half
    the time of one GEMM over a transposed copy of every window).  Integer arrays give the
    exact result (``N * prod(positions)`` products per element) or an ``OverflowError``.
    """
    if left.dtype.kind in "iu" and right.dtype.kind in "iu":
        return exact_bilinear(
            lambda a, b: _correlate_windows(
                a, b, kernel_shape, stride=stride, dilation=dilation, padding=padding, groups=groups
            ),
            left,
            right,
            terms=left.shape[0] * math.prod(left.shape[2:]),
            names="x and grad_output",
        )
    n, c_left = left.shape[:2]
    a, b = c_left // groups, right.shape[1] // groups
    positions = left.shape[2:]
    size, taps = math.prod(positions), math.prod(kernel_shape)
    dtype = np.result_type(left, right)
    out = np.zeros((groups, a, b * taps), dtype=dtype)  # (G, A, B * prod(k))
    if n == 0:
        return out.reshape(c_left, b, *kernel_shape)
    # right_pad's windows, one batch element per GEMM: im2col's columns (the padding stays zero in the reused buffer)
    per_item = right.shape[1] * taps * size * dtype.itemsize
    batch_chunk = min(n, chunk_count(per_item), max(1, im2col.CACHE_TARGET // per_item))
    with (
        scratch(
            (batch_chunk, right.shape[1], *kernel_shape, *positions), dtype, zeroed=True
        ) as cols,  # (n_b, G*B, *k, *P)
        scratch(out.shape, dtype) as product,
    ):
        for batch in chunks(n, batch_chunk):
            nb = batch.stop - batch.start
            im2col.im2col(right[batch], kernel_shape, positions, stride, dilation, padding, out=cols[:nb])
            lhs = left[batch].reshape(nb, groups, a, size)  # (n_b, G, A, prod(positions))
            columns = cols[:nb].reshape(nb, groups, b * taps, size)  # (n_b, G, B * prod(k), prod(positions))
            for item in range(nb):  # sum over the batch: one GEMM per element, added in batch order
                out += np.matmul(lhs[item], np.swapaxes(columns[item], 1, 2), out=product)  # (G, A, B * prod(k))
    return out.reshape(c_left, b, *kernel_shape)  # (G*A, B, *k)


def _finish(
    grad_input: np.ndarray,
    grad_weight: np.ndarray,
    dy: np.ndarray,
    batched: bool,
    result: np.dtype[Any],
) -> ConvGradients:
    """Bias gradient, result dtype, and the batch axis removed again for unbatched inputs."""
    axes = (0, *range(2, dy.ndim))
    grad_bias = exact_sum(dy, axes, "grad_output") if dy.dtype.kind in "iu" else dy.sum(axis=axes)  # (C_out,)
    grad_input = np.ascontiguousarray(grad_input, dtype=result)
    return ConvGradients(
        grad_input=grad_input if batched else grad_input[0],
        grad_weight=np.ascontiguousarray(grad_weight, dtype=result),
        grad_bias=np.ascontiguousarray(grad_bias, dtype=result),
    )
