"""The ``transposed-conv`` command: ``check``, ``report``, ``vectors``, ``shape``, ``explain`` and ``demo``.

* ``check`` draws configurations, runs them through every installed framework (PyTorch,
  ONNX Runtime, ...) and compares each result with the oracle within the rigorous
  rounding bound; with no framework installed it checks our own methods against it, and
  with ``--impl MODULE:NAME --convention {torch,onnx,jax,tf,keras}`` your implementation.
* ``report`` runs the kit against every installed framework, by feature area, as Markdown.
* ``vectors`` writes golden test vectors (``.npz`` per case plus ``index.json``), or with
  ``--format onnx`` ONNX ``ConvTranspose`` node tests in the ONNX backend test layout.
* ``translate`` spells one framework's transposed convolution in another's terms, verified.
* ``shape`` is the size calculator, in both directions, with the formula filled in.
* ``demo`` runs the seed's decoder layer through every method.
* ``explain`` works one configuration through step by step with small integers.

Every command checks its arguments and output paths before it does any work, and reports a
usage or environment problem as one line on standard error, never as a traceback.

Exit status (:data:`EXIT_STATUSES`): 0 success; 1 a non-conformance was found (or the demo's
methods disagree); 2 a usage or environment error, including a selection that leaves nothing
to check -- a run that checked no case is not a pass; 130 interrupted (SIGINT), after the
summary of what ran; 141 standard output was closed (a pipe into ``head``, say).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TextIO

import numpy as np

from . import METHODS, __version__, conv, conv_transpose, convolve
from .explain import MAX_PRINTED_SIDE, MAX_SIDE, VALUE_KINDS, VIEWS, TooWideToPrint, explain
from .frameworks import CONVENTIONS, FEATURES, PEERS
from .frameworks._declarations import feature_name
from .oracle import ALGORITHMS
from .shapes import (
    ConvTransposeGeometry,
    conv_output_shape,
    conv_transpose_output_shape,
    output_padding_for,
    transposed_size_range,
)
from .translate import FRAMEWORKS as TRANSLATABLE
from .translate import SOURCES, TranslationError, translate
from .transpose import ERROR_MODELS, supports
from .vectors import write_onnx_vectors, write_vectors

__all__ = ["EXIT_STATUSES", "main", "main_exit"]

#: What the command's exit status means; the same text closes every ``--help``.
EXIT_STATUSES = (
    "exit status: 0 success; 1 a non-conformance was found; 2 a usage or environment error, including "
    "options that leave nothing to check (a run that checks no case is not a pass); 130 interrupted, after "
    "printing the summary of what ran; 141 the output pipe was closed"
)

#: ``vectors --count`` at most: about 6 kB and 4 ms a case, so 60 MB and a minute at this bound.
MAX_VECTORS = 10_000


class UsageError(Exception):
    """A bad command line or environment: reported as one line with exit status 2."""


class _ArgumentError(Exception):
    """argparse's complaint, raised instead of printing the usage and exiting: one line, from :func:`main`."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (``PROG: error: MESSAGE``) and reach :func:`main`."""

    def error(self, message: str) -> NoReturn:
        raise _ArgumentError(self.prog, message)


def _one_line(text: str) -> str:
    """``text`` on one line: an exception's message may span several."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _say(err: TextIO, command: str, message: str) -> None:
    err.write(f"transposed-conv {command}: {_one_line(message)}\n")


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, like 16 or 16,16; got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return values


def _int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer ``>= minimum``, described as ``what`` in the error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}; got {value}")
        return value

    return parse


_positive = _int_at_least(1, "a positive integer")
_seed = _int_at_least(0, "an integer >= 0")


def _vector_count(text: str) -> int:
    value = _positive(text)
    if value > MAX_VECTORS:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_VECTORS} cases (about 6 kB each); got {value}: run it again with other --seed "
            "values and --out directories for more"
        )
    return value


def _option_spelling(feature: str) -> str:
    """A feature as the command line writes it: ``large output_padding`` -> ``large-output-padding``."""
    return feature.replace(" ", "-").replace("_", "-")


#: The names ``--without`` and ``--extensions`` take: the registry's features, spelt for a command line.
FEATURE_OPTIONS = tuple(_option_spelling(feature) for feature in FEATURES)
#: What ``--only`` can fix (``strategies.ONLY_PARAMETERS``; the kit may be absent when the parser is built).
ONLY_OPTIONS = ("dims", "kernel", "stride", "dilation", "groups")


def _features(text: str) -> tuple[str, ...]:
    """``groups,asymmetric-padding`` as feature names (``FEATURES``)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if feature_name(name) is None]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated features from {', '.join(FEATURE_OPTIONS)}; got {text!r}"
        )
    return tuple(str(feature_name(name)) for name in names)


def _only(text: str) -> dict[str, int | tuple[int, ...]]:
    """``kernel=3x3,stride=1`` as ``{"kernel": (3, 3), "stride": 1}``: an int, or one per dimension joined by x."""
    fixed: dict[str, int | tuple[int, ...]] = {}
    for part in text.split(","):
        name, equals, value = part.strip().partition("=")
        try:
            if not equals or name not in ONLY_OPTIONS or name in fixed:
                raise ValueError
            values = tuple(int(v) for v in value.lower().split("x"))
            if any(v < 1 for v in values) or (len(values) > 1 and name in ("dims", "groups")):
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected NAME=VALUE pairs separated by commas, like kernel=3x3,stride=1: NAME once each from "
                f"{', '.join(ONLY_OPTIONS)}, VALUE a positive integer, or one per dimension joined by x for kernel, "
                f"stride and dilation; got {part.strip()!r}"
            ) from None
        fixed[name] = values if len(values) > 1 else values[0]
    return fixed


# --- output paths, checked before any work --------------------------------------------------------


def _os_reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _writable_file(option: str, text: str) -> Path:
    """``text`` as a file that can be written: its directory exists and takes a new file, it is no directory."""
    if not text:
        raise UsageError(f"{option} needs a file name; got ''")
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"{option} {text}: is a directory; give a file name, like {path / 'report.md'}")
    parent = path.parent
    if not parent.exists():
        raise UsageError(f"{option} {text}: the directory {parent} does not exist")
    if not parent.is_dir():
        raise UsageError(f"{option} {text}: {parent} is not a directory")
    try:
        if path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))  # opens without changing it
        else:
            tempfile.TemporaryFile(dir=parent).close()  # the directory takes a new file
    except OSError as error:
        raise UsageError(f"{option} {text}: cannot write there ({_os_reason(error)})") from None
    return path


