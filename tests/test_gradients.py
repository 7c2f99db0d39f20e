"""The backward passes: vector-Jacobian products of conv_transpose and conv, checked as mathematics.

Both operations are bilinear, so every claim can be checked *exactly* on small integers
(int64 arithmetic has no rounding): the gradients are the vector-Jacobian products, the
input gradient of each operation is the other operation, every method agrees.  Central
finite differences on float64 data then check the same numbers the way one checks any
gradient, with a tolerance derived from float64 rounding alone.  The comparisons with
``torch.autograd`` live in ``tests/frameworks/test_torch_layers.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import METHODS, conv, conv_transpose
from transposed_conv.gradients import ConvGradients, conv_backward, conv_transpose_backward
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases
from transposed_conv.transpose import supports

ALL_METHODS = ["auto", *METHODS]
SEEDS = st.integers(0, 2**32 - 1)


def _dot(a: np.ndarray, b: np.ndarray) -> int:
    """``<a, b>`` of two integer arrays, exactly."""
    return int(np.sum(a.astype(np.int64) * b.astype(np.int64)))


def _ints(case: Case) -> tuple[np.ndarray, np.ndarray]:
    return case.x.astype(np.int64), case.weight.astype(np.int64)


def _conv_args(case: Case) -> dict[str, Any]:
    """The convolution whose adjoint the case's transposed convolution is: same stride, padding, dilation, groups."""
    return {"stride": case.stride, "padding": case.padding, "dilation": case.dilation, "groups": case.groups}


def _crop(a: np.ndarray, spatial: tuple[int, ...]) -> np.ndarray:
    return a[(slice(None), slice(None), *(slice(0, i) for i in spatial))]


@given(cases(), SEEDS)
def test_conv_transpose_backward_is_the_vector_jacobian_product(case: Case, seed: int) -> None:
    """<grad_x, v> = <dy, T(v, w)>, <grad_w, V> = <dy, T(x, V)>, <grad_b, c> = <dy, c>, exactly on integers.

    ``T = conv_transpose`` is bilinear, so its derivative along ``(v, V, c)`` is
    ``T(v, w) + T(x, V) + c``; these identities are the definition of the gradients.
    """
    x, w = _ints(case)
    rng = np.random.default_rng(seed)
    dy = rng.integers(-5, 6, size=(x.shape[0], case.out_channels, *case.output_shape))
    v, big_v = rng.integers(-5, 6, size=x.shape), rng.integers(-5, 6, size=w.shape)
    c = rng.integers(-5, 6, size=case.out_channels)
    g = conv_transpose_backward(dy, x, w, **case.kwargs)
    assert (g.grad_input.shape, g.grad_weight.shape, g.grad_bias.shape) == (x.shape, w.shape, c.shape)
    assert g.grad_input.dtype == g.grad_weight.dtype == g.grad_bias.dtype == np.int64
    assert _dot(g.grad_input, v) == _dot(dy, conv_transpose(v, w, **case.kwargs))
    assert _dot(g.grad_weight, big_v) == _dot(dy, conv_transpose(x, big_v, **case.kwargs))
    bias_only = conv_transpose(np.zeros_like(x), np.zeros_like(w), c, **case.kwargs)
    assert _dot(g.grad_bias, c) == _dot(dy, bias_only)


@given(cases(), SEEDS)
def test_conv_backward_is_the_vector_jacobian_product(case: Case, seed: int) -> None:
    """The same identities for ``conv``, on the convolution whose adjoint the drawn case is.

    Its input is the case's transposed output ``(N, C_out, *out)``; the case's weight
    ``(C_in, C_out/G, *k)`` is a convolution weight mapping ``C_out`` to ``C_in`` channels.
    """
    _, w = _ints(case)
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(case.batch, case.out_channels, *case.output_shape))
    y = conv(x, w, **_conv_args(case))
    dy = rng.integers(-5, 6, size=y.shape)
    v, big_v = rng.integers(-5, 6, size=x.shape), rng.integers(-5, 6, size=w.shape)
    c = rng.integers(-5, 6, size=case.in_channels)
    g = conv_backward(dy, x, w, **_conv_args(case))
    assert (g.grad_input.shape, g.grad_weight.shape, g.grad_bias.shape) == (x.shape, w.shape, c.shape)
    assert g.grad_input.dtype == g.grad_weight.dtype == g.grad_bias.dtype == np.int64
    assert _dot(g.grad_input, v) == _dot(dy, conv(v, w, **_conv_args(case)))
    assert _dot(g.grad_weight, big_v) == _dot(dy, conv(x, big_v, **_conv_args(case)))
    assert _dot(g.grad_bias, c) == _dot(dy, conv(np.zeros_like(x), np.zeros_like(w), c, **_conv_args(case)))


