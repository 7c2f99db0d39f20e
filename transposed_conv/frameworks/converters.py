"""Model-converter paths as implementations: build the layer in the source framework, convert, run the result.

Each row is checked end to end in the source framework's convention: the wrapper builds the
source framework's layer with the case's weights, converts the model with the converter, runs the
converted model in the target runtime, and returns its output, which the kit compares with the
specification of the *source* convention.

* ``torch.onnx.export -> onnxruntime``: a ``torch.nn.ConvTranspose{1,2,3}d`` exported by the
  TorchScript exporter (``dynamo=False``, opset 17), run by ONNX Runtime's CPU provider;
* ``torch.onnx.export -> openvino``: the same ONNX model, compiled by OpenVINO for its CPU plugin;
* ``keras Conv*Transpose -> TFLiteConverter -> tf.lite.Interpreter``: a
  ``keras.layers.Conv{1,2,3}DTranspose`` in a functional model, converted by
  ``tf.lite.TFLiteConverter.from_keras_model``, run by the TFLite interpreter.
* ``tf.nn.conv_transpose -> tf2onnx -> onnxruntime``: ``tf.nn.conv_transpose`` in a ``tf.function``
  with the filters as a constant, converted by ``tf2onnx.convert.from_function`` (opset 17), run
  by ONNX Runtime;
* ``ONNX ConvTranspose -> onnx2tf -> TensorFlow``: a single-node ONNX model with the weight and
  bias as initializers, converted by ``onnx2tf.convert`` (which moves channels last), run as the
  Keras model it returns.

The frameworks are imported when a wrapper is called, never when this module is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = [
    "CONVENTIONS",
    "IMPLEMENTATIONS",
    "PEERS",
    "keras_tflite",
    "onnx2tf_tensorflow",
    "onnx2tf_tensorflow_kernel_shape",
    "tf2onnx_onnxruntime",
    "torch_onnx_export",
    "torch_onnx_onnxruntime",
    "torch_onnx_openvino",
]


def torch_onnx_export(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> bytes:
    """A ``torch.nn.ConvTranspose{1,2,3}d`` with this weight and bias, exported to ONNX for an input like ``x``."""
    import io

    import torch

    ndim = weight.ndim - 2
    module = getattr(torch.nn, f"ConvTranspose{ndim}d")(
        weight.shape[0],
        weight.shape[1] * groups,
        weight.shape[2:],
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        bias=bias is not None,
        dilation=dilation,
        dtype=torch.float64 if x.dtype == np.float64 else torch.float32,
    )
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
        if bias is not None:
            module.bias.copy_(torch.from_numpy(np.ascontiguousarray(bias)))
    buffer = io.BytesIO()
    torch.onnx.export(module, (torch.from_numpy(np.ascontiguousarray(x)),), buffer, dynamo=False, opset_version=17)
    return buffer.getvalue()


def _run_onnxruntime(model: bytes, x: np.ndarray) -> np.ndarray:
    """A serialised one-input model run by ONNX Runtime's CPU provider on one thread, its log silenced (its error log
    would repeat the exception it raises)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    result: np.ndarray = session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(x)})[0]
    return result


