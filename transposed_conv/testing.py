"""The conformance kit: run our property suite against any transposed-convolution implementation.

:func:`check_conv_transpose` draws valid configurations with
:mod:`transposed_conv.strategies`, calls the implementation, and checks each result
against the oracle (:mod:`transposed_conv.oracle`): the output shape, the dtype, the
values within the rigorous rounding bound of the input dtype, that a valid
configuration does not raise, and that the caller's arrays are left unchanged.  The first
non-conformance is shrunk by hypothesis to a minimal configuration and raised as
:class:`NonConformance`, with a reproducer that needs only NumPy and this package.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

from .oracle import bound_fraction, reference
from .strategies import ConvTransposeCase, conv_transpose_cases

__all__ = ["CONVENTIONS", "ConformanceReport", "NonConformance", "check_conv_transpose"]

#: What the kit draws unless told otherwise: up to 4 groups of up to 9 channels (blocked kernels
#: break on remainders) and, now and then, a spatial size of 17 to 40 (tiled kernels break at tile edges).
KIT_DRAW: dict[str, Any] = {"max_groups": 4, "max_channels_per_group": 9, "max_large_side": 40}

#: Calling conventions the kit knows.
CONVENTIONS = ("torch",)

Progress = Callable[[int, int], None]


class NonConformance(AssertionError):
    """An implementation disagreed with the oracle on a valid configuration.

    Attributes
    ----------
    problem : str
        What went wrong: ``'raised'``, ``'shape'``, ``'dtype'``, ``'mutated'`` or ``'values'``.
    case : ConvTransposeCase
        The (shrunk) configuration and arrays.
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
    ) -> None:
        super().__init__(message)
        self.problem = problem
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
    """

    convention: str
    examples: dict[str, int] = field(default_factory=dict)
    worst_fraction: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [
            f"{dtype}: {count} cases, worst error {self.worst_fraction.get(dtype, 0.0):.3g} of the bound"
            for dtype, count in self.examples.items()
        ]
        return f"conforms to the {self.convention!r} convention ({'; '.join(parts)})"


def _torch_arguments(case: ConvTransposeCase) -> dict[str, Any]:
    """Keyword arguments in PyTorch's convention: per-dimension ints, padding symmetric ints where possible."""
    padding: Any = tuple(begin for begin, _ in case.padding)
    if any(begin != end for begin, end in case.padding):
        padding = case.padding
    return {
        "stride": case.stride,
        "padding": padding,
        "output_padding": case.output_padding,
        "groups": case.groups,
        "dilation": case.dilation,
    }


def _literal(name: str, a: np.ndarray) -> str:
    return f"{name} = np.array({a.tolist()!r}, dtype=np.{a.dtype.name}).reshape({a.shape!r})"


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


def _reproducer(impl: Callable[..., Any], case: ConvTransposeCase, actual: np.ndarray | None, dtype: str) -> str:
    arguments = _torch_arguments(case)
    lines = ["import numpy as np", "from transposed_conv.oracle import assert_close", ""]
    lines += [_literal("x", case.x), _literal("weight", case.weight)]
    lines.append("bias = None" if case.bias is None else _literal("bias", case.bias))
    lines.append(f"kwargs = {arguments!r}")
    call = f"{getattr(impl, '__qualname__', 'impl')}(x, weight, bias, **kwargs)"
    source = _impl_import(impl)
    lines.append("")
    lines.append("# the implementation under test computed:" if actual is not None else "# the call that failed:")
    if source is not None:
        lines.append(f"# {source}\n# actual = {call}")
    else:
        lines.append(f"# actual = {call}")
    if actual is not None:
        lines.append(_literal("actual", actual))
        lines.append(f"assert_close(actual, x, weight, bias, precision={dtype!r}, **kwargs)")
    return "\n".join(lines)


