"""One transposed convolution, moved from one framework's terms to another's, and proven.

:func:`translate` reads a call in the *source* framework's convention as our window of the full
output (each framework module's forward mapping, ``<name>_reading``), finds the target call that
computes that window (the target module's reverse mapping, ``<name>_arguments``), adding a crop,
a zero pad, a bias addition, a kernel flip or transpose, or a split into groups where one call of
the target cannot do it all, and writes a self-contained snippet that runs it.  When the target
framework is installed, the snippet is run on random inputs and compared with the oracle within
the float32 rounding bound before the translation is returned.

Nothing here knows a framework's rules: a translation is the composition of the two modules'
mappings.  What is here: the order in which the extra operations are tried, the extra operations
themselves (the positions outside the full output hold no products, so zeros plus the bias are
exact there), and the text of the snippets.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._normalize import as_choice, as_shape
from .frameworks import Inexpressible
from .frameworks import jax as _jax
from .frameworks import onnx as _onnx
from .frameworks import openvino as _openvino
from .frameworks import tf as _tf
from .frameworks import tflite as _tflite
from .frameworks import torch as _torch
from .frameworks._declarations import Reading
from .oracle import linear_bound_fraction
from .shapes import ConvTransposeGeometry, full_output_shape

__all__ = ["FRAMEWORKS", "SOURCES", "Translation", "TranslationError", "translate"]


class TranslationError(AssertionError):
    """A translated snippet does not reproduce the source's result within the rounding bound (a bug to report)."""


@dataclass(frozen=True)
class _Framework:
    """One framework as :func:`translate` meets it: its call, its two mappings, and how a snippet calls it."""

    name: str
    call: str
    read: Callable[..., Reading] | None  # None: a target only
    arguments: Callable[..., dict[str, Any]]
    packages: tuple[str, ...]
    takes_bias: bool
    layouts: tuple[str, str, str]  # x, weight, output, as the framework's documentation names them


def _torch_arguments(geometry: ConvTransposeGeometry, *, batch: int = 1) -> dict[str, Any]:
    """:func:`~transposed_conv.frameworks.torch.torch_arguments`, refusing what real PyTorch cannot take."""
    arguments = _torch.torch_arguments(geometry, batch=batch)
    if not arguments.pop("padding_symmetric"):
        raise Inexpressible(f"{_torch.SUPPORTS.lacks['asymmetric padding']}; got padding={geometry.padding}")
    arguments["padding"] = [begin for begin, _ in arguments["padding"]]
    return arguments


def _onnx_arguments(geometry: ConvTransposeGeometry, *, batch: int = 1) -> dict[str, Any]:
    """:func:`~transposed_conv.frameworks.onnx.onnx_attributes`, leaving out what ONNX Runtime refuses."""
    if any(a >= s for a, s in zip(geometry.output_padding, geometry.stride)):
        reason = _onnx.IMPLEMENTATIONS[0].supports.fails["large output_padding"]
        raise Inexpressible(f"{reason}; got output_padding={geometry.output_padding}, strides={geometry.stride}")
    return _onnx.onnx_attributes(geometry, batch=batch)


def _jax_arguments(geometry: ConvTransposeGeometry, *, batch: int = 1) -> dict[str, Any]:
    """:func:`~transposed_conv.frameworks.jax.jax_arguments`, or with groups ``jax.lax.conv_general_dilated``'s
    (:func:`~transposed_conv.frameworks.jax.jax_general_arguments`): ``feature_group_count`` on a regrouped kernel."""
    if geometry.groups == 1:
        return _jax.jax_arguments(geometry, batch=batch)
    return _jax.jax_general_arguments(geometry, batch=batch)


def _tf_arguments(geometry: ConvTransposeGeometry, *, batch: int = 1) -> dict[str, Any]:
    """:func:`~transposed_conv.frameworks.tf.tf_arguments`, leaving out what TensorFlow's CPU kernels refuse."""
    arguments = _tf.tf_arguments(geometry, batch=batch)
    if not isinstance(arguments["padding"], str) and any(d > 1 for d in geometry.dilation):
        raise Inexpressible(
            "TensorFlow's CPU kernels take explicit padding only without dilation (the oneDNN kernels that dilate take "
            "'SAME' and 'VALID' only; the others raise 'Current CPU implementations do not yet support dilation "
            f"rates larger than 1'); got padding={geometry.padding}, dilation={geometry.dilation}"
        )
    return arguments


