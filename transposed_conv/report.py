"""The conformance report: the kit run against every installed implementation, by feature area.

:func:`check_areas` runs the same areas for one implementation of one convention, with what it
declares it supports (``transposed-conv check --impl``): an area it declares it does not support
is ``unsupported`` where it raises there, which is not a non-conformance.

Each row is a real implementation called in *its own* convention -- PyTorch's functional
``conv_transpose{1,2,3}d``, ONNX Runtime and ONNX's reference evaluator on single-node
``ConvTranspose`` models, ``jax.lax.conv_transpose``, ``tf.nn.conv_transpose`` and
``keras.ops.conv_transpose`` -- and each column a feature area: a restriction of what the kit
draws.  A cell says ``pass`` (with the worst error as a fraction of the rigorous bound), the
kind of failure with its shrunk configuration (the reproducer is in the details), or ``n/a``
where the implementation's API cannot express the feature at all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _isolation
from .frameworks import CONVENTIONS
from .frameworks import IMPLEMENTATIONS as IMPLEMENTATIONS
from .frameworks import Implementation as Implementation
from .oracle import ALGORITHMS, dtype_precisions
from .strategies import SPECIAL_KINDS, STRESS_REGIONS
from .testing import TIERS, Declaration, NonConformance, check_conv_transpose

__all__ = [
    "AREAS",
    "IMPLEMENTATIONS",
    "TIER_AREAS",
    "TOGETHER",
    "Area",
    "AreaReport",
    "AreasInterrupted",
    "Cell",
    "Implementation",
    "ReportInterrupted",
    "check_areas",
    "render_markdown",
    "run_report",
]


# --- the feature areas ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A column: what the kit draws for it (in which of the kit's ``TIERS``), and the feature an implementation
    needs for it to apply."""

    name: str
    dtype: str
    draw: dict[str, Any]
    needs: str | None = None
    by_convention: dict[str, dict[str, Any]] = field(default_factory=dict)
    tier: str = "small"

    def applies_to(self, implementation: Implementation) -> bool:
        """Whether the implementation's API can express the feature this area needs (its ``supports``)."""
        return self.needs is None or implementation.supports.expresses(self.needs)


def _draws(form: str) -> dict[str, dict[str, Any]]:
    """Each convention's draw options for one padding form, where its API has it (``Convention.draws``)."""
    return {name: dict(convention.draws[form]) for name, convention in CONVENTIONS.items() if form in convention.draws}


_PLAIN: dict[str, Any] = {"max_groups": 1, "max_dilation": 1, "large_output_padding": False, "empty_batch": False}

#: What :func:`check_areas` runs before the areas: everything the implementation supports, drawn together
#: (features meet in one case there, as they do in real calls), per dtype.
TOGETHER: tuple[Area, ...] = (
    Area("all declared features (float64)", "float64", {}, "float64"),
    Area("all declared features (float32)", "float32", {}),
)
#: The same in the kit's other tiers (``testing.TIERS``): the stress regions, and small cases with special values.
TIER_AREAS: tuple[Area, ...] = (
    Area("stress regions (float64)", "float64", {}, "float64", tier="stress"),
    Area("stress regions (float32)", "float32", {}, tier="stress"),
    Area("special values (float64)", "float64", {}, "float64", tier="special"),
    Area("special values (float32)", "float32", {}, tier="special"),
)
_PLAIN_PADDING = _draws("plain")

#: The columns of the report.
AREAS: tuple[Area, ...] = (
    Area("basics (float32)", "float32", _PLAIN, None, _PLAIN_PADDING),
    Area("float64", "float64", _PLAIN, "float64", _PLAIN_PADDING),
    Area("empty batch", "float32", {**_PLAIN, "empty_batch": "only"}, "empty batch", _PLAIN_PADDING),
    Area(
        "groups",
        "float32",
        {"max_dilation": 1, "large_output_padding": False, "empty_batch": False},
        "groups",
        _PLAIN_PADDING,
    ),
    Area(
        "dilation",
        "float32",
        {"max_groups": 1, "large_output_padding": False, "empty_batch": False},
        "dilation",
        _PLAIN_PADDING,
    ),
    Area(
        "output_padding >= stride",
        "float32",
        {"max_groups": 1, "empty_batch": False},
        "large output_padding",
        _PLAIN_PADDING,
    ),
    Area(
        "padding modes (auto_pad, SAME, output_shape)",
        "float32",
        _PLAIN,
        "padding modes",
        _draws("padding modes"),
    ),
    Area(
        "asymmetric padding",
        "float32",
        {**_PLAIN, "padding": "asymmetric"},
        "asymmetric padding",
        _draws("asymmetric"),
    ),
)


_TORCH_ONLY = ("max_groups", "bias", "padding", "large_output_padding")


@dataclass
class Cell:
    """One implementation on one area.

    ``status`` is ``'pass'``, ``'fail'`` (``problem`` says which, ``details`` holds the message
    with the reproducer), ``'unsupported'`` (it raised on the area's feature, declared
    unsupported: ``refused`` cases, the first error in ``details``), ``'n/a'`` (the API cannot
    express the feature), ``'error'`` (the area's draw options are wrong: a bug in the table),
    ``'not run'`` (``details`` says why) or ``'interrupted'`` (SIGINT).  ``cases`` counts the
    cases that conformed, ``worst`` is the largest ``|error| / bound`` among them.  ``verdict``
    is the failure's (``NonConformance.verdict``: ``'wrong'``, ``'nondeterministic'``,
    ``'history-dependent'``, ``'crashed'`` or ``'hung'``).  ``coverage`` counts the conforming
    cases per stress region and special value (``ConformanceReport.coverage``).
    """

    status: str
    worst: float = 0.0
    problem: str = ""
    configuration: str = ""
    details: str = ""
    cases: int = 0
    refused: int = 0
    verdict: str = ""
    coverage: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        """The result as one short line of a table: ``pass``, ``FAIL (values)``, ``unsupported (...)``, ..."""
        if self.status == "fail":
            shown = self.verdict not in ("", "wrong", self.problem)
            return f"FAIL ({self.problem}, {self.verdict})" if shown else f"FAIL ({self.problem})"
        if self.status == "unsupported":
            return f"unsupported (raised on {self.refused} of {self.refused + self.cases} cases: {self.details})"
        if self.status == "interrupted":
            return "interrupted (these cases passed)"
        if self.status in ("n/a", "not run", "error") and self.details:
            return f"{self.status} ({self.details})"
        return self.status