def torch_onnx_onnxruntime(
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
    """``torch.onnx.export`` of the layer (:func:`torch_onnx_export`), run by ONNX Runtime's CPU provider."""
    return _run_onnxruntime(torch_onnx_export(x, weight, bias, stride, padding, output_padding, groups, dilation), x)


def torch_onnx_openvino(
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
    """``torch.onnx.export`` of the layer (:func:`torch_onnx_export`), compiled by OpenVINO for its CPU plugin."""
    import openvino

    model = torch_onnx_export(x, weight, bias, stride, padding, output_padding, groups, dilation)
    core = openvino.Core()
    hint = {"INFERENCE_PRECISION_HINT": "f32"} if x.dtype == np.float32 else {}
    compiled = core.compile_model(core.read_model(model, b""), "CPU", {**hint, "INFERENCE_NUM_THREADS": 1})
    return np.asarray(compiled([np.ascontiguousarray(x)])[compiled.output(0)])


def keras_tflite(inputs: np.ndarray, kernel: np.ndarray, **kwargs: Any) -> np.ndarray:
    """``keras.layers.Conv{1,2,3}DTranspose`` with ``kernel``, converted by ``TFLiteConverter``, run by TFLite.

    ``kwargs`` are ``keras.ops.conv_transpose``'s (``strides``, ``padding``, ``output_padding``,
    ``data_format``, ``dilation_rate``), which the layer takes under the same names.
    """
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    ndim = kernel.ndim - 2
    layer = getattr(keras.layers, f"Conv{ndim}DTranspose")(
        filters=kernel.shape[-2],
        kernel_size=kernel.shape[:ndim],
        strides=kwargs.get("strides", 1),
        padding=kwargs.get("padding", "valid"),
        output_padding=kwargs.get("output_padding"),
        data_format=kwargs.get("data_format"),
        dilation_rate=kwargs.get("dilation_rate", 1),
        use_bias=False,
        dtype=str(inputs.dtype),
    )
    source = keras.Input(shape=inputs.shape[1:], batch_size=inputs.shape[0], dtype=str(inputs.dtype))
    model = keras.Model(source, layer(source))
    layer.set_weights([np.ascontiguousarray(kernel)])
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    try:
        flatbuffer = converter.convert()
    except Exception as error:  # its message names TensorFlow's per-process function counters: keep the reason only
        import re

        reason = re.search(r"'tf\.\w+' op .*", str(error))
        if reason is None:
            raise
        raise RuntimeError(f"TFLiteConverter could not convert the model: {reason.group(0)}") from None
    interpreter = tf.lite.Interpreter(model_content=flatbuffer, num_threads=1)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], np.ascontiguousarray(inputs))
    interpreter.invoke()
    return np.asarray(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))


