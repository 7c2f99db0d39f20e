"""``onnx_conv_transpose`` against ONNX Runtime and ``onnx.reference``, on single-node ``ConvTranspose`` models.

Where the specification and a runtime disagree, the specification decides (our function
implements it) and the runtime's behaviour is pinned down here as ``docs/conventions.md``
documents it:

* ONNX Runtime: :func:`onnxruntime_window` is its behaviour -- it raises for ``output_padding >=
  strides`` and, where the specification's total padding is negative (an output larger than
  the full one), clamps it to 0 and extends at the end only, or raises.  Each example is
  checked against the specification where the two agree and against that description where
  they do not, so neither half is skipped; the minimal reproducers are strict xfails.
* ``onnx.reference``: compared where it follows the specification (one group, or one channel
  per group; ``output_shape`` only with ``SAME_*``); its three bugs are strict xfails.

ONNX Runtime has no float64 ``ConvTranspose`` on the CPU (a strict xfail says so), so the
cross-check is float32, within the rounding bound of ``tests/frameworks/__init__.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import event, given

from tests.frameworks import assert_within_float32_rounding, float32_rounding_bound, float64
from transposed_conv.conventions import onnx_conv_transpose, onnx_pads
from transposed_conv.frameworks.onnx import onnx_model, onnx_reference_onnx, onnxruntime_onnx
from transposed_conv.strategies import ConventionCase, onnx_cases

onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install onnx onnxruntime)")
onnxruntime = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install onnxruntime)")
from onnx import helper  # noqa: E402 -- after the importorskip

pytestmark = pytest.mark.onnxruntime

DOCS = "docs/conventions.md, section Deviations"


def given_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes a node is written with: those that are not ``None``."""
    return {name: value for name, value in attributes.items() if value is not None}


def model(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attributes: dict[str, Any]) -> Any:
    """The single-node model (opset 22) the runners run: ``transposed_conv.frameworks.onnx.onnx_model``."""
    return onnx_model(x, w, b, given_attributes(attributes))[0]


def run_onnxruntime(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attributes: dict[str, Any]) -> np.ndarray:
    return onnxruntime_onnx(x, w, b, **given_attributes(attributes))


def run_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attributes: dict[str, Any]) -> np.ndarray:
    return onnx_reference_onnx(x, w, b, **given_attributes(attributes))


def ours(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attributes: dict[str, Any]) -> np.ndarray:
    return onnx_conv_transpose(x, w, b, **attributes)


