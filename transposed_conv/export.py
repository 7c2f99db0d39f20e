"""Export a PyTorch ``state_dict`` to the ``.npz`` that :meth:`transposed_conv.layers.Module.load_state_dict` reads.

PyTorch is optional: it is imported only inside the functions that need it.  From a
Python session::

    from transposed_conv.export import export_state_dict
    export_state_dict(torch_decoder, "decoder.npz")        # a module or its state_dict
    numpy_decoder.load_state_dict("decoder.npz")

or from a ``state_dict`` saved with ``torch.save``::

    transposed-conv export decoder.pt decoder.npz

Keys are kept exactly (``deconv_layers.0.conv_transpose.weight``,
``deconv_layers.0.bn.num_batches_tracked``, ...); each tensor becomes a NumPy array of
its dtype and shape (``num_batches_tracked`` a 0-d int64 array).  Each key becomes the name
of a zip member, ``KEY.npy``, so a key that could name a path (one with a slash, backslash,
colon or NUL, or one that is empty, ``.`` or ``..``) is refused before anything is written.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["export_saved_state_dict", "export_state_dict", "numpy_state_dict", "save_npz"]

_NEEDS_TORCH = "exporting a PyTorch state_dict needs PyTorch: pip install 'transposed-conv[frameworks]'"


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(_NEEDS_TORCH) from None
    return torch


def numpy_state_dict(module: Any) -> dict[str, np.ndarray]:
    """A PyTorch module's ``state_dict`` (or a ``state_dict`` itself) as a dict of NumPy arrays.

    Parameters
    ----------
    module : torch.nn.Module or mapping of str to torch.Tensor
        Anything with a ``state_dict()`` method, or the mapping it returns.

    Returns
    -------
    dict of str to numpy.ndarray
        Same keys, same order; copies, detached and on the CPU.

    Raises
    ------
    TypeError
        If ``module`` is neither, a key is not a str, a value is not a tensor, or a
        tensor's dtype has no NumPy equivalent (bfloat16: convert with ``.float()`` first).
    ImportError
        If PyTorch is not installed.
    """
    torch = _torch()
    state = module.state_dict() if hasattr(module, "state_dict") else module
    if not hasattr(state, "items"):
        raise TypeError(f"module must be a torch.nn.Module or a state_dict mapping; got {type(module).__name__}")
    arrays = {}
    for name, tensor in state.items():
        if not isinstance(name, str):
            raise TypeError(f"state_dict keys must be str; got {name!r}")
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"state_dict[{name!r}] must be a torch.Tensor; got {type(tensor).__name__}")
        try:
            arrays[name] = tensor.detach().cpu().numpy().copy()
        except TypeError:
            raise TypeError(
                f"state_dict[{name!r}] has dtype {tensor.dtype}, which NumPy cannot hold; convert it first "
                "(for example with .float())"
            ) from None
    return arrays


def export_state_dict(module: Any, path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Write a PyTorch module's ``state_dict`` to an uncompressed ``.npz`` at ``path``.

    Parameters
    ----------
    module : torch.nn.Module or mapping of str to torch.Tensor
        As for :func:`numpy_state_dict`.
    path : str or path-like
        Where to write; NumPy appends ``.npz`` if the name lacks it.

    Returns
    -------
    dict of str to numpy.ndarray
        What was written.
    """
    arrays = numpy_state_dict(module)
    save_npz(arrays, path)
    return arrays


#: What a key must not contain: it becomes a zip member's name, and these would make it a path.
_UNSAFE_IN_KEYS = ("/", "\\", ":", "\0")


def save_npz(state_dict: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    """Write arrays to an uncompressed ``.npz`` at ``path``, one member ``KEY.npy`` per key, as ``numpy.savez`` does.

    Unlike ``numpy.savez(path, **state_dict)``, a key may be any safe name (``file`` or
    ``allow_pickle`` too), and a key that would make its member name a path is refused.

    Parameters
    ----------
    state_dict : mapping of str to numpy.ndarray
        The arrays, under the keys :meth:`transposed_conv.layers.Module.load_state_dict`
        reads; :meth:`~transposed_conv.layers.Module.state_dict`, say.
    path : str or path-like
        Where to write; ``.npz`` is appended if the name lacks it, as NumPy does.

    Raises
    ------
    ValueError
        For a key that contains a slash, backslash, colon or NUL, or is empty, ``.`` or
        ``..``; checked for every key before anything is written.
    TypeError
        For a key that is not a str, or an array of Python objects (which would need pickle).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from transposed_conv.layers import BatchNorm
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "bn.npz"
    >>> save_npz(BatchNorm(2).state_dict(), path)
    >>> sorted(np.load(path).files)
    ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
    >>> save_npz({"../../etc/x": np.ones(2)}, path)
    Traceback (most recent call last):
    ...
    ValueError: state_dict keys become zip member names (KEY.npy), so must not contain ...; got key '../../etc/x'
    >>> folder.cleanup()
    """
    members = {key: _member_name(key) for key in state_dict}  # every key checked before anything is written
    for key, array in state_dict.items():
        if not isinstance(array, np.ndarray) or array.dtype.hasobject:
            raise TypeError(f"state_dict[{key!r}] must be a NumPy array without Python objects; got {array!r:.60}")
    target = os.fspath(path)
    if not target.endswith(".npz"):
        target += ".npz"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, array in state_dict.items():
            with archive.open(members[key], "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _member_name(key: object) -> str:
    """The zip member ``KEY.npy`` for a ``state_dict`` key, or the error that says why the key cannot name one."""
    if not isinstance(key, str):
        raise TypeError(f"state_dict keys must be str; got {key!r}")
    if key in ("", ".", "..") or any(part in key for part in _UNSAFE_IN_KEYS):
        raise ValueError(
            "state_dict keys become zip member names (KEY.npy), so must not contain a slash, backslash, colon or NUL, "
            f"nor be '', '.' or '..'; got key {key!r}"
        )
    return key + ".npy"


def export_saved_state_dict(source: str | os.PathLike[str], path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Convert a ``state_dict`` saved with ``torch.save`` to the ``.npz`` that ``load_state_dict`` reads.

    The file is read with ``torch.load(..., weights_only=True)``, which refuses pickled code.
    The engine of ``transposed-conv export STATE_DICT.pt OUT.npz``.

    Parameters
    ----------
    source : path
        A file written by ``torch.save(module.state_dict(), source)``.
    path : path
        The ``.npz`` to write (the suffix is added when missing).

    Returns
    -------
    dict of str to numpy.ndarray
        The arrays written, by key.

    Examples
    --------
    >>> import torch  # doctest: +SKIP
    >>> torch.save(torch.nn.ConvTranspose2d(2, 1, 4).state_dict(), "layer.pt")  # doctest: +SKIP
    >>> sorted(export_saved_state_dict("layer.pt", "layer.npz"))  # doctest: +SKIP
    ['bias', 'weight']
    """
    torch = _torch()
    state = torch.load(os.fspath(source), map_location="cpu", weights_only=True)
    return export_state_dict(state, path)
