"""Normalise scalar user arguments into per-dimension tuples, validating as we go.

Every public function passes its integer arguments through these helpers exactly
once, at the boundary; everything below works with the normalised tuples and trusts
them.  Each helper raises ``TypeError`` for a wrong type and ``ValueError`` for a bad
value, with a message that names the parameter, the rule and the value received.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "as_choice",
    "as_int",
    "as_int_tuple",
    "as_padding_pairs",
    "as_shape",
    "is_int",
]


#: Largest magnitude accepted for any integer argument: sizes beyond it cannot be allocated anyway,
#: and keeping every product of two arguments inside int64 keeps the arithmetic exact.
MAX_INT = 2**31 - 1


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bool (a common mistake)."""
    if type(value) is int:  # the common case, without the ABC check (bool is a subclass, not int itself)
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_sequence(value: Any) -> bool:
    """A list, tuple, range, ... -- but not a string or bytes, which are sequences too."""
    if type(value) in (tuple, list):  # the common cases, without the ABC check
        return True
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray, memoryview))


def _ints(count: int) -> str:
    return "1 int" if count == 1 else f"{count} ints"


def _check_range(values: tuple[int, ...], name: str, shown: Any) -> None:
    if any(abs(v) > MAX_INT for v in values):
        raise ValueError(f"{name} must be at most {MAX_INT} in magnitude; got {name}={_show(shown)}")


def as_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Validate one integer argument, optionally bounded below."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int; got {value!r} of type {type(value).__name__}")
    result = int(value)
    _check_range((result,), name, result)
    if minimum is not None and result < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {name}={result}")
    return result


def as_int_tuple(value: Any, name: str, ndim: int, *, minimum: int | None = None) -> tuple[int, ...]:
    """An int, or one int per spatial dimension, as a tuple of ``ndim`` ints."""
    if is_int(value):
        items: list[Any] = [value] * ndim
    elif is_sequence(value):
        items = list(value)
        if len(items) != ndim:
            raise ValueError(
                f"{name} must be an int or a sequence of {_ints(ndim)} (one per spatial dimension); "
                f"got {name}={_show(value)} with {len(items)} entries"
            )
    else:
        raise TypeError(
            f"{name} must be an int or a sequence of {_ints(ndim)}; got {_show(value)} of type {type(value).__name__}"
        )
    result = []
    for item in items:
        if not is_int(item):
            raise TypeError(
                f"{name} must contain only ints; got {name}={_show(value)} with an entry of type {type(item).__name__}"
            )
        result.append(int(item))
    _check_range(tuple(result), name, tuple(result))
    if minimum is not None and any(item < minimum for item in result):
        raise ValueError(f"{name} must be >= {minimum} in every dimension; got {name}={tuple(result)}")
    return tuple(result)


def as_padding_pairs(value: Any, name: str, ndim: int) -> tuple[tuple[int, int], ...]:
    """Padding as one ``(begin, end)`` pair per spatial dimension, every entry ``>= 0``.

    Accepted forms: an int (the same on every side), one int per dimension
    (symmetric), or one ``(begin, end)`` pair per dimension (asymmetric).
    """
    forms = f"an int, {_ints(ndim)}, or {ndim} (begin, end) pair{'s' if ndim != 1 else ''}"
    if is_int(value):
        pairs = [(value, value)] * ndim
    elif is_sequence(value):
        items = list(value)
        if len(items) != ndim:
            raise ValueError(
                f"{name} must be {forms} (one per spatial dimension); "
                f"got {name}={_show(value)} with {len(items)} entries"
            )
        if all(is_int(item) for item in items):
            pairs = [(item, item) for item in items]
        elif all(is_sequence(item) for item in items):
            if any(len(item) != 2 for item in items):
                raise ValueError(f"{name} pairs must have exactly 2 entries, (begin, end); got {name}={_show(value)}")
            pairs = [(item[0], item[1]) for item in items]
        else:
            raise TypeError(f"{name} must be {forms}; got {name}={_show(value)}")
    else:
        raise TypeError(f"{name} must be {forms}; got {_show(value)} of type {type(value).__name__}")
    for begin, end in pairs:
        if not (is_int(begin) and is_int(end)):
            raise TypeError(f"{name} must contain only ints; got {name}={_show(value)}")
    result = tuple((int(begin), int(end)) for begin, end in pairs)
    _check_range(tuple(v for pair in result for v in pair), name, result)
    if any(begin < 0 or end < 0 for begin, end in result):
        raise ValueError(f"{name} must be >= 0 on every side; got {name}={result}")
    return result


def as_shape(value: Any, name: str, *, minimum: int = 1) -> tuple[int, ...]:
    """A spatial shape: an int (1-D) or a non-empty sequence of ints, each ``>= minimum``."""
    if is_int(value):
        value = (value,)
    if not is_sequence(value):
        raise TypeError(f"{name} must be an int or a non-empty sequence of ints; got {_show(value)}")
    if len(value) == 0:
        raise ValueError(f"{name} must have at least one entry (one per spatial dimension); got {name}=()")
    return as_int_tuple(value, name, len(value), minimum=minimum)


def as_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """One of a fixed list of strings."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {list(choices)}; got {_show(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}; got {name}={value!r}")
    return value


def _show(value: Any, depth: int = 0) -> str:
    """A compact repr for messages: tuples of plain ints, not NumPy scalars; deep nesting elided."""
    if is_sequence(value):
        if depth >= 3:
            return "(...)"
        items = list(value)[:10]
        more = ", ..." if len(value) > 10 else ""
        return "(" + ", ".join(_show(item, depth + 1) for item in items) + ("," if len(value) == 1 else "") + more + ")"
    if is_int(value):
        return str(int(value))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
