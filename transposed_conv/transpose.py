"""``conv_transpose``: the public entry point, and the choice of method."""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike

from ._arguments import Prepared, prepare_conv_transpose, prepared_arrays
from ._memory import get_memory_limit
from ._normalize import as_choice
from .methods import direct, fft, im2col, matrix, polyphase, winograd, zero_insertion
from .shapes import ConvTransposeGeometry, Padding

__all__ = [
    "ERROR_MODELS",
    "METHODS",
    "MachineRates",
    "choose_method",
    "conv_transpose",
    "estimated_seconds",
    "supports",
]

Method = Callable[[np.ndarray, np.ndarray, ConvTransposeGeometry], np.ndarray]

#: The algorithms by name; ``"auto"`` picks one of them.
METHODS: dict[str, Method] = {
    "direct": direct.conv_transpose,
    "zero_insertion": zero_insertion.conv_transpose,
    "im2col": im2col.conv_transpose,
    # the same sums as "im2col" regrouped by output phase: the sub-pixel view, no col2im scatter-add
    "polyphase": polyphase.conv_transpose,
    "matrix": matrix.conv_transpose,
    # teaching methods that transform instead of summing the definition's products (never chosen by "auto")
    "fft": fft.conv_transpose,
    "winograd": winograd.conv_transpose,  # stride 1, dilation 1, 3-tap kernels, 1-D or 2-D only
}

#: The oracle's error model (``transposed_conv.oracle``'s ``algorithm=``) that each method's rounding obeys:
#: ``"summation"`` for the methods that sum the definition's products in some order, else the transform's.
ERROR_MODELS: dict[str, str] = {name: "summation" for name in METHODS} | {"fft": "fft", "winograd": "winograd"}

#: For each method with a restricted domain, the rule it checks: ``method="winograd"`` raises outside it.
_DOMAINS: dict[str, Callable[[ConvTransposeGeometry], bool]] = {"winograd": winograd.in_domain}


def supports(method: str, geometry: ConvTransposeGeometry) -> bool:
    """Whether ``method`` computes ``geometry`` (only ``"winograd"`` has a restricted domain).

    >>> g = ConvTransposeGeometry.build((8, 8), (3, 3), padding=1)
    >>> supports("winograd", g), supports("winograd", ConvTransposeGeometry.build((8, 8), (4, 4), stride=2))
    (True, False)
    """
    rule = _DOMAINS.get(method)
    return rule is None or rule(geometry)


@dataclass(frozen=True)
class MachineRates:
    """Costs of the basic operations, in seconds, that :func:`choose_method` weighs; only their ratios matter.

    Measured on the 2-core x86-64 (AVX-512) of ``docs/performance.md`` with NumPy's
    OpenBLAS on both cores: a large GEMM reaches about 380 GFLOP/s in float32 and 190
    in float64; NumPy's strided element-wise loops (one core) move about 3 GB/s when
    they add into a strided target and about 3.3 GB/s when they copy into a fresh one
    (page faults included).
    """

    #: Seconds per multiply-add of a large GEMM, by dtype (BLAS for float32 and float64).
    multiply_add: tuple[tuple[str, float], ...] = (("float32", 5.3e-12), ("float64", 10.5e-12))
    #: Seconds per multiply-add of NumPy's own loops (integer matmul has no BLAS).
    multiply_add_other: float = 1.0e-9
    #: Seconds per byte of a strided read-add-write into an existing array (``col2im``).
    add_per_byte: float = 0.36e-9
    #: Seconds per byte of a strided copy into a fresh array (gathers, weight transposes, phase writes).
    copy_per_byte: float = 0.3e-9
    #: Seconds of Python overhead per NumPy call on a slice (one kernel tap, one phase).
    call: float = 3e-6


RATES = MachineRates()


def _multiply_add_time(dtype: np.dtype[Any], rates: MachineRates) -> float:
    return dict(rates.multiply_add).get(dtype.name, rates.multiply_add_other)


