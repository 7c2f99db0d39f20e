"""Benchmark every ``conv_transpose`` method against the machine's GEMM rate and PyTorch CPU.

Run from the repository root (about three minutes on 2 cores; ``--quick`` for a smoke run)::

    .venv/bin/python benchmarks/run.py [--quick] [--out benchmarks/results] [--threads N]

Writes ``results.md`` (the tables and the floors), ``results.json`` (every number) and
``scaling.png`` (time against input side length) into ``--out``.

How it measures: every contestant of a case -- our methods, ``torch.nn.functional.
conv_transpose{1,2,3}d`` with ``torch.set_num_threads(N)``, and a reference GEMM of the
case's dtype -- runs in each round, round after round, so that they all see the same
machine load: one untimed call, then two timed calls back to back (OpenBLAS's and
PyTorch's thread pools keep spinning for a while after a call, and slow down whichever
library runs next; the untimed call absorbs that).  Each time is the median of the
timed calls.  NumPy's BLAS gets the same
``N`` threads (``OPENBLAS_NUM_THREADS``, set before NumPy is imported).  GFLOP/s counts
``2 * N * C_in * C_out/groups * prod(kernel) * prod(input)`` multiply-adds over the median
time; ``% GEMM`` divides that by the median rate of the square GEMM measured in the same
rounds.  Peak extra memory is ``tracemalloc``'s peak during one separate call, minus
the returned array (NumPy reports its allocations to ``tracemalloc``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _threads_from_argv() -> int:
    """``--threads`` must be known before NumPy (and its BLAS) is imported."""
    for index, arg in enumerate(sys.argv):
        if arg == "--threads" and index + 1 < len(sys.argv):
            return int(sys.argv[index + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


THREADS = _threads_from_argv()
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = str(THREADS)

import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transposed_conv import conv_transpose  # noqa: E402
from transposed_conv._arguments import prepare_conv_transpose  # noqa: E402
from transposed_conv._memory import get_memory_limit  # noqa: E402
from transposed_conv.methods._nonfinite import all_finite  # noqa: E402
from transposed_conv.transpose import choose_method  # noqa: E402

try:
    import torch
except ImportError:  # the ratio column is left out
    torch = None

METHODS = ("auto", "im2col", "zero_insertion", "direct", "matrix")
#: Back-to-back timed calls of one contestant per round, after one untimed call.
TIMED_PER_ROUND = 2
PLOTTED = ("auto", "im2col", "zero_insertion", "torch")


@dataclass
class Case:
    """One benchmark configuration."""

    name: str
    group: str  # "decoder", "other", "tiny" -- which floor applies
    batch: int
    c_in: int
    c_out: int
    spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: int
    padding: int
    dtype: str
    dilation: int = 1
    groups: int = 1
    methods: tuple[str, ...] = METHODS

    @property
    def multiply_adds(self) -> int:
        return self.batch * self.c_in * self.c_out // self.groups * math.prod(self.kernel) * math.prod(self.spatial)

    @property
    def kwargs(self) -> dict[str, Any]:
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation, "groups": self.groups}

    def arrays(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((self.batch, self.c_in, *self.spatial)).astype(self.dtype)
        w = rng.standard_normal((self.c_in, self.c_out // self.groups, *self.kernel)).astype(self.dtype)
        return x, w

    @property
    def shape_text(self) -> str:
        sizes = "x".join(map(str, self.spatial))
        kernel = "x".join(map(str, self.kernel))
        extra = "".join(
            [f" d{self.dilation}" if self.dilation > 1 else "", f" g{self.groups}" if self.groups > 1 else ""]
        )
        return f"N={self.batch} {self.c_in}->{self.c_out} {sizes} k{kernel} s{self.stride} p{self.padding}{extra}"


def cases(quick: bool) -> list[Case]:
    decoder = [(2048, 256, 16), (256, 128, 32), (128, 64, 64)]
    result = []
    for dtype in ("float32", "float64"):
        for c_in, c_out, side in decoder:
            for batch in (1, 8):
                if quick and batch == 8:
                    continue
                result.append(
                    Case(
                        f"decoder {c_in}->{c_out}",
                        "decoder",
                        batch,
                        c_in,
                        c_out,
                        (side, side),
                        (4, 4),
                        2,
                        1,
                        dtype,
                    )
                )
    for dtype in ("float32",):
        result += [
            Case("audio 1-D upsampling", "other", 1, 512, 512, (4096,), (16,), 8, 4, dtype),
            Case("volumetric 3-D", "other", 1, 32, 32, (16, 16, 16), (4, 4, 4), 2, 1, dtype),
            Case("grouped (8 groups)", "other", 1, 256, 256, (32, 32), (4, 4), 2, 1, dtype, groups=8),
            Case("depthwise", "other", 1, 256, 256, (32, 32), (4, 4), 2, 1, dtype, groups=256),
            Case("stride 1", "other", 1, 256, 128, (32, 32), (3, 3), 1, 1, dtype),
            Case("stride 3", "other", 1, 128, 64, (32, 32), (5, 5), 3, 1, dtype),
            Case("dilation 2", "other", 1, 256, 128, (32, 32), (3, 3), 2, 2, dtype, dilation=2),
            Case("tiny (per-call overhead)", "tiny", 1, 4, 4, (8, 8), (3, 3), 2, 1, dtype),
        ]
    return result


def scaling_cases(quick: bool) -> list[Case]:
    sides = (8, 16, 32, 64) if quick else (8, 16, 32, 64, 128)
    return [
        Case("scaling", "scaling", 1, 256, 128, (side, side), (4, 4), 2, 1, "float32", methods=PLOTTED[:-1])
        for side in sides
    ]


@dataclass
class Measured:
    """The results of one case."""

    case: dict[str, Any]
    chosen: str
    seconds: dict[str, float] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    peak_extra_bytes: dict[str, int] = field(default_factory=dict)
    gemm_gflops: float = 0.0
    rounds: int = 0


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _gemm(dtype: str, rng: np.random.Generator) -> tuple[Callable[[], object], int]:
    """The reference GEMM: square, large enough for the BLAS's full rate."""
    n = 1536
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    return (lambda: a @ b), n**3


