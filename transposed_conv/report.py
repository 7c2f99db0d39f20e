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
