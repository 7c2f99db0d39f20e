"""Hypothesis strategies for valid transposed-convolution configurations and their arrays.

Point them at your own implementation::

    from hypothesis import given
    from transposed_conv import conv_transpose
    from transposed_conv.strategies import conv_transpose_cases

    @given(conv_transpose_cases())
    def test_mine_matches(case):
        expected = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
        np.testing.assert_allclose(my_conv_transpose(case.x, case.weight, case.bias, **case.kwargs), expected)

:func:`conv_transpose_configs` draws only the geometry (shapes, stride, padding, ...);
:func:`conv_transpose_cases` adds arrays.  Everything drawn is valid: the output is at
least 1 in every dimension, ``output_padding < max(stride, dilation)``, groups divide
both channel counts.  Groups and channels per group are drawn independently, so grouped
kernels with several channels per group are exercised (the case ONNX's reference
evaluator once got wrong).  Shrinking goes towards 1-D, size 1, stride 1, no padding,
one group, one channel, and batch 1.

This module needs ``hypothesis`` (the ``test`` extra); the rest of the package does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .shapes import conv_transpose_output_length

__all__ = ["ConvTransposeCase", "ConvTransposeConfig", "conv_transpose_cases", "conv_transpose_configs"]

PADDING_KINDS = ("any", "symmetric", "asymmetric")
VALUE_KINDS = ("integers", "uniform", "normal")
LAYOUTS = ("C", "F", "strided", "reversed")


@dataclass(frozen=True)
class ConvTransposeConfig:
    """One valid configuration, without arrays: shapes and per-dimension integer arguments."""

    batch: int
    in_channels: int
    out_channels: int
    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    bias: bool

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.input_shape)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Spatial output shape, by the transposed-convolution formula."""
        return tuple(
            conv_transpose_output_length(i, k, s, pb, pe, a, d)
            for i, k, s, (pb, pe), a, d in zip(
                self.input_shape, self.kernel_shape, self.stride, self.padding, self.output_padding, self.dilation
            )
        )

    @property
    def x_shape(self) -> tuple[int, ...]:
        """``(N, C_in, *input_shape)``."""
        return (self.batch, self.in_channels, *self.input_shape)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """``(C_in, C_out/groups, *kernel_shape)``."""
        return (self.in_channels, self.out_channels // self.groups, *self.kernel_shape)

    @property
    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`~transposed_conv.conv_transpose`."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }


@dataclass(frozen=True, repr=False)
class ConvTransposeCase:
    """A configuration with arrays: call ``conv_transpose(case.x, case.weight, case.bias, **case.kwargs)``."""

    config: ConvTransposeConfig
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None

    def __getattr__(self, name: str) -> Any:  # the configuration's fields and properties
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.config, name)

    def __repr__(self) -> str:
        c = self.config
        bias = "None" if self.bias is None else f"array of shape {self.bias.shape}"
        return (
            f"ConvTransposeCase(x: {self.x.dtype} {self.x.shape}, weight: {self.weight.shape}, bias: {bias}, "
            f"stride={c.stride}, padding={c.padding}, output_padding={c.output_padding}, "
            f"dilation={c.dilation}, groups={c.groups})"
        )


