"""Golden test vectors: drawn cases, their reference results, and each framework's arguments for them.

:func:`write_vectors` draws cases with :func:`~transposed_conv.strategies.conv_transpose_cases`,
computes each one's float64 answer and float32 rounding bound with :mod:`transposed_conv.oracle`,
and writes them as ``case_NNNN.npz`` files with an ``index.json`` that spells every case in
every convention of :mod:`transposed_conv.frameworks` (PyTorch's, ONNX's, JAX's, TensorFlow's
and Keras's), by each framework's reverse mapping: the engine of ``transposed-conv vectors``.
The files need only NumPy to read.

:func:`write_onnx_vectors` writes a fixed catalogue of ``ConvTranspose`` cases in the ONNX backend
node-test layout instead (``transposed-conv vectors --format onnx``): one directory per case with a
one-node ``model.onnx`` and ``test_data_set_0/input_*.pb`` and ``output_0.pb``, which any ONNX
backend's test runner reads (:data:`ONNX_CASES` says what each covers, and why ONNX Runtime fails
the ones it fails).  Writing them needs ``onnx``.

Drawing the cases needs hypothesis (``pip install 'transposed-conv[kit]'``); it is imported when
:func:`write_vectors` runs, not when this module is imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .frameworks import CONVENTIONS, arguments_or_none
from .frameworks import onnx as _onnx
from .oracle import error_bound, reference

if TYPE_CHECKING:
    from .strategies import ConvTransposeCase

__all__ = ["ONNX_CASES", "OnnxCase", "write_onnx_vectors", "write_vectors"]


def _draw_cases(count: int, seed: int) -> list[ConvTransposeCase]:
    """``count`` float32 cases with uniform values, drawn reproducibly from ``seed`` (generation only, no shrinking)."""
    from .strategies import conv_transpose_cases, example_draws

    return example_draws(conv_transpose_cases(dtype="float32", values="uniform"), count, seed)


def _write_case(directory: Path, name: str, case: ConvTransposeCase) -> dict[str, Any]:
    """Write ``case`` and its reference results to ``directory / name``; return its ``index.json`` entry."""
    arrays = {"x": case.x, "weight": case.weight}
    if case.bias is not None:
        arrays["bias"] = case.bias
    arrays["expected"] = reference(case.x, case.weight, case.bias, **case.kwargs)
    arrays["bound_float32"] = error_bound(case.x, case.weight, case.bias, **case.kwargs, precision="float32")
    np.savez(directory / name, **arrays)  # type: ignore[arg-type]
    entry: dict[str, Any] = {
        "file": name,
        "x_shape": list(case.x.shape),
        "weight_shape": list(case.weight.shape),
        "bias": case.bias is not None,
        "output_shape": list(arrays["expected"].shape),
    }
    for convention in CONVENTIONS.values():  # each framework's reverse mapping; null where it cannot express it
        entry[convention.name] = arguments_or_none(convention, case.config, batch=case.batch)
    return entry


def write_vectors(directory: str | Path, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Write ``count`` golden test vectors to ``directory``, with an ``index.json`` describing them.

    Each case is ``case_NNNN.npz`` holding ``x``, ``weight``, ``bias`` (when the case has
    one), ``expected`` -- the float64 transposed convolution of the float32 inputs, from
    :func:`~transposed_conv.oracle.reference` -- and ``bound_float32``, the elementwise
    rounding bound any correct float32 implementation stays within
    (:func:`~transposed_conv.oracle.error_bound`).  ``index.json`` gives every case's
    configuration in PyTorch's, ONNX's, JAX's, TensorFlow's and Keras's conventions, with the
    axis permutations that bring ``x`` and ``weight`` into each framework's layout, and
    ``null`` where a framework cannot express the case.

    Parameters
    ----------
    directory : str or pathlib.Path
        Where to write; created (with its parents) if missing.  Existing case files with
        the same names are overwritten.
    count : int
        Number of cases, at least 1.
    seed : int
        Seed of the draw: the same ``count`` and ``seed`` write the same files.

    Returns
    -------
    list of dict
        The ``cases`` of ``index.json``, one entry per file, in order.

    Raises
    ------
    ImportError
        If hypothesis, which draws the cases, is not installed.
    OSError
        If ``directory`` cannot be created or written.

    See Also
    --------
    transposed_conv.strategies.conv_transpose_cases : the cases drawn.
    transposed_conv.oracle.reference : the expected results.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     cases = write_vectors(directory, count=2, seed=1)
    ...     files = sorted(path.name for path in Path(directory).iterdir())
    ...     with np.load(Path(directory) / cases[0]["file"]) as stored:
    ...         same = stored["expected"].shape == tuple(cases[0]["output_shape"])
    >>> files
    ['case_0000.npz', 'case_0001.npz', 'index.json']
    >>> [case["file"] for case in cases], same
    (['case_0000.npz', 'case_0001.npz'], True)
    >>> sorted(cases[0]["torch"])
    ['dilation', 'groups', 'output_padding', 'padding', 'padding_symmetric', 'stride']
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"count must be an int; got {count!r} of type {type(count).__name__}")
    if count < 1:
        raise ValueError(f"count must be at least 1; got count={count}")
    path = Path(directory)
    drawn = _draw_cases(count, seed)
    path.mkdir(parents=True, exist_ok=True)
    index = [_write_case(path, f"case_{number:04d}.npz", case) for number, case in enumerate(drawn)]
    description = {
        "generator": f"transposed-conv {__version__} vectors --count {count} --seed {seed}",
        "layout": "x (N, C_in, *spatial) float32; weight (C_in, C_out/groups, *kernel) float32; bias (C_out,) float32",
        "expected": "float64 transposed convolution of the float32 inputs; bound_float32 is the elementwise rounding "
        "bound for any correct float32 implementation (see transposed_conv.oracle)",
        "padding": "torch.padding holds one (begin, end) pair per spatial dimension; PyTorch itself takes only "
        "symmetric padding (padding_symmetric)",
        "frameworks": "jax, tf and keras give each framework's arguments for the same case, with the axis "
        "permutations (np.transpose) that bring x and weight into its layout; null where the framework cannot "
        "express the case (groups; padding TensorFlow or Keras cannot spell)",
        "cases": index,
    }
    (path / "index.json").write_text(json.dumps(description, indent=1) + "\n")
    return index


# --- the ONNX node-test layout ----------------------------------------------------------------------

#: ONNX Runtime's limits as its implementation declares them (``transposed_conv.frameworks.onnx``).
_ORT_FAILS = _onnx.IMPLEMENTATIONS[0].supports.fails
_ORT_DEVIATION = "ONNX Runtime deviates from the specification (docs/conventions.md, Deviations, ONNX Runtime {}): {}"


@dataclass(frozen=True)
class OnnxCase:
    """One ``ConvTranspose`` node test: its name, what it covers, its inputs' shapes and its attributes.

    ``onnxruntime`` is ``None`` where ONNX Runtime follows the specification, else why it does not
    (a declared limitation or deviation): a runner reports those cases as expected failures.
    ``shape_inference`` likewise says why ``onnx``'s own shape inference (``onnx.checker`` with
    ``full_check=True``) disagrees with the output shape the specification gives, where it does.
    """

    name: str
    covers: str
    x_shape: tuple[int, ...]
    w_shape: tuple[int, ...]
    attributes: dict[str, Any] = field(default_factory=dict)
    bias: bool = True
    dtype: str = "float32"
    onnxruntime: str | None = None
    shape_inference: str | None = None


#: The catalogue ``write_onnx_vectors`` writes: every attribute of ``ConvTranspose``, 1-D to 3-D, three dtypes,
#: and several channels per group wherever there are groups.
ONNX_CASES: tuple[OnnxCase, ...] = (
    OnnxCase("plain_2d", "no attributes: stride 1, no padding", (2, 3, 4, 5), (3, 2, 3, 3)),
    OnnxCase("no_bias", "the two-input form", (1, 2, 4, 4), (2, 3, 2, 2), {"strides": [2, 2]}, bias=False),
    OnnxCase(
        "strides_pads",
        "strides and symmetric pads",
        (1, 2, 5, 4),
        (2, 3, 4, 4),
        {"strides": [2, 2], "pads": [1, 1, 1, 1]},
    ),
    OnnxCase(
        "asymmetric_pads",
        "pads that differ at the two ends and between dimensions",
        (1, 2, 5, 6),
        (2, 2, 3, 4),
        {"strides": [2, 3], "pads": [0, 2, 2, 1]},
    ),
    OnnxCase(
        "output_padding",
        "output_padding below the stride",
        (1, 2, 4, 4),
        (2, 3, 3, 3),
        {"strides": [3, 2], "pads": [1, 0, 1, 1], "output_padding": [2, 1]},
    ),
    OnnxCase(
        "output_padding_below_dilation",
        "output_padding at least the stride but below the dilation",
        (1, 2, 4, 4),
        (2, 2, 3, 2),
        {"strides": [1, 2], "dilations": [3, 2], "output_padding": [2, 1]},
        onnxruntime=_ORT_FAILS["large output_padding"],
    ),
    OnnxCase(
        "output_shape_odd",
        "output_shape with an odd total padding (the extra element cropped at the start)",
        (1, 2, 4, 5),
        (2, 2, 4, 3),
        {"strides": [2, 2], "output_shape": [8, 9]},
    ),
    OnnxCase(
        "output_shape_beyond_full",
        "output_shape larger than the full output (negative pads at both ends)",
        (1, 1, 3),
        (1, 2, 1),
        {"strides": [3], "output_shape": [9]},
        onnxruntime=_ORT_DEVIATION.format(2, "it puts the whole extension at the end"),
    ),
    OnnxCase(
        "same_upper",
        "auto_pad SAME_UPPER with an odd total (the extra element cropped at the end)",
        (1, 2, 4, 5),
        (2, 2, 4, 4),
        {"strides": [2, 2], "auto_pad": "SAME_UPPER"},
    ),
    OnnxCase(
        "same_lower",
        "auto_pad SAME_LOWER with an odd total (the extra element cropped at the start)",
        (1, 2, 4, 5),
        (2, 2, 4, 4),
        {"strides": [2, 2], "auto_pad": "SAME_LOWER"},
    ),
    OnnxCase(
        "same_upper_small_kernel",
        "SAME_UPPER with a kernel smaller than the stride (extends both ends)",
        (1, 2, 3),
        (2, 2, 1),
        {"strides": [3], "auto_pad": "SAME_UPPER"},
        onnxruntime=_ORT_DEVIATION.format(1, "it returns the full output instead of i * strides elements"),
        shape_inference="onnx's shape inference infers the full output, as ONNX Runtime does (its deviation 1), not "
        "the specification's i * strides",
    ),
    OnnxCase(
        "valid",
        "auto_pad VALID with a kernel smaller than the stride",
        (1, 2, 4, 3),
        (2, 2, 1, 2),
        {"strides": [3, 3], "auto_pad": "VALID"},
    ),
    OnnxCase(
        "group",
        "group 2 with 2 input and 3 output channels per group, kernel_shape given",
        (2, 4, 3, 4),
        (4, 3, 3, 2),
        {"group": 2, "strides": [2, 1], "pads": [1, 0, 0, 1], "kernel_shape": [3, 2]},
    ),
    OnnxCase(
        "depthwise",
        "group equal to the channels, 2 outputs per group",
        (1, 3, 4, 4),
        (3, 2, 3, 3),
        {"group": 3, "strides": [2, 2]},
    ),
    OnnxCase(
        "dilations",
        "dilations with strides and pads",
        (1, 2, 4, 5),
        (2, 2, 3, 2),
        {"strides": [2, 1], "dilations": [2, 3], "pads": [1, 2, 0, 1]},
    ),
    OnnxCase(
        "conv1d",
        "1-D, strides, pads, output_padding",
        (2, 3, 7),
        (3, 2, 4),
        {"strides": [3], "pads": [1, 2], "output_padding": [1]},
    ),
    OnnxCase(
        "conv3d",
        "3-D, strides, group 2, pads",
        (1, 4, 3, 3, 2),
        (4, 2, 2, 3, 2),
        {"strides": [2, 1, 2], "group": 2, "pads": [0, 1, 1, 1, 0, 0]},
    ),
    OnnxCase(
        "float64",
        "float64 (tensor(double))",
        (1, 2, 4, 4),
        (2, 3, 3, 3),
        {"strides": [2, 2], "pads": [1, 1, 1, 1]},
        dtype="float64",
        onnxruntime=_ORT_FAILS["float64"],
    ),
    OnnxCase(
        "float16",
        "float16 (tensor(float16))",
        (1, 2, 4, 4),
        (2, 3, 3, 3),
        {"strides": [2, 2], "pads": [0, 1, 1, 0]},
        dtype="float16",
    ),
)


def onnx_case_arrays(case: OnnxCase) -> dict[str, np.ndarray]:
    """The case's inputs (``X``, ``W``, ``B`` when it has one), drawn from a seed of its name, and ``Y``.

    ``Y`` is the specification's result of the stored inputs (:func:`~transposed_conv.conventions.onnx_conv_transpose`
    in float64), rounded once to the case's dtype.
    """
    rng = np.random.default_rng(list(case.name.encode()))
    dtype = np.dtype(case.dtype)
    arrays = {"X": rng.uniform(-1, 1, case.x_shape).astype(dtype), "W": rng.uniform(-1, 1, case.w_shape).astype(dtype)}
    channels = case.w_shape[1] * case.attributes.get("group", 1)
    if case.bias:
        arrays["B"] = rng.uniform(-1, 1, channels).astype(dtype)
    exact = _onnx.onnx_conv_transpose(
        arrays["X"].astype(np.float64),
        arrays["W"].astype(np.float64),
        arrays["B"].astype(np.float64) if case.bias else None,
        **case.attributes,
    )
    arrays["Y"] = exact.astype(dtype)
    return arrays


def _onnx_model(case: OnnxCase, arrays: dict[str, np.ndarray], opset: int) -> Any:
    from onnx import helper

    element = helper.np_dtype_to_tensor_dtype(np.dtype(case.dtype))
    inputs = [name for name in ("X", "W", "B") if name in arrays]
    node = helper.make_node("ConvTranspose", inputs, ["Y"], **case.attributes)
    graph = helper.make_graph(
        [node],
        f"test_convtranspose_{case.name}",
        [helper.make_tensor_value_info(name, element, list(arrays[name].shape)) for name in inputs],
        [helper.make_tensor_value_info("Y", element, list(arrays["Y"].shape))],
    )
    opsets = [helper.make_opsetid("", opset)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=helper.find_min_ir_version_for(opsets))


def write_onnx_vectors(directory: str | Path, *, opset: int = _onnx.OPSET) -> list[dict[str, Any]]:
    """Write :data:`ONNX_CASES` to ``directory`` in the ONNX backend node-test layout, with an ``index.json``.

    Each case is a directory ``test_convtranspose_<name>`` holding ``model.onnx`` (one
    ``ConvTranspose`` node of ``opset``, inputs ``X``, ``W`` and ``B`` when the case has a bias)
    and ``test_data_set_0/input_<k>.pb``, ``output_0.pb`` (``onnx.numpy_helper`` tensors): the
    layout of ``onnx/backend/test/data/node``, which ONNX backends' test runners read.

    Parameters
    ----------
    directory : str or pathlib.Path
        Where to write; created if missing.  Existing case directories are overwritten.
    opset : int
        The ``ai.onnx`` opset of the models, 11 or later (``ConvTranspose`` has meant the same since 11).

    Returns
    -------
    list of dict
        The ``cases`` of ``index.json``: each case's directory, what it covers, its attributes,
        dtype, and ``onnxruntime``: ``null``, or why ONNX Runtime fails it (a declared limit).

    Raises
    ------
    ImportError
        If ``onnx`` is not installed.
    ValueError
        If ``opset`` is not an int from 11 up to the installed ``onnx``'s.

    Examples
    --------
    >>> import tempfile
    >>> import onnx
    >>> from onnx import numpy_helper
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     cases = write_onnx_vectors(directory)
    ...     model = onnx.load(Path(directory) / cases[0]["directory"] / "model.onnx")
    ...     onnx.checker.check_model(model)
    ...     data = Path(directory) / cases[0]["directory"] / "test_data_set_0"
    ...     y = numpy_helper.to_array(onnx.load_tensor(data / "output_0.pb"))
    >>> cases[0]["directory"], [node.op_type for node in model.graph.node], y.shape
    ('test_convtranspose_plain_2d', ['ConvTranspose'], (2, 2, 6, 7))
    """
    import onnx
    from onnx import numpy_helper

    latest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int) or not 11 <= opset <= latest:
        raise ValueError(f"opset must be an int from 11 (ConvTranspose's current meaning) to {latest}; got {opset!r}")
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    index = []
    for case in ONNX_CASES:
        arrays = onnx_case_arrays(case)
        folder = path / f"test_convtranspose_{case.name}"
        data = folder / "test_data_set_0"
        data.mkdir(parents=True, exist_ok=True)
        onnx.save(_onnx_model(case, arrays, opset), folder / "model.onnx")
        for number, name in enumerate(name for name in ("X", "W", "B") if name in arrays):
            (data / f"input_{number}.pb").write_bytes(numpy_helper.from_array(arrays[name], name).SerializeToString())
        (data / "output_0.pb").write_bytes(numpy_helper.from_array(arrays["Y"], "Y").SerializeToString())
        index.append(
            {
                "directory": folder.name,
                "covers": case.covers,
                "dtype": case.dtype,
                "attributes": case.attributes,
                "x_shape": list(case.x_shape),
                "w_shape": list(case.w_shape),
                "bias": case.bias,
                "output_shape": list(arrays["Y"].shape),
                "onnxruntime": case.onnxruntime,
                "shape_inference": case.shape_inference,
            }
        )
    description = {
        "generator": f"transposed-conv {__version__} vectors --format onnx --opset {opset}",
        "layout": "ONNX backend node tests: <case>/model.onnx, <case>/test_data_set_0/input_<k>.pb (X, W, B) and "
        "output_0.pb (Y)",
        "expected": "Y is the ONNX specification's ConvTranspose of the stored inputs, computed in float64 and rounded "
        "once to the case's dtype",
        "cases": index,
    }
    (path / "index.json").write_text(json.dumps(description, indent=1) + "\n")
    return index