def estimated_seconds(
    name: str, geometry: ConvTransposeGeometry, batch: int, dtype: np.dtype[Any], rates: MachineRates = RATES
) -> float:
    """The cost model behind :func:`choose_method`: a time estimate for ``"im2col"``, ``"polyphase"``, or
    ``"zero_insertion"``'s small path (:func:`~transposed_conv.methods.zero_insertion.conv_transpose_gathered`)."""
    g = geometry.groups
    volume, length = math.prod(geometry.kernel_shape), math.prod(geometry.input_shape)
    n = max(batch, 1)
    mac = _multiply_add_time(dtype, rates)
    add, copy = rates.add_per_byte * dtype.itemsize, rates.copy_per_byte * dtype.itemsize
    inputs = n * geometry.in_channels * length
    if name == "zero_insertion":  # the small path: one gather of every window, one GEMM, prod(stride) times the work
        gathered = n * geometry.in_channels * volume * math.prod(geometry.output_shape)
        multiply_adds = gathered * (geometry.out_channels // g)
        return multiply_adds * mac + gathered * copy  # one gather, where im2col makes a call per tap
    if name == "im2col":
        columns = n * geometry.out_channels * volume * length
        multiply_adds = columns * (geometry.in_channels // g)
        return multiply_adds * mac + columns * add + inputs * copy + volume * rates.call
    layout = polyphase.plan(geometry)
    combos = math.prod(len(p) for p in layout.phases)
    gathered = n * geometry.in_channels * layout.slot_volume * layout.grid_size
    outputs = n * geometry.out_channels * math.prod(geometry.output_shape)
    weights = layout.fixed_bytes(geometry, 1)  # elements: the weights' transpose and the phase matrices
    return (
        layout.multiply_adds(geometry, n) * mac
        + (gathered + outputs + weights) * copy
        + (layout.slot_volume + 2 * combos) * rates.call
    )


def choose_method(geometry: ConvTransposeGeometry, batch: int = 1, dtype: Any = np.float64) -> str:
    """The method ``"auto"`` runs for ``geometry`` with ``batch`` elements of ``dtype``.

    Two algorithms compete, both GEMM-based and both exact rearrangements of the same
    sums: ``"im2col"`` (one GEMM with ``W.T``, then ``col2im``, a strided read-add-write
    of ``C_out * prod(k) * prod(L)`` values per batch element) and ``"polyphase"``
    (:mod:`~transposed_conv.methods.polyphase`: one GEMM of the stacked phase weight
    matrices with ``prod(E)`` shifted copies of the input per batch element, no
    scatter-add, but a copy of the weights into phase matrices and some wasted
    multiply-adds: the columns between rows of the flattened grid, and zero slots when
    the kernel does not split evenly into the ``prod(stride)`` phases).  The rule is the
    measured cost model :func:`estimated_seconds` with :data:`RATES`; ``"polyphase"`` is
    chosen when it is estimated faster and its per-element buffers fit the memory limit.
    Two more rules, both measured:

    * small calls (:func:`~transposed_conv.methods.zero_insertion.gathered_fits`) run
      ``"zero_insertion"``'s small path when the model expects it faster: one gather and one
      GEMM, where the others make a NumPy call per tap or phase, which costs more than the
      arithmetic there (the ``prod(stride)`` times larger GEMM is what the model weighs);
    * depthwise layers (one input channel per group) run ``"polyphase"``, whose depthwise path
      forms im2col's products with contiguous sums instead of ``col2im``'s strided ones.

    In practice (``benchmarks/results/results.md``): ``"polyphase"`` wins when ``C_in``
    is not much larger than ``C_out`` -- ``col2im`` then moves as much data as the GEMM
    computes -- and when stride divides kernel size, as in the decoder's 256->128 and
    128->64 layers; ``"im2col"`` wins when ``C_in >> C_out`` (the 2048->256 layer, where
    the weights outweigh everything else), for uneven splits, and for small inputs.
    ``"direct"`` loops in Python and ``"matrix"`` builds a sparse matrix first; they are
    never chosen, nor are the transforms.
    """
    return _choose(geometry, batch, np.dtype(dtype).name, get_memory_limit())


@functools.lru_cache(maxsize=1024)
def _choose(geometry: ConvTransposeGeometry, batch: int, dtype: str, limit: int) -> str:
    dt = np.dtype(dtype)
    layout = polyphase.plan(geometry)
    fits = layout.item_bytes(geometry, dt.itemsize) + layout.fixed_bytes(geometry, dt.itemsize) <= limit
    im2col_time = estimated_seconds("im2col", geometry, batch, dt)
    if zero_insertion.gathered_fits(geometry, batch) and estimated_seconds("zero_insertion", geometry, batch, dt) < min(
        im2col_time, estimated_seconds("polyphase", geometry, batch, dt)
    ):
        return "zero_insertion"
    if geometry.in_channels == geometry.groups:  # depthwise: polyphase's path forms im2col's products, adds faster
        return "polyphase"
    if fits and estimated_seconds("polyphase", geometry, batch, dt) < im2col_time:
        return "polyphase"
    return "im2col"


def conv_transpose(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    output_size: Sequence[int] | None = None,
    method: str = "auto",
) -> np.ndarray:
    """N-d transposed convolution: the adjoint of :func:`conv`.

    Each input element scatters a copy of its kernel, scaled by the element, into the
    output: ``y[n, g*C_out/G + m, i*stride + j*dilation - p_begin] += x[n, c, i] * weight[c, m, j]``
    for every input channel ``c`` (in group ``g``), input position ``i``, kernel tap ``j``
    and output channel ``m`` of the group; positions in the padding are dropped.

    Parameters
    ----------
    x : array_like
        Input of shape ``(N, C_in, *spatial)``, or ``(C_in, *spatial)`` unbatched;
        any number ``d >= 1`` of spatial dimensions.
    weight : array_like
        Kernel of shape ``(C_in, C_out/groups, *kernel)`` -- PyTorch's layout, in which
        the *input* channels come first.
    bias : array_like, optional
        Shape ``(C_out,)``, added to every output position.
    stride, dilation : int or sequence of int
        ``>= 1``; an int applies to every spatial dimension.
    padding : int, sequence of int, or sequence of (begin, end) pairs
        How much to remove from each side of the full output, ``>= 0``.  Pairs give
        asymmetric padding, as ONNX ``pads`` and JAX explicit padding do.
    output_padding : int or sequence of int
        Extra size at the end of each dimension, ``0 <= output_padding < max(stride, dilation)``.
    groups : int
        Number of blocked connections; divides ``C_in`` and ``C_out``.
    output_size : sequence of int, optional
        The wanted spatial output size (a full ``(N, C_out, *spatial)`` shape is accepted
        too); picks ``output_padding`` as :func:`output_padding_for` does.  Give either
        this or ``output_padding``.
    method : {'auto', 'im2col', 'polyphase', 'zero_insertion', 'direct', 'matrix', 'fft', 'winograd'}
        The algorithm; all give the same result up to rounding.  ``'auto'`` runs ``'im2col'``, the
        polyphase decomposition or, for small calls, zero insertion's small path, whichever
        :func:`choose_method`'s measured cost model expects to be faster, in chunks that keep
        temporary memory under ``transposed_conv._memory.get_memory_limit()`` (256 MiB by
        default).  A call with the shapes, dtypes and arguments of a recent call reuses its
        validated geometry and choice (:func:`call_key`).
        ``'direct'`` and ``'matrix'`` raise ``ValueError`` for large inputs.  ``'fft'`` (the
        convolution theorem) and ``'winograd'`` (F(2, 3); stride 1, dilation 1, 3-tap
        kernels in 1-D or 2-D only, else ``ValueError``) are teaching methods that do not
        sum the definition's products: their float results obey the oracle's ``'fft'`` and
        ``'winograd'`` error models (:data:`ERROR_MODELS`), and integer inputs, which must be
        exact, are computed by the summing method ``'auto'`` would choose instead.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, C_out, *out)`` (unbatched if ``x`` was), with
        ``out = (i - 1)*stride - p_begin - p_end + dilation*(k - 1) + output_padding + 1``.
        int64 for integer inputs (exact); otherwise the inputs' promoted floating dtype.

    Raises
    ------
    ValueError, TypeError
        For an invalid argument, naming it and the rule it breaks.

    See Also
    --------
    conv : the operation this is the adjoint of.
    conv_transpose_output_shape : the output-size formula on its own.

    Notes
    -----
    With stride 1 and no padding, one channel, this is MATLAB's ``conv(..., 'full')``.
    With stride ``s``, it equals inserting ``s - 1`` zeros between input elements and
    running a stride-1 full convolution (Dumoulin & Visin, 2016).

    Examples
    --------
    Stride 1 is the full convolution:

    >>> conv_transpose([[1, 2, 3]], [[[1, 1]]]).tolist()
    [[1, 3, 5, 3]]

    Stride 2 spreads the copies of the kernel two apart; where they overlap they add:

    >>> conv_transpose([[1, 2, 3]], [[[1, 1, 1]]], stride=2).tolist()
    [[1, 1, 3, 2, 5, 3, 3]]

    The seed's decoder layer: kernel 4, stride 2, padding 1 doubles a 16x16 map:

    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 8, 16, 16)), np.ones((8, 4, 4, 4)), stride=2, padding=1).shape
    (1, 4, 32, 32)
    """
    arguments = (stride, padding, output_padding, dilation, groups, output_size, method)
    key = call_key(x, weight, bias, arguments)
    plan = None if key is None else _PLANS.get(key)
    if plan is None:  # validate and choose; a later call with the same key skips both
        prepared, plan = _plan_call(x, weight, bias, arguments)
        if key is not None:
            _remember(key, plan)
    else:  # the shapes, dtypes and arguments of a call that passed every check
        arrays = cast(tuple[np.ndarray, np.ndarray, "np.ndarray | None"], (x, weight, bias))  # call_key checked
        batched_x = arrays[0] if plan.batched else arrays[0][np.newaxis]
        prepared = prepared_arrays(batched_x, *arrays[1:], plan.batched, plan.compute_dtype, plan.result_dtype)
    return prepared.evaluate(plan.compute, terms=plan.terms)


@dataclass(frozen=True)
class CallPlan:
    """What one call of :func:`conv_transpose` validated and chose: reused by calls with the same key."""

    geometry: ConvTransposeGeometry
    batched: bool
    compute_dtype: np.dtype[Any]
    result_dtype: np.dtype[Any]
    #: The method that runs (``"auto"`` resolved, a transform replaced by a sum for integers).
    method: str
    #: :attr:`~transposed_conv.shapes.ConvTransposeGeometry.products_per_output`.
    terms: int
    #: ``METHODS[method]`` bound to the geometry (zero insertion's with its small path's index looked up).
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]


#: How many call plans :func:`conv_transpose` keeps; the oldest is dropped first.
PLAN_CACHE_SIZE = 256

_PLANS: dict[Hashable, CallPlan] = {}
_PLANS_LOCK = threading.Lock()


def _remember(key: Hashable, plan: CallPlan) -> None:
    with _PLANS_LOCK:
        while len(_PLANS) >= PLAN_CACHE_SIZE:
            del _PLANS[next(iter(_PLANS))]  # insertion order: the oldest first
        _PLANS[key] = plan


def _plain(value: object) -> bool:
    """An argument that identifies itself by value: an ``int``, a ``str``, ``None``, or tuples of them.

    Exact types only: ``True == 1`` and ``2.0 == 2`` but are refused by the checks, and a
    list, a NumPy integer or an int subclass may be refused or read differently, so none of
    them is cached (those calls take the full path every time).
    """
    kind = type(value)
    if kind is int or kind is str or value is None:
        return True
    if kind is not tuple:
        return False
    for item in value:  # type: ignore[attr-defined]
        if type(item) is not int and not _plain(item):
            return False
    return True


def call_key(x: object, weight: object, bias: object, arguments: tuple[object, ...]) -> Hashable | None:
    """The key of a call's plan: every shape, dtype and argument it depends on, or ``None`` (not cached).

    Only plain ``numpy.ndarray`` inputs (no subclass, no list) and :func:`_plain` arguments
    are cached.  The memory limit is part of the key, since ``"auto"`` weighs it.  Everything
    :func:`~transposed_conv._arguments.prepare_conv_transpose` checks is a function of this key,
    so a key that passed once passes again, and a call that failed is never remembered.
    """
    if type(x) is not np.ndarray or type(weight) is not np.ndarray:
        return None
    if bias is None:
        bias_key: tuple[object, ...] | None = None
    elif type(bias) is np.ndarray:
        bias_key = (bias.shape, bias.dtype)
    else:
        return None
    for argument in arguments:
        if type(argument) is not int and not _plain(argument):
            return None
    return (x.shape, x.dtype, weight.shape, weight.dtype, bias_key, arguments, get_memory_limit())


def _plan_call(
    x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, arguments: tuple[Any, ...]
) -> tuple[Prepared, CallPlan]:
    """Validate a call (:func:`~transposed_conv._arguments.prepare_conv_transpose`) and choose its method."""
    stride, padding, output_padding, dilation, groups, output_size, method = arguments
    name = as_choice(method, "method", ("auto", *METHODS))
    prepared, geometry = prepare_conv_transpose(
        x,
        weight,
        bias,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        output_size=output_size,
    )
    if name == "auto":  # integers run in float64 (see _integers)
        dtype = np.float64 if prepared.compute_dtype.kind == "i" else prepared.compute_dtype
        name = choose_method(geometry, prepared.x.shape[0], dtype)
    if not supports(name, geometry):
        winograd.check_geometry(geometry)  # raises, naming the rule
    if prepared.compute_dtype.kind == "i" and ERROR_MODELS[name] != "summation":
        name = choose_method(geometry, prepared.x.shape[0], np.float64)  # a transform is not exact: sum instead
    if name == "zero_insertion":
        compute = zero_insertion.planned(geometry, prepared.x.shape[0])
    else:
        algorithm = METHODS[name]
        compute = functools.partial(_bound, algorithm, geometry)
    plan = CallPlan(
        geometry,
        prepared.batched,
        prepared.compute_dtype,
        prepared.result_dtype,
        name,
        geometry.products_per_output,
        compute,
    )
    return prepared, plan


def _bound(algorithm: Method, geometry: ConvTransposeGeometry, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return algorithm(x, weight, geometry)
