"""Mixed precisions: half inputs, a float32 accumulator, rounding to the storage format at stated steps.

The PyTorch CPU model ('float16-col2im': each kernel tap's channel sum stored in float16, the taps
added in float16, then the bias) is verified against PyTorch itself in
tests/frameworks/test_torch_half.py; here it is proven on a simulation of that order, shown to need
each of its rounding steps, and shown to catch a kernel that accumulates in float16.
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

import numpy as np
import pytest

from tests.mutants import MUTANTS, habitat
from transposed_conv import conv_transpose
from transposed_conv.oracle import (
    PRECISIONS,
    Precision,
    _mixed,
    _step_errors,
    _torch_convention,
    assert_close,
    bound_fraction,
    dtype_precisions,
    storage_dtype,
)
from transposed_conv.testing import check_conv_transpose

STEP = 3 * 2.0**-12  # 1.5 half-ulps of float16 at 1: 1 + STEP rounds up to 1 + 2**-10


def tap_products(x: np.ndarray, weight: np.ndarray, **kwargs: Any) -> list[np.ndarray]:
    """Each kernel tap's sum over the input channels, in float64 (exact for float16 data)."""
    x64, w64 = x.astype(np.float64), weight.astype(np.float64)
    taps = []
    for tap in itertools.product(*map(range, weight.shape[2:])):
        single = np.zeros_like(w64)
        where: tuple[Any, ...] = (slice(None), slice(None), *tap)
        single[where] = w64[where]
        taps.append(conv_transpose(x64, single, **kwargs))
    return taps


