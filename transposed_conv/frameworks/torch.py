"""PyTorch: ``torch.nn.functional.conv_transpose{1,2,3}d``, whose convention is ours.

:func:`~transposed_conv.conv_transpose` takes PyTorch's arguments and layouts (and extends
``padding`` to ``(begin, end)`` pairs), so the convention function is the core itself and the
reverse mapping only spells our geometry in PyTorch's names.  :func:`torch_conv_transpose` calls
the real PyTorch (imported when called).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._arguments import prepare_conv_transpose
from ..transpose import conv_transpose
from ._declarations import Convention, Geometry, Implementation, Reading, Supports

__all__ = [
    "CONVENTIONS",
    "HALF_PRECISIONS",
    "IMPLEMENTATIONS",
    "PEERS",
    "SUPPORTS",
    "torch_arguments",
    "torch_conv_transpose",
    "torch_reading",
]


def torch_arguments(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """``torch.nn.functional.conv_transpose{1,2,3}d`` arguments for our geometry; ``padding`` as (begin, end) pairs.

    ``padding_symmetric`` says whether PyTorch itself can take the padding (one int per
    dimension); our :func:`~transposed_conv.conv_transpose` takes the pairs either way.  The
    arrays are in PyTorch's layout already; ``batch`` does not enter.

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry(
    ...     input_shape=(4,), kernel_shape=(3,), stride=(2,), padding=((1, 0),), output_padding=(1,),
    ...     dilation=(1,), groups=1, in_channels=2, out_channels=3)
    >>> torch_arguments(geometry)
    {'stride': [2], 'padding': [[1, 0]], 'padding_symmetric': False, 'output_padding': [1], 'dilation': [1],
     'groups': 1}
    """
    return {
        "stride": list(geometry.stride),
        "padding": [list(p) for p in geometry.padding],
        "padding_symmetric": all(b == e for b, e in geometry.padding),
        "output_padding": list(geometry.output_padding),
        "dilation": list(geometry.dilation),
        "groups": geometry.groups,
    }


def torch_reading(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: Any = 1,
    dilation: Any = 1,
    output_size: Any = None,
) -> Reading:
    """A call of ``torch.nn.functional.conv_transpose{1,2,3}d`` (or of an ``nn.ConvTranspose{1,2,3}d`` with
    ``output_size``) read as our window of the full output, by :func:`~transposed_conv.conv_transpose`'s
    rules.  ``x`` is batched; only the arrays' shapes and dtypes enter.

    Examples
    --------
    >>> import numpy as np
    >>> reading = torch_reading(np.empty((1, 2, 4)), np.empty((2, 3, 3)), stride=2, padding=1, output_padding=1)
    >>> reading.window, reading.out_channels
    (((1, 9),), 3)
    """
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
    if not prepared.batched:
        raise ValueError(f"x must be batched, (N, C_in, *spatial); got x.shape={np.shape(x)}")
    identity = tuple(range(geometry.ndim + 2))
    return Reading(
        batch=prepared.x.shape[0],
        in_channels=geometry.in_channels,
        out_channels=geometry.out_channels,
        groups=geometry.groups,
        input_shape=geometry.input_shape,
        kernel_shape=geometry.kernel_shape,
        stride=geometry.stride,
        dilation=geometry.dilation,
        window=tuple((b, b + o) for (b, _), o in zip(geometry.padding, geometry.output_shape)),
        x_axes=identity,
        weight_axes=identity,
        weight_flipped=False,
        out_axes=identity,
        bias=True,
    )


def torch_conv_transpose(
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
    """``torch.nn.functional.conv_transpose{1,2,3}d`` on CPU, one thread.

    ``ml_dtypes.bfloat16`` arrays, which ``torch.from_numpy`` does not take, travel as float32
    (exactly) and are made ``torch.bfloat16`` before the call; the result comes back the same way.
    """
    import torch

    torch.set_num_threads(1)
    function = getattr(torch.nn.functional, f"conv_transpose{weight.ndim - 2}d")
    bfloat16 = x.dtype.name == "bfloat16"

    def tensor(a: np.ndarray) -> Any:
        if a.dtype.name == "bfloat16":
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(torch.bfloat16)
        return torch.from_numpy(np.ascontiguousarray(a))

    with torch.no_grad():
        y = function(
            tensor(x),
            tensor(weight),
            None if bias is None else tensor(bias),
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            dilation=dilation,
        )
    if bfloat16:
        return np.asarray(y.float().numpy().astype(x.dtype))
    result: np.ndarray = y.numpy()
    return result


#: The half formats PyTorch's CPU kernels compute in, each with the oracle's precision that describes how
#: (``transposed_conv.oracle.PRECISIONS``).  Verified bit for bit against torch 2.13: float16 runs im2col, a GEMM
#: that sums each kernel tap over the input channels in float32 and stores it in float16, col2im adding the taps
#: in float16, then the bias in float16 ("float16-col2im"); bfloat16 does the same where oneDNN does not take
#: it, and where it does (AVX512-BF16) rounds once after a float32 sum of everything, which that bound covers.
HALF_PRECISIONS = {"float16": "float16-col2im", "bfloat16": "bfloat16-col2im"}


#: What PyTorch's transposed convolution can express.
SUPPORTS = Supports(
    lacks={
        "padding modes": "PyTorch's transposed convolutions take explicit padding only, no 'same' or 'valid' "
        "(a size is asked for with the modules' output_size=)",
        "asymmetric": "PyTorch's padding is one int per dimension, cropped from both ends; (begin, end) pairs "
        "are our conv_transpose's extension",
    }
)

CONVENTIONS = (
    Convention("torch", conv_transpose, torch_arguments, SUPPORTS, draws={"plain": {"padding": "symmetric"}}),
)
IMPLEMENTATIONS = (
    Implementation("torch.nn.functional.conv_transpose{1,2,3}d", "torch", "torch", torch_conv_transpose, SUPPORTS),
)
PEERS = (Implementation("torch", "torch", "torch", torch_conv_transpose, SUPPORTS, precisions=HALF_PRECISIONS),)