class ReportInterrupted(KeyboardInterrupt):
    """:func:`run_report` was interrupted (SIGINT); ``table`` holds what ran.

    The cells that finished keep their result, the one that was running says
    ``interrupted`` and the rest of its row ``not run``; later implementations have no row.
    A ``KeyboardInterrupt``, so that a caller who does not look for it still stops.
    """

    def __init__(self, table: dict[str, dict[str, Cell]]) -> None:
        super().__init__("interrupted")
        self.table = table


def run_report(
    *,
    examples: int = 100,
    seed: int = 0,
    implementations: tuple[Implementation, ...] = IMPLEMENTATIONS,
    areas: tuple[Area, ...] = AREAS,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Cell]]:
    """Run the kit for every installed implementation and area: ``{implementation: {area: Cell}}``.

    Raises :class:`ReportInterrupted`, with the cells that ran, on SIGINT (``KeyboardInterrupt``).
    """
    table: dict[str, dict[str, Cell]] = {}
    for implementation in implementations:
        if not implementation.available:
            continue
        row = table.setdefault(implementation.name, {})
        for number, area in enumerate(areas):
            if not area.applies_to(implementation):
                row[area.name] = Cell("n/a")
                continue
            if progress is not None:
                progress(f"{implementation.name}: {area.name}")
            try:
                row[area.name] = _run_area(implementation.impl, implementation.convention, area, examples, seed)
            except KeyboardInterrupt:
                row[area.name] = Cell("interrupted")
                for later in areas[number + 1 :]:
                    row[later.name] = Cell("not run" if later.applies_to(implementation) else "n/a")
                raise ReportInterrupted(table) from None
    return table


def _run_area(
    impl: Callable[..., Any],
    convention: str,
    area: Area,
    examples: int,
    seed: int | None,
    progress: Callable[[int, int], None] | None = None,
    **declared: Any,
) -> Cell:
    """The kit on one area: its draw options, the convention's for the area, and ``declared`` (check_conv_transpose's
    ``without``, ``may_refuse``, ...)."""
    options = {**area.draw, **area.by_convention.get(convention, {})}
    if not CONVENTIONS[convention].pytorch_options:  # no groups, bias or PyTorch padding
        options = {k: v for k, v in options.items() if k not in _TORCH_ONLY}
    try:
        report = check_conv_transpose(
            impl,
            convention=convention,
            examples=examples,
            dtypes=(area.dtype,),
            seed=seed,
            progress=progress,
            tiers=(area.tier,),
            **declared,
            **options,
        )
    except NonConformance as failure:
        return Cell(
            "fail",
            problem=failure.problem,
            configuration=repr(failure.case),
            details=str(failure),
            verdict=failure.verdict,
        )
    except _isolation.NoCaseDrawn:
        return Cell("not run", details="no case of this area fits the declared options")
    except Exception as error:  # a draw option the convention does not take: a bug in this table
        return Cell("error", details=f"{type(error).__name__}: {error}")
    cases, refused = report.examples.get(area.dtype, 0), report.refused.get(area.dtype, 0)
    worst = max(report.worst_fraction.values(), default=0.0)
    if refused:
        return Cell(
            "unsupported", worst=worst, details=report.refusal, cases=cases, refused=refused, coverage=report.coverage
        )
    return Cell("pass", worst=worst, cases=cases, coverage=report.coverage)


@dataclass
class AreaReport:
    """:func:`check_areas`' result: one :class:`Cell` per area, and what was declared.

    ``str(report)`` is the table ``transposed-conv check --impl`` prints, then each failure with
    its reproducer.
    """

    name: str
    declaration: Declaration
    cells: dict[str, Cell] = field(default_factory=dict)
    seed: int | None = None

    @property
    def failures(self) -> dict[str, Cell]:
        """The areas where the implementation does not conform: a wrong result, shape or dtype, a mutated
        argument, or a raise on something it supports."""
        return {area: cell for area, cell in self.cells.items() if cell.status == "fail"}

    @property
    def checked(self) -> int:
        """How many cases were checked (conformed or were refused) in all."""
        return sum(cell.cases + cell.refused for cell in self.cells.values())

    @property
    def conforms(self) -> bool:
        """No area failed, and some case was checked (a run that checks nothing is no pass)."""
        return not self.failures and self.checked > 0

    def table(self) -> str:
        """The areas as a text table: cases, worst error as a fraction of the bound, result."""
        width = max(len(area) for area in [*self.cells, "area"])
        lines = [f"{'area':<{width}}  {'cases':>5}  {'worst error / bound':>19}  result"]
        for area, cell in self.cells.items():
            ran = cell.status in ("pass", "unsupported", "interrupted") or cell.cases
            worst = f"{cell.worst:.3g}" if cell.status in ("pass", "unsupported") and cell.cases else "-"
            cases = str(cell.cases) if ran else "-"
            lines.append(f"{area:<{width}}  {cases:>5}  {worst:>19}  {cell.text()}")
        return "\n".join(lines)

    def coverage(self) -> str:
        """The cases per stress region and special value, by dtype, as a text table (``''`` when none ran)."""
        counts: dict[str, dict[str, dict[str, int]]] = {}  # tier -> label -> dtype -> cases
        areas = {area.name: area for area in TIER_AREAS}
        for name, cell in self.cells.items():
            area = areas.get(name)
            if area is not None and area.tier != "small" and cell.coverage:
                for label, count in cell.coverage.items():
                    counts.setdefault(area.tier, {}).setdefault(label, {})[area.dtype] = count
        if not counts:
            return ""
        dtypes = list(dict.fromkeys(area.dtype for area in TIER_AREAS if self.cells.get(area.name, Cell("")).coverage))
        order = {label: n for n, label in enumerate(STRESS_REGIONS)}
        order |= {
            f"{kind} in {array}": len(order) + 3 * n + m
            for n, kind in enumerate(SPECIAL_KINDS)
            for m, array in enumerate(("x", "weight", "bias"))
        }
        width = max(len(label) + 2 for labels in counts.values() for label in labels)
        lines = [f"{'cases drawn for':<{width}}" + "".join(f"  {dtype:>8}" for dtype in dtypes)]
        for tier, title in (("stress", "stress regions"), ("special", "special values")):
            if tier in counts:
                lines.append(title)
                for label in sorted(counts[tier], key=lambda label: order.get(label, len(order))):
                    row = counts[tier][label]
                    lines.append(f"  {label:<{width - 2}}" + "".join(f"  {row.get(d, 0):>8}" for d in dtypes))
        return "\n".join(lines)

    def __str__(self) -> str:
        parts = [self.table()]
        if self.coverage():
            parts.append(self.coverage())
        for area, cell in self.failures.items():
            parts.append(f"--- {self.name}: {area} ---\n{cell.details}")
        return "\n\n".join(parts)


