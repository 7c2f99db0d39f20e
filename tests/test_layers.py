"""The NumPy layers: BatchNorm's statistics, every backward pass, state dicts, the decoder's shapes.

PyTorch is not needed here; ``tests/frameworks/test_torch_layers.py`` compares with it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import conv_transpose, conv_transpose_output_shape
from transposed_conv.gradients import conv_transpose_backward
from transposed_conv.layers import (
    BatchNorm,
    ConvTranspose,
    DeconvLayer,
    Module,
    ReLU,
    ResNet50Decoder,
    Sequential,
    padding_to_double,
)

SEEDS = st.integers(0, 2**32 - 1)


def small_decoder(**options: Any) -> ResNet50Decoder:
    """The seed's decoder with small channel counts, float64."""
    return ResNet50Decoder(inplanes=16, num_filters=(8, 6, 4), dtype=np.float64, rng=0, **options)


# --- BatchNorm ------------------------------------------------------------------------------------


@st.composite
def batch_shapes(draw: st.DrawFn) -> tuple[int, ...]:
    """``(N, C, *spatial)`` with 0 to 2 spatial axes and at least 2 values per channel."""
    spatial = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    batch = draw(st.integers(1, 3))
    if batch * int(np.prod(spatial)) < 2:
        batch = 2
    return (batch, draw(st.integers(1, 3)), *spatial)


@given(batch_shapes(), SEEDS, st.sampled_from([0.1, 0.5, 1.0, 0.0]))
def test_batchnorm_normalises_with_the_biased_variance_and_tracks_the_unbiased_one(
    shape: tuple[int, ...], seed: int, momentum: float
) -> None:
    """Training: y = (x - mean) / sqrt(var + eps) * w + b with the biased variance; the running
    variance moves towards the unbiased one, m / (m - 1) times larger; one more batch is counted."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3 + 1
    bn = BatchNorm(shape[1], eps=1e-3, momentum=momentum, dtype=np.float64)
    bn.weight.data[...], bn.bias.data[...] = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    axes = (0, *range(2, len(shape)))
    m = x.size // shape[1]
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    column = (1, shape[1]) + (1,) * (len(shape) - 2)
    expected = (x - mean.reshape(column)) / np.sqrt(var.reshape(column) + 1e-3) * bn.weight.data.reshape(
        column
    ) + bn.bias.data.reshape(column)
    np.testing.assert_allclose(bn(x), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, momentum * mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(bn.running_var, 1 - momentum + momentum * var * m / (m - 1), rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1


def test_batchnorm_momentum_none_is_the_cumulative_average() -> None:
    """momentum=None: after k batches the running statistics are the plain average of the k batches'."""
    rng = np.random.default_rng(0)
    bn = BatchNorm(3, momentum=None, dtype=np.float64)
    batches = [rng.standard_normal((4, 3, 5)) * (k + 1) + k for k in range(5)]
    for x in batches:
        bn(x)
    means = [x.mean(axis=(0, 2)) for x in batches]
    variances = [x.var(axis=(0, 2), ddof=1) for x in batches]
    np.testing.assert_allclose(bn.running_mean, np.mean(means, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, np.mean(variances, axis=0), rtol=1e-12)
    assert int(bn.num_batches_tracked) == 5


def test_batchnorm_eval_uses_the_running_statistics_and_updates_nothing() -> None:
    bn = BatchNorm(2, eps=0.0 + 1e-5, dtype=np.float64)
    bn.running_mean[...] = [1.0, -1.0]
    bn.running_var[...] = [4.0, 9.0]
    x = np.arange(12, dtype=np.float64).reshape(3, 2, 2)
    y = bn.eval()(x)
    expected = (x - np.array([1.0, -1.0])[:, None]) / np.sqrt(np.array([4.0, 9.0]) + 1e-5)[:, None]
    np.testing.assert_allclose(y, expected, rtol=1e-14)
    assert bn.running_mean.tolist() == [1.0, -1.0] and int(bn.num_batches_tracked) == 0


def test_batchnorm_without_running_statistics_normalises_with_the_batch_in_eval_too() -> None:
    bn = BatchNorm(2, affine=False, track_running_stats=False, dtype=np.float64).eval()
    x = np.random.default_rng(1).standard_normal((5, 2, 3))
    y = bn(x)
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0, atol=1e-14)
    np.testing.assert_allclose(y.var(axis=(0, 2)), 1, rtol=1e-4)  # eps = 1e-5 shrinks it slightly
    assert bn.state_dict() == {} and bn.parameters() == []
    assert bn.running_mean is None and bn.weight is None


