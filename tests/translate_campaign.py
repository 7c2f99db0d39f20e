"""The translation campaign: drawn calls of every source framework, translated to every target and run there.

``python -m tests.translate_campaign [--count 100] [--seed 0] [--markdown docs/translate.md]`` draws
``--count`` calls in each source's convention (the kit's case strategies; TensorFlow Lite's below),
translates each to every target with :func:`transposed_conv.translate` -- which runs the snippet on
the real target framework and compares it with the oracle's float32 bound -- and prints, per pair,
how many were reproduced, how many the target cannot express (with the reasons) and how many failed.
``--markdown FILE`` writes the table between the ``translate-campaign`` markers of ``FILE`` (``--marker``
names others); ``--targets`` runs some targets only (OpenVINO's lives in its own environment:
``.ecosystem/openvino/bin/python -m tests.translate_campaign --targets openvino --marker
translate-campaign-openvino --markdown docs/translate.md``).

A pair whose target is not installed counts as ``not run``.  ``tests/test_translate.py`` draws a few
calls per pair from the same strategies (:func:`source_calls`), in the suite.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from transposed_conv.frameworks.tflite import tflite_size_range
from transposed_conv.strategies import CONVENTION_CASES, conv_transpose_configs, example_draws
from transposed_conv.translate import FRAMEWORKS, SOURCES, TranslationError, translate

MARKER = "translate-campaign"


@dataclass(frozen=True)
class SourceCall:
    """One call of a source framework, as :func:`~transposed_conv.translate` takes it."""

    source: str
    input_shape: tuple[int, ...]
    weight_shape: tuple[int, ...]
    arguments: dict[str, Any]

    def __str__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.arguments.items())
        return f"{self.source}(x {self.input_shape}, weight {self.weight_shape}, {arguments})"


@st.composite
def _tflite_calls(draw: st.DrawFn) -> SourceCall:
    """``TRANSPOSE_CONV`` calls: 2-D, no dilation, no groups, ``SAME`` or ``VALID`` with an output size that fits."""
    config = draw(conv_transpose_configs(min_ndim=2, max_ndim=2, max_groups=1, max_dilation=1, empty_batch=False))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    sizes = []
    for i, k, s in zip(config.input_shape, config.kernel_shape, config.stride):
        lo, hi = tflite_size_range(i, k, s, padding)
        sizes.append(draw(st.integers(lo, hi)))
    c_in, c_out = config.in_channels, config.out_channels
    return SourceCall(
        "tflite",
        (config.batch, *config.input_shape, c_in),
        (c_out, *config.kernel_shape, c_in),
        {"output_shape": [config.batch, *sizes, c_out], "strides": list(config.stride), "padding": padding},
    )


def _from_case(source: str) -> st.SearchStrategy[SourceCall]:
    options: dict[str, Any] = {"dtype": "float32", "values": "uniform", "empty_batch": False}
    if source == "torch":
        options["padding"] = "symmetric"  # PyTorch's own padding: one int per dimension

    def call(case: Any) -> SourceCall:
        arguments = dict(zip(case.argument_names, case.arguments)) | dict(case.kwargs)
        return SourceCall(source, tuple(case.x.shape), tuple(case.weight.shape), arguments)

    return CONVENTION_CASES[source](**options).map(call)


def source_calls(source: str) -> st.SearchStrategy[SourceCall]:
    """Calls in ``source``'s convention: the kit's case strategy, or TensorFlow Lite's above."""
    return _tflite_calls() if source == "tflite" else _from_case(source)


def draw(strategy: st.SearchStrategy[SourceCall], count: int, seed: int) -> list[SourceCall]:
    """``count`` draws of ``strategy``, reproducibly from ``seed`` (generation only)."""
    return example_draws(strategy, count, seed)


@dataclass
class Tally:
    """One pair's outcomes."""

    reproduced: int = 0
    inexpressible: collections.Counter[str] | None = None
    failed: list[str] | None = None
    not_run: str | None = None

    def __post_init__(self) -> None:
        self.inexpressible = collections.Counter()
        self.failed = []


