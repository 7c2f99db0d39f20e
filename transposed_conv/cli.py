"""The ``transposed-conv`` command: ``check``, ``report``, ``vectors``, ``shape``, ``explain`` and ``demo``.

* ``check`` draws configurations, runs them through every installed framework (PyTorch,
  ONNX Runtime, ...) and compares each result with the oracle within the rigorous
  rounding bound; with no framework installed it checks our own methods against it, and
  with ``--impl MODULE:NAME --convention {torch,onnx,jax,tf,keras}`` your implementation.
* ``report`` runs the kit against every installed framework, by feature area, as Markdown.
* ``vectors`` writes golden test vectors (``.npz`` per case plus ``index.json``).
* ``shape`` is the size calculator, in both directions, with the formula filled in.
* ``demo`` runs the seed's decoder layer through every method.
* ``explain`` works one configuration through step by step with small integers.

Exit status: 0 success, 1 a check failed, 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from . import METHODS, __version__, conv, conv_transpose, convolve
from .explain import add_explain_command
from .shapes import conv_output_shape, conv_transpose_output_shape, output_padding_for, transposed_size_range

__all__ = ["main"]


class UsageError(Exception):
    """A bad command line: reported with exit status 2."""


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, like 16 or 16,16; got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return values


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {value}")
    return value


# --- check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    name: str
    impl: Callable[..., Any]
    dtypes: tuple[str, ...]
    draw: dict[str, Any]


def _ours(method: str) -> Callable[..., Any]:
    def impl(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
        return conv_transpose(x, weight, bias, **kwargs, method=method)

    impl.__qualname__ = f"conv_transpose_{method}"
    return impl


def _targets(framework: str) -> list[_Target]:
    from .peers import PEERS

    ours = [_Target(f"ours:{m}", _ours(m), ("float64", "float32"), {}) for m in METHODS]
    if framework == "ours":
        return ours
    chosen = list(PEERS.values()) if framework == "all" else [PEERS[framework]]
    targets = []
    for peer in chosen:
        if not peer.available:
            if framework != "all":
                raise UsageError(f"--framework {framework}: the package {peer.module!r} is not installed")
            continue
        targets.append(_Target(peer.name, peer.impl, peer.dtypes, peer.draw_options))
    return targets or ours


class _ProgressBar:
    def __init__(self, label: str, stream: TextIO) -> None:
        self.label, self.stream = label, stream
        self.active = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.active:
            width = 30
            filled = int(width * done / total)
            self.stream.write(f"\r{self.label:<24} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()


def _need_hypothesis(command: str) -> None:
    import importlib.util

    if importlib.util.find_spec("hypothesis") is None:
        raise UsageError(f"{command} needs hypothesis: pip install 'transposed-conv[kit]'")


def _import_impl(spec: str) -> Callable[..., Any]:
    """``MODULE:NAME`` (``NAME`` may be dotted) imported from ``sys.path`` with the current directory first."""
    import importlib
    import os

    module_name, colon, name = spec.partition(":")
    if not colon or not module_name or not name:
        raise UsageError(f"--impl must be MODULE:NAME, like mypackage.ops:conv_transpose; got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as error:  # ImportError, or whatever the module raised while importing
        raise UsageError(
            f"--impl {spec}: cannot import module {module_name!r}: {type(error).__name__}: {error}"
        ) from None
    for part in name.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise UsageError(f"--impl {spec}: module {module_name!r} has no attribute {name!r}") from None
    if not callable(target):
        raise UsageError(f"--impl {spec}: {name!r} is not callable; got an object of type {type(target).__name__}")
    function: Callable[..., Any] = target
    return function


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _need_hypothesis("check")
    from .testing import NonConformance, check_conv_transpose

    requested = ("float64", "float32") if args.dtype == "all" else (args.dtype,)
    convention = "torch"
    if args.impl is not None:
        convention = args.convention or "torch"
        targets = [_Target(args.impl, _import_impl(args.impl), ("float64", "float32"), {})]
    elif args.convention is not None:
        raise UsageError("--convention applies to --impl MODULE:NAME only (--framework checks use 'torch')")
    else:
        targets = _targets(args.framework or "all")
    rows: list[tuple[str, str, int | str, float, str]] = []
    failures = []
    for target in targets:
        for dtype in (d for d in requested if d in target.dtypes):
            bar = _ProgressBar(f"{target.name} {dtype}", err)
            try:
                report = check_conv_transpose(
                    target.impl,
                    convention=convention,
                    examples=args.examples,
                    dtypes=(dtype,),
                    seed=args.seed,
                    progress=bar,
                    **target.draw,
                )
                rows.append(
                    (target.name, dtype, report.examples.get(dtype, 0), report.worst_fraction.get(dtype, 0.0), "pass")
                )
            except NonConformance as error:
                rows.append((target.name, dtype, "-", float("nan"), f"FAIL ({error.problem})"))
                failures.append((target.name, dtype, error))
            finally:
                bar.close()
        if not any(d in target.dtypes for d in requested):
            rows.append(
                (target.name, ",".join(requested), 0, float("nan"), f"skipped (computes in {', '.join(target.dtypes)})")
            )
    width = max([22, *(len(row[0]) for row in rows)])
    out.write(f"{'implementation':<{width}} {'dtype':<8} {'cases':>6}  {'worst error / bound':>19}  result\n")
    for name, dtype, cases, worst, result in rows:
        shown = "-" if worst != worst else f"{worst:.3g}"
        out.write(f"{name:<{width}} {dtype:<8} {cases!s:>6}  {shown:>19}  {result}\n")
    for name, dtype, failure in failures:
        out.write(f"\n--- {name} ({dtype}) ---\n{failure}\n")
    return 1 if failures else 0


# --- report -------------------------------------------------------------------------------------

REPORT_INTRO = """# Conformance report of real implementations

