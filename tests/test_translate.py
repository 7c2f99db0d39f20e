"""``transposed_conv.translate``: every pair of frameworks, on drawn calls of the source.

Two claims, each on calls drawn by the campaign's strategies (``tests/translate_campaign.py``, which runs
100 per pair and writes the table of ``docs/translate.md``):

* the translation's plan is exact: the snippet's ``run`` body, with the target's call computed by our own
  function of the target's convention on the target's arguments, gives the source's result bit for bit on
  integers -- no framework needed;
* the snippet runs on the real target and reproduces the source within the float32 rounding bound
  (``translate`` verifies it before returning; skipped where the target is not installed).
"""

from __future__ import annotations

import ast
import importlib.util
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.translate_campaign import source_calls
from transposed_conv import conv, conv_transpose, translate
from transposed_conv.conventions import jax_conv_transpose, keras_conv_transpose, onnx_conv_transpose, tf_conv_transpose
from transposed_conv.frameworks.tflite import tflite_conv_transpose
from transposed_conv.translate import FRAMEWORKS, SOURCES, Translation

NAMES = list(FRAMEWORKS)
PAIRS = [(source, target) for source in SOURCES for target in NAMES]


def _ours(target: str, arguments: dict[str, Any]) -> Any:
    """The target's call, ``call(x, weight, b)`` in our layouts, computed by our function of its convention."""

    def torch(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        names = ("stride", "padding", "output_padding", "groups", "dilation")
        return conv_transpose(x, w, b, **{name: arguments[name] for name in names})

    def onnx(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        return onnx_conv_transpose(x, w, b, **arguments)

    def jax(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        a = arguments
        if "feature_group_count" in a:  # conv_general_dilated: our forward conv of the zero-inserted, padded input
            rhs = w.reshape(a["weight_groups"]).transpose(a["weight_axes"]).reshape(a["rhs_shape"])
            rhs = np.flip(rhs, axis=tuple(a["flip"]))
            spatial = [(i - 1) * s + 1 for i, s in zip(x.shape[2:], a["lhs_dilation"])]
            dilated = np.zeros(x.shape[:2] + tuple(spatial), dtype=x.dtype)
            dilated[(slice(None), slice(None), *(slice(None, None, s) for s in a["lhs_dilation"]))] = x
            padded = np.pad(dilated, [(0, 0), (0, 0), *((max(lo, 0), max(hi, 0)) for lo, hi in a["padding"])])
            cut = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(a["padding"], padded.shape[2:]))
            return conv(padded[(slice(None), slice(None), *cut)], rhs, dilation=a["rhs_dilation"],
                        groups=a["feature_group_count"])  # fmt: skip
        return jax_conv_transpose(x, w, a["strides"], [tuple(p) for p in a["padding"]], a["rhs_dilation"],
                                  a["dimension_numbers"], a["transpose_kernel"])  # fmt: skip

    def tf(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        a = arguments
        y = tf_conv_transpose(np.transpose(x, a["input_axes"]), np.transpose(w, a["filters_axes"]), a["output_shape"],
                              a["strides"], a["padding"], dilations=a["dilations"])  # fmt: skip
        return np.moveaxis(y, -1, 1)

    def keras(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        a = arguments
        y = keras_conv_transpose(np.transpose(x, a["inputs_axes"]), np.transpose(w, a["kernel_axes"]), a["strides"],
                                 a["padding"], a["output_padding"], dilation_rate=a["dilation_rate"])  # fmt: skip
        return np.moveaxis(y, -1, 1)

    def tflite(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        a = arguments
        if a["unit_height"]:
            x, w = x[:, :, None], w[:, :, None]
        y = tflite_conv_transpose(np.transpose(x, a["input_axes"]), np.transpose(w, a["filter_axes"]),
                                  a["output_shape"], a["strides"], a["padding"], b)  # fmt: skip
        y = np.moveaxis(y, -1, 1)
        return y[:, :, 0] if a["unit_height"] else y

    def openvino(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        a = arguments
        assert w.size == np.prod(a["filters_shape"]) and a["auto_pad"] == "explicit"
        group = a["filters_shape"][0] if len(a["filters_shape"]) == x.ndim + 1 else 1
        return onnx_conv_transpose(
            x,
            w,
            b,
            strides=a["strides"],
            pads=a["pads_begin"] + a["pads_end"],
            dilations=a["dilations"],
            output_padding=a["output_padding"],
            group=group,
        )

    calls = {"torch": torch, "onnx": onnx, "jax": jax, "tf": tf, "keras": keras, "tflite": tflite, "openvino": openvino}
    return calls[target]


def _run_with_ours(translation: Translation) -> Any:
    """The snippet's ``run``, its target call replaced by :func:`_ours` (the module's imports are not run)."""
    assert translation.code is not None and translation.arguments is not None
    tree = ast.parse(translation.code)
    run = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "run")
    namespace: dict[str, Any] = {"np": np, "call": _ours(translation.target, translation.arguments)}
    exec(compile(ast.Module([run], type_ignores=[]), "<run>", "exec"), namespace)
    return namespace["run"]


@pytest.mark.parametrize("source", SOURCES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_translation_computes_the_source_window_exactly(source: str, data: Any) -> None:
    """For a drawn call of ``source`` and every target: the snippet's steps around the target's call (computed by our
    function of the target's convention) give the source's result exactly, on integers."""
    call = data.draw(source_calls(source), label="call")
    rng = np.random.default_rng(0)
    for target in NAMES:
        translation = translate(source, target, input_shape=call.input_shape, weight_shape=call.weight_shape,
                                verify=False, **call.arguments)  # fmt: skip
        reading = translation._reading
        assert reading is not None
        if not translation.expressible:
            assert translation.reason and translation.reason.startswith("cannot be expressed, because ")
            assert target == "tflite", translation.reason  # only TRANSPOSE_CONV lacks something no extra op adds
            continue
        x, weight = rng.integers(-9, 10, call.input_shape), rng.integers(-9, 10, call.weight_shape)
        bias = rng.integers(-9, 10, reading.out_channels)
        expected = reading.compute(x, weight, bias)
        got = _run_with_ours(translation)(x, weight, bias)
        assert got.shape == expected.shape and np.array_equal(got, expected), (target, translation.steps)


def _installed(target: str) -> bool:
    return all(importlib.util.find_spec(p) is not None for p in FRAMEWORKS[target].packages)


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_snippet_reproduces_the_source_on_the_real_target(source: str, target: str, data: Any) -> None:
    """``translate`` runs the snippet on the installed target and compares it with the oracle before returning."""
    if not _installed(target):
        pytest.skip(f"{target} is not installed")
    call = data.draw(source_calls(source), label="call")
    translation = translate(source, target, input_shape=call.input_shape, weight_shape=call.weight_shape,
                            **call.arguments)  # fmt: skip
    assert translation.verified if translation.expressible else translation.reason


def test_tf_targets_crop_after_valid_where_explicit_padding_meets_dilation() -> None:
    """TensorFlow's CPU kernels take explicit padding only without dilation: the translation computes 'VALID'."""
    t = translate("torch", "tf", input_shape=(1, 2, 4, 4), weight_shape=(2, 3, 3, 3), stride=2, padding=1,
                  dilation=2, verify=False)  # fmt: skip
    assert t.arguments is not None and t.arguments["padding"] == "VALID"
    assert [step["op"] for step in t.steps] == ["call", "crop", "add_bias"]


def test_openvino_targets_never_crop_the_whole_full_output_with_pads_begin() -> None:
    """OpenVINO returns the full output's first elements where pads_begin crops all of it: the translation crops."""
    t = translate("torch", "openvino", input_shape=(1, 3, 1), weight_shape=(3, 1, 1), stride=1, padding=1,
                  output_padding=2, groups=3, dilation=3, verify=False)  # fmt: skip
    assert t.arguments is not None and t.geometry["full"] == [1] and t.arguments["pads_begin"] == [0]
    assert [step["op"] for step in t.steps] == ["call", "crop"]


def test_the_campaign_tables_of_the_docs_cover_every_pair_and_none_failed() -> None:
    """docs/translate.md's generated tables: one row per pair, 100 calls each reproduced or refused with a reason."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "translate.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[0] in SOURCES and cells[1] in FRAMEWORKS and cells[2].isdigit():
            refused = sum(int(part.split(":")[0]) for part in cells[3].split("; ")) if cells[3] != "0" else 0
            rows[cells[0], cells[1]] = (int(cells[2]), refused, int(cells[4]))
    assert set(rows) == set(PAIRS)
    assert all(reproduced + refused == 100 and failed == 0 for reproduced, refused, failed in rows.values()), rows
    assert all(refused == 0 for (_, target), (_, refused, _) in rows.items() if target != "tflite")


def test_grouped_calls_go_to_jax_as_conv_general_dilated_with_feature_group_count() -> None:
    """JAX's conv_transpose has no groups; conv_general_dilated has, on a kernel regrouped per output block."""
    t = translate("torch", "jax", input_shape=(1, 4, 3, 3), weight_shape=(4, 3, 2, 3), stride=2, padding=1,
                  groups=2, verify=False)  # fmt: skip
    assert t.call == "jax.lax.conv_general_dilated" and t.arguments and t.arguments["feature_group_count"] == 2
    rng = np.random.default_rng(3)
    x, w, b = rng.integers(-9, 10, (1, 4, 3, 3)), rng.integers(-9, 10, (4, 3, 2, 3)), rng.integers(-9, 10, 6)
    assert np.array_equal(_run_with_ours(t)(x, w, b), conv_transpose(x, w, b, stride=2, padding=1, groups=2))


def test_an_nn_convtranspose_call_with_output_size_is_read_as_pytorch_reads_it() -> None:
    """``nn.ConvTranspose2d(...)(x, output_size=...)`` picks output_padding; the translation reads the same window."""
    t = translate("torch", "onnx", input_shape=(1, 2, 4, 4), weight_shape=(2, 3, 3, 3), stride=2, padding=1,
                  output_size=[8, 7], verify=False)  # fmt: skip
    assert t.geometry["window"] == [[1, 9], [1, 8]] and t.arguments is not None
    assert t.arguments["pads"] == [1, 1, 1, 1] and t.arguments["output_padding"] == [1, 0]
