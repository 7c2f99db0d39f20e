"""The memory limit for the temporary buffers of the GEMM-based methods, and how to chunk under it.

The GEMM-based methods (``"im2col"``, ``"zero_insertion"`` and the polyphase fast path
behind ``"auto"``) build temporary buffers much larger than their input -- the column
buffer of ``im2col`` holds ``C_out * prod(kernel) * prod(input)`` values per batch
element.  They process the batch in chunks (and, when one batch element alone is too
large, the output channels in chunks) so that the temporaries of one chunk stay under
the limit set here, 256 MiB by default.  The returned array itself is not counted.

The limit is a process-wide setting, changed with :func:`set_memory_limit`, or for a
block of code (per thread and per asyncio task) with the :func:`memory_limit` context
manager.  Below one batch element and one output channel per chunk the methods cannot
split further; a single such item larger than the limit is computed anyway.

The buffers themselves are borrowed from a per-thread pool that keeps them for the next call
(:mod:`transposed_conv.methods._buffers`).

``"direct"`` and ``"matrix"`` do not chunk; they refuse sizes beyond their documented
bounds instead (see :mod:`transposed_conv.methods.direct` and
:mod:`transposed_conv.methods.matrix`).

Examples
--------
>>> from transposed_conv._memory import get_memory_limit, memory_limit
>>> get_memory_limit() == 256 * 2**20
True
>>> with memory_limit(2**20):
...     get_memory_limit()
1048576
>>> get_memory_limit() == 256 * 2**20
True
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from ._normalize import as_int

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "MAX_ELEMENTS",
    "check_sizes",
    "chunk_count",
    "chunks",
    "get_memory_limit",
    "memory_limit",
    "set_memory_limit",
]

#: Largest number of elements of any array we allocate: NumPy cannot index beyond 2**63 bytes.
MAX_ELEMENTS = 2**59

#: The default limit on the temporary memory of one call, in bytes: 256 MiB.
DEFAULT_MEMORY_LIMIT = 256 * 2**20

_process_limit = DEFAULT_MEMORY_LIMIT
_scoped_limit: contextvars.ContextVar[int | None] = contextvars.ContextVar("transposed_conv_memory_limit", default=None)


def _as_limit(nbytes: object) -> int:
    return as_int(nbytes, "memory limit (bytes)", minimum=1)


def get_memory_limit() -> int:
    """The limit in bytes on the temporary buffers of one call: the innermost :func:`memory_limit`, else the global."""
    scoped = _scoped_limit.get()
    return _process_limit if scoped is None else scoped


def set_memory_limit(nbytes: int) -> int:
    """Set the process-wide limit on temporary memory, in bytes; return the previous one.

    Parameters
    ----------
    nbytes : int
        The new limit, ``>= 1``.  ``DEFAULT_MEMORY_LIMIT`` (256 MiB) restores the default.

    Returns
    -------
    int
        The previous process-wide limit.

    Raises
    ------
    TypeError, ValueError
        If ``nbytes`` is not an int, or is below 1.
    """
    global _process_limit
    previous, _process_limit = _process_limit, _as_limit(nbytes)
    return previous


@contextlib.contextmanager
def memory_limit(nbytes: int) -> Iterator[int]:
    """Within the ``with`` block (this thread or task only), limit temporary memory to ``nbytes`` bytes.

    Yields the limit.  Raises ``TypeError``/``ValueError`` as :func:`set_memory_limit` does.
    """
    token = _scoped_limit.set(_as_limit(nbytes))
    try:
        yield get_memory_limit()
    finally:
        _scoped_limit.reset(token)


def chunk_count(item_bytes: int, fixed_bytes: int = 0, limit: int | None = None) -> int:
    """How many items of ``item_bytes`` each fit, beside ``fixed_bytes``, under the limit; at least 1."""
    budget = (get_memory_limit() if limit is None else limit) - fixed_bytes
    return max(1, budget // max(item_bytes, 1))


def chunks(total: int, size: int) -> Iterator[slice]:
    """``slice(0, size), slice(size, 2*size), ...`` covering ``range(total)``."""
    for start in range(0, total, size):
        yield slice(start, min(start + size, total))


def check_sizes(**counts: int) -> None:
    """Refuse computations whose arrays NumPy could not even describe, naming the array.

    Only arrays that are really allocated are checked: no method builds an uncropped output, or
    a padded or stretched input beyond a small multiple of the output, so stride, padding and
    dilation matter only through the output size.

    Examples
    --------
    >>> check_sizes(output=2**60)
    Traceback (most recent call last):
    ...
    ValueError: the output would have 1152921504606846976 elements, more than NumPy can allocate ...
    """
    for what, count in counts.items():
        if count > MAX_ELEMENTS:
            raise ValueError(
                f"the {what.replace('_', ' ')} would have {count} elements, more than NumPy can allocate "
                f"({MAX_ELEMENTS}); reduce the sizes, stride, padding or dilation"
            )