def _check_bound(name: str, value: int, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise InvalidArgument(f"{name} must be an int >= {lowest}; got {name}={value!r}")


def conv_transpose_configs(
    *,
    min_ndim: int = 1,
    max_ndim: int = 3,
    max_batch: int = 2,
    max_side: int = 6,
    max_kernel: int = 5,
    max_stride: int = 4,
    max_dilation: int = 3,
    max_groups: int = 3,
    max_channels_per_group: int = 3,
    padding: str = "any",
    bias: bool | None = None,
    large_output_padding: bool = True,
    max_large_side: int | None = None,
) -> st.SearchStrategy[ConvTransposeConfig]:
    """Valid transposed-convolution configurations (no arrays).

    Parameters
    ----------
    min_ndim, max_ndim : int
        Range of the number of spatial dimensions.
    max_batch : int
        Batch sizes drawn: 1 to ``max_batch``, and in about one draw of eight 0 (an empty batch).
    max_side : int
        Largest spatial input size of 1-D cases; 2-D and 3-D cases are kept smaller
        (``max_side - 2`` and ``max_side - 4``, at least 2) so that examples stay cheap.
    max_kernel, max_stride, max_dilation : int
        Upper bounds, per dimension (3-D kernels are capped at 3).
    max_groups, max_channels_per_group : int
        Groups, and input and output channels per group, are drawn independently.
    padding : {'any', 'symmetric', 'asymmetric'}
        ``'symmetric'`` draws equal begin and end padding; ``'asymmetric'`` independent ones.
    bias : bool, optional
        Force a bias on or off; drawn when ``None``.
    large_output_padding : bool
        Allow ``stride <= output_padding < dilation`` (PyTorch's functional rule); when
        False, ``output_padding < stride`` (what ``output_size=`` of PyTorch's modules allows).
    max_large_side : int, optional
        When given (``>= 17``), about one example in eight gets one spatial size drawn from
        ``17 .. max_large_side`` (1-D and 2-D cases), where tiled kernels cross tile edges.

    Notes
    -----
    Groups and channels per group are drawn with small values favoured (half the draws
    are at most 3), so that large values appear without making every example large.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(conv_transpose_configs(max_ndim=2))
    ... def test(config):
    ...     assert all(o >= 1 for o in config.output_shape)
    ...     assert all(a < max(s, d) for a, s, d in zip(config.output_padding, config.stride, config.dilation))
    >>> test()
    """
    for name, value, lowest in [
        ("min_ndim", min_ndim, 1),
        ("max_ndim", max_ndim, min_ndim),
        ("max_batch", max_batch, 1),
        ("max_side", max_side, 1),
        ("max_kernel", max_kernel, 1),
        ("max_stride", max_stride, 1),
        ("max_dilation", max_dilation, 1),
        ("max_groups", max_groups, 1),
        ("max_channels_per_group", max_channels_per_group, 1),
    ]:
        _check_bound(name, value, lowest)
    if padding not in PADDING_KINDS:
        raise InvalidArgument(f"padding must be one of {list(PADDING_KINDS)}; got padding={padding!r}")
    if max_large_side is not None:
        _check_bound("max_large_side", max_large_side, 17)
    return _configs(
        min_ndim=min_ndim,
        max_ndim=max_ndim,
        max_batch=max_batch,
        max_side=max_side,
        max_kernel=max_kernel,
        max_stride=max_stride,
        max_dilation=max_dilation,
        max_groups=max_groups,
        max_channels_per_group=max_channels_per_group,
        padding=padding,
        bias=bias,
        large_output_padding=large_output_padding,
        max_large_side=max_large_side,
    )


@st.composite
def _configs(
    draw: st.DrawFn,
    *,
    min_ndim: int,
    max_ndim: int,
    max_batch: int,
    max_side: int,
    max_kernel: int,
    max_stride: int,
    max_dilation: int,
    max_groups: int,
    max_channels_per_group: int,
    padding: str,
    bias: bool | None,
    large_output_padding: bool,
    max_large_side: int | None,
) -> ConvTransposeConfig:
    ndim = draw(st.integers(min_ndim, max_ndim))
    side = max(2, max_side - 2 * (ndim - 1)) if max_side > 1 else 1
    sizes = [draw(st.integers(1, side)) for _ in range(ndim)]
    if max_large_side is not None and ndim <= 2 and draw(st.integers(0, 7)) == 7:
        sizes[draw(st.integers(0, ndim - 1))] = draw(st.integers(17, max_large_side))
    input_shape = tuple(sizes)
    kernel_shape = tuple(draw(st.integers(1, max_kernel if ndim < 3 else min(max_kernel, 3))) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, max_stride)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, max_dilation)) for _ in range(ndim))
    output_padding = tuple(
        draw(st.integers(0, (max(s, d) if large_output_padding else s) - 1)) for s, d in zip(stride, dilation)
    )
    symmetric = {"any": None, "symmetric": True, "asymmetric": False}[padding]
    if symmetric is None:
        symmetric = draw(st.booleans())
    pads = []
    for i, k, s, d, a in zip(input_shape, kernel_shape, stride, dilation, output_padding):
        full = conv_transpose_output_length(i, k, s, 0, 0, a, d)  # the size with no padding, >= 1
        if symmetric:
            p = draw(st.integers(0, (full - 1) // 2))
            pads.append((p, p))
        else:
            begin = draw(st.integers(0, full - 1))
            pads.append((begin, draw(st.integers(0, full - 1 - begin))))
    groups = draw(_mostly_small(max_groups))
    in_per_group = draw(_mostly_small(max_channels_per_group))
    out_per_group = draw(_mostly_small(max_channels_per_group))
    empty = draw(st.integers(0, 7)) == 7  # an empty batch in one draw of eight: valid, but checks little
    batch = 0 if empty else draw(st.integers(1, max_batch))
    return ConvTransposeConfig(
        batch=batch,
        in_channels=groups * in_per_group,
        out_channels=groups * out_per_group,
        input_shape=input_shape,
        kernel_shape=kernel_shape,
        stride=stride,
        padding=tuple(pads),
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        bias=draw(st.booleans()) if bias is None else bias,
    )


def _with_layout(a: np.ndarray, layout: str) -> np.ndarray:
    """The same values in another memory layout (see ``conv_transpose_cases(layouts=True)``)."""
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        spread = np.zeros(tuple(2 * n for n in a.shape), dtype=a.dtype)
        view = spread[tuple(slice(None, None, 2) for _ in a.shape)]
        view[...] = a
        return view
    if layout == "reversed":
        flipped = np.ascontiguousarray(a[(Ellipsis, slice(None, None, -1))]) if a.ndim else a.copy()
        return flipped[(Ellipsis, slice(None, None, -1))] if a.ndim else flipped
    return np.ascontiguousarray(a)


def _mostly_small(top: int) -> st.SearchStrategy[int]:
    """Integers in ``1 .. top``, at most 3 in half the draws."""
    return st.one_of(st.integers(1, min(top, 3)), st.integers(1, top))


def _values(rng: np.random.Generator, kind: str, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray:
    if kind == "integers":
        return rng.integers(-4, 5, size=shape).astype(dtype)
    if kind == "uniform":
        return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)
    return rng.standard_normal(size=shape).astype(dtype)


def conv_transpose_cases(
    *,
    dtype: Any = "float64",
    values: str = "integers",
    configs: st.SearchStrategy[ConvTransposeConfig] | None = None,
    layouts: bool = False,
    **config_options: Any,
) -> st.SearchStrategy[ConvTransposeCase]:
    """Valid configurations with arrays ``x``, ``weight`` and (sometimes) ``bias``.

    Parameters
    ----------
    dtype : dtype_like
        Dtype of the arrays (any real NumPy dtype).
    values : {'integers', 'uniform', 'normal'}
        ``'integers'``: small integers in ``[-4, 4]``, exact in every dtype, so that every
        correct implementation gives the *same* result; ``'uniform'``: ``[-1, 1)``;
        ``'normal'``: standard normal.  Values come from a drawn seed, so they do not
        shrink, but the configuration does.
    configs : strategy, optional
        Where to draw configurations from; by default ``conv_transpose_configs(**config_options)``.
    layouts : bool
        Also vary the arrays' memory layout: C-contiguous, Fortran-ordered, a strided view
        (every other element of a larger array) or a view with negative strides -- the same
        values in each case.
    **config_options
        Passed to :func:`conv_transpose_configs`.

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given
    >>> from transposed_conv import conv_transpose
    >>> @given(conv_transpose_cases(dtype="float32", max_ndim=1))
    ... def test(case):
    ...     y = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
    ...     assert y.shape == (case.batch, case.out_channels, *case.output_shape)
    ...     assert y.dtype == np.float32
    >>> test()
    """
    if values not in VALUE_KINDS:
        raise InvalidArgument(f"values must be one of {list(VALUE_KINDS)}; got values={values!r}")
    dt = np.dtype(dtype)
    if dt.kind not in "iuf":
        raise InvalidArgument(f"dtype must be a real integer or floating dtype; got dtype={dtype!r}")
    return _cases(conv_transpose_configs(**config_options) if configs is None else configs, dt, values, layouts)


@st.composite
def _cases(
    draw: st.DrawFn,
    configs: st.SearchStrategy[ConvTransposeConfig],
    dt: np.dtype[Any],
    values: str,
    layouts: bool,
) -> ConvTransposeCase:
    config = draw(configs)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _values(rng, values, config.x_shape, dt)
    weight = _values(rng, values, config.weight_shape, dt)
    bias = _values(rng, values, (config.out_channels,), dt) if config.bias else None
    if layouts:
        x = _with_layout(x, draw(st.sampled_from(LAYOUTS)))
        weight = _with_layout(weight, draw(st.sampled_from(LAYOUTS)))
        bias = None if bias is None else _with_layout(bias, draw(st.sampled_from(LAYOUTS)))
    return ConvTransposeCase(config, x, weight, bias)