def _writable_directory(option: str, text: str) -> Path:
    """``text`` as a directory that exists and takes new files, or that can be created."""
    if not text:
        raise UsageError(f"{option} needs a directory name (. for this one); got ''")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {text}: is a file, not a directory")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{option} {text}: cannot create a directory under {existing}, which is a file")
    try:
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as error:
        what = "cannot write there" if existing == path else f"cannot create it in {existing}"
        raise UsageError(f"{option} {text}: {what} ({_os_reason(error)})") from None
    return path


# --- framework noise ------------------------------------------------------------------------------

#: Set (unless already set) before a framework is imported, unless ``--verbose``: TensorFlow's C++
#: log (its ``W0000 ... OP_REQUIRES failed`` lines for each configuration it refuses), gRPC's, glog's.
QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "GRPC_VERBOSITY": "ERROR", "GLOG_minloglevel": "3"}
_FRAMEWORK_LOGGERS = ("tensorflow", "absl", "jax", "jax._src.xla_bridge", "keras", "torch", "onnx", "onnxruntime")
_FRAMEWORK_MODULES = r"(tensorflow|keras|tf_keras|jax|jaxlib|torch|onnx|onnxruntime|absl)(\.|$)"


@contextlib.contextmanager
def _framework_noise(verbose: bool) -> Iterator[None]:
    """Silence the frameworks' environment-controlled logs, Python loggers and warnings (not with ``verbose``)."""
    if verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")  # the peers would otherwise default it to 3
        yield
        return
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    loggers = [logging.getLogger(name) for name in _FRAMEWORK_LOGGERS]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=_FRAMEWORK_MODULES)
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