def full_output(case: ConventionCase, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """Our result for ``pads = 0``, ``output_padding = 0``: the full output, plus bias."""
    return onnx_conv_transpose(x, w, b, strides=case.stride, dilations=case.dilation, group=case.groups)


def full_sizes(case: ConventionCase) -> list[int]:
    """``s*(i - 1) + a + d*(k - 1) + 1``: the size with no padding, output_padding included."""
    c = case.config  # the drawn output_padding is the attribute's (left out only when all 0)
    return [
        s * (i - 1) + a + d * (k - 1) + 1
        for i, k, s, d, a in zip(c.input_shape, c.kernel_shape, c.stride, c.dilation, c.output_padding)
    ]


def spec_window(case: ConventionCase, attributes: dict[str, Any]) -> list[tuple[int, int]]:
    """The specification's window of the full output, ``[pads_begin, full + output_padding - pads_end)``."""
    pads = attributes.get("pads")
    pairs = None if pads is None else list(zip(pads[: case.ndim], pads[case.ndim :]))
    crop = onnx_pads(
        case.input_shape,
        case.kernel_shape,
        strides=case.stride,
        dilations=case.dilation,
        output_padding=case.config.output_padding,
        auto_pad=attributes.get("auto_pad", "NOTSET"),
        output_shape=attributes.get("output_shape"),
        pads=pairs,
    )
    return [(begin, full - end) for (begin, end), full in zip(crop, full_sizes(case))]


def onnxruntime_window(case: ConventionCase, attributes: dict[str, Any]) -> list[tuple[int, int]] | None:
    """ONNX Runtime 1.30's window, or ``None`` where it raises -- as ``docs/conventions.md`` describes it.

    * ``output_padding >= strides`` in some dimension (the specification allows up to
      ``max(strides, dilations) - 1``): it raises.
    * ``output_shape`` larger than the full output (negative total padding): it clamps the total
      to 0 and extends at the end only, and raises unless ``floor((output_shape - k_eff) / strides)
      + 1`` is the input size; the specification splits the extension between both ends.
    * ``SAME_UPPER``/``SAME_LOWER`` whose ``input * strides`` exceeds the full output: it clamps the
      total padding to 0 and returns the full output, not ``input * strides`` elements.
    """
    if any(a >= s for a, s in zip(case.config.output_padding, case.stride)):
        return None
    window = []
    wanted = attributes.get("output_shape")
    same = attributes.get("auto_pad") in ("SAME_UPPER", "SAME_LOWER")
    for axis, ((start, stop), full) in enumerate(zip(spec_window(case, attributes), full_sizes(case))):
        i, k, s, d = case.input_shape[axis], case.kernel_shape[axis], case.stride[axis], case.dilation[axis]
        if wanted is not None and wanted[axis] > full:
            if (wanted[axis] - (k - 1) * d - 1) // s + 1 != i:
                return None
            window.append((0, wanted[axis]))
        elif wanted is None and same and i * s > full:
            window.append((0, full))
        else:
            window.append((start, stop))
    return window


def describe(case: ConventionCase, attributes: dict[str, Any]) -> str:
    return f"X.shape={case.x.shape}, W.shape={case.weight.shape}, B={case.bias is not None}, attributes={attributes}"


@given(onnx_cases(dtype="float32", values="uniform"))
def test_onnxruntime_follows_the_specification_except_where_documented(case: ConventionCase) -> None:
    """Where ONNX Runtime's window is the specification's, its result is ours up to float32 rounding; where it is
    not (the documented deviations), it raises or returns exactly the documented window.  Every attribute is drawn
    (``transposed_conv.strategies.onnx_cases``), outputs beyond the full output and large ``output_padding``
    included."""
    attributes = case.kwargs
    x, w, b = case.x, case.weight, case.bias
    runtime_window = onnxruntime_window(case, attributes)
    deviates = runtime_window != spec_window(case, attributes)
    event("deviation" if deviates else "follows the specification")
    if runtime_window is None:
        with pytest.raises(Exception, match=r"inconsistent|output_padding"):
            run_onnxruntime(x, w, b, attributes)
        return
    actual = run_onnxruntime(x, w, b, attributes)

    def documented(x_: np.ndarray, w_: np.ndarray, b_: np.ndarray | None) -> np.ndarray:
        if not deviates:
            return ours(x_, w_, b_, attributes)
        assert runtime_window is not None
        return window_of(full_output(case, x_, w_, b_), runtime_window, b_)  # the same full output, another window

    bound = float32_rounding_bound(documented, x, w, b)
    expected = documented(float64(x), float64(w), float64(b))
    assert_within_float32_rounding(actual, expected, bound, describe(case, attributes))


def window_of(full: np.ndarray, window: list[tuple[int, int]], bias: np.ndarray | None) -> np.ndarray:
    """``full`` (with bias) cut to ``window``; positions outside it hold the bias alone."""
    base = full if bias is None else full - bias.reshape((-1,) + (1,) * len(window))
    extend = [(max(-start, 0), max(stop - size, 0)) for (start, stop), size in zip(window, base.shape[2:])]
    padded = np.pad(base, [(0, 0), (0, 0), *extend])
    index = tuple(slice(start + before, stop + before) for (start, stop), (before, _) in zip(window, extend))
    y = padded[(slice(None), slice(None), *index)]
    return y if bias is None else y + bias.reshape((-1,) + (1,) * len(window))


# Minimal reproducers of ONNX Runtime's deviations (docs/conventions.md); each xfails while it deviates.
X3 = np.array([[[1.0, 2.0, 3.0]]], dtype=np.float32)  # (N=1, C=1, 3)

RuntimeInvalidArgument = onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument


def deviation(reason: str, raises: type[Exception] = AssertionError) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, raises=raises, reason=f"{reason} ({DOCS})")


