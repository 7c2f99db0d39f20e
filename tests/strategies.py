"""Hypothesis strategies for valid transposed-convolution configurations (used by our tests).

A drawn :class:`Case` holds one valid configuration and integer-valued arrays for it.
Groups and channels per group are drawn independently (at least 2 channels per group
is common), so grouped kernels with several channels per group are exercised -- the
case ONNX's reference implementation once got wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from transposed_conv.shapes import conv_transpose_output_length


@dataclass(frozen=True)
class Case:
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    output_shape: tuple[int, ...] = field(default=())

    @property
    def kwargs(self) -> dict[str, Any]:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return (
            f"Case(x.shape={self.x.shape}, weight.shape={self.weight.shape}, "
            f"bias={'None' if self.bias is None else self.bias.shape}, {self.kwargs})"
        )


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    ndim: int | None = None,
    max_batch: int = 2,
    max_side: int = 6,
    max_kernel: int = 5,
    max_stride: int = 4,
    max_dilation: int = 3,
    max_groups: int = 3,
    max_per_group: int = 3,
    with_bias: bool | None = None,
    values: int = 5,
) -> Case:
    """A valid configuration, 1-D to 3-D, with integer-valued float64 arrays in [-values, values]."""
    d = draw(st.integers(1, 3)) if ndim is None else ndim
    side = max(2, max_side - 2 * (d - 1))  # keep 3-D cases small
    spatial = tuple(draw(st.integers(1, side)) for _ in range(d))
    kernel = tuple(draw(st.integers(1, max_kernel if d < 3 else min(max_kernel, 3))) for _ in range(d))
    stride = tuple(draw(st.integers(1, max_stride)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, max_dilation)) for _ in range(d))
    output_padding = tuple(draw(st.integers(0, max(s, dl) - 1)) for s, dl in zip(stride, dilation))
    symmetric = draw(st.booleans())
    padding = []
    for i, k, s, dl, a in zip(spatial, kernel, stride, dilation, output_padding):
        full = conv_transpose_output_length(i, k, s, 0, 0, a, dl)  # size with no padding, >= 1
        if symmetric:
            p = draw(st.integers(0, (full - 1) // 2))
            padding.append((p, p))
        else:
            begin = draw(st.integers(0, full - 1))
            padding.append((begin, draw(st.integers(0, full - 1 - begin))))
    groups = draw(st.integers(1, max_groups))
    in_per_group = draw(st.integers(1, max_per_group))
    out_per_group = draw(st.integers(1, max_per_group))
    batch = draw(st.sampled_from([1, *range(2, max_batch + 1), 0]))  # empty batches too, but not mostly
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(-values, values + 1, size=(batch, groups * in_per_group, *spatial)).astype(np.float64)
    weight = rng.integers(-values, values + 1, size=(groups * in_per_group, out_per_group, *kernel)).astype(np.float64)
    has_bias = draw(st.booleans()) if with_bias is None else with_bias
    bias = rng.integers(-values, values + 1, size=groups * out_per_group).astype(np.float64) if has_bias else None
    output_shape = tuple(
        conv_transpose_output_length(i, k, s, pb, pe, a, dl)
        for i, k, s, (pb, pe), a, dl in zip(spatial, kernel, stride, padding, output_padding, dilation)
    )
    return Case(x, weight, bias, stride, tuple(padding), output_padding, dilation, groups, output_shape)
