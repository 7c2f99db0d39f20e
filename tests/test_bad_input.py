"""Bad arguments to every public function: the right exception, with a message that names the argument.

Modelled on hypothesis's ``tests/numpy/test_argument_validation.py``: one parametrized table of bad
calls with readable ids, each checked with ``pytest.raises(..., match=...)``.  ``docs/input-rules.md``
documents the same rules; the ``test_documented_*`` and ``test_every_*`` tests keep the two in step,
so that neither can drift.  Property tests then throw random, mostly invalid arguments at every
public function and check that nothing but a ``ValueError`` or ``TypeError`` that names a parameter
ever comes out, that every call that succeeds has the shape the shape functions predict, and that
the arrays passed in are never modified.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import numbers
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

import transposed_conv
from transposed_conv import (
    METHODS,
    conv,
    conv_output_shape,
    conv_transpose,
    conv_transpose_output_shape,
    convolve,
    output_padding_for,
    transposed_size_range,
)
from transposed_conv.strategies import conv_transpose_configs

RULES_DOC = Path(__file__).resolve().parent.parent / "docs" / "input-rules.md"

PUBLIC_FUNCTIONS: tuple[Callable[..., Any], ...] = (
    conv_transpose,
    conv,
    conv_output_shape,
    conv_transpose_output_shape,
    output_padding_for,
    transposed_size_range,
    convolve,
)
SHAPE_FUNCTIONS = (conv_output_shape, conv_transpose_output_shape, output_padding_for, transposed_size_range)


def ones(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    """A read-only array of ones: a function that wrote into its input would fail loudly."""
    array = np.ones(shape, dtype=dtype)
    array.setflags(write=False)
    return array


class Call:
    """A call to make later; its repr reads like the call, with arrays shown by shape and dtype."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func, self.args, self.kwargs = func, args, kwargs

    def __call__(self) -> Any:
        return self.func(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        def show(value: Any) -> str:
            if isinstance(value, np.ndarray):
                return f"<array {value.shape} {value.dtype}>"
            return repr(value)

        shown = [show(arg) for arg in self.args] + [f"{name}={show(value)}" for name, value in self.kwargs.items()]
        return f"{self.func.__name__}({', '.join(shown)})"


# Valid arguments for 1-, 2- and 3-D calls, which each bad call below breaks in one place.
X = {1: ones(1, 2, 5), 2: ones(1, 2, 4, 4), 3: ones(1, 2, 3, 3, 3)}  # (N, C_in=2, *spatial)
W_T = {1: ones(2, 3, 3), 2: ones(2, 3, 3, 3), 3: ones(2, 3, 2, 2, 2)}  # conv_transpose: (C_in=2, C_out/G=3, *k)
W_C = {1: ones(3, 2, 3), 2: ones(3, 2, 3, 3), 3: ones(3, 2, 2, 2, 2)}  # conv: (C_out=3, C_in/G=2, *k)


def baseline(func: Callable[..., Any], ndim: int, **overrides: Any) -> Call:
    """A valid ``ndim``-D call of ``func``, with ``overrides`` replacing some of its arguments."""
    if func is conv_transpose:
        arguments: dict[str, Any] = {"x": X[ndim], "weight": W_T[ndim]}
    elif func is conv:
        arguments = {"x": X[ndim], "weight": W_C[ndim]}
    elif func is convolve:
        arguments = {"a": ones(*(4,) * ndim), "kernel": ones(*(2,) * ndim)}
    else:
        arguments = {"input_shape": (5,) * ndim, "kernel_shape": (3,) * ndim}
        if func is output_padding_for:
            arguments["output_size"] = (7,) * ndim  # the only reachable size at stride 1
    arguments.update(overrides)
    return Call(func, **arguments)


class Rule(NamedTuple):
    """One bad value, tried on every public function that takes all the arguments it sets."""

    id: str
    arguments: Callable[[int], dict[str, Any]]  # ndim -> the arguments to replace
    error: type[Exception]
    match: str
    min_ndim: int
    max_ndim: int


def rule(
    id: str, error: type[Exception], match: str, *, min_ndim: int = 1, max_ndim: int = 3, **arguments: Any
) -> Rule:
    """``arguments`` values may be callables of ``ndim`` for values that depend on it."""

    def at(ndim: int) -> dict[str, Any]:
        return {name: value(ndim) if callable(value) else value for name, value in arguments.items()}

    return Rule(id, at, error, match, min_ndim, max_ndim)


INTS = r"(1 int|[2-9] ints)"  # singular for one spatial dimension
COUNT = rf"must be an int or a sequence of {INTS} \(one per spatial dimension\); got "
NOT_INT = rf"must be an int or a sequence of {INTS}; got "
PAD_FORMS = rf"padding must be an int, {INTS}, or (1 \(begin, end\) pair|[2-9] \(begin, end\) pairs)"
REAL = r"must be an array of real numbers"
RAGGED = r"must be a rectangular array of real numbers; NumPy says: "
MASKED = r"must not be a masked array \(its mask would be ignored\); pass "
BEYOND = r"must be at most 2147483647 in magnitude; got "
MAX_INT = 2**31 - 1  # the largest magnitude any int argument may have

SELF_REFERENCING: list[Any] = []
SELF_REFERENCING.append(SELF_REFERENCING)  # [[[...]]]: an error message must not recurse into it


def masked(array: np.ndarray) -> np.ndarray:
    """``array`` as a masked array with nothing masked: still refused, as its mask would be ignored."""
    return np.ma.masked_array(array, mask=np.zeros(array.shape, dtype=bool))


# Each rule is spread over every function that accepts its arguments, cycling through 1-, 2- and 3-D.
RULES = [
    rule("stride-zero", ValueError, r"^stride must be >= 1 in every dimension; got stride=\(0,", stride=0),
    rule(
        "stride-negative-entry",
        ValueError,
        r"^stride must be >= 1 in every dimension; got stride=\((1, )*-1,?\)$",
        stride=lambda nd: (1,) * (nd - 1) + (-1,),
    ),
    rule(
        "stride-too-many",
        ValueError,
        rf"^stride {COUNT}stride=\(1(, 1)*\) with \d+ entries",
        stride=lambda nd: (1,) * (nd + 1),
    ),
    rule("stride-float", TypeError, rf"^stride {NOT_INT}2\.0 of type float$", stride=2.0),
    rule("stride-bool", TypeError, rf"^stride {NOT_INT}True of type bool$", stride=True),
    rule("stride-str", TypeError, rf"^stride {NOT_INT}'2' of type str$", stride="2"),
    rule("stride-none", TypeError, rf"^stride {NOT_INT}None of type NoneType$", stride=None),
    rule("stride-array", TypeError, rf"^stride {NOT_INT}array\(", stride=lambda nd: np.full(nd, 2)),
    rule(
        "stride-float-entry",
        TypeError,
        r"^stride must contain only ints; got stride=\(.*\) with an entry of type float$",
        stride=lambda nd: (2.0,) * nd,
    ),
    rule(
        "stride-bool-entry",
        TypeError,
        r"^stride must contain only ints; .* with an entry of type bool$",
        stride=lambda nd: (1,) * (nd - 1) + (True,),
    ),
    rule("stride-bytes", TypeError, rf"^stride {NOT_INT}b'\\x02' of type bytes$", stride=b"\x02"),
    rule(
        "stride-bytearray",
        TypeError,
        rf"^stride {NOT_INT}bytearray\(b'\\x02'\) of type bytearray$",
        stride=bytearray(b"\x02"),
    ),
    rule(
        "stride-self-referencing-list",
        TypeError,
        r"^stride must contain only ints; got stride=\(\(\(\(\.\.\.\),\),\),\) with an entry of type list$",
        stride=SELF_REFERENCING,
        max_ndim=1,  # a list of one entry
    ),
    rule("stride-beyond-int32", ValueError, rf"^stride {BEYOND}stride=\(2147483648(, 2147483648)*,?\)$", stride=2**31),
    rule(
        "stride-beyond-int32-negative",
        ValueError,
        rf"^stride {BEYOND}stride=\((1, )*-2147483648,?\)$",
        stride=lambda nd: (1,) * (nd - 1) + (-(2**31),),
    ),
    rule(
        "stride-numpy-uint64-beyond-int64",
        ValueError,
        rf"^stride {BEYOND}stride=\(9223372036854775808",
        stride=np.uint64(2**63),
    ),
    rule("dilation-zero", ValueError, r"^dilation must be >= 1 in every dimension; got dilation=\(0", dilation=0),
    rule("dilation-negative", ValueError, r"^dilation must be >= 1 in every dimension; got dilation=\(-2", dilation=-2),
    rule("dilation-empty", ValueError, rf"^dilation {COUNT}dilation=\(\) with 0 entries$", dilation=()),
    rule("dilation-float", TypeError, rf"^dilation {NOT_INT}1\.5 of type float$", dilation=1.5),
    rule("dilation-numpy-float", TypeError, rf"^dilation {NOT_INT}.*of type float64$", dilation=np.float64(2)),
    rule(
        "dilation-nested-entry",
        TypeError,
        r"^dilation must contain only ints; .* with an entry of type tuple$",
        dilation=lambda nd: ((1, 1),) * nd,
    ),
    rule("dilation-bytes", TypeError, rf"^dilation {NOT_INT}b'\\x01' of type bytes$", dilation=b"\x01"),
    rule(
        "dilation-beyond-int64",
        ValueError,
        rf"^dilation {BEYOND}dilation=\(1180591620717411303424",
        dilation=lambda nd: (2**70,) * nd,
    ),
    rule("padding-negative", ValueError, r"^padding must be >= 0 on every side; got padding=\(\(-1, -1\)", padding=-1),
    rule(
        "padding-negative-end",
        ValueError,
        r"^padding must be >= 0 on every side; got padding=\((\(0, 0\), )*\(0, -2\),?\)$",
        padding=lambda nd: [(0, 0)] * (nd - 1) + [(0, -2)],
    ),
    rule(
        "padding-too-many",
        ValueError,
        rf"^{PAD_FORMS} \(one per spatial dimension\); got padding=.* with \d+ entries$",
        padding=lambda nd: (0,) * (nd + 1),
    ),
    rule(
        "padding-too-few-pairs",
        ValueError,
        rf"^{PAD_FORMS} \(one per spatial dimension\); got padding=\(\) with 0 entries$",
        padding=[],
    ),
    rule("padding-same", TypeError, rf"^{PAD_FORMS}; got 'same' of type str$", padding="same"),
    rule("padding-float", TypeError, rf"^{PAD_FORMS}; got 1\.0 of type float$", padding=1.0),
    rule("padding-bool", TypeError, rf"^{PAD_FORMS}; got True of type bool$", padding=True),
    rule("padding-none", TypeError, rf"^{PAD_FORMS}; got None of type NoneType$", padding=None),
    rule("padding-bytes", TypeError, rf"^{PAD_FORMS}; got b'\\x01' of type bytes$", padding=b"\x01"),
    rule(
        "padding-bytes-pair",
        TypeError,
        rf"^{PAD_FORMS}; got padding=\(b'\\x01\\x01'",
        padding=lambda nd: [b"\x01\x01"] * nd,
    ),
    rule(
        "padding-long-pair",
        ValueError,
        r"^padding pairs must have exactly 2 entries, \(begin, end\); got padding=\(\(1, 2, 3\),",
        padding=lambda nd: [(1, 2, 3)] * nd,
    ),
    rule(
        "padding-short-pair",
        ValueError,
        r"^padding pairs must have exactly 2 entries, \(begin, end\); got padding=\((\(0, 0\), )*\(1,\),?\)$",
        padding=lambda nd: [(0, 0)] * (nd - 1) + [(1,)],
    ),
    rule(
        "padding-empty-pair",
        ValueError,
        r"^padding pairs must have exactly 2 entries, \(begin, end\); got padding=\(\(\),",
        padding=lambda nd: [()] * nd,
    ),
    rule(
        "padding-self-referencing-list",
        ValueError,
        r"^padding pairs must have exactly 2 entries, \(begin, end\); got padding=\(\(\(\(\.\.\.\),\),\),\)$",
        padding=SELF_REFERENCING,
        max_ndim=1,  # a list of one entry
    ),
    rule("padding-beyond-int32", ValueError, rf"^padding {BEYOND}padding=", padding=2**31),
    rule(
        "padding-mixed",
        TypeError,
        rf"^{PAD_FORMS}; got padding=\((\(1, 1\), )*1,?\)$",
        padding=lambda nd: [(1, 1)] * (nd - 1) + [1],
        min_ndim=2,  # a mix needs two entries
    ),
    rule(
        "padding-float-in-pair",
        TypeError,
        r"^padding must contain only ints; got padding=\(\(0, 1\.5\)",
        padding=lambda nd: [(0, 1.5)] * nd,
    ),
    rule(
        "output_padding-negative",
        ValueError,
        r"^output_padding must be >= 0 in every dimension; got output_padding=\(-1",
        output_padding=-1,
    ),
    rule(
        "output_padding-not-below-stride",
        ValueError,
        r"^output_padding must be smaller than stride or dilation in every dimension; "
        r"got output_padding=\(2(, 2)*,?\), stride=\(2(, 2)*,?\), dilation=\(1(, 1)*,?\)$",
        stride=2,
        output_padding=2,
    ),
    rule(
        "output_padding-not-below-dilation",
        ValueError,
        r"^output_padding must be smaller than stride or dilation in every dimension; got output_padding=\(3",
        stride=2,
        dilation=3,
        output_padding=3,
    ),
    rule(
        "output_padding-at-stride-1",
        ValueError,
        r"^output_padding must be smaller than stride or dilation in every dimension",
        output_padding=1,
    ),
    rule(
        "output_padding-too-few",
        ValueError,
        rf"^output_padding {COUNT}output_padding=\(\) with 0 entries$",
        output_padding=(),
    ),
    rule("output_padding-float", TypeError, rf"^output_padding {NOT_INT}0\.0 of type float$", output_padding=0.0),
    rule("output_padding-none", TypeError, rf"^output_padding {NOT_INT}None of type NoneType$", output_padding=None),
    rule(
        "output_padding-bool-entry",
        TypeError,
        r"^output_padding must contain only ints; .* with an entry of type bool$",
        output_padding=lambda nd: (False,) * nd,
    ),
    rule(
        "output_padding-bytearray",
        TypeError,
        rf"^output_padding {NOT_INT}bytearray\(b'\\x00'\) of type bytearray$",
        output_padding=bytearray(1),
    ),
    rule(
        "output_padding-beyond-int32",
        ValueError,
        rf"^output_padding {BEYOND}output_padding=\(2147483648(, 2147483648)*,?\)$",
        stride=2,
        output_padding=2**31,
    ),
    rule("groups-zero", ValueError, r"^groups must be >= 1; got groups=0$", groups=0),
    rule("groups-negative", ValueError, r"^groups must be >= 1; got groups=-1$", groups=-1),
    rule("groups-float", TypeError, r"^groups must be an int; got 1\.0 of type float$", groups=1.0),
    rule("groups-bool", TypeError, r"^groups must be an int; got True of type bool$", groups=True),
    rule("groups-none", TypeError, r"^groups must be an int; got None of type NoneType$", groups=None),
    rule("groups-tuple", TypeError, r"^groups must be an int; got \(1,\) of type tuple$", groups=(1,)),
    rule("groups-bytes", TypeError, r"^groups must be an int; got b'\\x01' of type bytes$", groups=b"\x01"),
    rule("groups-beyond-int32", ValueError, rf"^groups {BEYOND}groups=", groups=2**31),
    rule("groups-beyond-int32-negative", ValueError, rf"^groups {BEYOND}groups=", groups=-(2**40)),
    rule(
        "output_size-zero",
        ValueError,
        r"^output_size must be >= 1 in every dimension; got output_size=\(0",
        output_size=0,
    ),
    rule(
        "output_size-negative-entry",
        ValueError,
        r"^output_size must be >= 1 in every dimension; got output_size=\(.*-7,?\)$",
        output_size=lambda nd: (7,) * (nd - 1) + (-7,),
    ),
    rule("output_size-empty", ValueError, rf"^output_size {COUNT}output_size=\(\) with 0 entries$", output_size=()),
    rule("output_size-float", TypeError, rf"^output_size {NOT_INT}7\.0 of type float$", output_size=7.0),
    rule("output_size-str", TypeError, rf"^output_size {NOT_INT}'7' of type str$", output_size="7"),
    rule("output_size-bool", TypeError, rf"^output_size {NOT_INT}True of type bool$", output_size=True),
    rule(
        "output_size-float-entry",
        TypeError,
        r"^output_size must contain only ints; got output_size=\(7\.0",
        output_size=lambda nd: (7.0,) * nd,
    ),
    rule("output_size-bytes", TypeError, rf"^output_size {NOT_INT}b'\\x07' of type bytes$", output_size=b"\x07"),
    rule(
        "output_size-beyond-int32",
        ValueError,
        rf"^output_size {BEYOND}output_size=\(2147483648(, 2147483648)*,?\)$",
        output_size=2**31,
    ),
    rule(
        "output_size-self-referencing-list",
        TypeError,
        r"^output_size must contain only ints; got output_size=\(\(\(\(\.\.\.\),\),\),\) with an entry of type list$",
        output_size=SELF_REFERENCING,
        max_ndim=1,  # a list of one entry
    ),
    rule(
        "output_size-unreachable",
        ValueError,
        r"^requested an output_size of \(20(, 20)*,?\), but valid sizes range from \(\d+.*\) to \(\d+.*\) "
        r"\(for an input of \(\d(, \d)*,?\), kernel \(\d(, \d)*,?\), stride=\(1(, 1)*,?\), "
        r"padding=\(\(0, 0\)(, \(0, 0\))*,?\), dilation=\(1(, 1)*,?\)\)$",
        output_size=lambda nd: (20,) * nd,
    ),
    rule("method-unknown", ValueError, r"^method must be one of \['auto', .*\]; got method='gemm'$", method="gemm"),
    rule(
        "method-wrong-case", ValueError, r"^method must be one of .*'direct'.*; got method='Direct'$", method="Direct"
    ),
    rule("method-none", TypeError, r"^method must be a str, one of \['auto', .*'winograd'\]; got None$", method=None),
    rule("method-bytes", TypeError, r"^method must be a str, one of \['auto', .*\]; got b'auto'$", method=b"auto"),
    rule(
        "x-bool",
        TypeError,
        rf"^x {REAL} \(integer or floating dtype\); got dtype bool$",
        x=lambda nd: ones(*X[nd].shape, dtype=bool),
    ),
    rule(
        "x-complex", TypeError, rf"^x {REAL} .*; got dtype complex128$", x=lambda nd: ones(*X[nd].shape, dtype=complex)
    ),
    rule("x-object", TypeError, rf"^x {REAL} .*; got dtype object$", x=lambda nd: ones(*X[nd].shape, dtype=object)),
    rule("x-unicode", TypeError, rf"^x {REAL} .*; got dtype <U1$", x=lambda nd: np.full(X[nd].shape, "1")),
    rule("x-datetime", TypeError, rf"^x {REAL} .*; got dtype datetime64", x=lambda nd: np.zeros(X[nd].shape, "M8[s]")),
    rule("x-str", TypeError, rf"^x {REAL}; got a str$", x="1 2 3"),
    rule("x-none", TypeError, rf"^x {REAL} .*; got dtype object$", x=None),
    rule("x-bytes", TypeError, rf"^x {REAL}; got a bytes$", x=b"\x01\x02"),
    rule("x-ragged-list", ValueError, rf"^x {RAGGED}setting an array element with a sequence", x=[[[1.0, 2.0], [3.0]]]),
    rule("x-self-referencing-list", ValueError, rf"^x {RAGGED}", x=SELF_REFERENCING),
    rule("x-masked", TypeError, rf"^x {MASKED}x\.filled\(0\)$", x=lambda nd: masked(X[nd])),
    rule(
        "x-one-axis-too-many",
        ValueError,
        r"^x must have shape \(N, C_in, \*spatial\) or \(C_in, \*spatial\) with \d spatial dimension\(s\) "
        r"to match weight\.shape=.*; got x\.shape=\(1, 2, .*, 1\)$",
        x=lambda nd: ones(*X[nd].shape, 1),
    ),
    rule(
        "x-scalar",
        ValueError,
        r"^x must have shape \(N, C_in, \*spatial\) or \(C_in, \*spatial\) .*; got x\.shape=\(\)$",
        x=3.0,
    ),
    rule(
        "x-empty-spatial-axis",
        ValueError,
        r"^x must have at least one channel and one element per spatial dimension; got x\.shape=\(1, 2, (\d, )*0\)$",
        x=lambda nd: ones(*X[nd].shape[:-1], 0),
    ),
    rule(
        "x-zero-channels",
        ValueError,
        r"^x must have at least one channel and one element per spatial dimension; got x\.shape=\(1, 0,",
        x=lambda nd: ones(1, 0, *X[nd].shape[2:]),
    ),
    rule(
        "x-unbatched-zero-channels",
        ValueError,
        r"^x must have at least one channel .*; got x\.shape=\(0, ",
        x=lambda nd: ones(0, *X[nd].shape[2:]),
    ),
    rule(
        "weight-complex",
        TypeError,
        rf"^weight {REAL} .*; got dtype complex128$",
        weight=lambda nd: ones(2, 2, *(2,) * nd, dtype=complex),
    ),
    rule(
        "weight-bool",
        TypeError,
        rf"^weight {REAL} .*; got dtype bool$",
        weight=lambda nd: ones(2, 2, *(2,) * nd, dtype=bool),
    ),
    rule("weight-nested-lists-of-str", TypeError, rf"^weight {REAL} .*; got dtype <U", weight=[[["a"]]]),
    rule("weight-ragged-list", ValueError, rf"^weight {RAGGED}", weight=[[[1.0, 1.0]], [[1.0]]]),
    rule("weight-masked", TypeError, rf"^weight {MASKED}weight\.filled\(0\)$", weight=lambda nd: masked(W_C[nd])),
    rule(
        "weight-no-kernel-axis",
        ValueError,
        r"^weight must have shape \(channels, channels, \*kernel\) with at least one spatial dimension; "
        r"got weight\.shape=\(2, 3\)$",
        weight=ones(2, 3),
    ),
    rule(
        "weight-1d",
        ValueError,
        r"^weight must have shape \(channels, channels, \*kernel\) .*weight\.shape=\(3,\)$",
        weight=ones(3),
    ),
    rule(
        "weight-empty-kernel-axis",
        ValueError,
        r"^weight must have no empty axis; got weight\.shape=\(2, 2, (\d, )*0\)$",
        weight=lambda nd: ones(2, 2, *(2,) * (nd - 1), 0),
    ),
    rule(
        "weight-empty-channel-axis",
        ValueError,
        r"^weight must have no empty axis; got weight\.shape=\(2, 0, ",
        weight=lambda nd: ones(2, 0, *(2,) * nd),
    ),
    rule("bias-bool", TypeError, rf"^bias {REAL} .*; got dtype bool$", bias=ones(3, dtype=bool)),
    rule("bias-complex", TypeError, rf"^bias {REAL} .*; got dtype complex128$", bias=ones(3, dtype=complex)),
    rule("bias-str", TypeError, rf"^bias {REAL}; got a str$", bias="0"),
    rule("bias-ragged-list", ValueError, rf"^bias {RAGGED}", bias=[[0.0], [0.0, 1.0], 0.0]),
    rule("bias-masked", TypeError, rf"^bias {MASKED}bias\.filled\(0\)$", bias=masked(ones(3))),
    rule(
        "bias-too-short",
        ValueError,
        r"^bias must have shape \(C_out,\) = \(3,\); got bias\.shape=\(2,\)$",
        bias=ones(2),
    ),
    rule("bias-scalar", ValueError, r"^bias must have shape \(C_out,\) = \(3,\); got bias\.shape=\(\)$", bias=0.0),
    rule(
        "bias-column",
        ValueError,
        r"^bias must have shape \(C_out,\) = \(3,\); got bias\.shape=\(3, 1\)$",
        bias=ones(3, 1),
    ),
    rule(
        "input_shape-zero",
        ValueError,
        r"^input_shape must be >= 1 in every dimension; got input_shape=\((5, )*0,?\)$",
        input_shape=lambda nd: (5,) * (nd - 1) + (0,),
    ),
    rule(
        "input_shape-negative",
        ValueError,
        r"^input_shape must be >= 1 in every dimension",
        input_shape=lambda nd: (-5,) * nd,
    ),
    rule(
        "input_shape-empty",
        ValueError,
        r"^input_shape must have at least one entry \(one per spatial dimension\); got input_shape=\(\)$",
        input_shape=(),
    ),
    rule(
        "input_shape-empty-list",
        ValueError,
        r"^input_shape must have at least one entry \(one per spatial dimension\); got input_shape=\(\)$",
        input_shape=[],
    ),
    rule(
        "input_shape-bytes",
        TypeError,
        r"^input_shape must be an int or a non-empty sequence of ints; got b'\\x05'$",
        input_shape=b"\x05",
    ),
    rule(
        "input_shape-beyond-int32",
        ValueError,
        rf"^input_shape {BEYOND}input_shape=\((5, )*2147483648,?\)$",
        input_shape=lambda nd: (5,) * (nd - 1) + (2**31,),
    ),
    rule(
        "input_shape-float",
        TypeError,
        r"^input_shape must be an int or a non-empty sequence of ints; got 5\.0$",
        input_shape=5.0,
    ),
    rule(
        "input_shape-bool",
        TypeError,
        r"^input_shape must be an int or a non-empty sequence of ints; got True$",
        input_shape=True,
    ),
    rule(
        "input_shape-str",
        TypeError,
        r"^input_shape must be an int or a non-empty sequence of ints; got '5'$",
        input_shape="5",
    ),
    rule(
        "input_shape-array",
        TypeError,
        r"^input_shape must be an int or a non-empty sequence of ints; got array\(",
        input_shape=lambda nd: np.full(nd, 5),
    ),
    rule(
        "input_shape-float-entry",
        TypeError,
        r"^input_shape must contain only ints; got input_shape=\(.*5\.0,?\) with an entry of type float$",
        input_shape=lambda nd: (5,) * (nd - 1) + (5.0,),
    ),
    rule(
        "kernel_shape-zero",
        ValueError,
        r"^kernel_shape must be >= 1 in every dimension; got kernel_shape=\(0",
        kernel_shape=lambda nd: (0,) * nd,
    ),
    rule(
        "kernel_shape-empty",
        ValueError,
        r"^kernel_shape must have at least one entry \(one per spatial dimension\); got kernel_shape=\(\)$",
        kernel_shape=(),
    ),
    rule(
        "kernel_shape-bytearray",
        TypeError,
        r"^kernel_shape must be an int or a non-empty sequence of ints; got bytearray\(b'\\x03'\)$",
        kernel_shape=bytearray(b"\x03"),
    ),
    rule(
        "kernel_shape-numpy-int-beyond-int32",
        ValueError,
        rf"^kernel_shape {BEYOND}kernel_shape=\(1099511627776(, 1099511627776)*,?\)$",
        kernel_shape=lambda nd: (np.int64(2**40),) * nd,
    ),
    rule(
        "kernel_shape-none",
        TypeError,
        r"^kernel_shape must be an int or a non-empty sequence of ints; got None$",
        kernel_shape=None,
    ),
    rule(
        "kernel_shape-bool-entry",
        TypeError,
        r"^kernel_shape must contain only ints; .* with an entry of type bool$",
        kernel_shape=lambda nd: (3,) * (nd - 1) + (False,),
    ),
    rule(
        "shapes-one-dimension-too-many",
        ValueError,
        r"^input_shape and kernel_shape must have one entry per spatial dimension each; "
        r"got input_shape=\(5(, 5)*\) and kernel_shape=\(3(, 3)*,?\)$",
        input_shape=lambda nd: (5,) * (nd + 1),
    ),
    rule(
        "shapes-int-kernel-for-2d",
        ValueError,
        r"^input_shape and kernel_shape must have one entry per spatial dimension each; got .*kernel_shape=\(3,\)$",
        input_shape=(5, 5),
        kernel_shape=3,
    ),
    rule("a-bool", TypeError, rf"^a {REAL} .*; got dtype bool$", a=lambda nd: ones(*(3,) * nd, dtype=bool)),
    rule("a-complex", TypeError, rf"^a {REAL} .*; got dtype complex128$", a=lambda nd: ones(*(3,) * nd, dtype=complex)),
    rule("a-str", TypeError, rf"^a {REAL}; got a str$", a="123"),
    rule("a-ragged-list", ValueError, rf"^a {RAGGED}setting an array element with a sequence", a=[[1, 2], [3]]),
    rule("a-self-referencing-list", ValueError, rf"^a {RAGGED}", a=SELF_REFERENCING),
    rule("a-masked", TypeError, rf"^a {MASKED}a\.filled\(0\)$", a=lambda nd: masked(ones(*(4,) * nd))),
    rule("kernel-ragged-list", ValueError, rf"^kernel {RAGGED}", kernel=[[1], [1, 1]]),
    rule(
        "kernel-masked", TypeError, rf"^kernel {MASKED}kernel\.filled\(0\)$", kernel=lambda nd: masked(ones(*(2,) * nd))
    ),
    rule(
        "kernel-object",
        TypeError,
        rf"^kernel {REAL} .*; got dtype object$",
        kernel=lambda nd: ones(*(2,) * nd, dtype=object),
    ),
    rule("kernel-unicode", TypeError, rf"^kernel {REAL} .*; got dtype <U1$", kernel=lambda nd: np.full((2,) * nd, "1")),
    rule(
        "kernel-one-axis-too-many",
        ValueError,
        r"^a and kernel must have the same number \(>= 1\) of dimensions; "
        r"got a\.shape=\(4.*\) and kernel\.shape=\(2, .*1\)$",
        kernel=lambda nd: ones(*(2,) * nd, 1),
    ),
    rule(
        "a-and-kernel-scalars",
        ValueError,
        r"^a and kernel must have the same number \(>= 1\) of dimensions; got a\.shape=\(\) and kernel\.shape=\(\)$",
        a=1.0,
        kernel=2.0,
    ),
    rule(
        "a-empty",
        ValueError,
        r"^a and kernel must be non-empty; got a\.shape=\((\d, )*0,?\), kernel\.shape=",
        a=lambda nd: ones(*(4,) * (nd - 1), 0),
    ),
    rule(
        "kernel-empty",
        ValueError,
        r"^a and kernel must be non-empty; got a\.shape=.*, kernel\.shape=\(0",
        kernel=lambda nd: ones(0, *(2,) * (nd - 1)),
    ),
    rule(
        "mode-unknown",
        ValueError,
        r"^mode must be one of \['full', 'same', 'valid'\]; got mode='circular'$",
        mode="circular",
    ),
    rule(
        "mode-wrong-case",
        ValueError,
        r"^mode must be one of \['full', 'same', 'valid'\]; got mode='FULL'$",
        mode="FULL",
    ),
    rule("mode-none", TypeError, r"^mode must be a str, one of \['full', 'same', 'valid'\]; got None$", mode=None),
    rule("mode-int", TypeError, r"^mode must be a str, one of \['full', 'same', 'valid'\]; got 0$", mode=0),
    rule(
        "mode-bytes", TypeError, r"^mode must be a str, one of \['full', 'same', 'valid'\]; got b'full'$", mode=b"full"
    ),
]


def spread(rules: list[Rule]) -> Iterator[Any]:
    """Each rule as a case for every public function that takes all of its arguments."""
    for number, bad in enumerate(rules):
        takers = [f for f in PUBLIC_FUNCTIONS if set(bad.arguments(1)) <= set(inspect.signature(f).parameters)]
        assert takers, f"rule {bad.id} applies to no public function"
        for offset, func in enumerate(takers):
            ndim = min(max(1 + (number + offset) % 3, bad.min_ndim), bad.max_ndim)
            call = baseline(func, ndim, **bad.arguments(ndim))
            yield pytest.param(call, bad.error, bad.match, id=f"{bad.id}-{func.__name__}-{ndim}d")


def xfail(raises: type[BaseException], reason: str) -> pytest.MarkDecorator:
    """A known package bug: the case must keep failing, in this way, until the bug is fixed."""
    return pytest.mark.xfail(strict=True, raises=raises, reason=reason)


DID_NOT_RAISE = pytest.fail.Exception

# Calls that need more than one changed argument, and the package's known bugs.
SPECIFIC_CALLS = [
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], groups=4),
        ValueError,
        r"^groups must divide both the input and the output channel counts; "
        r"got groups=4, C_in=2, C_out=12 \(weight\.shape=\(2, 3, 3\)\)$",
        id="groups-not-dividing-C_in-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, ones(1, 3, 3, 3, 3), ones(3, 1, 2, 2, 2), groups=2),
        ValueError,
        r"^groups must divide both the input and the output channel counts; got groups=2, C_in=3, C_out=2",
        id="groups-not-dividing-C_in-conv_transpose-3d",
    ),
    pytest.param(
        Call(conv, ones(1, 4, 5, 5), ones(3, 2, 3, 3), groups=2),
        ValueError,
        r"^groups must divide both the input and the output channel counts; got groups=2, C_in=4, C_out=3",
        id="groups-not-dividing-C_out-conv-2d",
    ),
    pytest.param(
        Call(conv, ones(1, 6, 5), ones(4, 2, 3), groups=3),
        ValueError,
        r"^groups must divide both .*; got groups=3, C_in=6, C_out=4 ",
        id="groups-not-dividing-C_out-conv-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], ones(3, 3, 3, 3)),
        ValueError,
        r"^weight must have shape \(C_in, C_out/groups, \*kernel\) with C_in equal to the input channels; "
        r"got x\.shape=\(1, 2, 4, 4\) \(C_in=2\) and weight\.shape=\(3, 3, 3, 3\)$",
        id="weight-C_in-mismatch-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, ones(2, 5), W_C[1]),
        ValueError,
        r"^weight must have shape \(C_in, C_out/groups, \*kernel\) with C_in equal to the input channels; "
        r"got x\.shape=\(2, 5\) \(C_in=2\) and weight\.shape=\(3, 2, 3\)$",
        id="weight-in-conv-layout-conv_transpose-unbatched-1d",
    ),
    pytest.param(
        Call(conv, X[3], ones(3, 3, 2, 2, 2)),
        ValueError,
        r"^weight must have shape \(C_out, C_in/groups, \*kernel\); got x\.shape=\(1, 2, 3, 3, 3\) \(C_in=2\), "
        r"weight\.shape=\(3, 3, 2, 2, 2\) and groups=1, but 3 \* 1 != 2$",
        id="weight-C_in-mismatch-conv-3d",
    ),
    pytest.param(
        Call(conv, X[1], W_C[1], groups=2),
        ValueError,
        r"^weight must have shape \(C_out, C_in/groups, \*kernel\); .*groups=2, but 2 \* 2 != 2$",
        id="weight-C_in-over-groups-mismatch-conv-1d",
    ),
    pytest.param(
        Call(conv_transpose, ones(1, 2, 5), ones(2, 3, 3), ones(3), groups=2),
        ValueError,
        r"^bias must have shape \(C_out,\) = \(6,\); got bias\.shape=\(3,\)$",
        id="bias-not-times-groups-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], padding=4),
        ValueError,
        r"^the output size must be at least 1 in every dimension; with input \(5,\), kernel \(3,\), stride=\(1,\), "
        r"padding=\(\(4, 4\),\), output_padding=\(0,\), dilation=\(1,\) the formula .* gives \(-1,\)$",
        id="output-empty-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[3], W_T[3], padding=[(0, 0), (0, 0), (2, 3)]),
        ValueError,
        r"^the output size must be at least 1 in every dimension; .* gives \(4, 4, -1\)$",
        id="output-empty-asymmetric-conv_transpose-3d",
    ),
    pytest.param(
        Call(conv, X[1], ones(3, 2, 9)),
        ValueError,
        r"^the padded input must be at least as large as the dilated kernel in every dimension; "
        r"with input \(5,\), kernel \(9,\), padding=\(\(0, 0\),\) and dilation=\(1,\) the output would be \(-3,\)$",
        id="output-empty-conv-1d",
    ),
    pytest.param(
        Call(conv, X[2], W_C[2], dilation=(1, 2)),
        ValueError,
        r"^the padded input must be at least as large as the dilated kernel in every dimension; .*\(2, 0\)$",
        id="output-empty-dilated-conv-2d",
    ),
    pytest.param(
        Call(conv_output_shape, (3, 3, 3), (2, 2, 4), padding=0),
        ValueError,
        r"^the padded input must be at least as large as the dilated kernel in every dimension "
        r"\(input \+ padding >= dilation\*\(kernel - 1\) \+ 1\); .* an output of \(2, 2, 0\)$",
        id="output-empty-conv_output_shape-3d",
    ),
    pytest.param(
        Call(conv_transpose_output_shape, (1, 2), (1, 1), padding=[(0, 0), (1, 1)]),
        ValueError,
        r"^the transposed convolution output must be at least 1 in every dimension .* an output of \(1, 0\)$",
        id="output-empty-conv_transpose_output_shape-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=2, output_padding=1, output_size=(10, 10)),
        ValueError,
        r"^give output_padding or output_size, not both; got output_padding=\(1, 1\) and output_size=\(10, 10\)$",
        id="output_padding-with-output_size-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=2, output_padding=[0, 1], output_size=(1, 3, 10, 10)),
        ValueError,
        r"^give output_padding or output_size, not both; got output_padding=\(0, 1\) and output_size=\(1, 3, 10, 10\)$",
        id="output_padding-one-entry-with-whole-output_size-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_padding=5, output_size=(12,)),
        ValueError,
        r"^give output_padding or output_size, not both; got output_padding=\(5,\)",
        id="output_padding-too-large-with-output_size-conv_transpose-1d",
    ),
    # With output_size, output_padding is still checked by its own rules first.
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_padding="1", output_size=(12,)),
        TypeError,
        rf"^output_padding {NOT_INT}'1' of type str$",
        id="output_padding-str-with-output_size-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=2, output_padding=None, output_size=(10, 10)),
        TypeError,
        rf"^output_padding {NOT_INT}None of type NoneType$",
        id="output_padding-none-with-output_size-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[3], W_T[3], stride=2, output_padding=True, output_size=(6, 6, 6)),
        TypeError,
        rf"^output_padding {NOT_INT}True of type bool$",
        id="output_padding-bool-with-output_size-conv_transpose-3d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_padding=-1, output_size=(12,)),
        ValueError,
        r"^output_padding must be >= 0 in every dimension; got output_padding=\(-1,\)$",
        id="output_padding-negative-with-output_size-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=2, output_padding=(0,), output_size=(10, 10)),
        ValueError,
        rf"^output_padding {COUNT}output_padding=\(0,\) with 1 entries$",
        id="output_padding-too-few-with-output_size-conv_transpose-2d",
    ),
    pytest.param(
        Call(output_padding_for, (3,), (3,), (9,), stride=2),
        ValueError,
        r"^requested an output_size of \(9,\), but valid sizes range from \(7,\) to \(8,\) "
        r"\(for an input of \(3,\), kernel \(3,\), stride=\(2,\), padding=\(\(0, 0\),\), dilation=\(1,\)\)$",
        id="output_size-above-range-output_padding_for-1d",
    ),
    pytest.param(
        Call(output_padding_for, 3, 3, 9, stride=[2], padding=1, dilation=np.int64(1)),
        ValueError,
        r"^requested an output_size of \(9,\), but valid sizes range from \(5,\) to \(6,\) "
        r"\(for an input of \(3,\), kernel \(3,\), stride=\(2,\), padding=\(\(1, 1\),\), dilation=\(1,\)\)$",
        id="output_size-above-range-ints-output_padding_for-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=(2, 1), output_size=(8, 6)),
        ValueError,
        r"^requested an output_size of \(8, 6\), but valid sizes range from \(9, 6\) to \(10, 6\) "
        r"\(for an input of \(4, 4\), kernel \(3, 3\), stride=\(2, 1\), padding=\(\(0, 0\), \(0, 0\)\), "
        r"dilation=\(1, 1\)\)$",
        id="output_size-below-range-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(1, 3, 9)),
        ValueError,
        r"^requested an output_size of \(9,\), but valid sizes range from \(11,\) to \(12,\)",
        id="output_size-whole-shape-below-range-conv_transpose-1d",
    ),
    # output_size may be the whole output shape, (N, C_out, *spatial) or (C_out, *spatial) as x is
    # batched or not; its leading entries must then be those of the output.
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(2, 3, 12)),
        ValueError,
        r"^output_size with 3 entries is the whole output shape, whose leading entries must be \(1, 3\) "
        r"\(batch and channels\); got output_size=\(2, 3, 12\)$",
        id="output_size-whole-shape-wrong-batch-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=2, output_size=[1, 6, 10, 10]),
        ValueError,
        r"^output_size with 4 entries is the whole output shape, whose leading entries must be \(1, 3\) "
        r"\(batch and channels\); got output_size=\(1, 6, 10, 10\)$",
        id="output_size-whole-shape-wrong-channels-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, ones(2, 2, 3, 3, 3), ones(2, 3, 2, 2, 2), groups=2, output_size=(2, 3, 4, 4, 4)),
        ValueError,
        r"^output_size with 5 entries is the whole output shape, whose leading entries must be \(2, 6\) ",
        id="output_size-whole-shape-channels-without-groups-conv_transpose-3d",
    ),
    pytest.param(
        Call(conv_transpose, X[1][0], W_T[1], stride=2, output_size=(1, 12)),
        ValueError,
        r"^output_size with 2 entries is the whole output shape, whose leading entries must be \(3,\) ",
        id="output_size-whole-shape-wrong-channels-conv_transpose-unbatched-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(3, 12)),
        ValueError,
        rf"^output_size {COUNT}output_size=\(3, 12\) with 2 entries$",
        id="output_size-channels-and-size-for-batched-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[2][0], W_T[2], stride=2, output_size=(1, 3, 10, 10)),
        ValueError,
        rf"^output_size {COUNT}output_size=\(1, 3, 10, 10\) with 4 entries$",
        id="output_size-batched-shape-for-unbatched-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(1, 3, 3, 12)),
        ValueError,
        rf"^output_size {COUNT}output_size=\(1, 3, 3, 12\) with 4 entries$",
        id="output_size-too-many-for-the-whole-shape-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(1, 3, 12.0)),
        TypeError,
        r"^output_size must contain only ints; got output_size=\(1, 3, 12\.0\) with an entry of type float$",
        id="output_size-whole-shape-float-size-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv, X[2], W_C[2], padding=[(1, 1), (1, 2, 3)]),
        ValueError,
        r"^padding pairs must have exactly 2 entries, \(begin, end\); got padding=\(\(1, 1\), \(1, 2, 3\)\)$",
        id="padding-one-long-pair-conv-2d",
    ),
    pytest.param(
        Call(conv_output_shape, 5, 3, stride=list(range(12))),
        ValueError,
        rf"^stride {COUNT}stride=\(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, \.\.\.\) with 12 entries$",
        id="stride-long-list-elided-conv_output_shape-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=-(2**31 - 1)),
        ValueError,
        r"^stride must be >= 1 in every dimension; got stride=\(-2147483647,\)$",
        id="stride-largest-magnitude-negative-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(1.0, 3.0, 12)),
        TypeError,
        r"^output_size must contain only ints",
        id="output_size-whole-shape-float-leading-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=2, output_size=(True, 3, 10, 10)),
        TypeError,
        r"^output_size must contain only ints",
        id="output_size-whole-shape-bool-leading-conv_transpose-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[1], W_T[1], stride=memoryview(b"\x02")),
        TypeError,
        rf"^stride {NOT_INT}",
        id="stride-memoryview-conv_transpose-1d",
    ),
    pytest.param(
        Call(conv, X[1], W_C[1], groups=2**31),
        ValueError,
        rf"^groups {BEYOND}groups=2147483648$",
        id="groups-beyond-int32-shown-as-int-conv-1d",
    ),
    pytest.param(
        Call(conv, X[2], W_C[2], padding=[(0, 2**31), (1, 1)]),
        ValueError,
        rf"^padding {BEYOND}padding=\(\(0, 2147483648\), \(1, 1\)\)$",
        id="padding-beyond-int32-shown-as-pairs-conv-2d",
    ),
    pytest.param(
        Call(conv_transpose, X[1][0], W_T[1], stride=2, output_size=(1, 12)),
        ValueError,
        r"^output_size with 2 entries is the whole output shape, whose leading entries must be \(3,\) "
        r"\(channels\); got output_size=\(1, 12\)$",
        id="output_size-whole-shape-unbatched-message-conv_transpose-1d",
    ),
]

