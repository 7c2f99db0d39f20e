"""The conformance report: the kit run against every installed implementation, by feature area.

Each row is a real implementation called in *its own* convention -- PyTorch's functional
``conv_transpose{1,2,3}d``, ONNX Runtime and ONNX's reference evaluator on single-node
``ConvTranspose`` models, ``jax.lax.conv_transpose``, ``tf.nn.conv_transpose`` and
``keras.ops.conv_transpose`` -- and each column a feature area: a restriction of what the kit
draws.  A cell says ``pass`` (with the worst error as a fraction of the rigorous bound), the
kind of failure with its shrunk configuration (the reproducer is in the details), or ``n/a``
where the implementation's API cannot express the feature at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .frameworks import CONVENTIONS
from .frameworks import IMPLEMENTATIONS as IMPLEMENTATIONS
from .frameworks import Implementation as Implementation
from .testing import NonConformance, check_conv_transpose

__all__ = [
    "AREAS",
    "IMPLEMENTATIONS",
    "Area",
    "Cell",
    "Implementation",
    "ReportInterrupted",
    "render_markdown",
    "run_report",
]


# --- the feature areas ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A column: what the kit draws for it, and the feature an implementation needs for it to apply."""

    name: str
    dtype: str
    draw: dict[str, Any]
    needs: str | None = None
    by_convention: dict[str, dict[str, Any]] = field(default_factory=dict)

    def applies_to(self, implementation: Implementation) -> bool:
        """Whether the implementation's API can express the feature this area needs (its ``supports``)."""
        return self.needs is None or implementation.supports.expresses(self.needs)


def _draws(form: str) -> dict[str, dict[str, Any]]:
    """Each convention's draw options for one padding form, where its API has it (``Convention.draws``)."""
    return {name: dict(convention.draws[form]) for name, convention in CONVENTIONS.items() if form in convention.draws}


_PLAIN: dict[str, Any] = {"max_groups": 1, "max_dilation": 1, "large_output_padding": False, "empty_batch": False}
_PLAIN_PADDING = _draws("plain")

#: The columns of the report.
AREAS: tuple[Area, ...] = (
    Area("basics (float32)", "float32", _PLAIN, None, _PLAIN_PADDING),
    Area("float64", "float64", _PLAIN, "float64", _PLAIN_PADDING),
    Area("empty batch", "float32", {**_PLAIN, "empty_batch": "only"}, None, _PLAIN_PADDING),
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
        "asymmetric",
        _draws("asymmetric"),
    ),
)


_TORCH_ONLY = ("max_groups", "bias", "padding", "large_output_padding")


@dataclass
class Cell:
    """One implementation on one area."""

    status: str  # "pass", "fail", "n/a", "error"; "interrupted" or "not run" after SIGINT
    worst: float = 0.0
    problem: str = ""
    configuration: str = ""
    details: str = ""


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
            options = {**area.draw, **area.by_convention.get(implementation.convention, {})}
            if not CONVENTIONS[implementation.convention].pytorch_options:  # no groups, bias or PyTorch padding
                options = {k: v for k, v in options.items() if k not in _TORCH_ONLY}
            try:
                report = check_conv_transpose(
                    implementation.impl,
                    convention=implementation.convention,
                    examples=examples,
                    dtypes=(area.dtype,),
                    seed=seed,
                    **options,
                )
            except KeyboardInterrupt:
                row[area.name] = Cell("interrupted")
                for later in areas[number + 1 :]:
                    row[later.name] = Cell("not run" if later.applies_to(implementation) else "n/a")
                raise ReportInterrupted(table) from None
            except NonConformance as failure:
                row[area.name] = Cell(
                    "fail", problem=failure.problem, configuration=repr(failure.case), details=str(failure)
                )
            except Exception as error:  # a draw option the convention does not take: a bug in this table
                row[area.name] = Cell("error", details=f"{type(error).__name__}: {error}")
            else:
                row[area.name] = Cell("pass", worst=max(report.worst_fraction.values(), default=0.0))
    return table


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
