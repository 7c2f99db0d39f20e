"""Golden test vectors: drawn cases, their reference results, and each framework's arguments for them.

:func:`write_vectors` draws cases with :func:`~transposed_conv.strategies.conv_transpose_cases`,
computes each one's float64 answer and float32 rounding bound with :mod:`transposed_conv.oracle`,
and writes them as ``case_NNNN.npz`` files with an ``index.json`` that spells every case in
every convention of :mod:`transposed_conv.frameworks` (PyTorch's, ONNX's, JAX's, TensorFlow's
and Keras's), by each framework's reverse mapping: the engine of ``transposed-conv vectors``.
The files need only NumPy to read.

Drawing the cases needs hypothesis (``pip install 'transposed-conv[kit]'``); it is imported when
:func:`write_vectors` runs, not when this module is imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .frameworks import CONVENTIONS, arguments_or_none
from .oracle import error_bound, reference

if TYPE_CHECKING:
    from .strategies import ConvTransposeCase

__all__ = ["write_vectors"]


def _draw_cases(count: int, seed: int) -> list[ConvTransposeCase]:
    """``count`` float32 cases with uniform values, drawn reproducibly from ``seed`` (generation only, no shrinking)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from .strategies import conv_transpose_cases

    drawn: list[ConvTransposeCase] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(conv_transpose_cases(dtype="float32", values="uniform"))
    def collect(case: ConvTransposeCase) -> None:
        if len(drawn) < count:
            drawn.append(case)

    collect()
    return drawn


def _write_case(directory: Path, name: str, case: ConvTransposeCase) -> dict[str, Any]:
    """Write ``case`` and its reference results to ``directory / name``; return its ``index.json`` entry."""
    arrays = {"x": case.x, "weight": case.weight}
    if case.bias is not None:
        arrays["bias"] = case.bias
    arrays["expected"] = reference(case.x, case.weight, case.bias, **case.kwargs)
    arrays["bound_float32"] = error_bound(case.x, case.weight, case.bias, **case.kwargs, precision="float32")
    np.savez(directory / name, **arrays)  # type: ignore[arg-type]
    entry: dict[str, Any] = {
        "file": name,
        "x_shape": list(case.x.shape),
        "weight_shape": list(case.weight.shape),
        "bias": case.bias is not None,
        "output_shape": list(arrays["expected"].shape),
    }
    for convention in CONVENTIONS.values():  # each framework's reverse mapping; null where it cannot express it
        entry[convention.name] = arguments_or_none(convention, case.config, batch=case.batch)
    return entry


def write_vectors(directory: str | Path, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Write ``count`` golden test vectors to ``directory``, with an ``index.json`` describing them.

    Each case is ``case_NNNN.npz`` holding ``x``, ``weight``, ``bias`` (when the case has
    one), ``expected`` -- the float64 transposed convolution of the float32 inputs, from
    :func:`~transposed_conv.oracle.reference` -- and ``bound_float32``, the elementwise
    rounding bound any correct float32 implementation stays within
    (:func:`~transposed_conv.oracle.error_bound`).  ``index.json`` gives every case's
    configuration in PyTorch's, ONNX's, JAX's, TensorFlow's and Keras's conventions, with the
    axis permutations that bring ``x`` and ``weight`` into each framework's layout, and
    ``null`` where a framework cannot express the case.

    Parameters
    ----------
    directory : str or pathlib.Path
        Where to write; created (with its parents) if missing.  Existing case files with
        the same names are overwritten.
    count : int
        Number of cases, at least 1.
    seed : int
        Seed of the draw: the same ``count`` and ``seed`` write the same files.

    Returns
    -------
    list of dict
        The ``cases`` of ``index.json``, one entry per file, in order.

    Raises
    ------
    ImportError
        If hypothesis, which draws the cases, is not installed.
    OSError
        If ``directory`` cannot be created or written.

    See Also
    --------
    transposed_conv.strategies.conv_transpose_cases : the cases drawn.
    transposed_conv.oracle.reference : the expected results.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     cases = write_vectors(directory, count=2, seed=1)
    ...     files = sorted(path.name for path in Path(directory).iterdir())
    ...     with np.load(Path(directory) / cases[0]["file"]) as stored:
    ...         same = stored["expected"].shape == tuple(cases[0]["output_shape"])
    >>> files
    ['case_0000.npz', 'case_0001.npz', 'index.json']
    >>> [case["file"] for case in cases], same
    (['case_0000.npz', 'case_0001.npz'], True)
    >>> sorted(cases[0]["torch"])
    ['dilation', 'groups', 'output_padding', 'padding', 'padding_symmetric', 'stride']
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"count must be an int; got {count!r} of type {type(count).__name__}")
    if count < 1:
        raise ValueError(f"count must be at least 1; got count={count}")
    path = Path(directory)
    drawn = _draw_cases(count, seed)
    path.mkdir(parents=True, exist_ok=True)
    index = [_write_case(path, f"case_{number:04d}.npz", case) for number, case in enumerate(drawn)]
    description = {
        "generator": f"transposed-conv {__version__} vectors --count {count} --seed {seed}",
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
    (path / "index.json").write_text(json.dumps(description, indent=1) + "\n")
    return index
