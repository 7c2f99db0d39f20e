"""OpenVINO: ONNX ``ConvTranspose`` through its ONNX frontend, and its own ``ConvolutionBackpropData``.

Two rows, both in the ``'onnx'`` convention (OpenVINO's operator has ONNX's arguments under
other names): a single-node ONNX model read by ``openvino.Core.read_model`` and compiled for
the CPU plugin, and the same call built directly from OpenVINO's opset
(``opset1.convolution_backprop_data``, ``group_convolution_backprop_data`` for groups, with
``pads_begin``, ``pads_end``, ``output_padding``, ``auto_pad`` and an ``output_shape`` input; the
bias added by an ``Add``).  Both are compiled with ``INFERENCE_PRECISION_HINT`` ``f32`` for float32 inputs (the CPU
plugin may otherwise run bf16 where the processor has it), one thread.  OpenVINO and ONNX are
imported when a wrapper is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Geometry, Implementation, Supports

__all__ = [
    "BACKPROP_SUPPORTS",
    "CONVENTIONS",
    "F64_IN_F32",
    "IMPLEMENTATIONS",
    "PEERS",
    "SUPPORTS",
    "openvino_arguments",
    "openvino_backprop_data",
    "openvino_onnx",
]


def openvino_onnx(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any) -> np.ndarray:
    """A single-node ONNX ``ConvTranspose`` model (opset 22) with exactly ``attributes``, on OpenVINO's CPU plugin."""
    import openvino
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
    core = openvino.Core()
    compiled = core.compile_model(
        core.read_model(model.SerializeToString(), b""),
        "CPU",
        {"INFERENCE_NUM_THREADS": 1} | ({"INFERENCE_PRECISION_HINT": "f32"} if X.dtype == np.float32 else {}),
    )
    result = compiled([np.ascontiguousarray(a) for a in inputs.values()])
    return np.asarray(result[compiled.output(0)])


def openvino_backprop_data(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any) -> np.ndarray:
    """ONNX ``ConvTranspose``'s ``attributes`` as OpenVINO's ``(Group)ConvolutionBackpropData``, on the CPU plugin."""
    import openvino
    import openvino.opset15 as ops

    ndim = X.ndim - 2
    group = int(attributes.get("group", 1))
    pads = list(attributes.get("pads", [0] * 2 * ndim))
    options = {
        "strides": list(attributes.get("strides", [1] * ndim)),
        "pads_begin": pads[:ndim],
        "pads_end": pads[ndim:],
        "dilations": list(attributes.get("dilations", [1] * ndim)),
        "auto_pad": {"NOTSET": "explicit"}.get(
            attributes.get("auto_pad", "NOTSET"), attributes.get("auto_pad", "")
        ).lower(),
        "output_padding": list(attributes.get("output_padding", [0] * ndim)),
    }
    data = ops.parameter(list(X.shape), X.dtype, name="X")
    filters = ops.constant(np.ascontiguousarray(W))
    output_shape = None
    if "output_shape" in attributes:
        output_shape = ops.constant(np.array(attributes["output_shape"], dtype=np.int64)[-ndim:])
    if group == 1:
        y = ops.convolution_backprop_data(data, filters, output_shape=output_shape, **options)
    else:
        # (C_in, C_out / group, *k) -> (group, C_in / group, C_out / group, *k)
        grouped = ops.constant(np.ascontiguousarray(W.reshape((group, W.shape[0] // group, *W.shape[1:]))))
        y = ops.group_convolution_backprop_data(data, grouped, output_shape=output_shape, **options)
    if B is not None:
        y = ops.add(y, ops.constant(np.ascontiguousarray(B).reshape((1, -1) + (1,) * ndim)))
    model = openvino.Model([y], [data], "conv_transpose")
    compiled = openvino.Core().compile_model(
        model,
        "CPU",
        {"INFERENCE_NUM_THREADS": 1} | ({"INFERENCE_PRECISION_HINT": "f32"} if X.dtype == np.float32 else {}),
    )
    return np.asarray(compiled([np.ascontiguousarray(X)])[compiled.output(0)])


def openvino_arguments(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """``opset15.convolution_backprop_data`` (``group_convolution_backprop_data`` for groups) arguments for our
    geometry: explicit ``pads_begin`` and ``pads_end``, no ``output_shape``.

    PyTorch's arrays as they are, but for groups the filters become ``(groups, C_in/groups, C_out/groups,
    *k)`` (``filters_shape``); the bias is an ``Add`` after.  ``batch`` does not enter.

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry.build((4, 4), (3, 3), stride=2, padding=((1, 0), (0, 2)), groups=2,
    ...                                        in_channels=4, out_channels=6)
    >>> arguments = openvino_arguments(geometry)
    >>> arguments["operation"], arguments["pads_begin"], arguments["pads_end"], arguments["filters_shape"]
    ('group_convolution_backprop_data', [1, 0], [0, 2], [2, 2, 3, 3, 3])
    """
    g = geometry.groups
    kernel = list(geometry.kernel_shape)
    return {
        "operation": "convolution_backprop_data" if g == 1 else "group_convolution_backprop_data",
        "filters_shape": (
            [geometry.in_channels, geometry.out_channels, *kernel]
            if g == 1
            else [g, geometry.in_channels // g, geometry.out_channels // g, *kernel]
        ),
        "strides": list(geometry.stride),
        "pads_begin": [b for b, _ in geometry.padding],
        "pads_end": [e for _, e in geometry.padding],
        "dilations": list(geometry.dilation),
        "auto_pad": "explicit",
        "output_padding": list(geometry.output_padding),
        "bias": "an Add after the operation, (1, C_out, 1, ...)",
    }


#: Why float64 fails on OpenVINO's CPU plugin.
F64_IN_F32 = (
    "OpenVINO's CPU plugin computes f64 models in f32 (its supported inference precisions are f32, bf16 and f16; "
    "INFERENCE_PRECISION_HINT refuses f64): results are float32-rounded"
)
#: ONNX ``ConvTranspose`` expresses everything; float64 runs in float32.
SUPPORTS = Supports(fails={"float64": F64_IN_F32})
#: The operator built from OpenVINO's opset: explicit pads only.
BACKPROP_SUPPORTS = Supports(
    lacks={
        "padding modes": "ConvolutionBackpropData places auto_pad and output_shape padding by its own rule, not "
        "ONNX's; this row maps explicit pads only"
    },
    fails={"float64": F64_IN_F32},
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("openvino ONNX ConvTranspose (CPU)", "openvino", "onnx", openvino_onnx, SUPPORTS),
    Implementation(
        "openvino ConvolutionBackpropData (CPU)", "openvino", "onnx", openvino_backprop_data, BACKPROP_SUPPORTS
    ),
)
PEERS = ()