BAD_CALLS = [*spread(RULES), *SPECIFIC_CALLS]


@pytest.mark.parametrize(("call", "error", "match"), BAD_CALLS)
def test_bad_argument_raises_an_error_naming_it(call: Call, error: type[Exception], match: str) -> None:
    """Each bad call raises exactly the expected exception type, with the parameter and the rule in its message."""
    with pytest.raises(error, match=match) as raised:
        call()
    assert raised.type is error, f"{call!r} raised a subclass {raised.type.__name__} of {error.__name__}"


@pytest.mark.parametrize(
    ("call", "shape"),
    [
        pytest.param(
            Call(conv_transpose, X[2], W_T[2], stride=2, output_padding=(0, 0), output_size=(10, 10)),
            (1, 3, 10, 10),
            id="zero-output_padding-tuple",
        ),
        pytest.param(
            Call(conv_transpose, X[2], W_T[2], stride=2, output_padding=[np.int64(0), 0], output_size=(9, 10)),
            (1, 3, 9, 10),
            id="zero-output_padding-list-of-numpy-ints",
        ),
        pytest.param(
            Call(conv_transpose, X[1], W_T[1], stride=2, output_padding=np.int8(0), output_size=12),
            (1, 3, 12),
            id="zero-output_padding-numpy-int",
        ),
        pytest.param(
            Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(1, 3, 12)),
            (1, 3, 12),
            id="whole-shape-batched-1d",
        ),
        pytest.param(
            Call(conv_transpose, X[2][0], W_T[2], stride=2, output_size=[3, 10, 9]),
            (3, 10, 9),
            id="whole-shape-unbatched-2d",
        ),
        pytest.param(
            Call(conv_transpose, ones(2, 2, 3, 3, 3), ones(2, 3, 2, 2, 2), groups=2, output_size=(2, 6, 4, 4, 4)),
            (2, 6, 4, 4, 4),
            id="whole-shape-with-groups-3d",
        ),
        pytest.param(
            Call(conv_transpose, ones(0, 2, 5), W_T[1], stride=2, output_size=(0, 3, 11)),
            (0, 3, 11),
            id="whole-shape-empty-batch-1d",
        ),
        pytest.param(
            Call(conv_transpose, X[1], W_T[1], stride=2, output_size=(np.int64(1), np.uint8(3), np.int32(12))),
            (1, 3, 12),
            id="whole-shape-numpy-ints-1d",
        ),
    ],
)
def test_output_size_accepts_the_spatial_sizes_or_the_whole_output_shape(call: Call, shape: tuple[int, ...]) -> None:
    """``output_size`` takes the spatial sizes or, as PyTorch does, the whole output shape; an
    ``output_padding`` of zeros, spelled any way, may come with it."""
    y = call()
    assert y.shape == shape