def col2im_float16(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
    """PyTorch's CPU order, simulated: each tap's channel sum stored in float16, the taps added in float16 in kernel
    order, then the bias (a correct implementation of the 'float16-col2im' model)."""
    y: np.ndarray | None = None
    for q in tap_products(x, weight, **kwargs):
        stored = q.astype(np.float32).astype(np.float16)
        y = stored if y is None else (y.astype(np.float32) + stored.astype(np.float32)).astype(np.float16)
    assert y is not None
    if bias is not None:
        y = (y.astype(np.float32) + bias.astype(np.float32).reshape((-1,) + (1,) * (x.ndim - 2))).astype(np.float16)
    return y


def float16_accumulator(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
    """A half-precision kernel: every product stored in float16 and summed in float16, one at a time."""
    y: np.ndarray | None = None
    for c in range(x.shape[1]):
        for q in tap_products(x[:, c : c + 1], weight[c : c + 1], **kwargs):
            stored = q.astype(np.float16)
            y = stored if y is None else (y.astype(np.float32) + stored.astype(np.float32)).astype(np.float16)
    assert y is not None
    if bias is not None:
        y = (y.astype(np.float32) + bias.astype(np.float32).reshape((-1,) + (1,) * (x.ndim - 2))).astype(np.float16)
    return y


def test_our_float16_path_conforms_to_its_single_rounding() -> None:
    """conv_transpose on float16 accumulates in float32 and rounds once: the strict 'float16' model holds."""

    def ours(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
        return conv_transpose(x, weight, bias, **kwargs)

    report = check_conv_transpose(ours, examples=30, seed=0, dtypes=("float16",), precision="float16")
    assert report.examples == {"float16": 30}
    assert report.precisions["float16"].name == "float16"


def test_the_col2im_order_conforms_to_the_col2im_model() -> None:
    """A simulation of PyTorch's order stays within the default half model on drawn cases."""
    report = check_conv_transpose(col2im_float16, examples=30, seed=0, dtypes=("float16",), max_dims=2)
    assert report.examples == {"float16": 30}
    assert report.precisions["float16"] == PRECISIONS["float16-col2im"]


def test_a_float16_accumulator_fails_the_col2im_model_at_a_realistic_size() -> None:
    """A DCGAN-style upsampling layer (64 -> 16 channels, 4x4 kernel, stride 2, ReLU inputs, positive weights):
    summing the 256 products of an output in float16 exceeds the model; PyTorch's order does not."""
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_normal((1, 64, 8, 8)), 0).astype(np.float16)
    w = rng.uniform(0, 0.1, (64, 16, 4, 4)).astype(np.float16)
    b = rng.standard_normal(16).astype(np.float16)
    args: dict[str, Any] = {"stride": 2, "padding": 1}
    assert bound_fraction(col2im_float16(x, w, b, **args), x, w, b, **args, precision="float16-col2im").max() <= 1
    with pytest.raises(AssertionError, match="beyond the float16-col2im rounding bound"):
        assert_close(float16_accumulator(x, w, b, **args), x, w, b, **args, precision="float16-col2im")


def _shares(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, at: int) -> dict[str, float]:
    """Each share of the 'float16-col2im' bound at output element ``at`` (1-D, stride 1)."""
    p = PRECISIONS["float16-col2im"]
    compute = _torch_convention({})
    xs, ws = x.astype(np.float64), w.astype(np.float64)
    bs = None if b is None else b.astype(np.float64)
    expected = compute(xs, ws, bs)
    counts = compute(np.ones(x.shape, np.int64), np.ones(w.shape, np.int64), None).astype(np.float64)
    magnitude = compute(np.abs(xs), np.abs(ws), None if bs is None else np.abs(bs))
    mixed = _mixed(compute, xs, ws, bs, counts, magnitude, expected, p, {})
    shares = _step_errors(counts, magnitude, expected, p, None, mixed)
    return {step: float(share[0, 0, at]) for step, share in shares.items()}


ONE, SMALL = np.float16(1), np.float16(STEP)
NECESSARY = [
    # one product, 1 + 2**-9 + 2**-20, stored in float16: its rounding is the whole error
    pytest.param("tap sums", [[[1 + 2**-10]]], [[[1 + 2**-10]]], None, 0, id="tap-sums"),
    # output 4 receives five taps, 1 first, then four of 1.5 half-ulps: each float16 addition rounds up by 2**-12
    pytest.param("tap additions", [[[SMALL] * 4 + [ONE]]], [[[ONE] * 5]], None, 4, id="tap-additions"),
    # a small product stored exactly, then a bias of 1: the bias addition rounds
    pytest.param("bias", [[[SMALL]]], [[[ONE]]], [ONE], 0, id="bias"),
]


@pytest.mark.parametrize(("step", "x", "w", "b", "at"), NECESSARY)
def test_each_rounding_step_of_the_col2im_bound_is_necessary(step: str, x: Any, w: Any, b: Any, at: int) -> None:
    """Without its share of the bound, a correct col2im implementation fails on this case."""
    xa, wa = np.asarray(x, np.float16), np.asarray(w, np.float16)
    ba = None if b is None else np.asarray(b, np.float16)
    y = col2im_float16(xa, wa, ba)
    exact = conv_transpose(xa.astype(np.float64), wa.astype(np.float64), ba)
    error = abs(float(y[0, 0, at]) - float(exact[0, 0, at]))
    shares = _shares(xa, wa, ba, at)
    assert error <= sum(shares.values())  # within the bound
    assert error > sum(share for name, share in shares.items() if name != step)  # not without this step


def test_the_col2im_bound_covers_a_single_rounding() -> None:
    """One rounding of a float32 sum (oneDNN's bfloat16, our float16 path) is within the col2im model too."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 16, 9, 7)).astype(np.float16)
    w = rng.standard_normal((16, 4, 3, 3)).astype(np.float16)
    b = rng.standard_normal(4).astype(np.float16)
    y = conv_transpose(x, w, b, stride=2)
    col2im = bound_fraction(y, x, w, b, stride=2, precision="float16-col2im").max()
    assert col2im <= bound_fraction(y, x, w, b, stride=2, precision="float16").max() <= 1


@pytest.mark.parametrize(
    ("steps", "roundoff"),
    [
        pytest.param(("bias",), 2.0**-11, id="bias-alone"),
        pytest.param(("tap additions",), 2.0**-11, id="additions-without-sums"),
        pytest.param(("result", "bias"), 2.0**-11, id="result-then-bias"),
        pytest.param(("product sum", "tap sums"), 2.0**-11, id="two-sums"),
        pytest.param(("product sum",), 0.0, id="no-storage-roundoff"),
    ],
)
def test_bad_rounding_steps_are_refused(steps: tuple[str, ...], roundoff: float) -> None:
    with pytest.raises(ValueError, match=r"^rounded_after must be \(\) or \('result',\)"):
        Precision("mine", "float16", 0.0, 2.0**-24, roundoff, rounded_after=steps)


def test_a_custom_mixed_model_is_expressible_and_reproduced() -> None:
    """Round the product sum, then add the bias in float16: a Precision with rounded_after, named in the reproducer."""
    sum_then_bias = Precision(
        "sum-then-bias", "float16", 0.0, 2.0**-24, 2.0**-11, 2.0**-150, 2.0**-25, rounded_after=("product sum", "bias")
    )
    x, w, b = (np.array(a, np.float16) for a in ([[[SMALL]]], [[[ONE]]], [ONE]))
    y = np.array([[[1 + 2**-10]]], np.float16)  # 1 + STEP rounded once more, after the bias
    assert_close(y, x, w, b, precision=sum_then_bias)
    with pytest.raises(AssertionError, match="sum-then-bias") as failure:
        assert_close(y + np.float16(2**-9), x, w, b, precision=sum_then_bias)
    assert "Precision(" in failure.value.reproducer  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("dtypes", "precision", "message"),
    [
        pytest.param(
            ("float8",), None, "dtypes must contain only 'float64', 'float32', 'float16', 'bfloat16'", id="dtype"
        ),
        pytest.param(
            ("float64",), "float32", "precision 'float32' stores float32, so it cannot judge float64", id="storage"
        ),
        pytest.param(("float32",), {"float16": "float16"}, r"precision names dtypes that are not checked", id="key"),
        pytest.param(("float32",), "half", r"precision must be one of", id="name"),
    ],
)
def test_bad_kit_precisions_are_refused(dtypes: tuple[str, ...], precision: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_conv_transpose(conv_transpose, dtypes=dtypes, precision=precision)


def test_tap_counting_models_need_the_torch_layout() -> None:
    assert dtype_precisions(("float16",), pytorch_layout=False)["float16"].name == "float16"
    with pytest.raises(ValueError, match="counts kernel taps in PyTorch's layout"):
        dtype_precisions(("float16",), "float16-col2im", pytorch_layout=False)


def test_tf32_is_a_declared_compute_precision_for_float32() -> None:
    """TF32 inputs rounded to 10 mantissa bits in the kernel: passes 'tf32', fails 'float32'."""
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 8, 6)).astype(np.float32), rng.standard_normal((8, 3, 3)).astype(np.float32)
    tf32 = storage_dtype("float32").type

    def rounded(a: np.ndarray) -> np.ndarray:
        bits = a.view(np.uint32)
        return ((bits + np.uint32(0x1000)) & np.uint32(0xFFFFE000)).view(np.float32)

    y = conv_transpose(rounded(x), rounded(w)).astype(tf32)
    assert dtype_precisions(("float32",), "tf32")["float32"].input_roundoff == 2.0**-11
    assert_close(y, x, w, precision="tf32")
    with pytest.raises(AssertionError, match="float32 rounding bound"):
        assert_close(y, x, w, precision="float32")


def test_bfloat16_without_ml_dtypes_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)
    with pytest.raises(ImportError, match="pip install ml_dtypes"):
        storage_dtype("bfloat16")


# --- flush-to-zero: subnormals read and stored as zero (the "float32-ftz" and "float64-ftz" models) ------------------

FTZ = {"float64": "float64-ftz", "float32": "float32-ftz"}


def flushed(a: np.ndarray, below: float) -> np.ndarray:
    return np.where(np.abs(a) < below, np.zeros((), a.dtype), a)


def flush_to_zero(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
    """A DAZ/FTZ kernel: subnormal inputs read as zero, subnormal results stored as zero."""
    below = float(np.finfo(x.dtype).tiny)
    y = conv_transpose(
        flushed(x, below), flushed(weight, below), None if bias is None else flushed(bias, below), **kwargs
    )
    return flushed(y, below)


def test_a_flush_to_zero_kernel_conforms_to_the_ftz_models_only() -> None:
    check_conv_transpose(flush_to_zero, examples=40, seed=0, tiers=("special",), precision=FTZ)
    with pytest.raises(AssertionError, match="beyond the float32 rounding bound"):
        check_conv_transpose(flush_to_zero, examples=40, seed=0, tiers=("special",), dtypes=("float32",))


@pytest.mark.parametrize("name", ["nan_inputs_become_zero", "zero_inputs_skipped", "float64_computed_in_float32"])
def test_the_ftz_models_still_catch_the_other_bugs(name: str) -> None:
    """Flushing loosens nothing else: non-finite positions stay exact, finite ones keep the summation bound."""
    mutant = MUTANTS[name]
    with pytest.raises(AssertionError, match="ftz rounding bound"):
        check_conv_transpose(mutant, examples=40, seed=0, tiers=(habitat(name).tier,), precision=FTZ)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_subnormal_times_an_infinity_may_be_nan_under_ftz_only(dtype: str) -> None:
    """x = [smallest subnormal], w = [inf]: the definition gives inf; a DAZ kernel forms 0 * inf = NaN."""
    x = np.array([[[np.finfo(dtype).smallest_subnormal]]], dtype=dtype)
    w = np.array([[[np.inf]]], dtype=dtype)
    for got, default, ftz in (([[[np.inf]]], 0.0, 0.0), ([[[np.nan]]], np.inf, 0.0), ([[[-np.inf]]], np.inf, np.inf)):
        assert float(bound_fraction(got, x, w, precision=dtype).max()) == default
        assert float(bound_fraction(got, x, w, precision=FTZ[dtype]).max()) == ftz


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_ftz_bound_allows_exactly_what_a_flushed_factor_removes(dtype: str) -> None:
    """x = [s, 1] with s subnormal and w = [2**k, 1]: reading s as 0 removes s * 2**k, and the bound allows it plus
    (2n + 2) smallest normals -- no more."""
    info = np.finfo(dtype)
    s = float(info.smallest_subnormal) * 3
    x = np.array([[[s, 1.0]]], dtype=dtype)
    w = np.array([[[2.0**20, 1.0]]], dtype=dtype)
    removed = s * 2.0**20
    plain = bound_fraction(conv_transpose(x, w), x, w, precision=FTZ[dtype])
    assert float(plain.max()) <= 1
    at_zero = conv_transpose(np.array([[[0.0, 1.0]]], dtype=dtype), w)
    assert float(bound_fraction(at_zero, x, w, precision=FTZ[dtype]).max()) <= 1
    assert float(bound_fraction(at_zero, x, w, precision=dtype).max()) > 1
    wrong = conv_transpose(x, w).astype(np.float64)
    wrong[0, 0, 0] -= removed + 8 * float(info.tiny)  # more than a flushed factor and every flush could take away
    assert float(bound_fraction(wrong, x, w, precision=FTZ[dtype])[0, 0, 0]) > 1
