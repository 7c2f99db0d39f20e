"""Validate the arrays of the array functions, once, at the boundary: array checks and dtype rules.

``prepare_conv_transpose`` and ``prepare_conv`` turn whatever the user passed into
batched arrays in the computation dtype plus a frozen geometry of per-dimension tuples,
which they build through :mod:`transposed_conv.shapes` from the arrays' shapes (every
rule on the integer arguments lives there).
The algorithms in :mod:`transposed_conv.methods` take that form and never re-validate.

Dtype rules (documented in the README and tested in ``tests/test_dtypes.py``):

* ``x``, ``weight`` and ``bias`` must be real numbers: bool, complex and object arrays
  raise ``TypeError``;
* all-integer inputs (uint64 included) give the exact result as ``int64``, or an
  ``OverflowError`` when it does not fit (:mod:`transposed_conv._integers`): never a
  wrapped value;
* otherwise the result dtype is NumPy's promotion of the inputs' dtypes
  (``float32`` stays ``float32``, ``float64`` stays ``float64``, ``int`` with
  ``float32`` gives ``float64``); ``float16`` is accumulated in ``float32`` and rounded
  to ``float16`` once at the end, as frameworks do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._integers import exact_bilinear
from ._memory import check_sizes
from ._normalize import as_int
from .shapes import ConvGeometry, ConvTransposeGeometry

__all__ = [
    "Prepared",
    "prepare_conv",
    "prepare_conv_transpose",
    "prepared_arrays",
    "real_array",
    "result_dtypes",
]


@dataclass(frozen=True)
class Prepared:
    """Validated arrays: ``x`` batched and in the compute dtype (integers: as given), plus how to finish."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    batched: bool
    compute_dtype: np.dtype[Any]
    result_dtype: np.dtype[Any]

    def evaluate(self, compute: Callable[[np.ndarray, np.ndarray], np.ndarray], *, terms: int) -> np.ndarray:
        """The result of the operation ``compute(x, weight)`` (bilinear, without bias) on these arrays.

        Integers give the exact int64 result or an ``OverflowError`` (:mod:`._integers`; ``terms``
        bounds the products summed into one element); floating inputs follow IEEE arithmetic,
        NaN and infinities included, without NumPy's warnings.  Then the bias is added, the
        result is cast to the result dtype, and the batch axis is dropped again for unbatched ``x``.
        """
        ndim = self.weight.ndim - 2
        bias = None if self.bias is None else self.bias.reshape((-1,) + (1,) * ndim)  # (C_out, 1, ..., 1)
        if self.compute_dtype.kind == "i":
            y = exact_bilinear(compute, self.x, self.weight, terms=terms, bias=bias, names="x, weight and bias")
        else:
            with np.errstate(invalid="ignore", over="ignore"):  # NaN and infinities are results here
                y = np.ascontiguousarray(compute(self.x, self.weight))
                if bias is not None:
                    if np.may_share_memory(y, self.x) or np.may_share_memory(y, self.weight):
                        y = y + bias  # never write into the caller's arrays
                    else:
                        y += bias
                y = y.astype(self.result_dtype, copy=False)
        return y if self.batched else y[0]


def real_array(value: ArrayLike, name: str) -> np.ndarray:
    """``value`` as a NumPy array of real numbers, or a ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers; got a {type(value).__name__}")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} must not be a masked array (its mask would be ignored); pass {name}.filled(0)")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name} must be a rectangular array of real numbers; NumPy says: {error}") from None
    if array.dtype == np.bool_ or array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers (integer or floating dtype); got dtype {array.dtype}")
    return array


def result_dtypes(*arrays: np.ndarray) -> tuple[np.dtype[Any], np.dtype[Any]]:
    """The (compute, result) dtypes for the given real arrays; see the module docstring."""
    if all(array.dtype.kind in "iu" for array in arrays):
        return np.dtype(np.int64), np.dtype(np.int64)
    result = np.result_type(*arrays)
    compute = np.dtype(np.float32) if result == np.float16 else result
    return compute, result


def _arrays(
    x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Check ranks; return batched x, weight, bias and whether x was batched."""
    x_arr = real_array(x, "x")
    w_arr = real_array(weight, "weight")
    b_arr = None if bias is None else real_array(bias, "bias")
    if w_arr.ndim < 3:
        raise ValueError(
            "weight must have shape (channels, channels, *kernel) with at least one spatial dimension; "
            f"got weight.shape={w_arr.shape}"
        )
    if x_arr.ndim == w_arr.ndim:
        batched = True
    elif x_arr.ndim == w_arr.ndim - 1:
        batched = False
        x_arr = x_arr[np.newaxis]
    else:
        d = w_arr.ndim - 2
        raise ValueError(
            f"x must have shape (N, C_in, *spatial) or (C_in, *spatial) with {d} spatial dimension(s) "
            f"to match weight.shape={w_arr.shape}; got x.shape={np.shape(x)}"
        )
    if any(size < 1 for size in w_arr.shape):
        raise ValueError(f"weight must have no empty axis; got weight.shape={w_arr.shape}")
    if any(size < 1 for size in x_arr.shape[1:]):
        raise ValueError(
            f"x must have at least one channel and one element per spatial dimension; got x.shape={np.shape(x)}"
        )
    return x_arr, w_arr, b_arr, batched


