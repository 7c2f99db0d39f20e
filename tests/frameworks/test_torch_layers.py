"""Cross-check against PyTorch CPU: gradients against torch.autograd, and the seed's decoder layer by layer.

The PyTorch decoder below follows the seed's structure -- blocks of ConvTranspose2d,
BatchNorm2d and ReLU named ``conv_transpose``, ``bn`` and ``relu`` in an ``nn.Sequential``
called ``deconv_layers`` -- so that its ``state_dict`` keys are the NumPy decoder's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv.cli import main
from transposed_conv.export import export_state_dict, numpy_state_dict
from transposed_conv.gradients import ConvGradients, conv_backward, conv_transpose_backward
from transposed_conv.layers import BatchNorm, ResNet50Decoder, padding_to_double
from transposed_conv.oracle import assert_close
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

nn = torch.nn
F = torch.nn.functional
U32, U64 = 2.0**-24, 2.0**-53


# --- a PyTorch decoder with the seed's structure --------------------------------------------------


class TorchDeconvLayer(nn.Module):  # type: ignore[misc]
    """Upsampling block: transposed convolution, batch normalisation, ReLU."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        padding: int,
        output_padding: int,
        bn_momentum: float | None = 0.1,
        bias: bool = False,
    ) -> None:
        super().__init__()
        self.conv_transpose = nn.ConvTranspose2d(
            in_channels, out_channels, kernel_size, stride, padding, output_padding, bias=bias
        )
        self.bn = nn.BatchNorm2d(out_channels, momentum=bn_momentum)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Any) -> Any:
        return self.relu(self.bn(self.conv_transpose(x)))


class TorchResNet50Decoder(nn.Module):  # type: ignore[misc]
    """Stride-2 blocks, each doubling the spatial size, from ``inplanes`` channels."""

    def __init__(
        self,
        inplanes: int = 2048,
        bn_momentum: float | None = 0.1,
        num_filters: Sequence[int] = (256, 128, 64),
        num_kernels: Sequence[int] = (4, 4, 4),
    ) -> None:
        super().__init__()
        channels = [inplanes, *num_filters]
        self.deconv_layers = nn.Sequential(
            *(
                TorchDeconvLayer(channels[i], channels[i + 1], k, 2, *padding_to_double(k), bn_momentum)
                for i, k in enumerate(num_kernels)
            )
        )

    def forward(self, x: Any) -> Any:
        return self.deconv_layers(x)


SMALL = {"inplanes": 16, "num_filters": (8, 6, 4), "num_kernels": (4, 3, 2)}


def twin_decoders(dtype: str, bn_momentum: float | None = 0.1, seed: int = 0) -> tuple[Any, ResNet50Decoder]:
    """A PyTorch decoder with non-trivial BatchNorm parameters, and the NumPy decoder loaded from it."""
    torch.manual_seed(seed)
    reference = TorchResNet50Decoder(bn_momentum=bn_momentum, **SMALL).to(getattr(torch, dtype))
    with torch.no_grad():
        for block in reference.deconv_layers:
            block.bn.weight.uniform_(0.5, 1.5)
            block.bn.bias.uniform_(-0.5, 0.5)
    ours = ResNet50Decoder(bn_momentum=bn_momentum, dtype=dtype, **SMALL)
    ours.load_state_dict(numpy_state_dict(reference))
    return reference, ours


