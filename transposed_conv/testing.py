"""The conformance kit: run our property suite against any transposed-convolution implementation.

:func:`check_conv_transpose` draws valid configurations with
:mod:`transposed_conv.strategies`, calls the implementation in one framework's calling
convention (PyTorch's, ONNX's, JAX's, TensorFlow's or Keras's), and checks each result
against the oracle (:mod:`transposed_conv.oracle`): the output shape, the dtype, the
values within the rigorous rounding bound of the input dtype, that a valid
configuration does not raise, and that the caller's arrays and arguments are left
unchanged.  The answer for a convention comes from our spec-following implementation of
it (:mod:`transposed_conv.conventions`).  The first non-conformance is shrunk by
hypothesis to a minimal configuration and raised as :class:`NonConformance`, with a
reproducer that needs only NumPy and this package.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import Flaky, HypothesisException, InvalidArgument, Unsatisfiable
    from hypothesis.strategies import SearchStrategy
except ModuleNotFoundError as error:
    if error.name != "hypothesis":
        raise
    raise ModuleNotFoundError(
        'transposed_conv.testing needs hypothesis: pip install "transposed-conv[kit]"', name="hypothesis"
    ) from None

from . import _isolation, _literals, frameworks
from ._literals import Script
from .frameworks._declarations import FEATURES, feature_name
from .oracle import ALGORITHMS, PRECISIONS, STORAGE_DTYPES, Precision, answer_key, dtype_precisions
from .strategies import (
    CONVENTION_CASES,
    EXTENSIONS,
    SPECIAL_KINDS,
    STRESS_REGIONS,
    ConvTransposeCase,
    _check_only,
    case_features,
    feature_draw_options,
)

__all__ = ["CONVENTIONS", "TIERS", "ConformanceReport", "Declaration", "NonConformance", "check_conv_transpose"]

#: What the kit draws unless told otherwise: up to 4 groups of up to 9 channels (blocked kernels
#: break on remainders) and, now and then, a spatial size of 17 to 40 (tiled kernels break at tile edges).
#: Conventions without groups (JAX, TensorFlow, Keras) take all but ``max_groups``.
KIT_DRAW: dict[str, Any] = {"max_groups": 4, "max_channels_per_group": 9, "max_large_side": 40}

#: The kit's tiers, and the share of ``examples`` each draws: small cases (:data:`KIT_DRAW`); the stress regions
#: (:data:`~transposed_conv.strategies.STRESS_REGIONS`, one run per region); and small cases holding special values
#: (:data:`~transposed_conv.strategies.SPECIAL_KINDS`, one run per kind).  Every region and kind gets a case at least.
TIERS: dict[str, float] = {"small": 1.0, "stress": 1.0, "special": 1.0}

#: Calling conventions the kit knows: those of the frameworks registry.
CONVENTIONS = tuple(frameworks.CONVENTIONS)

Progress = Callable[[int, int], None]


class NonConformance(AssertionError):
    """An implementation disagreed with the oracle on a valid configuration.

    Attributes
    ----------
    problem : str
        What went wrong: ``'raised'``, ``'mutated'``, ``'result'`` (not convertible by
        ``np.asarray``), ``'shape'``, ``'dtype'`` or ``'values'``; with ``isolate=True``,
        ``'crashed'`` (the process it ran in died: a signal, an abort, ``sys.exit``) or
        ``'hung'`` (no answer within the timeout).
    verdict : str
        What running the case again showed (``transposed_conv._isolation.VERDICTS``):
        ``'wrong'``, ``'nondeterministic'`` (two calls on the same inputs differ beyond the
        bound), ``'history-dependent'`` (right in a fresh process), ``'crashed'`` or ``'hung'``.
    seed : int or None
        The seed of the run: ``check_conv_transpose(..., seed=failure.seed)`` repeats it.
    case : ConvTransposeCase
        The (shrunk) call: its arrays, ``case.args`` and ``case.kwargs`` as ``impl`` received
        them, and the geometry (``case.groups``, ``case.input_shape``, ...).
    index, actual, expected, bound : optional
        The worst element, for ``'values'``.
    reproducer : str
        A script that shows the failure with NumPy and this package only.
    """

    def __init__(
        self,
        message: str,
        *,
        problem: str,
        case: ConvTransposeCase,
        reproducer: str,
        index: tuple[int, ...] | None = None,
        actual: float | None = None,
        expected: float | None = None,
        bound: float | None = None,
        verdict: str = "wrong",
        seed: int | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.verdict = verdict
        self.seed = seed
        self.case = case
        self.reproducer = reproducer
        self.index = index
        self.actual = actual
        self.expected = expected
        self.bound = bound


@dataclass
class ConformanceReport:
    """What a passing run checked.

    ``examples`` counts the cases run per dtype and ``worst_fraction`` the largest
    ``|error| / bound`` seen per dtype (at most 1 for a conforming implementation).
    ``refused`` counts, per dtype, the cases that raised on a feature of ``may_refuse``
    (``check_conv_transpose(may_refuse=...)``), and ``refusal`` is the first such error.
    ``precisions`` holds the precision that judged each dtype (:func:`~transposed_conv.oracle.dtype_precisions`).
    ``seed`` is the run's seed (drawn at random when none was given): pass it to repeat the run.
    ``coverage`` counts the conforming cases by what they were drawn for (``case.coverage``): each
    stress region, and each special value in each array (``'NaN in x'``).
    """

    convention: str
    seed: int | None = None
    examples: dict[str, int] = field(default_factory=dict)
    worst_fraction: dict[str, float] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    refusal: str = ""
    precisions: dict[str, Precision] = field(default_factory=dict)
    coverage: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [
            f"{dtype}: {count} cases, worst error {self.worst_fraction.get(dtype, 0.0):.3g} of the bound"
            for dtype, count in self.examples.items()
        ]
        refused = sum(self.refused.values())
        if refused:
            parts.append(f"refused {refused} cases of features it may refuse ({self.refusal})")
        return f"conforms to the {self.convention!r} convention ({'; '.join(parts)})"


def _impl_import(impl: Callable[..., Any]) -> str | None:
    module, name = getattr(impl, "__module__", None), getattr(impl, "__qualname__", "")
    if not module or module == "__main__" or "<" in name:
        return None
    try:
        target = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return None
    return f"from {module} import {name.split('.')[0]}" + (f"  # then {name}" if "." in name else "")


def _reproducer(
    impl: Callable[..., Any],
    case: ConvTransposeCase,
    actual: np.ndarray | None,
    dtype: str,
    algorithm: str = "summation",
    precision: Precision | None = None,
) -> str:
    """A script that shows the failure with NumPy and this package only, and runs as printed: arrays and
    arguments are written by ``transposed_conv._literals`` (NaN, infinities, ``-0.0``, any dtype, exact)."""
    torch = case.convention == "torch"
    reference = case.reference
    script = Script()
    precision = precision or dtype_precisions((dtype,), pytorch_layout=torch)[dtype]
    judged = repr(precision.name) if PRECISIONS.get(precision.name) == precision else script.literal(precision)
    if torch:
        script.need("from transposed_conv.oracle import assert_close")
    else:
        script.need(f"from {reference.__module__} import {reference.__name__}")
        script.need("from transposed_conv.oracle import linear_bound_fraction")
    script.add("")
    script.assign_arrays(dict(zip(case.array_names, case.arrays)))
    arrays = ", ".join(case.array_names)
    arguments = "".join(f", {script.literal(value)}" for value in case.arguments)
    script.assign("kwargs", case.kwargs)
    call = f"{getattr(impl, '__qualname__', 'impl')}({arrays}{arguments}, **kwargs)"
    source = _impl_import(impl)
    script.add("")
    script.add("# the implementation under test computed:" if actual is not None else "# the call that failed:")
    if source is not None:
        script.add(f"# {source}", f"# actual = {call}")
    else:
        script.add(f"# actual = {call}")
    if actual is None:
        script.add(f"# the answer: {reference.__name__}({arrays}{arguments}, **kwargs)")
        return script.text()
    script.assign_arrays({"actual": actual})
    if torch:
        model = "" if algorithm == "summation" else f", algorithm={algorithm!r}"
        script.add(f"assert_close(actual, x, weight, bias, precision={judged}{model}, **kwargs)")
        return script.text()
    parameters = ", ".join(case.array_names[:2]) + ", " + (case.array_names[2] if len(case.array_names) > 2 else "_")
    script.add(
        "",
        "",
        f"def answer({parameters}):",
        f"    return {reference.__name__}({', '.join(case.array_names)}{arguments}, **kwargs)",
        "",
        "",
        f"fraction = linear_bound_fraction(actual, answer, {arrays}, precision={judged})",
        "worst = fraction.max(initial=0.0)  # initial: an empty output has no element",
        f'assert worst <= 1, f"beyond the {dtype} rounding bound: {{worst:.3g}} x the bound"',
    )
    return script.text()


def _features(name: str, given: Any) -> frozenset[str]:
    """``given`` (feature names, or one) as :data:`~transposed_conv.frameworks.FEATURES` names; ValueError if not."""
    items = (given,) if isinstance(given, str) else given
    if not isinstance(items, Collection):
        raise ValueError(f"{name} must be a collection of feature names from {list(FEATURES)}; got {name}={given!r}")
    named = {item: feature_name(item) for item in items}
    unknown = [item for item, feature in named.items() if feature is None]
    if unknown:
        raise ValueError(f"{name} must name features from {list(FEATURES)}; got {', '.join(map(repr, unknown))}")
    return frozenset(feature for feature in named.values() if feature is not None)


@dataclass(frozen=True)
class Declaration:
    """What an implementation declares about itself: the features it does not support, and the cases to draw.

    Built, and checked, by :meth:`build` from the options of :func:`check_conv_transpose`
    (``without``, ``extensions``, ``max_dims``, ``only``); :meth:`draw_options` are the convention
    strategy's options that draw what it declares.

    Attributes
    ----------
    convention : str
        The calling convention.
    without : frozenset of str
        Features it declares it does not support (never drawn), beyond those the convention lacks.
    extensions : frozenset of str
        Features beyond the convention's API that it takes all the same (drawn).
    max_dims : int or None
        The most spatial dimensions drawn.
    only : dict
        Parameters drawn with one value (``conv_transpose_configs(only=...)``).
    """

    convention: str
    without: frozenset[str] = frozenset()
    extensions: frozenset[str] = frozenset()
    max_dims: int | None = None
    only: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        convention: str,
        *,
        without: Collection[str] = (),
        extensions: Collection[str] = (),
        max_dims: int | None = None,
        only: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> Declaration:
        """Check and normalise the options; ``ValueError`` names the option, the rule and the value.

        ``names`` spells the options in the messages (``{"max_dims": "--max-dims"}`` for a command line).

        Examples
        --------
        >>> declared = Declaration.build("torch", without=["groups", "large-output-padding"], only={"kernel": (3, 3)})
        >>> sorted(declared.without)
        ['groups', 'large output_padding']
        >>> Declaration.build("jax", extensions=["groups"])
        Traceback (most recent call last):
        ...
        ValueError: extensions must name features the 'jax' convention's API lacks and the kit can draw ...
        """
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {list(CONVENTIONS)}; got convention={convention!r}")
        n = {name: name for name in ("without", "extensions", "max_dims", "only")} | dict(names or {})
        left_out, extra = _features(n["without"], without), _features(n["extensions"], extensions)
        drawable = sorted(EXTENSIONS.get(convention, {}))
        if not extra <= set(drawable):
            raise ValueError(
                f"{n['extensions']} must name features the {convention!r} convention's API lacks and the kit can draw "
                f"all the same: {drawable}; got {sorted(extra)}"
            )
        if left_out & extra:
            raise ValueError(f"{n['without']} and {n['extensions']} both name {sorted(left_out & extra)}")
        if max_dims is not None and (
            isinstance(max_dims, bool) or not isinstance(max_dims, int) or not 1 <= max_dims <= 3
        ):
            raise ValueError(f"{n['max_dims']} must be 1, 2 or 3; got {n['max_dims']}={max_dims!r}")
        fixed = _check_only(only, ValueError, n["only"])
        if max_dims is not None and fixed.get("dims", 1) > max_dims:
            raise ValueError(
                f"{n['only']} fixes {fixed['dims']} dimensions, more than {n['max_dims']}={max_dims}; "
                f"got {n['only']}={only!r}"
            )
        if fixed.get("groups", 1) > 1 and (
            "groups" in left_out or not frameworks.CONVENTIONS[convention].supports.expresses("groups")
        ):
            reason = (
                f"declared {n['without']} groups"
                if "groups" in left_out
                else f"the {convention!r} convention has no groups"
            )
            raise ValueError(f"{n['only']} groups={fixed['groups']} contradicts what is drawn: {reason}")
        if fixed.get("dilation", 1) != 1 and "dilation" in left_out:
            raise ValueError(f"{n['only']} dilation={fixed['dilation']!r} contradicts {n['without']} dilation")
        return cls(convention, left_out, extra, max_dims, fixed)

    @property
    def unsupported(self) -> frozenset[str]:
        """Every feature not drawn: those declared ``without`` and those the convention lacks (less ``extensions``)."""
        lacks = frozenset(frameworks.CONVENTIONS[self.convention].supports.lacks) - self.extensions
        return self.without | lacks

    def draw_options(self) -> dict[str, Any]:
        """Options for the convention's strategy (``CONVENTION_CASES``) that draw what is declared."""
        options = feature_draw_options(self.convention, self.without, self.extensions)
        if self.max_dims is not None:
            options["max_ndim"] = self.max_dims
        if self.only:
            options["only"] = dict(self.only)
        return options