def test_the_largest_allowed_ints_are_accepted() -> None:
    """Ints up to ``2**31 - 1`` in magnitude pass the range check (then meet the other rules as usual);
    the shape functions allocate nothing, so they give exact answers even there."""
    big = MAX_INT
    assert conv_output_shape(big, 3, stride=big, padding=big, dilation=big) == (1,)  # (big - 1) // big + 1
    assert conv_transpose_output_shape(5, big, stride=big, dilation=2, output_padding=big - 1) == (7 * big - 2,)
    assert output_padding_for(5, 3, big, stride=(big - 4) // 4) == (4,)
    assert transposed_size_range((big, 1), (1, big), padding=[(0, 0), (0, big)]) == ((big, 0), (big, 0))
    assert conv(X[1], W_C[1], stride=big).shape == (1, 3, 1)
    with pytest.raises(ValueError, match=r"^groups must divide both the input and the output channel counts"):
        conv_transpose(X[1], W_T[1], groups=big)


# Sizes within the limit whose arrays still cannot be allocated: over 2**57 bytes, more than any
# address space, so that the allocation fails at once on every machine.
TOO_LARGE_TO_ALLOCATE = [
    *(
        pytest.param(Call(conv_transpose, X[2], W_T[2], stride=(MAX_INT, 2**21), method=m), id=f"conv_transpose-{m}")
        for m in METHODS
    ),
    pytest.param(Call(conv_transpose, X[2], W_T[2], dilation=(MAX_INT, 2**21)), id="conv_transpose-dilation"),
    pytest.param(Call(conv, X[2], W_C[2], padding=(MAX_INT, 2**21)), id="conv-padding"),
    # Larger still, more elements than NumPy can index: our ValueError, naming the array and the sizes.
    pytest.param(
        Call(conv_transpose, X[2], W_T[2], stride=MAX_INT),
        id="conv_transpose-beyond-intp",
    ),
    pytest.param(
        Call(conv, X[3], W_C[3], padding=MAX_INT),
        id="conv-beyond-intp",
    ),
]


@pytest.mark.parametrize("call", TOO_LARGE_TO_ALLOCATE)
def test_allowed_sizes_too_large_to_allocate_raise_memory_error(call: Call) -> None:
    """Within the int limit, an output (or padded input) too large for memory is NumPy's MemoryError,
    as for any other allocation, or else a ValueError that names a parameter."""
    try:
        call()
    except MemoryError:
        return
    except ValueError as error:
        assert_names_a_parameter(error, call.func)
    else:
        pytest.fail(f"{call!r} allocated an array of over 2**57 bytes")


UINT64_WITHIN_INT64 = np.array([[[1, 2**62, 3]]], dtype=np.uint64)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(Call(conv_transpose, UINT64_WITHIN_INT64, np.ones((1, 1, 1), np.uint64)), id="conv_transpose"),
        pytest.param(Call(conv, UINT64_WITHIN_INT64, np.ones((1, 1, 1), np.uint64)), id="conv"),
        pytest.param(Call(convolve, UINT64_WITHIN_INT64[0, 0], [1]), id="convolve-a"),
        pytest.param(
            Call(convolve, [1, 2, 3], UINT64_WITHIN_INT64[0, 0, :1]),
            id="convolve-kernel",
        ),
        pytest.param(
            Call(convolve, np.ones(3, np.uint64), np.ones(2, np.uint64)),
            id="convolve-both",
        ),
    ],
)
def test_uint64_values_up_to_int64_max_are_accepted(call: Call) -> None:
    """uint64 arrays compute exactly, with an int64 result (values beyond int64: tests/test_integers.py)."""
    y = call()
    assert y.dtype == np.int64