def test_batchnorm_refuses_a_single_value_per_channel_in_training() -> None:
    bn = BatchNorm(3)
    with pytest.raises(ValueError, match="x must have more than 1 value per channel in training mode"):
        bn(np.ones((1, 3)))
    assert bn.eval()(np.ones((1, 3))).shape == (1, 3)  # fine with the running statistics


def _directional_derivative_error(
    module: Module, x: np.ndarray, seed: int, h: float = 1e-5
) -> tuple[float, float, float]:
    """Central difference of ``<dy, module(x)>`` along a random direction in ``x`` and every parameter.

    Returns ``(|central - analytic|, |analytic|, h)``.
    """
    rng = np.random.default_rng(seed)
    parameters = module.parameters()
    directions = [rng.standard_normal(p.data.shape) for p in parameters]
    dx = rng.standard_normal(x.shape)
    dy = rng.standard_normal(module(x).shape)
    module.zero_grad()
    grad_x = module.backward(dy)
    analytic = float(np.sum(grad_x * dx)) + sum(float(np.sum(p.grad * d)) for p, d in zip(parameters, directions))
    originals = [p.data.copy() for p in parameters]

    def f(t: float) -> float:
        for p, original, d in zip(parameters, originals, directions):
            p.data[...] = original + t * d
        return float(np.sum(dy * module(x + t * dx)))

    central = (f(h) - f(-h)) / (2 * h)
    f(0.0)
    return abs(central - analytic), abs(analytic), h


@pytest.mark.parametrize("training", [True, False], ids=["training", "eval"])
@given(batch_shapes(), SEEDS)
def test_batchnorm_backward_matches_central_differences(training: bool, shape: tuple[int, ...], seed: int) -> None:
    """The exact gradient through the batch mean and variance (training) or the affine map (eval).

    Tolerance: BatchNorm is smooth, so the central difference errs by ``h**2 / 6 * |f'''|``
    (truncation, ~1e-10 for standardised data and ``h = 1e-5``) plus ``u * |f| / h``
    (rounding, ~1e-11); ``1e-6`` relative leaves a wide margin, while dropping a term of
    the formula (the mean of ``dy``, or of ``dy * x_hat``) changes the result by O(1).
    """
    rng = np.random.default_rng(seed)
    bn = BatchNorm(shape[1], momentum=0.3, dtype=np.float64).train(training)
    bn.weight.data[...], bn.bias.data[...] = rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])
    bn.running_mean[...], bn.running_var[...] = rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])
    error, scale, _ = _directional_derivative_error(bn, rng.standard_normal(shape), seed)
    assert error <= 1e-6 * (1 + scale)


def test_batchnorm_input_gradient_is_orthogonal_to_shifts_and_scalings_in_training() -> None:
    """In training the output ignores adding a constant per channel or scaling it: so dx sums to 0
    and is orthogonal to x per channel (up to the tiny effect of eps)."""
    rng = np.random.default_rng(3)
    bn = BatchNorm(3, eps=1e-12, dtype=np.float64)
    x = rng.standard_normal((4, 3, 5))
    bn(x)
    dx = bn.backward(rng.standard_normal(x.shape))
    np.testing.assert_allclose(dx.sum(axis=(0, 2)), 0, atol=1e-12)
    np.testing.assert_allclose((dx * (x - x.mean(axis=(0, 2), keepdims=True))).sum(axis=(0, 2)), 0, atol=1e-9)


