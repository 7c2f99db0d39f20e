"""Benchmark every ``conv_transpose`` method against the machine's GEMM rate and PyTorch CPU.

Run from the repository root (about eight minutes on 2 quiet cores; ``--quick`` for a smoke run)::

    .venv/bin/python benchmarks/run.py [--quick] [--out benchmarks/results] [--threads N]

Writes ``results.md`` (the tables and the floors), ``results.json`` (every number) and
``scaling.png`` (time against work for each method, log-log, with the GEMM line) into ``--out``.

How it measures: every contestant of a case -- our methods, PyTorch's CPU kernel of the same
operation (``torch.nn.functional.conv_transpose{1,2,3}d`` or ``conv{1,2,3}d``, or autograd's
``aten.convolution_backward`` for the gradients) with ``torch.set_num_threads(N)``, and a
reference GEMM of the case's dtype -- runs in each round, round after round (A B A B ...), so
that they all see the same machine load: one untimed call, then two timed calls back to back
(OpenBLAS's and PyTorch's thread pools keep spinning for a while after a call, and slow down
whichever library runs next; the untimed call absorbs that).  Each time is the best of the
timed calls (the medians are kept in ``results.json``): on a shared machine the best is the
run that other processes disturbed least.  NumPy's BLAS gets the same ``N`` threads
(``OPENBLAS_NUM_THREADS``, set before NumPy is imported), and so do our element-wise passes
(``TRANSPOSED_CONV_NUM_THREADS``; only the depthwise path uses them).  GFLOP/s counts
``2 * N * C_in * C_out/groups * prod(kernel) * prod(input)`` multiply-adds (twice that for a
backward pass) over the time; ``% GEMM`` divides that by the rate of the square GEMM measured
in the same rounds.  Peak extra memory is ``tracemalloc``'s peak during one separate call made with
no temporary buffers kept from earlier calls (``release_scratch`` first), minus
the returned arrays (NumPy reports its allocations to ``tracemalloc``).
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
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TRANSPOSED_CONV_NUM_THREADS"):
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

from transposed_conv import (  # noqa: E402
    conv,
    conv_backward,
    conv_transpose,
    conv_transpose_backward,
    release_scratch,
)
from transposed_conv._arguments import prepare_conv_transpose  # noqa: E402
from transposed_conv._memory import get_memory_limit  # noqa: E402
from transposed_conv.methods._nonfinite import all_finite  # noqa: E402
from transposed_conv.transpose import choose_method  # noqa: E402

try:
    import torch
except ImportError:  # the ratio column is left out
    torch = None

METHODS = ("auto", "im2col", "polyphase", "zero_insertion", "direct", "matrix")
#: The decoder's layers leave out polyphase (``auto`` runs it where it wins): the run stays near eight minutes.
DECODER_METHODS = ("auto", "im2col", "zero_insertion", "direct", "matrix")
#: The other operations measured on the decoder's layers, beside PyTorch (autograd's backward kernel
#: ``aten.convolution_backward`` for the gradients, ``conv{1,2,3}d`` for ``conv``): ``conv`` maps the
#: transposed convolution's output shape back to its input shape (the encoder's direction).
OPERATIONS = ("conv_transpose_backward", "conv", "conv_backward")
#: Back-to-back timed calls of one contestant per round, after one untimed call.
TIMED_PER_ROUND = 2
PLOTTED = ("auto", "im2col", "polyphase", "zero_insertion", "torch")


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
    #: ``conv_transpose``, or one of :data:`OPERATIONS` on the same layer (gradients, and ``conv`` its adjoint).
    operation: str = "conv_transpose"

    @property
    def multiply_adds(self) -> int:
        """The forward's multiply-adds; a backward pass counts two (the input and the weight gradients)."""
        forward = self.batch * self.c_in * self.c_out // self.groups * math.prod(self.kernel) * math.prod(self.spatial)
        return 2 * forward if self.operation.endswith("backward") else forward

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
        text = f"N={self.batch} {self.c_in}->{self.c_out} {sizes} k{kernel} s{self.stride} p{self.padding}{extra}"
        return text if self.operation == "conv_transpose" else f"{self.operation} of {text}"


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
                        methods=DECODER_METHODS,
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
            Case("one element (call overhead)", "one element", 1, 1, 1, (1, 1), (1, 1), 1, 0, dtype),
        ]
    for operation in OPERATIONS:
        for c_in, c_out, side in decoder:
            if quick and c_in == 2048:
                continue
            result.append(
                Case(
                    f"decoder {c_in}->{c_out}",
                    "gradients",
                    8,
                    c_in,
                    c_out,
                    (side, side),
                    (4, 4),
                    2,
                    1,
                    "float32",
                    methods=("auto",),
                    operation=operation,
                )
            )
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
    #: The median of the same timed calls (``seconds`` holds the best).
    median_seconds: dict[str, float] = field(default_factory=dict)


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