def _finish_arrays(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, out_channels: int, batched: bool
) -> Prepared:
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"bias must have shape (C_out,) = ({out_channels},); got bias.shape={bias.shape}")
    present = [x, weight] + ([] if bias is None else [bias])
    compute, result = result_dtypes(*present)
    return prepared_arrays(x, weight, bias, batched, compute, result)


def prepared_arrays(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    batched: bool,
    compute: np.dtype[Any],
    result: np.dtype[Any],
) -> Prepared:
    """Arrays whose shapes and dtypes are already validated (``x`` batched), in the compute dtype.

    The last step of :func:`prepare_conv_transpose` and :func:`prepare_conv`; a cached call
    plan (:mod:`transposed_conv.transpose`) calls it directly for arrays of the shapes and
    dtypes it validated before.
    """
    if compute.kind == "i":  # integers keep their own dtypes: _integers computes them exactly, uint64 too
        return Prepared(x, weight, bias, batched, compute, result)
    return Prepared(
        x=x.astype(compute, copy=False),
        weight=weight.astype(compute, copy=False),
        bias=None if bias is None else bias.astype(compute, copy=False),
        batched=batched,
        compute_dtype=compute,
        result_dtype=result,
    )


def _groups(groups: Any, in_channels: int, out_channels: int, weight_shape: tuple[int, ...]) -> int:
    """``groups`` dividing the channel counts of ``x`` and ``weight``, with a message naming the weight's shape."""
    g = as_int(groups, "groups", minimum=1)
    if in_channels % g or out_channels % g:
        raise ValueError(
            "groups must divide both the input and the output channel counts; "
            f"got groups={g}, C_in={in_channels}, C_out={out_channels} (weight.shape={weight_shape})"
        )
    return g


def prepare_conv_transpose(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None,
    *,
    stride: Any,
    padding: Any,
    output_padding: Any,
    dilation: Any,
    groups: Any,
    output_size: Any,
) -> tuple[Prepared, ConvTransposeGeometry]:
    """Validate everything :func:`~transposed_conv.conv_transpose` receives.

    The arrays and their channels are checked here; the geometry is built by
    :meth:`~transposed_conv.shapes.ConvTransposeGeometry.build` from the arrays' shapes.
    """
    x_arr, w_arr, b_arr, batched = _arrays(x, weight, bias)
    in_channels = x_arr.shape[1]
    if w_arr.shape[0] != in_channels:
        raise ValueError(
            "weight must have shape (C_in, C_out/groups, *kernel) with C_in equal to the input channels; "
            f"got x.shape={np.shape(x)} (C_in={in_channels}) and weight.shape={w_arr.shape}"
        )
    g = as_int(groups, "groups", minimum=1)
    out_channels = w_arr.shape[1] * g
    g = _groups(g, in_channels, out_channels, w_arr.shape)
    geometry = ConvTransposeGeometry.build(
        x_arr.shape[2:],
        w_arr.shape[2:],
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=g,
        in_channels=in_channels,
        out_channels=out_channels,
        output_size=output_size,
        output_leading=(x_arr.shape[0], out_channels) if batched else (out_channels,),
        source="arrays",
    )
    # The output, and one batch element's column buffer: no method allocates the uncropped output.
    per_item = out_channels * math.prod(geometry.output_shape)
    columns = out_channels * math.prod(geometry.kernel_shape) * math.prod(geometry.input_shape)
    check_sizes(output=max(x_arr.shape[0], 1) * per_item, column_buffer=columns)
    return _finish_arrays(x_arr, w_arr, b_arr, out_channels, batched), geometry


def prepare_conv(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None,
    *,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
) -> tuple[Prepared, ConvGeometry]:
    """Validate everything :func:`~transposed_conv.conv` receives.

    The arrays and their channels are checked here; the geometry is built by
    :meth:`~transposed_conv.shapes.ConvGeometry.build` from the arrays' shapes.
    """
    x_arr, w_arr, b_arr, batched = _arrays(x, weight, bias)
    in_channels = x_arr.shape[1]
    g = as_int(groups, "groups", minimum=1)
    if w_arr.shape[1] * g != in_channels:
        raise ValueError(
            "weight must have shape (C_out, C_in/groups, *kernel); "
            f"got x.shape={np.shape(x)} (C_in={in_channels}), weight.shape={w_arr.shape} and groups={g}, "
            f"but {w_arr.shape[1]} * {g} != {in_channels}"
        )
    out_channels = w_arr.shape[0]
    g = _groups(g, in_channels, out_channels, w_arr.shape)
    geometry = ConvGeometry.build(
        x_arr.shape[2:],
        w_arr.shape[2:],
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=g,
        in_channels=in_channels,
        out_channels=out_channels,
        source="arrays",
    )
    out = math.prod(geometry.output_shape)  # the padded input is never built
    columns = in_channels * math.prod(geometry.kernel_shape) * out  # one batch element's column buffer
    check_sizes(output=max(x_arr.shape[0], 1) * out_channels * out, column_buffer=columns)
    return _finish_arrays(x_arr, w_arr, b_arr, out_channels, batched), geometry