def test_relu_backward_passes_the_gradient_where_the_input_is_positive() -> None:
    relu = ReLU()
    x = np.array([[-2.0, -0.0, 0.0, 1e-30, 3.0]], np.float32)
    np.testing.assert_array_equal(relu(x), np.array([[0, 0, 0, 1e-30, 3]], np.float32))
    assert relu(x).dtype == np.float32
    np.testing.assert_array_equal(relu.backward(np.full((1, 5), 7.0, np.float32)), [[0, 0, 0, 7, 7]])


def test_conv_transpose_layer_is_the_function_and_accumulates_gradients() -> None:
    rng = np.random.default_rng(0)
    layer = ConvTranspose(4, 6, (3, 2), stride=(2, 1), padding=[(1, 0), (0, 1)], groups=2, dtype=np.float64, rng=1)
    x = rng.standard_normal((2, 4, 3, 5))
    arguments = {"stride": (2, 1), "padding": [(1, 0), (0, 1)], "groups": 2}
    y = layer(x)
    np.testing.assert_array_equal(y, conv_transpose(x, layer.weight.data, layer.bias.data, **arguments))
    dy = rng.standard_normal(y.shape)
    expected = conv_transpose_backward(dy, x, layer.weight.data, **arguments)
    np.testing.assert_array_equal(layer.backward(dy), expected.grad_input)
    layer.backward(dy)
    np.testing.assert_allclose(layer.weight.grad, 2 * expected.grad_weight, rtol=1e-15)
    np.testing.assert_allclose(layer.bias.grad, 2 * expected.grad_bias, rtol=1e-15)
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_conv_transpose_layer_initialises_like_pytorch() -> None:
    """Uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C_out/groups * prod(kernel), in float32."""
    layer = ConvTranspose(64, 32, 4, groups=2, rng=0)
    bound = 1 / np.sqrt(16 * 16)
    assert layer.weight.data.dtype == np.float32 and layer.weight.data.shape == (64, 16, 4, 4)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.95 * bound
    assert np.abs(layer.bias.data).max() <= bound


def test_decoder_backward_matches_central_differences() -> None:
    """The whole chain rule: a small decoder (kernels 4, 3, 2) in training and evaluation mode.

    The tolerance is the one of the BatchNorm test.  With these fixed seeds no ReLU input
    lies within 3e-5 of 0, and a step of ``h = 1e-6`` moves none across it: the observed
    error is ~1e-10 relative, where a crossed kink would show as ~1e-3.
    """
    decoder = ResNet50Decoder(inplanes=4, num_filters=(3, 3, 2), num_kernels=(4, 3, 2), dtype=np.float64, rng=0)
    x = np.random.default_rng(1).standard_normal((2, 4, 3, 3))
    for mode in (True, False):
        decoder.train(mode)
        error, scale, _ = _directional_derivative_error(decoder, x, seed=2, h=1e-6)
        assert error <= 1e-6 * (1 + scale), f"training={mode}"


# --- state dicts ----------------------------------------------------------------------------------


def test_state_dict_uses_pytorchs_keys_in_pytorchs_order() -> None:
    decoder = ResNet50Decoder(inplanes=16, num_filters=(8, 4), num_kernels=(4, 4), rng=0)
    expected = []
    for i in range(2):
        expected += [f"deconv_layers.{i}.conv_transpose.weight"] + [
            f"deconv_layers.{i}.bn.{name}" for name in ("weight", "bias", "running_mean", "running_var")
        ]
        expected.append(f"deconv_layers.{i}.bn.num_batches_tracked")
    state = decoder.state_dict()
    assert list(state) == expected
    assert state["deconv_layers.0.conv_transpose.weight"].shape == (16, 8, 4, 4)
    assert state["deconv_layers.1.bn.num_batches_tracked"].shape == ()
    assert state["deconv_layers.1.bn.num_batches_tracked"].dtype == np.int64
    assert [name for name, _ in decoder.named_parameters()] == [
        k for k in expected if "running" not in k and "num" not in k
    ]