class AreasInterrupted(KeyboardInterrupt):
    """:func:`check_areas` was interrupted (SIGINT); ``report`` holds the areas that ran, the one running
    ``interrupted`` and the rest ``not run``."""

    def __init__(self, report: AreaReport) -> None:
        super().__init__("interrupted")
        self.report = report


def check_areas(
    impl: Callable[..., Any],
    *,
    convention: str = "torch",
    examples: int = 200,
    dtypes: tuple[str, ...] = ("float64", "float32"),
    seed: int | None = None,
    without: Collection[str] = (),
    extensions: Collection[str] = (),
    max_dims: int | None = None,
    only: Mapping[str, Any] | None = None,
    algorithm: str = "summation",
    name: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    isolate: bool | None = None,
    jobs: int = 1,
    timeout: float | None = _isolation.DEFAULT_TIMEOUT,
    tiers: Collection[str] = ("small",),
    precision: Any = None,
) -> AreaReport:
    """Check an implementation area by area: what it supports, and what it declares it does not.

    The kit (:func:`~transposed_conv.testing.check_conv_transpose`) runs first on everything the
    implementation supports drawn together (:data:`TOGETHER`, per dtype), then on each feature
    area of the conformance report (:data:`AREAS`).  An area of a feature declared ``without`` is
    run too, and a call that raises on a case of that feature is a refusal: the area is
    ``unsupported``, which is no failure.  A wrong result, shape or dtype, a mutated argument,
    or a raise on anything declared supported is ``fail``, with the shrunk configuration and a
    reproducer.

    Parameters
    ----------
    impl : callable
        The implementation, in ``convention``'s calling convention.
    convention, examples, dtypes, seed, without, extensions, max_dims, only, algorithm, isolate, timeout, precision
        As for :func:`~transposed_conv.testing.check_conv_transpose`; ``examples`` per area.
        Areas of a dtype not in ``dtypes`` are left out.  The seed (random when ``None``) is
        the same for every area, and recorded in ``report.seed``.
    jobs : int
        Worker processes to run the areas in, each with the implementation in a worker of its own
        (``jobs > 1`` isolates); the cases drawn are those of ``jobs=1``.
    name : str, optional
        The implementation's name in the failures' headings (its ``__qualname__`` by default).
    progress : callable, optional
        Called as ``progress(area, done, total)`` after each case.
    tiers : collection of str
        The kit's tiers to run (``testing.TIERS``): ``'small'`` cases (:data:`TOGETHER` and the
        feature areas, which are small); the ``'stress'`` regions and small cases with
        ``'special'`` values, everything declared drawn together (:data:`TIER_AREAS`), with
        ``examples`` times the tier's share of cases.  ``transposed-conv check --impl`` runs all
        three; ``str(report)`` then shows the cases per stress region and special value after the
        table (:meth:`AreaReport.coverage`).

    Returns
    -------
    AreaReport
        One :class:`Cell` per area; ``report.conforms`` says whether it conforms, ``str(report)``
        is the table with every failure's reproducer.

    Raises
    ------
    ValueError
        As :func:`~transposed_conv.testing.check_conv_transpose` does for bad options, before any case runs.
    AreasInterrupted
        On SIGINT, with the areas that ran.

    Examples
    --------
    An implementation without groups that says so, and one that does not:

    >>> from transposed_conv import conv_transpose
    >>> def no_groups(x, weight, bias, *, groups, **kwargs):
    ...     if groups > 1:
    ...         raise NotImplementedError("no groups here")
    ...     return conv_transpose(x, weight, bias, **kwargs)
    >>> report = check_areas(no_groups, examples=20, seed=0, without=["groups"])
    >>> report.conforms, report.cells["groups"].status, report.cells["asymmetric padding"].status
    (True, 'unsupported', 'n/a')
    >>> report = check_areas(no_groups, examples=20, seed=0)
    >>> report.conforms, report.cells["groups"].status, report.cells["groups"].problem
    (False, 'fail', 'raised')

    The stress and special-value tiers (which ``transposed-conv check --impl`` runs too), and
    what they covered:

    >>> report = check_areas(conv_transpose, examples=11, seed=0, dtypes=("float32",), tiers=("stress", "special"))
    >>> [(area, cell.status, cell.cases) for area, cell in report.cells.items()]
    [('stress regions (float32)', 'pass', 11), ('special values (float32)', 'pass', 11)]
    >>> print(report.coverage())
    cases drawn for                                      float32
    stress regions
      batch 3..8                                               1
    ...
    special values
      NaN in x                                                 1
    ...
    """
    declaration = Declaration.build(convention, without=without, extensions=extensions, max_dims=max_dims, only=only)
    if algorithm not in ALGORITHMS or (algorithm != "summation" and convention != "torch"):
        raise ValueError(
            f"algorithm must be one of {list(ALGORITHMS)}, and 'fft' or 'winograd' only with convention='torch'; "
            f"got algorithm={algorithm!r}, convention={convention!r}"
        )
    if isinstance(dtypes, str):
        dtypes = (dtypes,)
    dtype_precisions(dtypes, precision, pytorch_layout=convention == "torch")  # bad precisions refused before a case
    isolate, seed = _isolation.check_running(isolate, jobs, timeout, seed)
    if isolate:  # NotImportable now, not an 'error' in every area
        impl = _isolation.require_importable(impl)
    report = AreaReport(name or str(getattr(impl, "__qualname__", "impl")), declaration, seed=seed)
    supports = CONVENTIONS[convention].supports
    tiers = (tiers,) if isinstance(tiers, str) else tuple(tiers)
    if not tiers or any(tier not in TIERS for tier in tiers):
        raise ValueError(f"tiers must name some of {list(TIERS)}; got tiers={tiers!r}")
    runs = [area for area in (*TOGETHER, *TIER_AREAS, *AREAS) if area.dtype in dtypes and area.tier in tiers]
    parallel: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
    # one worker process for every area run here (starting one per area costs an import of the framework each)
    shared = _isolation.Isolated(impl, timeout=timeout) if isolate and jobs == 1 else None
    try:
        _run_areas(
            report,
            runs,
            shared or impl,
            convention,
            examples,
            seed,
            declaration,
            algorithm,
            isolate,
            timeout,
            supports,
            jobs,
            parallel,
            progress,
            precision,
        )
    finally:
        if shared is not None:
            shared.close()
    if parallel:
        _run_areas_in_parallel(report, parallel, jobs, progress)
    return report


