"""How many threads the element-wise passes use, and how one pass is split across them.

The GEMMs run on BLAS's own threads; the passes that are not GEMMs are NumPy element-wise
loops, which run on the calling thread.  NumPy releases the GIL inside those loops, so a pass
split into parts over disjoint slices of one axis, the parts run on a few Python threads,
runs in parallel.  Each part does to its elements exactly what the whole pass would, in the
same order, so the result is the same bit for bit whatever the number of threads
(``tests/test_threads.py``).

Only the depthwise path (:func:`~transposed_conv.methods.polyphase.conv_transpose_depthwise`),
which is nothing but element-wise passes, is split: 2.2x faster on 2 CPUs.  The passes beside a
GEMM (``col2im``, the gathers, the phase writes) are not: OpenBLAS's threads keep spinning for a
while after each GEMM, and a second Python thread competes with them for the cores -- split
over two threads, those passes made whole calls 1-3% slower, not faster (measured on 2 CPUs,
the decoder's layers; ``docs/performance.md``).

The number of threads is a process-wide setting with a scoped override, like the memory
limit: :func:`set_threads`, :func:`threads`.  It starts as the environment variable
``TRANSPOSED_CONV_NUM_THREADS`` if set, else the number of CPUs this process may run on
(at most :data:`MAX_DEFAULT_THREADS`).  ``1`` runs everything on the calling thread.

Examples
--------
>>> from transposed_conv._threads import get_threads, threads
>>> with threads(1):  # this thread or task only
...     get_threads()
1
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from ._normalize import as_int

__all__ = [
    "MAX_DEFAULT_THREADS",
    "MIN_PART",
    "THREADS_VARIABLE",
    "get_threads",
    "parts",
    "run_parts",
    "set_threads",
    "threads",
]

#: The environment variable read once, at import, for the default number of threads.
THREADS_VARIABLE = "TRANSPOSED_CONV_NUM_THREADS"

#: The default never exceeds this many threads: the passes are memory-bound, and more threads than
#: memory channels only add start-up cost.
MAX_DEFAULT_THREADS = 8

#: A part gets at least this many elements of work: below it, handing the part to a thread costs more
#: than it saves (measured on 2 CPUs: a thread's round trip takes 20-40 us, a copy of 2**15 float32
#: elements about 10 us).
MIN_PART = 2**15


def _as_threads(count: object) -> int:
    return as_int(count, "threads", minimum=1)


def _default_threads() -> int:
    configured = os.environ.get(THREADS_VARIABLE, "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            pass  # a malformed variable is ignored, as BLAS libraries ignore theirs
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_THREADS))


_process_threads = _default_threads()
_scoped_threads: contextvars.ContextVar[int | None] = contextvars.ContextVar("transposed_conv_threads", default=None)


def get_threads() -> int:
    """The number of threads the element-wise passes use: the innermost :func:`threads`, else the global.

    Returns
    -------
    int
        ``>= 1``.

    Examples
    --------
    >>> from transposed_conv import get_threads, threads
    >>> with threads(3):
    ...     get_threads()
    3
    """
    scoped = _scoped_threads.get()
    return _process_threads if scoped is None else scoped


def set_threads(count: int) -> int:
    """Set the process-wide number of threads for the element-wise passes; return the previous one.

    Parameters
    ----------
    count : int
        ``>= 1``; ``1`` runs every pass on the calling thread.  BLAS's threads are set by
        BLAS (``OPENBLAS_NUM_THREADS``), not here.

    Returns
    -------
    int
        The previous process-wide number.

    Raises
    ------
    TypeError, ValueError
        If ``count`` is not an int, or is below 1.

    Examples
    --------
    >>> from transposed_conv import set_threads
    >>> previous = set_threads(2)
    >>> set_threads(previous)
    2
    """
    global _process_threads
    previous, _process_threads = _process_threads, _as_threads(count)
    return previous


@contextlib.contextmanager
def threads(count: int) -> Iterator[int]:
    """Within the ``with`` block (this thread or task only), split the element-wise passes over ``count`` threads.

    Yields the number.  Raises ``TypeError``/``ValueError`` as :func:`set_threads` does.

    Examples
    --------
    >>> import numpy as np
    >>> from transposed_conv import conv_transpose, threads
    >>> x, w = np.ones((1, 2, 3, 3)), np.ones((2, 2, 2, 2))
    >>> with threads(1):
    ...     one = conv_transpose(x, w, stride=2)
    >>> bool(np.array_equal(one, conv_transpose(x, w, stride=2)))  # the same sums in the same order
    True
    """
    token = _scoped_threads.set(_as_threads(count))
    try:
        yield get_threads()
    finally:
        _scoped_threads.reset(token)


def parts(total: int, elements: int) -> list[slice]:
    """``range(total)`` in at most :func:`get_threads` consecutive slices, each with ``MIN_PART`` elements of work.

    ``elements`` is the work of the whole range (elements the pass reads or writes), assumed
    even along it.

    >>> from transposed_conv._threads import threads
    >>> with threads(4):
    ...     parts(10, 10 * 2**15)
    [slice(0, 3, None), slice(3, 6, None), slice(6, 8, None), slice(8, 10, None)]
    >>> with threads(4):
    ...     parts(10, 2**15)  # too little work to share
    [slice(0, 10, None)]
    """
    count = max(1, min(get_threads(), total, elements // MIN_PART))
    size, extra = divmod(total, count)
    bounds = [0]
    for index in range(count):
        bounds.append(bounds[-1] + size + (1 if index < extra else 0))
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


_executor: ThreadPoolExecutor | None = None
_executor_workers = 0
_executor_lock = threading.Lock()
_inside = threading.local()  # .worker: True on the executor's threads, whose parts never split again


def _pool(workers: int) -> ThreadPoolExecutor:
    global _executor, _executor_workers
    with _executor_lock:
        if _executor is None or _executor_workers < workers:  # grows when the setting grows
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(workers, "transposed_conv", initializer=_mark_worker)
            _executor_workers = workers
        return _executor


def _mark_worker() -> None:
    _inside.worker = True


def _forget_pool_after_fork() -> None:
    """A forked child has none of the pool's threads, only their bookkeeping: it starts a pool of its own."""
    global _executor, _executor_workers
    _executor, _executor_workers = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def run_parts(work: Callable[[slice], None], total: int, elements: int) -> None:
    """Call ``work(part)`` for each of :func:`parts` ``(total, elements)``: the first on this thread, the others on
    the pool's, each in a copy of this thread's context (memory limit, NumPy's error state).

    The parts must touch disjoint elements.  Returns when every part is done; the first
    exception raised by a part is raised here.  Called from a pool thread, the parts run one
    after another on it (no nested splitting).
    """
    slices = parts(total, elements) if not getattr(_inside, "worker", False) else [slice(0, total)]
    if len(slices) == 1:
        work(slices[0])
        return
    pool = _pool(len(slices) - 1)
    futures: list[Future[None]] = [pool.submit(contextvars.copy_context().run, work, part) for part in slices[1:]]
    try:
        work(slices[0])
    finally:
        for future in futures:
            future.exception()  # wait for every part, even when this one failed
    for future in futures:
        future.result()