def test_state_dict_is_a_copy() -> None:
    bn = BatchNorm(2)
    bn.state_dict()["running_mean"][...] = 5
    assert bn.running_mean.tolist() == [0, 0]


def test_state_dict_round_trips_through_npz(tmp_path: Path) -> None:
    source = small_decoder()
    source(np.random.default_rng(0).standard_normal((2, 16, 2, 2)))  # move the running statistics
    np.savez(tmp_path / "decoder.npz", **source.state_dict())
    target = ResNet50Decoder(inplanes=16, num_filters=(8, 6, 4), dtype=np.float64, rng=1)
    target.load_state_dict(tmp_path / "decoder.npz")
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert int(target.deconv_layers[2].bn.num_batches_tracked) == 1
    x = np.random.default_rng(1).standard_normal((1, 16, 2, 2))
    np.testing.assert_array_equal(source.eval()(x), target.eval()(x))


def test_load_state_dict_casts_into_the_existing_dtype_and_keeps_the_arrays() -> None:
    layer = DeconvLayer(2, 3, 4, 2, 1, 0, rng=0)
    weight = layer.conv_transpose.weight.data
    state = {name: value.astype(np.float64) + 1 for name, value in layer.state_dict().items()}
    state["bn.num_batches_tracked"] = np.array(7)
    layer.load_state_dict(state)
    assert layer.conv_transpose.weight.data is weight and weight.dtype == np.float32
    np.testing.assert_array_equal(layer.bn.running_var, np.full(3, 2, np.float32))
    assert int(layer.bn.num_batches_tracked) == 7


def _state(**changes: Any) -> dict[str, Any]:
    state: dict[str, Any] = dict(DeconvLayer(2, 3, 4, 2, 1, 0, rng=0).state_dict())
    for name, value in changes.items():
        name = name.replace("__", ".")
        if value is None:
            del state[name]
        else:
            state[name] = value
    return state


BAD_STATES: list[Any] = [
    pytest.param(_state(bn__running_var=None), ValueError, r"missing keys \['bn.running_var'\]", id="missing"),
    pytest.param(_state(bn__extra=np.ones(3)), ValueError, r"unexpected keys \['bn.extra'\]", id="unexpected"),
    pytest.param(
        _state(conv_transpose__weight=np.ones((3, 2, 4, 4))),
        ValueError,
        r"mis-shaped keys: 'conv_transpose.weight' has shape \(3, 2, 4, 4\), expected \(2, 3, 4, 4\)",
        id="mis-shaped",
    ),
    pytest.param(
        _state(bn__num_batches_tracked=np.array(1.5)),
        TypeError,
        r"state_dict\['bn.num_batches_tracked'\] has dtype float64, which cannot be cast to int64",
        id="float-into-int",
    ),
    pytest.param(
        _state(bn__weight=np.ones(3, complex)),
        TypeError,
        r"state_dict\['bn.weight'\] must be an array of real numbers",
        id="complex",
    ),
    pytest.param([("bn.weight", np.ones(3))], TypeError, "state_dict must be a mapping", id="not-a-mapping"),
    pytest.param({1: np.ones(3)}, TypeError, "state_dict keys must be str", id="key-type"),
]


@pytest.mark.parametrize(("state", "error", "message"), BAD_STATES)
def test_load_state_dict_names_what_does_not_fit_and_loads_nothing(
    state: Any, error: type[Exception], message: str
) -> None:
    layer = DeconvLayer(2, 3, 4, 2, 1, 0, rng=1)
    before = layer.state_dict()
    with pytest.raises(error, match=message):
        layer.load_state_dict(state)
    for name, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_load_state_dict_lists_every_problem_at_once() -> None:
    state = _state(bn__bias=None, bn__running_mean=np.ones(4), other=np.ones(1))
    with pytest.raises(ValueError, match=r"missing keys \['bn.bias'\]; unexpected keys \['other'\]; mis-shaped keys"):
        DeconvLayer(2, 3, 4, 2, 1, 0).load_state_dict(state)