def _torch_call(case: Case, x: np.ndarray, w: np.ndarray) -> Callable[[], object]:
    assert torch is not None
    function = getattr(torch.nn.functional, f"conv_transpose{len(case.spatial)}d")
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)

    def call() -> object:
        with torch.no_grad():
            return function(
                tx, tw, stride=case.stride, padding=case.padding, groups=case.groups, dilation=case.dilation
            )

    return call


def _peak_extra(call: Callable[[], np.ndarray]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        y = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return int(peak - y.nbytes)


def measure(case: Case, rng: np.random.Generator, budget: float, min_rounds: int, max_rounds: int) -> Measured:
    x, w = case.arrays(rng)
    prepared, geometry = prepare_conv_transpose(x, w, None, output_size=None, output_padding=0, **case.kwargs)
    result = Measured(asdict(case), choose_method(geometry, case.batch, prepared.compute_dtype))
    calls: dict[str, Callable[[], object]] = {}
    for method in case.methods:

        def call(method: str = method) -> np.ndarray:
            return conv_transpose(x, w, **case.kwargs, method=method)

        try:
            result.peak_extra_bytes[method] = _peak_extra(call)
        except ValueError as error:  # direct and matrix refuse large sizes
            result.refused[method] = str(error)
            continue
        calls[method] = call
    if torch is not None:
        calls["torch"] = _torch_call(case, x, w)
    gemm, gemm_multiply_adds = _gemm(case.dtype, rng)
    calls["gemm"] = gemm
    seconds, result.rounds = _interleaved(calls, budget, min_rounds, max_rounds)
    result.seconds = {name: value for name, value in seconds.items() if name != "gemm"}
    result.gemm_gflops = 2 * gemm_multiply_adds / seconds["gemm"] / 1e9
    return result


def _interleaved(
    calls: dict[str, Callable[[], object]], budget: float, min_rounds: int, max_rounds: int
) -> tuple[dict[str, float], int]:
    """Median seconds of each call over rounds in which every call runs, and the number of rounds."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():  # warm-up
        call()
    rounds = 0
    started = time.perf_counter()
    gc.disable()
    try:
        while rounds < max_rounds and (rounds < min_rounds or time.perf_counter() - started < budget):
            for name, call in calls.items():
                call()  # untimed: absorbs the other library's thread pool still spinning from its last call
                times[name] += [_timed(call) for _ in range(TIMED_PER_ROUND)]
            rounds += 1
    finally:
        gc.enable()
    return {name: statistics.median(values) for name, values in times.items()}, rounds


#: Columns of the special-values table: ``auto`` on the same case's inputs, prepared differently.
SPECIAL_INPUTS = ("finite", "finiteness check", "one +inf weight", "NaN in x", "int64 values")


def special_values(
    case: Case, rng: np.random.Generator, budget: float, min_rounds: int, max_rounds: int
) -> dict[str, Any]:
    """What special values and integers cost ``auto``: the finite call, the check that finds nothing special
    (a minimum and a maximum of ``x`` and ``w``), a non-finite weight or input, and int64 inputs."""
    x, w = case.arrays(rng)
    w_inf, x_nan = w.copy(), x.copy()
    w_inf.flat[0] = np.inf
    x_nan.flat[x.size // 2] = np.nan
    x_int, w_int = np.rint(4 * x).astype(np.int64), np.rint(4 * w).astype(np.int64)
    calls: dict[str, Callable[[], object]] = {
        "finite": lambda: conv_transpose(x, w, **case.kwargs),
        "finiteness check": lambda: all_finite(x) and all_finite(w),
        "one +inf weight": lambda: conv_transpose(x, w_inf, **case.kwargs),
        "NaN in x": lambda: conv_transpose(x_nan, w, **case.kwargs),
        "int64 values": lambda: conv_transpose(x_int, w_int, **case.kwargs),
    }
    seconds, rounds = _interleaved(calls, budget, min_rounds, max_rounds)
    prepared, geometry = prepare_conv_transpose(x, w, None, output_size=None, output_padding=0, **case.kwargs)
    chosen = choose_method(geometry, case.batch, prepared.compute_dtype)
    return {"case": asdict(case), "chosen": chosen, "seconds": seconds, "rounds": rounds}


def special_value_cases() -> list[Case]:
    """Cases where ``auto`` runs ``polyphase`` (which has the special-value step) and ``im2col`` (which needs none)."""
    return [
        Case("decoder 128->64", "special", 1, 128, 64, (64, 64), (4, 4), 2, 1, "float32"),
        Case("decoder 256->128", "special", 1, 256, 128, (32, 32), (4, 4), 2, 1, "float32"),
        Case("tiny, kernel 4", "special", 1, 4, 4, (8, 8), (4, 4), 2, 1, "float32"),
    ]


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def environment() -> dict[str, Any]:
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")  # type: ignore[func-returns-value]
        info = config["Build Dependencies"]["blas"]
        blas = f"{info.get('name')} {info.get('version')}"
    except Exception:
        pass
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "torch": None if torch is None else torch.__version__,
        "threads": THREADS,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "processor": _processor_name(),
        "memory_limit_bytes": get_memory_limit(),
    }


def _processor_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --- reporting ---------------------------------------------------------------------------------


def _gflops(case: Case, seconds: float) -> float:
    return 2 * case.multiply_adds / seconds / 1e9


def rows(case: Case, measured: Measured) -> list[list[str]]:
    out = []
    torch_time = measured.seconds.get("torch")
    for method in (*case.methods, "torch"):
        if method == "torch" and torch_time is None:
            continue
        label = f"auto → {measured.chosen}" if method == "auto" else method
        if method in measured.refused:
            out.append([case.name, case.shape_text, case.dtype, label, "refuses", "", "", "", ""])
            continue
        seconds = measured.seconds[method]
        gflops = _gflops(case, seconds)
        ratio = "" if torch_time is None or method == "torch" else f"{seconds / torch_time:.2f}"
        memory = "" if method == "torch" else f"{measured.peak_extra_bytes[method] / 2**20:.1f}"
        out.append(
            [
                case.name,
                case.shape_text,
                case.dtype,
                label,
                _format_time(seconds),
                f"{gflops:.1f}",
                f"{100 * gflops / measured.gemm_gflops:.0f}",
                ratio,
                memory,
            ]
        )
    return out


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def floors(results: list[tuple[Case, Measured]]) -> list[dict[str, Any]]:
    """The issue's floors, each with its measured value and whether it is met."""
    checks = []
    limit = get_memory_limit()
    for case, measured in results:
        if case.group == "scaling":
            continue
        torch_time = measured.seconds.get("torch")
        auto = measured.seconds["auto"]
        if torch_time is not None:
            bound = 0.9 if case.group == "decoder" else 1.5
            ratio = auto / torch_time
            checks.append(
                {
                    "floor": f"auto ≤ {bound} x PyTorch: {case.name}, {case.shape_text}, {case.dtype}",
                    "value": round(ratio, 3),
                    "met": ratio <= bound,
                }
            )
        if case.name == "decoder 2048->256" and case.dtype == "float32":
            share = _gflops(case, auto) / measured.gemm_gflops
            checks.append(
                {
                    "floor": f"auto ≥ 80% of the float32 GEMM rate: {case.shape_text}",
                    "value": round(100 * share, 1),
                    "met": share >= 0.8,
                }
            )
        if "zero_insertion" in measured.seconds:
            bound = 2 * case.stride ** len(case.spatial)
            ratio = measured.seconds["zero_insertion"] / auto
            checks.append(
                {
                    "floor": f"zero_insertion ≤ 2·prod(stride) = {bound} x auto: {case.name}, {case.shape_text}, "
                    f"{case.dtype}",
                    "value": round(ratio, 2),
                    "met": ratio <= bound,
                }
            )
        peak = measured.peak_extra_bytes.get("auto", 0)
        if peak > limit:
            checks.append(
                {
                    "floor": f"auto's peak extra memory ≤ {limit / 2**20:.0f} MiB: {case.name}, {case.shape_text}",
                    "value": round(peak / 2**20, 1),
                    "met": False,
                }
            )
    peak_all = max((m.peak_extra_bytes.get("auto", 0) for _, m in results), default=0)
    checks.append(
        {
            "floor": f"auto's peak extra memory ≤ {limit / 2**20:.0f} MiB on every case (largest, MiB)",
            "value": round(peak_all / 2**20, 1),
            "met": peak_all <= limit,
        }
    )
    return checks


def markdown(
    env: dict[str, Any],
    results: list[tuple[Case, Measured]],
    checks: list[dict[str, Any]],
    figure: str = "scaling.png",
    specials: list[dict[str, Any]] | None = None,
) -> str:
    rates = env["gemm_gflops"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python benchmarks/run.py` ({'--quick' if env['quick'] else 'full run'}) on "
        f"{env['processor']} ({env['cpus']} CPUs), Python {env['python']}, NumPy {env['numpy']} "
        f"({env['blas']}), PyTorch {env['torch'] or 'not installed'}.",
        f"Threads: {env['threads']} for NumPy's BLAS and {env['threads']} for PyTorch (`torch.set_num_threads`). "
        f"Machine GEMM rate (square {1536}³, medians over the run): float32 {rates['float32']:.0f} GFLOP/s, "
        f"float64 {rates['float64']:.0f} GFLOP/s. Load average before/after: "
        f"{env['load_before']:.2f}/{env['load_after']:.2f}. Memory limit: {env['memory_limit_bytes'] / 2**20:.0f} MiB.",
        "",
        "Time: median over interleaved rounds. GFLOP/s: `2·N·C_in·C_out/groups·prod(kernel)·prod(input)` / time. "
        "% GEMM: of the square GEMM's rate measured in the same rounds. vs torch: our time / PyTorch's time "
        "(below 1 is faster). Peak MiB: tracemalloc peak minus the output.",
        "",
        "## Floors",
        "",
        "| floor | measured | met |",
        "|---|---|---|",
    ]
    lines += [f"| {c['floor']} | {c['value']} | {'yes' if c['met'] else '**no**'} |" for c in checks]
    lines += [
        "",
        "## Cases",
        "",
        "| case | shape | dtype | method | time | GFLOP/s | % GEMM | vs torch | peak MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case, measured in results:
        if case.group != "scaling":
            lines += ["| " + " | ".join(row) + " |" for row in rows(case, measured)]
    lines += [
        "",
        "## Scaling (float32, N=1, 256->128, kernel 4, stride 2, padding 1)",
        "",
        "| side | " + " | ".join(PLOTTED) + " |",
        "|---|" + "---|" * len(PLOTTED),
    ]
    for case, measured in results:
        if case.group == "scaling":
            cells = [_format_time(measured.seconds[m]) if m in measured.seconds else "" for m in PLOTTED]
            lines.append(f"| {case.spatial[0]} | " + " | ".join(cells) + " |")
    lines += ["", f"![time against input side]({figure})", ""]
    if specials:
        lines += [
            "## Special values and integers (`auto`, float32 unless int64)",
            "",
            "The finiteness check (one sum of `x` and one of `w`) is all that finite inputs pay "
            "for the IEEE special-value step, and only when `auto` runs `polyphase` (`im2col` needs no step); "
            "a non-finite entry adds the indicator runs of the algorithm where it needs them "
            "(`methods/_nonfinite.py`); int64 inputs run in float64 when that is exact. "
            "In brackets: the time as a multiple of the finite call's.",
            "",
            "| case | shape | auto runs | " + " | ".join(SPECIAL_INPUTS) + " |",
            "|---|---|---|" + "---|" * len(SPECIAL_INPUTS),
        ]
        for special in specials:
            case = Case(**special["case"])
            finite = special["seconds"]["finite"]
            cells = [
                _format_time(special["seconds"][name])
                + ("" if name == "finite" else f" ({special['seconds'][name] / finite:.2f}x)")
                for name in SPECIAL_INPUTS
            ]
            lines.append(f"| {case.name} | {case.shape_text} | {special['chosen']} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


ROOT = Path(__file__).resolve().parent.parent
DOCS_PAGE = ROOT / "docs" / "performance.md"
DOCS_FIGURE = ROOT / "docs" / "measured" / "performance-scaling.png"
START, END = "<!-- benchmark results: start -->", "<!-- benchmark results: end -->"


def update_docs(text: str, figure: Path | None) -> None:
    """Replace the generated part of docs/performance.md (between the markers) and copy the plot beside it."""
    page = DOCS_PAGE.read_text(encoding="utf-8")
    before, rest = page.split(START, 1)
    _, after = rest.split(END, 1)
    body = (
        text.split("\n", 1)[1]
        .replace("\n## ", "\n### ")
        .replace("](performance-scaling.png)", "](measured/performance-scaling.png)")
    )
    DOCS_PAGE.write_text(f"{before}{START}\n{body.strip()}\n{END}{after}", encoding="utf-8")
    if figure is not None:
        DOCS_FIGURE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(figure, DOCS_FIGURE)


def plot(results: list[tuple[Case, Measured]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'); skipping the plot", file=sys.stderr)
        return False
    scaling = [(c, m) for c, m in results if c.group == "scaling"]
    if not scaling:  # --only left no scaling case
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sides = [c.spatial[0] for c, _ in scaling]
    for method in PLOTTED:
        pairs = [(c, m.seconds[method]) for c, m in scaling if method in m.seconds]
        if not pairs:
            continue
        left.loglog([c.spatial[0] for c, _ in pairs], [t for _, t in pairs], "o-", label=method)
        right.semilogx([c.spatial[0] for c, _ in pairs], [_gflops(c, t) for c, t in pairs], "o-", label=method)
    gemm = statistics.median(m.gemm_gflops for _, m in scaling)
    right.axhline(gemm, color="grey", linestyle="--", label="float32 GEMM")
    for axis in (left, right):
        axis.set_xlabel("input side length (H = W)")
        axis.set_xticks(sides, [str(s) for s in sides])
        axis.grid(True, which="both", alpha=0.3)
    left.set_ylabel("time per call (s)")
    right.set_ylabel("GFLOP/s")
    left.set_title("time: grows with the side squared")
    right.set_title("rate")
    right.legend(fontsize=8)
    fig.suptitle("conv_transpose 256→128 channels, kernel 4, stride 2, padding 1, float32, N=1")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases and rounds (a smoke run)")
    parser.add_argument("--out", default="benchmarks/results", help="directory for results.md/json and scaling.png")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads for NumPy's BLAS and PyTorch")
    parser.add_argument("--budget", type=float, default=None, help="seconds of rounds per case (default 2, quick 0.3)")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help=f"also put the tables into {DOCS_PAGE} (between its markers) and the plot into {DOCS_FIGURE}",
    )
    args = parser.parse_args(argv)
    budget = args.budget if args.budget is not None else (0.3 if args.quick else 2.0)
    max_rounds = 5 if args.quick else 51
    if torch is not None:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = environment() | {"quick": args.quick, "load_before": _load_average()}
    rng = np.random.default_rng(0)
    results = []
    todo = [c for c in cases(args.quick) + scaling_cases(args.quick) if args.only in c.name]
    for index, case in enumerate(todo, 1):
        measured = measure(case, rng, budget, 2 if args.quick else 5, max_rounds)
        results.append((case, measured))
        auto = measured.seconds["auto"]
        versus = f", torch {measured.seconds['torch'] / auto:.2f}x auto's speed" if "torch" in measured.seconds else ""
        print(
            f"[{index}/{len(todo)}] {case.name:26} {case.shape_text:38} {case.dtype}: auto→{measured.chosen} "
            f"{_format_time(auto)}, {_gflops(case, auto):.0f} GFLOP/s{versus} ({measured.rounds} rounds)",
            flush=True,
        )
    env["load_after"] = _load_average()
    env["gemm_gflops"] = {
        dtype: statistics.median(m.gemm_gflops for c, m in results if c.dtype == dtype)
        if any(c.dtype == dtype for c, _ in results)
        else float("nan")
        for dtype in ("float32", "float64")
    }
    specials = [
        special_values(case, rng, budget, 2 if args.quick else 5, max_rounds)
        for case in special_value_cases()
        if args.only in case.name
    ]
    for special in specials:
        seconds = special["seconds"]
        print(
            f"special values, {special['case']['name']}: "
            + ", ".join(f"{name} {_format_time(value)}" for name, value in seconds.items()),
            flush=True,
        )
    checks = floors(results)
    (out / "results.json").write_text(
        json.dumps(
            {
                "environment": env,
                "floors": checks,
                "results": [asdict(m) for _, m in results],
                "special_values": specials,
            },
            indent=1,
        )
        + "\n"
    )
    (out / "results.md").write_text(markdown(env, results, checks, specials=specials))
    plotted = plot(results, out / "scaling.png")
    print(f"wrote {out / 'results.md'}, {out / 'results.json'} and {out / 'scaling.png'}")
    if args.update_docs:
        update_docs(
            markdown(env, results, checks, figure=DOCS_FIGURE.name, specials=specials),
            out / "scaling.png" if plotted else None,
        )
        print(f"updated {DOCS_PAGE} and {DOCS_FIGURE}")
    missed = [c for c in checks if not c["met"]]
    for check in missed:
        print(f"floor not met: {check['floor']}: {check['value']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