def _numpy(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


# --- gradients against torch.autograd -------------------------------------------------------------

TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
CONVOLUTION = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def torch_conv_transpose_gradients(case: Case, x: np.ndarray, w: np.ndarray, dy: np.ndarray) -> list[np.ndarray]:
    """torch.autograd through conv_transpose*d; asymmetric padding by computing with none and cropping
    ``[p_begin, size - p_end)``, which crops the same outputs and so gives the same gradients."""
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.zeros(case.out_channels, dtype=xt.dtype, requires_grad=True)
    full = TRANSPOSED[case.ndim](
        xt, wt, bt, stride=case.stride, output_padding=case.output_padding, groups=case.groups, dilation=case.dilation
    )
    crop = tuple(slice(pb, size - pe) for (pb, pe), size in zip(case.padding, full.shape[2:]))
    full[(slice(None), slice(None), *crop)].backward(torch.from_numpy(dy))
    return [_numpy(t.grad) for t in (xt, wt, bt)]


def torch_conv_gradients(case: Case, x: np.ndarray, w: np.ndarray, dy: np.ndarray) -> list[np.ndarray]:
    """torch.autograd through conv*d; asymmetric padding by padding the input with F.pad first."""
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.zeros(case.in_channels, dtype=xt.dtype, requires_grad=True)
    pads = [side for pair in reversed(case.padding) for side in pair]  # F.pad lists the last dimension first
    y = CONVOLUTION[case.ndim](F.pad(xt, pads), wt, bt, stride=case.stride, dilation=case.dilation, groups=case.groups)
    y.backward(torch.from_numpy(dy))
    return [_numpy(t.grad) for t in (xt, wt, bt)]


def _conv_args(case: Case) -> dict[str, Any]:
    return {"stride": case.stride, "padding": case.padding, "dilation": case.dilation, "groups": case.groups}


def gradient_bounds(
    backward: Any, dy: np.ndarray, x: np.ndarray, w: np.ndarray, u: float, **kwargs: Any
) -> list[np.ndarray]:
    """Elementwise bounds on ``|computed - exact|`` for each gradient, the oracle's derivation applied to them.

    Each gradient element is a sum of ``n`` products, so any summation order in unit
    roundoff ``u`` errs by at most ``((1 + u)**(n + 1) - 1) * S`` with ``S`` the sum of the
    products' absolute values (see :mod:`transposed_conv.oracle`).  The backward pass of
    the absolute values is exactly ``S``, that of all-ones arrays exactly ``n``; the
    float64 reference adds its own, smaller, bound.
    """
    magnitudes = backward(
        np.abs(dy).astype(np.float64), np.abs(x).astype(np.float64), np.abs(w).astype(np.float64), **kwargs
    )
    counts = backward(np.ones(dy.shape, np.int64), np.ones(x.shape, np.int64), np.ones(w.shape, np.int64), **kwargs)
    return [
        (np.expm1((n + 1) * math.log1p(u)) + np.expm1((n + 1) * math.log1p(U64))) * s * (1 + 2.0**-40)
        for s, n in zip(magnitudes, counts)
    ]


def assert_gradients_within(
    got: Sequence[np.ndarray], exact: ConvGradients, bounds: list[np.ndarray], who: str
) -> None:
    """Each of ``got`` (grad_input, grad_weight[, grad_bias]) within its bound of the exact gradient."""
    for name, a, b, bound in zip(ConvGradients._fields, got, exact, bounds):
        excess = np.abs(a.astype(np.float64) - b) - bound
        assert np.all(excess <= 0), f"{who} {name}: exceeds its rounding bound by {excess.max():.3g}"


@given(cases(values="integers"), st.integers(0, 2**32 - 1))
def test_conv_transpose_backward_equals_torch_autograd_exactly_on_integers(case: Case, seed: int) -> None:
    """Groups, dilation, asymmetric padding, output_padding >= stride: the three gradients are identical."""
    torch.set_num_threads(1)
    dy = np.random.default_rng(seed).integers(-4, 5, size=(case.batch, case.out_channels, *case.output_shape))
    ours = conv_transpose_backward(dy.astype(np.float64), case.x, case.weight, **case.kwargs)
    for name, a, b in zip(
        ConvGradients._fields, ours, torch_conv_transpose_gradients(case, case.x, case.weight, dy.astype(np.float64))
    ):
        np.testing.assert_array_equal(a, b, err_msg=name)


@given(cases(values="integers"), st.integers(0, 2**32 - 1))
def test_conv_backward_equals_torch_autograd_exactly_on_integers(case: Case, seed: int) -> None:
    """The convolution whose adjoint the drawn case is: input ``(N, C_out, *out)``, the same weight."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 5, size=(case.batch, case.out_channels, *case.output_shape)).astype(np.float64)
    out = tuple(i + a // s for i, a, s in zip(case.input_shape, case.output_padding, case.stride))
    dy = rng.integers(-4, 5, size=(case.batch, case.in_channels, *out)).astype(np.float64)
    ours = conv_backward(dy, x, case.weight, **_conv_args(case))
    for name, a, b in zip(ConvGradients._fields, ours, torch_conv_gradients(case, x, case.weight, dy)):
        np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@given(data=st.data())
def test_gradients_and_torch_autograd_are_within_the_rounding_bound(dtype: str, data: st.DataObject) -> None:
    """On normal values, ours and PyTorch's gradients are both within the rigorous bound of the exact ones."""
    torch.set_num_threads(1)
    case = data.draw(cases(dtype=dtype, values="normal"))
    u = U64 if dtype == "float64" else U32
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    dy = rng.standard_normal((case.batch, case.out_channels, *case.output_shape)).astype(dtype)
    exact = conv_transpose_backward(
        dy.astype(np.float64), case.x.astype(np.float64), case.weight.astype(np.float64), **case.kwargs
    )
    bounds = gradient_bounds(conv_transpose_backward, dy, case.x, case.weight, u, **case.kwargs)
    ours = conv_transpose_backward(dy, case.x, case.weight, **case.kwargs)
    assert ours.grad_weight.dtype == np.dtype(dtype)
    assert_gradients_within(ours, exact, bounds, "ours")
    assert_gradients_within(torch_conv_transpose_gradients(case, case.x, case.weight, dy), exact, bounds, "torch")


# --- the decoder --------------------------------------------------------------------------------


def test_state_dict_keys_shapes_and_dtypes_are_pytorchs() -> None:
    reference, ours = twin_decoders("float32")
    theirs = numpy_state_dict(reference)
    mine = ours.state_dict()
    assert list(mine) == list(theirs)
    for name, value in theirs.items():
        assert (mine[name].shape, mine[name].dtype) == (value.shape, value.dtype), name
        np.testing.assert_array_equal(mine[name], value, err_msg=name)


def test_export_writes_the_npz_that_load_state_dict_reads(tmp_path: Path) -> None:
    reference, _ = twin_decoders("float64")
    reference(torch.randn(2, 16, 3, 3, dtype=torch.float64))  # running statistics and counters move
    written = export_state_dict(reference, tmp_path / "decoder.npz")
    ours = ResNet50Decoder(dtype=np.float64, rng=1, **SMALL)
    ours.load_state_dict(tmp_path / "decoder.npz")
    assert int(ours.state_dict()["deconv_layers.2.bn.num_batches_tracked"]) == 1
    for name, value in reference.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name], _numpy(value), err_msg=name)
        np.testing.assert_array_equal(written[name], _numpy(value), err_msg=name)