ONNXRUNTIME_DEVIATIONS = [
    pytest.param(
        X3,
        np.ones((1, 1, 1), np.float32),
        {"strides": [3], "auto_pad": "SAME_UPPER"},
        id="same_upper-kernel-smaller-than-stride",
        marks=deviation("ONNX Runtime returns the full output, 7 elements, not 3*3 = 9"),
    ),
    pytest.param(
        X3,
        np.ones((1, 1, 1), np.float32),
        {"strides": [3], "output_shape": [9]},
        id="output_shape-beyond-full-output",
        marks=deviation("ONNX Runtime extends at the end only"),
    ),
    pytest.param(
        X3,
        np.ones((1, 1, 2), np.float32),
        {"strides": [2], "output_shape": [9]},
        id="output_shape-far-beyond-full-output",
        marks=deviation("ONNX Runtime raises 'Explicit output_shape is inconsistent'", RuntimeInvalidArgument),
    ),
    pytest.param(
        X3,
        np.ones((1, 1, 2), np.float32),
        {"strides": [1], "dilations": [3], "output_padding": [2]},
        id="output_padding-above-stride-below-dilation",
        marks=deviation("ONNX Runtime raises for output_padding >= strides", RuntimeInvalidArgument),
    ),
]


@pytest.mark.parametrize(("x", "w", "attributes"), ONNXRUNTIME_DEVIATIONS)
def test_onnxruntime_deviation_reproducers(x: np.ndarray, w: np.ndarray, attributes: dict[str, Any]) -> None:
    """The reproducers in ``docs/conventions.md``: small integers, so the results are exact."""
    np.testing.assert_array_equal(run_onnxruntime(x, w, None, attributes), ours(x, w, None, attributes))


@pytest.mark.xfail(
    strict=True,
    raises=onnxruntime.capi.onnxruntime_pybind11_state.NotImplemented,
    reason="ONNX Runtime's CPU provider registers ConvTranspose for float32 only",
)
def test_onnxruntime_float64() -> None:
    """If this starts passing, draw float64 in the property test above too."""
    x, w = X3.astype(np.float64), np.ones((1, 1, 2))
    np.testing.assert_array_equal(run_onnxruntime(x, w, None, {"strides": [2]}), ours(x, w, None, {"strides": [2]}))


def reference_follows_the_specification(case: ConventionCase, attributes: dict[str, Any]) -> bool:
    """Where ``onnx.reference`` (onnx 1.23) is right: one group, a non-empty batch, ``output_padding < strides``,
    and ``output_shape`` only with ``SAME_*`` -- its deviations are the strict xfails below."""
    return (
        case.groups == 1
        and case.batch >= 1
        and all(a < s for a, s in zip(case.config.output_padding, case.stride))
        and ("output_shape" not in attributes or attributes.get("auto_pad") in ("SAME_UPPER", "SAME_LOWER"))
    )


@given(onnx_cases(dtype="float32", values="uniform", max_groups=1))  # groups: the xfails
def test_onnx_reference_evaluator_agrees_where_it_follows_the_specification(case: ConventionCase) -> None:
    attributes = case.kwargs
    x, w, b = case.x, case.weight, case.bias
    if not reference_follows_the_specification(case, attributes):
        event("onnx.reference deviates (strict xfails below)")
        return
    expected = ours(float64(x), float64(w), float64(b), attributes)
    bound = float32_rounding_bound(lambda x_, w_, b_: ours(x_, w_, b_, attributes), x, w, b)
    assert_within_float32_rounding(run_reference(x, w, b, attributes), expected, bound, describe(case, attributes))