@given(cases(), SEEDS)
def test_input_gradient_of_conv_transpose_is_conv_of_the_output_gradient(case: Case, seed: int) -> None:
    """grad_x of conv_transpose = conv(dy, w) with the same stride, padding, dilation and groups.

    When ``output_padding >= stride`` (allowed when the dilation is larger), the
    convolution has ``output_padding // stride`` extra trailing positions, which no
    input element reached: the gradient is the convolution cropped to ``x``'s size.
    """
    x, w = _ints(case)
    dy = np.random.default_rng(seed).integers(-5, 6, size=(x.shape[0], case.out_channels, *case.output_shape))
    convolved = conv(dy, w, **_conv_args(case))
    extra = tuple(a // s for a, s in zip(case.output_padding, case.stride))
    assert convolved.shape[2:] == tuple(i + e for i, e in zip(case.input_shape, extra))
    np.testing.assert_array_equal(
        conv_transpose_backward(dy, x, w, **case.kwargs).grad_input, _crop(convolved, case.input_shape)
    )


@given(cases(), SEEDS)
def test_input_gradient_of_conv_is_conv_transpose_of_the_output_gradient(case: Case, seed: int) -> None:
    """grad_x of conv = conv_transpose(dy, w, output_size=x's spatial size), same stride, padding, dilation, groups."""
    _, w = _ints(case)
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(case.batch, case.out_channels, *case.output_shape))
    dy = rng.integers(-5, 6, size=conv(x, w, **_conv_args(case)).shape)
    expected = conv_transpose(dy, w, **_conv_args(case), output_size=case.output_shape)
    np.testing.assert_array_equal(conv_backward(dy, x, w, **_conv_args(case)).grad_input, expected)


def _assert_same(got: ConvGradients, expected: ConvGradients, method: str) -> None:
    for name, a, b in zip(ConvGradients._fields, got, expected):
        assert a.dtype == b.dtype, f"method={method}: {name}"
        np.testing.assert_array_equal(a, b, err_msg=f"method={method}: {name}")


@given(cases(), SEEDS)
def test_every_method_gives_the_same_conv_gradients(case: Case, seed: int) -> None:
    """``conv_backward`` computes its input gradient with the chosen transposed-convolution ``method``:
    every method gives identical gradients, exactly on integers.  (``conv_transpose_backward``
    takes ``method`` for symmetry and computes the same way whatever it says, so comparing its
    methods would compare one computation with itself.)"""
    x, w = _ints(case)
    rng = np.random.default_rng(seed)
    conv_x = rng.integers(-5, 6, size=(x.shape[0], case.out_channels, *case.output_shape))
    conv_dy = rng.integers(-5, 6, size=conv(conv_x, w, **_conv_args(case)).shape)
    conv_reference = conv_backward(conv_dy, conv_x, w, **_conv_args(case), method="direct")
    for method in (m for m in ALL_METHODS if supports(m, case.config)):
        _assert_same(conv_backward(conv_dy, conv_x, w, **_conv_args(case), method=method), conv_reference, method)