# ---------------------------------------------------------------------------------------------------
# docs/input-rules.md and the table above must agree.


class DocumentedRule(NamedTuple):
    parameter: str
    rule: str
    functions: tuple[str, ...]
    error: type[Exception]
    example: str
    message_start: str


def documented_rules() -> list[DocumentedRule]:
    """The rows of the Markdown table in docs/input-rules.md."""
    lines = [line.strip() for line in RULES_DOC.read_text(encoding="utf-8").splitlines()]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if line.startswith("|")]
    header, separator, *body = rows
    assert header == ["Parameter", "Rule", "Applies to", "Exception", "Example", "Message starts with"], header
    assert all(set(cell) <= set("-: ") for cell in separator), separator

    def code(cell: str) -> str:
        match = re.fullmatch(r"`([^`]+)`", cell)
        assert match, f"expected one `code` span in the cell {cell!r}"
        return match.group(1)

    result = []
    for parameter, rule_text, applies_to, error, example, message_start in body:
        functions = re.findall(r"`(\w+)`", applies_to)
        if re.search(r"\bshapes\b", applies_to):
            functions += [f.__name__ for f in SHAPE_FUNCTIONS]
        assert functions, f"no functions in {applies_to!r}"
        assert all(hasattr(transposed_conv, name) for name in functions), applies_to
        exception = getattr(builtins, code(error))
        assert isinstance(exception, type) and issubclass(exception, Exception), error
        result.append(
            DocumentedRule(parameter, rule_text, tuple(functions), exception, code(example), code(message_start))
        )
    return result