def _run_areas(
    report: AreaReport,
    runs: list[Area],
    impl: Callable[..., Any],
    convention: str,
    examples: int,
    seed: int,
    declaration: Declaration,
    algorithm: str,
    isolate: bool,
    timeout: float | None,
    supports: Any,
    jobs: int,
    parallel: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]],
    progress: Callable[[str, int, int], None] | None,
    precision: Any = None,
) -> None:
    """The areas one after another (``jobs == 1``; ``impl`` may be a shared worker), or queued in ``parallel``."""
    for number, area in enumerate(runs):
        needs = area.needs
        if needs is not None and not supports.expresses(needs) and needs not in declaration.extensions:
            report.cells[area.name] = Cell("n/a", details=f"not in the {convention!r} convention's API")
            continue
        declared: dict[str, Any] = {
            "without": declaration.without - {needs},
            "extensions": declaration.extensions,
            "max_dims": declaration.max_dims,
            "only": declaration.only or None,
            "algorithm": algorithm,
            "isolate": isolate,
            "timeout": timeout,
            "precision": precision,
        }
        if needs in declaration.without:
            if area in TOGETHER or area in TIER_AREAS:
                report.cells[area.name] = Cell("not run", details=f"declared without {needs}")
                continue
            declared["may_refuse"] = (needs,)
        if jobs > 1:
            report.cells[area.name] = Cell("not run")  # its place in the table, until it has run
            parallel.append((_run_area, (impl, convention, area, examples, seed), declared))
            continue
        done = [0]

        def tick(count: int, total: int, label: str = area.name, done: list[int] = done) -> None:
            done[0] = count
            if progress is not None:
                progress(label, count, total)

        try:
            report.cells[area.name] = _run_area(impl, convention, area, examples, seed, tick, **declared)
        except KeyboardInterrupt:
            report.cells[area.name] = Cell("interrupted", cases=done[0])
            for later in runs[number + 1 :]:
                report.cells[later.name] = Cell("not run")
            raise AreasInterrupted(report) from None


def _run_areas_in_parallel(
    report: AreaReport,
    calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]],
    jobs: int,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    """Each area's :func:`_run_area` in one of ``jobs`` worker processes; the cells filled in as they finish."""
    names = [args[2].name for _, args, _ in calls]
    done = [0] * len(calls)

    def tick(index: int, args: tuple[Any, ...]) -> None:
        done[index] = int(args[0])
        if progress is not None:
            progress(names[index], *args)

    try:
        for index, cell, error in _isolation.run_parallel(calls, jobs, progress=tick):
            if error is not None:  # the area's own worker died: a bug of the kit's, not the implementation's
                cell = Cell("error", details=f"{type(error).__name__}: {error}")
            report.cells[names[index]] = cell
    except KeyboardInterrupt:
        for index, name in enumerate(names):
            if report.cells[name].status == "not run" and done[index]:
                report.cells[name] = Cell("interrupted", cases=done[index])
        raise AreasInterrupted(report) from None


def render_markdown(table: dict[str, dict[str, Cell]], *, examples: int, seed: int, versions: dict[str, str]) -> str:
    """The report as Markdown: a summary table, then each failure with its reproducer."""
    areas = [area.name for area in AREAS]
    lines = [
        f"Generated by `transposed-conv report --examples {examples} --seed {seed}`; "
        + ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))
        + ".",
        "",
        "| implementation | " + " | ".join(areas) + " |",
        "|---|" + "---|" * len(areas),
    ]
    failures = []
    for name, row in table.items():
        cells = []
        for area in areas:
            cell = row.get(area, Cell("n/a"))
            if cell.status == "pass":
                cells.append(f"pass ({cell.worst:.2g})")
            elif cell.status == "fail":
                failures.append((name, area, cell))
                cells.append(f"**fail** ({cell.problem}, [{len(failures)}](#failure-{len(failures)}))")
            else:
                cells.append(cell.status)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "`pass (r)`: every drawn case conforms; `r` is the worst error as a fraction of the rigorous "
        "rounding bound. `n/a`: the implementation's API cannot express the feature.",
    ]
    for number, (name, area, cell) in enumerate(failures, start=1):
        lines += [
            "",
            f"### Failure {number}",
            "",
            f"**{name}**, {area}: `{cell.problem}` on {cell.configuration}",
            "",
            "```text",
            cell.details.strip(),
            "```",
        ]
    return "\n".join(lines) + "\n"


