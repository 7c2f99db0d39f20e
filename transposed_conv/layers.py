"""Layers with a forward and a backward pass, in NumPy: the seed's ResNet-50 decoder, trainable.

Small enough to read in one sitting, like micrograd: every layer's ``forward`` caches
what its ``backward`` needs, and ``backward(grad_output)`` returns the gradient with
respect to the layer's input and *adds* the gradients of its parameters to their
``.grad`` (as PyTorch accumulates; :meth:`Module.zero_grad` clears them).

* :class:`ConvTranspose` -- N-d transposed convolution (PyTorch's ``nn.ConvTranspose*d``);
* :class:`BatchNorm` -- N-d batch normalisation (``nn.BatchNorm*d``), with running statistics;
* :class:`ReLU` and :class:`Sequential`;
* :class:`DeconvLayer` -- ConvTranspose, BatchNorm, ReLU: one upsampling block of the seed;
* :class:`ResNet50Decoder` -- three such blocks, from ``(N, 2048, 16, 16)`` to ``(N, 64, 128, 128)``.

Parameters and buffers carry PyTorch's names, so :meth:`Module.state_dict` and
:meth:`Module.load_state_dict` exchange weights with a PyTorch model of the same structure
(``deconv_layers.0.conv_transpose.weight``, ``deconv_layers.0.bn.running_mean``, ...);
:mod:`transposed_conv.export` writes a PyTorch ``state_dict`` to the ``.npz`` this reads.

Examples
--------
>>> import numpy as np
>>> decoder = ResNet50Decoder(inplanes=8, num_filters=(6, 4), num_kernels=(4, 3), rng=0)
>>> y = decoder(np.ones((2, 8, 5, 5), np.float32))
>>> y.shape
(2, 4, 20, 20)
>>> grad_x = decoder.backward(np.ones_like(y))
>>> grad_x.shape, decoder.deconv_layers[0].conv_transpose.weight.grad.shape
((2, 8, 5, 5), (8, 6, 4, 4))
>>> list(decoder.state_dict())[:3]
['deconv_layers.0.conv_transpose.weight', 'deconv_layers.0.bn.weight', 'deconv_layers.0.bn.bias']
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ._arguments import real_array
from ._normalize import as_choice, as_int, as_int_tuple, is_int, is_sequence
from .gradients import conv_transpose_backward
from .shapes import Padding, check_groups, check_output_padding, spatial_arguments
from .transpose import METHODS, conv_transpose

__all__ = [
    "BatchNorm",
    "ConvTranspose",
    "DeconvLayer",
    "Module",
    "Parameter",
    "ReLU",
    "ResNet50Decoder",
    "Sequential",
    "padding_to_double",
]

ModuleT = TypeVar("ModuleT", bound="Module")
StateDict = Mapping[str, ArrayLike]


@dataclass(eq=False)
class Parameter:
    """A trainable array and the gradient accumulated for it (``None`` until a backward pass)."""

    data: np.ndarray
    grad: np.ndarray | None = None

    def accumulate(self, grad: np.ndarray) -> None:
        """Add ``grad`` to :attr:`grad`, as PyTorch's autograd accumulates into ``.grad``."""
        self.grad = grad.astype(self.data.dtype, copy=False) if self.grad is None else self.grad + grad