DOCUMENTED_RULES = documented_rules()


def test_the_rules_document_has_a_row_for_each_kind_of_error() -> None:
    """Guards the parser: a table that stopped parsing would make the tests below pass vacuously."""
    assert len(DOCUMENTED_RULES) >= 50
    assert {row.error for row in DOCUMENTED_RULES} == {TypeError, ValueError}
    assert {name for row in DOCUMENTED_RULES for name in row.functions} == {f.__name__ for f in PUBLIC_FUNCTIONS}


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(row, id=f"{number:02d}-{row.example.split('(')[0]}-{row.parameter.strip('`')}")
        for number, row in enumerate(DOCUMENTED_RULES, 1)
    ],
)
def test_documented_example_raises_the_documented_error(row: DocumentedRule) -> None:
    """Every example in docs/input-rules.md raises the documented exception, with the documented message start."""
    namespace = {"np": np, **{f.__name__: f for f in PUBLIC_FUNCTIONS}}
    with pytest.raises(row.error) as raised:
        eval(row.example, namespace)
    assert raised.type is row.error
    assert str(raised.value).startswith(row.message_start), f"{row.example}\n  message: {raised.value}"
    assert row.example.split("(")[0] in row.functions, f"the example of {row.rule!r} calls a function not in Applies to"