def _openvino_arguments(geometry: ConvTransposeGeometry, *, batch: int = 1) -> dict[str, Any]:
    """:func:`~transposed_conv.frameworks.openvino.openvino_arguments`, leaving out what OpenVINO computes wrongly."""
    full = full_output_shape(geometry.input_shape, geometry.kernel_shape, geometry.stride, geometry.dilation)
    if any(begin >= f for (begin, _), f in zip(geometry.padding, full)):
        raise Inexpressible(
            "OpenVINO's ConvolutionBackpropData returns the full output's first elements where pads_begin crops all of "
            "it (the window lies in output_padding's zeros; found by the translation campaign, OpenVINO 2026.4); "
            f"got pads_begin={[b for b, _ in geometry.padding]} for a full output of {full}"
        )
    return _openvino.openvino_arguments(geometry, batch=batch)


#: The frameworks :func:`translate` reads and writes, by name, in the order the CLI lists them.
FRAMEWORKS: dict[str, _Framework] = {
    f.name: f
    for f in (
        _Framework(
            "torch",
            "torch.nn.functional.conv_transpose{n}d",
            _torch.torch_reading,
            _torch_arguments,
            ("torch",),
            True,
            ("(N, C_in, *spatial)", "(C_in, C_out/groups, *kernel)", "(N, C_out, *spatial)"),
        ),
        _Framework(
            "onnx",
            "ONNX ConvTranspose",
            _onnx.onnx_reading,
            _onnx_arguments,
            ("onnx", "onnxruntime"),
            True,
            ("(N, C, *spatial)", "(C, M/group, *kernel_shape)", "(N, M, *spatial)"),
        ),
        _Framework(
            "jax",
            "jax.lax.conv_transpose",
            _jax.jax_reading,
            _jax_arguments,
            ("jax",),
            False,
            ("by dimension_numbers[0] (default NHWC)", "by dimension_numbers[1] (default HWIO)", "by [2]"),
        ),
        _Framework(
            "tf",
            "tf.nn.conv_transpose",
            _tf.tf_reading,
            _tf_arguments,
            ("tensorflow",),
            False,
            ("(N, *spatial, C_in) or by data_format", "(*kernel, C_out, C_in)", "as the input"),
        ),
        _Framework(
            "keras",
            "keras.ops.conv_transpose",
            _tf.keras_reading,
            _tf.keras_arguments,
            ("keras", "tensorflow"),
            False,
            ("(N, *spatial, C_in) or by data_format", "(*kernel_size, C_out, C_in)", "as the input"),
        ),
        _Framework(
            "tflite",
            "TensorFlow Lite TRANSPOSE_CONV",
            _tflite.tflite_reading,
            _tflite.tflite_arguments,
            ("tensorflow",),
            True,
            ("(N, H, W, C_in)", "(C_out, k_h, k_w, C_in)", "(N, H, W, C_out)"),
        ),
        _Framework(
            "openvino",
            "OpenVINO ConvolutionBackpropData",
            None,
            _openvino_arguments,
            ("openvino",),
            True,
            (
                "(N, C_in, *spatial)",
                "(C_in, C_out, *kernel); (G, C_in/G, C_out/G, *kernel) for groups",
                "(N, C_out, *s)",
            ),
        ),
    )
}
#: The frameworks :func:`translate` reads calls of (``openvino`` is a target only).
SOURCES = tuple(name for name, framework in FRAMEWORKS.items() if framework.read is not None)