class Module:
    """The base of every layer: registered parameters, buffers and children, and their state dict.

    A subclass registers its arrays in ``__init__`` with :meth:`register_parameter`,
    :meth:`register_buffer` and :meth:`register_module` -- in PyTorch's order, which is the
    order of the state dict -- and implements :meth:`forward` and :meth:`backward`.
    """

    def __init__(self) -> None:
        self.training = True
        self._parameters: dict[str, Parameter] = {}
        self._buffers: dict[str, np.ndarray] = {}
        self._modules: dict[str, Module] = {}

    def register_parameter(self, name: str, data: np.ndarray) -> Parameter:
        """Register a trainable array under ``name``; returns its :class:`Parameter`."""
        parameter = Parameter(data)
        self._parameters[name] = parameter
        return parameter

    def register_buffer(self, name: str, data: np.ndarray) -> np.ndarray:
        """Register a state array (updated in place, never trained) under ``name``; returns it."""
        self._buffers[name] = data
        return data

    def register_module(self, name: str, module: ModuleT) -> ModuleT:
        """Register a child module under ``name``; returns it."""
        self._modules[name] = module
        return module

    def forward(self, x: ArrayLike) -> np.ndarray:
        """The layer's output for ``x``; caches what :meth:`backward` needs."""
        raise NotImplementedError

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """The gradient with respect to the last :meth:`forward`'s input; accumulates parameter gradients."""
        raise NotImplementedError

    def __call__(self, x: ArrayLike) -> np.ndarray:
        return self.forward(x)

    def train(self: ModuleT, mode: bool = True) -> ModuleT:
        """Training mode (``mode=True``) or evaluation mode, for this module and every descendant."""
        if not isinstance(mode, bool):
            raise TypeError(f"mode must be a bool; got {mode!r}")
        self.training = mode
        for child in self._modules.values():
            child.train(mode)
        return self

    def eval(self: ModuleT) -> ModuleT:
        """Evaluation mode: :class:`BatchNorm` normalises with its running statistics."""
        return self.train(False)

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, with dotted names (``''`` for this one)."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, in state-dict order."""
        for prefix, module in self.named_modules():
            for name, parameter in module._parameters.items():
                yield (f"{prefix}.{name}" if prefix else name), parameter

    def parameters(self) -> list[Parameter]:
        """Every parameter, in state-dict order."""
        return [parameter for _, parameter in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every buffer (running statistics, batch counters) with its dotted name."""
        for prefix, module in self.named_modules():
            for name, buffer in module._buffers.items():
                yield (f"{prefix}.{name}" if prefix else name), buffer

    def zero_grad(self) -> None:
        """Forget every accumulated gradient (``.grad = None``, PyTorch's default)."""
        for parameter in self.parameters():
            parameter.grad = None

    def _state_arrays(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """PyTorch's state-dict order: own parameters, own buffers, then each child in turn."""
        for name, parameter in self._parameters.items():
            yield prefix + name, parameter.data
        for name, buffer in self._buffers.items():
            yield prefix + name, buffer
        for name, child in self._modules.items():
            yield from child._state_arrays(f"{prefix}{name}.")

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, under PyTorch's key names and in its order.

        ``np.savez(path, **module.state_dict())`` writes what :meth:`load_state_dict` reads.
        """
        return {name: array.copy() for name, array in self._state_arrays()}

    def load_state_dict(self, state_dict: StateDict | str | os.PathLike[str], *, strict: bool = True) -> None:
        """Copy parameters and buffers from a mapping of arrays or an ``.npz`` file, in place.

        Parameters
        ----------
        state_dict : mapping of str to array_like, or path
            PyTorch's key names (see :meth:`state_dict`), or the path of an ``.npz`` file
            (what ``numpy.savez`` and :func:`transposed_conv.export.export_state_dict` write)
            holding one ``KEY.npy`` member per key.  Values are cast to the dtype of the array
            they replace, as PyTorch's ``copy_`` does (float64 into float32, say), but never
            from a floating to an integer dtype, and never to a value that dtype cannot hold.
        strict : bool
            Whether missing and unexpected keys are errors (PyTorch's default); shapes
            must match either way.

        Raises
        ------
        ValueError
            Naming every missing, unexpected or mis-shaped key; for a value outside the range
            of the array it replaces (an integer too large for int64, a finite float too large
            for float32); for a file that is not a zip archive of ``.npy`` members, or whose
            member sizes disagree with their headers.  Nothing is loaded then.
        TypeError
            For a value that is not an array of real numbers (bool, complex, object, ...) or
            cannot be cast without changing its kind.

        Notes
        -----
        A file gets every check a mapping gets, and is read member by member: names come from
        the zip directory, and the dtype, shape and size of each expected member from its
        ``.npy`` header, all checked before any array data is read.  Members the model does
        not expect are never decompressed (refused by name when ``strict``, skipped
        otherwise), so the memory a load takes is bounded by the model's own arrays.  A
        ``numpy.load`` result (an ``NpzFile``) is read the same way.

        Examples
        --------
        >>> import numpy as np
        >>> layer = BatchNorm(2)
        >>> layer.load_state_dict({"running_mean": [1.0, 2.0]}, strict=False)
        >>> layer.running_mean.tolist()
        [1.0, 2.0]
        >>> layer.load_state_dict({"running_mean": [True, False]}, strict=False)
        Traceback (most recent call last):
        ...
        TypeError: state_dict['running_mean'] must be an array of real numbers (integer or floating dtype); got ...bool
        >>> layer.load_state_dict({"num_batches_tracked": np.uint64(2**64 - 1)}, strict=False)
        Traceback (most recent call last):
        ...
        ValueError: state_dict['num_batches_tracked'] holds 18446744073709551615, above the largest int64 ...
        """
        own = dict(self._state_arrays())
        owner = type(self).__name__
        if isinstance(state_dict, (str, os.PathLike)):
            try:
                archive = zipfile.ZipFile(state_dict)
            except zipfile.BadZipFile:
                raise ValueError(
                    "state_dict must be a mapping of names to arrays or the path of an .npz file (a zip archive of "
                    f".npy members); {os.fspath(state_dict)!r} is not a zip archive"
                ) from None
            with archive:
                arrays = _read_npz(archive, own, strict, owner)
        elif isinstance(state_dict, np.lib.npyio.NpzFile):
            if state_dict.zip is None:
                raise ValueError("state_dict is a closed NpzFile; load from it inside its with block")
            arrays = _read_npz(state_dict.zip, own, strict, owner)
        else:
            arrays = _read_mapping(state_dict)
            _check_fit(own, arrays, {name: value.shape for name, value in arrays.items()}, strict, owner)
        for name, target in own.items():
            if name in arrays:
                _check_cast(f"state_dict[{name!r}]", arrays[name], target.dtype)
        for name, target in own.items():
            if name in arrays:
                np.copyto(target, arrays[name], casting="same_kind")

    def extra_repr(self) -> str:
        """The arguments shown in ``repr`` between the parentheses."""
        return ""

    def __repr__(self) -> str:
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        return f"{type(self).__name__}({self.extra_repr()}\n" + "\n".join(lines) + "\n)"


def _read_mapping(state_dict: Any) -> dict[str, np.ndarray]:
    """A mapping's values as arrays of real numbers, each checked by :func:`real_array` under its key."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            "state_dict must be a mapping of names to arrays or the path of an .npz file; "
            f"got {type(state_dict).__name__}"
        )
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"state_dict keys must be str; got {name!r}")
        arrays[name] = real_array(value, f"state_dict[{name!r}]")
    return arrays


def _check_fit(
    own: Mapping[str, np.ndarray],
    names: Collection[str],
    shapes: Mapping[str, tuple[int, ...]],
    strict: bool,
    owner: str,
) -> None:
    """A ``ValueError`` naming every missing, unexpected (when ``strict``) and mis-shaped key, or nothing.

    ``names`` are the keys offered (a dict or set: membership is tested for each of ``own``), ``shapes`` the
    shapes of those that ``own`` expects.
    """
    missing = [name for name in own if name not in names]
    unexpected = [name for name in names if name not in own]
    problems = []
    if strict and missing:
        problems.append(f"missing keys {missing}")
    if strict and unexpected:
        problems.append(f"unexpected keys {unexpected}")
    mis_shaped = [
        f"{name!r} has shape {shapes[name]}, expected {target.shape}"
        for name, target in own.items()
        if name in shapes and shapes[name] != target.shape
    ]
    if mis_shaped:
        problems.append("mis-shaped keys: " + "; ".join(mis_shaped))
    if problems:
        raise ValueError(f"state_dict does not fit this {owner}: " + "; ".join(problems))


def _check_cast(name: str, value: np.ndarray, dtype: np.dtype[Any]) -> None:
    """Refuse a cast of ``value`` into ``dtype`` that changes its kind or a value: PyTorch's ``copy_``, but checked."""
    if not np.can_cast(value.dtype, dtype, casting="same_kind"):
        raise TypeError(f"{name} has dtype {value.dtype}, which cannot be cast to {dtype} without changing its kind")
    if value.size == 0 or np.can_cast(value.dtype, dtype, casting="safe"):
        return
    low: float
    high: float
    smallest: float
    largest: float
    if dtype.kind in "iu":
        low, high = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    else:  # a floating dtype: a finite value beyond its largest would become inf
        high = float(np.finfo(dtype).max)
        low = -high
    if value.dtype.kind in "iu":  # exact, as Python ints
        smallest, largest = int(value.min()), int(value.max())
    else:  # floating into floating (same_kind refuses floating into integer): infinities and NaN stay what they are
        finite = np.isfinite(value)
        smallest = value.min(where=finite, initial=np.inf).item()
        largest = value.max(where=finite, initial=-np.inf).item()
    if largest > high:
        raise ValueError(f"{name} holds {largest}, above the largest {dtype} ({high}) of the array it replaces")
    if smallest < low:
        raise ValueError(f"{name} holds {smallest}, below the smallest {dtype} ({low}) of the array it replaces")


def _read_npz(
    archive: zipfile.ZipFile, own: Mapping[str, np.ndarray], strict: bool, owner: str
) -> dict[str, np.ndarray]:
    """The members of an ``.npz`` that ``own`` expects, as arrays; see :meth:`Module.load_state_dict`'s Notes.

    Names come from the zip directory; each expected member's dtype, shape and size from its ``.npy`` header and
    the directory, checked (with :func:`_check_fit`) before any member's data is read.  Unexpected members are
    never opened.
    """
    members: dict[str, zipfile.ZipInfo] = {}
    names: dict[str, None] = {}  # every member's key, in the archive's order
    for info in archive.infolist():
        # NumPy's key for a member KEY.npy is KEY; any other member is named in full (and fits no key of ours).
        name = info.filename[: -len(".npy")] if info.filename.endswith(".npy") else info.filename
        if name in names:
            raise ValueError(f"state_dict file {archive.filename!r} has the member {info.filename!r} twice")
        names[name] = None
        if name in own and info.filename.endswith(".npy"):
            members[name] = info
    headers = {name: _npy_header(archive, info, f"state_dict[{name!r}]") for name, info in members.items()}
    _check_fit(own, names, {name: shape for name, (shape, _) in headers.items()}, strict, owner)
    arrays = {}
    for name, info in members.items():
        with archive.open(info) as member:
            try:
                arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
            except (ValueError, zipfile.BadZipFile) as error:  # truncated data, or a CRC that does not match
                raise ValueError(
                    f"state_dict[{name!r}]: the member {info.filename!r} cannot be read: {error}"
                ) from None
    return arrays


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """The shape and dtype in a member's ``.npy`` header, after checking them and the member's size; no data read."""
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f".npy format version {version[0]}.{version[1]} is not read here (1.0 and 2.0 are)")
        except ValueError as error:
            raise ValueError(f"{name}: the member {info.filename!r} is not a .npy array: {error}") from None
        header_size = member.tell()
    if dtype.subdtype is not None:  # NumPy would read an array larger than the header's shape says
        raise TypeError(f"{name} must be an array of real numbers; got the sub-array dtype {dtype} in its .npy header")
    real_array(np.empty(0, dtype), name)  # the mapping's dtype rule (real numbers only), before any data is read
    expected = header_size + math.prod(shape) * dtype.itemsize
    if info.file_size != expected:
        raise ValueError(
            f"{name}: the member {info.filename!r} holds {info.file_size} bytes, but its header describes "
            f"{expected} ({header_size} of header and an array of shape {shape} and dtype {dtype})"
        )
    return shape, dtype


def _cached(value: np.ndarray | None, layer: Module) -> np.ndarray:
    if value is None:
        raise RuntimeError(f"{type(layer).__name__}.backward needs a forward pass first")
    return value


def _float_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    result = np.dtype(dtype)
    if result.kind != "f":
        raise TypeError(f"dtype must be a floating dtype; got dtype={result}")
    return result


class ConvTranspose(Module):
    """N-d transposed convolution with a weight and an optional bias, as PyTorch's ``nn.ConvTranspose*d``.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C_in`` and ``C_out``, both divisible by ``groups``.
    kernel_size : int or sequence of int
        One entry per spatial dimension; an int applies to every dimension.
    stride, padding, output_padding, dilation, groups
        As for :func:`~transposed_conv.conv_transpose` (``padding`` may give ``(begin, end)`` pairs).
    bias : bool
        Whether to learn a bias (parameter ``bias``, shape ``(C_out,)``).
    ndim : int, optional
        Number of spatial dimensions; taken from ``kernel_size`` when it is a sequence, else 2.
    method : str
        The :func:`~transposed_conv.conv_transpose` algorithm; ``'auto'`` picks the fastest.
    dtype : floating dtype
        Of the parameters; float32 like PyTorch's default.
    rng : numpy.random.Generator or int, optional
        Where the initial weights come from.  They are drawn as PyTorch draws them:
        uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in))`` with ``fan_in = C_out/groups * prod(kernel)``
        (its ``kaiming_uniform_(a=sqrt(5))``), the bias likewise.

    Attributes
    ----------
    weight : Parameter
        Shape ``(C_in, C_out/groups, *kernel_size)``.
    bias : Parameter or None

    Examples
    --------
    >>> import numpy as np
    >>> layer = ConvTranspose(4, 2, 3, stride=2, padding=1, output_padding=1, rng=0)
    >>> layer.weight.data.shape, layer.bias.data.shape
    ((4, 2, 3, 3), (2,))
    >>> y = layer(np.ones((1, 4, 5, 5), np.float32))
    >>> y.shape, y.dtype
    ((1, 2, 10, 10), dtype('float32'))
    >>> layer.backward(np.ones_like(y)).shape, layer.weight.grad.shape, layer.bias.grad.tolist()
    ((1, 4, 5, 5), (4, 2, 3, 3), [100.0, 100.0])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        *,
        stride: int | Sequence[int] = 1,
        padding: Padding = 0,
        output_padding: int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        ndim: int | None = None,
        method: str = "auto",
        dtype: DTypeLike = np.float32,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        if ndim is None:
            ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else 2
        ndim = as_int(ndim, "ndim", minimum=1)
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        self.out_channels = as_int(out_channels, "out_channels", minimum=1)
        self.kernel_size = as_int_tuple(kernel_size, "kernel_size", ndim, minimum=1)
        # The geometry's own checks, short of the input size, which comes with each call.
        self.stride, self.padding, self.output_padding, self.dilation = spatial_arguments(
            ndim, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
        )
        check_output_padding(self.output_padding, self.stride, self.dilation)
        self.groups = check_groups(groups, self.in_channels, self.out_channels)
        if not isinstance(bias, bool):
            raise TypeError(f"bias must be a bool; got {bias!r}")
        self.method = as_choice(method, "method", ("auto", *METHODS))
        dt = _float_dtype(dtype)
        generator = np.random.default_rng(rng)
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        bound = 1 / math.sqrt(self.out_channels // self.groups * math.prod(self.kernel_size))
        self.weight = self.register_parameter("weight", generator.uniform(-bound, bound, shape).astype(dt))
        self.bias: Parameter | None = None
        if bias:
            self.bias = self.register_parameter("bias", generator.uniform(-bound, bound, self.out_channels).astype(dt))
        self._x: np.ndarray | None = None

    @property
    def _arguments(self) -> dict[str, Any]:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "dilation": self.dilation,
            "groups": self.groups,
            "method": self.method,
        }

    def forward(self, x: ArrayLike) -> np.ndarray:
        """``conv_transpose(x, weight, bias, ...)``; ``x`` is ``(N, C_in, *spatial)``."""
        self._x = real_array(x, "x")
        return conv_transpose(
            self._x, self.weight.data, None if self.bias is None else self.bias.data, **self._arguments
        )

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """Input gradient by :func:`~transposed_conv.gradients.conv_transpose_backward`; accumulates ``.grad``."""
        gradients = conv_transpose_backward(grad_output, _cached(self._x, self), self.weight.data, **self._arguments)
        self.weight.accumulate(gradients.grad_weight)
        if self.bias is not None:
            self.bias.accumulate(gradients.grad_bias)
        return gradients.grad_input

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, output_padding={self.output_padding}, dilation={self.dilation}, "
            f"groups={self.groups}, bias={self.bias is not None}"
        )


class BatchNorm(Module):
    """Batch normalisation over every axis but the channels, as PyTorch's ``nn.BatchNorm*d``.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel, where ``mean`` and
    ``var`` are the statistics of the batch (training mode) or the running statistics
    (evaluation mode).

    Parameters
    ----------
    num_features : int
        ``C``, the size of axis 1 of the input ``(N, C, *spatial)``, any number of spatial axes.
    eps : float
        Added to the variance, ``> 0``.
    momentum : float or None
        Weight of the new batch in the running statistics,
        ``running = (1 - momentum) * running + momentum * batch``; ``None`` gives the
        cumulative average ``momentum = 1 / num_batches_tracked``.
    affine : bool
        Whether to learn ``weight`` (ones) and ``bias`` (zeros).
    track_running_stats : bool
        Whether to keep ``running_mean`` (zeros), ``running_var`` (ones) and
        ``num_batches_tracked`` (0) buffers.  Without them, evaluation mode normalises
        with the batch statistics too.
    dtype : floating dtype
        Of the parameters and running statistics.

    Notes
    -----
    Exactly as PyTorch: with ``m = N * prod(spatial)`` values per channel, training
    normalises with the *biased* variance ``sum((x - mean)**2) / m`` but updates
    ``running_var`` with the *unbiased* one, ``m / (m - 1)`` times larger, and adds one to
    ``num_batches_tracked``.  The backward pass differentiates through the batch
    statistics: with ``x_hat`` the normalised input and ``dy`` the output gradient,
    ``dx = weight / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat))`` (means
    per channel); in evaluation mode the layer is an affine map and ``dx = dy * weight /
    sqrt(running_var + eps)``.  Either way ``d weight = sum(dy * x_hat)`` and
    ``d bias = sum(dy)``.

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNorm(1, dtype=np.float64)
    >>> bn(np.array([[1.0], [3.0]])).tolist()  # mean 2, biased variance 1
    [[-0.999995...], [0.999995...]]
    >>> bn.running_mean.tolist(), bn.running_var.tolist(), int(bn.num_batches_tracked)
    ([0.2], [1.1], 1)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        dtype: DTypeLike = np.float32,
    ) -> None:
        super().__init__()
        self.num_features = as_int(num_features, "num_features", minimum=1)
        if isinstance(eps, bool) or not isinstance(eps, (int, float)):
            raise TypeError(f"eps must be a float > 0; got eps={eps!r}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0; got eps={eps!r}")
        if momentum is not None:
            if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
                raise TypeError(f"momentum must be a float in [0, 1] or None; got momentum={momentum!r}")
            if not 0 <= momentum <= 1:
                raise ValueError(f"momentum must be in [0, 1] or None; got momentum={momentum!r}")
        for name, flag in (("affine", affine), ("track_running_stats", track_running_stats)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be a bool; got {flag!r}")
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.dtype = _float_dtype(dtype)
        c, dt = self.num_features, self.dtype
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = self.register_parameter("weight", np.ones(c, dt))
            self.bias = self.register_parameter("bias", np.zeros(c, dt))
        self.running_mean: np.ndarray | None = None
        self.running_var: np.ndarray | None = None
        self.num_batches_tracked: np.ndarray | None = None
        if track_running_stats:
            self.running_mean = self.register_buffer("running_mean", np.zeros(c, dt))
            self.running_var = self.register_buffer("running_var", np.ones(c, dt))
            self.num_batches_tracked = self.register_buffer("num_batches_tracked", np.zeros((), np.int64))
        self._x_hat: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None
        self._batch_statistics = True

    def forward(self, x: ArrayLike) -> np.ndarray:
        """Normalise ``x`` of shape ``(N, C, *spatial)``; in training mode, update the running statistics."""
        x_arr = real_array(x, "x")
        if x_arr.ndim < 2 or x_arr.shape[1] != self.num_features:
            raise ValueError(
                f"x must have shape (N, {self.num_features}, *spatial) for BatchNorm({self.num_features}); "
                f"got x.shape={x_arr.shape}"
            )
        axes = (0, *range(2, x_arr.ndim))
        count = x_arr.size // self.num_features
        dt = np.result_type(x_arr.dtype, self.dtype)
        x_arr = x_arr.astype(dt, copy=False)
        self._batch_statistics = self.training or self.running_mean is None
        if self._batch_statistics:
            if count < 2 and self.training:
                raise ValueError(
                    "x must have more than 1 value per channel in training mode (its variance is undefined); "
                    f"got x.shape={x_arr.shape}"
                )
            mean = x_arr.mean(axis=axes)
            var = x_arr.var(axis=axes)  # biased: divides by count
            if self.training and self.running_mean is not None:
                self._update_running_statistics(mean, var * (count / (count - 1)))
        else:
            mean = _cached(self.running_mean, self).astype(dt)
            var = _cached(self.running_var, self).astype(dt)
        broadcast = (1, self.num_features) + (1,) * (x_arr.ndim - 2)
        self._inv_std = (1 / np.sqrt(var + self.eps)).reshape(broadcast)  # (1, C, 1, ..., 1)
        self._x_hat = (x_arr - mean.reshape(broadcast)) * self._inv_std
        if self.weight is None or self.bias is None:
            return self._x_hat
        y: np.ndarray = self._x_hat * self.weight.data.reshape(broadcast) + self.bias.data.reshape(broadcast)
        return y

    def _update_running_statistics(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        running_mean, running_var = _cached(self.running_mean, self), _cached(self.running_var, self)
        tracked = _cached(self.num_batches_tracked, self)
        tracked += 1
        factor = 1 / int(tracked) if self.momentum is None else self.momentum
        running_mean *= 1 - factor
        running_mean += factor * mean
        running_var *= 1 - factor
        running_var += factor * unbiased_var

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """Input gradient, through the batch statistics in training mode; accumulates ``.grad``."""
        x_hat, inv_std = _cached(self._x_hat, self), _cached(self._inv_std, self)
        dy = real_array(grad_output, "grad_output")
        if dy.shape != x_hat.shape:
            raise ValueError(
                f"grad_output must have the output's shape {x_hat.shape}; got grad_output.shape={dy.shape}"
            )
        axes = (0, *range(2, dy.ndim))
        broadcast = inv_std.shape
        grad_bias = dy.sum(axis=axes)
        grad_weight = (dy * x_hat).sum(axis=axes)
        scale = inv_std if self.weight is None else inv_std * self.weight.data.reshape(broadcast)
        if self._batch_statistics:
            dy_centred = dy - dy.mean(axis=axes, keepdims=True) - x_hat * (dy * x_hat).mean(axis=axes, keepdims=True)
            grad_input: np.ndarray = dy_centred * scale
        else:
            grad_input = dy * scale
        if self.weight is not None and self.bias is not None:
            self.weight.accumulate(grad_weight)
            self.bias.accumulate(grad_bias)
        return grad_input

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class ReLU(Module):
    """``max(x, 0)``; its gradient passes where ``x > 0`` (zero at 0, as PyTorch).

    Examples
    --------
    >>> relu = ReLU()
    >>> relu([-1.0, 0.0, 2.0]).tolist(), relu.backward([5.0, 5.0, 5.0]).tolist()
    ([0.0, 0.0, 2.0], [0.0, 0.0, 5.0])
    """

    def __init__(self) -> None:
        super().__init__()
        self._positive: np.ndarray | None = None

    def forward(self, x: ArrayLike) -> np.ndarray:
        """``x`` where positive, else 0, in ``x``'s dtype."""
        x_arr = real_array(x, "x")
        self._positive = x_arr > 0
        return np.where(self._positive, x_arr, 0).astype(x_arr.dtype, copy=False)

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """``grad_output`` where the input was positive, else 0."""
        positive = _cached(self._positive, self)
        dy = real_array(grad_output, "grad_output")
        if dy.shape != positive.shape:
            raise ValueError(
                f"grad_output must have the output's shape {positive.shape}; got grad_output.shape={dy.shape}"
            )
        return np.where(positive, dy, 0).astype(dy.dtype, copy=False)


class Sequential(Module):
    """Layers applied in turn; ``backward`` runs their backward passes in reverse.

    Children are named ``'0'``, ``'1'``, ... as in PyTorch; index with ``sequential[i]``.

    Examples
    --------
    >>> import numpy as np
    >>> net = Sequential(ConvTranspose(2, 1, 2, ndim=1, bias=False, dtype=np.float64), ReLU())
    >>> net[0].weight.data[...] = [[[1.0, -3.0]], [[1.0, 1.0]]]
    >>> net(np.array([[[1.0, 2.0], [3.0, 4.0]]])).tolist()  # [1, -1, -6] + [3, 7, 4], then ReLU
    [[[4.0, 6.0, 0.0]]]
    >>> net.backward(np.ones((1, 1, 3))).tolist()  # the ReLU stops the gradient of the last output
    [[[-2.0, 1.0], [2.0, 1.0]]]
    >>> net[0].weight.grad.tolist()
    [[[3.0, 1.0]], [[7.0, 3.0]]]
    """

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for index, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layers must be Module instances; got {type(layer).__name__} at position {index}")
            self.register_module(str(index), layer)

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, x: ArrayLike) -> np.ndarray:
        """Each layer's output is the next one's input."""
        y = real_array(x, "x")
        for layer in self:
            y = layer.forward(y)
        return y

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """The chain rule: each layer's input gradient is the previous layer's output gradient."""
        grad = real_array(grad_output, "grad_output")
        for layer in reversed(list(self)):
            grad = layer.backward(grad)
        return grad


def padding_to_double(kernel_size: int) -> tuple[int, int]:
    """``(padding, output_padding)`` with which a stride-2 transposed convolution doubles the size exactly.

    With stride 2 the output size is ``2*(i - 1) - 2*padding + kernel_size + output_padding``,
    which is ``2*i`` when ``kernel_size + output_padding - 2*padding = 2``.

    Parameters
    ----------
    kernel_size : int
        4, 3 or 2 -- the kernels of the ResNet decoders.

    Returns
    -------
    tuple of int
        ``(1, 0)`` for 4, ``(1, 1)`` for 3, ``(0, 0)`` for 2.

    Raises
    ------
    ValueError
        For any other kernel size.

    Examples
    --------
    >>> [padding_to_double(k) for k in (4, 3, 2)]
    [(1, 0), (1, 1), (0, 0)]
    """
    k = as_int(kernel_size, "kernel_size")
    rule = {4: (1, 0), 3: (1, 1), 2: (0, 0)}
    if k not in rule:
        raise ValueError(f"kernel_size must be 4, 3 or 2 for an exact doubling with stride 2; got kernel_size={k}")
    return rule[k]


class DeconvLayer(Module):
    """One upsampling block of the seed's decoder: ``ConvTranspose``, ``BatchNorm``, ``ReLU``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, output_padding
        Of the transposed convolution (child ``conv_transpose``, 2-D unless ``ndim`` says otherwise).
    bn_momentum : float or None
        The batch normalisation's momentum (child ``bn``).
    bias : bool
        Whether the transposed convolution has a bias (the seed: no, the batch
        normalisation's shift makes it redundant).
    ndim, method, dtype, rng
        As for :class:`ConvTranspose`.

    Examples
    --------
    >>> import numpy as np
    >>> block = DeconvLayer(8, 4, 4, 2, 1, 0, rng=0)
    >>> block(np.ones((2, 8, 16, 16), np.float32)).shape
    (2, 4, 32, 32)
    >>> list(block.state_dict())
    ['conv_transpose.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int],
        padding: Padding,
        output_padding: int | Sequence[int],
        bn_momentum: float | None = 0.1,
        bias: bool = False,
        *,
        ndim: int | None = None,
        method: str = "auto",
        dtype: DTypeLike = np.float32,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        self.conv_transpose = self.register_module(
            "conv_transpose",
            ConvTranspose(
                in_channels,
                out_channels,
                kernel_size,
                stride=stride,
                padding=padding,
                output_padding=output_padding,
                bias=bias,
                ndim=ndim,
                method=method,
                dtype=dtype,
                rng=rng,
            ),
        )
        self.bn = self.register_module("bn", BatchNorm(out_channels, momentum=bn_momentum, dtype=dtype))
        self.relu = self.register_module("relu", ReLU())

    def forward(self, x: ArrayLike) -> np.ndarray:
        """``relu(bn(conv_transpose(x)))``."""
        return self.relu.forward(self.bn.forward(self.conv_transpose.forward(x)))

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """The three backward passes in reverse order."""
        return self.conv_transpose.backward(self.bn.backward(self.relu.backward(grad_output)))


class ResNet50Decoder(Module):
    """The seed's decoder: stride-2 :class:`DeconvLayer` blocks that each double the spatial size.

    With the defaults, ``(N, 2048, 16, 16) -> (N, 256, 32, 32) -> (N, 128, 64, 64) -> (N, 64, 128, 128)``:
    the ResNet-50 feature map upsampled eightfold (CenterNet's head input).

    Parameters
    ----------
    inplanes : int
        Input channels.
    bn_momentum : float or None
        Of every batch normalisation.
    num_filters : sequence of int
        Output channels of each block.
    num_kernels : sequence of int
        Kernel size of each block, 4, 3 or 2; :func:`padding_to_double` gives its padding
        and output padding.
    ndim, method, dtype, rng
        As for :class:`ConvTranspose`; one generator initialises every block in turn.

    Attributes
    ----------
    deconv_layers : Sequential
        The blocks, named ``'0'``, ``'1'``, ... (state-dict keys ``deconv_layers.0.conv_transpose.weight``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> decoder = ResNet50Decoder(inplanes=16, num_filters=(8, 6, 4), rng=0)
    >>> decoder(np.zeros((1, 16, 4, 4), np.float32)).shape
    (1, 4, 32, 32)
    """

    def __init__(
        self,
        inplanes: int = 2048,
        bn_momentum: float | None = 0.1,
        num_filters: Sequence[int] = (256, 128, 64),
        num_kernels: Sequence[int] = (4, 4, 4),
        *,
        ndim: int = 2,
        method: str = "auto",
        dtype: DTypeLike = np.float32,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("num_filters", num_filters), ("num_kernels", num_kernels)):
            if not is_sequence(value) or not all(is_int(v) for v in value):
                raise TypeError(f"{name} must be a sequence of ints; got {name}={value!r}")
        if len(num_filters) != len(num_kernels) or not num_filters:
            raise ValueError(
                "num_filters and num_kernels must have one entry per block, at least one; "
                f"got num_filters={tuple(num_filters)} and num_kernels={tuple(num_kernels)}"
            )
        self.inplanes = as_int(inplanes, "inplanes", minimum=1)
        generator = np.random.default_rng(rng)
        blocks = []
        channels = self.inplanes
        for planes, kernel in zip(num_filters, num_kernels):
            try:
                padding, output_padding = padding_to_double(kernel)
            except ValueError:
                raise ValueError(
                    f"num_kernels must contain only 4, 3 or 2 (the sizes stride 2 doubles exactly); "
                    f"got num_kernels={tuple(num_kernels)}"
                ) from None
            blocks.append(
                DeconvLayer(
                    channels,
                    planes,
                    kernel,
                    2,
                    padding,
                    output_padding,
                    bn_momentum,
                    False,
                    ndim=ndim,
                    method=method,
                    dtype=dtype,
                    rng=generator,
                )
            )
            channels = planes
        self.deconv_layers = self.register_module("deconv_layers", Sequential(*blocks))

    def forward(self, x: ArrayLike) -> np.ndarray:
        """``(N, inplanes, *spatial) -> (N, num_filters[-1], *(spatial * 2**len(num_filters)))``."""
        return self.deconv_layers.forward(x)

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """Through every block, last first."""
        return self.deconv_layers.backward(grad_output)
