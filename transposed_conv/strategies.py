"""Hypothesis strategies for valid transposed-convolution configurations and their arrays.

Point them at your own implementation::

    from hypothesis import given
    from transposed_conv import conv_transpose
    from transposed_conv.strategies import conv_transpose_cases

    @given(conv_transpose_cases())
    def test_mine_matches(case):
        expected = conv_transpose(case.x, case.weight, case.bias, **case.kwargs)
        np.testing.assert_allclose(my_conv_transpose(case.x, case.weight, case.bias, **case.kwargs), expected)

:func:`conv_transpose_configs` draws only the geometry (shapes, stride, padding, ...), a
:class:`ConvTransposeConfig`; :func:`conv_transpose_cases` adds arrays.  Each calling convention
has its own strategy, and every one draws the same type, a :class:`ConvTransposeCase`: the
configuration, the arrays in the framework's layout, the call's ``args`` and ``kwargs`` with the
framework's own options, and the function that computes the answer (``case.reference``:
:func:`~transposed_conv.conv_transpose`, or the spec-following function of
:mod:`transposed_conv.conventions`)::

    @given(onnx_cases(dtype="float32"))
    def test_my_onnx_kernel(case):
        np.testing.assert_allclose(my_conv_transpose(*case.args, **case.kwargs), case.expected(), rtol=1e-5)

==============================  ========================================================================
strategy                        ``impl(*case.args, **case.kwargs)`` is a call of
==============================  ========================================================================
:func:`conv_transpose_cases`    ``conv_transpose(x, weight, bias, stride=..., padding=..., ...)``
:func:`torch_cases`             the same, ``padding`` as ints where symmetric (as PyTorch takes it)
:func:`onnx_cases`              ONNX ``ConvTranspose``: ``(X, W, B, **attributes)``
:func:`jax_cases`               ``jax.lax.conv_transpose(lhs, rhs, strides, padding, ...)``
:func:`tf_cases`                ``tf.nn.conv_transpose(input, filters, output_shape, strides, ...)``
:func:`keras_cases`             ``keras.ops.conv_transpose(inputs, kernel, strides=..., ...)``
==============================  ========================================================================

Everything drawn is valid: the output is at least 1 in every dimension, ``output_padding <
max(stride, dilation)``, groups divide both channel counts, and each convention's own rules
hold (where a framework and its written specification disagree, the specification decides;
``docs/conventions.md`` lists the deviations, and each strategy has an option to leave them
out).  Groups and channels per group are drawn independently, so grouped kernels with
several channels per group are exercised (the case ONNX's reference evaluator once got
wrong).  Shrinking goes towards 1-D, size 1, stride 1, no padding, one group, one channel,
and batch 1.

This module needs ``hypothesis`` (the ``kit`` extra); the rest of the package does not, and importing
this module without it raises an ``ImportError`` that says what to install.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

import numpy as np

try:
    from hypothesis import HealthCheck, Phase, given, reject, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ModuleNotFoundError as error:
    if error.name != "hypothesis":
        raise
    raise ModuleNotFoundError(
        'transposed_conv.strategies needs hypothesis: pip install "transposed-conv[kit]"', name="hypothesis"
    ) from None

from .frameworks import CONVENTIONS
from .frameworks.jax import JAX_DEFAULT_DIMENSION_NUMBERS, JAX_PADDING_MODES, SPATIAL_LETTERS
from .frameworks.onnx import ONNX_AUTO_PADS
from .frameworks.tf import KERAS_PADDING_MODES, TF_DATA_FORMATS, TF_PADDING_MODES, keras_output_size, tf_size_range
from .oracle import storage_dtype
from .shapes import ConvTransposeGeometry, conv_transpose_output_length, effective_kernel_length, full_output_shape
from .transpose import conv_transpose

__all__ = [
    "CONVENTION_CASES",
    "ONLY_PARAMETERS",
    "ConvTransposeCase",
    "ConvTransposeConfig",
    "ConventionCase",
    "case_features",
    "conv_transpose_cases",
    "conv_transpose_configs",
    "example_draws",
    "feature_draw_options",
    "jax_cases",
    "keras_cases",
    "onnx_cases",
    "tf_cases",
    "torch_cases",
]

T = TypeVar("T")

PADDING_KINDS = ("any", "symmetric", "asymmetric")
#: The tiers of :func:`conv_transpose_configs`: small cases, and the stress regions (:data:`STRESS_REGIONS`).
CONFIG_TIERS = ("small", "stress")
#: The stress tier's regions (``conv_transpose_configs(tier="stress")``), where blocked, tiled and specialised
#: kernels break: each case is drawn for one of them, and carries its name (``config.region``).
STRESS_REGIONS = (
    "batch 3..8",
    "channels: up to 64 per group, 128 out, bias",
    "groups 5..8",
    "depthwise (C_in = groups, up to 32)",
    "sides 41..160",
    "sides m * 2**k and +-1",
    "3-D: sides up to 8, kernels up to 5",
    "kernels 6..9",
    "strides 5..8",
    "outputs over 2**17 elements",
    "fast paths: 3x3, 5x5 stride 1; 4x4 stride 2; 1x1",
)
_BATCH, _CHANNELS, _GROUPS, _DEPTHWISE, _SIDES, _POWERS, _3D, _KERNELS, _STRIDES, _OUTPUTS, _FAST = STRESS_REGIONS
#: The kernel sizes and strides of the fast paths drawn on purpose (Winograd's 3x3, 5x5 stride 1; the 4x4 stride 2
#: of upsampling decoders; 1x1 with stride 1 and 2).
FAST_PATHS = ((3, 1), (5, 1), (4, 2), (1, 1), (1, 2))
#: The input sides a fast path is drawn with: small ones, tile boundaries (powers of two and either side of them),
#: and inputs large enough that a library picks its fast path for them (from 256 pixels in 2-D).
FAST_PATH_SIDES = (4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33)
#: Every case of the region ``outputs over 2**17 elements`` has more output elements than this.
LARGE_OUTPUT = 2**17
_LARGE_OUTPUT_SIDES = {1: (4096, 8192), 2: (48, 96), 3: (14, 24)}  # per-sample output >= 4092, 45**2, 11**3
#: What ``conv_transpose_configs(only=...)`` can fix: the number of spatial dimensions, and per-dimension
#: kernel sizes, strides and dilations (an int for every dimension, or a tuple that also fixes ``dims``), and groups.
ONLY_PARAMETERS = ("dims", "kernel", "stride", "dilation", "groups")
VALUE_KINDS = ("integers", "uniform", "normal", "special")
LAYOUTS = ("C", "F", "strided", "reversed")


@dataclass(frozen=True)
class ConvTransposeConfig(ConvTransposeGeometry):
    """One valid configuration, without arrays: a geometry, and the two things only a draw adds.

    A :class:`~transposed_conv.shapes.ConvTransposeGeometry` -- ``input_shape``,
    ``kernel_shape``, ``stride``, ``padding`` (one ``(begin, end)`` pair per dimension),
    ``output_padding``, ``dilation``, ``groups``, ``in_channels``, ``out_channels``, and its
    ``ndim`` and ``output_shape`` -- with the batch size and whether a bias is drawn.  It is
    one, so it goes wherever a geometry goes (a framework's reverse mapping, say).

    Attributes
    ----------
    batch : int
        ``N``, the batch size (0 for an empty batch).
    bias : bool
        Whether the case has a bias.
    region : str
        The stress region it was drawn for (:data:`STRESS_REGIONS`, ``conv_transpose_configs(tier="stress")``),
        ``''`` otherwise.  Not compared, not shown: a label for counting what a run covered.
    """

    batch: int
    bias: bool
    region: str = field(default="", compare=False, repr=False)

    @classmethod
    def build(
        cls, input_shape: Any, kernel_shape: Any, *, batch: int = 1, bias: bool = False, **geometry: Any
    ) -> ConvTransposeConfig:
        """A configuration from plain integers: :meth:`ConvTransposeGeometry.build`'s arguments, batch and bias.

        Examples
        --------
        >>> config = ConvTransposeConfig.build((3,), (2,), stride=2, batch=2, bias=True)
        >>> config.x_shape, config.weight_shape, config.output_shape
        ((2, 1, 3), (1, 1, 2), (6,))
        """
        built = ConvTransposeGeometry.build(input_shape, kernel_shape, **geometry)
        return cls(**{f.name: getattr(built, f.name) for f in fields(built)}, batch=batch, bias=bias)

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


#: The configuration's names every case forwards, whatever its convention: the geometry all conventions share.
GEOMETRY = ("batch", "in_channels", "out_channels", "input_shape", "kernel_shape", "stride", "dilation", "groups")


@dataclass(frozen=True, eq=False, repr=False, init=False)
class ConvTransposeCase:
    """One valid call of a transposed convolution, in some framework's convention: ``impl(*case.args, **case.kwargs)``.

    Every strategy of this module draws one.  In PyTorch's convention (:func:`conv_transpose_cases`,
    :func:`torch_cases`) the call is ``conv_transpose(case.x, case.weight, case.bias,
    **case.kwargs)``; in the others the arrays are in the framework's layout and the call has its
    own positional ``arguments`` and ``kwargs``.  ``ConvTransposeCase(config, x, weight, bias)``
    makes a PyTorch-convention case with ``kwargs=config.kwargs``.

    Attributes
    ----------
    config : ConvTransposeConfig
        The geometry drawn first, in PyTorch's terms: shapes, ``stride``, ``padding``,
        ``output_padding``, ``dilation``, ``groups``, in ``(N, C, *spatial)`` order.  Its
        ``padding`` and ``output_padding`` apply to the ``'torch'`` and (as ``pads``) ``'onnx'``
        cases only: the other conventions draw their own padding options.
    x, weight, bias : numpy.ndarray
        The arrays, in the convention's layout (``bias`` is ``None`` where the framework has
        none, or none was drawn).
    convention : str
        ``'torch'``, ``'onnx'``, ``'jax'``, ``'tf'`` or ``'keras'``.
    array_names : tuple of str
        The names of the array parameters: ``('x', 'weight', 'bias')`` for PyTorch, ``('X', 'W',
        'B')`` for ONNX, ``('lhs', 'rhs')`` for JAX, ... -- three when the convention takes a bias
        (passed even when ``None``).
    arguments : tuple
        The positional arguments after the arrays (JAX's ``strides, padding``; TensorFlow's
        ``output_shape, strides``), named by ``argument_names``.
    kwargs : dict
        The keyword arguments.
    reference : callable
        Our implementation of the convention -- :func:`~transposed_conv.conv_transpose`, or a
        spec-following function of :mod:`transposed_conv.conventions` such as
        :func:`~transposed_conv.conventions.onnx_conv_transpose`: ``reference(*case.args,
        **case.kwargs)`` is the answer.
    special : tuple of str
        The special values put in its arrays (``values="special"``), as ``'NaN in x'``, ``'+inf in
        weight'``, ...  (:data:`SPECIAL_KINDS`); ``()`` otherwise.  :attr:`coverage` lists them.

    The shared geometry (``batch``, ``in_channels``, ``out_channels``, ``input_shape``,
    ``kernel_shape``, ``stride``, ``dilation``, ``groups``, ``ndim``) is readable on the case
    itself; in PyTorch's convention, whose arrays and arguments are the configuration's, so is the
    rest of it (``padding``, ``output_padding``, ``output_shape``, ``x_shape``, ...).
    ``ConventionCase`` is another name for this type.
    """

    config: ConvTransposeConfig
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    convention: str
    array_names: tuple[str, ...]
    arguments: tuple[Any, ...]
    argument_names: tuple[str, ...]
    kwargs: dict[str, Any]
    reference: Callable[..., np.ndarray]
    special: tuple[str, ...]

    def __init__(
        self,
        config: ConvTransposeConfig,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None,
        *,
        convention: str = "torch",
        array_names: tuple[str, ...] = ("x", "weight", "bias"),
        arguments: tuple[Any, ...] = (),
        argument_names: tuple[str, ...] = (),
        kwargs: dict[str, Any] | None = None,
        reference: Callable[..., np.ndarray] = conv_transpose,
        special: tuple[str, ...] = (),
    ) -> None:
        values = {
            "config": config,
            "x": x,
            "weight": weight,
            "bias": bias,
            "convention": convention,
            "array_names": array_names,
            "arguments": arguments,
            "argument_names": argument_names,
            "kwargs": config.kwargs if kwargs is None else kwargs,
            "reference": reference,
            "special": special,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)  # frozen

    @property
    def arrays(self) -> tuple[np.ndarray | None, ...]:
        """``(x, weight)``, or ``(x, weight, bias)`` where the convention takes a bias."""
        return (self.x, self.weight, self.bias)[: len(self.array_names)]

    @property
    def args(self) -> tuple[Any, ...]:
        """The positional arguments: the arrays, then :attr:`arguments`."""
        return (*self.arrays, *self.arguments)

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions."""
        return self.config.ndim

    @property
    def coverage(self) -> tuple[str, ...]:
        """What the case was drawn to cover: its stress region (:data:`STRESS_REGIONS`), then its special values.

        The labels a run counts (``ConformanceReport.coverage``); ``()`` for a case of the small tier.
        """
        return ((self.config.region,) if self.config.region else ()) + self.special

    def compute(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
        """:attr:`reference` on other arrays of the same shapes and the same arguments (for the oracle's bounds)."""
        arrays = (x, weight, bias)[: len(self.array_names)]
        return self.reference(*arrays, *self.arguments, **self.kwargs)

    def expected(self) -> np.ndarray:
        """The answer, ``reference(*args, **kwargs)``, in the arrays' own dtype."""
        return self.reference(*self.args, **self.kwargs)

    def __getattr__(self, name: str) -> Any:  # the configuration's geometry (all of it in PyTorch's convention)
        if not name.startswith("_") and name not in ("config", "convention"):  # not while unpickling, say
            if name in GEOMETRY or self.convention == "torch":
                try:
                    return getattr(self.config, name)
                except AttributeError:
                    pass
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        if self.convention == "torch":  # the configuration, as the kit has always reported PyTorch's cases
            c = self.config
            bias = "None" if self.bias is None else f"array of shape {self.bias.shape}"
            return (
                f"ConvTransposeCase(x: {self.x.dtype} {self.x.shape}, weight: {self.weight.shape}, bias: {bias}, "
                f"stride={c.stride}, padding={c.padding}, output_padding={c.output_padding}, "
                f"dilation={c.dilation}, groups={c.groups})"
            )
        shown = []
        for name, a in zip(self.array_names, self.arrays):
            shown.append(f"{name}: None" if a is None else f"{name}: {a.dtype} {a.shape}")
        shown += [f"{name}={value!r}" for name, value in zip(self.argument_names, self.arguments)]
        shown += [f"{name}={value!r}" for name, value in self.kwargs.items()]
        return f"ConventionCase({self.convention!r}, {', '.join(shown)})"


#: The same type, under the name the other conventions' strategies first drew it as.
ConventionCase = ConvTransposeCase


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
    empty_batch: bool | str = True,
    only: Mapping[str, Any] | None = None,
    tier: str = "small",
    regions: tuple[str, ...] = STRESS_REGIONS,
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
    empty_batch : bool or 'only'
        Draw an empty batch in about one draw of eight (``True``), never (``False``), or always
        (``'only'``).
    max_large_side : int, optional
        When given (``>= 17``), about one example in eight gets one spatial size drawn from
        ``17 .. max_large_side`` (1-D and 2-D cases), where tiled kernels cross tile edges.
    only : mapping, optional
        Parameters drawn with one value only, from :data:`ONLY_PARAMETERS`: ``{"kernel": (3, 3),
        "stride": 1}`` draws 2-D cases with a 3x3 kernel and stride 1 (a fast path's domain).  An
        int stands for every dimension; a tuple also fixes the number of dimensions.  A fixed
        value wins over the ``max_*`` bound of its parameter.
    tier : {'small', 'stress'}
        ``'small'``: the small cases above.  ``'stress'``: each case drawn for one of ``regions``,
        with one or two dimensions of the problem at an extreme and the rest small (see Notes); its
        ``region`` names it.
    regions : tuple of str
        The stress regions to draw from (:data:`STRESS_REGIONS`; ``tier='stress'`` only).

    Notes
    -----
    Groups and channels per group are drawn with small values favoured (half the draws
    are at most 3), so that large values appear without making every example large.

    The stress tier draws where blocked, tiled and specialised kernels break, one region per case
    (:data:`STRESS_REGIONS`): batch 3 to 8; 9 to 64 input channels per group with 9 to 128
    output channels and a bias; 5 to 8 groups; depthwise (one input channel per group, up to 32
    groups); one or two sides of 41 to 160, or of ``m * 2**k`` (``k`` from 3 to 7) and one
    either side of it, up to 161; 3-D with sides up to 8 and kernels up to 5; kernels of 6 to 9
    (4 to 5 in 3-D); strides of 5 to 8; outputs of more than :data:`LARGE_OUTPUT` (``2**17``)
    elements; and the fast paths of :data:`FAST_PATHS` (3x3 and 5x5 with stride 1, 4x4 with stride
    2, 1x1) on the sides of :data:`FAST_PATH_SIDES`, 2-D where drawn.  Elsewhere a case is
    small: batch 1 or 2, sides up to 6, kernels and strides up to 3, dilation up to 2, up to 2
    groups of up to 3 channels.  Padding crops at
    most a stride beyond ``dilation*(kernel - 1)`` on each side, so long sides stay long.  Of the
    other options, ``min_ndim``, ``max_ndim``, ``padding``, ``bias``, ``large_output_padding`` and
    ``only`` apply; ``max_groups=1`` and ``max_dilation=1`` leave groups and dilation out (and the
    regions of groups); the other bounds are the small tier's, and no batch is empty.  A region
    whose extreme ``only`` fixes (kernels, strides, groups, dimensions) is not drawn.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(conv_transpose_configs(max_ndim=2))
    ... def test(config):
    ...     assert all(o >= 1 for o in config.output_shape)
    ...     assert all(a < max(s, d) for a, s, d in zip(config.output_padding, config.stride, config.dilation))
    >>> test()

    The stress tier, each case labelled with its region:

    >>> @given(conv_transpose_configs(tier="stress", regions=("strides 5..8",)))
    ... def test(config):
    ...     assert config.region == "strides 5..8" and 5 <= max(config.stride) <= 8
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
    if empty_batch not in (True, False, "only"):
        raise InvalidArgument(f"empty_batch must be True, False or 'only'; got empty_batch={empty_batch!r}")
    fixed = _check_only(only, InvalidArgument)
    if tier not in CONFIG_TIERS:
        raise InvalidArgument(f"tier must be one of {list(CONFIG_TIERS)}; got tier={tier!r}")
    chosen = _check_subset("regions", regions, STRESS_REGIONS)
    if "dims" in fixed:
        min_ndim = max_ndim = fixed["dims"]
    if tier == "stress":
        return _stress_configs(
            regions=_stress_regions(chosen, min_ndim, max_ndim, max_groups, fixed),
            min_ndim=min_ndim,
            max_ndim=max_ndim,
            max_dilation=max_dilation,
            max_groups=max_groups,
            padding=padding,
            bias=bias,
            large_output_padding=large_output_padding,
            only=fixed,
        )
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
        empty_batch=empty_batch,
        only=fixed,
    )


def _check_only(only: Mapping[str, Any] | None, error: type[Exception], label: str = "only") -> dict[str, Any]:
    """``only`` as ``{name: value}``, each per-dimension value an int or a tuple, and ``dims`` where a tuple sets it.

    Raises ``error`` (``InvalidArgument`` here, ``ValueError`` from the kit) naming what is wrong, the option
    called ``label``.
    """
    if only is None:
        return {}
    if not isinstance(only, Mapping):
        raise error(
            f"{label} must be a mapping of parameter names from {list(ONLY_PARAMETERS)} to values; got {only!r}"
        )
    fixed: dict[str, Any] = {}
    for name, value in only.items():
        if name not in ONLY_PARAMETERS:
            raise error(f"{label} takes the parameters {list(ONLY_PARAMETERS)}; got {name!r}")
        values = tuple(value) if isinstance(value, (tuple, list)) and name not in ("dims", "groups") else (value,)
        if not values or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in values):
            form = "an int >= 1" if name in ("dims", "groups") else "an int >= 1, or a tuple of them per dimension"
            raise error(f"{label}[{name!r}] must be {form}; got {value!r}")
        fixed[name] = tuple(int(v) for v in values) if isinstance(value, (tuple, list)) else int(values[0])
    lengths = {name: len(v) for name, v in fixed.items() if isinstance(v, tuple)}
    if "dims" in fixed:
        lengths = {"dims": fixed["dims"], **lengths}
    if len(set(lengths.values())) > 1:
        raise error(f"{label}'s per-dimension values must agree on the number of dimensions; got {dict(fixed)!r}")
    if lengths:
        fixed["dims"] = next(iter(lengths.values()))
        if not 1 <= fixed["dims"] <= 3:
            raise error(f"{label} fixes 1 to 3 spatial dimensions; got {dict(fixed)!r}")
    return fixed