The conformance kit (see [the conformance kit](conformance.md)) run against every installed
implementation of transposed convolution, each called in its own convention, by feature area.
A failure is a disagreement with the operator's specification -- PyTorch's documented
semantics, the ONNX `ConvTranspose` operator specification, the JAX, TensorFlow and Keras API
documentation -- as our convention functions implement it; [framework conventions](conventions.md)
quotes the specification text each documented deviation contradicts. Every failure below comes
with the shrunk configuration and a reproducer that needs only NumPy and this package.

"""


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _need_hypothesis("report")
    from .report import framework_versions, render_markdown, run_report

    def progress(label: str) -> None:
        if err.isatty():
            err.write(f"\r{label[:70]:<70}")
            err.flush()

    table = run_report(examples=args.examples, seed=args.seed, progress=progress)
    if err.isatty():
        err.write("\r" + " " * 70 + "\r")
    if not table:
        raise UsageError("no framework is installed: pip install 'transposed-conv[frameworks]'")
    markdown = render_markdown(table, examples=args.examples, seed=args.seed, versions=framework_versions())
    if args.out:
        Path(args.out).write_text(REPORT_INTRO + markdown)
        out.write(f"wrote {args.out}\n")
    else:
        out.write(markdown)
    return 0


# --- vectors ------------------------------------------------------------------------------------


def _onnx_attributes(case: Any) -> dict[str, Any]:
    return {
        "strides": list(case.stride),
        "pads": [b for b, _ in case.padding] + [e for _, e in case.padding],
        "output_padding": list(case.output_padding),
        "dilations": list(case.dilation),
        "group": case.groups,
        "kernel_shape": list(case.kernel_shape),
    }


def _jax_arguments(case: Any) -> dict[str, Any] | None:
    """``jax.lax.conv_transpose`` arguments for ``(x, weight)`` as stored (no permutation), or None."""
    if case.groups != 1:
        return None
    letters = "HWD"[: case.ndim]
    return {
        "lhs_axes": list(range(case.ndim + 2)),
        "rhs_axes": list(range(case.ndim + 2)),
        "strides": list(case.stride),
        "padding": [
            [d * (k - 1) - pb, d * (k - 1) - pe + a]
            for d, k, (pb, pe), a in zip(case.dilation, case.kernel_shape, case.padding, case.output_padding)
        ],
        "rhs_dilation": list(case.dilation),
        "dimension_numbers": ["NC" + letters, "OI" + letters, "NC" + letters],
        "transpose_kernel": True,
        "bias": "added to the result (jax.lax.conv_transpose has none)",
    }


def _tf_arguments(case: Any, output_shape: tuple[int, ...]) -> dict[str, Any] | None:
    """``tf.nn.conv_transpose`` arguments with channels-last arrays, or None when TensorFlow cannot express it."""
    if case.groups != 1 or any(a >= s for a, s in zip(case.output_padding, case.stride)):
        return None
    ndim = case.ndim
    unpadded = all(p == (0, 0) for p in case.padding)
    if ndim != 2 and not unpadded:
        return None  # TensorFlow takes explicit padding in 2-D only
    padding: Any = "VALID" if unpadded else [[0, 0], *[list(p) for p in case.padding], [0, 0]]
    return {
        "input_axes": [0, *range(2, ndim + 2), 1],
        "filters_axes": [*range(2, ndim + 2), 1, 0],
        "output_shape": [output_shape[0], *output_shape[2:], output_shape[1]],
        "strides": list(case.stride),
        "padding": padding,
        "dilations": list(case.dilation),
        "bias": "added to the result (tf.nn.conv_transpose has none); the result is channels-last",
    }


def _keras_arguments(case: Any) -> dict[str, Any] | None:
    """``keras.ops.conv_transpose`` arguments (channels-last), when Keras's 'valid' padding expresses the case."""
    if (
        case.groups != 1
        or any(p != (0, 0) for p in case.padding)
        or any(a >= s for a, s in zip(case.output_padding, case.stride))
    ):
        return None
    ndim = case.ndim
    return {
        "inputs_axes": [0, *range(2, ndim + 2), 1],
        "kernel_axes": [*range(2, ndim + 2), 1, 0],
        "strides": list(case.stride),
        "padding": "valid",
        "output_padding": list(case.output_padding),
        "dilation_rate": list(case.dilation),
        "bias": "added to the result (keras.ops.conv_transpose has none); the result is channels-last",
    }