def test_export_command_converts_a_saved_state_dict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reference, _ = twin_decoders("float32")
    torch.save(reference.state_dict(), tmp_path / "decoder.pt")
    assert main(["export", str(tmp_path / "decoder.pt"), str(tmp_path / "decoder.npz")]) == 0
    assert "wrote 18 arrays" in capsys.readouterr().out
    ResNet50Decoder(**SMALL).load_state_dict(tmp_path / "decoder.npz")


def test_export_refuses_what_numpy_cannot_hold() -> None:
    with pytest.raises(TypeError, match=r"state_dict\['w'\] has dtype torch.bfloat16"):
        numpy_state_dict({"w": torch.ones(2, dtype=torch.bfloat16)})
    with pytest.raises(TypeError, match=r"module must be a torch\.nn\.Module or a state_dict mapping"):
        numpy_state_dict(3)


def _compare_float64(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    """Tight float64 agreement: relative 1e-10, with an absolute floor of 1e-12 of the array's scale
    for elements that cancel to near zero (both sides sum the same terms in different orders)."""
    np.testing.assert_allclose(
        ours, theirs, rtol=1e-10, atol=1e-12 * max(float(np.abs(theirs).max()), 1.0), err_msg=what
    )


@pytest.mark.parametrize("momentum", [0.1, None], ids=["momentum=0.1", "momentum=None"])
def test_decoder_matches_pytorch_in_float64(momentum: float | None) -> None:
    """Training steps, then evaluation: outputs, input and parameter gradients, running statistics, counters."""
    torch.set_num_threads(1)
    reference, ours = twin_decoders("float64", momentum)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = rng.standard_normal((2, 16, 3, 3)) * (step + 1) + step
        dy = rng.standard_normal((2, 4, 24, 24))
        _forward_and_backward_agree(reference, ours, x, dy, f"training step {step}")
    for name, value in reference.state_dict().items():
        if "running" in name or "num_batches" in name:
            _compare_float64(ours.state_dict()[name], _numpy(value), name)
    assert int(ours.state_dict()["deconv_layers.0.bn.num_batches_tracked"]) == 3
    reference.eval()
    ours.eval()
    _forward_and_backward_agree(
        reference, ours, rng.standard_normal((2, 16, 3, 3)), rng.standard_normal((2, 4, 24, 24)), "eval"
    )


def _forward_and_backward_agree(
    reference: Any, ours: ResNet50Decoder, x: np.ndarray, dy: np.ndarray, when: str
) -> None:
    reference.zero_grad()
    ours.zero_grad()
    xt = torch.tensor(x, requires_grad=True)
    yt = reference(xt)
    yt.backward(torch.from_numpy(dy))
    _compare_float64(ours(x), _numpy(yt), f"{when}: output")
    _compare_float64(ours.backward(dy), _numpy(xt.grad), f"{when}: input gradient")
    theirs = dict(reference.named_parameters())
    for name, parameter in ours.named_parameters():
        _compare_float64(parameter.grad, _numpy(theirs[name].grad), f"{when}: {name}.grad")  # type: ignore[arg-type]


def batchnorm_forward_bound(z: np.ndarray, bn: BatchNorm, training: bool) -> np.ndarray:
    """Elementwise bound on |computed - exact| for float32 BatchNorm of ``z`` (float32 values), to first order in u.

    Per channel, ``m`` values are summed for the mean and for the variance; with u the
    float32 unit roundoff, any summation order gives ``|mean error| <= m u mean|z|`` and a
    relative variance error ``<= (m + 2) u`` (its terms are non-negative), so
    ``|x_hat error| <= (m + 10) u (|x_hat| + mean|z| / sigma)``, the 10 covering the
    handful of roundings in subtracting, ``sqrt`` and dividing.  The affine map adds
    ``|weight| * that`` and two roundings of ``|y|``.  In evaluation mode no sums are
    involved (``m = 0``).  Doubled: both sides are compared with each other, not with the
    exact value.
    """
    axes = (0, *range(2, z.ndim))
    m = z.size // z.shape[1] if training else 0
    column = (1, -1) + (1,) * (z.ndim - 2)
    if training:
        mean, var = z.mean(axis=axes), z.var(axis=axes)
    else:
        mean, var = bn.running_mean.astype(np.float64), bn.running_var.astype(np.float64)  # type: ignore[union-attr]
    sigma = np.sqrt(var + bn.eps).reshape(column)
    x_hat = (z - mean.reshape(column)) / sigma
    scale = np.abs(z).mean(axis=axes).reshape(column) / sigma + np.abs(mean).reshape(column) / sigma
    weight = np.abs(bn.weight.data.astype(np.float64)).reshape(column)  # type: ignore[union-attr]
    y = x_hat * weight + bn.bias.data.astype(np.float64).reshape(column)  # type: ignore[union-attr]
    return 2 * ((m + 10) * U32 * weight * (np.abs(x_hat) + scale) + 2 * U32 * np.abs(y))


def test_decoder_matches_pytorch_in_float32_layer_by_layer() -> None:
    """float32: each transposed convolution within the oracle's bound, each BatchNorm within its rounding
    bound (:func:`batchnorm_forward_bound`), each ReLU exact -- the same input fed to both sides at every
    layer, so that the errors of one layer do not have to be propagated through the next.  The
    gradients of each transposed convolution, given the same output gradient, are within their bound
    (:func:`gradient_bounds`).  Training mode first, then evaluation with the running statistics."""
    torch.set_num_threads(1)
    reference, ours = twin_decoders("float32")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 16, 4, 4)).astype(np.float32)
    for training in (True, False):
        reference.train(training).zero_grad()
        ours.train(training).zero_grad()
        z = x
        for theirs, mine in zip(reference.deconv_layers, ours.deconv_layers):
            w = mine.conv_transpose.weight.data
            arguments = {
                "stride": 2,
                "padding": mine.conv_transpose.padding,
                "output_padding": mine.conv_transpose.output_padding,
            }
            zt = torch.tensor(z, requires_grad=True)
            c_theirs = theirs.conv_transpose(zt)
            c_mine = mine.conv_transpose(z)
            assert_close(c_mine, z, w, **arguments, precision="float32")
            assert_close(_numpy(c_theirs), z, w, **arguments, precision="float32")
            dc = rng.standard_normal(c_mine.shape).astype(np.float32)
            c_theirs.backward(torch.from_numpy(dc))
            exact = conv_transpose_backward(
                dc.astype(np.float64), z.astype(np.float64), w.astype(np.float64), **arguments
            )
            bounds = gradient_bounds(conv_transpose_backward, dc, z, w, U32, **arguments)
            mine_grads = (mine.conv_transpose.backward(dc), mine.conv_transpose.weight.grad)  # no bias (the seed's)
            assert_gradients_within(mine_grads, exact, bounds, "ours")
            theirs_grads = (_numpy(zt.grad), _numpy(theirs.conv_transpose.weight.grad))
            assert_gradients_within(theirs_grads, exact, bounds, "torch")

            c = _numpy(c_theirs)  # the same BatchNorm input for both
            bound = batchnorm_forward_bound(c.astype(np.float64), mine.bn, training)
            with torch.no_grad():
                b_theirs = _numpy(theirs.bn(torch.from_numpy(c)))
            b_mine = mine.bn(c)
            assert b_mine.dtype == np.float32
            assert np.all(np.abs(b_mine.astype(np.float64) - b_theirs) <= bound), f"BatchNorm, training={training}"
            np.testing.assert_array_equal(mine.relu(b_theirs), np.maximum(b_theirs, 0))
            z = np.maximum(b_theirs, 0)
        for name, value in reference.state_dict().items():
            if "running" in name:
                np.testing.assert_allclose(ours.state_dict()[name], _numpy(value), rtol=1e-5, atol=1e-6, err_msg=name)


