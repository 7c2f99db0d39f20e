"""Other implementations of transposed convolution, wrapped in the PyTorch calling convention.

Each :class:`Peer` is an ``impl(x, weight, bias, *, stride, padding, output_padding, groups,
dilation)`` that computes with a real framework, plus what that framework supports, so
that the conformance kit draws only configurations it can run.  Frameworks are
imported when a peer is *called*, never when this module is imported; a missing
framework makes :attr:`Peer.available` false.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["PEERS", "Peer", "available_peers"]

Impl = Callable[..., Any]


@dataclass(frozen=True)
class Peer:
    """A framework's transposed convolution, callable in the ``"torch"`` convention.

    Attributes
    ----------
    name : str
        Short name, as used by ``transposed-conv check --framework``.
    module : str
        The package that must be importable.
    impl : callable
        ``impl(x, weight, bias, *, stride, padding, output_padding, groups, dilation)``.
    dtypes : tuple of str
        Dtypes it computes in.
    groups : bool
        Whether it supports ``groups > 1``.
    asymmetric_padding : bool
        Whether ``padding`` may be ``(begin, end)`` pairs.
    large_output_padding : bool
        Whether it accepts ``stride <= output_padding < dilation``.
    """

    name: str
    module: str
    impl: Impl
    dtypes: tuple[str, ...] = ("float64", "float32")
    groups: bool = True
    asymmetric_padding: bool = False
    large_output_padding: bool = True

    @property
    def draw_options(self) -> dict[str, Any]:
        """Options for :func:`~transposed_conv.strategies.conv_transpose_configs` that draw only what it supports."""
        options: dict[str, Any] = {}
        if not self.groups:
            options["max_groups"] = 1
        if not self.asymmetric_padding:
            options["padding"] = "symmetric"
        if not self.large_output_padding:
            options["large_output_padding"] = False
        return options

    @property
    def available(self) -> bool:
        """Whether the framework is installed."""
        return importlib.util.find_spec(self.module) is not None


def _pairs(padding: Any, ndim: int) -> list[tuple[int, int]]:
    if isinstance(padding, int):
        return [(padding, padding)] * ndim
    return [(p, p) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in padding]


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
    """``torch.nn.functional.conv_transpose{1,2,3}d`` on CPU, one thread."""
    import torch

    torch.set_num_threads(1)
    function = getattr(torch.nn.functional, f"conv_transpose{weight.ndim - 2}d")
    with torch.no_grad():
        y = function(
            torch.from_numpy(np.ascontiguousarray(x)),
            torch.from_numpy(np.ascontiguousarray(weight)),
            None if bias is None else torch.from_numpy(np.ascontiguousarray(bias)),
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            dilation=dilation,
        )
    result: np.ndarray = y.numpy()
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
    """A single-node ONNX ``ConvTranspose`` model (opset 17) run by ONNX Runtime's CPU provider."""
    import onnxruntime
    from onnx import TensorProto, helper

    ndim = weight.ndim - 2

    def per_dim(value: Any) -> list[int]:
        return [int(value)] * ndim if isinstance(value, int) else [int(v) for v in value]

    pairs = _pairs(padding, ndim)
    element = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}[x.dtype]
    inputs = {"X": x, "W": weight} | ({} if bias is None else {"B": bias})
    node = helper.make_node(
        "ConvTranspose",
        list(inputs),
        ["Y"],
        strides=per_dim(stride),
        pads=[b for b, _ in pairs] + [e for _, e in pairs],
        output_padding=per_dim(output_padding),
        dilations=per_dim(dilation),
        group=int(groups),
        kernel_shape=list(weight.shape[2:]),
    )
    graph = helper.make_graph(
        [node],
        "conv_transpose",
        [helper.make_tensor_value_info(name, element, list(a.shape)) for name, a in inputs.items()],
        [helper.make_tensor_value_info("Y", element, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4  # its own error log would repeat the exception we raise
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    result: np.ndarray = session.run(None, {name: np.ascontiguousarray(a) for name, a in inputs.items()})[0]
    return result


#: The peers we know how to call, by name.
PEERS: dict[str, Peer] = {
    "torch": Peer("torch", "torch", torch_conv_transpose),
    # ONNX Runtime's CPU ConvTranspose kernel is registered for float32 only (double: NOT_IMPLEMENTED),
    # and it rejects output_padding >= stride ("output_padding may be too large for stride") even where
    # the dilation is larger: see docs/conventions.md.
    "onnxruntime": Peer(
        "onnxruntime",
        "onnxruntime",
        onnxruntime_conv_transpose,
        dtypes=("float32",),
        asymmetric_padding=True,
        large_output_padding=False,
    ),
}


def available_peers() -> list[Peer]:
    """The peers whose framework is installed."""
    return [peer for peer in PEERS.values() if peer.available]