def _per_dimension_draw(
    draw: st.DrawFn, fixed: Any, ndim: int, strategy: Callable[[], st.SearchStrategy[int]]
) -> tuple[int, ...]:
    """A drawn value per dimension, or ``only``'s (an int for every dimension, or a tuple)."""
    if fixed is None:
        return tuple(draw(strategy()) for _ in range(ndim))
    return fixed if isinstance(fixed, tuple) else (fixed,) * ndim


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
    empty_batch: bool | str,
    only: dict[str, Any],
) -> ConvTransposeConfig:
    ndim = draw(st.integers(min_ndim, max_ndim))
    side = max(2, max_side - 2 * (ndim - 1)) if max_side > 1 else 1
    sizes = [draw(st.integers(1, side)) for _ in range(ndim)]
    if max_large_side is not None and ndim <= 2 and draw(st.integers(0, 7)) == 7:
        sizes[draw(st.integers(0, ndim - 1))] = draw(st.integers(17, max_large_side))
    input_shape = tuple(sizes)
    largest_kernel = max_kernel if ndim < 3 else min(max_kernel, 3)
    kernel_shape = _per_dimension_draw(draw, only.get("kernel"), ndim, lambda: st.integers(1, largest_kernel))
    stride = _per_dimension_draw(draw, only.get("stride"), ndim, lambda: st.integers(1, max_stride))
    dilation = _per_dimension_draw(draw, only.get("dilation"), ndim, lambda: st.integers(1, max_dilation))
    output_padding, pads = _draw_padding(
        draw, input_shape, kernel_shape, stride, dilation, padding, large_output_padding
    )
    groups = only["groups"] if "groups" in only else draw(_mostly_small(max_groups))
    in_per_group = draw(_mostly_small(max_channels_per_group))
    out_per_group = draw(_mostly_small(max_channels_per_group))
    if empty_batch == "only":
        empty = True
    elif empty_batch:
        empty = draw(st.integers(0, 7)) == 7  # an empty batch in one draw of eight: valid, but checks little
    else:
        empty = False
    batch = 0 if empty else draw(st.integers(1, max_batch))
    return ConvTransposeConfig(
        batch=batch,
        in_channels=groups * in_per_group,
        out_channels=groups * out_per_group,
        input_shape=input_shape,
        kernel_shape=kernel_shape,
        stride=stride,
        padding=pads,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        bias=draw(st.booleans()) if bias is None else bias,
    )