@contextlib.contextmanager
def _c_stderr_discarded() -> Iterator[None]:
    """Send file descriptor 2 to a scratch file: notices that C++ code prints whatever the log level says."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as scratch:
            os.dup2(scratch.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _import_framework(module: str, verbose: bool) -> None:
    """Import an installed framework now, before any work, so that a broken installation is a usage error.

    TensorFlow prints its oneDNN notice (twice) and absl's preamble at import whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says; without ``verbose`` the import's C-level output is discarded.
    """
    if module in sys.modules:
        return
    import importlib

    def load() -> None:
        if module in ("tensorflow", "keras"):
            from .frameworks.tf import import_tensorflow  # TensorFlow's settings (oneDNN on) have their home there

            import_tensorflow()
        importlib.import_module(module)

    try:
        if verbose:
            load()
        else:
            with _c_stderr_discarded():
                load()
    except Exception as error:
        raise UsageError(
            f"{module} is installed but cannot be imported ({type(error).__name__}: {_one_line(str(error))}); "
            "repair or uninstall it"
        ) from None


# --- check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    name: str
    impl: Callable[..., Any]
    dtypes: tuple[str, ...]
    without: tuple[str, ...] = ()  # what the registry declares it does not run
    module: str | None = None  # the framework to import before the run


def _ours(method: str) -> Callable[..., Any]:
    def impl(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, **kwargs: Any) -> np.ndarray:
        return conv_transpose(x, weight, bias, **kwargs, method=method)

    impl.__qualname__ = f"conv_transpose_{method}"
    return impl


def _targets(framework: str, algorithm: str = "summation") -> list[_Target]:
    from .frameworks import PEERS

    # our methods whose rounding the chosen error model describes: the summing ones by default, fft or winograd
    summing = [m for m in METHODS if ERROR_MODELS.get(m, "summation") == algorithm]
    ours = [_Target(f"ours:{m}", _ours(m), ("float64", "float32")) for m in summing]
    if framework == "ours":
        return ours
    chosen = list(PEERS.values()) if framework == "all" else [PEERS[framework]]
    targets = []
    for peer in chosen:
        if not peer.available:
            if framework != "all":
                raise UsageError(f"--framework {framework}: the package {peer.module!r} is not installed")
            continue
        without = tuple(feature for feature in FEATURES if feature in peer.supports.unsupported)
        targets.append(_Target(peer.name, peer.impl, peer.dtypes, without, peer.module))
    return targets or ours


class _ProgressBar:
    """Draws progress on a terminal; counts the cases done either way (an interrupted run reports them)."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label, self.stream = label, stream
        self.active = stream.isatty()
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        self.done = done
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

    module_name, colon, name = spec.partition(":")
    if not colon or not module_name or not name:
        raise UsageError(f"--impl must be MODULE:NAME, like mypackage.ops:conv_transpose; got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except SystemExit as exit_:
        raise UsageError(f"--impl {spec}: importing module {module_name!r} called sys.exit({exit_.code!r})") from None
    except Exception as error:  # ImportError, or whatever the module raised while importing
        raise UsageError(
            f"--impl {spec}: cannot import module {module_name!r}: {type(error).__name__}: {error}"
        ) from None
    for part in name.split("."):
        try:
            target = getattr(target, part)
        except Exception:  # AttributeError, or whatever a module's __getattr__ raises
            raise UsageError(f"--impl {spec}: module {module_name!r} has no attribute {name!r}") from None
    if not callable(target):
        raise UsageError(f"--impl {spec}: {name!r} is not callable; got an object of type {type(target).__name__}")
    return _exit_is_an_error(target)


def _exit_is_an_error(impl: Callable[..., Any]) -> Callable[..., Any]:
    """``impl``, with a ``sys.exit`` inside it raised as ``RuntimeError``: a non-conformance, not a silent exit."""

    @functools.wraps(impl)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return impl(*args, **kwargs)
        except SystemExit as exit_:
            raise RuntimeError(f"called sys.exit({exit_.code!r})") from None

    return guarded


_Row = tuple[str, str, "int | str", float, str]


def _declared(args: argparse.Namespace, convention: str, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """The kit's declaration options from ``--without``, ``--extensions``, ``--max-dims`` and ``--only``, checked
    against each other and the convention before any work (a contradiction is a usage error)."""
    from .testing import Declaration

    declared: dict[str, Any] = {
        "without": tuple(dict.fromkeys((*without, *(args.without or ())))),
        "extensions": tuple(args.extensions or ()),
        "max_dims": args.max_dims,
        "only": args.only,
    }
    names = {"without": "--without", "extensions": "--extensions", "max_dims": "--max-dims", "only": "--only"}
    try:
        Declaration.build(convention, **declared, names=names)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return declared


def _seconds(text: str) -> float:
    """An argparse type: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0; got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0; got {text}")
    return value


def _running(args: argparse.Namespace) -> str:
    """``--seed`` (a random one when not given, kept in ``args.seed``), checked with ``--jobs``, ``--in-process`` and
    ``--timeout``; the header line that says how to repeat the run."""
    from ._isolation import random_seed

    if args.impl is None:
        given = [option for option, value in (("--jobs", args.jobs != 1), ("--in-process", args.in_process)) if value]
        if given or args.timeout is not None:
            raise UsageError(f"{(given or ['--timeout'])[0]} applies to --impl MODULE:NAME only")
    elif args.in_process and args.jobs > 1:
        raise UsageError(f"--jobs {args.jobs} runs the implementation in worker processes; --in-process runs it here")
    if args.seed is None:
        args.seed = random_seed()
    return f"seed {args.seed} (repeat with --seed {args.seed})"


#: ``check``'s cases per framework and dtype, or per area and tier with ``--impl``: by default, and with ``--quick``.
CHECK_EXAMPLES, QUICK_EXAMPLES = 200, 25


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _need_hypothesis("check")
    if args.examples is None:
        args.examples = QUICK_EXAMPLES if args.quick else CHECK_EXAMPLES
    requested = ("float64", "float32") if args.dtype == "all" else (args.dtype,)
    seed_line = _running(args)
    if args.impl is not None:
        convention = args.convention or "torch"
        if args.algorithm != "summation" and convention != "torch":
            raise UsageError(
                f"--algorithm {args.algorithm} applies to the 'torch' convention only (its error model reads "
                f"PyTorch's arguments); got --convention {convention}"
            )
        declared = _declared(args, convention)
        declared["precision"] = _precisions(args.precision, requested)
        return _check_impl(args, convention, requested, declared, _import_impl(args.impl), out, err, seed_line)
    if args.convention is not None:
        raise UsageError("--convention applies to --impl MODULE:NAME only (--framework checks use 'torch')")
    if args.precision:
        raise UsageError("--precision applies to --impl MODULE:NAME only (each --framework declares its own)")
    targets = _targets(args.framework or "all", args.algorithm)
    extensions = set(args.extensions or ())
    declarations = {
        target.name: _declared(args, "torch", tuple(f for f in target.without if f not in extensions))
        for target in targets
    }
    plan = [(target, dtype) for target in targets for dtype in requested if dtype in target.dtypes]
    if not plan:
        computes = "; ".join(f"{t.name} computes in {', '.join(t.dtypes)} only" for t in targets)
        others = sorted({d for t in targets for d in t.dtypes} - set(requested))
        raise UsageError(
            f"--dtype {args.dtype} leaves nothing to check ({computes}): a run that checks no case is not a pass; "
            f"use --dtype {' or --dtype '.join([*others, 'all'])}"
        )
    for module in dict.fromkeys(target.module for target, _ in plan if target.module is not None):
        try:
            _import_framework(module, args.verbose)
        except UsageError as error:
            raise UsageError(f"--framework {args.framework or 'all'}: {error}, or choose another --framework") from None
    from . import testing

    rows: list[_Row] = []
    failures = []
    interrupted = False
    for target in targets:
        dtypes = [d for d in requested if d in target.dtypes]
        if not dtypes:
            rows.append(
                (target.name, ",".join(requested), 0, float("nan"), f"skipped (computes in {', '.join(target.dtypes)})")
            )
        for dtype in dtypes:
            if interrupted:
                rows.append((target.name, dtype, 0, float("nan"), "not run (interrupted)"))
                continue
            bar = _ProgressBar(f"{target.name} {dtype}", err)
            try:
                report = testing.check_conv_transpose(
                    target.impl,
                    convention="torch",
                    examples=args.examples,
                    dtypes=(dtype,),
                    seed=args.seed,
                    progress=bar,
                    algorithm=args.algorithm,
                    **declarations[target.name],
                )
                count = report.examples.get(dtype, 0)
                result = "pass" if count else "NOT CHECKED (no case ran)"
                rows.append((target.name, dtype, count, report.worst_fraction.get(dtype, float("nan")), result))
            except testing.NonConformance as error:
                rows.append((target.name, dtype, "-", float("nan"), f"FAIL ({error.problem})"))
                failures.append((target.name, dtype, error))
            except KeyboardInterrupt:
                interrupted = True
                rows.append((target.name, dtype, bar.done, float("nan"), "interrupted (these cases passed)"))
            finally:
                bar.close()
    width = max([22, *(len(row[0]) for row in rows)])
    out.write(f"{seed_line}\n")
    out.write(f"{'implementation':<{width}} {'dtype':<8} {'cases':>6}  {'worst error / bound':>19}  result\n")
    for name, dtype, cases, worst, result in rows:
        shown = "-" if worst != worst else f"{worst:.3g}"
        out.write(f"{name:<{width}} {dtype:<8} {cases!s:>6}  {shown:>19}  {result}\n")
    for name, dtype, failure in failures:
        out.write(f"\n--- {name} ({dtype}) ---\n{failure}\n")
    checked = sum(row[2] for row in rows if isinstance(row[2], int))
    if interrupted:
        _say(err, "check", f"interrupted after {checked} passing cases; the table above shows what ran")
        return 130
    if failures:
        return 1
    if not checked:
        _say(err, "check", "error: no case was checked, so nothing passed")
        return 2
    return 0


def _precisions(names: list[str] | None, dtypes: tuple[str, ...]) -> dict[str, str] | None:
    """``--precision NAME ...`` as ``check_conv_transpose(precision=)`` takes it: each model for the dtype it stores."""
    if not names:
        return None
    from .oracle import PRECISIONS

    chosen: dict[str, str] = {}
    for name in names:
        if name not in PRECISIONS:
            raise UsageError(f"--precision must be one of {', '.join(PRECISIONS)}; got {name!r}")
        dtype = PRECISIONS[name].storage
        if dtype not in dtypes:
            raise UsageError(f"--precision {name} judges {dtype} inputs, which this run does not check (--dtype)")
        if dtype in chosen:
            raise UsageError(f"--precision {chosen[dtype]} and --precision {name} both judge {dtype} inputs")
        chosen[dtype] = name
    return chosen


def _declaration_line(declared: dict[str, Any]) -> str:
    parts = []
    if declared["without"]:
        parts.append("without " + ", ".join(_option_spelling(f) for f in declared["without"]))
    if declared["extensions"]:
        parts.append("with the extensions " + ", ".join(_option_spelling(f) for f in declared["extensions"]))
    if declared["max_dims"] is not None:
        parts.append(f"at most {declared['max_dims']}-D")
    if declared["only"]:
        shown = (
            f"{name}={'x'.join(map(str, value)) if isinstance(value, tuple) else value}"
            for name, value in declared["only"].items()
        )
        parts.append("only " + ",".join(shown))
    if declared.get("precision"):
        parts.append("computes " + ", ".join(f"{dtype} as {name}" for dtype, name in declared["precision"].items()))
    return f"declared: {'; '.join(parts)}\n" if parts else ""


def _check_impl(
    args: argparse.Namespace,
    convention: str,
    requested: tuple[str, ...],
    declared: dict[str, Any],
    impl: Callable[..., Any],
    out: TextIO,
    err: TextIO,
    seed_line: str = "",
) -> int:
    """``check --impl``: the kit area by area (``report.check_areas``), as a table; unsupported is not wrong.

    The implementation runs in worker processes (``--jobs``) unless ``--in-process``: a crash is then a failure."""
    from ._isolation import DEFAULT_TIMEOUT, NotImportable
    from .report import AREAS, AreasInterrupted, check_areas
    from .testing import TIERS

    tiers = ("small",) if args.quick else tuple(TIERS)

    bar = _ProgressBar(args.impl, err)

    def progress(area: str, done: int, total: int) -> None:
        bar.label = area[:24]
        bar(done, total)

    out.write(
        f"{args.impl} in the {convention!r} convention: {args.examples} cases per area, tiers {', '.join(tiers)}; "
        f"{seed_line}\n" + _declaration_line(declared)
    )
    try:
        report = check_areas(
            impl,
            convention=convention,
            examples=args.examples,
            dtypes=requested,
            seed=args.seed,
            algorithm=args.algorithm,
            name=args.impl,
            progress=progress,
            isolate=not args.in_process,
            jobs=args.jobs,
            timeout=DEFAULT_TIMEOUT if args.timeout is None else args.timeout,
            tiers=tiers,
            **declared,
        )
    except NotImportable as error:
        bar.close()
        raise UsageError(f"--impl {args.impl}: {error}; or pass --in-process") from None
    except AreasInterrupted as interrupted:
        bar.close()
        out.write(interrupted.report.table() + "\n")
        passed = sum(cell.cases for cell in interrupted.report.cells.values())
        _say(err, "check", f"interrupted after {passed} passing cases; the table above shows what ran")
        return 130
    bar.close()
    out.write(str(report) + "\n")
    needs = {area.name: area.needs for area in AREAS}
    raised = {needs[area] for area, cell in report.failures.items() if cell.problem == "raised" and needs.get(area)}
    for feature in sorted(str(f) for f in raised):
        out.write(
            f"\nIf {args.impl} does not support {feature}, declare it (--without {_option_spelling(feature)}): "
            "a raise on a feature declared unsupported is 'unsupported', not a failure.\n"
        )
    if report.failures:
        return 1
    errors = [area for area, cell in report.cells.items() if cell.status == "error"]
    if errors:
        _say(err, "check", f"error: the kit could not run {', '.join(errors)} (see the table)")
        return 2
    if not report.checked:
        _say(err, "check", "error: no case was checked, so nothing passed")
        return 2
    return 0


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
    target = _writable_file("--out", args.out) if args.out is not None else None
    from .report import IMPLEMENTATIONS, ReportInterrupted, framework_versions, render_markdown, run_report

    installed = tuple(implementation for implementation in IMPLEMENTATIONS if implementation.available)
    if not installed:
        raise UsageError("no framework is installed: pip install 'transposed-conv[frameworks]'")
    for module in dict.fromkeys(implementation.module for implementation in installed):
        _import_framework(module, args.verbose)

    def progress(label: str) -> None:
        if err.isatty():
            err.write(f"\r{label[:70]:<70}")
            err.flush()

    def clear() -> None:
        if err.isatty():
            err.write("\r" + " " * 70 + "\r")

    try:
        table = run_report(examples=args.examples, seed=args.seed, implementations=installed, progress=progress)
    except ReportInterrupted as interruption:
        clear()
        markdown = render_markdown(
            interruption.table, examples=args.examples, seed=args.seed, versions=framework_versions()
        )
        out.write("Interrupted: the table holds the areas that finished; `not run` marks the rest.\n\n" + markdown)
        where = f"; {args.out} was left as it was" if target is not None else ""
        _say(err, "report", f"interrupted; the partial report is printed above{where}")
        return 130
    clear()
    markdown = render_markdown(table, examples=args.examples, seed=args.seed, versions=framework_versions())
    if target is None:
        out.write(markdown)
        return 0
    try:
        target.write_text(REPORT_INTRO + markdown)
    except OSError as error:  # checked before the run; something changed since
        out.write(markdown)
        raise UsageError(
            f"--out {args.out}: cannot write it ({_os_reason(error)}); the report is printed above instead"
        ) from None
    out.write(f"wrote {args.out}\n")
    return 0


# --- vectors ------------------------------------------------------------------------------------


def _vectors(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.format == "onnx":
        return _onnx_vectors(args, out)
    if args.opset is not None:
        raise UsageError("--opset applies to --format onnx only")
    args.count = 50 if args.count is None else args.count
    args.seed = 0 if args.seed is None else args.seed
    _need_hypothesis("vectors")
    directory = _writable_directory("--out", args.out)
    index = write_vectors(directory, args.count, args.seed)
    out.write(f"wrote {len(index)} cases to {directory}/ (index.json + case_NNNN.npz)\n")
    return 0


def _onnx_vectors(args: argparse.Namespace, out: TextIO) -> int:
    import importlib.util

    if args.count is not None or args.seed is not None:
        raise UsageError("--format onnx writes a fixed catalogue of cases: --count and --seed do not apply")
    if importlib.util.find_spec("onnx") is None:
        raise UsageError("vectors --format onnx needs onnx: pip install onnx")
    directory = _writable_directory("--out", args.out)
    try:
        index = write_onnx_vectors(directory, **({} if args.opset is None else {"opset": args.opset}))
    except ValueError as error:
        raise UsageError(f"--opset: {error}") from None
    failing = sum(case["onnxruntime"] is not None for case in index)
    out.write(
        f"wrote {len(index)} ONNX node tests to {directory}/ (test_convtranspose_*/model.onnx, test_data_set_0/, "
        f"index.json); ONNX Runtime is known to fail {failing} of them (index.json says why)\n"
    )
    return 0


# --- translate ----------------------------------------------------------------------------------


def _argument_value(text: str) -> Any:
    """A ``--arg`` value: JSON (``[2, 2]``, ``"SAME"``, ``true``), else comma-separated ints, else the text."""
    import json

    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        return text
    return values[0] if len(values) == 1 else values


def _name_value(text: str) -> tuple[str, Any]:
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, like strides=2,2 or padding=SAME; got {text!r}")
    return name, _argument_value(value)


#: The options spelled as PyTorch's arguments, which only a PyTorch source takes (others use --arg).
_TORCH_OPTIONS = ("stride", "padding", "output_padding", "dilation", "groups", "output_size")


def _translate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    arguments: dict[str, Any] = {}
    for name in _TORCH_OPTIONS:
        value = getattr(args, name)
        if value is None:
            continue
        if args.source != "torch":
            raise UsageError(
                f"--{name.replace('_', '-')} is PyTorch's argument; with --from {args.source} give the source's own "
                f"arguments as --arg NAME=VALUE"
            )
        if name == "groups" and len(value) != 1:
            raise UsageError(f"--groups takes one integer; got {','.join(map(str, value))}")
        arguments[name] = value[0] if len(value) == 1 else list(value)  # one value: every dimension
    for name, value in args.arg or ():
        if name in arguments:
            raise UsageError(f"--arg {name} is given twice")
        arguments[name] = value
    try:
        translation = translate(
            args.source,
            args.target,
            input_shape=args.input_shape,
            weight_shape=args.weight_shape,
            verify=args.verify,
            **arguments,
        )
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None
    except TranslationError as error:
        _say(err, "translate", f"failed: {error}")
        return 1
    if args.format == "json":
        out.write(translation.to_json() + "\n")
    elif args.format == "python" and translation.code is not None:
        out.write(translation.code)
    elif args.format == "text":
        out.write(translation.text() + "\n")
    if not translation.expressible:
        _say(err, "translate", translation.reason or "")
        return 1
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
    if args.conv and args.output_size is not None:
        raise UsageError(
            "--output-size and --conv do not go together: --output-size asks how a transposed "
            "convolution reaches a size, --conv for the forward convolution's size"
        )
    if args.output_padding is not None and args.conv:
        raise UsageError("--output-padding does not apply with --conv: the forward convolution has no output_padding")
    if args.output_padding is not None and args.output_size is not None:
        raise UsageError(
            "--output-padding does not apply with --output-size: shape computes the output_padding "
            "that gives --output-size"
        )
    sizes, k, s, p, a, d = _size_options(args)
    ndim = len(sizes)
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
            return _reach(sizes, k, s, p, d, _per_dim(args.output_size, ndim, "output-size", 1), out)
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


def _reach(
    sizes: tuple[int, ...],
    k: tuple[int, ...],
    s: tuple[int, ...],
    p: tuple[int, ...],
    d: tuple[int, ...],
    wanted: tuple[int, ...],
    out: TextIO,
) -> int:
    """``shape --output-size``: the output_padding, or the padding, that gives ``wanted``; refuse what none gives.

    With ``padding >= 0`` and ``0 <= output_padding < max(stride, dilation)`` a transposed
    convolution gives every size from 1 to the full output ``(in - 1)*stride + dilation*(kernel - 1) + 1``
    plus ``max(stride, dilation) - 1``.
    """
    lo, hi = transposed_size_range(sizes, k, stride=s, padding=p, dilation=d)  # validates the configuration
    full, largest = transposed_size_range(sizes, k, stride=s, padding=0, dilation=d)
    if any(not 1 <= w <= top for w, top in zip(wanted, largest)):
        smallest = (1,) * len(sizes)
        raise UsageError(
            f"--output-size: requested an output size of {wanted}, but valid sizes range from {smallest} to "
            f"{largest} (for an input of {sizes}, kernel {k}, stride {s}, dilation {d}, any padding; "
            f"with padding {p}: {lo} to {hi})"
        )
    out.write(f"reachable output sizes with padding {p}: {lo} to {hi}\n")
    reached = True
    try:
        extra = output_padding_for(sizes, k, wanted, stride=s, padding=p, dilation=d)
        out.write(f"output_padding for {wanted}: {','.join(map(str, extra))}\n")
    except ValueError as error:
        reached = False
        out.write(f"no output_padding reaches it with padding {p}: {error}\n")
    total = [f - w for f, w in zip(full, wanted)]  # (in - 1)*stride + dilation*(kernel - 1) + 1 - out
    if all(t >= 0 for t in total):
        pairs = [(t // 2, t - t // 2) for t in total]
        out.write(
            f"or, with output_padding 0, padding (begin, end) per dimension: {pairs}"
            f" (total (in - 1)*stride + dilation*(kernel - 1) + 1 - out = {total})\n"
        )
    elif not reached:  # above the full output in some dimension: padding 0 there, and output_padding
        pairs = [(t // 2, t - t // 2) if t >= 0 else (0, 0) for t in total]
        extra = tuple(max(-t, 0) for t in total)
        out.write(
            f"instead, padding (begin, end) per dimension {pairs} with output_padding {','.join(map(str, extra))}"
            f" (a size above the full output {full} needs output_padding)\n"
        )
    return 0


# --- explain ------------------------------------------------------------------------------------


def _size_options(args: argparse.Namespace) -> tuple[tuple[int, ...], ...]:
    """``--input-size``, and one value per dimension of ``--kernel-size``, ``--stride``, ``--padding``,
    ``--output-padding`` and ``--dilation`` (``shape`` and ``explain`` share these options)."""
    sizes: tuple[int, ...] = args.input_size
    ndim = len(sizes)
    return (
        sizes,
        _per_dim(args.kernel_size, ndim, "kernel-size", 1),
        _per_dim(args.stride, ndim, "stride", 1),
        _per_dim(args.padding, ndim, "padding", 0),
        _per_dim(args.output_padding, ndim, "output-padding", 0),
        _per_dim(args.dilation, ndim, "dilation", 1),
    )


def _reals(text: str) -> tuple[float, ...] | tuple[int, ...]:
    """Comma-separated numbers: integers stay integers; with a real among them, all are floats."""
    parts = [part for part in text.replace(" ", "").split(",") if part]
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        pass
    try:
        return tuple(float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, like 1,-2 or 0.5,1.25; got {text!r}"
        ) from None


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.values is not None and args.x is not None and args.weight is not None:
        raise UsageError("--values fills the values --x and --weight do not give, and both are given")
    if args.seed is not None and args.values != "random":
        raise UsageError("--seed applies to --values random only")
    pictures = {flag: value for flag, value in (("--png", args.png), ("--gif", args.gif)) if value is not None}
    for flag, value in pictures.items():
        try:
            import matplotlib.backends.backend_agg
            import matplotlib.figure  # noqa: F401
        except ImportError:
            raise UsageError(f"{flag} needs matplotlib: pip install 'transposed-conv[viz]'") from None
        _writable_file(flag, value)
    sizes, kernel, stride, padding, output_padding, dilation = _size_options(args)
    names = VIEWS if args.view == "all" else (args.view,)
    try:
        explanation = explain(
            sizes,
            kernel,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            dilation=dilation,
            values=args.values or "range",
            x=args.x,
            weight=args.weight,
            seed=args.seed or 0,
        )
        views = [explanation.view(name) for name in names]  # every refusal before anything is printed
    except TooWideToPrint as error:
        raise UsageError(error.text(options=True)) from None
    except (ValueError, TypeError, OverflowError) as error:
        raise UsageError(str(error)) from None
    out.write(views[0].text + "".join("\n" + view.body for view in views[1:]))
    if pictures:
        from . import viz

        if args.png is not None:
            viz.save_explanation_png(explanation, args.png)
            out.write(f"wrote {args.png}\n")
        if args.gif is not None:
            viz.save_scatter_gif(explanation, args.gif)
            out.write(f"wrote {args.gif}\n")
    return 0


# --- demo ---------------------------------------------------------------------------------------


def _export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importlib.util import find_spec

    from .export import export_saved_state_dict

    if find_spec("torch") is None:
        raise UsageError("export needs PyTorch: pip install 'transposed-conv[frameworks]'")
    if not os.path.isfile(args.state_dict):
        raise UsageError(f"no such file: {args.state_dict}")
    arrays = export_saved_state_dict(args.state_dict, args.output)
    out.write(f"wrote {len(arrays)} arrays to {args.output}\n")
    return 0


def _demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(2, 4, 16, 16))
    w = rng.integers(-3, 4, size=(4, 3, 4, 4))
    (size, _) = conv_transpose_output_shape((16, 16), (4, 4), stride=2, padding=1)
    out.write("the seed's decoder layer: kernel 4, stride 2, padding 1\n")
    out.write(f"  out = (16 - 1)*2 - 2*1 + 1*(4 - 1) + 0 + 1 = {size}\n")
    layer = ConvTransposeGeometry.build((16, 16), (4, 4), stride=2, padding=1, in_channels=4, out_channels=3)
    methods = [name for name in METHODS if supports(name, layer)]  # winograd computes stride-1 3-tap kernels only
    results = {name: conv_transpose(x, w, stride=2, padding=1, method=name) for name in methods}
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


def _add_verbose(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=default,
        help="show the frameworks' own logs and warnings (TensorFlow's oneDNN notice and C++ log lines, ...), "
        "silenced by default",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="transposed-conv",
        description="The NumPy reference implementation of transposed convolution: oracle checks, "
        "golden vectors and size arithmetic.",
        epilog=EXIT_STATUSES,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_verbose(parser, False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check installed frameworks, our methods, or your implementation against the oracle",
        description="Draw configurations, run them through each installed framework, and compare with the oracle "
        "within the rigorous rounding bound. With no framework installed, check our own methods. With --impl "
        "MODULE:NAME, check your own implementation in the calling convention --convention instead, area by area "
        "(as the report does): pass, FAIL with a minimal reproducer, or unsupported where it raises on a feature "
        "declared with --without. Each convention draws what its framework's API takes; --extensions draws more, "
        "--without, --max-dims and --only draw less. Options that leave nothing to check (a framework that "
        "does not compute in --dtype) or that contradict each other are refused before any work.",
        epilog=EXIT_STATUSES,
    )
    what = check.add_mutually_exclusive_group()
    what.add_argument(
        "--framework",
        choices=["all", *PEERS, "ours"],
        default=None,
        help="what to check: one framework, our own methods, or all installed frameworks (the default)",
    )
    what.add_argument(
        "--impl",
        metavar="MODULE:NAME",
        help="check your own implementation instead: NAME imported from MODULE (the current directory is searched "
        "first), called in the --convention calling convention",
    )
    check.add_argument(
        "--convention",
        choices=list(CONVENTIONS),
        default=None,
        help="the calling convention of --impl (torch); see transposed_conv.testing.check_conv_transpose",
    )
    check.add_argument(
        "--examples",
        type=_positive,
        default=None,
        help=f"cases per framework and dtype, or per area with --impl ({CHECK_EXAMPLES}; {QUICK_EXAMPLES} with "
        "--quick)",
    )
    check.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke test: the small cases only, {QUICK_EXAMPLES} per area (without it, --impl also runs the "
        "stress regions and the special values)",
    )
    check.add_argument(
        "--dtype",
        choices=["float64", "float32", "float16", "bfloat16", "all"],
        default="all",
        help="input dtype (all: float64 and float32); float16 and bfloat16 are judged by PyTorch's CPU model "
        "(oracle precisions float16-col2im, bfloat16-col2im)",
    )
    check.add_argument(
        "--precision",
        action="append",
        metavar="NAME",
        help="with --impl, the oracle's model of how the implementation computes the dtype NAME stores, instead "
        "of IEEE arithmetic in that dtype: tf32, float32-ftz or float64-ftz (subnormals flushed to zero), "
        "float16 or bfloat16 (one rounding), float16-accumulate, ... (docs/oracle.md); repeat it for several dtypes",
    )
    check.add_argument(
        "--algorithm",
        choices=list(ALGORITHMS),
        default="summation",
        help="the oracle's error model: any order of summing the products (summation), or an FFT or Winograd "
        "algorithm's (docs/oracle.md); with --framework ours, checks our methods of that algorithm",
    )
    check.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed: repeats a run (by default a random one, printed at the top of the output)",
    )
    check.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        metavar="N",
        help="with --impl, run the feature areas in N worker processes, spread over the cores (1)",
    )
    check.add_argument(
        "--in-process",
        action="store_true",
        help="with --impl, call the implementation in this process (faster to start) instead of a worker "
        "process, where a crash (a signal, an abort, sys.exit) or a hang is reported as a failure",
    )
    check.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="with --impl, the seconds one call may take in a worker process before it is killed and reported "
        "hung (120)",
    )
    check.add_argument(
        "--without",
        type=_features,
        metavar="FEATURE[,FEATURE...]",
        help="features the implementation does not support, never drawn; with --impl, a raise on them is "
        f"'unsupported', not a failure: {', '.join(FEATURE_OPTIONS)} (a --framework's come from the registry)",
    )
    check.add_argument(
        "--extensions",
        type=_features,
        metavar="FEATURE[,FEATURE...]",
        help="features beyond the convention's API that the implementation takes all the same, drawn too: "
        "asymmetric-padding in the torch convention ((begin, end) pairs, as transposed_conv.conv_transpose takes)",
    )
    check.add_argument(
        "--max-dims", type=int, choices=[1, 2, 3], default=None, help="the most spatial dimensions drawn (3)"
    )
    check.add_argument(
        "--only",
        type=_only,
        metavar="NAME=VALUE[,...]",
        help=f"draw these parameters with one value only, like kernel=3x3,stride=1 (a fast path's domain): NAME from "
        f"{', '.join(ONLY_OPTIONS)}; VALUE an integer for every dimension, or one per dimension joined by x",
    )
    _add_verbose(check, argparse.SUPPRESS)
    check.set_defaults(run=_check)

    report = commands.add_parser(
        "report",
        help="the conformance report of every installed framework, by feature area",
        description="Run the conformance kit against every installed implementation (PyTorch, ONNX Runtime, "
        "onnx.reference, JAX, TensorFlow, Keras) in its own convention, per feature area, and write a Markdown "
        "table with every failure's reproducer. --out is checked before the run; on SIGINT the partial table is "
        "printed and --out left alone.",
        epilog=EXIT_STATUSES,
    )
    report.add_argument("--examples", type=_positive, default=100, help="cases per implementation and area (100)")
    report.add_argument("--seed", type=int, default=0, help="random seed (0)")
    report.add_argument(
        "--out",
        metavar="FILE",
        help="write the Markdown page to FILE instead of printing the table (its directory must exist)",
    )
    _add_verbose(report, argparse.SUPPRESS)
    report.set_defaults(run=_report)

    vectors = commands.add_parser(
        "vectors",
        help="write golden test vectors",
        description="Write one .npz per case (x, weight, bias, expected, bound_float32) and index.json with each "
        "case's configuration in PyTorch's, ONNX's, JAX's, TensorFlow's and Keras's conventions.",
        epilog=EXIT_STATUSES,
    )
    vectors.add_argument(
        "--out",
        metavar="DIR",
        required=True,
        help="directory to write to: an existing directory, or one that can be created (existing case files in it "
        "are overwritten)",
    )
    vectors.add_argument(
        "--format",
        choices=("npz", "onnx"),
        default="npz",
        help="npz: drawn cases as .npz files (default); onnx: a fixed catalogue of ConvTranspose node tests in the "
        "ONNX backend test layout (model.onnx, test_data_set_0/input_*.pb, output_0.pb), covering every attribute",
    )
    vectors.add_argument(
        "--count", type=_vector_count, default=None, help=f"number of cases (50), at most {MAX_VECTORS}; npz only"
    )
    vectors.add_argument("--seed", type=int, default=None, help="random seed (0); npz only")
    vectors.add_argument(
        "--opset", type=int, default=None, help="the models' ai.onnx opset, 11 or later (22); onnx only"
    )
    vectors.set_defaults(run=_vectors)

    translate_parser = commands.add_parser(
        "translate",
        help="spell one framework's transposed convolution in another's terms, verified against the oracle",
        description="Print the target framework's call for the source framework's transposed convolution: its "
        "arguments, the extra operations it needs (a crop, a zero pad, the bias, a kernel flip or transpose, one "
        "call per group), and a self-contained snippet run(x, weight, bias) in the source's layouts. When the "
        "target is installed, the snippet is run on random inputs and compared with the oracle first. Shapes are "
        "the source's (batched input; its kernel layout). PyTorch's arguments have their own options; any "
        "source's arguments, in its own names, go in --arg NAME=VALUE (JSON, or comma-separated ints, or text). "
        "Exit status 1 when the target cannot express it (the reason on standard error).",
        epilog=EXIT_STATUSES,
    )
    translate_parser.add_argument(
        "--from", dest="source", required=True, choices=list(SOURCES), help="the framework the call is written for"
    )
    translate_parser.add_argument(
        "--to", dest="target", required=True, choices=list(TRANSLATABLE), help="the framework to express it in"
    )
    translate_parser.add_argument(
        "--input-shape", type=_ints, required=True, metavar="N,C,...", help="the input's shape, batch first"
    )
    translate_parser.add_argument(
        "--weight-shape", type=_ints, required=True, metavar="...", help="the kernel's shape, in the source's layout"
    )
    for name, meaning in (
        ("stride", "stride"),
        ("padding", "padding, cropped from both ends"),
        ("output-padding", "output_padding"),
        ("dilation", "dilation"),
        ("output-size", "an nn.ConvTranspose's output_size (spatial)"),
    ):
        translate_parser.add_argument(f"--{name}", type=_ints, metavar="V[,V...]", help=f"PyTorch's {meaning}")
    translate_parser.add_argument("--groups", type=_ints, metavar="G", help="PyTorch's groups")
    translate_parser.add_argument(
        "--arg",
        type=_name_value,
        action="append",
        metavar="NAME=VALUE",
        help="an argument of the source in its own name, e.g. --arg auto_pad=SAME_UPPER --arg strides=2,2",
    )
    translate_parser.add_argument(
        "--format",
        choices=("text", "json", "python"),
        default="text",
        help="text for people (default); json (schema in docs/translate.md); python: the snippet alone",
    )
    translate_parser.add_argument(
        "--no-verify", dest="verify", action="store_false", help="do not run the snippet against the oracle"
    )
    translate_parser.set_defaults(run=_translate)

    shape = commands.add_parser(
        "shape",
        help="output-size calculator, both directions",
        description="Print a transposed convolution's output size with the formula filled in; with --output-size, "
        "the output_padding (or padding) that gives that size; with --conv, the forward convolution's output "
        "size. Per-dimension values are comma-separated (--input-size 16,16); one value stands for every "
        "dimension. An option that does not apply to the chosen mode is refused.",
        epilog=EXIT_STATUSES,
    )
    shape.add_argument(
        "--input-size", type=_ints, required=True, metavar="N[,N...]", help="spatial input size, one per dimension"
    )
    shape.add_argument("--kernel-size", type=_ints, required=True, metavar="K[,K...]", help="kernel size")
    shape.add_argument("--stride", type=_ints, metavar="S[,S...]", help="stride (1)")
    shape.add_argument(
        "--padding", type=_ints, metavar="P[,P...]", help="padding, the same at both ends of a dimension (0)"
    )
    shape.add_argument(
        "--output-padding",
        type=_ints,
        metavar="A[,A...]",
        help="extra size at the end, below max(stride, dilation) (0); not with --conv or --output-size",
    )
    shape.add_argument("--dilation", type=_ints, metavar="D[,D...]", help="dilation (1)")
    shape.add_argument(
        "--output-size",
        type=_ints,
        metavar="O[,O...]",
        help="a wanted output size: print the output_padding, or the padding, that gives it; a size no padding "
        "and output_padding give is refused with the valid range",
    )
    shape.add_argument(
        "--conv", action="store_true", help="the forward convolution's output size instead (no --output-padding)"
    )
    shape.set_defaults(run=_shape)

    demo = commands.add_parser("demo", help="the seed's decoder layer through every method", epilog=EXIT_STATUSES)
    demo.set_defaults(run=_demo)

    export = commands.add_parser(
        "export",
        help="convert a PyTorch state_dict saved with torch.save to an .npz for transposed_conv.layers",
        description="Read a state_dict written by torch.save(module.state_dict(), path) (with weights_only=True, "
        "which refuses pickled code) and write it as an .npz that transposed_conv.layers' load_state_dict reads. "
        "Needs PyTorch.",
        epilog=EXIT_STATUSES,
    )
    export.add_argument("state_dict", help="a file written by torch.save(module.state_dict(), path)")
    export.add_argument("output", help="the .npz to write")
    export.set_defaults(run=_export)

    explain_parser = commands.add_parser(
        "explain",
        help="a transposed convolution worked through with small numbers, in five views",
        description="Print the input, the zero-inserted and padded input, the flipped kernel, the output and the "
        "size formula with the numbers filled in, for a 1-D or 2-D one-channel transposed convolution "
        "(3-D is refused: its arrays do not print on a page); --view shows the same computation as a scatter "
        "of kernel copies, a matrix, im2col columns or phases, each working out the same output element. "
        "Per-dimension values are comma-separated: --input-size 3,3. Lines are at most 100 columns wide.",
        epilog=EXIT_STATUSES,
    )
    explain_parser.add_argument(
        "--input-size",
        type=_ints,
        required=True,
        metavar="N[,N]",
        help=f"input size: 3 (1-D) or 3,3 (2-D), at most {MAX_SIDE} per side",
    )
    explain_parser.add_argument(
        "--kernel-size", type=_ints, required=True, metavar="K[,K]", help=f"kernel size, at most {MAX_SIDE} per side"
    )
    explain_parser.add_argument(
        "--stride",
        type=_ints,
        metavar="S[,S]",
        help=f"stride (1); every printed array is at most {MAX_PRINTED_SIDE} wide, which bounds it",
    )
    explain_parser.add_argument("--padding", type=_ints, metavar="P[,P]", help="padding, the same at both ends (0)")
    explain_parser.add_argument(
        "--output-padding", type=_ints, metavar="A[,A]", help="extra size at the end, below max(stride, dilation) (0)"
    )
    explain_parser.add_argument(
        "--dilation",
        type=_ints,
        metavar="D[,D]",
        help=f"kernel dilation (1); the dilated kernel is at most {MAX_PRINTED_SIDE} wide",
    )
    explain_parser.add_argument(
        "--values",
        choices=VALUE_KINDS,
        default=None,
        help="fill x and w, where --x or --weight does not give them, with 1, 2, 3, ... (range), ones (the "
        "output counts overlapping taps), or random integers in [-3, 3] (default: range)",
    )
    explain_parser.add_argument(
        "--x", type=_reals, help="explicit input values, row-major, comma-separated (integers or reals)"
    )
    explain_parser.add_argument(
        "--weight", type=_reals, help="explicit kernel values, row-major, comma-separated: 1,2,3 or 0.5,-1.25,2"
    )
    explain_parser.add_argument(
        "--view",
        choices=(*VIEWS, "all"),
        default="zero-insertion",
        help="the same computation as kernel copies scattered and summed, zero insertion, the matrix C.T @ x, "
        "im2col columns and col2im, or the stride's phases; all prints every view (zero-insertion)",
    )
    explain_parser.add_argument(
        "--png", metavar="PATH", help="also write the zero-insertion picture of this configuration (needs matplotlib)"
    )
    explain_parser.add_argument(
        "--gif",
        metavar="PATH",
        help="also write an animation of the scatter, one kernel copy added per frame (needs matplotlib)",
    )
    explain_parser.add_argument(
        "--seed", type=_seed, default=None, help="seed for --values random (only), an integer >= 0 (0)"
    )
    explain_parser.set_defaults(run=_explain)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; return the exit status (see :data:`EXIT_STATUSES`).

    Usage and environment errors, and anything an ``--impl`` module does while it is
    imported, are written to ``err`` as one line; ``KeyboardInterrupt`` (SIGINT) returns 130.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        with contextlib.redirect_stdout(out):  # --help and --version
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 0
    except _ArgumentError as error:
        err.write(f"{error.prog}: error: {_one_line(str(error))}\n")
        return 2
    command = args.command
    try:
        with _framework_noise(args.verbose):
            status: int = args.run(args, out, err)
    except UsageError as error:
        _say(err, command, f"error: {error}")
        return 2
    except KeyboardInterrupt:
        _say(err, command, "interrupted")
        return 130
    except BrokenPipeError:
        raise  # main_exit's to handle: the reader went away, nothing to tell it
    except (OSError, MemoryError) as error:  # the environment: a full disk, a file that went away, ...
        where = f": {error.filename}" if isinstance(error, OSError) and error.filename else ""
        reason = _os_reason(error) if isinstance(error, OSError) else "out of memory"
        _say(err, command, f"error: {reason}{where}")
        return 2
    return status


def main_exit() -> None:
    """Console-script entry point: :func:`main`, its status as the process's exit status."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `transposed-conv explain ... | head`: stop quietly, as a shell command would
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush would fail again
        status = 141
    sys.exit(status)