def _reason_kind(reason: str) -> str:
    """A reason without its configuration (the text before ``; got``), to count alike reasons together."""
    return reason.removeprefix("cannot be expressed, because ").split("; got")[0]


def run_pair(calls: list[SourceCall], target: str, say: Callable[[str], None] = lambda _: None) -> Tally:
    """Translate every call to ``target`` (verified when the target is installed) and count the outcomes."""
    tally = Tally()
    missing = [p for p in FRAMEWORKS[target].packages if importlib.util.find_spec(p) is None]
    if missing:
        tally.not_run = f"{', '.join(missing)} not installed"
        return tally
    for call in calls:
        try:
            translation = translate(
                call.source, target, input_shape=call.input_shape, weight_shape=call.weight_shape, **call.arguments
            )
        except (TranslationError, Exception) as error:  # a failure is a finding: counted, with its call
            assert tally.failed is not None
            tally.failed.append(f"{call}: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
            say(f"  FAILED {tally.failed[-1]}")
            continue
        if translation.expressible:
            tally.reproduced += 1
        else:
            assert tally.inexpressible is not None
            tally.inexpressible[_reason_kind(translation.reason or "")] += 1
    return tally


def markdown(tallies: dict[tuple[str, str], Tally], command: str, count: int) -> str:
    """The campaign's table: one row per pair."""
    lines = [
        f"Generated by `{command}`: {count} drawn calls per source, each translated to the target and run there.",
        "",
        "| source | target | reproduced | cannot be expressed (why) | failed |",
        "|---|---|---:|---|---:|",
    ]
    for (source, target), tally in tallies.items():
        if tally.not_run:
            lines.append(f"| {source} | {target} | not run: {tally.not_run} | | |")
            continue
        assert tally.inexpressible is not None and tally.failed is not None
        why = "; ".join(f"{n}: {reason}" for reason, n in tally.inexpressible.most_common()) or "0"
        lines.append(f"| {source} | {target} | {tally.reproduced} | {why} | {len(tally.failed)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.translate_campaign", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="calls drawn per source (100)")
    parser.add_argument("--seed", type=int, default=0, help="the draw's seed (0)")
    parser.add_argument("--markdown", type=Path, help="write the table between the campaign's markers of this file")
    parser.add_argument("--marker", default=MARKER, help=f"the markers' name ({MARKER})")
    parser.add_argument("--targets", default=",".join(FRAMEWORKS), help="comma-separated targets (all)")
    args = parser.parse_args(argv)
    targets = args.targets.split(",")
    unknown = sorted(set(targets) - set(FRAMEWORKS))
    if unknown:
        parser.error(f"--targets must name frameworks among {list(FRAMEWORKS)}; got {unknown}")
    warnings.simplefilter("ignore")
    tallies: dict[tuple[str, str], Tally] = {}
    for source in SOURCES:
        calls = draw(source_calls(source), args.count, args.seed)
        for target in targets:
            start = time.perf_counter()
            tally = run_pair(calls, target, say=lambda line: print(line, file=sys.stderr))
            tallies[source, target] = tally
            print(
                f"{source} -> {target}: {tally.reproduced} reproduced, {sum((tally.inexpressible or {}).values())} "
                f"inexpressible, {len(tally.failed or [])} failed ({time.perf_counter() - start:.1f} s)",
                file=sys.stderr,
            )
    command = f"python -m tests.translate_campaign --count {args.count} --seed {args.seed}"
    if targets != list(FRAMEWORKS):
        command += f" --targets {args.targets}"
    table = markdown(tallies, command, args.count)
    print(table)
    if args.markdown:
        begin, end = f"<!-- {args.marker}: begin -->", f"<!-- {args.marker}: end -->"
        text = args.markdown.read_text()
        head, found, rest = text.partition(begin)
        if not found or end not in rest:
            parser.error(f"--markdown {args.markdown} has no {begin} ... {end} markers")
        _, _, tail = rest.partition(end)
        args.markdown.write_text(f"{head}{begin}\n{table}\n{end}{tail}")
    return 1 if any(tally.failed for tally in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
