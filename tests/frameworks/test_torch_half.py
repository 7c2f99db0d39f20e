"""PyTorch CPU float16 and bfloat16 under the model that describes them ('float16-col2im', 'bfloat16-col2im').

The order was read off PyTorch 2.13 bit for bit: float16 (and bfloat16 where oneDNN does not take it)
stores each kernel tap's float32 channel sum in the half format, adds the taps in it, then the bias;
oneDNN's bfloat16 rounds once, which the same bound covers.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_precisions import col2im_float16
from transposed_conv import conv_transpose
from transposed_conv.frameworks.torch import torch_conv_transpose
from transposed_conv.oracle import bound_fraction
from transposed_conv.testing import check_conv_transpose

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
pytestmark = pytest.mark.torch


def test_pytorch_cpu_float16_and_bfloat16_conform_to_their_model() -> None:
    """conv_transpose1d and conv_transpose2d, 30 drawn cases per dtype."""
    report = check_conv_transpose(torch_conv_transpose, examples=30, seed=0, dtypes=("float16", "bfloat16"), max_dims=2)
    assert report.examples == {"float16": 30, "bfloat16": 30}
    assert {dtype: p.name for dtype, p in report.precisions.items()} == {
        "float16": "float16-col2im",
        "bfloat16": "bfloat16-col2im",
    }


def test_pytorch_cpu_float16_is_the_col2im_order_and_fails_a_single_rounding() -> None:
    """Bit for bit the col2im order (taps in float16, then the bias) on a case where the orders differ; the
    single-rounding model 'float16' does not describe it."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 16, 6, 5)).astype(np.float16)
    w = rng.standard_normal((16, 4, 3, 3)).astype(np.float16)
    b = (4 * rng.standard_normal(4)).astype(np.float16)
    y = torch_conv_transpose(x, w, b, stride=1, padding=1)
    assert np.array_equal(y, col2im_float16(x, w, b, padding=1))
    assert not np.array_equal(y, conv_transpose(x, w, b, padding=1))  # one rounding differs
    assert bound_fraction(y, x, w, b, padding=1, precision="float16-col2im").max() <= 1
    assert bound_fraction(y, x, w, b, padding=1, precision="float16").max() > 1


def test_pytorch_bfloat16_round_trips_through_ml_dtypes() -> None:
    bfloat16 = pytest.importorskip("ml_dtypes").bfloat16
    x, w = np.ones((1, 1, 3), bfloat16), np.ones((1, 1, 2), bfloat16)
    y = torch_conv_transpose(x, w, None)
    assert y.dtype == np.dtype(bfloat16) and y.astype(np.float32).tolist() == [[[1.0, 2.0, 2.0, 1.0]]]