def tf2onnx_onnxruntime(
    input: np.ndarray, filters: np.ndarray, output_shape: Any, strides: Any, **kwargs: Any
) -> np.ndarray:
    """``tf.nn.conv_transpose`` in a ``tf.function``, converted by ``tf2onnx.convert.from_function``, run by ORT."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    import tf2onnx

    signature = [tf.TensorSpec(input.shape, tf.as_dtype(input.dtype))]
    kernel = np.ascontiguousarray(filters)

    @tf.function(input_signature=signature)  # type: ignore[untyped-decorator]
    def layer(x: Any) -> Any:  # the filters a constant of the graph, not a captured input
        return tf.nn.conv_transpose(x, tf.constant(kernel), output_shape, strides, **kwargs)

    model, _ = tf2onnx.convert.from_function(layer, input_signature=signature, opset=17)
    return _run_onnxruntime(model.SerializeToString(), input)


def onnx2tf_tensorflow(X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any) -> np.ndarray:
    """A single-node ONNX ``ConvTranspose`` model (W and B as initializers), converted by ``onnx2tf``, run in TF.

    ``onnx2tf`` converts to channels-last: the converted model takes ``X`` with its channels moved last and
    returns its result so; the wrapper moves them back.  It runs onnx2tf in a folder that holds the sample
    images onnx2tf would otherwise download (random ones; they only serve its own check of the conversion).
    """
    import os
    import tempfile

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import onnx
    import onnx2tf
    from onnx import helper, numpy_helper

    element = {np.dtype(np.float32): onnx.TensorProto.FLOAT, np.dtype(np.float64): onnx.TensorProto.DOUBLE}[X.dtype]
    initializers = [numpy_helper.from_array(np.ascontiguousarray(W), "W")]
    if B is not None:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(B), "B"))
    node = helper.make_node("ConvTranspose", ["X", "W"] + (["B"] if B is not None else []), ["Y"], **attributes)
    graph = helper.make_graph(
        [node],
        "conv_transpose",
        [helper.make_tensor_value_info("X", element, list(X.shape))],
        [helper.make_tensor_value_info("Y", element, None)],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        # For an input with three channels onnx2tf checks its conversion on sample images, read from the working
        # directory or else downloaded: random ones of that shape, here, where nothing is downloaded.
        sample = "calibration_image_sample_data_20x128x128x3_float32.npy"
        np.save(os.path.join(folder, sample), np.random.default_rng(0).random((20, 128, 128, 3), dtype=np.float32))
        here = os.getcwd()
        os.chdir(folder)
        try:
            keras_model = onnx2tf.convert(
                input_onnx_file_path=path, output_folder_path=os.path.join(folder, "tf"), non_verbose=True
            )
        finally:
            os.chdir(here)
    channels_last = np.moveaxis(np.ascontiguousarray(X), 1, -1)
    y = np.asarray(keras_model(channels_last))
    return np.moveaxis(y, -1, 1)


def onnx2tf_tensorflow_kernel_shape(
    X: np.ndarray, W: np.ndarray, B: np.ndarray | None, **attributes: Any
) -> np.ndarray:
    """:func:`onnx2tf_tensorflow` with the optional ``kernel_shape`` attribute always given (``W``'s spatial shape).

    onnx2tf 1.29 fails to convert a ``ConvTranspose`` without ``kernel_shape`` ("axes don't match
    array"), which the ONNX specification makes optional ("If not present, should be inferred
    from input W"); this row gives it, so that the rest of the conversion is checked.
    """
    return onnx2tf_tensorflow(X, W, B, **({"kernel_shape": list(W.shape[2:])} | attributes))


_TORCH = Supports(
    lacks={
        "padding modes": "torch.nn.ConvTranspose{1,2,3}d takes explicit padding only",
        "asymmetric padding": "torch.nn.ConvTranspose{1,2,3}d's padding is one int per dimension",
    }
)
_TORCH_ORT = Supports(
    lacks=dict(_TORCH.lacks),
    fails={
        "float64": "ONNX Runtime's CPU provider registers ConvTranspose for float32 only",
        "large output_padding": "ONNX Runtime rejects output_padding >= strides even below the dilation, deviation 4 "
        "of ONNX Runtime in docs/conventions.md",
    },
)
_TORCH_OPENVINO = Supports(
    lacks=dict(_TORCH.lacks),
    fails={"float64": "OpenVINO's CPU plugin computes f64 models in f32 (its inference precisions are f32, bf16, f16)"},
)
_KERAS = Supports(
    fails={
        "float64": "TFLite's TRANSPOSE_CONV kernel computes float32 (and quantized types) only: the converter cannot "
        "express a float64 Conv2DBackpropInput",
        "dilation": "TFLite's TRANSPOSE_CONV has no dilation: the converter refuses a dilated Conv2DBackpropInput "
        "('neither a custom op nor a flex op') unless Select TF ops are enabled",
    },
    lacks={
        "groups": "keras.layers.Conv*Transpose has no groups",
        "asymmetric padding": "keras.layers.Conv*Transpose takes 'valid' or 'same' only",
    },
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("torch.onnx.export -> onnxruntime", "onnxruntime", "torch", torch_onnx_onnxruntime, _TORCH_ORT),
    Implementation("torch.onnx.export -> openvino", "openvino", "torch", torch_onnx_openvino, _TORCH_OPENVINO),
    Implementation(
        "keras Conv*Transpose -> TFLiteConverter -> tf.lite.Interpreter", "tensorflow", "keras", keras_tflite, _KERAS
    ),
    Implementation(
        "tf.nn.conv_transpose -> tf2onnx -> onnxruntime",
        "tf2onnx",
        "tf",
        tf2onnx_onnxruntime,
        Supports(fails={"float64": "ONNX Runtime's CPU provider registers ConvTranspose for float32 only"}),
    ),
    Implementation("ONNX ConvTranspose -> onnx2tf -> TensorFlow", "onnx2tf", "onnx", onnx2tf_tensorflow, Supports()),
    Implementation(
        "ONNX ConvTranspose (kernel_shape given) -> onnx2tf -> TensorFlow",
        "onnx2tf",
        "onnx",
        onnx2tf_tensorflow_kernel_shape,
        Supports(),
    ),
)
PEERS = ()