def framework_versions() -> dict[str, str]:
    """Versions of the installed frameworks, for the report's header."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("torch", "onnx", "onnxruntime", "jax", "tensorflow-cpu", "tensorflow", "keras"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


# --- the ecosystem report: every framework in its own environment, merged ------------------------------------------

#: The columns of the ecosystem report: everything declared drawn together, per dtype, then the feature areas.
ECOSYSTEM_AREAS: tuple[Area, ...] = (*TOGETHER, *AREAS)

#: How the report names each kind of failure (``classify``), in the order the legend lists them.
CLASSES = {
    "wrong values": "the result differs from the specification's beyond the rounding bound",
    "wrong shape": "the result has another shape (or dtype) than the specification gives",
    "raises on a valid call": "it raises on a call its documentation allows",
    "crash": "the process dies (a signal or an abort) or hangs",
    "nondeterministic": "the same call gives different results",
    "history-dependent": "the result depends on the calls made before it",
    "documented limitation": "it fails on a feature its own documentation excludes: listed, not counted as a bug",
}

#: What each convention's specification says, as the failures quote it.
SPECIFICATIONS = {
    "torch": "PyTorch's ConvTranspose{1,2,3}d documentation: the output length is (L_in - 1) * stride - 2 * padding "
    "+ dilation * (kernel_size - 1) + output_padding + 1, the gradient of Conv{1,2,3}d with respect to its input; "
    "output_padding must be smaller than either stride or dilation",
    "onnx": "ONNX ConvTranspose (opset 11 to 22): output_shape[i] = stride[i] * (input_size[i] - 1) + "
    "output_padding[i] + ((kernel_shape[i] - 1) * dilations[i] + 1) - pads[start_i] - pads[end_i]; with output_shape "
    "or SAME_* auto_pad, total_padding[i] = that full size - output_shape[i], the larger half at the end for "
    "SAME_UPPER; group splits C and M",
    "jax": "jax.lax.conv_transpose: the input dilated by the strides, then convolved (conv_general_dilated) with "
    "the kernel, flipped and with I and O swapped when transpose_kernel=True, and padded as padding says",
    "tf": "tf.nn.conv_transpose: the gradient of tf.nn.convolution with respect to its input, for the given "
    "output_shape",
    "keras": "keras.ops.conv_transpose: the transposed convolution for 'valid'/'same' padding, output_padding, "
    "dilation_rate and data_format, as the Keras API documents it",
}


#: What the upstream trackers hold about each implementation's failures, by report row (searched 2026-11-29,
#: issues and pull requests).  A row not listed was not searched: its write-ups say so.
UPSTREAM = {
    "onnxruntime ConvTranspose": "the deviations [framework conventions](conventions.md) documents, with their "
    "upstream reports",
    "onnx.reference ConvTranspose": "the deviations [framework conventions](conventions.md) documents",
    "tf.nn.conv_transpose": "the deviations [framework conventions](conventions.md) documents",
    "keras.ops.conv_transpose": "the deviations [framework conventions](conventions.md) documents",
    "openvino ONNX ConvTranspose (CPU)": "not found as such; related: "
    "[openvinotoolkit/openvino#32608](https://github.com/openvinotoolkit/openvino/pull/32608) (merged 2025-10), "
    "which computes `auto_pad` padding as `pad_begin = total / 2` -- the SAME_UPPER split, where SAME_LOWER puts "
    "the larger half at the start",
    "ONNX ConvTranspose -> onnx2tf -> TensorFlow": "related: "
    "[PINTO0309/onnx2tf#795](https://github.com/PINTO0309/onnx2tf/issues/795) (closed), `kernel_shape` missing "
    "from `Conv` nodes exported by `torch.onnx.export(dynamo=True)`; the `ConvTranspose` failure remains in 1.29.24",
    "ONNX ConvTranspose (kernel_shape given) -> onnx2tf -> TensorFlow": "not found upstream",
    "jittor.nn.conv_transpose{,3d}": "not found as such; related: "
    "[Jittor/jittor#592](https://github.com/Jittor/jittor/issues/592) (open), groups not implemented in "
    "`ConvTranspose3d` (an assertion, not wrong values)",
    "mindspore.nn.Conv{1,2,3}dTranspose": "not found as such; related: "
    "[mindspore-ai/mindspore#292](https://github.com/mindspore-ai/mindspore/issues/292) (open), a request for "
    "`output_padding` in `Conv1dTranspose`/`Conv2dTranspose`",
    "paddle.nn.functional.conv{1,2,3}d_transpose": "not found upstream",
    "tinygrad Tensor.conv_transpose2d": "not found upstream",
    "tf.nn.conv_transpose -> tf2onnx -> onnxruntime": "not found upstream",
    "keras Conv*Transpose -> TFLiteConverter -> tf.lite.Interpreter": "not found upstream",
    "torch.onnx.export -> openvino": "not found as such; see OpenVINO's own rows",
    "openvino ConvolutionBackpropData (CPU)": "none needed: OpenVINO's CPU plugin documents that it computes float64 "
    "in float32",
}


def classify(cell: Cell, implementation: Implementation, area: str) -> str:
    """The kind of a failure, as :data:`CLASSES` names it.

    A raise on a feature the implementation declares it does not run (``supports.fails``), or a
    float64 declared so (computed in float32), is a documented limitation; otherwise the verdict
    (crash, nondeterministic, history-dependent) and then the problem (values, shape, raised) say
    which: a wrong value is wrong even where a limitation is declared.

    Examples
    --------
    >>> from transposed_conv.frameworks import IMPLEMENTATIONS
    >>> torch = IMPLEMENTATIONS[0]
    >>> classify(Cell("fail", problem="values", verdict="wrong"), torch, "groups")
    'wrong values'
    >>> classify(Cell("fail", problem="raised", verdict="crashed"), torch, "groups")
    'crash'
    """
    feature = next((a.needs for a in ECOSYSTEM_AREAS if a.name == area), None)
    declared = feature is not None and feature in implementation.supports.fails and cell.verdict == "wrong"
    if declared and (cell.problem == "raised" or feature == "float64"):  # a refusal, or float64 run in float32
        return "documented limitation"
    if cell.verdict in ("crashed", "hung"):
        return "crash"
    if cell.verdict in ("nondeterministic", "history-dependent"):
        return cell.verdict
    return {
        "values": "wrong values",
        "shape": "wrong shape",
        "dtype": "wrong shape",
        "raised": "raises on a valid call",
    }.get(cell.problem, "wrong values")


def standalone_source(function: Callable[..., Any]) -> str:
    """The source of ``function`` and of every module-level function and constant it uses, in an order that runs.

    This is what a standalone reproducer pastes: the wrapper that called the framework, with
    nothing of this package.  Raises ``ValueError`` where it uses something that is not a
    plain function or constant (a class, a module of this package).

    Examples
    --------
    >>> from transposed_conv.frameworks.onnx import onnxruntime_onnx
    >>> source = standalone_source(onnxruntime_onnx)
    >>> source.splitlines()[:2], "def onnx_model(" in source
    (['IR_VERSION = 10', 'OPSET = 22'], True)
    """
    import builtins
    import inspect
    import types

    order: list[str] = []
    constants: list[str] = []
    seen: set[str] = set()

    def visit(item: types.FunctionType) -> None:
        module_globals = item.__globals__
        names = set(item.__code__.co_names)
        for const in item.__code__.co_consts:  # nested functions and comprehensions
            if isinstance(const, types.CodeType):
                names |= set(const.co_names)
        for name in sorted(names):
            if name in seen or name not in module_globals or hasattr(builtins, name):
                continue
            value = module_globals[name]
            if isinstance(value, types.ModuleType) and not value.__name__.startswith("transposed_conv"):
                continue  # numpy as np: the reproducer imports it
            seen.add(name)
            if isinstance(value, types.FunctionType) and value.__module__.startswith("transposed_conv"):
                visit(value)
                order.append(inspect.getsource(value))
            elif isinstance(value, (bool, int, float, str, tuple, frozenset)) or (
                isinstance(value, dict) and all(isinstance(k, str) for k in value)
            ):
                constants.append(f"{name} = {value!r}")
            else:
                raise ValueError(f"{item.__qualname__} uses {name}, which is not a plain function or constant")

    if not isinstance(function, types.FunctionType):
        raise ValueError(f"{function!r} is not a plain function")
    visit(function)
    order.append(inspect.getsource(function))
    return "\n".join(constants) + ("\n\n\n" if constants else "") + "\n\n".join(order)


def _kit_script(details: str) -> tuple[str, str]:
    """The kit reproducer's data lines (imports and assignments up to ``kwargs``) and the arguments of its call."""
    script = details.split("reproducer:\n", 1)[1]
    lines = script.splitlines()
    data: list[str] = []
    call = ""
    for line in lines:
        if line.startswith("# actual = "):
            call = line[len("# actual = ") :]
            break
        if not line.startswith("#"):
            data.append(line)
    arguments = call[call.index("(") + 1 : call.rindex(")")]
    return "\n".join(data).strip(), arguments


