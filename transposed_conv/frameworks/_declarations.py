"""What a framework module declares: its conventions, its implementations, and what each supports.

A framework module (``transposed_conv/frameworks/<name>.py``) ends with three declarations that
the registry (:mod:`transposed_conv.frameworks`) collects:

* ``CONVENTIONS``: a :class:`Convention` for each calling convention it defines -- our function
  that computes it, the reverse mapping from our geometry to its arguments, what it can express;
* ``IMPLEMENTATIONS``: an :class:`Implementation` for each real implementation called in its own
  convention (the rows of the conformance report);
* ``PEERS``: an :class:`Implementation` for each real implementation wrapped in PyTorch's
  convention (``transposed-conv check --framework``).

Every limit is a feature name from :data:`FEATURES` with the reason, in words, why the API
cannot express it (:attr:`Supports.lacks`) or why the implementation does not run it though its
API expresses it (:attr:`Supports.fails`: a documented limitation or deviation).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from ..shapes import ConvTransposeGeometry
from ._window import Window, window_of_full_output

__all__ = [
    "FEATURES",
    "NO_PADDING_MODES_IN_PYTORCH_CONVENTION",
    "Convention",
    "Geometry",
    "Implementation",
    "Inexpressible",
    "Reading",
    "Supports",
    "arguments_or_none",
    "exported_from",
    "feature_name",
]

#: The features a convention may lack, as the report's areas name them; also the names that
#: ``check_conv_transpose(without=..., extensions=...)`` and ``transposed-conv check --without`` take
#: (on the command line with hyphens for spaces and underscores: ``large-output-padding``).
FEATURES = (
    "float64",
    "groups",
    "dilation",
    "large output_padding",
    "padding modes",
    "asymmetric padding",
    "empty batch",
)
#: Names features had before: still read, as the feature they became.
_FORMER_NAMES = {"asymmetric": "asymmetric padding"}
#: The dtypes the kit draws, in the order it draws them.
DTYPES = ("float64", "float32")

F = TypeVar("F", bound=Callable[..., Any])

#: The reason a peer, called with PyTorch's arguments, has no padding modes (``lacks`` of every peer).
NO_PADDING_MODES_IN_PYTORCH_CONVENTION = "called with PyTorch's arguments, which have explicit padding only"


def exported_from(module: str) -> Callable[[F], F]:
    """Set a function's ``__module__`` to the module users import it from, as NumPy's ``set_module`` does.

    The convention functions live in their framework's module and are documented and imported
    as :mod:`transposed_conv.conventions` names; reproducers name that import.
    """

    def decorate(function: F) -> F:
        function.__module__ = module
        return function

    return decorate


def _spelling(name: str) -> str:
    return name.strip().lower().replace("_", " ").replace("-", " ")


#: Every accepted spelling of a feature (its name; hyphens or underscores for spaces; any case), by spelling.
_SPELLINGS = {_spelling(name): name for name in FEATURES} | {
    _spelling(former): name for former, name in _FORMER_NAMES.items()
}


def feature_name(text: str) -> str | None:
    """The feature of :data:`FEATURES` that ``text`` names, or ``None``.

    A feature is named as :data:`FEATURES` writes it, or with hyphens or underscores for its
    spaces, in any case, as a command line writes it.

    Examples
    --------
    >>> feature_name("large-output-padding"), feature_name("Asymmetric-Padding"), feature_name("bias")
    ('large output_padding', 'asymmetric padding', None)
    """
    return _SPELLINGS.get(_spelling(text)) if isinstance(text, str) else None


class Inexpressible(ValueError):
    """A framework cannot express a geometry; the message says which feature and why."""


@dataclass(frozen=True)
class Reading:
    """A call in a framework's convention, read as ours: a window of our full output, and the layouts.

    The forward mapping without the arithmetic.  A convention function validates its arguments
    into a reading and computes with :meth:`compute`; :func:`transposed_conv.translate` reads the
    same reading from shapes alone to spell the call in another framework's terms.

    Attributes
    ----------
    batch, in_channels, out_channels, groups : int
        The input's batch size and channels, the output's channels, the groups.
    input_shape, kernel_shape, stride, dilation : tuple of int
        Per spatial dimension, in our order (the kernel's spatial order, for JAX).
    window : tuple of (int, int)
        ``(start, stop)`` per spatial dimension in the coordinates of the full output ``[0, F)``,
        ``F = (i - 1)*stride + dilation*(k - 1) + 1``; any integers with ``stop >= start``: positions
        outside ``[0, F)`` hold the bias alone.
    x_axes : tuple of int
        ``np.transpose(x, x_axes)`` is the caller's input as ``(N, C_in, *spatial)``.
    weight_axes : tuple of int
        ``np.transpose(weight, weight_axes)`` is the caller's kernel as ``(C_in, C_out/groups, *kernel)``...
    weight_flipped : bool
        ...with its spatial axes flipped afterwards where True (JAX without ``transpose_kernel``).
    out_axes : tuple of int
        ``np.transpose(y, out_axes)`` puts our ``(N, C_out, *spatial)`` result in the caller's layout.
    bias : bool
        Whether the call takes a bias.
    """

    batch: int
    in_channels: int
    out_channels: int
    groups: int
    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    window: Window
    x_axes: tuple[int, ...]
    weight_axes: tuple[int, ...]
    weight_flipped: bool
    out_axes: tuple[int, ...]
    bias: bool

    def weight(self, weight: np.ndarray) -> np.ndarray:
        """The caller's kernel in our layout, ``(C_in, C_out/groups, *kernel)`` (a view)."""
        ours = np.transpose(weight, self.weight_axes)
        return np.flip(ours, axis=tuple(range(2, ours.ndim))) if self.weight_flipped else ours

    def compute(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """The call's result for the caller's arrays, in the caller's layout, computed with our core."""
        y = window_of_full_output(
            np.transpose(x, self.x_axes),
            self.weight(weight),
            bias,
            stride=self.stride,
            dilation=self.dilation,
            groups=self.groups,
            window=self.window,
        )
        if self.out_axes == tuple(range(y.ndim)):
            return y
        return np.ascontiguousarray(np.transpose(y, self.out_axes))


#: Our geometry, as the reverse mappings read it (the kit's drawn configuration is one too).
Geometry = ConvTransposeGeometry


@dataclass(frozen=True)
class Supports:
    """What a calling convention can express, and what an implementation of it runs.

    Attributes
    ----------
    lacks : mapping of str to str
        Features the API cannot express at all, each with the reason: the report says ``n/a``, the
        kit never draws them.
    fails : mapping of str to str
        Features the API expresses but the implementation does not run (a limitation or a
        deviation, documented in ``docs/conventions.md``), each with the reason: the report
        shows the failure, ``transposed-conv check`` leaves them out of the draw.
    """

    lacks: Mapping[str, str] = field(default_factory=dict)
    fails: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, limits in (("lacks", self.lacks), ("fails", self.fails)):
            unknown = sorted(feature for feature in limits if feature not in FEATURES and feature not in _FORMER_NAMES)
            if unknown:
                raise ValueError(f"Supports.{name} must name features from {list(FEATURES)}; got {unknown}")
            if any(not isinstance(reason, str) or not reason for reason in limits.values()):
                raise ValueError(f"Supports.{name} must give a reason for every limit; got {dict(limits)!r}")
            named = {_FORMER_NAMES.get(feature, feature): reason for feature, reason in limits.items()}
            object.__setattr__(self, name, named)  # frozen; former names read as the features they became

    def expresses(self, feature: str) -> bool:
        """Whether the API can express ``feature``."""
        return feature not in self.lacks

    def runs(self, feature: str) -> bool:
        """Whether the implementation runs ``feature``: its API expresses it and no known limit stops it."""
        return feature not in self.lacks and feature not in self.fails

    @property
    def features(self) -> frozenset[str]:
        """The features the API expresses."""
        return frozenset(feature for feature in FEATURES if self.expresses(feature))

    @property
    def dtypes(self) -> tuple[str, ...]:
        """The dtypes it runs (float32 always)."""
        return tuple(dtype for dtype in DTYPES if dtype == "float32" or self.runs(dtype))

    @property
    def draw_options(self) -> dict[str, Any]:
        """Options for :func:`~transposed_conv.strategies.conv_transpose_configs` that draw only what it runs."""
        options: dict[str, Any] = {}
        if not self.runs("groups"):
            options["max_groups"] = 1
        if not self.runs("asymmetric padding"):
            options["padding"] = "symmetric"
        if not self.runs("large output_padding"):
            options["large_output_padding"] = False
        if not self.runs("dilation"):
            options["max_dilation"] = 1
        if not self.runs("empty batch"):
            options["empty_batch"] = False
        return options

    @property
    def unsupported(self) -> frozenset[str]:
        """The features it does not run (``lacks`` and ``fails``): what ``check`` declares it without."""
        return frozenset(self.lacks) | frozenset(self.fails)


@dataclass(frozen=True)
class Convention:
    """A calling convention: its name, our function that computes it, and how our geometry maps to it.

    Attributes
    ----------
    name : str
        As ``check_conv_transpose(convention=...)`` and ``transposed-conv check --convention`` take it.
    function : callable
        Our spec-following implementation, e.g. :func:`~transposed_conv.conventions.onnx_conv_transpose`.
    arguments : callable
        The reverse mapping: ``arguments(geometry, batch=N)`` is the convention's arguments for our
        geometry and batch size (its own names, and the axis permutations that bring our arrays
        into its layout), or raises :class:`Inexpressible` with the reason.
    supports : Supports
        What the convention's API can express (``lacks``).
    draws : mapping of str to mapping
        The kit's draw options that keep a case to one padding form: ``'plain'`` (what every
        implementation takes), and, where the API has them, ``'padding modes'`` and ``'asymmetric'``.
    pytorch_options : bool
        Whether the kit's strategy takes PyTorch's draw options (``max_groups``, ``bias``,
        ``padding``, ``large_output_padding``); False where the convention has no groups and no
        bias and draws its own padding.
    """

    name: str
    function: Callable[..., Any]
    arguments: Callable[..., dict[str, Any]]
    supports: Supports
    draws: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pytorch_options: bool = True


@dataclass(frozen=True)
class Implementation:
    """A real implementation of transposed convolution, and how to call it.

    Attributes
    ----------
    name : str
        Its name: short for a peer (``'onnxruntime'``, as ``transposed-conv check --framework``
        takes it), the call for a report row (``'onnxruntime ConvTranspose'``).
    module : str
        The package that must be importable.
    convention : str
        The calling convention ``impl`` takes: ``'torch'`` for the peers, its own for the report.
    impl : callable
        The wrapper that calls the real framework (which it imports when called).
    supports : Supports
        What it can express and what it runs, with reasons.  A set of feature names, as the
        report's ``Implementation`` took before, is read as the features its API expresses.
    precisions : mapping of str to str
        The half formats it also computes in (``'float16'``, ``'bfloat16'``), each with the name
        of the oracle's precision model that describes how (``transposed_conv.oracle.PRECISIONS``).
    """

    name: str
    module: str
    convention: str
    impl: Callable[..., Any]
    supports: Supports = field(default_factory=Supports)
    precisions: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.supports, (set, frozenset)):  # the report's former ``features`` argument
            features = {_FORMER_NAMES.get(feature, feature) for feature in self.supports}
            lacks = {f: "not among the features it was declared with" for f in FEATURES if f not in features}
            object.__setattr__(self, "supports", Supports(lacks=lacks))

    @property
    def available(self) -> bool:
        """Whether the framework is installed."""
        return importlib.util.find_spec(self.module) is not None

    @property
    def features(self) -> frozenset[str]:
        """The features its API expresses (the report's areas that apply to it)."""
        return self.supports.features

    @property
    def dtypes(self) -> tuple[str, ...]:
        """The dtypes it runs: the declaration's, then those of :attr:`precisions`."""
        return (*self.supports.dtypes, *self.precisions)

    @property
    def draw_options(self) -> dict[str, Any]:
        """Options for :func:`~transposed_conv.strategies.conv_transpose_configs` that draw only what it runs."""
        return self.supports.draw_options


def arguments_or_none(convention: Convention, geometry: Geometry, *, batch: int = 1) -> dict[str, Any] | None:
    """``convention.arguments(geometry, batch=batch)``, or ``None`` where the convention cannot express it."""
    try:
        return convention.arguments(geometry, batch=batch)
    except Inexpressible:
        return None
