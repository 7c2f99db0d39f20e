"""Running an implementation under test in worker processes: a crash or a hang is a verdict, not the end of the run.

The conformance kit calls the implementation it checks.  Called in the kit's own process, an
implementation that aborts (XLA does, on some valid ``lax.conv_transpose`` calls), is killed by a
signal, calls ``sys.exit`` or never returns takes the kit down with it, and no reproducer is
written.  Here the implementation runs in a :class:`Worker`: a child Python process that imports
it by name (``module:qualname``) and answers one call at a time over a pipe.  A worker that dies
mid-call raises :class:`WorkerCrashed`, one that does not answer within the timeout is killed and
raises :class:`WorkerHung`; the kit reports either as a non-conformance with the configuration and
a reproducer that makes the call in a process of its own (:func:`crash_reproducer`), and starts a
new worker for the next case.

Why a fresh interpreter (``subprocess`` with the worker's end of a pipe), rather than
``multiprocessing``'s ``fork``: the kit's process may have started BLAS, OpenMP, PyTorch or
TensorFlow threads, and a fork copies their locks but not the threads, so the child can deadlock;
a fresh interpreter inherits nothing but the environment, ``sys.path`` and the working directory.
Nor ``multiprocessing``'s ``spawn``: it imports the parent's ``__main__`` script again in every
child.  An implementation is therefore run in a worker only if it can be imported by name
(:func:`importable`): a function at the top level of a module.  A lambda, a closure, a function
defined in ``__main__`` or in a test function's body cannot be, and runs in the kit's process
only (``isolate=False``).

The same workers spread a campaign over cores (:func:`run_parallel`): each runs a part of it (a
feature area, a dtype) with its own worker for the implementation.

This module also turns what hypothesis may raise into the kit's own verdicts (:func:`classify`,
:data:`VERDICTS`) and draws the default random seed (:func:`random_seed`).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import os
import pickle
import secrets
import signal
import subprocess
import sys
import threading
import typing
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

import numpy as np

from ._literals import Script
from .oracle import answer_key

__all__ = [
    "DEFAULT_TIMEOUT",
    "VERDICTS",
    "Isolated",
    "NoCaseDrawn",
    "NotImportable",
    "ProcessFailure",
    "Worker",
    "WorkerCrashed",
    "WorkerHung",
    "classify",
    "crash_reproducer",
    "importable",
    "random_seed",
    "repeat_differs",
    "require_importable",
    "run_parallel",
]

#: Seconds one call of the implementation may take in a worker before it is killed and reported ``hung``.
DEFAULT_TIMEOUT = 120.0

#: Seconds a worker may take to start and import the implementation (PyTorch or TensorFlow take seconds).
START_TIMEOUT = 600.0

#: What a non-conformance turned out to be when its case was run again (``NonConformance.verdict``):
#: ``wrong`` (the same again, and in a fresh process), ``nondeterministic`` (two calls on the same inputs
#: differ beyond the bound), ``history-dependent`` (right in a fresh process: wrong only after earlier
#: calls), ``crashed`` (the worker process died) or ``hung`` (no answer within the timeout).
VERDICTS = ("wrong", "nondeterministic", "history-dependent", "crashed", "hung")


def random_seed() -> int:
    """A seed for a run that was given none: random, and recorded, so the run can be repeated."""
    return secrets.randbelow(2**32)


# --- errors ---------------------------------------------------------------------------------------


class ProcessFailure(Exception):
    """The worker process running the implementation failed: ``problem`` is ``'crashed'`` or ``'hung'``."""

    problem = "crashed"
    how = ""


class WorkerCrashed(ProcessFailure):
    """The worker process died during a call: ``how`` says how (``killed by signal 6 (SIGABRT)``, ...)."""

    problem = "crashed"

    def __init__(self, how: str) -> None:
        super().__init__(f"crashed the process it ran in ({how})")
        self.how = how


class WorkerHung(ProcessFailure):
    """The worker process gave no answer within ``seconds``; it was killed."""

    problem = "hung"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"gave no answer within {seconds:g} s (the process it ran in was killed)")
        self.how = f"no answer within {seconds:g} s"
        self.seconds = seconds


class NotImportable(ValueError):
    """An implementation that cannot be run in a worker process: it cannot be imported by name."""


class NoCaseDrawn(ValueError):
    """No case could be drawn with the options given (hypothesis's ``Unsatisfiable``): they leave nothing to check."""


# --- importing by name ----------------------------------------------------------------------------


def importable(function: Callable[..., Any]) -> Callable[..., Any] | None:
    """``function`` (or what it wraps, ``__wrapped__``) if a worker can import it by name, else ``None``.

    A worker imports ``function.__module__`` and looks ``function.__qualname__`` up in it; that
    must give the very same object.  Functions in ``__main__``, lambdas and closures
    (``<locals>`` in their qualified name) cannot be imported by name.

    Examples
    --------
    >>> from transposed_conv import conv_transpose
    >>> importable(conv_transpose) is conv_transpose
    True
    >>> importable(lambda x: x) is None
    True
    """
    for candidate in dict.fromkeys((function, inspect.unwrap(function))):
        module, name = getattr(candidate, "__module__", None), getattr(candidate, "__qualname__", None)
        if not isinstance(module, str) or not isinstance(name, str) or module == "__main__" or "<" in name:
            continue
        try:
            target: Any = importlib.import_module(module)
            for part in name.split("."):
                target = getattr(target, part)
        except Exception:  # ImportError, AttributeError, or whatever a module's __getattr__ raises
            continue
        if target is candidate:
            found: Callable[..., Any] = candidate
            return found
    return None


def require_importable(function: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`importable`'s answer, or :class:`NotImportable` saying why and what to do instead."""
    found = importable(function)
    if found is None:
        name = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"
        raise NotImportable(
            f"isolate=True runs the implementation in worker processes, which import it by name; {name} cannot be "
            "imported by name (a lambda, a closure, or a function defined in __main__ or inside another function): "
            "define it at the top level of a module, or pass isolate=False (and jobs=1) to run it in this process"
        )
    return found


# --- Ctrl-C while a worker runs the implementation ---------------------------------------------------

#: Set by the SIGINT handler an :class:`Isolated` installs: raised as ``KeyboardInterrupt`` in :class:`Worker`'s
#: wait, or when the last :class:`Isolated` closes, never in the middle of hypothesis's own code (where it can leave
#: a lock held).
_interrupted = threading.Event()


def _defer_interrupt(signum: int, frame: Any) -> None:
    _interrupted.set()


def _raise_if_interrupted() -> None:
    if _interrupted.is_set():
        _interrupted.clear()
        raise KeyboardInterrupt


# --- the worker process -----------------------------------------------------------------------------

_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from transposed_conv._isolation import _serve; _serve(int(sys.argv[2]))"
)


def _now() -> float:
    import time

    return time.monotonic()


def _signal_name(number: int) -> str:
    try:
        return f"signal {number} ({signal.Signals(number).name})"
    except ValueError:
        return f"signal {number}"


def _send(connection: Connection, message: Any) -> None:
    connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _exception_state(error: BaseException) -> tuple[Any, ...]:
    """An exception as it crosses the pipe: pickled if it comes back, else its type's name and message."""
    state = (type(error), error.args, dict(getattr(error, "__dict__", {})))
    try:
        pickle.loads(pickle.dumps(state))
    except Exception:
        return ("text", type(error).__name__, str(error))
    return ("pickled", state)


def _exception(state: tuple[Any, ...]) -> BaseException:
    """The exception that :func:`_exception_state` sent: the same type, arguments and attributes."""
    if state[0] == "pickled":
        kind, args, attributes = state[1]
        error: BaseException = typing.cast(BaseException, kind.__new__(kind, *args))
        error.args = args
        error.__dict__.update(attributes)
        return error
    named: type[Exception] = type(state[1], (Exception,), {})
    return named(state[2])


def _changed(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        try:
            return not np.array_equal(before, after, equal_nan=True)
        except TypeError:
            return not np.array_equal(before, after)
    try:
        return not bool(before == after)
    except Exception:  # something that does not compare
        return False


def _call_watched(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Call ``function`` and say what changed in its arguments, so the caller's copies can be changed the same way."""
    before = copy.deepcopy((args, kwargs))
    raw = function(*args, **kwargs)
    changed: dict[str | int, Any] = {i: a for i, (a, b) in enumerate(zip(args, before[0])) if _changed(b, a)}
    changed.update({name: value for name, value in kwargs.items() if _changed(before[1][name], value)})
    try:
        result = np.asarray(raw)
    except Exception as error:  # an object whose __array__ raises: the kit reports it (problem 'result')
        return ("unconvertible", type(raw).__name__, _exception_state(error), changed)
    return ("result", result, changed)


def _serve(fd: int) -> None:
    """The worker's loop: load the target, then answer each call until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the kit's to handle; it ends the worker
    connection = Connection(fd)
    function: Callable[..., Any] | None = None
    while True:
        try:
            data = connection.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            kind, *payload = pickle.loads(data)  # a function arrives by name: its module is imported here
            if kind == "load":
                function = payload[0]
                _send(connection, ("ready",))
                continue
            args, kwargs, watch, progress = payload
            assert function is not None  # the parent loads before it calls
            if progress:
                kwargs = {**kwargs, "progress": lambda *a: _send(connection, ("progress", a))}
            if watch:
                _send(connection, ("ok", _call_watched(function, args, kwargs)))
            else:
                _send(connection, ("ok", ("result", function(*args, **kwargs), {})))
        except SystemExit as exit_:
            _send(connection, ("exit", exit_.code))
            connection.close()
            os._exit(exit_.code if isinstance(exit_.code, int) else 1)
        except Exception as error:
            _send(connection, ("raised", _exception_state(error)))


class Worker:
    """A child Python process that imports ``target`` by name and calls it, one call at a time.

    ``watch=True`` converts each result with ``np.asarray`` in the worker and reports what the
    call changed in its arguments (the caller's copies are changed the same way, so a kit that
    looks for mutated inputs sees it).  Use it as a context manager, or :meth:`close` it.
    """

    def __init__(self, target: Callable[..., Any], *, watch: bool = True) -> None:
        self.target = require_importable(target)
        self.watch = watch
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._ready = False

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self.launch()
        if not self._ready:
            self._await_ready()
        assert self._connection is not None
        return self._connection

    def launch(self) -> Worker:
        """Start the process and have it import the target, without waiting for it (a spare, ready when needed)."""
        import socket

        mine, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, json.dumps(sys.path), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self._connection = Connection(mine.detach())
        self._ready = False
        _send(self._connection, ("load", self.target))
        return self

    def _await_ready(self) -> None:
        try:
            reply = self._receive(START_TIMEOUT, None)
            self._ready = True
        except ProcessFailure as failure:
            raise NotImportable(f"the worker process could not import {self._name()}: {failure}") from None
        if reply[0] == "raised":
            error = _exception(reply[1])
            self.close()
            raise NotImportable(
                f"the worker process could not import {self._name()}: {type(error).__name__}: {error}"
            ) from None

    def _name(self) -> str:
        return f"{self.target.__module__}:{self.target.__qualname__}"

    def _receive(self, timeout: float | None, progress: Callable[..., None] | None) -> tuple[Any, ...]:
        connection = self._connection
        assert connection is not None and self._process is not None
        deadline = None if timeout is None else _now() + timeout
        while True:
            while not connection.poll(0.1 if deadline is None else max(0.0, min(0.1, deadline - _now()))):
                if _interrupted.is_set():  # the call is left unanswered: this worker cannot be used again
                    self.close()
                    _raise_if_interrupted()
                if deadline is not None and _now() >= deadline:
                    self.close()
                    raise WorkerHung(float(timeout or 0))
            try:
                reply: tuple[Any, ...] = pickle.loads(connection.recv_bytes())
            except (EOFError, OSError):
                raise WorkerCrashed(self._death()) from None
            if reply[0] == "progress":
                if progress is not None:
                    progress(*reply[1])
                continue
            if reply[0] == "exit":
                self._death()
                raise WorkerCrashed(f"called sys.exit({reply[1]!r})")
            return reply

    def _death(self) -> str:
        """How the process ended (it has, or is about to: its end of the pipe is closed)."""
        assert self._process is not None
        try:
            code = self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.close()
            return "closed its pipe and was killed"
        self.close()
        return f"killed by {_signal_name(-code)}" if code < 0 else f"exited with status {code}"

    def call(
        self,
        args: Sequence[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        progress: Callable[..., None] | None = None,
    ) -> Any:
        """``target(*args, **kwargs)`` in the worker (started first if need be).

        Raises what the call raised (the same type, where it can be pickled), :class:`WorkerCrashed`
        or :class:`WorkerHung`; the worker is restarted by the next call after either.  With
        ``progress``, the target is passed a ``progress`` keyword whose calls arrive here.
        """
        connection = self.connection
        try:
            _send(connection, ("call", tuple(args), kwargs, self.watch, progress is not None))
        except (BrokenPipeError, ConnectionResetError):
            raise WorkerCrashed(self._death()) from None
        reply = self._receive(timeout, progress)
        if reply[0] == "raised":
            raise _exception(reply[1])
        kind, value, changed = reply[1][0], reply[1][1], reply[1][-1]
        _mirror(args, kwargs, changed)
        if kind == "unconvertible":
            return _unconvertible(value, _exception(reply[1][2]))
        return value

    def close(self) -> None:
        """End the worker process (killed if it does not end when its pipe closes)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            process, self._process = self._process, None
            if process.poll() is None:
                process.kill()
            process.wait()


def _mirror(args: Sequence[Any], kwargs: dict[str, Any], changed: dict[str | int, Any]) -> None:
    """Change the caller's arguments as the call changed the worker's copies (arrays, lists and dicts)."""
    for key, new in changed.items():
        old = args[key] if isinstance(key, int) else kwargs[key]
        try:
            if isinstance(old, np.ndarray):
                if old.shape == np.shape(new) and old.flags.writeable:
                    np.copyto(old, new, casting="unsafe")
            elif isinstance(old, list):
                old[:] = new
            elif isinstance(old, dict):
                old.clear()
                old.update(new)
        except Exception:  # a change we cannot mirror; the kit then sees none
            continue


def _unconvertible(type_name: str, error: BaseException) -> Any:
    """An object named as the implementation's result type whose ``__array__`` raises what ``np.asarray`` raised."""

    def __array__(self: Any, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise error

    return type(type_name, (), {"__array__": __array__})()


class Isolated:
    """``impl`` called in a :class:`Worker` process: a drop-in for it that survives its crashes.

    Calling it calls ``impl`` in the worker; after a crash or a hang the next call starts a new
    worker.  :meth:`fresh` is another one, with a process of its own that has made no call yet.
    ``__module__`` and ``__qualname__`` are ``impl``'s, so reproducers name ``impl``.
    """

    def __init__(self, impl: Callable[..., Any], *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.impl = require_importable(impl)
        self.timeout = timeout
        self.__module__ = self.impl.__module__
        self.__qualname__ = self.impl.__qualname__
        self._worker: Worker | None = None
        # started now, so that its imports (a framework can take seconds) overlap with the kit drawing cases
        self._spare: Worker | None = Worker(self.impl).launch()
        self._handler: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if (
            self._handler is None
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):  # Ctrl-C is raised where the kit waits for the worker (_interrupted), until close()
            self._handler = signal.signal(signal.SIGINT, _defer_interrupt)
        _raise_if_interrupted()
        if self._worker is None:
            self._worker, self._spare = self._spare or Worker(self.impl), None
        try:
            return self._worker.call(args, kwargs, timeout=self.timeout)
        except ProcessFailure:  # hypothesis shrinks a crash with more crashes: a spare worker starts now
            self._worker, self._spare = None, self._spare or Worker(self.impl).launch()
            raise

    def fresh(self) -> Isolated:
        """The same implementation in a new worker process."""
        return Isolated(self.impl, timeout=self.timeout)

    def close(self) -> None:
        """End the worker process; a Ctrl-C that came after the last call is raised now."""
        for worker in (self._worker, self._spare):
            if worker is not None:
                worker.close()
        self._worker = self._spare = None
        if self._handler is not None:
            signal.signal(signal.SIGINT, self._handler)
            self._handler = None
            _raise_if_interrupted()

    def __enter__(self) -> Isolated:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- reproducers and verdicts -----------------------------------------------------------------------


def crash_reproducer(impl: Callable[..., Any], case: Any, failure: ProcessFailure) -> str:
    """A script that makes the call that crashed (or hung) in a process of its own and prints how it ended."""
    target = importable(impl) or impl
    module, name = getattr(target, "__module__", "?"), getattr(target, "__qualname__", "impl")
    script = Script()
    script.need("import multiprocessing")
    script.need(f"from {module} import {name.split('.')[0]}")
    script.add("")
    script.assign_arrays(dict(zip(case.array_names, case.arrays)))
    script.assign("kwargs", case.kwargs)
    arguments = ", ".join([*case.array_names, *(script.literal(value) for value in case.arguments)])
    arguments += "," if len(case.array_names) + len(case.arguments) == 1 else ""
    timeout = getattr(failure, "seconds", None)
    script.add(
        "",
        'if __name__ == "__main__":  # the call in a process of its own, as the kit made it',
        "    context = multiprocessing.get_context('spawn')",
        f"    process = context.Process(target={name}, args=({arguments}), kwargs=kwargs)",
        "    process.start()",
        f"    process.join({timeout!r})" if timeout else "    process.join()",
        "    if process.is_alive():",
        "        process.kill()",
        "        print('no answer: killed')",
        "    else:",
        "        print('exit code', process.exitcode)  # negative: killed by that signal (-6: SIGABRT)",
        f"    # the kit saw: {failure.how}",
    )
    return script.text()


def _call_once(impl: Callable[..., Any], case: Any) -> tuple[np.ndarray | None, str]:
    try:
        return np.asarray(impl(*case.args, **copy.deepcopy(case.kwargs))), ""
    except Exception as error:  # ProcessFailure too: then its description
        return None, f"{type(error).__name__}: {error}"


def repeat_differs(
    impl: Callable[..., Any], case: Any, dtype: str, algorithm: str = "summation", precision: Any = None
) -> str:
    """Call ``impl`` twice on ``case``: how the two results differ beyond the bound, or ``''`` if they do not.

    ``precision`` is the one that judged ``dtype`` (the dtype's default when ``None``)."""
    first, raised_first = _call_once(impl, case)
    second, raised_second = _call_once(impl, case)
    if first is None or second is None:
        if raised_first == raised_second:
            return ""
        first_call, second_call = raised_first or "the first returned", raised_second or "the second returned"
        return f"of two calls on the same inputs, {first_call}; {second_call}"
    if first.shape != second.shape:
        return f"two calls on the same inputs returned shapes {first.shape} and {second.shape}"
    if first.dtype.kind not in "fc" or second.dtype.kind not in "fc":
        return "" if np.array_equal(first, second) else "two calls on the same inputs returned different values"
    key = answer_key(
        case.compute,
        case.x,
        case.weight,
        case.bias,
        precision=dtype if precision is None else precision,
        algorithm=algorithm,
        conv_args=case.kwargs if algorithm != "summation" else None,
    )
    a, b = first.astype(np.float64), second.astype(np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    bound = key.bound if key.bound.shape == a.shape else np.zeros(a.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        beyond = ~same & ~(np.abs(a - b) <= bound)
    if not beyond.any():
        return ""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(np.max(np.where(beyond, np.abs(a - b) / bound, 0.0)))
    return (
        f"two calls on the same inputs differ beyond the bound at {int(beyond.sum())} of {a.size} elements "
        f"(by up to {ratio:.3g} x the bound)"
    )


def classify(
    impl: Callable[..., Any],
    case: Any,
    dtype: str,
    *,
    problem: str,
    algorithm: str = "summation",
    fresh: Callable[[], bool] | None = None,
    flaky: bool = False,
    precision: Any = None,
) -> tuple[str, str]:
    """The verdict on a failing case, and why: run it again in the same process, then (``fresh``) in a new one.

    ``fresh()`` says whether the case conforms in a new worker process; ``None`` when the
    implementation runs in the kit's process (it is then not re-run in another).  ``flaky``: the
    case failed, and passed when hypothesis repeated it.
    """
    if problem in ("crashed", "hung"):
        return problem, ""
    differs = repeat_differs(impl, case, dtype, algorithm, precision)
    if differs:
        return "nondeterministic", differs
    if fresh is not None and fresh():
        return "history-dependent", "right in a fresh process: wrong only after earlier calls"
    if flaky:
        return "nondeterministic", "the same case failed, then passed when it was repeated"
    if fresh is None:
        return "wrong", "the same when called again (not re-run in a fresh process: the implementation ran in this one)"
    return "wrong", "the same when called again, and in a fresh process"


# --- a campaign over several processes --------------------------------------------------------------


def _apply(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], **extra: Any) -> Any:
    """What a campaign worker runs: one part of the campaign (``extra`` carries ``progress``)."""
    return function(*args, **kwargs, **extra)


def run_parallel(
    calls: Sequence[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]],
    jobs: int,
    *,
    progress: Callable[[int, tuple[Any, ...]], None] | None = None,
) -> Iterator[tuple[int, Any, BaseException | None]]:
    """Run ``function(*args, **kwargs)`` for each call in up to ``jobs`` worker processes, in order of finishing.

    Yields ``(index, result, None)``, or ``(index, None, error)`` when the call raised or its
    worker died.  Each function is passed a ``progress`` keyword whose calls arrive as
    ``progress(index, args)``.  The functions, their arguments and results must pickle (a
    function by name).  On ``KeyboardInterrupt`` every worker is ended before it propagates.
    """
    pending = list(enumerate(calls))[::-1]
    running: dict[Connection, tuple[int, Worker]] = {}
    workers: list[Worker] = []
    try:
        while pending or running:
            while pending and len(running) < jobs:
                index, (function, args, kwargs) = pending.pop()
                worker = workers.pop() if workers else Worker(_apply, watch=False)
                _send(worker.connection, ("call", (function, args, kwargs), {}, False, True))
                running[worker.connection] = (index, worker)
            for ready in wait(list(running)):
                assert isinstance(ready, Connection)
                index, worker = running[ready]
                try:
                    reply: tuple[Any, ...] = pickle.loads(ready.recv_bytes())
                except (EOFError, OSError):
                    del running[ready]
                    yield index, None, WorkerCrashed(worker._death())
                    continue
                if reply[0] == "progress":
                    if progress is not None:
                        progress(index, reply[1])
                    continue
                del running[ready]
                if reply[0] == "exit":
                    yield index, None, WorkerCrashed(f"called sys.exit({reply[1]!r}): {worker._death()}")
                    continue
                workers.append(worker)
                if reply[0] == "raised":
                    yield index, None, _exception(reply[1])
                else:
                    yield index, reply[1][1], None
    finally:
        for _, worker in running.values():
            worker.close()
        for worker in workers:
            worker.close()


def check_running(isolate: bool | None, jobs: int, timeout: float | None, seed: int | None) -> tuple[bool, int]:
    """``isolate`` and ``seed`` as a run uses them (isolated when ``jobs > 1``; a random seed for ``None``), or
    ``ValueError`` naming the option."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an int >= 1; got jobs={jobs!r}")
    if isolate is False and jobs > 1:
        raise ValueError(f"jobs > 1 runs the implementation in worker processes; got jobs={jobs}, isolate=False")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise ValueError(f"timeout must be a number of seconds > 0, or None; got timeout={timeout!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"seed must be an int or None; got seed={seed!r}")
    return (jobs > 1 if isolate is None else bool(isolate)), (random_seed() if seed is None else seed)


def share_seed(seed: int, share: int) -> int:
    """The seed of share ``share`` of a run split over workers: ``seed`` itself for the first."""
    return seed if share == 0 else (seed + share * 0x9E3779B9) % 2**32


Report = TypeVar("Report")


def check_in_parallel(
    check: Callable[..., Report],
    impl: Callable[..., Any],
    jobs: int,
    dtypes: Sequence[str],
    examples: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
    timeout: float | None,
    options: dict[str, Any],
) -> Report:
    """``check`` (``check_conv_transpose``) split over ``jobs`` worker processes: one share per dtype, and each dtype
    in ``jobs // len(dtypes)`` shares of ``examples`` (seeds from :func:`share_seed`).  The reports merged, or the
    first share's failure raised."""
    target = require_importable(impl)
    shares = max(1, jobs // len(dtypes))
    per_share = -(-examples // shares)
    parts = [
        (dtype, min(per_share, examples - share * per_share), share_seed(seed, share))
        for dtype in dtypes
        for share in range(shares)
        if examples - share * per_share > 0
    ]
    calls = [
        (
            check,
            (target,),
            {**options, "dtypes": (d,), "examples": n, "seed": s, "isolate": True, "jobs": 1, "timeout": timeout},
        )
        for d, n, s in parts
    ]
    done = [0] * len(parts)
    total = sum(n for _, n, _ in parts)

    def tick(index: int, args: tuple[Any, ...]) -> None:
        done[index] = int(args[0])
        if progress is not None:
            progress(min(sum(done), total), total)

    results: dict[int, Any] = {}  # the reports, each pickled back
    errors: dict[int, BaseException] = {}
    for index, result, error in run_parallel(calls, jobs, progress=tick):
        if error is not None:
            errors[index] = error
        else:
            results[index] = result
    if errors:
        raise errors[min(errors)]
    merged: Any = results[0]
    merged.seed = seed
    for index in range(1, len(parts)):
        other = results[index]
        for dtype, count in other.examples.items():
            merged.examples[dtype] = merged.examples.get(dtype, 0) + count
        for dtype, worst in other.worst_fraction.items():
            merged.worst_fraction[dtype] = max(merged.worst_fraction.get(dtype, 0.0), worst)
        for dtype, count in other.refused.items():
            merged.refused[dtype] = merged.refused.get(dtype, 0) + count
        for label, count in other.coverage.items():
            merged.coverage[label] = merged.coverage.get(label, 0) + count
        merged.precisions.update(other.precisions)
        merged.refusal = merged.refusal or other.refusal
    report: Report = merged
    return report