def standalone_reproducer(
    implementation: Implementation, cell: Cell, *, versions: Mapping[str, str], source: str | None = None
) -> str:
    """A script that needs only the framework and NumPy: the failing call, beside the specification's answer.

    The arrays and arguments are the kit's shrunk case; the wrapper that called the framework
    is pasted (:func:`standalone_source`); the answer is computed now by this package's
    convention function and written as a literal.  Run, it prints the framework's result (or
    its exception) and the answer.  ``source`` is the wrapper's :func:`standalone_source`, if
    already read.
    """
    from ._literals import Script

    data, arguments = _kit_script(cell.details)
    namespace: dict[str, Any] = {}
    exec(data, namespace)  # the kit's literals: numpy arrays and the kwargs
    reference = CONVENTIONS[implementation.convention].function
    expected = eval(f"reference({arguments})", {**namespace, "reference": reference})
    literals = Script()
    literals.assign("expected", np_asarray(expected))
    assignments = [line for line in data.splitlines() if not line.startswith(("import ", "from "))]
    name = implementation.impl.__name__
    header = (
        f'"""{implementation.name}: a standalone reproducer ({", ".join(f"{k} {v}" for k, v in versions.items())}).\n\n'
        f"Needs only NumPy and the framework. It calls {implementation.name} the way the conformance run did\n"
        f"(the wrapper below), then prints its result beside the specification's answer.\n"
        f"{cell.configuration}\n"
        '"""\n'
    )
    return (
        header
        + "from __future__ import annotations\n\nfrom typing import Any\n\nimport numpy as np\n\n\n"
        + (source if source is not None else standalone_source(implementation.impl))
        + "\n\n"
        + "\n".join(assignments).strip()
        + "\n# the specification's answer, computed exactly:\n"
        + "\n".join(line for line in literals.text().splitlines() if not line.startswith("import "))
        + "\n\n"
        + (
            _history(name, arguments)
            if cell.verdict == "history-dependent" and implementation.convention == "torch"
            else ""
        )
        + "try:\n"
        + f"    actual = np.asarray({name}({arguments}))\n"
        + "except Exception as error:  # the framework raised\n"
        + '    print(f"raised {type(error).__name__}: {error}".strip())\n'
        + '    print("expected", expected.shape, expected.ravel().tolist())\n'
        + "else:\n"
        + '    print("actual  ", actual.shape, actual.ravel().tolist())\n'
        + '    print("expected", expected.shape, expected.ravel().tolist())\n'
        + "    if actual.shape == expected.shape:\n"
        + '        print("max |actual - expected| =", float(np.max(np.abs(actual - expected), initial=0.0)))\n'
    )


