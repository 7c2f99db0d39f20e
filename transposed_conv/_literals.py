"""Python source that rebuilds a value exactly: the one home of the reproducer scripts' literals.

The oracle (:func:`~transposed_conv.oracle.assert_close`) and the conformance kit
(:mod:`transposed_conv.testing`) print scripts that must run as printed and rebuild every
array bit for bit.  ``repr`` does not do that: ``repr(float('nan'))`` is ``nan`` and NumPy 2
prints ``np.float64(inf)`` -- both a ``NameError`` when run --, an ml_dtypes dtype is not
``np.bfloat16``, and a dataclass's repr needs its class imported.  :class:`Script` collects
a script's lines and the imports its literals need:

* floats by their shortest round-trip ``repr`` (exact for float16, float32 and float64, whose
  values float64 holds exactly), ``-0.0`` kept, ``np.nan``, ``-np.nan``, ``np.inf`` and
  ``-np.inf`` for the special values (a NaN's payload is not kept); long doubles as strings
  NumPy parses at full precision;
* integers as Python ints, exact at any size (uint64 up to ``2**64 - 1``);
* dtypes by name: ``np.float32``, ``ml_dtypes.bfloat16`` (with ``import ml_dtypes``), else
  ``np.dtype('>f4')``;
* tuples, lists and dicts element by element, NumPy scalars as ``np.float32(...)``, and
  dataclasses (a custom :class:`~transposed_conv.oracle.Precision`) as a call of their class,
  imported from its module.

Examples
--------
>>> import numpy as np
>>> script = Script()
>>> script.assign("x", np.array([[np.nan, -0.0], [np.inf, 0.1]], dtype=np.float32))
>>> script.assign("options", {"stride": (2,), "eps": np.float64(-np.inf)})
>>> print(script.text())
import numpy as np
x = np.array([np.nan, -0.0, np.inf, 0.10000000149011612], dtype=np.float32).reshape((2, 2))
options = {'stride': (2,), 'eps': np.float64(-np.inf)}
>>> namespace = {}
>>> exec(script.text(), namespace)
>>> namespace["x"].tobytes() == np.array([[np.nan, -0.0], [np.inf, 0.1]], dtype=np.float32).tobytes()
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["INLINE_ELEMENTS", "WRITTEN", "Script", "float_literal", "remove_written_since"]

#: Arrays with more elements than this, all together, go to a ``.npz`` file the script loads.
INLINE_ELEMENTS = 2000

#: Every ``.npz`` file :meth:`Script.assign_arrays` has written in this process, in order: the kit removes those of
#: the failures it does not report (hypothesis meets a failure many times while it shrinks it).
WRITTEN: list[str] = []

_NUMPY = "import numpy as np"
_ML_DTYPES = "import ml_dtypes"


def float_literal(value: float) -> str:
    """``value`` as Python source that gives exactly it back: ``repr``, or ``np.nan``/``np.inf`` with a sign.

    Examples
    --------
    >>> [float_literal(v) for v in (0.1, -0.0, float("nan"), float("-inf"), 2.0**-1074)]
    ['0.1', '-0.0', 'np.nan', '-np.inf', '5e-324']
    """
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if math.isnan(value):
        return f"{sign}np.nan"
    if math.isinf(value):
        return f"{sign}np.inf"
    return repr(float(value))


def _is_ml_dtype(dtype: np.dtype[Any]) -> bool:
    return str(getattr(dtype.type, "__module__", "")).split(".")[0] == "ml_dtypes"


def remove_written_since(mark: int, keep: str = "") -> None:
    """Delete the array files written after the first ``mark`` of :data:`WRITTEN`, except those ``keep`` names
    (the reported failure's reproducer)."""
    for path in WRITTEN[mark:]:
        if path not in keep:
            with contextlib.suppress(OSError):
                os.remove(path)
    del WRITTEN[mark:]  # a kept file is the caller's now


class Script:
    """The lines of a Python script and the imports its literals need (``import numpy as np`` first)."""

    def __init__(self) -> None:
        self.imports: list[str] = [_NUMPY]
        self.lines: list[str] = []

    def need(self, statement: str) -> None:
        """Add an import statement, once."""
        if statement not in self.imports:
            self.imports.append(statement)

    def add(self, *lines: str) -> None:
        """Add lines of code, as they are."""
        self.lines.extend(lines)

    def assign(self, name: str, value: Any) -> None:
        """Add ``name = <literal of value>``."""
        self.add(f"{name} = {self.literal(value)}")

    def assign_arrays(self, arrays: Mapping[str, np.ndarray | None]) -> None:
        """Assign each array (or ``None``): inline, or, beyond :data:`INLINE_ELEMENTS` in all, from a ``.npz`` file.

        The file is written now, to a fresh temporary path the script names; dtypes NumPy's
        format cannot store (ml_dtypes) are saved as their bits and viewed back.
        """
        present = {name: a for name, a in arrays.items() if a is not None}
        if sum(a.size for a in present.values()) <= INLINE_ELEMENTS:
            for name, value in arrays.items():
                self.assign(name, value)
            return
        stored = {name: a.view(f"u{a.dtype.itemsize}") if _is_ml_dtype(a.dtype) else a for name, a in present.items()}
        handle, path = tempfile.mkstemp(prefix="transposed_conv_mismatch_", suffix=".npz")
        os.close(handle)
        np.savez(path, **stored)  # type: ignore[arg-type]
        WRITTEN.append(path)
        self.add(f"data = np.load({path!r})")
        for name, value in arrays.items():
            if value is None:
                self.add(f"{name} = None")
            elif _is_ml_dtype(value.dtype):
                self.add(f"{name} = data[{name!r}].view({self.dtype(value.dtype)})")
            else:
                self.add(f"{name} = data[{name!r}]")

    def text(self) -> str:
        """The script: the imports, then the lines."""
        return "\n".join(self.imports + self.lines)

    # --- literals ---------------------------------------------------------------------------

    def literal(self, value: Any) -> str:
        """Python source that rebuilds ``value`` exactly (noting the imports it needs)."""
        if value is None or isinstance(value, (bool, str, bytes)):
            return repr(value)
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            return self.scalar(value)
        if isinstance(value, np.dtype):
            name = self.dtype(value)
            return name if name.startswith("np.dtype(") else f"np.dtype({name})"
        if isinstance(value, int):
            return repr(int(value))
        if isinstance(value, float):
            return float_literal(value)
        if isinstance(value, complex):
            return f"complex({float_literal(value.real)}, {float_literal(value.imag)})"
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            items = [self.literal(item) for item in value]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if isinstance(value, list):
            return f"[{', '.join(self.literal(item) for item in value)}]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.literal(k)}: {self.literal(v)}" for k, v in value.items()) + "}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = type(value)
            self.need(f"from {cls.__module__} import {cls.__qualname__.split('.')[0]}")
            fields = [f for f in dataclasses.fields(value) if f.init]
            arguments = ", ".join(f"{f.name}={self.literal(getattr(value, f.name))}" for f in fields)
            return f"{cls.__qualname__}({arguments})"
        return repr(value)  # best effort for anything else

    def dtype(self, dtype: np.dtype[Any]) -> str:
        """``np.float32``, ``ml_dtypes.bfloat16`` or, for anything else, ``np.dtype('>f4')``."""
        if _is_ml_dtype(dtype):
            self.need(_ML_DTYPES)
            return f"ml_dtypes.{dtype.name}"
        named = getattr(np, dtype.name, None)
        if isinstance(named, type) and np.dtype(named) == dtype:  # a byte-swapped dtype has the name too
            return f"np.{dtype.name}"
        return f"np.dtype({dtype.str!r})"

    def array(self, a: np.ndarray) -> str:
        """``np.array([...], dtype=...).reshape(shape)``, the elements flat in C order."""
        items = ", ".join(self._element(item, a.dtype) for item in a.ravel())
        shape = tuple(int(n) for n in a.shape)
        return f"np.array([{items}], dtype={self.dtype(a.dtype)}).reshape({shape!r})"

    def scalar(self, value: np.generic) -> str:
        """A NumPy scalar: ``np.float32(0.1)``, ``ml_dtypes.bfloat16(np.nan)``, ``np.array(..., dtype=...)[()]``."""
        dtype = np.dtype(value.dtype)
        element, name = self._element(value, dtype), self.dtype(dtype)
        if name.startswith("np.dtype("):
            return f"np.array({element}, dtype={name})[()]"
        return f"{name}({element})"

    def _element(self, item: Any, dtype: np.dtype[Any]) -> str:
        """One element of an array of ``dtype`` (``item`` a NumPy scalar of it)."""
        if dtype.kind == "b":
            return repr(bool(item))
        if dtype.kind in "iu" or (_is_ml_dtype(dtype) and dtype.name.startswith(("int", "uint"))):
            return repr(int(item))
        if dtype.kind == "f" and dtype.itemsize > 8:  # long double: a string NumPy parses at full precision
            return repr(np.format_float_scientific(item, unique=True))
        if dtype.kind == "f" or _is_ml_dtype(dtype):  # float16/32/64 and ml_dtypes floats: exact in float64
            return float_literal(float(item))
        if dtype.kind == "c":
            return f"complex({float_literal(float(item.real))}, {float_literal(float(item.imag))})"
        return self.literal(item.item() if isinstance(item, np.generic) else item)