def test_load_state_dict_not_strict_ignores_missing_and_unexpected_keys() -> None:
    layer = DeconvLayer(2, 3, 4, 2, 1, 0, rng=0)
    layer.load_state_dict({"bn.bias": np.full(3, 2.0), "unrelated": np.ones(1)}, strict=False)
    assert layer.bn.bias.data.tolist() == [2, 2, 2]
    with pytest.raises(ValueError, match="mis-shaped"):
        layer.load_state_dict({"bn.bias": np.ones(4)}, strict=False)


# --- modes, containers, construction --------------------------------------------------------------


def test_train_and_eval_reach_every_layer() -> None:
    decoder = small_decoder()
    assert all(module.training for _, module in decoder.named_modules())
    decoder.eval()
    assert not any(module.training for _, module in decoder.named_modules())
    assert decoder.train() is decoder and decoder.deconv_layers[1].bn.training


def test_backward_before_forward_is_an_error() -> None:
    with pytest.raises(RuntimeError, match=r"ReLU.backward needs a forward pass first"):
        ReLU().backward(np.ones(3))


def test_sequential_applies_its_layers_in_order_and_indexes_them() -> None:
    first, second = ReLU(), BatchNorm(2, dtype=np.float64)
    net = Sequential(first, second)
    assert len(net) == 2 and net[0] is first and list(net) == [first, second]
    x = np.random.default_rng(0).standard_normal((3, 2))
    np.testing.assert_array_equal(net(x), BatchNorm(2, dtype=np.float64)(np.maximum(x, 0)))
    assert "(1): BatchNorm(2, eps=1e-05" in repr(net)


@pytest.mark.parametrize("kernel", [4, 3, 2])
@given(size=st.integers(1, 64))
def test_padding_to_double_doubles_every_size(kernel: int, size: int) -> None:
    """(i - 1)*2 - 2*padding + kernel + output_padding = 2*i for kernels 4, 3 and 2."""
    padding, output_padding = padding_to_double(kernel)
    assert conv_transpose_output_shape(size, kernel, stride=2, padding=padding, output_padding=output_padding) == (
        2 * size,
    )


def test_decoder_doubles_three_times() -> None:
    """The shape trace of the seed's decoder at small channel counts: 4x4 -> 8x8 -> 16x16 -> 32x32."""
    decoder = ResNet50Decoder(inplanes=16, num_filters=(8, 6, 4), num_kernels=(4, 3, 2), rng=0)
    y = np.zeros((2, 16, 4, 4), np.float32)
    trace = []
    for block in decoder.deconv_layers:
        y = block(y)
        trace.append(y.shape)
    assert trace == [(2, 8, 8, 8), (2, 6, 16, 16), (2, 4, 32, 32)]
    assert y.dtype == np.float32
    assert [b.conv_transpose.padding for b in decoder.deconv_layers] == [
        ((1, 1), (1, 1)),
        ((1, 1), (1, 1)),
        ((0, 0), (0, 0)),
    ]


def test_decoder_works_in_one_and_three_dimensions() -> None:
    assert ResNet50Decoder(4, num_filters=(2,), num_kernels=(3,), ndim=1, rng=0)(np.ones((2, 4, 5))).shape == (2, 2, 10)
    assert ResNet50Decoder(4, num_filters=(2,), num_kernels=(4,), ndim=3, rng=0)(np.ones((2, 4, 2, 2, 2))).shape == (
        2,
        2,
        4,
        4,
        4,
    )