def test_full_size_decoder_shape_trace_and_values_match_pytorch() -> None:
    """The seed's decoder at full size, float32, training mode (the default), forward only:
    (1, 2048, 16, 16) -> (1, 256, 32, 32) -> (1, 128, 64, 64) -> (1, 64, 128, 128).

    Values: ours and PyTorch's float32 outputs are both compared with our float64 computation
    from the same weights (which matches PyTorch's float64 to 1e-10 in the tests above).  The
    outputs are BatchNorm-normalised, O(1); the float32 errors of sums of up to 8192 products,
    carried through three layers, come to a few 1e-6 (observed: ~3e-6 ours, ~8e-6 PyTorch).
    The rigorous per-layer bounds are checked at small sizes above; here ``atol = 1e-4`` is a
    margin that still catches any indexing, ordering or formula error, which would be O(1).
    """
    torch.set_num_threads(min(4, os.cpu_count() or 1))
    torch.manual_seed(0)
    reference = TorchResNet50Decoder()
    ours = ResNet50Decoder()
    ours.load_state_dict(numpy_state_dict(reference))
    x = np.random.default_rng(0).standard_normal((1, 2048, 16, 16)).astype(np.float32)
    trace_theirs, trace_mine = [], []
    y_theirs, y_mine = torch.from_numpy(x), x
    with torch.no_grad():
        for theirs, mine in zip(reference.deconv_layers, ours.deconv_layers):
            y_theirs, y_mine = theirs(y_theirs), mine(y_mine)
            trace_theirs.append(tuple(y_theirs.shape))
            trace_mine.append(y_mine.shape)
    expected = [(1, 256, 32, 32), (1, 128, 64, 64), (1, 64, 128, 128)]
    assert trace_mine == trace_theirs == expected
    assert y_mine.dtype == np.float32
    exact = ResNet50Decoder(dtype=np.float64)
    exact.load_state_dict(ours.state_dict())
    y_exact = exact(x.astype(np.float64))
    np.testing.assert_allclose(y_mine, y_exact, rtol=0, atol=1e-4, err_msg="ours")
    np.testing.assert_allclose(_numpy(y_theirs), y_exact, rtol=0, atol=1e-4, err_msg="PyTorch")