REFERENCE_DEVIATIONS = [
    pytest.param(
        np.arange(1.0, 13.0, dtype=np.float32).reshape(1, 4, 3),
        np.arange(1.0, 17.0, dtype=np.float32).reshape(4, 2, 2),
        None,
        {"group": 2},
        id="group-2-with-2-channels-per-group",
        marks=deviation("onnx.reference slices W by output channel", ValueError),
    ),
    pytest.param(
        np.arange(1.0, 7.0, dtype=np.float32).reshape(1, 2, 3),
        np.ones((2, 1, 1), np.float32),
        np.array([0.0, 10.0], np.float32),
        {"group": 2},
        id="group-2-bias",
        marks=deviation("onnx.reference adds B[0] in every group"),
    ),
    pytest.param(
        X3,
        np.ones((1, 1, 4), np.float32),
        None,
        {"output_shape": [3]},
        id="output_shape-with-notset",
        marks=deviation("onnx.reference takes pads = 0 with NOTSET and output_shape", ValueError),
    ),
    pytest.param(
        X3,
        np.ones((1, 1, 4), np.float32),
        None,
        {"output_shape": [3], "pads": [0, 3]},
        id="output_shape-with-pads",
        marks=deviation("onnx.reference uses pads, not the pads output_shape implies"),
    ),
    pytest.param(
        X3,
        np.ones((1, 1, 2), np.float32),
        None,
        {"dilations": [3], "output_padding": [2]},
        id="output_padding-above-stride-below-dilation",
        marks=deviation("onnx.reference's col2im rejects output_padding >= strides", ValueError),
    ),
    pytest.param(
        np.ones((0, 1, 3), np.float32),
        np.ones((1, 1, 2), np.float32),
        None,
        {},
        id="empty-batch",
        marks=deviation("onnx.reference fails on an empty batch", TypeError),
    ),
]


@pytest.mark.parametrize(("x", "w", "b", "attributes"), REFERENCE_DEVIATIONS)
def test_onnx_reference_deviation_reproducers(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attributes: dict[str, Any]
) -> None:
    np.testing.assert_array_equal(run_reference(x, w, b, attributes), ours(x, w, b, attributes))


def test_onnxruntime_same_upper_puts_the_odd_padding_at_the_end() -> None:
    """The case ONNX Runtime once got backwards: total padding 3, ``SAME_UPPER`` crops 1 then 2."""
    w = np.ones((1, 1, 4), np.float32)
    for auto_pad, expected in (("SAME_UPPER", [[[3, 6, 6]]]), ("SAME_LOWER", [[[6, 6, 5]]])):
        assert run_onnxruntime(X3, w, None, {"auto_pad": auto_pad}).tolist() == expected
        assert ours(X3, w, None, {"auto_pad": auto_pad}).tolist() == expected


def onnx_backend_test_cases() -> list[Any]:
    """The ``ConvTranspose`` node tests of the ONNX project (``onnx/backend/test/case/node/convtranspose.py``):
    the specification's own examples, with hand-written expected outputs."""
    from onnx.backend.test.case.node import convtranspose

    recorded: list[Any] = []

    def record(node: Any, inputs: list[np.ndarray], outputs: list[np.ndarray], name: str, **_: Any) -> None:
        recorded.append(pytest.param(node, inputs, outputs[0], id=name))

    original = convtranspose.expect
    convtranspose.expect = record
    try:
        for name in dir(convtranspose.ConvTranspose):
            if name.startswith("export"):
                getattr(convtranspose.ConvTranspose, name)()
    finally:
        convtranspose.expect = original
    return recorded


@pytest.mark.parametrize(("node", "inputs", "expected"), onnx_backend_test_cases())
def test_onnx_backend_test_vectors(node: Any, inputs: list[np.ndarray], expected: np.ndarray) -> None:
    """Exactly the ONNX project's expected outputs, ``output_shape`` beyond the full output included."""
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    attributes = {k: v.decode() if isinstance(v, bytes) else v for k, v in attributes.items()}
    np.testing.assert_array_equal(onnx_conv_transpose(*inputs, **attributes), expected)