BAD_CONSTRUCTIONS: list[Any] = [
    pytest.param(
        lambda: ResNet50Decoder(num_kernels=(4, 5, 4)),
        ValueError,
        "num_kernels must contain only 4, 3 or 2",
        id="kernel-5",
    ),
    pytest.param(
        lambda: ResNet50Decoder(num_filters=(8, 4)),
        ValueError,
        "num_filters and num_kernels must have one entry per block",
        id="lengths",
    ),
    pytest.param(
        lambda: ResNet50Decoder(num_filters=8), TypeError, "num_filters must be a sequence of ints", id="filters-int"
    ),
    pytest.param(lambda: ResNet50Decoder(inplanes=0), ValueError, "inplanes must be >= 1", id="inplanes"),
    pytest.param(lambda: padding_to_double(5), ValueError, "kernel_size must be 4, 3 or 2", id="padding_to_double"),
    pytest.param(
        lambda: ConvTranspose(4, 6, 3, groups=4),
        ValueError,
        "groups must divide both in_channels and out_channels",
        id="groups",
    ),
    pytest.param(
        lambda: ConvTranspose(4, 6, 3, stride=2, output_padding=2),
        ValueError,
        "output_padding must be smaller than stride or dilation",
        id="output_padding",
    ),
    pytest.param(
        lambda: ConvTranspose(4, 6, (3, 3, 3), ndim=2),
        ValueError,
        "kernel_size must be an int or a sequence of 2 ints",
        id="ndim",
    ),
    pytest.param(lambda: ConvTranspose(4, 6, 3, method="fast"), ValueError, "method must be one of", id="method"),
    pytest.param(
        lambda: ConvTranspose(4, 6, 3, dtype=np.int32), TypeError, "dtype must be a floating dtype", id="dtype"
    ),
    pytest.param(lambda: ConvTranspose(4, 6, 3, bias=1), TypeError, "bias must be a bool", id="bias"),
    pytest.param(
        lambda: BatchNorm(3, momentum=1.5), ValueError, r"momentum must be in \[0, 1\] or None", id="momentum"
    ),
    pytest.param(lambda: BatchNorm(3, momentum="0.1"), TypeError, "momentum must be a float", id="momentum-type"),
    pytest.param(lambda: BatchNorm(3, eps=0), ValueError, "eps must be > 0", id="eps"),
    pytest.param(lambda: BatchNorm(0), ValueError, "num_features must be >= 1", id="num_features"),
    pytest.param(
        lambda: BatchNorm(3)(np.ones((2, 4))), ValueError, r"x must have shape \(N, 3, \*spatial\)", id="bn-channels"
    ),
    pytest.param(lambda: Sequential(ReLU(), np.sin), TypeError, "layers must be Module instances", id="sequential"),
    pytest.param(lambda: ReLU().train(1), TypeError, "mode must be a bool", id="train-mode"),
]


@pytest.mark.parametrize(("make", "error", "message"), BAD_CONSTRUCTIONS)
def test_bad_layer_arguments_raise_naming_the_parameter(
    make: Callable[[], Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make()


# --- the checkerboard claim of docs/decoder.md ----------------------------------------------------


@given(stride=st.integers(1, 5), kernel=st.integers(1, 12))
def test_a_kernel_divisible_by_the_stride_overlaps_evenly(stride: int, kernel: int) -> None:
    """Away from the borders every output of a stride-s transposed convolution receives k/s taps
    if s divides k; otherwise floor(k/s) and floor(k/s) + 1 taps alternate -- the checkerboard.

    The tap count at each output is ``conv_transpose(ones, ones)``; "away from the borders"
    means positions ``k - 1 .. (L - 1)*s`` of the full output, which every tap can reach.
    """
    length = kernel + 3
    counts = conv_transpose(np.ones((1, 1, length), int), np.ones((1, 1, kernel), int), stride=stride)[0, 0]
    interior = counts[kernel - 1 : (length - 1) * stride + 1]
    assert len(interior) >= stride  # every phase of the stride is represented
    if kernel % stride == 0:
        assert set(interior.tolist()) == {kernel // stride}
    else:
        assert set(interior.tolist()) == {kernel // stride, kernel // stride + 1}
    # In 2-D the counts are the outer product of the 1-D ones: even in 2-D iff even in 1-D.
    counts_2d = conv_transpose(
        np.ones((1, 1, length, length), int), np.ones((1, 1, kernel, kernel), int), stride=stride
    )
    np.testing.assert_array_equal(counts_2d[0, 0], np.outer(counts, counts))