class _Refused(Exception):
    """A case of a feature the implementation may refuse, refused: counted, not a failure."""


def _check_case(
    impl: Callable[..., Any],
    case: ConvTransposeCase,
    dtype: str,
    report: ConformanceReport,
    may_refuse: frozenset[str] = frozenset(),
    algorithm: str = "summation",
) -> None:
    """Run one case; raise NonConformance on the first problem, else record the error fraction."""
    arrays = dict(zip(case.array_names, case.arrays))
    copies = {name: None if a is None else a.copy() for name, a in arrays.items()}
    others = copy.deepcopy((case.arguments, case.kwargs))
    describe = repr(case)

    def fail(
        problem: str,
        message: str,
        result: np.ndarray | None = None,
        crash: _isolation.ProcessFailure | None = None,
        **details: Any,
    ) -> NonConformance:
        if crash is not None:  # a call in a process of its own shows it without ending the reader's
            reproducer = _isolation.crash_reproducer(impl, case, crash)
        else:
            reproducer = _reproducer(impl, case, result, dtype, algorithm, report.precisions.get(dtype))
        return NonConformance(
            f"{message}\n  configuration: {describe}\nreproducer:\n{reproducer}",
            problem=problem,
            case=case,
            reproducer=reproducer,
            **details,
        )

    try:
        raw = impl(*case.args, **case.kwargs)
    except Exception as error:
        if isinstance(error, _isolation.ProcessFailure):  # isolate=True: the worker died or hung
            raise fail(error.problem, f"{error} on a valid configuration", crash=error) from None
        if may_refuse & case_features(case):
            report.refused[dtype] = report.refused.get(dtype, 0) + 1
            report.refusal = report.refusal or f"{type(error).__name__}: {error}"
            raise _Refused from None
        raise fail("raised", f"raised {type(error).__name__}: {error} on a valid configuration") from error
    for name, original in copies.items():
        current = arrays[name]
        if original is not None and current is not None and not np.array_equal(current, original, equal_nan=True):
            raise fail("mutated", f"modified its input {name}")
    if not _same_arguments(others, (case.arguments, case.kwargs)):
        raise fail("mutated", f"modified its arguments: {others!r} became {(case.arguments, case.kwargs)!r}")
    try:
        actual = np.asarray(raw)
    except Exception as error:  # an object whose __array__ raises, say
        raise fail(
            "result",
            f"returned an object of type {type(raw).__name__} that np.asarray cannot convert: "
            f"{type(error).__name__}: {error}",
        ) from error
    compute, x, weight, bias = case.compute, case.x, case.weight, case.bias
    torch = case.convention == "torch"
    precision = report.precisions.get(dtype) or dtype_precisions((dtype,), pytorch_layout=torch)[dtype]
    key = answer_key(  # a transform's error model, or one that counts kernel taps, reads the torch convention's layout
        compute,
        x,
        weight,
        bias,
        precision=precision,
        algorithm=algorithm,
        conv_args=case.kwargs if torch else None,
    )
    expected, bound = key.expected, key.bound
    if actual.shape != expected.shape:
        raise fail("shape", f"returned shape {actual.shape}; the transposed convolution has shape {expected.shape}")
    if actual.dtype != np.dtype(dtype):
        raise fail("dtype", f"returned dtype {actual.dtype} for {dtype} inputs", actual)
    fraction = key.fraction(actual)
    worst = float(fraction.max()) if fraction.size else 0.0
    if worst > 1:
        index = tuple(int(i) for i in np.unravel_index(int(np.argmax(fraction)), fraction.shape))
        got, want = float(actual[index]), float(expected[index])
        raise fail(
            "values",
            f"values differ from the oracle beyond the {precision.name} rounding bound at "
            f"{int((fraction > 1).sum())} of "
            f"{actual.size} elements; worst element {index}: got {got!r}, expected {want!r}, "
            f"|error| = {worst:.3g} x the bound {float(bound[index]):.3g}",
            actual,
            index=index,
            actual=got,
            expected=want,
            bound=float(bound[index]),
        )
    report.worst_fraction[dtype] = max(report.worst_fraction.get(dtype, 0.0), worst)
    report.examples[dtype] = report.examples.get(dtype, 0) + 1
    for label in case.coverage:
        report.coverage[label] = report.coverage.get(label, 0) + 1