@dataclass(frozen=True)
class Translation:
    """A transposed convolution of one framework spelled in another's terms.

    Attributes
    ----------
    source, target : str
        The frameworks' names (:data:`FRAMEWORKS`).
    geometry : dict
        Our geometry of the call: ``input_shape``, ``kernel_shape``, ``stride``, ``dilation``,
        ``groups``, channels, and ``window``, the ``(start, stop)`` of the full output it returns
        per spatial dimension (``full`` its length).
    expressible : bool
        Whether the target can compute it (with the extra operations).
    reason : str or None
        Why not, when it cannot: ``"cannot be expressed, because ..."``.
    call : str or None
        The target's call.
    arguments : dict or None
        The target call's arguments, in its own names, with the axis permutations
        (``np.transpose``) that bring our arrays into its layouts.
    steps : tuple of dict
        Everything :attr:`code` does, in order: each ``{"op": ..., ...}``, one of ``transpose``,
        ``flip``, ``split_groups``, ``call``, ``crop``, ``pad``, ``add_bias``, with a ``why``.
    code : str or None
        A self-contained Python snippet defining ``run(x, weight, bias=None)``: NumPy arrays in
        the source's layouts in, the source's result out, computed by the target framework only.
    verified : str or None
        How the snippet was checked against the oracle, or ``None`` when it was not (``verify=False``,
        or the target is not installed: :attr:`unverified_because`).
    unverified_because : str or None
        Why it was not verified.
    """

    source: str
    target: str
    geometry: dict[str, Any]
    expressible: bool
    reason: str | None = None
    call: str | None = None
    arguments: dict[str, Any] | None = None
    steps: tuple[dict[str, Any], ...] = ()
    code: str | None = None
    verified: str | None = None
    unverified_because: str | None = None
    _reading: Reading | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The translation as JSON-ready data (the schema of ``transposed-conv translate --format json``)."""
        return {
            "source": self.source,
            "target": self.target,
            "geometry": self.geometry,
            "expressible": self.expressible,
            "reason": self.reason,
            "call": self.call,
            "arguments": self.arguments,
            "steps": list(self.steps),
            "verified": self.verified,
            "unverified_because": self.unverified_because,
            "code": self.code,
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=1)

    def text(self) -> str:
        """The translation for people: the call, its arguments, the extra operations, the verification."""
        head = f"{self.source} -> {self.target}"
        if not self.expressible:
            return f"{head}: {self.reason}"
        lines = [f"{head}: {self.call}"]
        lines += [f"  {name} = {value!r}" for name, value in (self.arguments or {}).items()]
        lines.append("steps:")
        lines += [f"  {number}. {_describe_step(step)}" for number, step in enumerate(self.steps, 1)]
        lines.append(f"verified: {self.verified}" if self.verified else f"not verified: {self.unverified_because}")
        return "\n".join(lines)


def _describe_step(step: dict[str, Any]) -> str:
    details = ", ".join(f"{key}={value}" for key, value in step.items() if key not in ("op", "why"))
    return f"{step['op']}" + (f" ({details})" if details else "") + f": {step['why']}"


# --- reading the source -----------------------------------------------------------------------------


def _read(framework: _Framework, input_shape: Any, weight_shape: Any, arguments: dict[str, Any]) -> Reading:
    """The source call read from shapes alone: zero-strided arrays of the shapes, no memory."""
    if framework.read is None:
        raise ValueError(
            f"source must be one of {list(SOURCES)} ({framework.name} is a target only); got {framework.name!r}"
        )
    parameters = list(inspect.signature(framework.read).parameters.values())[2:]
    names = [p.name for p in parameters if p.name not in ("B", "bias")]
    unknown = sorted(set(arguments) - set(names))
    if unknown:
        raise TypeError(f"{framework.name}'s arguments are {names}; got unknown {unknown}")
    missing = [p.name for p in parameters if p.default is inspect.Parameter.empty and p.name not in arguments]
    if missing:
        raise TypeError(f"{framework.call} needs {missing}; got {sorted(arguments)}")
    x = np.broadcast_to(np.float32(0), as_shape(input_shape, "input_shape", minimum=0))
    weight = np.broadcast_to(np.float32(0), as_shape(weight_shape, "weight_shape"))
    if not 3 <= x.ndim <= 5:
        raise ValueError(
            "input_shape must have 1 to 3 spatial dimensions besides the batch and channel axes; "
            f"got input_shape={x.shape}"
        )
    return framework.read(x, weight, **arguments)


def _geometry_record(reading: Reading) -> dict[str, Any]:
    full = full_output_shape(reading.input_shape, reading.kernel_shape, reading.stride, reading.dilation)
    return {
        "batch": reading.batch,
        "in_channels": reading.in_channels,
        "out_channels": reading.out_channels,
        "groups": reading.groups,
        "input_shape": list(reading.input_shape),
        "kernel_shape": list(reading.kernel_shape),
        "stride": list(reading.stride),
        "dilation": list(reading.dilation),
        "full": list(full),
        "window": [list(w) for w in reading.window],
    }


# --- finding the target call ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    geometry: ConvTransposeGeometry
    split: bool  # one call per group
    arguments: dict[str, Any]


def _candidates(reading: Reading, split: bool) -> list[ConvTransposeGeometry]:
    """Our geometries whose output covers what the target must compute, most direct first.

    The first spells the window's end as padding and ``output_padding`` both where that makes the
    padding symmetric; the others keep or drop the crop (``padding``: exact, its symmetric part, none)
    and the extension past the full output (``output_padding``: kept, or left to a zero pad after the call).
    """
    full = full_output_shape(reading.input_shape, reading.kernel_shape, reading.stride, reading.dilation)
    exact = [(max(start, 0), max(f - stop, 0)) for (start, stop), f in zip(reading.window, full)]
    beyond = tuple(max(stop - f, 0) for (_, stop), f in zip(reading.window, full))
    # The same end as padding and output_padding both, where that makes the padding symmetric (PyTorch's own
    # padding=1, output_padding=1): end = F - stop + output_padding = begin.
    folded = [
        ((b, b), b - (f - stop)) if 0 < b - (f - stop) < max(s, d) else ((b, e), a)
        for (b, e), a, (_, stop), f, s, d in zip(exact, beyond, reading.window, full, reading.stride, reading.dilation)
    ]
    zeros = (0,) * len(full)
    forms = [
        ([p for p, _ in folded], tuple(a for _, a in folded)),
        *((exact, extra) for extra in (beyond, zeros)),
        *(([(min(p), min(p)) for p in exact], extra) for extra in (beyond, zeros)),
        *(([(0, 0)] * len(full), extra) for extra in (beyond, zeros)),
    ]
    groups = 1 if split else reading.groups
    found: list[ConvTransposeGeometry] = []
    for padding, extra in forms:
        try:
            geometry = ConvTransposeGeometry.build(
                reading.input_shape,
                reading.kernel_shape,
                stride=reading.stride,
                padding=padding,
                output_padding=extra,
                dilation=reading.dilation,
                groups=groups,
                in_channels=reading.in_channels // (reading.groups if split else 1),
                out_channels=reading.out_channels // (reading.groups if split else 1),
            )
        except ValueError:
            continue  # no output left, or output_padding beyond our rule: a later candidate covers it
        if geometry not in found:
            found.append(geometry)
    return found


def _plan(target: _Framework, reading: Reading) -> _Plan | list[str]:
    """The most direct target call, or the reasons none exists."""
    reasons: list[str] = []
    for split in (False, True) if reading.groups > 1 else (False,):
        for geometry in _candidates(reading, split):
            try:
                return _Plan(geometry, split, target.arguments(geometry, batch=reading.batch))
            except Inexpressible as error:
                if str(error) not in reasons:
                    reasons.append(str(error))
    return reasons


def _window_of(geometry: ConvTransposeGeometry) -> list[tuple[int, int]]:
    full = full_output_shape(geometry.input_shape, geometry.kernel_shape, geometry.stride, geometry.dilation)
    return [(b, f - e + a) for (b, e), f, a in zip(geometry.padding, full, geometry.output_padding)]


def _crop_and_pad(computed: list[tuple[int, int]], wanted: Sequence[tuple[int, int]]) -> tuple[list[list[int]], ...]:
    """Per dimension, the ``[start, stop)`` of the computed output to keep, and the zeros to add before and after."""
    keep, pad = [], []
    for (c0, c1), (w0, w1) in zip(computed, wanted):
        lo, hi = max(w0, c0), min(w1, c1)
        if hi <= lo:  # nothing computed is wanted: all zeros (plus the bias)
            keep.append([0, 0])
            pad.append([0, w1 - w0])
        else:
            keep.append([lo - c0, hi - c0])
            pad.append([lo - w0, w1 - hi])
    return keep, pad


# --- the snippets -----------------------------------------------------------------------------------


def _call_torch(arguments: dict[str, Any], ndim: int, bias: bool) -> tuple[list[str], list[str]]:
    b = "None if b is None else torch.from_numpy(np.array(b))" if bias else "None"
    return ["import torch"], [
        f"y = torch.nn.functional.conv_transpose{ndim}d(",
        "    torch.from_numpy(np.array(x)),  # a copy: torch takes no negative strides",
        "    torch.from_numpy(np.array(weight)),",
        f"    {b},",
        f"    stride={arguments['stride']},",
        f"    padding={arguments['padding']},",
        f"    output_padding={arguments['output_padding']},",
        f"    groups={arguments['groups']},",
        f"    dilation={arguments['dilation']},",
        ")",
        "return y.numpy()",
    ]


def _call_onnx(arguments: dict[str, Any], ndim: int, bias: bool) -> tuple[list[str], list[str]]:
    attributes = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
    return ["import onnxruntime", "from onnx import helper"], [
        'inputs = {"X": x, "W": weight}' + (' | ({} if b is None else {"B": b})' if bias else ""),
        "element = helper.np_dtype_to_tensor_dtype(x.dtype)",
        f'node = helper.make_node("ConvTranspose", list(inputs), ["Y"], {attributes})',
        "graph = helper.make_graph(",
        '    [node], "conv_transpose",',
        "    [helper.make_tensor_value_info(name, element, list(a.shape)) for name, a in inputs.items()],",
        '    [helper.make_tensor_value_info("Y", element, None)],',
        ")",
        f'model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", {_onnx.OPSET})], '
        f"ir_version={_onnx.IR_VERSION})",
        'session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])',
        "return session.run(None, {name: np.ascontiguousarray(a) for name, a in inputs.items()})[0]",
    ]


def _call_jax(arguments: dict[str, Any], ndim: int, bias: bool) -> tuple[list[str], list[str]]:
    padding = [tuple(pair) for pair in arguments["padding"]]
    if "feature_group_count" in arguments:  # groups: jax.lax.conv_general_dilated
        return ["import jax"], [
            f"rhs = weight.reshape({arguments['weight_groups']}).transpose({arguments['weight_axes']})",
            f"rhs = np.flip(rhs.reshape({arguments['rhs_shape']}), axis={tuple(arguments['flip'])})"
            "  # a convolution's (C_out, C_in/groups, *k), flipped",
            "with jax.enable_x64(x.dtype == np.float64):",
            "    y = jax.lax.conv_general_dilated(",
            f"        x, rhs, window_strides={arguments['window_strides']}, padding={padding},",
            f"        lhs_dilation={arguments['lhs_dilation']}, rhs_dilation={arguments['rhs_dilation']},",
            f"        dimension_numbers={tuple(arguments['dimension_numbers'])},",
            f"        feature_group_count={arguments['feature_group_count']},",
            "    )",
            "    return np.asarray(y)",
        ]
    return ["import jax"], [
        "with jax.enable_x64(x.dtype == np.float64):",
        "    y = jax.lax.conv_transpose(",
        f"        x, weight, {arguments['strides']}, {padding},",
        f"        rhs_dilation={arguments['rhs_dilation']},",
        f"        dimension_numbers={tuple(arguments['dimension_numbers'])},",
        f"        transpose_kernel={arguments['transpose_kernel']},",
        "    )",
        "    return np.asarray(y)",
    ]


def _call_tf(arguments: dict[str, Any], ndim: int, bias: bool) -> tuple[list[str], list[str]]:
    return ["import tensorflow as tf"], [
        "y = tf.nn.conv_transpose(",
        f"    np.transpose(x, {arguments['input_axes']}),  # (N, *spatial, C_in)",
        f"    np.transpose(weight, {arguments['filters_axes']}),  # (*kernel, C_out, C_in)",
        f"    output_shape={arguments['output_shape']},",
        f"    strides={arguments['strides']},",
        f"    padding={arguments['padding']!r},",
        f"    dilations={arguments['dilations']},",
        ")",
        "return np.moveaxis(y.numpy(), -1, 1)  # (N, C_out, *spatial)",
    ]


def _call_keras(arguments: dict[str, Any], ndim: int, bias: bool) -> tuple[list[str], list[str]]:
    return ["import keras"], [
        "y = keras.ops.conv_transpose(",
        f"    np.transpose(x, {arguments['inputs_axes']}),  # (N, *spatial, C_in)",
        f"    np.transpose(weight, {arguments['kernel_axes']}),  # (*kernel_size, C_out, C_in)",
        f"    strides={arguments['strides']},",
        f"    padding={arguments['padding']!r},",
        f"    output_padding={arguments['output_padding']},",
        '    data_format="channels_last",',
        f"    dilation_rate={arguments['dilation_rate']},",
        ")",
        "return np.moveaxis(keras.ops.convert_to_numpy(y), -1, 1)  # (N, C_out, *spatial)",
    ]


def _call_tflite(arguments: dict[str, Any], ndim: int, bias: bool) -> tuple[list[str], list[str]]:
    lines = []
    if arguments["unit_height"]:
        lines += ["x, weight = x[:, :, None], weight[:, :, None]  # 1-D as 2-D with a unit height"]
    lines += [
        f"nhwc = np.ascontiguousarray(np.transpose(x, {arguments['input_axes']}), np.float32)",
        f"ohwi = np.transpose(weight, {arguments['filter_axes']})",
        "kernel = tf.constant(np.transpose(ohwi, (1, 2, 0, 3)), tf.float32)  # the converter's (k_h, k_w, C_out, C_in)",
        "",
        "@tf.function(input_signature=[tf.TensorSpec(nhwc.shape, tf.float32)], autograph=False)",
        "def model(inputs):",
        f"    y = tf.nn.conv2d_transpose(inputs, kernel, {arguments['output_shape']}, {arguments['strides']}, "
        f"padding={arguments['padding']!r})",
    ]
    if bias:
        lines += ["    return y if b is None else y + tf.constant(np.asarray(b, np.float32))"]
    else:
        lines += ["    return y"]
    lines += [
        "",
        "converter = tf.lite.TFLiteConverter.from_concrete_functions([model.get_concrete_function()], model)",
        "with warnings.catch_warnings():",
        '    warnings.simplefilter("ignore")  # tf.lite.Interpreter\'s deprecation notice',
        "    interpreter = tf.lite.Interpreter(  # the builtin kernels: the XNNPACK delegate crashes on some calls",
        "        model_content=converter.convert(),",
        "        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,",
        "    )",
        "interpreter.allocate_tensors()",
        'interpreter.set_tensor(interpreter.get_input_details()[0]["index"], nhwc)',
        "interpreter.invoke()",
        'y = np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))',
        "y = np.moveaxis(y, -1, 1)  # (N, C_out, H, W)",
        "return y[:, :, 0]  # drop the unit height" if arguments["unit_height"] else "return y",
    ]
    return ["import warnings", "", "import tensorflow as tf"], lines  # the standard library's import goes first


def _call_openvino(arguments: dict[str, Any], ndim: int, bias: bool) -> tuple[list[str], list[str]]:
    options = ", ".join(
        f"{name}={arguments[name]!r}"
        for name in ("strides", "pads_begin", "pads_end", "dilations", "auto_pad", "output_padding")
    )
    lines = [
        'data = ops.parameter(list(x.shape), x.dtype, name="x")',
        f"filters = ops.constant(np.ascontiguousarray(weight).reshape({arguments['filters_shape']}))",
        f"y = ops.{arguments['operation']}(data, filters, {options})",
    ]
    if bias:
        lines += [
            "if b is not None:",
            f"    y = ops.add(y, ops.constant(np.asarray(b).reshape((1, -1{', 1' * ndim}))))",
        ]
    lines += [
        "config = {'INFERENCE_PRECISION_HINT': 'f32'} if x.dtype == np.float32 else {}  # no bf16 on the CPU plugin",
        'compiled = openvino.Core().compile_model(openvino.Model([y], [data], "conv_transpose"), "CPU", config)',
        "return np.asarray(compiled([np.ascontiguousarray(x)])[compiled.output(0)])",
    ]
    return ["import openvino", "import openvino.opset15 as ops"], lines


_CALLS: dict[str, Callable[[dict[str, Any], int, bool], tuple[list[str], list[str]]]] = {
    "torch": _call_torch,
    "onnx": _call_onnx,
    "jax": _call_jax,
    "tf": _call_tf,
    "keras": _call_keras,
    "tflite": _call_tflite,
    "openvino": _call_openvino,
}


def _call_name(target: _Framework, arguments: dict[str, Any], ndim: int) -> str:
    if "feature_group_count" in arguments:
        return "jax.lax.conv_general_dilated"
    return target.call.replace("{n}", str(ndim))


def _steps_and_code(
    source: _Framework, target: _Framework, reading: Reading, plan: _Plan
) -> tuple[tuple[dict[str, Any], ...], str]:
    ndim = len(reading.input_shape)
    keep, pad = _crop_and_pad(_window_of(plan.geometry), reading.window)
    cropped = any(k != [0, c1 - c0] for k, (c0, c1) in zip(keep, _window_of(plan.geometry)))
    padded = any(p != [0, 0] for p in pad)
    bias_in_call = target.takes_bias and not padded and not plan.split
    identity = list(range(ndim + 2))
    steps: list[dict[str, Any]] = []
    body: list[str] = ["x = np.asarray(x)", "weight = np.asarray(weight)"]
    if list(reading.x_axes) != identity:
        steps.append(
            {
                "op": "transpose",
                "array": "x",
                "axes": list(reading.x_axes),
                "why": "the source's input layout to (N, C_in, *spatial)",
            }
        )
        body.append(f"x = np.transpose(x, {list(reading.x_axes)})  # (N, C_in, *spatial)")
    if list(reading.weight_axes) != identity:
        steps.append(
            {
                "op": "transpose",
                "array": "weight",
                "axes": list(reading.weight_axes),
                "why": "the source's kernel layout to (C_in, C_out/groups, *kernel)",
            }
        )
        body.append(f"weight = np.transpose(weight, {list(reading.weight_axes)})  # (C_in, C_out/groups, *kernel)")
    if reading.weight_flipped:
        axes = list(range(2, ndim + 2))
        steps.append(
            {
                "op": "flip",
                "array": "weight",
                "axes": axes,
                "why": "the source applies its kernel unflipped "
                "(a correlation of the zero-inserted input); a transposed convolution's kernel is flipped",
            }
        )
        body.append(f"weight = np.flip(weight, axis={tuple(axes)})  # the source's kernel, unflipped")
    call_name = _call_name(target, plan.arguments, ndim)
    call_step = {"op": "call", "call": call_name, "why": "the target's one call"}
    if plan.split:
        steps.append(
            {
                "op": "split_groups",
                "groups": reading.groups,
                "why": f"{target.call} has no groups: one call "
                "per group on x's channels (axis 1) and the kernel's input channels (axis 0), outputs "
                "concatenated on the channels",
            }
        )
        steps.append(call_step)
        body += [
            f"parts = zip(np.split(x, {reading.groups}, axis=1), np.split(weight, {reading.groups}, axis=0))",
            "y = np.concatenate([call(x_g, weight_g, None) for x_g, weight_g in parts], axis=1)",
        ]
    else:
        steps.append(call_step)
        body.append(f"y = call(x, weight, {'bias' if bias_in_call else 'None'})")
    if cropped:
        steps.append({"op": "crop", "keep": keep, "why": "the target cannot crop this window itself"})
        index = ", ".join(["slice(None)"] * 2 + [f"slice({a}, {b})" for a, b in keep])
        body.append(f"y = y[({index})]  # the source's window")
    if padded:
        steps.append({"op": "pad", "zeros": pad, "why": "positions outside the full output hold no products: zeros"})
        body.append(f"y = np.pad(y, {[[0, 0], [0, 0], *pad]})  # no products reach there")
    if not bias_in_call:
        steps.append(
            {
                "op": "add_bias",
                "why": "(C_out,) added to every position"
                + ("" if target.takes_bias else f"; {target.call} takes no bias"),
            }
        )
        body += ["if bias is not None:", f"    y = y + np.asarray(bias).reshape((-1,{' 1,' * ndim}))"]
    if list(reading.out_axes) != identity:
        steps.append(
            {
                "op": "transpose",
                "array": "y",
                "axes": list(reading.out_axes),
                "why": "(N, C_out, *spatial) to the source's output layout",
            }
        )
        body.append(f"y = np.transpose(y, {list(reading.out_axes)})")
    body.append("return np.ascontiguousarray(y)")
    imports, call_body = _CALLS[target.name](plan.arguments, len(plan.geometry.input_shape), bias_in_call)
    x_layout, weight_layout, out_layout = source.layouts
    code = "\n".join(
        [
            f'"""{source.call.replace("{n}", str(ndim))} as {call_name}: generated by transposed-conv translate for',
            f"x {tuple(reading.input_shape)} spatial, kernel {tuple(reading.kernel_shape)}, "
            f"stride {tuple(reading.stride)}, dilation {tuple(reading.dilation)}, groups {reading.groups}, "
            f'window {[tuple(w) for w in reading.window]} of the full output."""',
            "",
            *[line for line in imports if line == "import warnings"],
            "import numpy as np",
            *[line for line in imports if line != "import warnings"],
            "",
            "",
            "def call(x, weight, b):",
            f'    """{call_name}: x (N, C_in, *spatial), weight (C_in, C_out/groups, '
            '*kernel) -> (N, C_out, *spatial)."""',
            *[f"    {line}" if line else "" for line in call_body],
            "",
            "",
            "def run(x, weight, bias=None):",
            f'    """x {x_layout}, weight {weight_layout}, bias (C_out,) -> {out_layout}: the source\'s layouts."""',
            *[f"    {line}" for line in body],
            "",
        ]
    )
    return tuple(steps), code