def _operation_arrays(case: Case, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """The arrays of one call of ``case.operation``, all built from the transposed convolution's layer."""
    x, w = case.arrays(rng)
    if case.operation == "conv_transpose":
        return x, w
    out = conv_transpose(x[:1], w, **case.kwargs).shape[1:]  # (C_out, *O)
    y = rng.standard_normal((case.batch, *out)).astype(case.dtype)  # an output gradient, or conv's input
    if case.operation == "conv_transpose_backward":
        return y, x, w
    if case.operation == "conv":  # the same weight, read as conv's (C_out, C_in, *k): O back to the input's size
        return y, w
    return x, y, w  # conv_backward: grad_output of conv's output shape (x's), conv's input y, weight w


def _our_call(case: Case, arrays: tuple[np.ndarray, ...], method: str) -> Callable[[], Any]:
    if case.operation == "conv_transpose":
        return lambda: conv_transpose(*arrays, **case.kwargs, method=method)
    if case.operation == "conv_transpose_backward":
        return lambda: conv_transpose_backward(*arrays, **case.kwargs, method=method)
    if case.operation == "conv":
        return lambda: conv(*arrays, **case.kwargs)
    return lambda: conv_backward(*arrays, **case.kwargs, method=method)


def _torch_call(case: Case, arrays: tuple[np.ndarray, ...]) -> Callable[[], object]:
    """PyTorch's CPU kernel of the same operation: ``conv_transpose{d}d``, ``conv{d}d`` or autograd's backward."""
    assert torch is not None
    tensors = [torch.from_numpy(a) for a in arrays]
    d = len(case.spatial)
    options = {"stride": case.stride, "padding": case.padding, "groups": case.groups, "dilation": case.dilation}
    if case.operation in ("conv_transpose", "conv"):
        name = f"conv_transpose{d}d" if case.operation == "conv_transpose" else f"conv{d}d"
        function = getattr(torch.nn.functional, name)

        def call() -> object:
            with torch.no_grad():
                return function(*tensors, **options)

        return call
    transposed = case.operation == "conv_transpose_backward"
    grad_output, forward_input, weight = tensors
    channels = weight.shape[1] * case.groups if transposed else weight.shape[0]
    backward = torch.ops.aten.convolution_backward

    def gradients() -> object:  # input, weight and bias gradients, as autograd computes them
        return backward(
            grad_output,
            forward_input,
            weight,
            [channels],
            [case.stride] * d,
            [case.padding] * d,
            [case.dilation] * d,
            transposed,
            [0] * d,
            case.groups,
            [True, True, True],
        )

    return gradients


def _peak_extra(call: Callable[[], Any]) -> int:
    release_scratch()  # the call allocates every temporary buffer it uses: counted in the peak
    gc.collect()
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    returned = sum(a.nbytes for a in result) if isinstance(result, tuple) else result.nbytes
    return int(peak - returned)


def _chosen(case: Case, x: np.ndarray, w: np.ndarray) -> str:
    """What ``auto`` runs: the method of the transposed convolution inside the operation, if any."""
    if case.operation in ("conv", "conv_transpose_backward"):
        return "im2col"  # conv, and the input gradient of conv_transpose (a conv), are im2col + GEMM
    prepared, geometry = prepare_conv_transpose(x, w, None, output_size=None, output_padding=0, **case.kwargs)
    chosen = choose_method(geometry, case.batch, prepared.compute_dtype)
    return chosen if case.operation == "conv_transpose" else f"{chosen} + im2col"


def measure(case: Case, rng: np.random.Generator, budget: float, min_rounds: int, max_rounds: int) -> Measured:
    arrays = _operation_arrays(case, rng)
    x = arrays[0] if case.operation in ("conv_transpose", "conv_backward") else arrays[1]
    result = Measured(asdict(case), _chosen(case, x, arrays[-1]))
    calls: dict[str, Callable[[], object]] = {}
    for method in case.methods:
        call = _our_call(case, arrays, method)
        try:
            result.peak_extra_bytes[method] = _peak_extra(call)
        except ValueError as error:  # direct and matrix refuse large sizes
            result.refused[method] = str(error)
            continue
        calls[method] = call
    if torch is not None:
        calls["torch"] = _torch_call(case, arrays)
    recorded = _recorded_gemms(calls["auto"]) if "auto" in calls and case.group in GEMMS_ALONE_GROUPS else []
    if recorded:  # the depthwise path makes no GEMM
        calls[GEMMS_ALONE] = _gemms_alone(recorded, rng)
    gemm, gemm_multiply_adds = _gemm(case.dtype, rng)
    calls["gemm"] = gemm
    seconds, result.median_seconds, result.rounds = _interleaved(calls, budget, min_rounds, max_rounds)
    result.seconds = {name: value for name, value in seconds.items() if name != "gemm"}
    result.gemm_gflops = 2 * gemm_multiply_adds / seconds["gemm"] / 1e9
    return result


#: The contestant that runs only the GEMMs of ``auto``'s call: the same shapes and dtypes, on fresh operands.
GEMMS_ALONE = "auto's GEMMs alone"
#: The cases that measure it: those whose floors are against PyTorch's time or the GEMM rate.
GEMMS_ALONE_GROUPS = ("decoder", "gradients", "other")

#: One operand of a recorded GEMM: its shape, and whether its last two axes are stored transposed (column-major).
Operand = tuple[tuple[int, ...], bool]


def _operand(a: Any) -> Operand:
    shape = np.shape(a)
    strides = getattr(a, "strides", ())
    transposed = len(shape) >= 2 and shape[-1] > 1 and shape[-2] > 1 and strides[-2] < strides[-1]
    return shape, bool(transposed)


def _recorded_gemms(call: Callable[[], object]) -> list[tuple[Operand, Operand, str]]:
    """The ``np.matmul`` calls that one ``call()`` makes: each operand's shape and orientation, and the dtype."""
    recorded: list[tuple[Operand, Operand, str]] = []
    matmul = np.matmul

    def recording(a: Any, b: Any, *args: Any, **kwargs: Any) -> Any:
        recorded.append((_operand(a), _operand(b), np.result_type(a, b).name))
        return matmul(a, b, *args, **kwargs)

    np.matmul = recording  # type: ignore[assignment]
    try:
        call()
    finally:
        np.matmul = matmul
    return recorded


def _gemms_alone(recorded: list[tuple[Operand, Operand, str]], rng: np.random.Generator) -> Callable[[], object]:
    """The recorded GEMMs on fresh operands of the same shapes and orientations, each into a buffer made once: what
    the call would take if everything but its GEMMs were free."""

    def fresh(operand: Operand, dtype: str) -> np.ndarray:
        shape, transposed = operand
        if not transposed:
            return rng.standard_normal(shape).astype(dtype)
        stored = rng.standard_normal((*shape[:-2], shape[-1], shape[-2])).astype(dtype)
        return np.swapaxes(stored, -1, -2)

    operands = []
    for a_operand, b_operand, dtype in recorded:
        a, b = fresh(a_operand, dtype), fresh(b_operand, dtype)
        operands.append((a, b, np.matmul(a, b)))

    def gemms() -> None:
        for a, b, out in operands:
            np.matmul(a, b, out=out)

    return gemms


def _interleaved(
    calls: dict[str, Callable[[], object]], budget: float, min_rounds: int, max_rounds: int
) -> tuple[dict[str, float], dict[str, float], int]:
    """The best and the median seconds of each call over rounds in which every call runs (A B A B ...),
    and the number of rounds."""
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
    best = {name: min(values) for name, values in times.items()}
    return best, {name: statistics.median(values) for name, values in times.items()}, rounds


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
    seconds, _, rounds = _interleaved(calls, budget, min_rounds, max_rounds)
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
    for method in (*case.methods, GEMMS_ALONE, "torch"):
        if method in ("torch", GEMMS_ALONE) and method not in measured.seconds:
            continue
        label = f"auto → {measured.chosen}" if method == "auto" else method
        if method in measured.refused:
            out.append([case.name, case.shape_text, case.dtype, label, "refuses", "", "", "", ""])
            continue
        seconds = measured.seconds[method]
        gflops = _gflops(case, seconds)
        ratio = "" if torch_time is None or method == "torch" else f"{seconds / torch_time:.2f}"
        memory = "" if method in ("torch", GEMMS_ALONE) else f"{measured.peak_extra_bytes[method] / 2**20:.1f}"
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


#: Issue 18's bounds on ``auto``'s time as a multiple of PyTorch's, by case (the rest of "other": 1.5).
TORCH_BOUNDS = {"depthwise": 1.5, "grouped (8 groups)": 1.0, "tiny (per-call overhead)": 2.0}
#: The call overhead that a one-element input may cost, in seconds.
ONE_ELEMENT_SECONDS = 20e-6


def _check(floor: str, value: str, met: bool) -> dict[str, Any]:
    return {"floor": floor, "value": value, "met": bool(met)}


def floors(results: list[tuple[Case, Measured]]) -> list[dict[str, Any]]:
    """The issues' floors, each with its measured value and whether it is met.

    Issue 18: every decoder layer at ``<= 0.9`` x PyTorch's time or ``>= 90%`` of the GEMM rate; the
    gradients and ``conv`` at ``<= 1.2`` x PyTorch's time or ``>= 80%`` of the GEMM rate; depthwise
    ``<= 1.5`` x, 8 groups ``<= 1.0`` x, the tiny call ``<= 2`` x PyTorch's time; a one-element call
    under 20 us.  Earlier issues: the other cases at ``<= 1.5`` x PyTorch, ``zero_insertion`` at most
    ``2·prod(stride)`` times ``auto``, and ``auto``'s peak temporary memory under the limit.
    """
    checks = []
    limit = get_memory_limit()
    for case, measured in results:
        if case.group == "scaling":
            continue
        torch_time = measured.seconds.get("torch")
        auto = measured.seconds["auto"]
        ratio = None if torch_time is None else auto / torch_time
        share = _gflops(case, auto) / measured.gemm_gflops
        label = f"{case.name}, {case.shape_text}, {case.dtype}"
        alone = measured.seconds.get(GEMMS_ALONE)
        gemms = "" if alone is None or torch_time is None else f" (GEMMs alone {alone / torch_time:.2f} x)"
        if case.group == "decoder" and ratio is not None:
            checks.append(
                _check(
                    f"auto ≤ 0.9 x PyTorch or ≥ 90% of the GEMM rate: {label}",
                    f"{ratio:.2f} x, {100 * share:.0f}%{gemms}",
                    ratio <= 0.9 or share >= 0.9,
                )
            )
        elif case.group == "gradients" and ratio is not None:
            checks.append(
                _check(
                    f"auto ≤ 1.2 x PyTorch or ≥ 80% of the GEMM rate: {label}",
                    f"{ratio:.2f} x, {100 * share:.0f}%{gemms}",
                    ratio <= 1.2 or share >= 0.8,
                )
            )
        elif case.group == "one element":
            checks.append(_check(f"auto < 20 µs per call: {label}", _format_time(auto), auto < ONE_ELEMENT_SECONDS))
        elif ratio is not None:
            bound = TORCH_BOUNDS.get(case.name, 1.5)
            checks.append(_check(f"auto ≤ {bound} x PyTorch: {label}", f"{ratio:.2f}{gemms}", ratio <= bound))
        if "zero_insertion" in measured.seconds and case.group not in ("one element", "gradients"):
            bound = 2 * case.stride ** len(case.spatial)
            zero_ratio = measured.seconds["zero_insertion"] / auto
            checks.append(
                _check(
                    f"zero_insertion ≤ 2·prod(stride) = {bound} x auto: {label}",
                    f"{zero_ratio:.2f}",
                    zero_ratio <= bound,
                )
            )
        peak = measured.peak_extra_bytes.get("auto", 0)
        if peak > limit:
            checks.append(
                _check(f"auto's peak extra memory ≤ {limit / 2**20:.0f} MiB: {label}", f"{peak / 2**20:.1f}", False)
            )
    peak_all = max((m.peak_extra_bytes.get("auto", 0) for _, m in results), default=0)
    checks.append(
        _check(
            f"auto's peak extra memory ≤ {limit / 2**20:.0f} MiB on every case (largest, MiB)",
            f"{peak_all / 2**20:.1f}",
            peak_all <= limit,
        )
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
        f"Machine GEMM rate (square {1536}³, median of the cases' best): float32 {rates['float32']:.0f} GFLOP/s, "
        f"float64 {rates['float64']:.0f} GFLOP/s. Load average before/after: "
        f"{env['load_before']:.2f}/{env['load_after']:.2f}. Memory limit: {env['memory_limit_bytes'] / 2**20:.0f} MiB.",
        "",
        "Time: the best of the timed calls over interleaved rounds (every contestant of a case, then again: "
        "A B A B ...; the medians are in `results.json`). GFLOP/s: `2·N·C_in·C_out/groups·prod(kernel)·prod(input)` "
        "/ time, twice that for a backward pass (the input and the weight gradients). "
        "% GEMM: of the square GEMM's rate measured in the same rounds. vs torch: our time / PyTorch's time "
        "(below 1 is faster). Peak MiB: tracemalloc peak minus the returned arrays. "
        f"{GEMMS_ALONE}: the `np.matmul` calls that one `auto` call makes, replayed on fresh operands of the same "
        "shapes -- the time `auto` would take if everything but its GEMMs were free; in the floors, its ratio to "
        "PyTorch's time.",
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
        "## Scaling (float32, N=1, 256->128, kernel 4, stride 2, padding 1; time against work)",
        "",
        "| side | " + " | ".join(PLOTTED) + " |",
        "|---|" + "---|" * len(PLOTTED),
    ]
    for case, measured in results:
        if case.group == "scaling":
            cells = [_format_time(measured.seconds[m]) if m in measured.seconds else "" for m in PLOTTED]
            lines.append(f"| {case.spatial[0]} | " + " | ".join(cells) + " |")
    lines += ["", f"![time against work for each method, with the GEMM line]({figure})", ""]
    if specials:
        lines += [
            "## Special values and integers (`auto`, float32 unless int64)",
            "",
            "The finiteness check (one sum of `x` and one of `w`) is all that finite inputs pay "
            "for the IEEE special-value step, and only when `auto` runs `polyphase`'s GEMM path (`im2col` and "
            "the depthwise path need no step; zero insertion's small path checks only `w`); "
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


def replot(out: Path, into_docs: bool) -> int:
    """``--replot``: write ``results.md`` and draw the scaling plot again from ``out/results.json`` (and with
    ``--update-docs`` put both into the docs), without timing anything."""
    saved = json.loads((out / "results.json").read_text())
    results = []
    for measured in saved["results"]:
        fields = {key: tuple(value) if isinstance(value, list) else value for key, value in measured["case"].items()}
        results.append((Case(**fields), Measured(**measured)))
    env, checks, specials = saved["environment"], saved["floors"], saved["special_values"]
    (out / "results.md").write_text(markdown(env, results, checks, specials=specials))
    plotted = plot(results, out / "scaling.png")
    if update_docs:
        update_docs(
            markdown(env, results, checks, figure=DOCS_FIGURE.name, specials=specials),
            out / "scaling.png" if plotted else None,
        )
    print(
        f"wrote {out / 'results.md'}"
        + (f" and {out / 'scaling.png'}" if plotted else "")
        + (f"; updated {DOCS_PAGE}" if update_docs else "")
    )
    return 0 if plotted else 1


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
    # drawn for the docs' 688-px content column: 6.25 in at 110 dpi, the two panels one above the other
    fig, (left, right) = plt.subplots(2, 1, figsize=(6.25, 7.6))
    work = [2 * c.multiply_adds for c, _ in scaling]  # floating-point operations of the definition
    for method in PLOTTED:
        pairs = [(c, m.seconds[method]) for c, m in scaling if method in m.seconds]
        if not pairs:
            continue
        left.loglog([2 * c.multiply_adds for c, _ in pairs], [t for _, t in pairs], "o-", label=method)
        right.semilogx([2 * c.multiply_adds for c, _ in pairs], [_gflops(c, t) for c, t in pairs], "o-", label=method)
    gemm = statistics.median(m.gemm_gflops for _, m in scaling)
    line = [min(work), max(work)]
    left.loglog(line, [f / (gemm * 1e9) for f in line], color="grey", linestyle="--", label="GEMM rate")
    right.axhline(gemm, color="grey", linestyle="--", label="GEMM rate (float32)")
    for axis in (left, right):
        axis.set_xlabel("work: 2·C_in·C_out·prod(kernel)·prod(input) flops")
        axis.grid(True, which="both", alpha=0.3)
    left.set_ylabel("time per call (s)")
    right.set_ylabel("GFLOP/s")
    left.set_title("time against work (parallel to the GEMM line: the GEMM's growth)", fontsize=10)
    right.set_title("rate", fontsize=10)
    left.legend(fontsize=8)
    fig.suptitle("256→128 channels, kernel 4, stride 2, padding 1,\nfloat32, N=1, sides 8 to 128", fontsize=10)
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
        "--replot",
        action="store_true",
        help="only write results.md and scaling.png again from --out's results.json (no timing)",
    )
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
    if args.replot:
        return replot(out, args.update_docs)
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