def _same_arguments(before: Any, after: Any) -> bool:
    """Equal nested lists, tuples, dicts and scalars (what a convention's non-array arguments are)."""
    try:
        return bool(before == after)
    except (TypeError, ValueError):  # something that does not compare: an array, say
        return True


def _strategy(
    declaration: Declaration, dtype: str, draw: dict[str, Any], part: dict[str, Any] | None = None
) -> SearchStrategy[ConvTransposeCase]:
    """The kit's cases for a convention: :data:`KIT_DRAW` where it applies, what is declared, the part of a tier
    (:func:`_tier_parts`), then the caller's options."""
    convention = declaration.convention
    defaults = KIT_DRAW if convention in ("torch", "onnx") else {k: v for k, v in KIT_DRAW.items() if k != "max_groups"}
    options = {"values": "normal", "layouts": True, **defaults, **declaration.draw_options(), **(part or {}), **draw}
    return CONVENTION_CASES[convention](dtype=dtype, **options)


def _tier_parts(tier: str) -> list[dict[str, Any]]:
    """The strategy options of a tier's runs: one run for the small cases, one per stress region, one per special
    kind (so that each is drawn, whatever hypothesis favours)."""
    if tier == "stress":
        return [{"tier": "stress", "regions": (region,)} for region in STRESS_REGIONS]
    if tier == "special":
        return [{"values": (kind,)} for kind in SPECIAL_KINDS]
    return [{}]