def _shape_of_message(message: str) -> str:
    """Numbers in messages follow the call (``sequence of 2 ints``, ``1 int``); compare messages without them."""
    message = re.sub(r"-?\d+", "#", message)
    return re.sub(r"# (ints?|\(begin, end\) pairs?)\b", lambda m: "# " + m.group(1).rstrip("s") + "s", message)


@functools.cache
def bad_call_outcomes() -> list[tuple[str, str, type[BaseException], str]]:
    """(id, function name, exception type, message) for every bad call that is not a known bug."""
    outcomes = []
    for case in BAD_CALLS:
        if any(mark.name == "xfail" for mark in case.marks):
            continue
        call, _, _ = case.values
        try:
            call()
        except Exception as error:  # the parametrized test above checks the type
            outcomes.append((case.id, call.func.__name__, type(error), str(error)))
        else:
            outcomes.append((case.id, call.func.__name__, type(None), "<no error>"))
    return outcomes


def test_every_documented_rule_has_a_bad_call_case_for_every_function_it_applies_to() -> None:
    """Each row of the rules table is exercised by the parametrized table for each function in Applies to."""
    missing = []
    for row in DOCUMENTED_RULES:
        start = _shape_of_message(row.message_start)
        for name in row.functions:
            if not any(
                func == name and error is row.error and _shape_of_message(message).startswith(start)
                for _, func, error, message in bad_call_outcomes()
            ):
                missing.append(f"{name}: {row.error.__name__} {row.message_start!r}")
    assert not missing, "documented rules without a bad-call case:\n" + "\n".join(missing)


def test_every_bad_call_case_is_a_documented_rule() -> None:
    """Each error the parametrized table provokes is documented, for that function, in the rules table."""
    undocumented = [
        f"{case_id}: {error.__name__}: {message}"
        for case_id, func, error, message in bad_call_outcomes()
        if not any(
            func in row.functions
            and error is row.error
            and _shape_of_message(message).startswith(_shape_of_message(row.message_start))
            for row in DOCUMENTED_RULES
        )
    ]
    assert not undocumented, "errors missing from docs/input-rules.md:\n" + "\n".join(undocumented)


# ---------------------------------------------------------------------------------------------------
# Random, mostly invalid arguments.
#
# Each example starts from a valid configuration (the package's own strategy), spells every argument in one
# of its accepted forms, then replaces each argument, with a probability drawn per example (none, some,
# most, all), by a bad value: out of range, the wrong number of entries, the wrong type, an array of
# the wrong shape or dtype.  When nothing was replaced the call must succeed.


def assert_names_a_parameter(error: BaseException, func: Callable[..., Any]) -> None:
    """The error is a plain ValueError or TypeError whose message names one of ``func``'s parameters.

    A parameter counts as named where the message uses it as a parameter (``stride must``,
    ``stride=``, ``x.shape``, ``a and kernel``, ``output_padding or``, ``x has``), not merely as a
    word: ``a`` and ``x`` occur in English and in NumPy's own messages.
    """
    assert type(error) in (ValueError, TypeError), f"{type(error).__name__} from {func.__name__}: {error}"
    names = "|".join(re.escape(name) for name in inspect.signature(func).parameters)
    named = re.search(rf"(?<![\w.'])({names})(\.shape)?( must\b|=| and | or | has )", str(error))
    assert named, f"{type(error).__name__} from {func.__name__} names no parameter: {error}"


def snapshot(arguments: dict[str, Any]) -> dict[str, np.ndarray]:
    return {name: value.copy() for name, value in arguments.items() if isinstance(value, np.ndarray)}


def assert_unchanged(arguments: dict[str, Any], before: dict[str, np.ndarray]) -> None:
    for name, copy in before.items():
        assert arguments[name].dtype == copy.dtype and arguments[name].shape == copy.shape, name
        assert np.array_equal(arguments[name], copy, equal_nan=copy.dtype.kind in "fc"), f"{name} was modified"


def as_tuple(value: Any, ndim: int) -> tuple[int, ...]:
    """An int (repeated ``ndim`` times) or a sequence of ints, as the package reads a per-dimension value."""
    return (int(value),) * ndim if isinstance(value, numbers.Integral) else tuple(int(v) for v in value)


SMALL_CONFIGS = conv_transpose_configs(
    max_batch=2, max_side=3, max_kernel=3, max_stride=3, max_dilation=2, max_groups=2, max_channels_per_group=2
)
NOISE = st.sampled_from([0, 1, 3, 8])  # out of 8: the chance that each argument is replaced by a bad one
JUNK_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(-3, 3),
    st.sampled_from([2.0, float("nan"), float("inf"), np.float64(1.0), np.True_, 1j, "", "2", "same", b"\x01"]),
    st.builds(bytearray, st.binary(max_size=2)),
    st.text(max_size=2),
)
BEYOND_LIMIT = st.sampled_from([2**31, -(2**31), 2**63, 2**70, np.int64(2**40), np.uint64(2**64 - 1)])
REAL_DTYPES = [np.int8, np.uint8, np.int32, np.uint32, np.int64, np.float16, np.float32, np.float64]
BAD_DTYPES = [np.bool_, np.complex128, object, "<U1", "M8[s]"]


@st.composite
def random_arrays(draw: st.DrawFn, max_dims: int = 5) -> Any:
    """Arrays of random small shapes (empty axes and 0-d included) and any dtype, sometimes as nested lists."""
    shape = draw(npst.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=3))
    array = np.ones(shape, dtype=draw(st.sampled_from(REAL_DTYPES + BAD_DTYPES)))
    return array.tolist() if draw(st.integers(0, 4)) == 0 else array