# --- verifying ----------------------------------------------------------------------------------------


def _verify(
    translation: Translation, reading: Reading, input_shape: tuple[int, ...], weight_shape: tuple[int, ...]
) -> str:
    """Run the snippet on random float32 inputs and compare with the oracle; raise :class:`TranslationError`."""
    namespace: dict[str, Any] = {}
    exec(
        compile(translation.code or "", f"<translation {translation.source} -> {translation.target}>", "exec"),
        namespace,
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, input_shape).astype(np.float32)
    weight = rng.uniform(-1, 1, weight_shape).astype(np.float32)
    bias = rng.uniform(-1, 1, reading.out_channels).astype(np.float32)
    got = np.asarray(namespace["run"](x.copy(), weight.copy(), bias.copy()))
    fraction = linear_bound_fraction(got, reading.compute, x, weight, bias, precision="float32")
    worst = float(fraction.max()) if fraction.size else 0.0
    if not worst <= 1:
        raise TranslationError(
            f"the {translation.target} snippet does not reproduce {translation.source}'s result: the worst element is "
            f"{worst:.3g} times the float32 rounding bound (geometry {translation.geometry})"
        )
    return (
        f"reproduces the source on random float32 inputs (x {input_shape}, weight {weight_shape}, a bias) within the "
        f"float32 rounding bound of transposed_conv.oracle (worst element {worst:.2g} of its bound)"
    )