def _draw_padding(
    draw: st.DrawFn,
    input_shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: str,
    large_output_padding: bool,
    most: tuple[int, ...] | None = None,
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """``output_padding`` below ``max(stride, dilation)`` (or ``stride``), then padding from 0 to all but one
    element of the full output (at most ``most`` per side and dimension, when given)."""
    output_padding = tuple(
        draw(st.integers(0, (max(s, d) if large_output_padding else s) - 1)) for s, d in zip(stride, dilation)
    )
    symmetric = {"any": None, "symmetric": True, "asymmetric": False}[padding]
    if symmetric is None:
        symmetric = draw(st.booleans())
    pads = []
    for axis, (i, k, s, d, a) in enumerate(zip(input_shape, kernel_shape, stride, dilation, output_padding)):
        full = conv_transpose_output_length(i, k, s, 0, 0, a, d)  # the size with no padding, >= 1
        top = full if most is None else most[axis] + 1  # a side's padding is below top
        if symmetric:
            p = draw(st.integers(0, min((full - 1) // 2, top - 1)))
            pads.append((p, p))
        else:
            begin = draw(st.integers(0, min(full, top) - 1))
            pads.append((begin, draw(st.integers(0, min(full - begin, top) - 1))))
    return output_padding, tuple(pads)


# --- the stress tier: one or two dimensions of the problem at an extreme, the rest small -----------


def _stress_regions(
    regions: tuple[str, ...], min_ndim: int, max_ndim: int, max_groups: int, only: Mapping[str, Any]
) -> tuple[str, ...]:
    """The regions that what is drawn allows: none whose extreme is left out (groups) or fixed by ``only``."""
    dims = only.get("dims")
    left_out = set()
    if max_ndim < 3 or dims not in (None, 3):
        left_out.add(_3D)
    if "kernel" in only:
        left_out |= {_KERNELS, _FAST}
    if "stride" in only:
        left_out |= {_STRIDES, _FAST}
    if max_groups == 1 or "groups" in only:
        left_out |= {_GROUPS, _DEPTHWISE}
    kept = tuple(region for region in regions if region not in left_out)
    if not kept:
        raise InvalidArgument(
            f"no stress region fits what is drawn (max_ndim={max_ndim}, max_groups={max_groups}, only={dict(only)!r}); "
            f"got regions={regions!r}"
        )
    return kept


@st.composite
def _stress_configs(
    draw: st.DrawFn,
    *,
    regions: tuple[str, ...],
    min_ndim: int,
    max_ndim: int,
    max_dilation: int,
    max_groups: int,
    padding: str,
    bias: bool | None,
    large_output_padding: bool,
    only: dict[str, Any],
) -> ConvTransposeConfig:
    """A configuration of one stress region: its extreme parameters, the others small, ``only`` fixed."""
    region = draw(st.sampled_from(regions), label="stress region")
    low, high = (only["dims"], only["dims"]) if "dims" in only else (min_ndim, max_ndim)
    if region == _3D:
        ndim = 3
    elif region in (_OUTPUTS, _FAST) and low <= 2 <= high:
        ndim = 2
    else:
        ndim = draw(st.integers(low, min(high, 2))) if low <= 2 else 3

    def per_dimension(name: str, strategy: st.SearchStrategy[int]) -> tuple[int, ...]:
        return _per_dimension_draw(draw, only.get(name), ndim, lambda: strategy)

    small_side = st.integers(1, 6 if ndim < 3 else 4)
    sizes = [draw(small_side) for _ in range(ndim)]
    if region in (_SIDES, _POWERS):  # one or two long sides; the rest small
        longest = draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=min(ndim, 2)), label="long axes")
        for axis in sorted(longest):
            if region == _SIDES:
                sizes[axis] = draw(st.integers(41, 160), label="side")
            else:
                power = 2 ** draw(st.integers(3, 7), label="k")
                multiple = draw(st.integers(1, 160 // power), label="m")
                sizes[axis] = multiple * power + draw(st.sampled_from([0, -1, 1]), label="+-1")
    elif region == _3D:
        sizes = [draw(st.integers(1, 8)) for _ in range(ndim)]
    elif region == _OUTPUTS:
        sizes = [draw(st.integers(*_LARGE_OUTPUT_SIDES[ndim])) for _ in range(ndim)]
    elif region == _FAST:  # tile and block boundaries (powers of two and their neighbours) and large inputs
        sizes = [draw(st.sampled_from(FAST_PATH_SIDES), label="side") for _ in range(ndim)]
    input_shape = tuple(sizes)

    small_kernel, small_stride = st.integers(1, 3), st.integers(1, 3)
    dilations = st.integers(1, min(2, max_dilation))
    if region == _FAST:
        k, s = draw(st.sampled_from(FAST_PATHS), label="fast path")
        small_kernel, small_stride, dilations = st.just(k), st.just(s), st.just(1)
    elif region == _KERNELS:
        small_kernel = st.integers(6, 9) if ndim < 3 else st.integers(4, 5)
    elif region == _STRIDES:
        small_stride = st.integers(5, 8)
    elif region == _3D:
        small_kernel = st.integers(1, 5)
    elif region == _OUTPUTS:
        small_kernel, small_stride, dilations = st.integers(1, 5 if ndim < 3 else 3), st.integers(1, 2), st.just(1)
    kernel_shape = per_dimension("kernel", small_kernel)
    stride = per_dimension("stride", small_stride)
    dilation = per_dimension("dilation", dilations)
    effective = [effective_kernel_length(k, d) for k, d in zip(kernel_shape, dilation)]
    # crop no more than the full padding (and a stride beyond it, but not for large outputs): long sides stay long
    most = tuple(e - 1 + (0 if region == _OUTPUTS else s) for e, s in zip(effective, stride))
    output_padding, pads = _draw_padding(
        draw, input_shape, kernel_shape, stride, dilation, padding, large_output_padding, most
    )

    few = st.integers(1, 3)
    groups_drawn, in_per_group, out_per_group = st.integers(1, min(2, max_groups)), few, few
    batch = st.integers(1, 2)
    if region == _BATCH:
        batch = st.integers(3, 8)
    elif region == _CHANNELS:
        in_per_group = st.integers(9, 64)
    elif region == _GROUPS:
        groups_drawn, in_per_group, out_per_group = st.integers(5, 8), st.integers(1, 4), st.integers(1, 4)
    elif region == _DEPTHWISE:
        groups_drawn, in_per_group, out_per_group = st.integers(2, 32), st.just(1), st.integers(1, 2)
    elif region == _FAST:
        in_per_group, out_per_group = st.integers(1, 16), st.integers(1, 16)
    elif region == _OUTPUTS:
        groups_drawn = st.just(1)
    groups = only["groups"] if "groups" in only else draw(groups_drawn, label="groups")
    if region == _CHANNELS:
        out_per_group = st.integers(9, max(9, 128 // groups))
    channels_in, channels_out = draw(in_per_group), draw(out_per_group)
    n = draw(batch, label="batch")
    config = ConvTransposeConfig(
        batch=n,
        in_channels=groups * channels_in,
        out_channels=groups * channels_out,
        input_shape=input_shape,
        kernel_shape=kernel_shape,
        stride=stride,
        padding=pads,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        bias=(region == _CHANNELS or draw(st.booleans())) if bias is None else bias,
        region=region,
    )
    if region == _OUTPUTS:  # enough output channels for more than LARGE_OUTPUT elements
        per_channel = n * int(np.prod(config.output_shape))
        needed = -(-(LARGE_OUTPUT + 1) // (per_channel * groups))
        if needed > channels_out:
            config = replace(config, out_channels=groups * needed)
    return config


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


# --- special values: IEEE's corners in x, weight and bias ----------------------------------------------

#: What ``values="special"`` puts in a case's arrays, one kind per case: NaN, infinities, signed zeros,
#: subnormals, magnitudes near the format's overflow threshold, data whose products cancel, and
#: zeros in one of ``x`` and ``weight`` with infinities in the other (``0 * inf``: the NaN products
#: that a kernel skipping zero inputs or pruned weight taps never forms).
SPECIAL_KINDS = ("NaN", "+inf", "-inf", "+-0", "subnormal", "near overflow", "cancelling", "0 * inf")


def _finfo(dtype: np.dtype[Any]) -> Any:
    """``np.finfo``, or ``ml_dtypes.finfo`` for the formats NumPy does not know (bfloat16)."""
    try:
        return np.finfo(dtype)
    except ValueError:
        import ml_dtypes

        return ml_dtypes.finfo(dtype)  # type: ignore[no-untyped-call]


def _put_special(kind: str, a: np.ndarray, rng: np.random.Generator, fraction: float) -> np.ndarray:
    """A copy of ``a`` with about ``fraction`` of its entries (at least one) replaced by values of ``kind``."""
    out = np.array(a, copy=True)
    flat = out.reshape(-1)  # a view: the copy is contiguous
    count = max(1, round(fraction * a.size))
    where = rng.choice(a.size, size=count, replace=False)
    info = _finfo(a.dtype)
    sign = np.where(rng.random(count) < 0.5, -1.0, 1.0)
    if kind == "NaN":
        values = np.full(count, np.nan)
    elif kind in ("+inf", "-inf"):
        values = np.full(count, np.inf if kind == "+inf" else -np.inf)
    elif kind == "+-inf":
        values = sign * np.inf
    elif kind == "+-0":
        values = sign * 0.0
    elif kind == "subnormal":  # k times the smallest subnormal, k below 2**nmant: below the smallest normal
        values = sign * float(info.smallest_subnormal) * rng.integers(1, 2**info.nmant, size=count)
    else:  # near overflow: 2**e * [1, 1.5) with e from half the largest exponent to the largest
        values = sign * np.ldexp(rng.uniform(1.0, 1.5, size=count), rng.integers(info.maxexp // 2, info.maxexp, count))
    flat[where] = values.astype(a.dtype)
    return out


def _cancelling(
    draw: st.DrawFn, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[str, ...]]:
    """Large products that cancel: ``x`` near a large ``M``, with weight taps in negated pairs (along the last kernel
    axis, or the input channels for a one-tap kernel) or a bias of ``-M`` times the sum of the channel's weights."""
    info = _finfo(x.dtype)
    offset = 2.0 ** draw(st.integers(info.nmant // 2, info.nmant + 2), label="log2 M")
    x = (x.astype(np.float64) + offset).astype(x.dtype)
    against = draw(st.sampled_from(["weight", "bias"] if bias is not None and bias.size else ["weight"]))
    weight = np.array(weight, copy=True)
    if against == "weight":
        axis = -1 if weight.shape[-1] > 1 else 0
        w = np.moveaxis(weight, axis, 0)  # a view: the pairs along axis, first
        n = w.shape[0] // 2 * 2
        w[1:n:2] = -w[0:n:2]
    else:
        assert bias is not None
        per_group = weight.shape[1]
        groups = bias.shape[0] // per_group
        # (G, C_in/G, C_out/G, taps) -> the sum of each output channel's weights, (C_out,)
        sums = weight.astype(np.float64).reshape(groups, weight.shape[0] // groups, per_group, -1).sum(axis=(1, 3))
        bias = (-offset * sums.reshape(-1)).astype(bias.dtype)
    labels = (["cancelling in x"] if x.size else []) + ([f"cancelling in {against}"] if weight.size else [])
    return x, weight, bias, tuple(labels)


def _zeros_against_infinities(
    draw: st.DrawFn, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[str, ...]]:
    """Signed zeros in one of ``x`` and ``weight`` (a large share of it) and infinities of both signs in the other, so
    that products ``0 * inf`` -- NaN by the definition -- are formed wherever a zero meets an infinite partner."""
    zeros_in = draw(st.sampled_from(["x", "weight"]), label="zeros in")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    arrays = {"x": x, "weight": weight}
    infinities_in = "weight" if zeros_in == "x" else "x"
    if arrays[zeros_in].size:
        arrays[zeros_in] = _put_special("+-0", arrays[zeros_in], rng, draw(st.sampled_from([0.5, 0.8, 1.0])))
    if arrays[infinities_in].size:
        arrays[infinities_in] = _put_special("+-inf", arrays[infinities_in], rng, draw(st.sampled_from([0.05, 0.2])))
    labels = tuple(f"0 * inf in {name}" for name in ("x", "weight") if arrays[name].size)
    return arrays["x"], arrays["weight"], bias, labels


def _special_values(
    draw: st.DrawFn, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, kinds: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[str, ...]]:
    """One of ``kinds`` (:data:`SPECIAL_KINDS`) in some of the arrays, and labels like ``'NaN in weight'``."""
    kind = draw(st.sampled_from(kinds), label="special kind")
    if kind == "cancelling":
        return _cancelling(draw, x, weight, bias)
    if kind == "0 * inf":
        return _zeros_against_infinities(draw, x, weight, bias)
    arrays: dict[str, np.ndarray | None] = {"x": x, "weight": weight, "bias": bias}
    names = [name for name, a in arrays.items() if a is not None]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, unique=True), label="arrays with special values")
    fraction = draw(st.sampled_from([0.05, 0.2, 0.5]), label="fraction")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    labels = []
    for name in names:
        a = arrays[name]
        if name in chosen and a is not None and a.size:
            arrays[name] = _put_special(kind, a, rng, fraction)
            labels.append(f"{kind} in {name}")
    special_x, special_weight = arrays["x"], arrays["weight"]
    assert special_x is not None and special_weight is not None  # never None: put there from x and weight
    return special_x, special_weight, arrays["bias"], tuple(labels)


# ----------------------------------------------------------------------------------------------
# Cases: a drawn configuration and arrays, as one call in a convention, with its reference
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """What a convention's builder returns: the arrays in its layout, and the rest of the call."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    arguments: tuple[Any, ...]
    kwargs: dict[str, Any]


# A builder draws the convention's own options for a drawn geometry and canonical arrays
# ``x (N, C_in, *spatial)``, ``weight (C_in, C_out/groups, *kernel)``, ``bias (C_out,)``.
_Builder = Callable[[st.DrawFn, ConvTransposeConfig, np.ndarray, np.ndarray, "np.ndarray | None"], _Call]


@dataclass(frozen=True)
class _Convention:
    name: str
    array_names: tuple[str, ...]
    argument_names: tuple[str, ...]
    reference: Callable[..., np.ndarray]


def _check_values_and_dtype(values: str | tuple[str, ...], dtype: Any) -> np.dtype[Any]:
    if isinstance(values, tuple):
        _check_subset("values", values, SPECIAL_KINDS)
    elif values not in VALUE_KINDS:
        raise InvalidArgument(f"values must be one of {list(VALUE_KINDS)}; got values={values!r}")
    dt: np.dtype[Any] = storage_dtype(dtype) if isinstance(dtype, str) and dtype == "bfloat16" else np.dtype(dtype)
    if dt.kind not in "iuf" and dt.name != "bfloat16":  # ml_dtypes' bfloat16 is a NumPy 'V' kind
        raise InvalidArgument(f"dtype must be a real integer or floating dtype; got dtype={dtype!r}")
    if _special_kinds(values) and dt.kind in "iu":
        raise InvalidArgument(f"special values need a floating dtype; got values={values!r}, dtype={dtype!r}")
    return dt


def _special_kinds(values: str | tuple[str, ...]) -> tuple[str, ...]:
    """The special kinds ``values`` asks for: all for ``'special'``, those of a tuple, none for the other kinds."""
    return SPECIAL_KINDS if values == "special" else values if isinstance(values, tuple) else ()


def _check_subset(name: str, chosen: Any, allowed: tuple[Any, ...]) -> tuple[Any, ...]:
    if isinstance(chosen, str) or not isinstance(chosen, (tuple, list)):
        raise InvalidArgument(f"{name} must be a tuple of values from {list(allowed)}; got {name}={chosen!r}")
    items = tuple(chosen)
    if not items or any(item not in allowed for item in items):
        raise InvalidArgument(f"{name} must be a non-empty tuple of values from {list(allowed)}; got {name}={chosen!r}")
    return items


def _no_groups_or_bias(convention: str, config_options: dict[str, Any]) -> dict[str, Any]:
    """Configuration options for a convention without groups, bias or PyTorch's padding: checked, then fixed."""
    for name in ("max_groups", "bias", "padding", "large_output_padding"):
        if name in config_options:
            raise InvalidArgument(
                f"{name} does not apply to the {convention!r} convention, which has no groups, no bias and its own "
                f"padding options; got {name}={config_options[name]!r}"
            )
    only = config_options.get("only") or {}
    if isinstance(only, Mapping) and only.get("groups", 1) != 1:
        raise InvalidArgument(
            f"only groups={only['groups']!r} does not apply to the {convention!r} convention, which has no groups"
        )
    return {**config_options, "max_groups": 1, "bias": False}


@st.composite
def _convention_cases(
    draw: st.DrawFn,
    convention: _Convention,
    configs: st.SearchStrategy[ConvTransposeConfig],
    build: _Builder,
    dt: np.dtype[Any],
    values: str | tuple[str, ...],
    layouts: bool,
) -> ConvTransposeCase:
    config = draw(configs)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kinds = _special_kinds(values)
    drawn = "normal" if kinds else str(values)
    x = _values(rng, drawn, config.x_shape, dt)  # (N, C_in, *spatial)
    weight = _values(rng, drawn, config.weight_shape, dt)  # (C_in, C_out/groups, *kernel)
    bias = _values(rng, drawn, (config.out_channels,), dt) if config.bias else None
    special: tuple[str, ...] = ()
    if kinds:
        x, weight, bias, special = _special_values(draw, x, weight, bias, kinds)
    call = build(draw, config, x, weight, bias)
    x, weight, bias = call.x, call.weight, call.bias
    if layouts:  # after the convention's own transposes, so that every layout reaches the implementation
        x = _with_layout(x, draw(st.sampled_from(LAYOUTS)))
        weight = _with_layout(weight, draw(st.sampled_from(LAYOUTS)))
        bias = None if bias is None else _with_layout(bias, draw(st.sampled_from(LAYOUTS)))
    else:
        x, weight = np.ascontiguousarray(x), np.ascontiguousarray(weight)
    return ConvTransposeCase(
        config,
        x,
        weight,
        bias,
        convention=convention.name,
        array_names=convention.array_names,
        arguments=call.arguments,
        argument_names=convention.argument_names,
        kwargs=call.kwargs,
        reference=convention.reference,
        special=special,
    )


def _per_dimension(draw: st.DrawFn, values: tuple[int, ...], label: str) -> int | tuple[int, ...]:
    """An int when all values are equal (sometimes), else the tuple."""
    if len(set(values)) == 1 and draw(st.booleans(), label=f"{label} as an int"):
        return values[0]
    return values


# --- torch --------------------------------------------------------------------------------------


def _torch_kwargs(config: ConvTransposeConfig) -> dict[str, Any]:
    """PyTorch's keyword arguments: per-dimension tuples, ``padding`` symmetric ints where possible."""
    padding: Any = tuple(begin for begin, _ in config.padding)
    if any(begin != end for begin, end in config.padding):
        padding = config.padding
    return {
        "stride": config.stride,
        "padding": padding,
        "output_padding": config.output_padding,
        "groups": config.groups,
        "dilation": config.dilation,
    }


def _torch_call(
    draw: st.DrawFn, config: ConvTransposeConfig, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
) -> _Call:
    """:func:`torch_cases`' call: :func:`_torch_kwargs`."""
    return _Call(x, weight, bias, (), _torch_kwargs(config))


def _configuration_call(
    draw: st.DrawFn, config: ConvTransposeConfig, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
) -> _Call:
    """:func:`conv_transpose_cases`' call: the configuration's own keyword arguments, ``padding`` as pairs."""
    return _Call(x, weight, bias, (), config.kwargs)


_TORCH = _Convention("torch", ("x", "weight", "bias"), (), conv_transpose)


def conv_transpose_cases(
    *,
    dtype: Any = "float64",
    values: str | tuple[str, ...] = "integers",
    configs: st.SearchStrategy[ConvTransposeConfig] | None = None,
    layouts: bool = False,
    **config_options: Any,
) -> st.SearchStrategy[ConvTransposeCase]:
    """Valid configurations with arrays ``x``, ``weight`` and (sometimes) ``bias``, in PyTorch's convention.

    Each case is a call ``conv_transpose(case.x, case.weight, case.bias, **case.kwargs)`` whose
    ``kwargs`` are the configuration's own (:attr:`ConvTransposeConfig.kwargs`: ``padding``
    always as ``(begin, end)`` pairs); the configuration's fields and properties are readable
    on the case (``case.stride``, ``case.output_shape``, ...).

    Parameters
    ----------
    dtype : dtype_like
        Dtype of the arrays (any real NumPy dtype).
    values : {'integers', 'uniform', 'normal', 'special'} or tuple of str
        ``'integers'``: small integers in ``[-4, 4]``, exact in every dtype, so that every
        correct implementation gives the *same* result; ``'uniform'``: ``[-1, 1)``;
        ``'normal'``: standard normal.  Values come from a drawn seed, so they do not
        shrink, but the configuration does.  ``'special'`` (floating dtypes): standard normal,
        then one kind of :data:`SPECIAL_KINDS` per case in some of ``x``, ``weight`` and
        ``bias`` -- NaN, ``+inf``, ``-inf``, ``+0`` and ``-0``, subnormals, magnitudes from the
        square root of the largest finite value up to it (in 5 %, 20 % or half the entries, at
        least one), or cancelling data (``x`` near a large ``M`` with the weight's taps in negated
        pairs, or a bias of ``-M`` times each channel's weight sum), or ``'0 * inf'``: signed zeros
        in half or more of one of ``x`` and ``weight`` and infinities of both signs in the other,
        so the definition forms ``0 * inf = NaN`` products; ``case.special`` names them, like
        ``'NaN in weight'``.  A tuple of kinds draws those kinds only.
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
    dt = _check_values_and_dtype(values, dtype)
    configs = conv_transpose_configs(**config_options) if configs is None else configs
    return _convention_cases(_TORCH, configs, _configuration_call, dt, values, layouts)


def torch_cases(
    *, dtype: Any = "float64", values: str | tuple[str, ...] = "integers", layouts: bool = False, **config_options: Any
) -> st.SearchStrategy[ConvTransposeCase]:
    """Valid calls in PyTorch's convention, ``conv_transpose(x, weight, bias, **case.kwargs)``.

    The same draws as :func:`conv_transpose_cases` -- the same configurations and arrays for the
    same seed -- with ``kwargs`` as PyTorch's own functions take them: ``stride``, ``padding``,
    ``output_padding``, ``groups`` and ``dilation`` as per-dimension tuples, ``padding`` as
    ``(begin, end)`` pairs only when drawn asymmetric (``padding="symmetric"`` avoids them, as
    PyTorch itself needs).

    Parameters
    ----------
    dtype, values, layouts
        As for :func:`conv_transpose_cases`.
    **config_options
        Passed to :func:`conv_transpose_configs`.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(torch_cases(max_ndim=1, padding="symmetric"))
    ... def test(case):
    ...     y = case.reference(*case.args, **case.kwargs)
    ...     assert y.shape[:2] == (case.batch, case.out_channels)
    ...     assert isinstance(case.kwargs["padding"][0], int)
    >>> test()
    """
    dt = _check_values_and_dtype(values, dtype)
    return _convention_cases(_TORCH, conv_transpose_configs(**config_options), _torch_call, dt, values, layouts)


# --- ONNX ---------------------------------------------------------------------------------------


def _onnx_attributes(
    draw: st.DrawFn,
    config: ConvTransposeConfig,
    auto_pads: tuple[str, ...],
    beyond_full_output: bool,
    output_shapes: bool = True,
) -> dict[str, Any]:
    """``ConvTranspose`` attributes: every ``auto_pad``, ``pads`` (asymmetric) or ``output_shape`` (also beyond the
    full output), ``kernel_shape`` given or not; attributes at their defaults left out at random."""
    ndim = config.ndim
    geometry = list(zip(config.input_shape, config.kernel_shape, config.stride, config.dilation, config.output_padding))
    fulls = full_output_shape(
        config.input_shape, config.kernel_shape, config.stride, config.dilation, config.output_padding
    )  # output_padding included
    auto_pad = draw(st.sampled_from(auto_pads), label="auto_pad")
    same = ("SAME_UPPER", "SAME_LOWER")
    if not beyond_full_output and auto_pad in same and any(i * s > f for (i, _, s, _, _), f in zip(geometry, fulls)):
        others = [mode for mode in auto_pads if mode not in same]
        if not others:
            reject()  # input * strides exceeds the full output in a dimension, and nothing else may be drawn
        auto_pad = others[0]
    attributes: dict[str, Any] = {}
    if auto_pad != "NOTSET" or draw(st.booleans(), label="write auto_pad='NOTSET'"):
        attributes["auto_pad"] = auto_pad
    attributes["strides"] = list(config.stride)
    attributes["dilations"] = list(config.dilation)
    attributes["group"] = config.groups
    attributes["output_padding"] = list(config.output_padding)
    if auto_pad == "NOTSET" and draw(st.booleans(), label="give pads"):
        attributes["pads"] = [begin for begin, _ in config.padding] + [end for _, end in config.padding]
    if output_shapes and draw(st.booleans(), label="give output_shape"):
        attributes["output_shape"] = [
            draw(st.integers(max(1, full - 3), full + s if beyond_full_output else full), label=f"output_shape[{axis}]")
            for axis, (full, s) in enumerate(zip(fulls, config.stride))
        ]
    if draw(st.booleans(), label="give kernel_shape"):
        attributes["kernel_shape"] = list(config.kernel_shape)
    for name, default in (("dilations", 1), ("group", 1), ("output_padding", 0), ("strides", 1)):
        value = attributes[name]
        if value in (default, [default] * ndim) and draw(st.booleans(), label=f"leave out {name}"):
            del attributes[name]
    return attributes


def onnx_cases(
    *,
    dtype: Any = "float64",
    values: str | tuple[str, ...] = "integers",
    layouts: bool = False,
    auto_pads: tuple[str, ...] = ONNX_AUTO_PADS,
    beyond_full_output: bool = True,
    output_shapes: bool = True,
    **config_options: Any,
) -> st.SearchStrategy[ConvTransposeCase]:
    """Valid calls of ONNX ``ConvTranspose``: ``onnx_conv_transpose(X, W, B, **case.kwargs)``.

    ``case.args`` is ``(X, W, B)`` -- ``B`` ``None`` when no bias is drawn -- and ``case.kwargs``
    the node's attributes under ONNX's names, as ONNX's Python helpers write them (lists of
    ints, ``pads`` as all begins then all ends).  Attributes that are not drawn are *left
    out*, never passed as ``None``, as a node leaves them out: their defaults apply.  Drawn:
    every ``auto_pad`` (written or not when ``'NOTSET'``), asymmetric ``pads`` (``NOTSET``
    only), ``output_shape`` from three below the full output to a stride beyond it (it
    overrides ``pads``), ``kernel_shape`` given or not, ``group`` with several channels per
    group, ``output_padding < max(strides, dilations)``, and ``strides``, ``dilations``,
    ``group``, ``output_padding`` left out at random where they hold the default.

    Parameters
    ----------
    dtype, values, layouts
        As for :func:`conv_transpose_cases`.
    auto_pads : tuple of str
        The ``auto_pad`` values to draw from (``'NOTSET'``, ``'SAME_UPPER'``, ``'SAME_LOWER'``,
        ``'VALID'``).
    beyond_full_output : bool
        Also draw outputs larger than the full transposed convolution: ``output_shape`` beyond
        it, and ``SAME_*`` where ``X_i * strides`` exceeds it.  The specification gives those
        positions the bias alone; ONNX Runtime deviates there (``docs/conventions.md``).
    output_shapes : bool
        Also draw ``output_shape`` (in about half the draws); without it the size comes from
        ``pads`` or ``auto_pad`` alone.
    **config_options
        Passed to :func:`conv_transpose_configs` (``large_output_padding=False`` keeps
        ``output_padding < strides``, as ONNX Runtime needs).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(onnx_cases(max_ndim=2))
    ... def test(case):
    ...     X, W, B = case.args
    ...     y = case.reference(*case.args, **case.kwargs)
    ...     assert y.shape[:2] == (X.shape[0], W.shape[1] * case.kwargs.get("group", 1))
    ...     assert all(value is not None for value in case.kwargs.values())
    >>> test()
    """
    from .conventions import onnx_conv_transpose

    dt = _check_values_and_dtype(values, dtype)
    modes = _check_subset("auto_pads", auto_pads, ONNX_AUTO_PADS)
    if not isinstance(output_shapes, bool):
        raise InvalidArgument(f"output_shapes must be a bool; got output_shapes={output_shapes!r}")
    configs = conv_transpose_configs(**config_options)

    def build(
        draw: st.DrawFn, config: ConvTransposeConfig, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
    ) -> _Call:
        return _Call(x, weight, bias, (), _onnx_attributes(draw, config, modes, beyond_full_output, output_shapes))

    convention = _Convention("onnx", ("X", "W", "B"), (), onnx_conv_transpose)
    return _convention_cases(convention, configs, build, dt, values, layouts)


# --- JAX ----------------------------------------------------------------------------------------

JAX_PADDINGS = (*JAX_PADDING_MODES, "explicit")


def _jax_call(
    draw: st.DrawFn,
    config: ConvTransposeConfig,
    x: np.ndarray,
    weight: np.ndarray,
    paddings: tuple[str, ...],
    consistent_padding: bool,
    empty_outputs: bool,
) -> _Call:
    """``lhs``, ``rhs`` and the arguments of a ``jax.lax.conv_transpose`` call for a drawn geometry."""
    ndim = config.ndim
    letters = SPATIAL_LETTERS[:ndim]
    form = draw(st.sampled_from(["default", "letters"]), label="dimension_numbers form")
    specs: tuple[str, ...]
    if form == "default":
        specs = JAX_DEFAULT_DIMENSION_NUMBERS[ndim + 2]
    else:
        specs = tuple("".join(draw(st.permutations(pair + letters))) for pair in ("NC", "OI", "NC"))
    transpose_kernel = draw(st.booleans(), label="transpose_kernel")
    # x is (N, C, *letters); the kernel (O, I, *letters) is weight (C_in, C_out, *k) with O and I chosen so that
    # the input's features match: O with transpose_kernel (PyTorch's orientation), I without.
    kernel = weight if transpose_kernel else weight.swapaxes(0, 1)
    lhs = np.moveaxis(x, range(ndim + 2), [specs[0].index(c) for c in "NC" + letters])
    rhs = np.moveaxis(kernel, range(ndim + 2), [specs[1].index(c) for c in "OI" + letters])
    # strides, padding and rhs_dilation follow the kernel spec's spatial order
    order = [c for c in specs[1] if c in letters]
    input_sizes = [config.input_shape[letters.index(c)] for c in order]
    strides = tuple(config.stride[letters.index(c)] for c in order)
    dilation = tuple(config.dilation[letters.index(c)] for c in order)
    effective = [effective_kernel_length(config.kernel_shape[letters.index(c)], d) for c, d in zip(order, dilation)]
    kind = draw(st.sampled_from(paddings), label="padding kind")
    consistent = consistent_padding and draw(st.booleans(), label="use_consistent_padding")
    padding: Any = kind
    if kind == "explicit":
        # with empty_outputs, an empty output in one draw of eight where the pads would give one: JAX returns it
        # (and refuses pads that remove more than the whole zero-inserted input, which are never drawn)
        empty = empty_outputs and draw(st.integers(0, 7), label="empty output where the pads give one") == 7
        pairs = []
        for i, s, k in zip(input_sizes, strides, effective):
            pair = (draw(st.integers(-(k + 1), k + 1)), draw(st.integers(-(k + 1), k + 1)))
            lo, hi = (k - 1 - pair[0], k - 1 - pair[1]) if consistent else pair
            deficit = 1 - ((i - 1) * s + 1 + lo + hi - (k - 1))  # widening by this leaves one element
            if deficit > 0:
                # widening by deficit - k_eff ... deficit - 1 leaves 0 to k_eff - 1 padded elements: an empty output
                widen = draw(st.integers(max(deficit - k, 0), deficit - 1), label="widen") if empty else deficit
                pair = (pair[0] - widen, pair[1]) if consistent else (pair[0] + widen, pair[1])
            pairs.append(pair)
        padding = pairs
    dimension_numbers = None if form == "default" and draw(st.booleans(), label="pass None") else specs
    kwargs: dict[str, Any] = {
        "rhs_dilation": None if set(dilation) == {1} and draw(st.booleans(), label="rhs_dilation=None") else dilation,
        "dimension_numbers": dimension_numbers,
        "transpose_kernel": transpose_kernel,
    }
    if consistent_padding:
        kwargs["use_consistent_padding"] = consistent
    return _Call(lhs, rhs, None, (strides, padding), kwargs)


def jax_cases(
    *,
    dtype: Any = "float64",
    values: str | tuple[str, ...] = "integers",
    layouts: bool = False,
    paddings: tuple[str, ...] = JAX_PADDINGS,
    use_consistent_padding: bool = False,
    empty_outputs: bool = False,
    **config_options: Any,
) -> st.SearchStrategy[ConvTransposeCase]:
    """Valid calls of ``jax.lax.conv_transpose``: ``jax_conv_transpose(lhs, rhs, strides, padding, **case.kwargs)``.

    ``case.args`` is ``(lhs, rhs, strides, padding)`` and ``case.kwargs`` always holds
    ``rhs_dilation`` (``None`` or a tuple), ``dimension_numbers`` (``None`` -- JAX's channels-last
    default -- or three letter specs, any permutation of the axes) and ``transpose_kernel``.
    ``padding`` is ``'SAME'``, ``'VALID'`` or a list of ``(lo, hi)`` tuples from below
    ``-(k_eff - 1)`` to beyond ``k_eff - 1`` (cropping into the full output or extending past
    it), never so negative that the output is empty unless ``empty_outputs``.  ``strides``,
    ``padding`` and ``rhs_dilation`` follow the spatial order of the kernel's spec.  JAX has no
    bias and no groups: none are drawn.

    Parameters
    ----------
    dtype, values, layouts
        As for :func:`conv_transpose_cases`.
    paddings : tuple of str
        Padding kinds to draw from: ``'SAME'``, ``'VALID'``, ``'explicit'``.
    use_consistent_padding : bool
        Also draw JAX 0.10's ``use_consistent_padding`` (then always in ``kwargs``); the kit
        does not, as older JAX lacks it.
    empty_outputs : bool
        Also draw, in about one explicit-padding draw in eight where the drawn pads are that
        negative, pads that leave fewer than ``k_eff`` elements of the zero-inserted input: an
        empty output, as JAX returns it (never pads that remove more than all of it, which JAX
        refuses).  Off by default: an empty output checks little beyond its shape.
    **config_options
        Passed to :func:`conv_transpose_configs` (not ``max_groups``, ``bias``, ``padding`` or
        ``large_output_padding``).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(jax_cases(max_ndim=2))
    ... def test(case):
    ...     lhs, rhs, strides, padding = case.args
    ...     y = case.reference(*case.args, **case.kwargs)
    ...     assert y.ndim == lhs.ndim and case.bias is None
    ...     assert set(case.kwargs) == {"rhs_dilation", "dimension_numbers", "transpose_kernel"}
    >>> test()
    """
    from .conventions import jax_conv_transpose

    dt = _check_values_and_dtype(values, dtype)
    kinds = _check_subset("paddings", paddings, JAX_PADDINGS)
    if not isinstance(empty_outputs, bool):
        raise InvalidArgument(f"empty_outputs must be a bool; got empty_outputs={empty_outputs!r}")
    configs = conv_transpose_configs(**_no_groups_or_bias("jax", config_options))

    def build(
        draw: st.DrawFn, config: ConvTransposeConfig, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
    ) -> _Call:
        return _jax_call(draw, config, x, weight, kinds, use_consistent_padding, empty_outputs)

    convention = _Convention("jax", ("lhs", "rhs"), ("strides", "padding"), jax_conv_transpose)
    return _convention_cases(convention, configs, build, dt, values, layouts)


# --- TensorFlow ---------------------------------------------------------------------------------

TF_PADDINGS = (*TF_PADDING_MODES, "explicit")


def _tf_per_dimension_form(draw: st.DrawFn, values: tuple[int, ...], first: bool, label: str) -> Any:
    """TensorFlow's ``strides``/``dilations``: an int or ``[v]`` (when all equal), ``n`` values, or ``n + 2`` with
    1 for batch and channels."""
    forms = ["n", "n+2"] + (["int", "1"] if len(set(values)) == 1 else [])
    form = draw(st.sampled_from(forms), label=f"{label} form")
    if form == "int":
        return values[0]
    if form == "1":
        return [values[0]]
    if form == "n":
        return list(values)
    return [1, 1, *values] if first else [1, *values, 1]


def _tf_call(
    draw: st.DrawFn,
    config: ConvTransposeConfig,
    x: np.ndarray,
    weight: np.ndarray,
    paddings: tuple[str, ...],
    channels_first: bool | None,
) -> _Call:
    """``input``, ``filters`` and the arguments of a ``tf.nn.conv_transpose`` call; ``output_shape`` fits."""
    ndim = config.ndim
    kinds = [kind for kind in paddings if kind != "explicit" or ndim == 2]  # explicit pairs are 2-D only
    if not kinds:
        reject()
    kind = draw(st.sampled_from(kinds), label="padding")
    first = draw(st.booleans(), label="channels first") if channels_first is None else channels_first
    geometry = list(zip(config.input_shape, config.kernel_shape, config.stride, config.dilation))
    pads: list[Any] = []
    for i, k, s, d in geometry:
        if kind != "explicit":
            pads.append(kind)
            continue
        room = conv_transpose_output_length(i, k, s, 0, 0, 0, d) + s - 2  # before + after beyond it: no size fits
        before = draw(st.integers(0, min(3, room)), label="before")
        pads.append((before, draw(st.integers(0, min(3, room - before)), label="after")))
    sizes = []
    for (i, k, s, d), pad in zip(geometry, pads):
        low, high = tf_size_range(i, k, s, d, pad)
        sizes.append(draw(st.integers(max(low, 1), high), label="output size"))  # never an empty output
    fmt = TF_DATA_FORMATS[ndim][int(first)]
    out_channels = config.out_channels
    output_shape = [config.batch, out_channels, *sizes] if first else [config.batch, *sizes, out_channels]
    inputs = x if first else np.moveaxis(x, 1, -1)  # (N, C, *spatial) or (N, *spatial, C)
    filters = weight.transpose(*range(2, ndim + 2), 1, 0)  # (*k, C_out, C_in)
    padding: Any = kind
    if kind == "explicit":
        spatial = [list(pair) for pair in pads]
        padding = [[0, 0], [0, 0], *spatial] if first else [[0, 0], *spatial, [0, 0]]
    strides = _tf_per_dimension_form(draw, config.stride, first, "strides")
    default_format = fmt == TF_DATA_FORMATS[ndim][0] and draw(st.booleans(), label="data_format=None")
    dilations = (
        None
        if set(config.dilation) == {1} and draw(st.booleans(), label="dilations=None")
        else _tf_per_dimension_form(draw, config.dilation, first, "dilations")
    )
    kwargs = {"padding": padding, "data_format": None if default_format else fmt, "dilations": dilations}
    return _Call(inputs, filters, None, (output_shape, strides), kwargs)


def tf_cases(
    *,
    dtype: Any = "float64",
    values: str | tuple[str, ...] = "integers",
    layouts: bool = False,
    paddings: tuple[str, ...] = TF_PADDINGS,
    channels_first: bool | None = None,
    **config_options: Any,
) -> st.SearchStrategy[ConvTransposeCase]:
    """Valid calls of ``tf.nn.conv_transpose``: ``tf_conv_transpose(input, filters, output_shape, strides, **kwargs)``.

    ``case.args`` is ``(input, filters, output_shape, strides)`` and ``case.kwargs`` always holds
    ``padding`` (``'SAME'``, ``'VALID'``, or in 2-D explicit ``[before, after]`` pairs for all
    ``n + 2`` dimensions), ``data_format`` (``None`` for the channels-last default, or a format
    string) and ``dilations`` (``None`` or per dimension).  ``output_shape`` is any size the
    forward convolution maps back to the input (``SAME``: ``(i - 1)*s + 1`` to ``i*s``, ...);
    ``strides`` and ``dilations`` come as an int, ``[v]``, ``n`` or ``n + 2`` values.  The filters
    are ``(*kernel, C_out, C_in)``.  TensorFlow has no bias and no groups: none are drawn.

    Parameters
    ----------
    dtype, values, layouts
        As for :func:`conv_transpose_cases`.
    paddings : tuple of str
        Padding kinds to draw from: ``'SAME'``, ``'VALID'``, ``'explicit'`` (2-D cases only).
    channels_first : bool, optional
        Force the data format; drawn when ``None``.
    **config_options
        Passed to :func:`conv_transpose_configs` (not ``max_groups``, ``bias``, ``padding`` or
        ``large_output_padding``).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(tf_cases(max_ndim=2))
    ... def test(case):
    ...     inputs, filters, output_shape, strides = case.args
    ...     assert case.reference(*case.args, **case.kwargs).shape == tuple(output_shape)
    >>> test()
    """
    from .conventions import tf_conv_transpose

    dt = _check_values_and_dtype(values, dtype)
    kinds = _check_subset("paddings", paddings, TF_PADDINGS)
    if channels_first is not None and not isinstance(channels_first, bool):
        raise InvalidArgument(f"channels_first must be None or a bool; got channels_first={channels_first!r}")
    configs = conv_transpose_configs(**_no_groups_or_bias("tf", config_options))

    def build(
        draw: st.DrawFn, config: ConvTransposeConfig, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
    ) -> _Call:
        return _tf_call(draw, config, x, weight, kinds, channels_first)

    convention = _Convention("tf", ("input", "filters"), ("output_shape", "strides"), tf_conv_transpose)
    return _convention_cases(convention, configs, build, dt, values, layouts)


# --- Keras --------------------------------------------------------------------------------------

KERAS_PADDINGS = ("valid", "same", "VALID", "SAME", "Same")


def _keras_call(
    draw: st.DrawFn,
    config: ConvTransposeConfig,
    x: np.ndarray,
    weight: np.ndarray,
    paddings: tuple[str, ...],
    channels_first: bool | None,
    same_even_zero_output_padding: bool,
    empty_outputs: bool,
) -> _Call:
    """``inputs``, ``kernel`` and the arguments of a ``keras.ops.conv_transpose`` call."""
    ndim = config.ndim
    padding = draw(st.sampled_from(paddings), label="padding")
    same = padding.lower() == "same"
    extra: tuple[int, ...] | None = draw(
        st.none() | st.tuples(*(st.integers(0, s - 1) for s in config.stride)), label="output_padding"
    )
    effective = [effective_kernel_length(k, d) for k, d in zip(config.kernel_shape, config.dilation)]
    if same and extra is not None:
        geometry = zip(config.input_shape, config.kernel_shape, config.stride, config.dilation, extra)
        sizes = [keras_output_size(i, k, s, d, "same", a) for i, k, s, d, a in geometry]
        even_zero = any(a == 0 and ke % 2 == 0 for a, ke in zip(extra, effective))
        if (min(sizes) < 1 and not empty_outputs) or (even_zero and not same_even_zero_output_padding):
            extra = None  # an empty output (unless asked for), or the form Keras's TensorFlow backend rejects
    output_padding: Any = None if extra is None else _per_dimension(draw, extra, "output_padding")
    first = draw(st.booleans(), label="channels_first") if channels_first is None else channels_first
    data_format: str | None = "channels_first"
    if not first:
        data_format = draw(st.sampled_from([None, "channels_last"]), label="data_format")
    inputs = x if first else np.moveaxis(x, 1, -1)  # (N, C, *spatial) or (N, *spatial, C)
    kernel = weight.transpose(*range(2, ndim + 2), 1, 0)  # (*k, C_out, C_in)
    kwargs = {
        "strides": _per_dimension(draw, config.stride, "strides"),
        "padding": padding,
        "output_padding": output_padding,
        "data_format": data_format,
        "dilation_rate": _per_dimension(draw, config.dilation, "dilation_rate"),
    }
    return _Call(inputs, kernel, None, (), kwargs)


def keras_cases(
    *,
    dtype: Any = "float64",
    values: str | tuple[str, ...] = "integers",
    layouts: bool = False,
    paddings: tuple[str, ...] = KERAS_PADDINGS,
    channels_first: bool | None = None,
    same_even_zero_output_padding: bool = True,
    empty_outputs: bool = False,
    **config_options: Any,
) -> st.SearchStrategy[ConvTransposeCase]:
    """Valid calls of ``keras.ops.conv_transpose``: ``keras_conv_transpose(inputs, kernel, **case.kwargs)``.

    ``case.args`` is ``(inputs, kernel)`` and ``case.kwargs`` always holds ``strides``,
    ``padding`` (``'valid'`` or ``'same'`` in any case), ``output_padding`` (``None``, an int or
    per dimension, below ``strides``), ``data_format`` (``None``, ``'channels_last'`` or
    ``'channels_first'``) and ``dilation_rate``; ``strides`` and ``dilation_rate`` are an int
    when all equal (sometimes) or a tuple.  The kernel is ``(*kernel_size, C_out, C_in)``.
    Outputs are never empty unless ``empty_outputs``.  Keras has no bias and no groups here:
    none are drawn.

    Parameters
    ----------
    dtype, values, layouts
        As for :func:`conv_transpose_cases`.
    paddings : tuple of str
        The ``padding`` strings to draw from.
    channels_first : bool, optional
        Force the data format; drawn when ``None``.
    same_even_zero_output_padding : bool
        Also draw ``padding='same'`` with ``output_padding`` 0 in a dimension whose dilated
        kernel is even, which the documented rule allows and Keras's TensorFlow backend
        rejects (``docs/conventions.md``).
    empty_outputs : bool
        Also draw, where it comes up, ``'same'`` with ``output_padding`` 0 in a dimension of one
        input element and an even ``k_eff``: Keras's size there is 0, and it returns an empty
        output (only with ``same_even_zero_output_padding``).  Off by default: an empty output
        checks little beyond its shape.
    **config_options
        Passed to :func:`conv_transpose_configs` (not ``max_groups``, ``bias``, ``padding`` or
        ``large_output_padding``).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(keras_cases(max_ndim=1))
    ... def test(case):
    ...     inputs, kernel = case.args
    ...     y = case.reference(*case.args, **case.kwargs)
    ...     assert y.shape[0] == inputs.shape[0] and y.size >= 0
    >>> test()
    """
    from .conventions import keras_conv_transpose

    dt = _check_values_and_dtype(values, dtype)
    if isinstance(paddings, str) or not isinstance(paddings, (tuple, list)) or not paddings:
        raise InvalidArgument(f"paddings must be a non-empty tuple of 'valid'/'same' strings; got {paddings!r}")
    if any(not isinstance(p, str) or p.lower() not in KERAS_PADDING_MODES for p in paddings):
        raise InvalidArgument(f"paddings must contain only 'valid' and 'same', in any case; got paddings={paddings!r}")
    if channels_first is not None and not isinstance(channels_first, bool):
        raise InvalidArgument(f"channels_first must be None or a bool; got channels_first={channels_first!r}")
    if not isinstance(empty_outputs, bool):
        raise InvalidArgument(f"empty_outputs must be a bool; got empty_outputs={empty_outputs!r}")
    configs = conv_transpose_configs(**_no_groups_or_bias("keras", config_options))
    kinds = tuple(paddings)

    def build(
        draw: st.DrawFn, config: ConvTransposeConfig, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None
    ) -> _Call:
        return _keras_call(draw, config, x, weight, kinds, channels_first, same_even_zero_output_padding, empty_outputs)

    convention = _Convention("keras", ("inputs", "kernel"), (), keras_conv_transpose)
    return _convention_cases(convention, configs, build, dt, values, layouts)


# --- features: what a case exercises, and the draw options that leave one out -------------------

_PYTORCH_OPTIONS_LEAVE_OUT: dict[str, dict[str, Any]] = {
    "groups": {"max_groups": 1},
    "dilation": {"max_dilation": 1},
    "large output_padding": {"large_output_padding": False},
    "asymmetric padding": {"padding": "symmetric"},
    "empty batch": {"empty_batch": False},
}
_OWN_PADDING_LEAVE_OUT: dict[str, dict[str, Any]] = {
    "dilation": {"max_dilation": 1},
    "empty batch": {"empty_batch": False},
}

#: Each convention's strategy options that leave a feature (:data:`~transposed_conv.frameworks.FEATURES`) out of
#: the draw; a feature a strategy never draws (JAX's groups, say) needs none, and ``float64`` is a dtype.
LEAVE_OUT: dict[str, dict[str, dict[str, Any]]] = {
    "torch": _PYTORCH_OPTIONS_LEAVE_OUT,
    "onnx": {
        **_PYTORCH_OPTIONS_LEAVE_OUT,
        "padding modes": {"auto_pads": ("NOTSET",), "beyond_full_output": False, "output_shapes": False},
    },
    "jax": {
        **_OWN_PADDING_LEAVE_OUT,
        "padding modes": {"paddings": ("VALID", "explicit")},
        "asymmetric padding": {"paddings": JAX_PADDING_MODES},
    },
    "tf": {
        **_OWN_PADDING_LEAVE_OUT,
        "padding modes": {"paddings": ("VALID", "explicit")},
        "asymmetric padding": {"paddings": TF_PADDING_MODES},
    },
    "keras": {**_OWN_PADDING_LEAVE_OUT, "padding modes": {"paddings": ("valid", "VALID")}},
}
#: Features beyond a convention's API that its strategy can draw all the same, with the options that draw them:
#: our :func:`~transposed_conv.conv_transpose` takes ``(begin, end)`` padding pairs in PyTorch's convention.
EXTENSIONS: dict[str, dict[str, dict[str, Any]]] = {"torch": {"asymmetric padding": {"padding": "any"}}}


def feature_draw_options(
    convention: str, without: Collection[str] = (), extensions: Collection[str] = ()
) -> dict[str, Any]:
    """Options for ``CONVENTION_CASES[convention]`` that draw what the convention's API expresses.

    Leaves out the features the API lacks (``CONVENTIONS[convention].supports.lacks``, ``(begin,
    end)`` padding pairs in PyTorch's convention, say) and those in ``without``, and draws those in
    ``extensions`` (:data:`EXTENSIONS`) all the same.  Feature names are those of
    :data:`~transposed_conv.frameworks.FEATURES`; the caller checks them.

    Examples
    --------
    >>> feature_draw_options("torch")
    {'padding': 'symmetric'}
    >>> feature_draw_options("torch", without=("groups",), extensions=("asymmetric padding",))
    {'max_groups': 1, 'padding': 'any'}
    >>> feature_draw_options("jax", without=("padding modes", "asymmetric padding"))
    {'paddings': ('VALID',)}
    """
    leave_out = LEAVE_OUT[convention]
    lacks = [feature for feature in CONVENTIONS[convention].supports.lacks if feature not in extensions]
    options: dict[str, Any] = {}
    for feature in [feature for feature in leave_out if feature in lacks or feature in without]:
        for name, value in leave_out[feature].items():
            if isinstance(value, tuple) and isinstance(options.get(name), tuple):  # both restrict a choice
                value = tuple(item for item in options[name] if item in value)
            options[name] = value
    for feature in extensions:
        options.update(EXTENSIONS.get(convention, {}).get(feature, {}))
    return options


def case_features(case: ConvTransposeCase) -> frozenset[str]:
    """The features (:data:`~transposed_conv.frameworks.FEATURES`) a case exercises.

    ``groups`` (more than one), ``dilation`` (above 1 in some dimension), ``large
    output_padding`` (``output_padding >= stride`` somewhere), ``asymmetric padding`` (different
    begin and end padding given explicitly: PyTorch's pairs, ONNX ``pads``, JAX's and
    TensorFlow's explicit pairs), ``padding modes`` (ONNX ``auto_pad`` other than ``NOTSET`` or
    ``output_shape``; ``SAME`` in JAX, TensorFlow and Keras), ``empty batch`` and ``float64``.

    Examples
    --------
    >>> config = ConvTransposeConfig.build((3,), (2,), stride=2, padding=((1, 0),), groups=2, in_channels=2,
    ...                                    out_channels=2, batch=1)
    >>> x, weight = np.zeros(config.x_shape), np.zeros(config.weight_shape)
    >>> sorted(case_features(ConvTransposeCase(config, x, weight, None)))
    ['asymmetric padding', 'float64', 'groups']
    """
    config, kwargs = case.config, case.kwargs
    features = set()
    if config.groups > 1:
        features.add("groups")
    if any(d > 1 for d in config.dilation):
        features.add("dilation")
    if case.convention in ("torch", "onnx") and any(a >= s for a, s in zip(config.output_padding, config.stride)):
        features.add("large output_padding")
    if config.batch == 0:
        features.add("empty batch")
    if case.x.dtype == np.float64:
        features.add("float64")
    padding: Any = None
    if case.convention == "torch":
        padding = config.padding if any(isinstance(p, tuple) for p in kwargs["padding"]) else None
    elif case.convention == "onnx":
        if kwargs.get("auto_pad", "NOTSET") != "NOTSET" or "output_shape" in kwargs:
            features.add("padding modes")
        pads = kwargs.get("pads")
        padding = None if pads is None else list(zip(pads[: config.ndim], pads[config.ndim :]))
    else:
        given = case.arguments[1] if case.convention == "jax" else kwargs["padding"]
        if isinstance(given, str):
            features.update(["padding modes"] if given.upper() == "SAME" else [])
        else:
            padding = given
    if padding is not None and any(len(set(pair)) > 1 for pair in padding):
        features.add("asymmetric padding")
    return frozenset(features)


#: The case strategy of each convention, by name.
CONVENTION_CASES: dict[str, Callable[..., st.SearchStrategy[ConvTransposeCase]]] = {
    "torch": torch_cases,
    "onnx": onnx_cases,
    "jax": jax_cases,
    "tf": tf_cases,
    "keras": keras_cases,
}


def example_draws(strategy: st.SearchStrategy[T], count: int, seed: int) -> list[T]:
    """The first ``count`` values ``strategy`` generates under ``seed``: generation only, no shrinking, no database.

    The same seed gives the same values (in one version of hypothesis), which makes reproducible
    samples -- test-vector files, campaigns -- outside a test.

    Parameters
    ----------
    strategy : hypothesis strategy
        Any strategy, e.g. :func:`conv_transpose_cases`.
    count : int
        How many values; fewer only if the strategy cannot generate that many.
    seed : int
        Hypothesis's seed.

    Returns
    -------
    list
        The values, in the order generated.

    Examples
    --------
    >>> from hypothesis import strategies as st
    >>> example_draws(st.integers(0, 9), 5, seed=1) == example_draws(st.integers(0, 9), 5, seed=1)
    True
    >>> len(example_draws(conv_transpose_cases(max_ndim=1), 3, seed=0))
    3
    """
    drawn: list[T] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: T) -> None:
        if len(drawn) < count:
            drawn.append(value)

    collect()
    return drawn