def junk(ndim: int) -> st.SearchStrategy[Any]:
    """Values of the wrong type or shape for any argument: scalars, nested tuples of any length, arrays."""
    entries = st.one_of(
        st.integers(-1, 3),
        JUNK_SCALARS,
        st.tuples(st.integers(-1, 3), st.integers(-1, 3)),
        st.lists(st.integers(-1, 3), max_size=3),
    )
    return st.one_of(
        JUNK_SCALARS,
        st.lists(entries, max_size=ndim + 2).map(tuple),
        st.lists(entries, max_size=ndim + 2),
        random_arrays(),
    )


def spellings(values: tuple[Any, ...], *, one_int_for_all: bool = True) -> st.SearchStrategy[Any]:
    """The accepted ways to write one value per dimension: a tuple, a list, or one int for all.

    ``input_shape`` and ``kernel_shape`` read an int as one dimension (``one_int_for_all=False``).
    """
    forms: list[Any] = [values, list(values)]
    if (one_int_for_all or len(values) == 1) and len(set(values)) == 1 and not isinstance(values[0], tuple):
        forms.append(values[0])
    return st.sampled_from(forms)


def padding_spellings(pads: tuple[tuple[int, int], ...]) -> st.SearchStrategy[Any]:
    """(begin, end) pairs, or one int per dimension (or one int) when every pair is symmetric."""
    if all(begin == end for begin, end in pads):
        return st.one_of(spellings(pads), spellings(tuple(begin for begin, _ in pads)))
    return spellings(pads)


def bad_per_dimension(ndim: int, lowest: int) -> st.SearchStrategy[Any]:
    """A per-dimension int argument that is out of range, has the wrong number of entries, or is junk."""
    some = st.integers(lowest - 2, lowest + 2)
    wrong_length = st.sampled_from([n for n in range(ndim + 3) if n != ndim])
    return st.one_of(
        st.integers(lowest - 3, lowest - 1),
        BEYOND_LIMIT,
        st.lists(some | BEYOND_LIMIT, min_size=ndim, max_size=ndim).map(tuple),
        wrong_length.flatmap(lambda n: st.lists(some, min_size=n, max_size=n).map(tuple)),
        junk(ndim),
    )


def bad_padding(ndim: int) -> st.SearchStrategy[Any]:
    side = st.integers(-2, 2)
    return st.one_of(
        bad_per_dimension(ndim, 0),
        st.lists(st.tuples(side, side), min_size=ndim, max_size=ndim),
        st.lists(st.lists(side, max_size=3).map(tuple), min_size=ndim, max_size=ndim),
    )


