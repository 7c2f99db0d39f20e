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
    dilation : bool
        Whether it supports ``dilation > 1``.
    """

    name: str
    module: str
    impl: Impl
    dtypes: tuple[str, ...] = ("float64", "float32")
    groups: bool = True
    asymmetric_padding: bool = False
    large_output_padding: bool = True
    dilation: bool = True

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
        if not self.dilation:
            options["max_dilation"] = 1
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


def onnx_model(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, attributes: dict[str, Any]) -> tuple[Any, Any]:
    """A single-node ``ConvTranspose`` model (opset 22) with exactly ``attributes``, and its feeds."""
    from onnx import TensorProto, helper

    element = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}[X.dtype]
    inputs = {"X": X, "W": W} | ({} if B is None else {"B": B})
    node = helper.make_node("ConvTranspose", list(inputs), ["Y"], **attributes)
    graph = helper.make_graph(
        [node],
        "conv_transpose",
        [helper.make_tensor_value_info(name, element, list(a.shape)) for name, a in inputs.items()],
        [helper.make_tensor_value_info("Y", element, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)], ir_version=10)
    return model, {name: np.ascontiguousarray(a) for name, a in inputs.items()}


# --- each framework in its own convention ---------------------------------------------------------


def onnxruntime_onnx(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any) -> np.ndarray:
    """ONNX ``ConvTranspose`` with exactly ``attributes`` (ONNX's names), on ONNX Runtime's CPU provider."""
    import onnxruntime

    model, feeds = onnx_model(X, W, B, attributes)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4  # its own error log would repeat the exception it raises
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    result: np.ndarray = session.run(None, feeds)[0]
    return result


def onnx_reference_onnx(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any) -> np.ndarray:
    """ONNX ``ConvTranspose`` with exactly ``attributes``, on ONNX's own ``ReferenceEvaluator``."""
    from onnx.reference import ReferenceEvaluator

    model, feeds = onnx_model(X, W, B, attributes)
    result: np.ndarray = ReferenceEvaluator(model).run(None, feeds)[0]
    return result


def jax_lax(lhs: np.ndarray, rhs: np.ndarray, strides: Any, padding: Any, **kwargs: Any) -> np.ndarray:
    """``jax.lax.conv_transpose`` on CPU; float64 under ``jax.enable_x64``."""
    import jax
    from jax import lax

    if not isinstance(padding, str):
        padding = [tuple(pair) for pair in padding]  # JAX reads padding pairs only as tuples
    with jax.enable_x64(lhs.dtype == np.float64):
        return np.asarray(lax.conv_transpose(lhs, rhs, strides, padding, **kwargs))


def _tensorflow() -> Any:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before the import: TensorFlow's start-up chatter
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # the float32 kernels that implement dilation and NCHW
    import tensorflow as tf

    return tf


def tf_nn(input: np.ndarray, filters: np.ndarray, output_shape: Any, strides: Any, **kwargs: Any) -> np.ndarray:
    """``tf.nn.conv_transpose`` on CPU."""
    return np.asarray(_tensorflow().nn.conv_transpose(input, filters, output_shape, strides, **kwargs))


def keras_ops(inputs: np.ndarray, kernel: np.ndarray, **kwargs: Any) -> np.ndarray:
    """``keras.ops.conv_transpose`` on the backend Keras runs (TensorFlow here)."""
    _tensorflow()
    import keras

    return np.asarray(keras.ops.convert_to_numpy(keras.ops.conv_transpose(inputs, kernel, **kwargs)))


# --- in PyTorch's convention, for `transposed-conv check --framework` --------------------------


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
    """PyTorch's arguments as ONNX ``ConvTranspose`` attributes, run by :func:`onnxruntime_onnx`."""
    ndim = weight.ndim - 2
    pairs = _pairs(padding, ndim)
    attributes = {
        "strides": _per_dim(stride, ndim),
        "pads": [b for b, _ in pairs] + [e for _, e in pairs],
        "output_padding": _per_dim(output_padding, ndim),
        "dilations": _per_dim(dilation, ndim),
        "group": int(groups),
        "kernel_shape": list(weight.shape[2:]),
    }
    return onnxruntime_onnx(x, weight, bias, **attributes)


def _per_dim(value: Any, ndim: int) -> list[int]:
    return [int(value)] * ndim if isinstance(value, int) else [int(v) for v in value]


def _add_bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    if bias is None:
        return y
    result: np.ndarray = y + bias.reshape((-1,) + (1,) * (y.ndim - 2))
    return result


def jax_conv_transpose_peer(
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
    """``jax.lax.conv_transpose`` with ``transpose_kernel=True`` (the gradient of ``conv``), CPU.

    PyTorch's padding ``p`` becomes JAX's padding of the zero-inserted input,
    ``(d*(k - 1) - p_begin, d*(k - 1) - p_end + output_padding)``; the layouts are spelled
    ``('NC...', 'OI...', 'NC...')``.  ``jax.lax.conv_transpose`` has no groups and no bias:
    the bias is added afterwards.
    """
    import jax
    from jax import lax

    if groups != 1:
        raise ValueError("jax.lax.conv_transpose has no groups")
    ndim = weight.ndim - 2
    letters = "HWD"[:ndim]
    strides, dilations, extra = _per_dim(stride, ndim), _per_dim(dilation, ndim), _per_dim(output_padding, ndim)
    pairs = _pairs(padding, ndim)
    pads = [
        (d * (k - 1) - pb, d * (k - 1) - pe + a) for d, k, (pb, pe), a in zip(dilations, weight.shape[2:], pairs, extra)
    ]
    specs = ("NC" + letters, "OI" + letters, "NC" + letters)
    with jax.enable_x64(x.dtype == np.float64):
        y = lax.conv_transpose(
            x, weight, strides, pads, rhs_dilation=dilations, dimension_numbers=specs, transpose_kernel=True
        )
        result = np.asarray(y)
    return _add_bias(result, bias).astype(x.dtype, copy=False)


def tensorflow_conv_transpose(
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
    """``tf.nn.conv_transpose`` with ``padding="VALID"``, channels-last, on CPU, then PyTorch's crop.

    The input goes to ``(N, *spatial, C)`` and the kernel to TensorFlow's ``(*k, out, in)``.
    TensorFlow's explicit padding exists only in 2-D, so the adapter asks for the full output
    plus ``output_padding`` (``padding="VALID"``, ``output_shape`` the full size) and removes
    PyTorch's padding from it.  TensorFlow's float64 CPU kernels support no dilation, and
    ``conv_transpose`` has no groups and no bias: the bias is added afterwards.
    """
    tf = _tensorflow()
    if groups != 1:
        raise ValueError("tf.nn.conv_transpose has no groups")
    ndim = weight.ndim - 2
    strides, dilations, extra = _per_dim(stride, ndim), _per_dim(dilation, ndim), _per_dim(output_padding, ndim)
    pairs = _pairs(padding, ndim)
    full = [
        (i - 1) * s + d * (k - 1) + 1 + a
        for i, s, d, k, a in zip(x.shape[2:], strides, dilations, weight.shape[2:], extra)
    ]
    channels_last = np.moveaxis(x, 1, -1)
    filters = np.moveaxis(weight, (0, 1), (-1, -2))  # (*k, out, in)
    y = tf.nn.conv_transpose(
        tf.constant(np.ascontiguousarray(channels_last)),
        tf.constant(np.ascontiguousarray(filters)),
        output_shape=[x.shape[0], *full, weight.shape[1]],
        strides=strides,
        padding="VALID",
        dilations=dilations,
    )
    cropped = y.numpy()[(slice(None), *(slice(pb, f - pe) for (pb, pe), f in zip(pairs, full)), slice(None))]
    return _add_bias(np.moveaxis(cropped, -1, 1), bias).astype(x.dtype, copy=False)


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
    "jax": Peer("jax", "jax", jax_conv_transpose_peer, groups=False, asymmetric_padding=True),
    # TensorFlow's float64 CPU kernels: no dilation; no groups; output_shape must be a size the
    # forward convolution maps back to the input, so output_padding < stride.
    "tensorflow": Peer(
        "tensorflow",
        "tensorflow",
        tensorflow_conv_transpose,
        groups=False,
        asymmetric_padding=True,
        large_output_padding=False,
        dilation=False,
    ),
}


def available_peers() -> list[Peer]:
    """The peers whose framework is installed."""
    return [peer for peer in PEERS.values() if peer.available]