def _tier_strategies(
    declaration: Declaration, dtype: str, draw: dict[str, Any], tier: str
) -> list[SearchStrategy[ConvTransposeCase]]:
    """The strategies of a tier's runs; a stress region the declaration leaves no room for (groups declared
    unsupported, say) is left out, and an error raised only when no run is left."""
    strategies, error = [], None
    for part in _tier_parts(tier):
        try:
            strategies.append(_strategy(declaration, dtype, draw, part))
        except InvalidArgument as refused:
            if tier != "stress":
                raise
            error = refused
    if not strategies and error is not None:
        raise error
    return strategies


def _shares(total: int, parts: int) -> list[int]:
    """``total`` cases over ``parts`` runs, as evenly as may be, and one at least in each."""
    return [max(1, total // parts + (index < total % parts)) for index in range(parts)]


def _runner(
    impl: Callable[..., Any],
    cases: SearchStrategy[ConvTransposeCase],
    dtype: str,
    examples: int,
    report: ConformanceReport,
    tick: Callable[[], None],
    may_refuse: frozenset[str],
    algorithm: str = "summation",
    failures: list[NonConformance] | None = None,
) -> Callable[[], None]:
    """A hypothesis test function that checks ``impl`` on ``examples`` drawn cases of ``dtype``; the last
    non-conformance raised is kept in ``failures`` (what a ``Flaky`` run is reported with)."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )
    @given(cases)
    def run(case: ConvTransposeCase) -> None:
        try:
            _check_case(impl, case, dtype, report, may_refuse, algorithm)
        except _Refused:
            pass
        except NonConformance as failure:
            if failures is not None:
                failures[:] = [failure]
            raise
        tick()

    return run


def check_conv_transpose(
    impl: Callable[..., Any],
    *,
    convention: str = "torch",
    examples: int = 200,
    dtypes: tuple[str, ...] = ("float64", "float32"),
    seed: int | None = None,
    progress: Progress | None = None,
    without: Collection[str] = (),
    extensions: Collection[str] = (),
    max_dims: int | None = None,
    only: Mapping[str, Any] | None = None,
    may_refuse: Collection[str] = (),
    algorithm: str = "summation",
    precision: Any = None,
    isolate: bool | None = None,
    jobs: int = 1,
    timeout: float | None = _isolation.DEFAULT_TIMEOUT,
    tiers: Collection[str] = ("small",),
    **draw: Any,
) -> ConformanceReport:
    """Check an implementation of transposed convolution against the oracle on drawn configurations.

    Parameters
    ----------
    impl : callable
        The implementation, called in ``convention``'s calling convention (below) with NumPy
        arrays; its result goes through ``np.asarray``.
    convention : {'torch', 'onnx', 'jax', 'tf', 'keras'}
        The calling convention; the answer comes from our implementation of it.
    examples : int
        Cases drawn per dtype and tier, times the tier's share (:data:`TIERS`).
    dtypes : tuple of str
        Input dtypes: ``'float64'``, ``'float32'``, ``'float16'``, ``'bfloat16'`` (this one needs
        the ``ml_dtypes`` package); each is checked against the rounding bound of its own
        precision (``precision``), so an implementation that computes float64 inputs in float32 fails.
    seed : int, optional
        Makes the run reproducible; ``None`` draws one at random, recorded in the report
        (``report.seed``) and in a non-conformance (``failure.seed``), so the run can be repeated.
    progress : callable, optional
        Called as ``progress(done, total)`` after each case.
    without : collection of str
        Features ``impl`` does not support, never drawn: names from
        :data:`~transposed_conv.frameworks.FEATURES` (``'float64'``, ``'groups'``,
        ``'dilation'``, ``'large output_padding'``, ``'padding modes'``, ``'asymmetric
        padding'``, ``'empty batch'``), with hyphens or underscores for spaces if you like.
        Those the convention's API lacks are never drawn anyway (in PyTorch's convention,
        ``(begin, end)`` padding pairs and padding modes).
    extensions : collection of str
        Features beyond the convention's API that ``impl`` takes all the same, drawn too: in
        PyTorch's convention ``'asymmetric padding'`` (``(begin, end)`` pairs, as our
        :func:`~transposed_conv.conv_transpose` takes them).
    max_dims : int, optional
        The most spatial dimensions drawn (1, 2 or 3).
    only : mapping, optional
        Parameters drawn with one value only: ``{"kernel": (3, 3), "stride": 1}`` draws 2-D
        cases with a 3x3 kernel and stride 1 (``dims``, ``kernel``, ``stride``, ``dilation``,
        ``groups``; see :func:`~transposed_conv.strategies.conv_transpose_configs`).
    may_refuse : collection of str
        Features ``impl`` may refuse by raising: a call that raises on a case exercising one
        of them is counted in ``report.refused``, not a non-conformance (a wrong result still
        is one).  :func:`~transposed_conv.report.check_areas` uses it to tell an unsupported
        feature from a wrong one.
    algorithm : {'summation', 'fft', 'winograd'}
        The error model of the oracle (:func:`transposed_conv.oracle.error_bound`): an FFT or
        Winograd implementation is judged by its algorithm's bound (``convention='torch'`` only).
    precision : str, Precision, float or mapping, optional
        How ``impl`` computes each dtype (:func:`transposed_conv.oracle.dtype_precisions`): one
        precision for every dtype, or a mapping from dtypes to precisions.  By default float64 and
        float32 as themselves, and float16 and bfloat16 by PyTorch's CPU model,
        ``'float16-col2im'`` / ``'bfloat16-col2im'`` (float32 sums per kernel tap stored in the
        half format, the taps and then the bias added in it), which also covers one rounding of a
        float32 result; say ``{'float16': 'float16'}`` for that stricter model, ``'tf32'`` for TF32.
    isolate : bool, optional
        Call ``impl`` in a worker process (``True``), so that a crash -- a signal, an abort,
        ``sys.exit`` -- or a hang is a non-conformance (problem ``'crashed'`` or ``'hung'``)
        with a reproducer, and a failing case is re-run in a fresh process to tell a
        history-dependent implementation.  ``impl`` must then be importable by name (a function
        at the top level of a module; not a lambda, a closure or a function in ``__main__``).
        ``None`` (the default): isolated when ``jobs > 1``, else in this process.
    jobs : int
        Worker processes to spread the run over (by dtype, then by shares of ``examples``
        drawn with seeds derived from ``seed``); ``jobs > 1`` isolates.
    timeout : float or None
        Seconds one call may take in a worker before it is killed and reported ``'hung'``.
    tiers : collection of str
        What to draw (:data:`TIERS`): ``'small'`` cases (see Notes); ``'stress'``, the regions
        where kernels break (:data:`~transposed_conv.strategies.STRESS_REGIONS`: large batches,
        channels, groups, sides, kernels and strides, 3-D, outputs over ``2**17`` elements, the
        common fast paths), a run of its own per region; ``'special'``, small cases holding NaN,
        infinities, signed zeros, subnormals, values near overflow or cancelling data in ``x``,
        ``weight`` and ``bias`` (:data:`~transposed_conv.strategies.SPECIAL_KINDS`), a run per
        kind, compared exactly where the answer is not finite.  ``report.coverage`` counts the
        cases of each region and special value.
    **draw
        Options for the convention's strategy in :mod:`transposed_conv.strategies`, to
        restrict what is drawn further (``max_groups=1``, ``beyond_full_output=False``,
        ...); they win over the options above.  See Notes.

    Returns
    -------
    ConformanceReport
        When every case conforms.

    Raises
    ------
    NonConformance
        On the first non-conforming case, after shrinking it and running it again: its
        ``verdict`` says whether it is wrong, nondeterministic or history-dependent (or crashed
        or hung), and why.  No exception of hypothesis's own reaches the caller.
    ValueError
        For an unknown ``convention``, ``examples < 1``, another dtype, an unknown feature, or
        declarations that contradict each other (``NoCaseDrawn`` when they leave no case to
        draw); ``NotImportable`` for ``isolate=True`` with an implementation a worker cannot import.

    Notes
    -----
    The calling conventions (``case.args`` and ``case.kwargs`` of the strategy's cases):

    ``"torch"`` -- :func:`~transposed_conv.strategies.torch_cases`
        ``impl(x, weight, bias, stride=..., padding=..., output_padding=..., groups=...,
        dilation=...)``: ``x`` ``(N, C_in, *spatial)``, ``weight`` ``(C_in, C_out/groups,
        *kernel)``, ``bias`` ``(C_out,)`` or ``None``; the integer arguments as per-dimension
        tuples, as ``torch.nn.functional.conv_transpose{1,2,3}d`` takes them: ``padding`` one
        int per dimension, ``output_padding < max(stride, dilation)``.  With
        ``extensions=("asymmetric padding",)``, ``padding`` comes as ``(begin, end)`` pairs
        where drawn asymmetric.
    ``"onnx"`` -- :func:`~transposed_conv.strategies.onnx_cases`
        ``impl(X, W, B, *, auto_pad=..., dilations=..., group=..., kernel_shape=...,
        output_padding=..., output_shape=..., pads=..., strides=...)`` with ONNX
        ``ConvTranspose``'s attribute names and meanings: ``X`` ``(N, C, *spatial)``, ``W``
        ``(C, M/group, *kernel)``, ``B`` ``(M,)`` or ``None`` (always passed), attributes as
        lists of ints (``pads`` all begins, then all ends; ``output_shape`` spatial only).
        Attributes that are not drawn are **left out** of the call, never passed as
        ``None``: ONNX's defaults apply, as for a node without them.
    ``"jax"`` -- :func:`~transposed_conv.strategies.jax_cases`
        ``impl(lhs, rhs, strides, padding, rhs_dilation=..., dimension_numbers=...,
        transpose_kernel=...)``, ``jax.lax.conv_transpose``'s signature; the three keywords are
        always passed, ``rhs_dilation`` and ``dimension_numbers`` possibly ``None`` (no
        dilation; JAX's channels-last default).  ``padding`` is ``'SAME'``, ``'VALID'`` or a list
        of ``(lo, hi)`` tuples of any sign.  No bias, no groups.
    ``"tf"`` -- :func:`~transposed_conv.strategies.tf_cases`
        ``impl(input, filters, output_shape, strides, padding=..., data_format=...,
        dilations=...)``, ``tf.nn.conv_transpose``'s signature; the keywords are always
        passed, ``data_format`` and ``dilations`` possibly ``None`` (channels-last; 1).
        ``filters`` is ``(*kernel, C_out, C_in)``.  No bias, no groups.
    ``"keras"`` -- :func:`~transposed_conv.strategies.keras_cases`
        ``impl(inputs, kernel, strides=..., padding=..., output_padding=..., data_format=...,
        dilation_rate=...)``, ``keras.ops.conv_transpose``'s signature; the keywords are always
        passed, ``output_padding`` and ``data_format`` possibly ``None``.  ``kernel`` is
        ``(*kernel_size, C_out, C_in)``.  No bias, no groups.

    Per case the kit checks, in this order: the call does not raise; the arrays and other
    arguments are unchanged afterwards; the result converts with ``np.asarray``; the output
    shape; the dtype (that of the inputs); every value within
    :func:`~transposed_conv.oracle.linear_error_bound` of the answer for the input dtype.
    By default each convention draws what its framework's API takes (the registry's
    ``CONVENTIONS[convention].supports``); ``without``, ``max_dims`` and ``only`` narrow it, and
    ``extensions`` widens it.  What is drawn: 1-D to 3-D, different values per dimension; batches of
    0, 1 and several; up to 9 channels per group and (ONNX, PyTorch) 4 groups; now and then
    a spatial size of 17 to 40; kernels smaller than, equal to and larger than the stride;
    padding from 0 to beyond ``dilation*(kernel - 1)``; with and without bias where the
    convention has one; C-contiguous, Fortran-ordered, strided and negative-stride arrays;
    and each convention's own options.  Where a framework and its written specification
    disagree, the specification decides (``docs/conventions.md``).

    Examples
    --------
    A one-line wrapper makes any function checkable; ours conforms:

    >>> from transposed_conv import conv_transpose
    >>> def ours(x, weight, bias, **kwargs):
    ...     return conv_transpose(x, weight, bias, **kwargs)
    >>> report = check_conv_transpose(ours, examples=20, seed=0)
    >>> report.examples
    {'float64': 20, 'float32': 20}

    The stress and special-value tiers draw each region and kind of value at least once (a run
    each), and count them:

    >>> report = check_conv_transpose(ours, examples=11, seed=0, dtypes=("float32",), tiers=("stress", "special"))
    >>> report.examples, report.coverage["strides 5..8"], sum(n for k, n in report.coverage.items() if "NaN" in k) > 0
    ({'float32': 22}, 1, True)

    One without groups says so, and is never called with them; the draw can be narrowed to a
    fast path's domain, and our extension of PyTorch's padding to ``(begin, end)`` pairs asked for:

    >>> def no_groups(x, weight, bias, *, groups, **kwargs):
    ...     if groups > 1:
    ...         raise NotImplementedError("groups")
    ...     return conv_transpose(x, weight, bias, **kwargs)
    >>> check_conv_transpose(no_groups, examples=20, seed=0, without=["groups"]).examples
    {'float64': 20, 'float32': 20}
    >>> report = check_conv_transpose(ours, examples=20, seed=0, only={"kernel": (3, 3), "stride": 1},
    ...                               extensions=["asymmetric padding"])
    >>> check_conv_transpose(ours, without=["bias"])
    Traceback (most recent call last):
    ...
    ValueError: without must name features from ['float64', 'groups', ..., 'empty batch']; got 'bias'

    One that forgets the bias does not:

    >>> def no_bias(x, weight, bias, **kwargs):
    ...     return conv_transpose(x, weight, None, **kwargs)
    >>> check_conv_transpose(no_bias, examples=50, seed=0, dtypes=("float64",))
    Traceback (most recent call last):
    ...
    transposed_conv.testing.NonConformance: values differ from the oracle ...

    Other conventions the same way; an ONNX ``ConvTranspose`` that splits ``SAME_UPPER`` like
    ``SAME_LOWER`` is caught:

    >>> from transposed_conv.conventions import onnx_conv_transpose
    >>> check_conv_transpose(onnx_conv_transpose, convention="onnx", examples=20, seed=0).examples
    {'float64': 20, 'float32': 20}
    >>> def lower(X, W, B, **attributes):
    ...     if attributes.get("auto_pad") == "SAME_UPPER":
    ...         attributes["auto_pad"] = "SAME_LOWER"
    ...     return onnx_conv_transpose(X, W, B, **attributes)
    >>> check_conv_transpose(lower, convention="onnx", examples=200, seed=0, dtypes=("float64",))
    Traceback (most recent call last):
    ...
    transposed_conv.testing.NonConformance: values differ from the oracle ...
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {list(CONVENTIONS)}; got convention={convention!r}")
    if algorithm not in ALGORITHMS or (algorithm != "summation" and convention != "torch"):
        raise ValueError(
            f"algorithm must be one of {list(ALGORITHMS)}, and 'fft' or 'winograd' only with convention='torch'; "
            f"got algorithm={algorithm!r}, convention={convention!r}"
        )
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"examples must be an int >= 1; got examples={examples!r}")
    isolate, seed = _isolation.check_running(isolate, jobs, timeout, seed)
    if isinstance(dtypes, str):
        dtypes = (dtypes,)
    tiers = (tiers,) if isinstance(tiers, str) else tuple(tiers)
    if not tiers or any(tier not in TIERS for tier in tiers):
        raise ValueError(f"tiers must name some of {list(TIERS)}; got tiers={tiers!r}")
    precisions = dtype_precisions(dtypes, precision, pytorch_layout=convention == "torch")
    declaration = Declaration.build(convention, without=without, extensions=extensions, max_dims=max_dims, only=only)
    refusable = _features("may_refuse", may_refuse)
    if "float64" in declaration.without:
        dtypes = tuple(dtype for dtype in dtypes if dtype != "float64")
        if not dtypes:
            raise ValueError("without=['float64'] leaves nothing to check with dtypes=('float64',)")
    runs = [  # (dtype, strategy, cases, the seed's offset) per run: every dtype, tier, region and kind
        (dtype, strategy, cases, _seed_offset(dtype, tier, index))  # draws its own cases from the seed
        for dtype in dtypes
        for tier in tiers
        for strategies in [_tier_strategies(declaration, dtype, draw, tier)]  # bad options raise here
        for index, (strategy, cases) in enumerate(
            zip(strategies, _shares(max(1, round(examples * TIERS[tier])), len(strategies)))
        )
    ]
    if jobs > 1:  # each share of the run in a worker process, checking impl in a worker of its own
        declared = {"without": without, "extensions": extensions, "max_dims": max_dims, "only": only}
        options = {**declared, "convention": convention, "may_refuse": may_refuse, "algorithm": algorithm, **draw}
        options["tiers"] = tiers
        options["precision"] = precision
        return _isolation.check_in_parallel(
            check_conv_transpose, impl, jobs, dtypes, examples, seed, progress, timeout, options
        )
    report = ConformanceReport(convention, seed=seed, precisions=precisions)
    total = sum(cases for _, _, cases, _ in runs)
    counter = [0]

    def tick() -> None:
        counter[0] += 1
        if progress is not None:
            progress(min(counter[0], total), total)

    # an Isolated impl is the caller's worker (check_areas runs every area in one): used, not closed, here
    owned = isolate and not isinstance(impl, _isolation.Isolated)
    called = _isolation.Isolated(impl, timeout=timeout) if owned else impl
    written, reported = len(_literals.WRITTEN), ""
    try:
        for dtype, strategy, cases, offset in runs:
            failures: list[NonConformance] = []
            run = _runner(called, strategy, dtype, cases, report, tick, refusable, algorithm, failures)
            try:
                with _draws_fixed_by_the_seed():
                    hypothesis_seed(seed + offset)(run)()
            except NonConformance as failure:
                raise _settled(
                    failure, called, dtype, refusable, algorithm, seed, precisions=report.precisions
                ) from failure.__cause__
            except Flaky:  # the case failed, then passed when hypothesis repeated it
                if not failures:
                    raise RuntimeError("hypothesis found the run inconsistent, with no failing case to show") from None
                raise _settled(
                    failures[0], called, dtype, refusable, algorithm, seed, flaky=True, precisions=report.precisions
                ) from None
            except Unsatisfiable:
                raise _isolation.NoCaseDrawn(
                    "no case could be drawn with these options: they leave nothing to check"
                ) from None
            except HypothesisException as error:
                raise ValueError(f"the kit could not draw cases: {type(error).__name__}: {error}") from None
    except NonConformance as failure:
        reported = failure.reproducer
        raise
    finally:
        if owned and isinstance(called, _isolation.Isolated):
            called.close()
        # the array files of every failure met while shrinking, but the one reported (whose reproducer loads it)
        _literals.remove_written_since(written, keep=reported)
    return report


@contextlib.contextmanager
def _draws_fixed_by_the_seed() -> Iterator[None]:
    """Hypothesis's draws from the seed alone, whatever else the process has imported.

    Hypothesis (6.1xx) draws now and then from a pool of constants it collects from every
    *local* module imported so far -- this package, the implementation's module, whatever the
    caller's suite loaded -- so the same seed draws other cases in another process or after
    another import, and ``--seed N`` would not repeat a run.  For the kit's runs that pool is
    empty (Hypothesis's built-in constants stay).  The pool is a private part of Hypothesis: where
    it is not found, there is nothing to empty.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        local = providers._get_local_constants
        empty, cache = Constants(), providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # another Hypothesis: no local constants to leave out
        yield
        return
    cache.clear()  # the permitted constants, computed with the local pool
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = local
        cache.clear()


def _seed_offset(dtype: str, tier: str, index: int) -> int:
    """The offset from the run's seed of one dtype's run of one region (or kind) of one tier.

    Distinct for every (dtype, tier, region), so float64 and float32 -- and each tier -- draw
    different cases from one seed, and fixed by the names rather than by which other dtypes or tiers
    the run asked for, so ``--seed N --dtype float32`` repeats the float32 part of any run with seed N.
    """
    return 10_000 * STORAGE_DTYPES.index(dtype) + 1_000 * list(TIERS).index(tier) + index


def _settled(
    failure: NonConformance,
    impl: Callable[..., Any],
    dtype: str,
    may_refuse: frozenset[str],
    algorithm: str,
    seed: int,
    *,
    flaky: bool = False,
    precisions: dict[str, Precision] | None = None,
) -> NonConformance:
    """``failure`` with its verdict (``_isolation.classify``): its case run again, and in a fresh process when
    ``impl`` runs in one."""
    fresh: Callable[[], bool] | None = None
    if isinstance(impl, _isolation.Isolated):
        isolated = impl

        def fresh() -> bool:
            with isolated.fresh() as new:
                try:
                    again = ConformanceReport(failure.case.convention, precisions=dict(precisions or {}))
                    _check_case(new, failure.case, dtype, again, may_refuse, algorithm)
                except (NonConformance, _Refused):
                    return False
            return True

    verdict, why = _isolation.classify(
        impl,
        failure.case,
        dtype,
        problem=failure.problem,
        algorithm=algorithm,
        fresh=fresh,
        flaky=flaky,
        precision=(precisions or {}).get(dtype),
    )
    message = str(failure)
    if verdict != failure.problem and (verdict != "wrong" or fresh is not None):
        first, _, rest = message.partition("\n")
        message = f"{first}\n  verdict: {verdict}{f' ({why})' if why else ''}\n{rest}"
    return NonConformance(
        message,
        problem=failure.problem,
        case=failure.case,
        reproducer=failure.reproducer,
        index=failure.index,
        actual=failure.actual,
        expected=failure.expected,
        bound=failure.bound,
        verdict=verdict,
        seed=seed,
    )