def bad_array(shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    """The right shape in a bad dtype, masked, ragged or with uint64 values beyond int64 (exact, or an
    OverflowError when the result leaves int64), one axis
    emptied or added or removed, or any random array."""
    axes = st.integers(0, max(len(shape) - 1, 0))
    ragged = st.sampled_from([[[1.0], [1.0, 1.0]], [[[1.0, 2.0]], [[3.0]]], [[[[]]], 1.0]])
    return st.one_of(
        st.sampled_from(BAD_DTYPES).map(lambda dtype: np.ones(shape, dtype=dtype)),
        st.just(np.ma.masked_array(np.ones(shape))),
        ragged,
        st.just(np.full(shape, 2**63, dtype=np.uint64)),
        axes.map(lambda axis: np.ones((*shape[:axis], 0, *shape[axis + 1 :]))),
        st.just(np.ones((*shape, 1))),
        st.just(np.ones(shape[1:])),
        random_arrays(),
    )


def good_array(shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    """An array of ones of ``shape`` in a real dtype, sometimes as nested lists."""
    arrays = st.sampled_from(REAL_DTYPES).map(lambda dtype: np.ones(shape, dtype=dtype))
    return st.one_of(arrays, arrays.map(lambda array: array.tolist() if array.size else array))


class Draw:
    """Draws each argument from its valid or (with the example's noise) its bad strategy."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw, self.noise = draw, draw(NOISE)

    def __call__(self, valid: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Any:
        return self.draw(bad if self.draw(st.integers(0, 7)) < self.noise else valid)


class FuzzCall(NamedTuple):
    noise: int  # 0: every argument is valid, so the call must succeed
    arguments: dict[str, Any]


@st.composite
def conv_transpose_calls(draw: st.DrawFn) -> FuzzCall:
    config, pick = draw(SMALL_CONFIGS), Draw(draw)
    ndim, batch = config.ndim, draw(st.sampled_from([(config.batch,), ()] if config.batch == 1 else [(config.batch,)]))
    x_shape = (*batch, config.in_channels, *config.input_shape)
    if draw(st.booleans()):  # ask for the size with output_size instead of output_padding
        leading = (*batch, config.out_channels)  # PyTorch takes the whole shape (N, C_out, *out) or (C_out, *out)
        output_size = spellings((*leading, *config.output_shape), one_int_for_all=False) | spellings(
            config.output_shape
        )
        output_padding: st.SearchStrategy[Any] = spellings((0,) * ndim)  # zeros, spelled any way, may come with it
    else:
        output_size, output_padding = st.none(), spellings(config.output_padding)
    arguments = {
        "x": pick(good_array(x_shape), bad_array(x_shape)),
        "weight": pick(good_array(config.weight_shape), bad_array(config.weight_shape)),
        "bias": pick(
            st.just(None) | good_array((config.out_channels,)), bad_array((config.out_channels,)) | JUNK_SCALARS
        ),
        "stride": pick(spellings(config.stride), bad_per_dimension(ndim, 1)),
        "padding": pick(padding_spellings(config.padding), bad_padding(ndim)),
        "output_padding": pick(output_padding, bad_per_dimension(ndim, 0) | st.integers(3, 5)),
        "dilation": pick(spellings(config.dilation), bad_per_dimension(ndim, 1)),
        "groups": pick(st.just(config.groups), st.integers(-1, 5) | junk(ndim)),
        "output_size": pick(
            output_size, bad_per_dimension(ndim, 1) | st.lists(st.integers(0, 12), min_size=ndim + 1, max_size=ndim + 2)
        ),
        "method": pick(
            st.sampled_from(["auto", *METHODS]),
            st.sampled_from(["gemm", "Direct", " im2col"]) | st.text(max_size=6) | JUNK_SCALARS,
        ),
    }
    return FuzzCall(pick.noise, arguments)


@st.composite
def conv_calls(draw: st.DrawFn) -> FuzzCall:
    """A convolution read off a transposed one: the adjoint maps the transposed output back to its input."""
    config, pick = draw(SMALL_CONFIGS), Draw(draw)
    ndim = config.ndim
    x_shape = (config.batch, config.out_channels, *config.output_shape)  # conv's C_in is the transposed C_out
    arguments = {
        "x": pick(good_array(x_shape) | good_array(x_shape[1:]), bad_array(x_shape)),
        "weight": pick(good_array(config.weight_shape), bad_array(config.weight_shape)),  # (C_out, C_in/G, *k)
        "bias": pick(
            st.just(None) | good_array((config.in_channels,)), bad_array((config.in_channels,)) | JUNK_SCALARS
        ),
        "stride": pick(spellings(config.stride), bad_per_dimension(ndim, 1)),
        "padding": pick(padding_spellings(config.padding), bad_padding(ndim)),
        "dilation": pick(spellings(config.dilation), bad_per_dimension(ndim, 1)),
        "groups": pick(st.just(config.groups), st.integers(-1, 5) | junk(ndim)),
    }
    return FuzzCall(pick.noise, arguments)


def expected_conv_transpose_shape(arguments: dict[str, Any]) -> tuple[int, ...]:
    """The shape ``conv_transpose`` documents, from the shape functions."""
    x, weight = np.asarray(arguments["x"]), np.asarray(arguments["weight"])
    ndim = weight.ndim - 2
    spatial, kernel = x.shape[-ndim:], weight.shape[2:]
    geometry = {name: arguments[name] for name in ("stride", "padding", "dilation")}
    output_padding, output_size = arguments["output_padding"], arguments["output_size"]
    batch = x.shape[:1] if x.ndim == weight.ndim else ()
    leading = (*batch, weight.shape[1] * arguments["groups"])
    if output_size is not None:
        assert not any(as_tuple(output_padding, ndim)), "output_padding came with output_size"
        if isinstance(output_size, (list, tuple)) and len(output_size) == len(leading) + ndim:
            assert tuple(output_size[: len(leading)]) == leading, "the whole output shape has wrong leading entries"
            output_size = tuple(output_size)[len(leading) :]  # the whole (N, C_out, *spatial), as PyTorch takes
        output_padding = output_padding_for(spatial, kernel, output_size, **geometry)
    out = conv_transpose_output_shape(spatial, kernel, output_padding=output_padding, **geometry)
    if output_size is not None:
        assert out == as_tuple(output_size, ndim)
    return (*leading, *out)


def expected_conv_shape(arguments: dict[str, Any]) -> tuple[int, ...]:
    """The shape ``conv`` documents, from ``conv_output_shape``."""
    x, weight = np.asarray(arguments["x"]), np.asarray(arguments["weight"])
    ndim = weight.ndim - 2
    geometry = {name: arguments[name] for name in ("stride", "padding", "dilation")}
    out = conv_output_shape(x.shape[-ndim:], weight.shape[2:], **geometry)
    batch = x.shape[:1] if x.ndim == weight.ndim else ()
    return (*batch, weight.shape[0], *out)


def check_array_call(
    func: Callable[..., Any], call: FuzzCall, expected_shape: Callable[[dict[str, Any]], tuple[int, ...]]
) -> None:
    before = snapshot(call.arguments)
    try:
        y = func(**call.arguments)
    except (ValueError, TypeError) as error:
        assert call.noise, f"{func.__name__} refused valid arguments: {error}"
        assert_names_a_parameter(error, func)
        event(f"raised {type(error).__name__}")
    except OverflowError as error:  # integers (uint64 up to 2**64 - 1) whose exact result leaves int64
        assert str(error).startswith("the exact result has the value"), error
        event("raised OverflowError")
    else:
        event("succeeded")
        assert isinstance(y, np.ndarray) and y.dtype.kind in "if"
        assert y.shape == expected_shape(call.arguments)
    assert_unchanged(call.arguments, before)


@given(conv_transpose_calls())
def test_conv_transpose_returns_the_documented_shape_or_raises_a_named_error(call: FuzzCall) -> None:
    """For any arguments, ``conv_transpose`` returns the shape the shape functions give, or raises a
    ValueError or TypeError naming a parameter (never for valid arguments); its inputs are left as they were."""
    check_array_call(conv_transpose, call, expected_conv_transpose_shape)


@given(conv_calls())
def test_conv_returns_the_documented_shape_or_raises_a_named_error(call: FuzzCall) -> None:
    """For any arguments, ``conv`` returns the shape ``conv_output_shape`` gives, or raises a
    ValueError or TypeError naming a parameter (never for valid arguments); its inputs are left as they were."""
    check_array_call(conv, call, expected_conv_shape)


@st.composite
def shape_function_calls(draw: st.DrawFn) -> tuple[Callable[..., Any], FuzzCall]:
    """A shape function with arguments from a valid configuration, perturbed; huge ints and bytes too,
    since these functions allocate nothing."""
    func, config, pick = draw(st.sampled_from(SHAPE_FUNCTIONS)), draw(SMALL_CONFIGS), Draw(draw)
    ndim = config.ndim
    extra = st.one_of(st.integers(), st.binary(max_size=3), st.lists(st.integers(), max_size=3).map(tuple))
    # conv_output_shape reads the configuration as a convolution, from the transposed output back to its input
    sizes = config.output_shape if func is conv_output_shape else config.input_shape
    candidates = {
        "input_shape": lambda: pick(spellings(sizes, one_int_for_all=False), bad_per_dimension(ndim, 1) | extra),
        "kernel_shape": lambda: pick(
            spellings(config.kernel_shape, one_int_for_all=False), bad_per_dimension(ndim, 1) | extra
        ),
        "output_size": lambda: pick(
            spellings(config.output_shape), bad_per_dimension(ndim, 1) | extra | st.integers(1, 20)
        ),
        "stride": lambda: pick(spellings(config.stride), bad_per_dimension(ndim, 1) | extra),
        "padding": lambda: pick(padding_spellings(config.padding), bad_padding(ndim) | extra),
        "output_padding": lambda: pick(spellings(config.output_padding), bad_per_dimension(ndim, 0) | extra),
        "dilation": lambda: pick(spellings(config.dilation), bad_per_dimension(ndim, 1) | extra),
    }
    parameters = inspect.signature(func).parameters
    return func, FuzzCall(pick.noise, {name: value() for name, value in candidates.items() if name in parameters})


@given(shape_function_calls())
def test_shape_functions_agree_with_each_other_or_raise_a_named_error(
    call: tuple[Callable[..., Any], FuzzCall],
) -> None:
    """Each shape function returns one int per dimension, which the others map back, or raises a
    ValueError or TypeError naming a parameter (never for valid arguments)."""
    func, (noise, arguments) = call
    try:
        result = func(**arguments)
    except (ValueError, TypeError) as error:
        assert noise, f"{func.__name__} refused valid arguments: {error}"
        assert_names_a_parameter(error, func)
        event(f"{func.__name__} raised {type(error).__name__}")
        return
    event(f"{func.__name__} succeeded")
    sizes, kernel = arguments["input_shape"], arguments["kernel_shape"]
    geometry = {name: arguments[name] for name in ("stride", "padding", "dilation")}
    ndim = len(as_tuple(sizes, 1))
    if func is transposed_size_range:
        smallest, largest = result
        assert len(smallest) == len(largest) == ndim
        assert all(lo <= hi for lo, hi in zip(smallest, largest))
        return
    assert isinstance(result, tuple) and len(result) == ndim and all(type(n) is int for n in result)
    if func is conv_output_shape:  # the input is one of the sizes the transposed convolution can give back
        assert all(n >= 1 for n in result)
        smallest, largest = transposed_size_range(result, kernel, **geometry)
        assert all(lo <= i <= hi for i, lo, hi in zip(as_tuple(sizes, 1), smallest, largest))
    elif func is conv_transpose_output_shape:  # output_padding_for recovers an output_padding that gives it
        assert all(n >= 1 for n in result)
        back = output_padding_for(sizes, kernel, result, **geometry)
        assert conv_transpose_output_shape(sizes, kernel, output_padding=back, **geometry) == result
    else:  # output_padding_for: the output_padding it returns gives the requested size
        out = conv_transpose_output_shape(sizes, kernel, output_padding=result, **geometry)
        assert out == as_tuple(arguments["output_size"], ndim)


@st.composite
def convolve_calls(draw: st.DrawFn) -> FuzzCall:
    pick, ndim = Draw(draw), draw(st.integers(1, 3))
    sides = st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim).map(tuple)
    a_shape, kernel_shape = draw(sides), draw(sides)
    arguments = {
        "a": pick(good_array(a_shape), bad_array(a_shape)),
        "kernel": pick(good_array(kernel_shape), bad_array(kernel_shape)),
        "mode": pick(
            st.sampled_from(["full", "same", "valid"]),
            st.sampled_from(["FULL", "circular"]) | st.text(max_size=5) | JUNK_SCALARS,
        ),
    }
    return FuzzCall(pick.noise, arguments)


@given(convolve_calls())
def test_convolve_returns_the_matlab_shape_or_raises_a_named_error(call: FuzzCall) -> None:
    """``convolve`` returns MATLAB's full/same/valid shape, or raises a ValueError or TypeError naming a
    parameter (never for valid arguments); its inputs are left as they were."""

    def matlab_shape(arguments: dict[str, Any]) -> tuple[int, ...]:
        a, kernel = np.shape(arguments["a"]), np.shape(arguments["kernel"])
        return {
            "full": tuple(m + n - 1 for m, n in zip(a, kernel)),
            "same": a,
            "valid": tuple(max(m - n + 1, 0) for m, n in zip(a, kernel)),
        }[arguments["mode"]]

    check_array_call(convolve, call, matlab_shape)


# ---------------------------------------------------------------------------------------------------
# Inputs are never modified, whether the call succeeds or fails.


def writable_inputs(dtype: Any) -> dict[str, np.ndarray]:
    """Arrays with distinct values, in a dtype the package computes in without copying."""
    return {
        "x": np.arange(2 * 2 * 3 * 3, dtype=dtype).reshape(2, 2, 3, 3) - 7,
        "weight_t": np.arange(2 * 2 * 2 * 2, dtype=dtype).reshape(2, 2, 2, 2) + 1,
        "weight_c": np.arange(4 * 2 * 2 * 2, dtype=dtype).reshape(4, 2, 2, 2) - 3,
        "bias": np.arange(4, dtype=dtype) + 5,
        "bad_bias": np.arange(3, dtype=dtype),
    }


CALLS_ON_WRITABLE_INPUTS: list[Any] = [
    *(
        pytest.param(
            lambda v, m=method: conv_transpose(
                v["x"], v["weight_t"], v["bias"], stride=2, padding=1, groups=2, method=m
            ),
            True,
            id=f"conv_transpose-{method}-succeeds",
        )
        for method in METHODS
        if method != "winograd"  # stride 2 is outside its domain; winograd is checked in test_algorithm_bounds
    ),
    pytest.param(
        lambda v: conv_transpose(v["x"][0], v["weight_t"], stride=(1, 2), output_size=(4, 6)),
        True,
        id="conv_transpose-unbatched-succeeds",
    ),
    pytest.param(
        lambda v: conv_transpose(v["x"], v["weight_t"], v["bad_bias"]), False, id="conv_transpose-bad-bias-fails"
    ),
    pytest.param(
        lambda v: conv_transpose(v["x"], v["weight_t"], padding=9), False, id="conv_transpose-empty-output-fails"
    ),
    pytest.param(
        lambda v: conv_transpose(v["x"], v["weight_t"], output_size=(99, 99)),
        False,
        id="conv_transpose-output_size-fails",
    ),
    pytest.param(lambda v: conv_transpose(v["x"], v["weight_t"], stride=0), False, id="conv_transpose-stride-fails"),
    pytest.param(
        lambda v: conv(v["x"], v["weight_c"], v["bias"], padding=[(1, 0), (0, 1)], groups=1), True, id="conv-succeeds"
    ),
    pytest.param(lambda v: conv(v["x"], v["weight_c"], v["bias"], groups=2), False, id="conv-groups-fails"),
    pytest.param(lambda v: conv(v["x"], v["weight_c"], v["bad_bias"]), False, id="conv-bad-bias-fails"),
    pytest.param(lambda v: conv(v["x"], v["weight_c"], dilation=3), False, id="conv-empty-output-fails"),
    *(
        pytest.param(lambda v, m=mode: convolve(v["x"], v["weight_c"], m), True, id=f"convolve-{mode}-succeeds")
        for mode in ("full", "same", "valid")
    ),
    pytest.param(lambda v: convolve(v["x"], v["bias"]), False, id="convolve-ndim-fails"),
    pytest.param(lambda v: convolve(v["x"], v["weight_c"], "circular"), False, id="convolve-mode-fails"),
]


@pytest.mark.parametrize("dtype", [np.int64, np.float64, np.float32])
@pytest.mark.parametrize(("call", "succeeds"), CALLS_ON_WRITABLE_INPUTS)
def test_inputs_are_never_modified(call: Callable[[dict[str, np.ndarray]], Any], succeeds: bool, dtype: Any) -> None:
    """Arrays passed in keep their values, whether the call succeeds or raises; a result shares no memory with them."""
    inputs = writable_inputs(dtype)
    before = {name: array.copy() for name, array in inputs.items()}
    try:
        result = call(inputs)
    except (ValueError, TypeError):
        assert not succeeds, "the call was meant to succeed"
    else:
        assert succeeds, "the call was meant to fail"
        assert not any(np.shares_memory(result, array) for array in inputs.values()), "the result is a view of an input"
    for name, array in inputs.items():
        assert np.array_equal(array, before[name]), f"{name} was modified"