# ----------------------------------------------------------------------------------------------
# Empty outputs (docs/input-rules.md, "Empty outputs"; docs/conventions.md, ONNX Runtime 5)
# ----------------------------------------------------------------------------------------------

EMPTY_OUTPUTS = [  # (X, W, B, attributes): the specification's formula gives a size of 0
    pytest.param(X3, np.ones((1, 1, 4), np.float32), None, {"pads": [3, 3]}, id="pads-crop-everything"),
    pytest.param(
        np.ones((2, 3, 1), np.float32),
        np.ones((3, 4, 2), np.float32),
        np.arange(4, dtype=np.float32),
        {"pads": [0, 2]},
        id="bias",
    ),
    pytest.param(np.ones((1, 2, 1), np.float64), np.ones((2, 3, 2)), None, {"pads": [1, 1]}, id="float64"),
    pytest.param(
        np.ones((1, 3, 1, 2), np.float32), np.ones((3, 4, 2, 2), np.float32), None, {"pads": [1, 0, 1, 0]}, id="2d"
    ),
    pytest.param(X3, np.ones((1, 1, 4), np.float32), None, {"output_shape": [0], "auto_pad": "SAME_UPPER"}, id="shape"),
]


@pytest.mark.parametrize(("x", "w", "b", "attributes"), EMPTY_OUTPUTS)
def test_onnx_reference_and_shape_inference_give_the_empty_output_we_give(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, attributes: dict[str, Any]
) -> None:
    """The specification's size is 0: ``onnx.shape_inference`` infers it and ``onnx.reference`` returns an empty
    array of that shape and dtype; so do we."""
    expected = run_reference(x, w, b, attributes)
    actual = ours(x, w, b, attributes)
    assert expected.size == 0
    assert (actual.shape, actual.dtype) == (expected.shape, expected.dtype)
    inferred = onnx.shape_inference.infer_shapes(model(x, w, b, attributes), strict_mode=True)
    dims = inferred.graph.output[0].type.tensor_type.shape.dim
    if "output_shape" not in attributes:  # onnx 1.23 infers no spatial size from an output_shape of 0
        assert tuple(d.dim_value for d in dims) == actual.shape


EMPTY_OUTPUT_DEVIATIONS = [
    pytest.param(
        X3,
        np.ones((1, 1, 4), np.float32),
        {"pads": [3, 3]},
        id="pads-crop-everything",
        marks=deviation("ONNX Runtime raises 'Computed output dimension is <= 0'", RuntimeInvalidArgument),
    ),
    pytest.param(
        X3,
        np.ones((1, 1, 4), np.float32),
        {"output_shape": [0]},
        id="output_shape-0",
        marks=deviation("ONNX Runtime raises 'Explicit output size must be positive'", RuntimeInvalidArgument),
    ),
]


@pytest.mark.parametrize(("x", "w", "attributes"), EMPTY_OUTPUT_DEVIATIONS)
def test_onnxruntime_empty_output_reproducers(x: np.ndarray, w: np.ndarray, attributes: dict[str, Any]) -> None:
    """docs/conventions.md, ONNX Runtime 5: the specification gives an empty output; ONNX Runtime refuses it."""
    expected = ours(x, w, None, attributes)
    assert expected.shape == (1, 1, 0)
    actual = run_onnxruntime(x, w, None, attributes)
    assert (actual.shape, actual.dtype) == (expected.shape, expected.dtype)


def test_pads_that_crop_more_than_the_full_output_are_refused_by_all() -> None:
    """A negative size: ``onnx.reference``, ONNX Runtime and we refuse it."""
    w, attributes = np.ones((1, 1, 4), np.float32), {"pads": [3, 4]}
    with pytest.raises(ValueError, match="negative dimensions are not allowed"):
        run_reference(X3, w, None, attributes)
    with pytest.raises(RuntimeInvalidArgument, match=r"Computed output dimension is <= 0"):
        run_onnxruntime(X3, w, None, attributes)
    with pytest.raises(ValueError, match=r"^pads must crop at most the whole full output"):
        ours(X3, w, None, attributes)