def _history(name: str, arguments: str) -> str:
    """For a history-dependent failure (PyTorch's convention): earlier calls, until the call goes wrong."""
    return (
        "# The kit saw the call go wrong only after earlier calls in one process. Earlier calls here: random\n"
        "# arrays of random sizes and strides (same dtype, rank and channels), each followed by the call, until\n"
        "# the call goes wrong (at most 300 times).\n"
        "rng = np.random.default_rng(0)\n"
        "for attempt in range(1, 301):\n"
        "    rank = x.ndim - 2\n"
        "    other_x = rng.standard_normal((1, x.shape[1], *rng.integers(1, 3, rank))).astype(x.dtype)\n"
        "    other_w = rng.standard_normal((x.shape[1], weight.shape[1], *rng.integers(1, 3, rank))).astype(x.dtype)\n"
        "    try:\n"
        f"        {name}(other_x, other_w, None, stride=tuple(int(s) for s in rng.integers(1, 3, rank)))\n"
        "    except Exception:\n"
        "        pass\n"
        f"    again = np.asarray({name}({arguments}))\n"
        "    if again.shape != expected.shape or not np.allclose(again, expected, rtol=1e-5, atol=1e-6):\n"
        '        print(f"wrong after {attempt} earlier calls")\n'
        "        break\n"
        "else:\n"
        '    print("right after each of 300 earlier calls")\n'
        "\n"
    )


def np_asarray(value: Any) -> Any:
    """``numpy.asarray``, imported here (the kit's floor imports NumPy already)."""
    import numpy as np

    return np.asarray(value)


def _cell_record(cell: Cell) -> dict[str, Any]:
    return {
        "status": cell.status,
        "worst": cell.worst,
        "problem": cell.problem,
        "verdict": cell.verdict,
        "configuration": cell.configuration,
        "details": cell.details,
        "cases": cell.cases,
        "refused": cell.refused,
    }


def run_reproducer(script: str, *, timeout: float = 300.0) -> dict[str, Any]:
    """Run a reproducer with this interpreter in a fresh process: its output (its standard error, then its standard
    output, where the result is; the last 4000 characters) and exit status."""
    import subprocess
    import sys

    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"returncode": None, "output": f"(did not finish within {timeout:g} s)"}
    output = (done.stderr.strip() + "\n" + done.stdout.strip()).strip()  # the result last, after any warnings
    return {"returncode": done.returncode, "output": output[-4000:]}


def ecosystem_run(
    implementations: Collection[Implementation],
    *,
    examples: int,
    seed: int,
    timeout: float | None = _isolation.DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = None,
    isolate: bool = True,
    reproduce: bool = True,
) -> list[dict[str, Any]]:
    """Each implementation area by area (:func:`check_areas`, isolated), with a standalone reproducer per failure, run.

    Features the implementation lacks are ``n/a``; those it declares it does not run
    (``supports.fails``) are run and may be refused (``unsupported``).  Every failure gets
    :func:`standalone_reproducer`, executed with this interpreter (:func:`run_reproducer`).
    Returns one JSON-ready row per implementation.  ``isolate=False`` runs the implementations in
    this process (for test doubles; a crash would end the run); ``reproduce=False`` writes no
    reproducers.
    """
    rows = []
    sources = {}  # read now, with the modules just imported: a file edited during the run cannot mix in
    for implementation in implementations:
        try:
            sources[implementation.name] = standalone_source(implementation.impl)
        except ValueError:
            continue
    for implementation in implementations:
        if progress is not None:
            progress(implementation.name)
        convention = CONVENTIONS[implementation.convention].supports
        own_lacks = {f for f in implementation.supports.lacks if convention.expresses(f)}
        report = check_areas(
            implementation.impl,
            convention=implementation.convention,
            examples=examples,
            seed=seed,
            isolate=isolate,
            timeout=timeout if isolate else None,
            name=implementation.name,
            without=sorted(own_lacks | set(implementation.supports.fails)),
        )
        cells = {}
        for area in ECOSYSTEM_AREAS:
            cell = report.cells.get(area.name, Cell("n/a"))
            if area.needs in own_lacks:
                cell = Cell("n/a", details=implementation.supports.lacks[area.needs])
            cells[area.name] = cell
        failures = []
        for area_name, cell in cells.items():
            if cell.status != "fail" or not reproduce:
                continue
            record: dict[str, Any] = {"area": area_name, "class": classify(cell, implementation, area_name)}
            try:
                script = standalone_reproducer(
                    implementation,
                    cell,
                    versions=_installed_versions(implementation),
                    source=sources.get(implementation.name),
                )
            except Exception as error:  # the kit's reproducer could not be read: say so in the report
                record |= {"reproducer": "", "output": f"no standalone reproducer: {type(error).__name__}: {error}"}
            else:
                record |= {"reproducer": script, **run_reproducer(script)}
            failures.append(record)
        rows.append(
            {
                "name": implementation.name,
                "module": implementation.module,
                "convention": implementation.convention,
                "cells": {name: _cell_record(cell) for name, cell in cells.items()},
                "failures": failures,
            }
        )
    return rows