def _dyadic(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal values rounded to multiples of 2**-20: adding ``h * v`` with ``h = 2**-10`` is then exact."""
    return np.round(rng.standard_normal(shape) * 2**20) / 2**20


H = 2.0**-10
U64 = 2.0**-53


def _central_difference_error(
    op: Any, backward: Any, kwargs: dict[str, Any], x: np.ndarray, w: np.ndarray, b: np.ndarray, seed: int
) -> tuple[float, float]:
    """``|central difference - <gradients, direction>|`` along a random direction, and its tolerance."""
    rng = np.random.default_rng(seed)
    dx, dw, db = _dyadic(rng, x.shape), _dyadic(rng, w.shape), _dyadic(rng, b.shape)
    y = op(x, w, b, **kwargs)
    dy = _dyadic(rng, y.shape)

    def f(t: float) -> float:
        return float(np.sum(dy * op(x + t * dx, w + t * dw, b + t * db, **kwargs)))

    g = backward(dy, x, w, **kwargs)
    analytic = float(np.sum(g.grad_input * dx) + np.sum(g.grad_weight * dw) + np.sum(g.grad_bias * db))
    central = (f(H) - f(-H)) / (2 * H)
    # F: the sum of |every product| in f(+-h), evaluated on absolute values (op is bilinear).
    magnitude = float(
        np.sum(
            np.abs(dy)
            * op(np.abs(x) + H * np.abs(dx), np.abs(w) + H * np.abs(dw), np.abs(b) + H * np.abs(db), **kwargs)
        )
    )
    products_per_output = max(w.shape[:2]) * int(np.prod(w.shape[2:])) + 1
    additions = products_per_output + y.size + x.size + w.size + b.size
    return abs(central - analytic), 2 * additions * U64 * magnitude / H


@given(cases(max_side=4, max_kernel=3, max_channels_per_group=2, max_groups=2), SEEDS)
def test_central_finite_differences_agree_with_the_gradients(case: Case, seed: int) -> None:
    """(f(p + h d) - f(p - h d)) / 2h = <grad f, d> for f = <dy, op(x, w, b)>, op = conv_transpose and conv.

    The tolerance is derived, not guessed.  ``op`` is bilinear, so ``f`` along the line
    ``p + t d`` is a quadratic in ``t`` and the central difference has *no* truncation
    error.  The values are multiples of ``2**-20`` and ``h = 2**-10``, so ``p +- h d`` and
    the division by ``2h`` are exact; what remains is the rounding of the two float64
    evaluations of ``f``, each at most ``K * u * F`` where ``K`` counts the additions on
    the way and ``F`` is the sum of the absolute values of all products (Higham, section
    3.1), divided by ``2h``; the gradient side is a sum of the same products divided by
    ``h``, so its rounding is no larger.  A wrong gradient is off by O(1); the tolerance
    is around 1e-9.
    """
    rng = np.random.default_rng(seed)
    w = _dyadic(rng, case.weight.shape)
    x = _dyadic(rng, case.x.shape)
    error, tolerance = _central_difference_error(
        conv_transpose, conv_transpose_backward, case.kwargs, x, w, _dyadic(rng, (case.out_channels,)), seed
    )
    assert error <= tolerance, f"conv_transpose: |central - analytic| = {error} > {tolerance}"
    x = _dyadic(rng, (case.batch, case.out_channels, *case.output_shape))
    error, tolerance = _central_difference_error(
        conv, conv_backward, _conv_args(case), x, w, _dyadic(rng, (case.in_channels,)), seed
    )
    assert error <= tolerance, f"conv: |central - analytic| = {error} > {tolerance}"


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32"])
def test_gradients_have_the_forward_dtype(dtype: str) -> None:
    """float32 stays float32, float16 is accumulated in float32 and returned in float16, integers are int64."""
    x, w, dy = np.ones((1, 2, 3), dtype), np.ones((2, 1, 2), dtype), np.ones((1, 1, 4), dtype)
    expected = np.int64 if dtype == "int32" else np.dtype(dtype)
    for gradient in conv_transpose_backward(dy, x, w):
        assert gradient.dtype == expected
    for gradient in conv_backward(np.ones((1, 1, 2), dtype), x, np.ones((1, 2, 2), dtype)):
        assert gradient.dtype == expected


def test_mixed_dtypes_promote_like_the_forward() -> None:
    """int weights with a float32 output gradient: float64, as int64 and float32 promote in NumPy."""
    g = conv_transpose_backward(np.ones((1, 1, 4), np.float32), np.ones((1, 2, 3), np.float32), np.ones((2, 1, 2), int))
    assert g.grad_input.dtype == g.grad_weight.dtype == np.float64
    g = conv_transpose_backward(np.ones((1, 1, 4), np.float32), np.ones((1, 2, 3), np.float32), np.ones((2, 1, 2)))
    assert g.grad_input.dtype == np.float64


def test_unbatched_input_gives_unbatched_gradient() -> None:
    """x of shape (C_in, *spatial) and grad_output (C_out, *out): grad_input (C_in, *spatial)."""
    x, w = np.arange(6).reshape(2, 3), np.arange(4).reshape(2, 1, 2)
    batched = conv_transpose_backward(np.ones((1, 1, 4), int), x[np.newaxis], w)
    single = conv_transpose_backward(np.ones((1, 4), int), x, w)
    assert single.grad_input.shape == (2, 3)
    np.testing.assert_array_equal(single.grad_input, batched.grad_input[0])
    np.testing.assert_array_equal(single.grad_weight, batched.grad_weight)
    assert conv_backward(np.ones((2, 2), int), np.ones((1, 3), int), np.ones((2, 1, 2), int)).grad_input.shape == (1, 3)


def test_seed_decoder_layer_gradient_shapes() -> None:
    """Kernel 4, stride 2, padding 1 from 16x16 to 32x32: each gradient has its argument's shape."""
    x, w = np.ones((2, 16, 16, 16), np.float32), np.ones((16, 8, 4, 4), np.float32)
    g = conv_transpose_backward(np.ones((2, 8, 32, 32), np.float32), x, w, stride=2, padding=1)
    assert g.grad_input.shape == x.shape and g.grad_weight.shape == w.shape and g.grad_bias.shape == (8,)
    # All 16 taps of an interior input element land inside the 32x32 output: its gradient sums the
    # kernel over the 8 output channels.
    assert g.grad_input[0, 0, 5, 5] == 8 * 16
    assert g.grad_bias.tolist() == [2 * 32 * 32] * 8


X, W = np.ones((1, 2, 3)), np.ones((2, 1, 2))
BAD_CALLS = [
    pytest.param(
        conv_transpose_backward,
        (np.ones((1, 1, 5)), X, W),
        {},
        ValueError,
        r"grad_output must have the shape of the forward output, \(1, 1, 4\); got grad_output.shape=\(1, 1, 5\)",
        id="conv_transpose-grad_output-shape",
    ),
    pytest.param(
        conv_transpose_backward,
        (np.ones((2, 1, 4)), X, W),
        {},
        ValueError,
        r"grad_output must have the shape of the forward output, \(1, 1, 4\)",
        id="conv_transpose-grad_output-batch",
    ),
    pytest.param(
        conv_transpose_backward,
        (np.ones((1, 1, 4), bool), X, W),
        {},
        TypeError,
        "grad_output must be an array of real numbers",
        id="conv_transpose-grad_output-bool",
    ),
    pytest.param(
        conv_transpose_backward,
        ("abc", X, W),
        {},
        TypeError,
        "grad_output must be an array of real numbers",
        id="conv_transpose-grad_output-str",
    ),
    pytest.param(
        conv_transpose_backward,
        (np.ones((1, 1, 4)), X, W),
        {"method": "gemm"},
        ValueError,
        "method must be one of",
        id="conv_transpose-method",
    ),
    pytest.param(
        conv_transpose_backward,
        (np.ones((1, 1, 4)), X, W),
        {"stride": 0},
        ValueError,
        "stride must be >= 1",
        id="conv_transpose-stride",
    ),
    pytest.param(
        conv_transpose_backward,
        (np.ones((1, 1, 8)), X, W),
        {"stride": 2, "output_padding": 1, "output_size": (8,)},
        ValueError,
        "give output_padding or output_size, not both",
        id="conv_transpose-output_size-and-output_padding",
    ),
    pytest.param(
        conv_transpose_backward,
        (np.ones((1, 1, 4)), np.ones((1, 3, 3)), W),
        {},
        ValueError,
        "weight must have shape",
        id="conv_transpose-channels",
    ),
    pytest.param(
        conv_backward,
        (np.ones((1, 2, 3)), X, np.ones((2, 2, 2))),
        {},
        ValueError,
        r"grad_output must have the shape of the forward output, \(1, 2, 2\); got grad_output.shape=\(1, 2, 3\)",
        id="conv-grad_output-shape",
    ),
    pytest.param(
        conv_backward,
        (np.ones((1, 2, 2), complex), X, np.ones((2, 2, 2))),
        {},
        TypeError,
        "grad_output must be an array of real numbers",
        id="conv-grad_output-complex",
    ),
    pytest.param(
        conv_backward,
        (np.ones((1, 2, 2)), X, np.ones((2, 2, 2))),
        {"method": 3},
        TypeError,
        "method must be a str",
        id="conv-method-type",
    ),
    pytest.param(
        conv_backward,
        (np.ones((1, 2, 2)), X, np.ones((2, 2, 2))),
        {"groups": 2},
        ValueError,
        "weight must have shape",
        id="conv-groups",
    ),
]


@pytest.mark.parametrize(("function", "args", "kwargs", "error", "message"), BAD_CALLS)
def test_bad_arguments_raise_naming_the_parameter(
    function: Any, args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        function(*args, **kwargs)