def _vectors(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _need_hypothesis("vectors")
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from .oracle import error_bound, reference
    from .strategies import ConvTransposeCase, conv_transpose_cases

    directory = Path(args.out)
    directory.mkdir(parents=True, exist_ok=True)
    drawn: list[ConvTransposeCase] = []

    @hypothesis_seed(args.seed)
    @settings(
        max_examples=args.count,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(conv_transpose_cases(dtype="float32", values="uniform"))
    def collect(case: ConvTransposeCase) -> None:
        if len(drawn) < args.count:
            drawn.append(case)

    collect()
    index = []
    for number, case in enumerate(drawn):
        name = f"case_{number:04d}.npz"
        arrays = {"x": case.x, "weight": case.weight}
        if case.bias is not None:
            arrays["bias"] = case.bias
        arrays["expected"] = reference(case.x, case.weight, case.bias, **case.kwargs)
        arrays["bound_float32"] = error_bound(case.x, case.weight, case.bias, **case.kwargs, precision="float32")
        np.savez(directory / name, **arrays)  # type: ignore[arg-type]
        index.append(
            {
                "file": name,
                "x_shape": list(case.x.shape),
                "weight_shape": list(case.weight.shape),
                "bias": case.bias is not None,
                "output_shape": list(arrays["expected"].shape),
                "torch": {
                    "stride": list(case.stride),
                    "padding": [list(p) for p in case.padding],
                    "padding_symmetric": all(b == e for b, e in case.padding),
                    "output_padding": list(case.output_padding),
                    "dilation": list(case.dilation),
                    "groups": case.groups,
                },
                "onnx": _onnx_attributes(case),
                "jax": _jax_arguments(case),
                "tf": _tf_arguments(case, arrays["expected"].shape),
                "keras": _keras_arguments(case),
            }
        )
    description = {
        "generator": f"transposed-conv {__version__} vectors --count {args.count} --seed {args.seed}",
        "layout": "x (N, C_in, *spatial) float32; weight (C_in, C_out/groups, *kernel) float32; bias (C_out,) float32",
        "expected": "float64 transposed convolution of the float32 inputs; bound_float32 is the elementwise rounding "
        "bound for any correct float32 implementation (see transposed_conv.oracle)",
        "padding": "torch.padding holds one (begin, end) pair per spatial dimension; PyTorch itself takes only "
        "symmetric padding (padding_symmetric)",
        "frameworks": "jax, tf and keras give each framework's arguments for the same case, with the axis "
        "permutations (np.transpose) that bring x and weight into its layout; null where the framework cannot "
        "express the case (groups; padding TensorFlow or Keras cannot spell)",
        "cases": index,
    }
    (directory / "index.json").write_text(json.dumps(description, indent=1) + "\n")
    out.write(f"wrote {len(index)} cases to {directory}/ (index.json + case_NNNN.npz)\n")
    return 0


# --- shape --------------------------------------------------------------------------------------


def _per_dim(values: tuple[int, ...] | None, ndim: int, name: str, default: int) -> tuple[int, ...]:
    if values is None:
        return (default,) * ndim
    if len(values) == 1:
        return values * ndim
    if len(values) != ndim:
        needs = "1 value" if ndim == 1 else f"1 or {ndim} values"
        raise UsageError(f"--{name} needs {needs} (one per dimension of --input-size); got {len(values)}")
    return values


def _shape(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    sizes: tuple[int, ...] = args.input_size
    ndim = len(sizes)
    k = _per_dim(args.kernel_size, ndim, "kernel-size", 1)
    s = _per_dim(args.stride, ndim, "stride", 1)
    p = _per_dim(args.padding, ndim, "padding", 0)
    d = _per_dim(args.dilation, ndim, "dilation", 1)
    a = _per_dim(args.output_padding, ndim, "output-padding", 0)
    try:
        if args.conv:
            o = conv_output_shape(sizes, k, stride=s, padding=p, dilation=d)
            out.write("convolution: out = floor((in + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1\n")
            for j in range(ndim):
                out.write(
                    f"  dim {j}: floor(({sizes[j]} + 2*{p[j]} - {d[j]}*({k[j]} - 1) - 1) / {s[j]}) + 1 = {o[j]}\n"
                )
            out.write(f"output size: {','.join(map(str, o))}\n")
            return 0
        if args.output_size is not None:
            wanted = _per_dim(args.output_size, ndim, "output-size", 1)
            lo, hi = transposed_size_range(sizes, k, stride=s, padding=p, dilation=d)
            out.write(f"reachable output sizes with padding {p}: {lo} to {hi}\n")
            try:
                extra = output_padding_for(sizes, k, wanted, stride=s, padding=p, dilation=d)
                out.write(f"output_padding for {wanted}: {','.join(map(str, extra))}\n")
            except ValueError as error:
                out.write(f"no output_padding reaches it: {error}\n")
            total = [(i - 1) * ss + dd * (kk - 1) + 1 - w for i, kk, ss, dd, w in zip(sizes, k, s, d, wanted)]
            if all(t >= 0 for t in total):
                pairs = [(t // 2, t - t // 2) for t in total]
                out.write(
                    f"or, with output_padding 0, padding (begin, end) per dimension: {pairs}"
                    f" (total (in - 1)*stride + dilation*(kernel - 1) + 1 - out = {total})\n"
                )
            else:
                out.write("no padding >= 0 reaches it with output_padding 0 (the size exceeds the full output)\n")
            return 0
        o = conv_transpose_output_shape(sizes, k, stride=s, padding=p, output_padding=a, dilation=d)
    except ValueError as error:
        raise UsageError(str(error)) from None
    out.write(
        "transposed convolution: out = (in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1\n"
    )
    for j in range(ndim):
        out.write(f"  dim {j}: ({sizes[j]} - 1)*{s[j]} - 2*{p[j]} + {d[j]}*({k[j]} - 1) + {a[j]} + 1 = {o[j]}\n")
    out.write(f"output size: {','.join(map(str, o))}\n")
    return 0


# --- demo ---------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(2, 4, 16, 16))
    w = rng.integers(-3, 4, size=(4, 3, 4, 4))
    (size, _) = conv_transpose_output_shape((16, 16), (4, 4), stride=2, padding=1)
    out.write("the seed's decoder layer: kernel 4, stride 2, padding 1\n")
    out.write(f"  out = (16 - 1)*2 - 2*1 + 1*(4 - 1) + 0 + 1 = {size}\n")
    results = {name: conv_transpose(x, w, stride=2, padding=1, method=name) for name in METHODS}
    reference = results["direct"]
    ok = True
    for name, y in results.items():
        same = bool(np.array_equal(y, reference))
        ok &= same
        out.write(f"  method={name!r:17} shape={y.shape} equal to 'direct': {same}\n")
    y = rng.integers(-3, 4, size=reference.shape)
    left, right = int(np.sum(conv(y, w, stride=2, padding=1) * x)), int(np.sum(y * reference))
    out.write(f"  adjointness: <conv(y), x> = {left}, <y, conv_transpose(x)> = {right}\n")
    full = conv_transpose([[1, 2, 3]], [[[1, 1]]])[0].tolist()
    matlab = convolve([1, 2, 3], [1, 1], "full").tolist()
    out.write(f"  stride 1 is MATLAB's full convolution: {full} == conv([1 2 3], [1 1]) = {matlab}\n")
    ok &= left == right and full == matlab
    out.write("all checks passed\n" if ok else "MISMATCH\n")
    return 0 if ok else 1


# --- entry point --------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="transposed-conv",
        description="The NumPy reference implementation of transposed convolution: oracle checks, "
        "golden vectors and size arithmetic.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check installed frameworks, our methods, or your implementation against the oracle",
        description="Draw configurations, run them through each installed framework, and compare with the oracle "
        "within the rigorous rounding bound. With no framework installed, check our own methods. With --impl "
        "MODULE:NAME, check your own implementation in the calling convention --convention instead. "
        "Exit status: 0 conforms, 1 a non-conformance was found (the reproducer is printed), 2 a usage error.",
    )
    what = check.add_mutually_exclusive_group()
    what.add_argument(
        "--framework",
        choices=["all", "torch", "onnxruntime", "jax", "tensorflow", "ours"],
        default=None,
        help="what to check (all installed frameworks)",
    )
    what.add_argument(
        "--impl",
        metavar="MODULE:NAME",
        help="check your own implementation instead: NAME imported from MODULE (the current directory is searched "
        "first), called in the --convention calling convention",
    )
    check.add_argument(
        "--convention",
        choices=["torch", "onnx", "jax", "tf", "keras"],
        default=None,
        help="the calling convention of --impl (torch); see transposed_conv.testing.check_conv_transpose",
    )
    check.add_argument("--examples", type=_positive, default=200, help="cases per framework and dtype (200)")
    check.add_argument("--dtype", choices=["float64", "float32", "all"], default="all", help="input dtype (all)")
    check.add_argument("--seed", type=int, default=0, help="random seed (0)")
    check.set_defaults(run=_check)

    report = commands.add_parser(
        "report",
        help="the conformance report of every installed framework, by feature area",
        description="Run the conformance kit against every installed implementation (PyTorch, ONNX Runtime, "
        "onnx.reference, JAX, TensorFlow, Keras) in its own convention, per feature area, and write a Markdown "
        "table with every failure's reproducer.",
    )
    report.add_argument("--examples", type=_positive, default=100, help="cases per implementation and area (100)")
    report.add_argument("--seed", type=int, default=0, help="random seed (0)")
    report.add_argument("--out", help="write the Markdown page here instead of printing the table")
    report.set_defaults(run=_report)

    vectors = commands.add_parser(
        "vectors",
        help="write golden test vectors",
        description="Write one .npz per case (x, weight, bias, expected, bound_float32) and index.json with each "
        "case's configuration in PyTorch's, ONNX's, JAX's, TensorFlow's and Keras's conventions.",
    )
    vectors.add_argument("--out", required=True, help="directory to write to")
    vectors.add_argument("--count", type=_positive, default=50, help="number of cases (50)")
    vectors.add_argument("--seed", type=int, default=0, help="random seed (0)")
    vectors.set_defaults(run=_vectors)

    shape = commands.add_parser(
        "shape",
        help="output-size calculator, both directions",
        description="Print the output size with the formula filled in; with --output-size, the output_padding "
        "(or padding) that gives that size. Per-dimension values are comma-separated: --input-size 16,16.",
    )
    shape.add_argument("--input-size", type=_ints, required=True)
    shape.add_argument("--kernel-size", type=_ints, required=True)
    shape.add_argument("--stride", type=_ints)
    shape.add_argument("--padding", type=_ints)
    shape.add_argument("--output-padding", type=_ints)
    shape.add_argument("--dilation", type=_ints)
    shape.add_argument("--output-size", type=_ints, help="a wanted output size: print how to reach it")
    shape.add_argument("--conv", action="store_true", help="the forward convolution's output size instead")
    shape.set_defaults(run=_shape)

    demo = commands.add_parser("demo", help="the seed's decoder layer through every method")
    demo.set_defaults(run=_demo)
    add_explain_command(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        status: int = args.run(args, out, err)
    except UsageError as error:
        err.write(f"transposed-conv {args.command}: error: {error}\n")
        return 2
    return status


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