# --- the public function ------------------------------------------------------------------------------


def translate(
    source: str,
    target: str,
    *,
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    verify: bool = True,
    **arguments: Any,
) -> Translation:
    """The transposed convolution of a ``source`` framework's call, in the ``target`` framework's terms.

    Parameters
    ----------
    source, target : str
        One of ``'torch'``, ``'onnx'``, ``'jax'``, ``'tf'``, ``'keras'``, ``'tflite'`` (:data:`SOURCES`); the
        target also ``'openvino'`` (OpenVINO's ``ConvolutionBackpropData``, :data:`FRAMEWORKS`).
    input_shape, weight_shape : sequence of int
        The shapes of the source call's input (batched) and kernel, in the source's layouts
        (``weight_shape`` is the kernel's, ``filters``', ``rhs``', ...).
    verify : bool
        Run the snippet on random inputs and compare it with the oracle, when the target is installed.
    **arguments
        The source call's arguments in its own names: ``stride``, ``padding``,
        ``output_padding``, ``groups``, ``dilation``, ``output_size`` (torch); ``auto_pad``,
        ``pads``, ``strides``, ``dilations``, ``group``, ``output_padding``, ``output_shape``
        (onnx); ``strides``, ``padding``, ``rhs_dilation``, ``dimension_numbers``,
        ``transpose_kernel`` (jax); ``output_shape``, ``strides``, ``padding``,
        ``data_format``, ``dilations`` (tf); ``strides``, ``padding``, ``output_padding``,
        ``data_format``, ``dilation_rate`` (keras); ``output_shape``, ``strides``, ``padding``
        (tflite).

    Returns
    -------
    Translation
        The target's call and arguments, the extra operations, the snippet and how it was
        verified; or ``expressible=False`` with the reason.

    Raises
    ------
    ValueError, TypeError
        For a framework name not in :data:`FRAMEWORKS`, or arguments the source does not take
        (the source's own message, naming the parameter).
    TranslationError
        If the snippet does not reproduce the source within the rounding bound (a bug).

    Notes
    -----
    Every framework returns a window ``[start, stop)`` of the full transposed convolution ``F =
    (i - 1)*stride + dilation*(k - 1) + 1`` in each spatial dimension.  The source module's forward
    mapping gives the window; the target's reverse mapping is asked for it with, in turn: the
    crop as padding and the part past ``F`` as ``output_padding``; the crop's symmetric part as
    padding and the rest cropped after; no padding and all of it cropped after; each with the
    part past ``F`` as ``output_padding`` or as zeros padded after the call (no product reaches
    there, so zeros plus the bias are exact).  Grouped calls go to a target without groups one
    group at a time.  The first the target expresses is the translation.

    Examples
    --------
    PyTorch's ``padding=1`` crops one element from each end of the full output; TensorFlow Lite's
    ``SAME`` crops the smaller half of the excess at the start, which is the same here:

    >>> t = translate("torch", "tflite", input_shape=(1, 4, 8, 8), weight_shape=(4, 2, 4, 4),
    ...               stride=2, padding=1, verify=False)
    >>> t.call, t.arguments["padding"], t.arguments["output_shape"]
    ('TensorFlow Lite TRANSPOSE_CONV', 'SAME', [1, 16, 16, 2])

    Keras has no explicit padding: the full output is computed and cropped after:

    >>> t = translate("torch", "keras", input_shape=(1, 4, 8), weight_shape=(4, 2, 3), stride=2, padding=1,
    ...               verify=False)
    >>> [step["op"] for step in t.steps]
    ['call', 'crop', 'add_bias']
    >>> t.steps[1]["keep"]
    [[1, 16]]

    TensorFlow Lite has no dilation, and nothing else expresses it:

    >>> print(translate("torch", "tflite", input_shape=(1, 1, 5, 5), weight_shape=(1, 1, 3, 3), dilation=2).reason)
    cannot be expressed, because TensorFlow Lite's TRANSPOSE_CONV has no dilation (...); got dilation=(2, 2)
    """
    names = list(FRAMEWORKS)
    source_framework = FRAMEWORKS[as_choice(source, "source", names)]
    target_framework = FRAMEWORKS[as_choice(target, "target", names)]
    reading = _read(source_framework, input_shape, weight_shape, arguments)
    geometry = _geometry_record(reading)
    found = _plan(target_framework, reading)
    if isinstance(found, list):
        return Translation(
            source,
            target,
            geometry,
            False,
            reason="cannot be expressed, because " + "; and ".join(found[:1]),
            _reading=reading,
        )
    steps, code = _steps_and_code(source_framework, target_framework, reading, found)
    translation = Translation(
        source,
        target,
        geometry,
        True,
        call=_call_name(target_framework, found.arguments, len(reading.input_shape)),
        arguments=found.arguments,
        steps=steps,
        code=code,
        _reading=reading,
    )
    missing = [p for p in target_framework.packages if importlib.util.find_spec(p) is None]
    if not verify:
        return _with(translation, unverified_because="verify=False")
    if missing:
        return _with(translation, unverified_because=f"{', '.join(missing)} not installed")
    shapes = as_shape(input_shape, "input_shape", minimum=0), as_shape(weight_shape, "weight_shape")
    return _with(translation, verified=_verify(translation, reading, *shapes))


def _with(translation: Translation, **changes: Any) -> Translation:
    from dataclasses import replace

    return replace(translation, **changes)
