"""The reproducers' literals (``transposed_conv._literals``): they run as printed and rebuild the value exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from transposed_conv._literals import INLINE_ELEMENTS, Script
from transposed_conv.oracle import PRECISIONS, Precision

DTYPES = [
    np.float16,
    np.float32,
    np.float64,
    np.longdouble,
    np.int8,
    np.int64,
    np.uint8,
    np.uint64,
    np.bool_,
    np.complex64,
    np.dtype(">f4"),
    np.dtype(">i8"),
]


def run(script: Script) -> dict[str, Any]:
    """Execute the script as printed, in a fresh namespace."""
    namespace: dict[str, Any] = {}
    exec(script.text(), namespace)
    return namespace


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@given(st.sampled_from(DTYPES).flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0))))
def test_an_array_comes_back_bit_for_bit(a: np.ndarray) -> None:
    """Any values -- NaN, infinities, -0.0, subnormals, the extremes of every integer type -- in any shape,
    byte order and dtype come back with the same bits (a NaN's payload aside: NaNs are np.nan with their sign)."""
    script = Script()
    script.assign("a", a)
    rebuilt = run(script)["a"]
    if a.dtype.kind in "fc" and np.isnan(a).any():
        assert rebuilt.dtype == a.dtype and rebuilt.shape == a.shape
        np.testing.assert_array_equal(rebuilt, a)  # NaN == NaN here
        assert np.array_equal(np.signbit(rebuilt.real), np.signbit(a.real))
    else:
        assert same_bits(rebuilt, a), script.text()


@pytest.mark.parametrize("name", ["bfloat16", "float8_e4m3fn", "float8_e5m2", "int4"])
def test_ml_dtypes_arrays_are_imported_and_rebuilt(name: str) -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    dtype = np.dtype(getattr(ml_dtypes, name))
    values = [1, -2, 3, 0] if name == "int4" else [1.5, -0.0, float("nan"), float("-inf"), 2.0**-9]
    if name == "float8_e4m3fn":
        values = [1.5, -0.0, float("nan"), 448.0, 2.0**-9]  # no infinities in this format
    a = np.array(values, dtype=dtype).reshape(1, -1)
    script = Script()
    script.assign("a", a)
    script.assign("s", a[0, 0])
    assert "import ml_dtypes" in script.imports and f"dtype=ml_dtypes.{name}" in script.text()
    namespace = run(script)
    assert same_bits(namespace["a"], a)
    assert namespace["s"] == a[0, 0] and np.dtype(type(namespace["s"])) == dtype


def test_large_arrays_go_to_a_file_that_keeps_ml_dtypes() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    big = np.full(INLINE_ELEMENTS + 1, np.nan, dtype=ml_dtypes.bfloat16)
    small = np.array([2**64 - 1], dtype=np.uint64)
    script = Script()
    script.assign_arrays({"big": big, "small": small, "nothing": None})
    assert "np.load(" in script.text()
    namespace = run(script)
    assert same_bits(namespace["big"], big) and same_bits(namespace["small"], small) and namespace["nothing"] is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(float("nan"), id="nan"),
        pytest.param(-float("inf"), id="-inf"),
        pytest.param(-0.0, id="-0.0"),
        pytest.param(np.float32(0.1), id="float32-scalar"),
        pytest.param(np.float64(np.inf), id="float64-inf-scalar"),
        pytest.param(np.uint64(2**64 - 1), id="uint64-scalar"),
        pytest.param(2**100, id="big-int"),
        pytest.param((2,), id="one-tuple"),
        pytest.param([(0, 1), (2, -3)], id="pairs"),
        pytest.param({"stride": (1, 2), "padding": "same", "x": None, "flag": True}, id="dict"),
        pytest.param(np.dtype(np.float16), id="dtype"),
        pytest.param(complex(float("nan"), -0.0), id="complex"),
        pytest.param(Precision("mine", "float32", 0.0, 2.0**-20, underflow=2.0**-150), id="custom-precision"),
        pytest.param(PRECISIONS["bfloat16"], id="named-precision"),
    ],
)
def test_arguments_come_back_equal_with_their_types(value: Any) -> None:
    script = Script()
    script.assign("v", value)
    rebuilt = run(script)["v"]
    assert type(rebuilt) is type(value)
    assert repr(rebuilt) == repr(value)  # nan == nan and -0.0 != 0.0 in repr
    if isinstance(value, float):
        assert np.signbit(rebuilt) == np.signbit(value)
