"""The per-thread pool of temporary buffers that the algorithms reuse from one call to the next.

A fresh buffer of a few MiB costs a page fault per 4 KiB the first time it is written: for a small
layer that took as long as its GEMM (measured: the polyphase path of the decoder's 256 -> 128 layer
at batch 1, float32, made 2,169 page faults and took 12.2 ms a call where its GEMM takes 5.5 ms;
whether the C library hands back fresh pages depends on the history of the process's allocations).
The algorithms therefore borrow their temporaries -- column buffers, gathered grids, GEMM results,
accumulators -- from :func:`scratch`, which keeps them for the next call, up to :data:`KEPT_BYTES`
per thread.  The buffers' sizes still follow the memory limit
(:func:`~transposed_conv._memory.get_memory_limit`): the pool only decides whether they are freed
at the end of a call.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["KEPT_BYTES", "release_scratch", "scratch", "scratch_kept"]


#: Bytes of temporary buffers each thread keeps between calls (larger buffers are never kept).
KEPT_BYTES = 64 * 2**20

_pool = threading.local()  # .free: the buffers no call holds now, oldest first


def _free_buffers() -> list[np.ndarray]:
    free: list[np.ndarray] | None = getattr(_pool, "free", None)
    if free is None:
        free = _pool.free = []
    return free


@contextlib.contextmanager
def scratch(shape: tuple[int, ...], dtype: Any, *, zeroed: bool = False) -> Iterator[np.ndarray]:
    """A temporary array of ``shape`` and ``dtype`` for the ``with`` block, from this thread's pool.

    The smallest free buffer of the pool that is large enough is lent, else a new one is
    allocated; on leaving the block it goes back to the pool, which keeps the most recently
    used buffers up to :data:`KEPT_BYTES`.  A buffer is lent to one holder at a time, so
    nested blocks never share memory.  The contents are arbitrary unless ``zeroed``.  Nothing
    computed in it may be returned: the caller copies out what it keeps.

    >>> with scratch((2, 3), np.float64, zeroed=True) as buffer:
    ...     buffer.sum()
    np.float64(0.0)
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    free = _free_buffers()
    fitting = [index for index, buffer in enumerate(free) if buffer.nbytes >= nbytes]
    if fitting:
        buffer = free.pop(min(fitting, key=lambda index: free[index].nbytes))
    else:
        buffer = np.empty(max(nbytes, 1), dtype=np.uint8)
    array = buffer[:nbytes].view(dtype).reshape(shape)
    if zeroed:
        array.fill(0)
    try:
        yield array
    finally:
        del array
        if buffer.nbytes <= KEPT_BYTES:
            free.append(buffer)
            while sum(b.nbytes for b in free) > KEPT_BYTES:
                free.pop(0)


def scratch_kept() -> int:
    """Bytes this thread's pool keeps for the next call."""
    return sum(buffer.nbytes for buffer in _free_buffers())


def release_scratch() -> int:
    """Free the temporary buffers that this thread keeps for its next call.

    The fast paths keep up to :data:`KEPT_BYTES` (64 MiB) of temporary buffers per thread
    between calls, so that a layer called again does not pay a page fault per 4 KiB of fresh
    memory; call this to give the memory back, e.g. after the last call of a large layer.

    Returns
    -------
    int
        The number of bytes that were kept.

    Examples
    --------
    >>> import numpy as np
    >>> from transposed_conv import conv_transpose, release_scratch
    >>> y = conv_transpose(np.ones((1, 8, 16, 16), np.float32), np.ones((8, 8, 4, 4), np.float32), stride=2)
    >>> release_scratch() > 0, release_scratch()
    (True, 0)
    """
    kept = scratch_kept()
    _free_buffers().clear()
    return kept