def _installed_versions(implementation: Implementation) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in (implementation.module, "numpy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


_MARKS = {
    "pass": "🟢",
    "fail": "🔴",
    "limitation": "🟡",
    "unsupported": "🟡",
    "n/a": "⚪",
    "not run": "⚪",
    "error": "⚫",
}


def _summary_cell(cell: Mapping[str, Any], failure: int | None, documented: bool) -> str:
    status = cell["status"]
    if status == "pass":
        return f"🟢 pass ({cell['worst']:.2g})"
    if status == "fail":
        mark = "🟡 limitation" if documented else f"🔴 **{cell['problem']}**"
        verdict = cell["verdict"] if cell["verdict"] not in ("", "wrong") else ""
        return f"{mark}{' ' + verdict if verdict else ''} [{failure}](#failure-{failure})"
    if status == "unsupported":
        return "🟡 refused"
    return f"{_MARKS.get(status, '⚫')} {status}"


def _plain(text: str) -> str:
    """``text`` without terminal colour codes and trailing space."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text).strip()


def _first_lines(text: str, count: int) -> str:
    """The first ``count`` lines of ``text``, and how many more there were."""
    lines = text.splitlines()
    return "\n".join(lines[:count] + ([f"... ({len(lines) - count} more lines)"] if len(lines) > count else []))


def _last_lines(text: str, count: int) -> str:
    """The last ``count`` lines of ``text`` (where a reproducer prints its result), and how many came before."""
    lines = text.splitlines()
    return "\n".join(([f"({len(lines) - count} lines before)"] if len(lines) > count else []) + lines[-count:])


def render_ecosystem(
    results: list[Mapping[str, Any]], *, not_installable: Mapping[str, str], findings: str, command: str
) -> str:
    """The ecosystem report as Markdown: what we found, the matrix with its legend, the bugs, each failure.

    ``results`` holds one record per environment (:func:`ecosystem_run`'s rows with the
    environment's versions, seed, examples and date); ``not_installable`` says, per framework,
    why it has no row; ``findings`` is the hand-written "what we found" text, kept as it is.
    """
    areas = [area.name for area in ECOSYSTEM_AREAS]
    numbered: list[tuple[int, Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]] = []
    table = [
        "| implementation | environment | " + " | ".join(areas) + " |",
        "|---|---|" + "---|" * len(areas),
    ]
    for env in results:
        for row in env["rows"]:
            failures = {failure["area"]: failure for failure in row["failures"]}
            cells = []
            for area in areas:
                cell = row["cells"][area]
                number = None
                if cell["status"] == "fail":
                    numbered.append((len(numbered) + 1, env, row, failures[area] | {"cell": cell}))
                    number = len(numbered)
                documented = cell["status"] == "fail" and failures[area]["class"] == "documented limitation"
                cells.append(_summary_cell(cell, number, documented))
            table.append(f"| {row['name']} | {env['environment']} | " + " | ".join(cells) + " |")
    lines = [
        "# Conformance report of real implementations",
        "",
        "The conformance kit (see [the conformance kit](conformance.md)) run against every implementation of "
        "transposed convolution we could install -- framework operators and model-converter paths -- each called "
        "in its own convention, by feature area, each framework in an environment of its own. A failure is a "
        "disagreement with the operator's specification or documented semantics, as our convention functions "
        "implement it ([framework conventions](conventions.md)). Every failure comes with the shrunk "
        "configuration, the specification it contradicts, and a reproducer that needs only NumPy and the "
        "framework, which the run that made this page executed; its output is shown below it.",
        "",
        "`python scripts/ecosystem.py` makes the page: a virtual environment per framework under `.ecosystem/` "
        "(built once, pinned), the kit run in each with the same seed, the results merged here; "
        "`--only ENV ...` runs some environments again and keeps the others' results, `--merge` only rewrites "
        "the page, and the text under *What we found* is kept as written.",
        "",
        f"Generated by `{command}`.",
        "",
        "## What we found",
        "",
        "<!-- findings: kept as written when the report is generated again -->",
        findings.strip(),
        "<!-- /findings -->",
        "",
        "## Summary",
        "",
        *table,
        "",
        "Legend: 🟢 `pass (r)`: every drawn case conforms, `r` the worst error as a fraction of the rigorous "
        "rounding bound; 🔴 a failure (`values`, `shape`, `raised`; a crash, nondeterminism or history-dependence "
        "named beside it), linked to its write-up; 🟡 `limitation` or `refused`: it fails or raises on a feature "
        "its own documentation excludes; ⚪ `n/a`: its API cannot express the feature.",
        "",
        "## Environments",
        "",
        "| environment | packages | kit | seed | cases per area | date |",
        "|---|---|---|---|---|---|",
    ]
    for env in results:
        packages = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        lines.append(
            f"| {env['environment']} | {packages} | transposed-conv {env['kit']} | {env['seed']} | "
            f"{env['examples']} | {env['date']} |"
        )
    for name, reason in not_installable.items():
        lines.append(f"| {name} | not installable here: {reason} | | | | |")
    bugs = [entry for entry in numbered if entry[3]["class"] != "documented limitation"]
    lines += ["", "## Bugs found", ""]
    if not bugs:
        lines.append("None.")
    by_row: dict[str, list[tuple[int, Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]]] = {}
    for entry in bugs:
        by_row.setdefault(entry[2]["name"], []).append(entry)
    for name, entries in by_row.items():
        environment = entries[0][1]["environment"]
        found = "; ".join(
            f"{failure['class']} in {failure['area']} ([{number}](#failure-{number}))"
            for number, _, _, failure in entries
        )
        lines.append(f"- **{name}** ({environment}): {found}.")
    limits = [entry for entry in numbered if entry[3]["class"] == "documented limitation"]
    if limits:
        lines += [
            "",
            "Documented limitations (listed, not bugs): "
            + ", ".join(f"[{row['name']}, {failure['area']}](#failure-{number})" for number, _, row, failure in limits)
            + ".",
        ]
    lines += ["", "## Failures, by implementation", ""]
    current = None
    for number, _, row, failure in numbered:
        if row["name"] != current:
            current = row["name"]
            lines += [f"### {row['name']}", ""]
        cell = failure["cell"]
        seen = _plain(cell["details"].split("reproducer:\n", 1)[0])
        output = _plain(failure["output"]) or "(nothing)"
        lines += [
            f"#### Failure {number}",
            "",
            f"**{row['name']}**, {failure['area']}: **{failure['class']}**, on `{cell['configuration']}`",
            "",
            f"Contradicts: {SPECIFICATIONS.get(row['convention'], row['convention'])}.",
            "",
            f"Upstream: {UPSTREAM.get(row['name'], 'not searched')}.",
            "",
            "What the kit saw:",
            "",
            "```text",
            _first_lines(seen, 12),
            "```",
            "",
        ]
        if cell["verdict"] == "history-dependent":
            lines += [
                "The kit saw this after earlier calls in one process; the reproducer makes the call alone, in a "
                "fresh process, where the framework may well be right.",
                "",
            ]
        lines += [
            f"The reproducer's output when this report was made (exit status {failure.get('returncode')}):",
            "",
            "```text",
            _last_lines(output, 25),
            "```",
            "",
            f'??? example "Standalone reproducer ({row["module"]} and NumPy only)"',
            "",
            "    ```python",
            *(
                f"    {line}".rstrip()
                for line in (failure["reproducer"].strip() or "# none: see the output").splitlines()
            ),
            "    ```",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