def _check_case(impl: Callable[..., Any], case: ConvTransposeCase, dtype: str, report: ConformanceReport) -> None:
    """Run one case; raise NonConformance on the first problem, else record the error fraction."""
    arguments = _torch_arguments(case)
    inputs = {"x": case.x, "weight": case.weight, "bias": case.bias}
    copies = {name: None if a is None else a.copy() for name, a in inputs.items()}
    describe = repr(case)

    def fail(problem: str, message: str, result: np.ndarray | None = None, **details: Any) -> NonConformance:
        reproducer = _reproducer(impl, case, result, dtype)
        return NonConformance(
            f"{message}\n  configuration: {describe}\nreproducer:\n{reproducer}",
            problem=problem,
            case=case,
            reproducer=reproducer,
            **details,
        )

    try:
        raw = impl(case.x, case.weight, case.bias, **arguments)
    except Exception as error:
        raise fail("raised", f"raised {type(error).__name__}: {error} on a valid configuration") from error
    for name, original in copies.items():
        current = inputs[name]
        if original is not None and current is not None and not np.array_equal(current, original, equal_nan=True):
            raise fail("mutated", f"modified its input {name}")
    actual = np.asarray(raw)
    expected_shape = (case.batch, case.out_channels, *case.output_shape)
    if actual.shape != expected_shape:
        raise fail("shape", f"returned shape {actual.shape}; the transposed convolution has shape {expected_shape}")
    if actual.dtype != np.dtype(dtype):
        raise fail("dtype", f"returned dtype {actual.dtype} for {dtype} inputs", actual)
    fraction = bound_fraction(actual, case.x, case.weight, case.bias, precision=dtype, **case.kwargs)
    worst = float(fraction.max()) if fraction.size else 0.0
    if worst > 1:
        index = tuple(int(i) for i in np.unravel_index(int(np.argmax(fraction)), fraction.shape))
        expected = reference(case.x, case.weight, case.bias, precision=dtype, **case.kwargs)
        got, want = float(actual[index]), float(expected[index])
        bound = abs(got - want) / worst if np.isfinite(worst) else 0.0
        raise fail(
            "values",
            f"values differ from the oracle beyond the {dtype} rounding bound at {int((fraction > 1).sum())} of "
            f"{actual.size} elements; worst element {index}: got {got!r}, expected {want!r}, "
            f"|error| = {worst:.3g} x the bound {bound:.3g}",
            actual,
            index=index,
            actual=got,
            expected=want,
            bound=bound,
        )
    report.worst_fraction[dtype] = max(report.worst_fraction.get(dtype, 0.0), worst)
    report.examples[dtype] = report.examples.get(dtype, 0) + 1


def _runner(
    impl: Callable[..., Any],
    dtype: str,
    examples: int,
    draw: dict[str, Any],
    report: ConformanceReport,
    tick: Callable[[], None],
) -> Callable[[], None]:
    """A hypothesis test function that checks ``impl`` on ``examples`` drawn cases of ``dtype``."""

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
    @given(conv_transpose_cases(dtype=dtype, values="normal", layouts=True, **{**KIT_DRAW, **draw}))
    def run(case: ConvTransposeCase) -> None:
        _check_case(impl, case, dtype, report)
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
    **draw: Any,
) -> ConformanceReport:
    """Check an implementation of transposed convolution against the oracle on drawn configurations.

    Parameters
    ----------
    impl : callable
        In the ``"torch"`` convention: ``impl(x, weight, bias, stride=..., padding=...,
        output_padding=..., groups=..., dilation=...)`` with ``x`` of shape
        ``(N, C_in, *spatial)``, ``weight`` ``(C_in, C_out/groups, *kernel)``, ``bias`` an array
        or ``None``, and the integer arguments as tuples (``padding`` as ``(begin, end)``
        pairs only when drawn asymmetric: pass ``padding="symmetric"`` to avoid them).
        Its result goes through ``np.asarray``.
    convention : {'torch'}
        The calling convention.
    examples : int
        Cases drawn per dtype.
    dtypes : tuple of str
        Input dtypes; each is checked against the rounding bound of its own precision.
    seed : int, optional
        Makes the run reproducible; ``None`` draws at random.
    progress : callable, optional
        Called as ``progress(done, total)`` after each case.
    **draw
        Options for :func:`transposed_conv.strategies.conv_transpose_configs`, to restrict what
        is drawn to what ``impl`` supports (``max_groups=1``, ``padding="symmetric"``, ...).

    Returns
    -------
    ConformanceReport
        When every case conforms.

    Raises
    ------
    NonConformance
        On the first non-conforming case, after shrinking it.

    Examples
    --------
    A one-line wrapper makes any function checkable; ours conforms:

    >>> from transposed_conv import conv_transpose
    >>> def ours(x, weight, bias, **kwargs):
    ...     return conv_transpose(x, weight, bias, **kwargs)
    >>> report = check_conv_transpose(ours, examples=20, seed=0, padding="symmetric")
    >>> report.examples
    {'float64': 20, 'float32': 20}

    One that forgets the bias does not:

    >>> def no_bias(x, weight, bias, **kwargs):
    ...     return conv_transpose(x, weight, None, **kwargs)
    >>> check_conv_transpose(no_bias, examples=50, seed=0, dtypes=("float64",))
    Traceback (most recent call last):
    ...
    transposed_conv.testing.NonConformance: values differ from the oracle ...
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {list(CONVENTIONS)}; got convention={convention!r}")
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"examples must be an int >= 1; got examples={examples!r}")
    if isinstance(dtypes, str):
        dtypes = (dtypes,)
    for dtype in dtypes:
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtypes must contain only 'float64' and 'float32'; got {dtype!r}")
    report = ConformanceReport(convention)
    total = examples * len(dtypes)
    counter = [0]

    def tick() -> None:
        counter[0] += 1
        if progress is not None:
            progress(min(counter[0], total), total)

    for dtype in dtypes:
        run = _runner(impl, dtype, examples, draw, report, tick)

        if seed is not None:
            run = hypothesis_seed(seed)(run)
        run()
    return report
