"""The answer key: reference results, rigorous rounding-error bounds, and ``assert_close``.

A framework computes a transposed convolution in some precision; the question is whether
its result is *correct up to rounding*.  This module answers it without guessing an
``atol``:

* :func:`reference` -- the result computed in float64 from the inputs **as the framework
  saw them** (rounded to float32, bfloat16, ... first);
* :func:`error_bound` -- for each output element, a bound on ``|computed - reference|``
  that holds for *every* correct implementation accumulating in the given precision,
  whatever its summation order;
* :func:`assert_close` -- compares, and on failure reports the worst element, the bound,
  the configuration and a copy-pasteable reproducer;
* :func:`linear_reference`, :func:`linear_error_bound`, :func:`linear_bound_fraction` -- the
  same for a transposed convolution in any convention, given as ``compute(x, weight, bias)``
  (the conformance kit's other conventions use them with ``transposed_conv.conventions``).

Derivation of the bound
-----------------------
Each output element is ``y = b + sum_{t=1}^{n} x_t w_t``: ``n`` products (``n`` varies
per element: edge positions and the gaps of a large stride receive fewer taps; it is
computed exactly as ``conv_transpose(ones, ones)``).  In floating point with unit
roundoff ``u`` (``fl(a op b) = (a op b)(1 + d)``, ``|d| <= u``), a product picks up one
factor ``(1 + d)``, and summing ``n + 1`` terms in *any* order -- sequential, pairwise,
blocked, tree -- passes each term through at most ``n`` additions (Higham, *Accuracy
and Stability of Numerical Algorithms*, 2nd ed., sections 3.1 and 4.2).  With inputs
rounded inside the kernel with unit roundoff ``v`` (TF32 does that), every term is
multiplied by at most ``(1 + v)^2 (1 + u)^(n + 1)``, so::

    |computed - exact| <= e_n * S + n * eta,      e_n = (1 + v)^2 (1 + u)^(n + 1) - 1,
                                                   S   = |b| + sum_t |x_t| |w_t|

where ``eta`` bounds the absolute error of a product that underflows (half the
accumulator's smallest subnormal).  Fused multiply-adds only remove roundings, so they
are covered.  The float64 reference obeys the same bound with ``u = 2**-53``, and a
result stored in a narrower format than the accumulator (float16 outputs of a float32
accumulation) adds one rounding, ``w * |computed| + eta_out``.  The bound is the sum of
the three, with ``S`` itself rounded upwards.  Mixed precisions that store partial results
in the narrow format -- PyTorch's CPU float16 rounds each kernel tap's channel sum, adds the
taps in float16 and then the bias (``"float16-col2im"``) -- add one share per rounding step
(:attr:`Precision.rounded_after`, derived in ``docs/oracle.md``).  Kernels that flush subnormals to
zero (FTZ/DAZ, ``"float32-ftz"``) lose up to the smallest normal number per product, per addition and
on the result, plus the products whose factor they flushed (:attr:`Precision.flushed_below`).
Algorithms that are not sums of the
products -- FFT or Winograd convolution -- have their own error models, chosen with
``algorithm=`` (:data:`ALGORITHMS`): ``"fft"``, a normwise bound per output channel, and
``"winograd"``, from the transforms in absolute value (derived in ``docs/oracle.md``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._arguments import real_array
from ._literals import Script
from .methods import winograd as _winograd
from .shapes import ConvTransposeGeometry
from .transpose import conv_transpose

__all__ = [
    "ALGORITHMS",
    "DTYPE_PRECISIONS",
    "PRECISIONS",
    "ROUNDING_STEPS",
    "STORAGE_DTYPES",
    "AnswerKey",
    "OracleMismatch",
    "Precision",
    "answer_key",
    "assert_close",
    "bound_fraction",
    "dtype_precisions",
    "error_bound",
    "linear_bound_fraction",
    "linear_error_bound",
    "linear_reference",
    "reference",
    "round_to",
    "storage_dtype",
]

#: A transposed convolution written as ``compute(x, weight, bias)`` (``bias`` possibly ``None``).
Compute = Callable[[np.ndarray, np.ndarray, "np.ndarray | None"], Any]


@dataclass(frozen=True)
class Precision:
    """How an implementation computes: the formats of its inputs, accumulator and output.

    Attributes
    ----------
    name : str
        For messages.
    storage : str
        The format the framework's inputs are in (``'float64'``, ``'float32'``,
        ``'bfloat16'``, ``'float16'``); :func:`reference` rounds the inputs to it first.
    input_roundoff : float
        Unit roundoff of an extra rounding of the inputs inside the kernel (TF32: 2**-11), else 0.
    unit_roundoff : float
        Unit roundoff ``u`` of the products and the accumulation.
    output_roundoff : float
        Unit roundoff of the final rounding to the output format (0 if it is the accumulator's).
    underflow : float
        Absolute error of one underflowing product in the accumulator (half its smallest subnormal).
    output_underflow : float
        The same for the output format.
    overflow : float
        The largest finite value of the accumulator's format: a correct implementation may
        overflow (return a non-finite value) where a partial sum can reach it.
    output_overflow : float
        The same for the output format, where the result is rounded to a narrower one.
    rounded_after : tuple of str
        Where a result stored narrower than its accumulator is rounded to the storage format
        (:data:`ROUNDING_STEPS`; ``docs/oracle.md`` derives each step's share of the bound).
        ``()`` or ``("result",)``: once, after the products and the bias were summed in the
        accumulator.  ``("product sum", "bias")``: the products' sum is rounded, then the bias is
        added in the storage format and rounded again.  ``("tap sums", "tap additions",
        "bias")``: each kernel tap's sum over the input channels is rounded, the taps' sums are
        added in the storage format (each addition rounded) and then the bias -- im2col, a
        GEMM accumulating in float32 with a half output, col2im in half, as PyTorch's CPU
        kernels compute float16 (``"float16-col2im"``).  The tap steps read the arrays in
        PyTorch's layout, as the fft and winograd models do.
    flushed_below : float
        0 for gradual underflow (IEEE's default).  Otherwise the smallest normal number of the
        accumulator's format, below which the kernel flushes to zero -- its subnormal inputs
        (denormals-are-zero) and any product, partial sum or result (flush-to-zero), as CPU
        modes (x86 MXCSR DAZ/FTZ, which TensorFlow sets on its CPU threads) and GPU kernels
        compiled with ``-ftz`` do.  The bound then allows the products a flushed input factor
        removes, and the smallest normal number per product, per addition and for the result
        (``docs/oracle.md``); where an infinity meets a flushed subnormal, the ``NaN`` of
        ``0 * inf`` is accepted as well as the definition's infinity.

    Examples
    --------
    >>> PRECISIONS["float16-col2im"].rounded_after
    ('tap sums', 'tap additions', 'bias')
    >>> Precision("mine", "float16", 0.0, 2.0**-24, 2.0**-11, rounded_after=("bias",))
    Traceback (most recent call last):
    ...
    ValueError: rounded_after must be () or ('result',), ('product sum',) or ('tap sums', 'tap additions'), ...
    """

    name: str
    storage: str
    input_roundoff: float
    unit_roundoff: float
    output_roundoff: float = 0.0
    underflow: float = 0.0
    output_underflow: float = 0.0
    overflow: float = math.inf
    output_overflow: float = math.inf
    rounded_after: tuple[str, ...] = ()
    flushed_below: float = 0.0

    def __post_init__(self) -> None:
        steps = tuple(self.rounded_after)
        valid = steps in _STEP_SEQUENCES or (
            steps[-1:] == ("bias",) and steps[:-1] in _STEP_SEQUENCES and steps[:-1] not in ((), ("result",))
        )
        if not valid or (steps not in ((), ("result",)) and self.output_roundoff <= 0):
            raise ValueError(
                "rounded_after must be () or ('result',), ('product sum',) or ('tap sums', 'tap additions'), each of "
                "the last two possibly followed by 'bias', with output_roundoff > 0 for any step; got "
                f"rounded_after={self.rounded_after!r}, output_roundoff={self.output_roundoff!r}"
            )
        object.__setattr__(self, "rounded_after", steps)

    @property
    def counts_taps(self) -> bool:
        """Whether the bound counts kernel taps, so reads the arrays in PyTorch's layout (the tap steps)."""
        return "tap additions" in self.rounded_after


#: The steps after which a mixed-precision implementation may round to its storage format
#: (:attr:`Precision.rounded_after`), in the order they happen.
ROUNDING_STEPS = ("result", "tap sums", "tap additions", "product sum", "bias")
_STEP_SEQUENCES = ((), ("result",), ("product sum",), ("tap sums", "tap additions"))


_F64_MAX = float(np.finfo(np.float64).max)
_F32_MAX = float(np.finfo(np.float32).max)
_BF16_MAX = float.fromhex("0x1.fep127")
_F16_MAX = 65504.0
_F64_ETA = 2.0**-1075
_F32_ETA = 2.0**-150
_COL2IM = ("tap sums", "tap additions", "bias")

#: The precisions frameworks compute in, by name.
PRECISIONS: dict[str, Precision] = {
    "float64": Precision("float64", "float64", 0.0, 2.0**-53, 0.0, _F64_ETA, overflow=_F64_MAX),
    "float32": Precision("float32", "float32", 0.0, 2.0**-24, 0.0, _F32_ETA, overflow=_F32_MAX),
    # TensorFloat-32: float32 inputs rounded to 10 mantissa bits inside the matmul, float32 accumulation.
    "tf32": Precision("tf32", "float32", 2.0**-11, 2.0**-24, 0.0, _F32_ETA, overflow=_F32_MAX),
    # bfloat16 / float16 tensors: float32 accumulation, result rounded to the storage format.
    "bfloat16": Precision("bfloat16", "bfloat16", 0.0, 2.0**-24, 2.0**-8, _F32_ETA, 2.0**-134, _F32_MAX, _BF16_MAX),
    "float16": Precision("float16", "float16", 0.0, 2.0**-24, 2.0**-11, _F32_ETA, 2.0**-25, _F32_MAX, _F16_MAX),
    # PyTorch's CPU kernels (2.13, verified bit for bit): im2col, a GEMM that sums each kernel tap over the
    # input channels in float32 and stores it in the half format, col2im adding the taps in it, then the bias.
    "bfloat16-col2im": Precision(
        "bfloat16-col2im", "bfloat16", 0.0, 2.0**-24, 2.0**-8, _F32_ETA, 2.0**-134, _F32_MAX, _BF16_MAX, _COL2IM
    ),
    "float16-col2im": Precision(
        "float16-col2im", "float16", 0.0, 2.0**-24, 2.0**-11, _F32_ETA, 2.0**-25, _F32_MAX, _F16_MAX, _COL2IM
    ),
    # The same formats accumulated in themselves (no wider accumulator).
    "bfloat16-accumulate": Precision(
        "bfloat16-accumulate", "bfloat16", 0.0, 2.0**-8, 0.0, 2.0**-134, overflow=_BF16_MAX
    ),
    "float16-accumulate": Precision("float16-accumulate", "float16", 0.0, 2.0**-11, 0.0, 2.0**-25, overflow=_F16_MAX),
    # Flush-to-zero and denormals-are-zero: subnormal inputs read as 0; subnormal products, sums, results stored as 0.
    "float32-ftz": Precision(
        "float32-ftz", "float32", 0.0, 2.0**-24, 0.0, _F32_ETA, overflow=_F32_MAX, flushed_below=2.0**-126
    ),
    "float64-ftz": Precision(
        "float64-ftz", "float64", 0.0, 2.0**-53, 0.0, _F64_ETA, overflow=_F64_MAX, flushed_below=2.0**-1022
    ),
}


#: The precision that judges each input dtype unless told otherwise (``check_conv_transpose(precision=...)``):
#: float16 and bfloat16 by PyTorch's CPU model, the col2im steps, whose bound also covers a single rounding.
DTYPE_PRECISIONS = {
    "float64": "float64",
    "float32": "float32",
    "float16": "float16-col2im",
    "bfloat16": "bfloat16-col2im",
}


def dtype_precisions(
    dtypes: Collection[str], precision: Any = None, *, pytorch_layout: bool = True
) -> dict[str, Precision]:
    """The precision that judges each input dtype: :data:`DTYPE_PRECISIONS`, unless ``precision`` says otherwise.

    ``precision`` is ``None``, one precision for every dtype (a name, a :class:`Precision` or a
    unit roundoff), or a mapping from dtypes to precisions (the others keep their default).  A
    named or :class:`Precision` model must store in the dtype it judges (``'tf32'`` judges
    float32, ``'float16'`` float16).  Where the arrays are not in PyTorch's layout
    (``pytorch_layout=False``), a half dtype's default is the single rounding of the result, since
    the col2im steps count kernel taps there.  ``bfloat16`` needs the ``ml_dtypes`` package.

    Examples
    --------
    >>> {d: p.name for d, p in dtype_precisions(("float32", "float16")).items()}
    {'float32': 'float32', 'float16': 'float16-col2im'}
    >>> {d: p.name for d, p in dtype_precisions(("float32",), "tf32").items()}
    {'float32': 'tf32'}
    >>> dtype_precisions(("float64",), "float32")
    Traceback (most recent call last):
    ...
    ValueError: precision 'float32' stores float32, so it cannot judge float64 inputs; ...
    """
    chosen = dict(precision) if isinstance(precision, Mapping) else {}
    resolved = {}
    for dtype in dtypes:
        if dtype not in STORAGE_DTYPES:
            raise ValueError(f"dtypes must contain only {', '.join(map(repr, STORAGE_DTYPES))}; got {dtype!r}")
        storage_dtype(dtype)  # bfloat16: ImportError naming ml_dtypes
        default = DTYPE_PRECISIONS[dtype] if pytorch_layout or dtype not in ("float16", "bfloat16") else dtype
        given = chosen.get(dtype, default) if precision is None or isinstance(precision, Mapping) else precision
        p = _precision(given)
        if not isinstance(given, (int, float)) and p.storage != dtype:
            raise ValueError(
                f"precision {p.name!r} stores {p.storage}, so it cannot judge {dtype} inputs; give each dtype its own "
                f"as a mapping, e.g. precision={{{dtype!r}: {DTYPE_PRECISIONS[dtype]!r}}}"
            )
        if p.counts_taps and not pytorch_layout:
            raise ValueError(
                f"precision {p.name!r} counts kernel taps in PyTorch's layout; in another convention take one that "
                f"rounds once, e.g. {p.storage!r}"
            )
        resolved[dtype] = p
    unknown = sorted(set(chosen) - set(dtypes))
    if unknown:
        raise ValueError(f"precision names dtypes that are not checked: {unknown}; dtypes={tuple(dtypes)}")
    return resolved


def _precision(precision: str | float | Precision) -> Precision:
    if isinstance(precision, Precision):
        return precision
    if isinstance(precision, str):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {list(PRECISIONS)} or a unit roundoff; got {precision!r}")
        return PRECISIONS[precision]
    if isinstance(precision, (int, float)) and not isinstance(precision, bool) and 0 < precision < 1:
        return Precision(f"unit roundoff {precision:g}", "float64", 0.0, float(precision))
    raise TypeError(
        f"precision must be a name in {list(PRECISIONS)}, a unit roundoff in (0, 1), or a Precision; got {precision!r}"
    )


def _round_float32_mantissa(a: np.ndarray, drop: int) -> np.ndarray:
    """Round float32 values to ``23 - drop`` mantissa bits, to nearest, ties to even."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    tie_to_even = (bits >> np.uint32(drop)) & np.uint32(1)
    rounded = (bits + tie_to_even + np.uint32((1 << (drop - 1)) - 1)) & np.uint32(~((1 << drop) - 1) & 0xFFFFFFFF)
    result = rounded.view(np.float32)
    return np.where(np.isnan(a), a, result).astype(np.float32)


#: The storage formats the oracle and the kit take as input dtypes; ``bfloat16`` is ``ml_dtypes.bfloat16``.
STORAGE_DTYPES = ("float64", "float32", "float16", "bfloat16")


def storage_dtype(name: str) -> np.dtype[Any]:
    """The NumPy dtype of a storage format in :data:`STORAGE_DTYPES`; ``bfloat16`` needs the ``ml_dtypes`` package.

    Examples
    --------
    >>> storage_dtype("float16"), storage_dtype("bfloat16").name
    (dtype('float16'), 'bfloat16')
    """
    if name not in STORAGE_DTYPES:
        raise ValueError(f"the storage format must be one of {list(STORAGE_DTYPES)}; got {name!r}")
    if name != "bfloat16":
        return np.dtype(name)
    try:
        import ml_dtypes
    except ImportError:  # pragma: no cover - ml_dtypes comes with JAX, and with the 'frameworks' extra
        raise ImportError("bfloat16 arrays need the ml_dtypes package: pip install ml_dtypes") from None
    bfloat16: np.dtype[Any] = np.dtype(ml_dtypes.bfloat16)
    return bfloat16


def _is_bfloat16(array: np.ndarray) -> bool:
    return array.dtype.name == "bfloat16" and str(array.dtype.type.__module__).split(".")[0] == "ml_dtypes"


def _real(a: ArrayLike, name: str) -> np.ndarray:
    """``real_array(a, name)``, and ``ml_dtypes.bfloat16`` arrays as they are (NumPy does not know the type)."""
    array = a if isinstance(a, np.ndarray) else None
    if array is not None and _is_bfloat16(array):
        return array
    return real_array(a, name)


def round_to(a: ArrayLike, storage: str) -> np.ndarray:
    """The values of ``a`` as a framework storing them in ``storage`` sees them, as float64.

    ``storage`` is ``'float64'``, ``'float32'``, ``'float16'``, ``'bfloat16'`` or ``'tf32'``
    (bfloat16 and TF32 by rounding float32 mantissas to 7 and 10 bits, to nearest even).

    Examples
    --------
    >>> round_to([1 + 2**-10, 1 + 2**-7], "bfloat16").tolist()
    [1.0, 1.0078125]
    >>> round_to([0.1], "float32").tolist()
    [0.10000000149011612]
    """
    array = _real(a, "a").astype(np.float64)
    if storage == "float64":
        return array
    if storage in ("float32", "float16"):
        return array.astype(storage).astype(np.float64)
    if storage in ("bfloat16", "tf32"):
        drop = 16 if storage == "bfloat16" else 13
        return _round_float32_mantissa(array.astype(np.float32), drop).astype(np.float64)
    raise ValueError(f"storage must be one of float64, float32, float16, bfloat16, tf32; got {storage!r}")


def _as_seen(
    x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, p: Precision
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    return (
        round_to(x, p.storage),
        round_to(weight, p.storage),
        None if bias is None else round_to(bias, p.storage),
    )


def _torch_convention(conv_args: dict[str, Any]) -> Compute:
    """:func:`~transposed_conv.conv_transpose` with ``conv_args``, as ``compute(x, weight, bias)``."""

    def compute(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        return conv_transpose(x, weight, bias, **conv_args)

    return compute


def reference(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float64",
    **conv_args: Any,
) -> np.ndarray:
    """The transposed convolution in float64 of the inputs as a framework computing in ``precision`` saw them.

    Parameters
    ----------
    x, weight, bias : array_like
        As for :func:`~transposed_conv.conv_transpose`.
    precision : str, float or Precision
        A name from :data:`PRECISIONS`; the inputs are rounded to its storage format first.
    **conv_args
        ``stride``, ``padding``, ``output_padding``, ``dilation``, ``groups``, ``output_size``.

    Returns
    -------
    numpy.ndarray
        float64.

    Examples
    --------
    >>> reference([[0.1, 0.2]], [[[1.0, 1.0]]], precision="float32").tolist()
    [[0.10000000149011612, 0.30000000447034836, 0.20000000298023224]]
    """
    return linear_reference(_torch_convention(conv_args), x, weight, bias, precision=precision)


def _growth(m: np.ndarray, u: float) -> np.ndarray:
    """``(1 + u)**m - 1``, evaluated accurately."""
    return np.expm1(m * math.log1p(u))


#: The error models, by the algorithm an implementation uses (``algorithm=``; docs/oracle.md derives each):
#: ``"summation"`` -- any order of summing the definition's products (elementwise); ``"fft"`` -- the convolution
#: theorem (normwise, Higham ch. 24); ``"winograd"`` -- Winograd F(2, 3) or F(4, 3), any tiling (elementwise, from
#: the transforms in absolute value).
ALGORITHMS = ("summation", "fft", "winograd")


def _algorithm(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {list(ALGORITHMS)}; got algorithm={algorithm!r}")
    return algorithm


def _gamma(k: float, u: float) -> float:
    """Higham's ``gamma_k = k*u / (1 - k*u)``."""
    return k * u / (1 - k * u)


def _geometry(x: np.ndarray, weight: np.ndarray, conv_args: dict[str, Any]) -> ConvTransposeGeometry:
    """The geometry of ``conv_transpose(x, weight, **conv_args)``, for batched ``x`` in our layout."""
    groups = int(conv_args.get("groups", 1))
    return ConvTransposeGeometry.build(
        x.shape[2:],
        weight.shape[2:],
        **{key: value for key, value in conv_args.items() if key not in ("groups", "output_size")},
        groups=groups,
        in_channels=x.shape[1],
        out_channels=weight.shape[1] * groups,
        output_size=conv_args.get("output_size"),
        output_leading=(x.shape[0], weight.shape[1] * groups),
    )


def fft_unit_error(u: float, grid: int, channels: int) -> float:
    """``beta``: an FFT convolution's error is at most ``beta * sum_c ||x_c||_2 ||w_c||_1`` in the 2-norm.

    ``grid`` bounds the product of the transform lengths, ``channels`` the input channels summed
    in the frequency domain.  Per transform (Higham 2002, Theorem 24.2, radix 2, twiddle factors
    accurate to ``mu = u``): ``eps = log2(L) eta / (1 - log2(L) eta)``, ``eta = mu + gamma_4 (sqrt(2) + mu)``;
    three times that covers Bluestein's three transforms for other lengths.  The forward
    transforms of ``x`` and ``w`` and the inverse one give ``3 eps``; the complex products and the
    channel sum ``sqrt(2) gamma_(C + 2)``; the scaling by ``1/L`` one ``u`` (docs/oracle.md).

    >>> round(fft_unit_error(2.0**-24, 2**10, 16) / 2.0**-24)
    626
    """
    eta = u + _gamma(4, u) * (math.sqrt(2) + u)
    levels = math.log2(max(grid, 2))
    eps = 3 * levels * eta / (1 - 3 * levels * eta)
    return 3 * eps + math.sqrt(2) * _gamma(channels + 2, u) + u


def _norm2(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """The 2-norm over ``axes``, scaled by the largest magnitude first so that squaring neither overflows nor
    underflows where it matters (a square lost to underflow is below ``2**-1074`` of the largest one's)."""
    top = np.max(np.abs(a), axis=axes, keepdims=True, initial=0.0)
    scale = np.where(top > 0, top, 1.0)
    with np.errstate(under="ignore"):
        ratio_norm = np.sqrt(np.sum(np.square(a / scale), axis=axes)) * (1 + 2.0**-50)
    return np.asarray(ratio_norm * np.squeeze(scale, axis=axes))


def _fft_error(
    x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry, p: Precision
) -> tuple[np.ndarray, np.ndarray]:
    """The fft model's bound on the implementation's error (per batch element and output channel, broadcast over
    the output), and where its spectra can overflow; ``x`` and ``weight`` finite, in our layout."""
    n, g = x.shape[0], geometry.groups
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    spatial_x, spatial_w = tuple(range(2, x.ndim)), tuple(range(2, weight.ndim))
    norm2 = _norm2(x, spatial_x).reshape(n, g, c_in_g)  # (N, G, C_in/G)
    norm1_x = np.sum(np.abs(x), axis=spatial_x).reshape(n, g, c_in_g)  # (N, G, C_in/G)
    norm1_w = np.sum(np.abs(weight), axis=spatial_w).reshape(g, c_in_g, c_out_g)  # (G, C_in/G, C_out/G)
    coupled = np.einsum("ngc,gcm->ngm", norm2, norm1_w).reshape(n, geometry.out_channels)  # sum_c |x_c|_2 |w_c|_1
    spectra = np.einsum("ngc,gcm->ngm", norm1_x, norm1_w).reshape(n, geometry.out_channels)  # bounds every spectrum
    full = [
        (i - 1) * s + d * (k - 1) + 1 + a
        for i, s, d, k, a in zip(
            geometry.input_shape, geometry.stride, geometry.dilation, geometry.kernel_shape, geometry.output_padding
        )
    ]
    grid = math.prod(4 * f for f in full)  # a power of two or Bluestein's length: under 4x the full output
    beta = fft_unit_error(p.unit_roundoff, grid, c_in_g)
    shape = (n, geometry.out_channels) + (1,) * geometry.ndim
    error = (beta * coupled + grid * p.underflow).reshape(shape)
    # every spectrum is at most `spectra`; an inverse transform normalised at the end (numpy's, FFTW's, cuFFT's) sums
    # up to `grid` of them before dividing, so its partial sums reach `grid * spectra`
    overflow = (spectra * grid * (1 + beta) >= p.overflow).reshape(shape)
    return error, overflow


def winograd_magnitude(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry, tile: int) -> np.ndarray:
    """``Phi``: ``|A^T| (sum_c |G| |g_c| |G^T| * |B^T| |d_c| |B|) |A|`` at every output, maximised over where the
    output sits in its tile, for F(``tile``, 3); ``x`` and ``weight`` finite, in our layout.

    Output ``o`` at position ``r`` of a tile reads the tile ``d = xpad[o - r : o - r + a]`` (``a = tile + 2``),
    so ``Phi_r(o) = sum_beta |xpad[o - r + beta]| H_r[beta]`` with ``H_r[beta] = sum_t Q_r[beta, t] |g[t]|`` and
    ``Q_r[beta, t] = sum_alpha |A^T[r, alpha]| |B^T[alpha, beta]| |G[alpha, t]|``: a transposed convolution of
    ``|x|`` with an ``a``-tap kernel, cropped by ``p_begin - r + tile - 1`` (docs/oracle.md).

    >>> g = ConvTransposeGeometry.build((4,), (3,), in_channels=1, out_channels=1)
    >>> winograd_magnitude(np.ones((1, 1, 4)), np.ones((1, 1, 3)), g, 2).ravel().tolist()
    [4.0, 7.0, 8.0, 8.0, 7.0, 4.0]
    """
    transforms = _winograd.TRANSFORMS[tile]
    bt, gm, at = (np.abs(m) for m in transforms)
    ndim = geometry.ndim
    q = np.einsum("ra,ab,at->rbt", at, bt, gm)  # (tile, a, 3): Q_r[beta, t]
    flipped = np.abs(np.flip(weight, axis=tuple(range(2, weight.ndim))))  # |g|, the correlation's kernel
    out = geometry.output_shape
    best = np.zeros((x.shape[0], geometry.out_channels, *out))
    for r in itertools.product(range(tile), repeat=ndim):
        h = flipped
        for axis, position in enumerate(r):  # H_r = Q_r1 |g| Q_r2^T: apply Q_r along each spatial axis
            h = np.moveaxis(np.tensordot(h, q[position], axes=([2 + axis], [1])), -1, 2 + axis)
        kernel = np.flip(h, axis=tuple(range(2, h.ndim)))  # K_r[jj] = H_r[a - 1 - jj]
        full = conv_transpose(np.abs(x), kernel, groups=geometry.groups)  # (N, C_out, *(L + a - 1))
        starts = [pb - rr + tile - 1 for (pb, _), rr in zip(geometry.padding, r)]
        window = full[(slice(None), slice(None), *(slice(st, st + o) for st, o in zip(starts, out)))]
        np.maximum(best, window, out=best)
    return best


def _winograd_error(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, geometry: ConvTransposeGeometry, p: Precision
) -> tuple[np.ndarray, np.ndarray]:
    """The winograd model's bound on the implementation's error, and where its intermediates can overflow."""
    if not _winograd.in_domain(geometry):
        raise ValueError(
            "algorithm='winograd' describes Winograd's F(m, 3): stride 1, dilation 1 and a kernel of 3 taps in each "
            f"of 1 or 2 spatial dimensions; got kernel_shape={geometry.kernel_shape}, stride={geometry.stride}, "
            f"dilation={geometry.dilation}"
        )
    ndim, channels = geometry.ndim, geometry.in_channels // geometry.groups
    b = 0.0 if bias is None else np.abs(bias).reshape((-1,) + (1,) * ndim)
    errors, overflow = [], []
    for tile in sorted(_winograd.TRANSFORMS):
        a = tile + 2
        # roundings per term: kernel transform, input transform, product and channel sum, output transform, bias
        depth = (3**ndim + 2 * ndim) + (a**ndim + ndim) + channels + (a**ndim + ndim) + 1
        gamma = _gamma(depth, p.unit_roundoff)
        magnitude = winograd_magnitude(x, weight, geometry, tile) + b
        terms = channels * (3 * a * a) ** ndim
        errors.append(gamma * magnitude + terms * p.underflow)
        overflow.append(
            magnitude * (1 + gamma) * max(1.0, float(np.abs(_winograd.TRANSFORMS[tile].BT).sum(1).max())) >= p.overflow
        )
    return np.maximum.reduce(errors), np.logical_or.reduce(overflow)


def error_bound(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float32",
    algorithm: str = "summation",
    **conv_args: Any,
) -> np.ndarray:
    """Elementwise bound on ``|result - reference(...)|`` for any correct implementation in ``precision``.

    See the module docstring for the derivation.  The bound is
    ``e_n * S + n * eta`` for the implementation, the same with ``u = 2**-53`` for the float64
    reference, plus the final rounding to the output format, where ``n`` is the number of
    products summed into each element and ``S = |b| + sum |x_t| |w_t|``.

    Parameters
    ----------
    x, weight, bias : array_like
        As for :func:`~transposed_conv.conv_transpose`.
    precision : str, float or Precision
        A name from :data:`PRECISIONS` (``'float64'``, ``'float32'``, ``'tf32'``, ``'bfloat16'``,
        ``'float16'``, ``'bfloat16-accumulate'``, ``'float16-accumulate'``), the unit roundoff of
        the accumulation as a float (inputs then taken as given, underflow ignored), or a
        :class:`Precision`.
    algorithm : {'summation', 'fft', 'winograd'}
        The error model (:data:`ALGORITHMS`, derived in ``docs/oracle.md``): ``'summation'``, the
        elementwise bound above, holds for any order of summing the definition's products;
        ``'fft'`` is the normwise bound of an FFT convolution, the same allowance at every
        position of an output channel (positions that receive no product included);
        ``'winograd'`` is the elementwise bound of Winograd's F(2, 3) or F(4, 3) in any tiling,
        for stride-1, dilation-1, 3-tap kernels in 1-D or 2-D (``ValueError`` otherwise).
    **conv_args
        ``stride``, ``padding``, ``output_padding``, ``dilation``, ``groups``, ``output_size``.

    Returns
    -------
    numpy.ndarray
        float64, the shape of the output.

    Examples
    --------
    Two products per output: the float32 bound is about ``3 * 2**-24`` times ``S``:

    >>> bound = error_bound([[1.0, 1.0]], [[[1.0, 1.0]]], precision="float32")
    >>> (bound / 2**-24).round(2).tolist()
    [[2.0, 6.0, 2.0]]

    Stride 3 with a 1-tap kernel: the summation bound allows no error where no product lands,
    the fft bound allows its normwise error everywhere:

    >>> [(error_bound([[1.0, 1.0]], [[[1.0]]], stride=3, algorithm=a) > 0).tolist() for a in ("summation", "fft")]
    [[[True, False, False, True]], [[True, True, True, True]]]
    """
    return answer_key(
        _torch_convention(conv_args), x, weight, bias, precision=precision, algorithm=algorithm, conv_args=conv_args
    ).bound


@dataclass(frozen=True)
class _Mixed:
    """What the storage steps of a mixed precision read, elementwise (:func:`_step_errors`)."""

    product_magnitude: np.ndarray  # sum_t |x_t| |w_t|, the bias left out
    product_sum: np.ndarray  # sum_t x_t w_t in float64, the bias left out
    taps: np.ndarray  # T, the kernel taps (each a sum over the input channels) that land on the element
    bias: bool  # whether a bias is added


def _step_errors(
    counts: np.ndarray,
    magnitude: np.ndarray,
    exact: np.ndarray,
    p: Precision,
    algorithm_error: np.ndarray | None = None,
    mixed: _Mixed | None = None,
) -> dict[str, np.ndarray]:
    """Each step's share of the bound (docs/oracle.md, "Mixed precisions: rounding at stated steps").

    ``"implementation"``, the products and sums in the accumulator; ``"reference"``, the float64
    reference's own error; then one entry per rounding to the storage format
    (:attr:`Precision.rounded_after`).  ``algorithm_error``, when given, replaces the summation
    bound on the implementation's own error (the fft and winograd models).
    """
    magnitude = magnitude * (1 + _growth(counts + 1, 2.0**-53))  # S itself was summed in float64: round it up
    input_growth = (1 + p.input_roundoff) ** 2
    implementation = (input_growth * (1 + _growth(counts + 1, p.unit_roundoff)) - 1) * magnitude + counts * p.underflow
    if algorithm_error is not None:
        implementation = algorithm_error * input_growth + (input_growth - 1) * magnitude
    reference_error = _growth(counts + 1, 2.0**-53) * magnitude + counts * _F64_ETA
    errors = {"implementation": implementation, "reference": reference_error}
    w, steps = p.output_roundoff, p.rounded_after
    if steps in ((), ("result",)):
        if w > 0 or p.output_underflow > 0:
            errors["result"] = w * (np.abs(exact) + implementation + reference_error) + p.output_underflow
        return errors
    if mixed is None:
        raise ValueError(f"precision {p.name!r} rounds at {steps}: the bound needs the product sums")
    # one addition of two stored values: summed in the accumulator, then stored (a double rounding, no underflow)
    w_add = (1 + p.unit_roundoff) * (1 + w) - 1
    products = mixed.product_magnitude * (1 + _growth(counts + 1, 2.0**-53))
    error = implementation
    if "product sum" in steps:  # fl_s(P): P within `error` of the exact product sum
        errors["product sum"] = w * (np.abs(mixed.product_sum) + error + reference_error) + p.output_underflow
        error = error + errors["product sum"]
    if "tap sums" in steps:  # fl_s(q_k) for every tap k: sum_k |q_k| <= the products' magnitude
        errors["tap sums"] = w * (products + error) + mixed.taps * p.output_underflow
        error = error + errors["tap sums"]
    if "tap additions" in steps:  # T stored tap sums added in any order: each through at most T - 1 additions
        errors["tap additions"] = _growth(np.maximum(mixed.taps - 1, 0), w_add) * (products + error)
        error = error + errors["tap additions"]
    if "bias" in steps and mixed.bias:  # fl_s(z + b), z the stored product sum
        errors["bias"] = w_add * (np.abs(exact) + error + reference_error)
    return errors


def _bound(
    counts: np.ndarray,
    magnitude: np.ndarray,
    exact: np.ndarray,
    p: Precision,
    algorithm_error: np.ndarray | None = None,
    mixed: _Mixed | None = None,
) -> np.ndarray:
    """The bound of the module docstring from ``n`` (``counts``), ``S`` (``magnitude``) and the float64 result:
    the sum of :func:`_step_errors`."""
    shares = _step_errors(counts, magnitude, exact, p, algorithm_error, mixed)
    total: np.ndarray = sum(shares.values(), np.zeros(np.shape(counts))) * (1 + 2.0**-40)  # cover this sum's rounding
    return total


def linear_reference(
    compute: Compute,
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float64",
) -> np.ndarray:
    """``compute(x, weight, bias)`` in float64 of the inputs as a framework computing in ``precision`` saw them.

    The counterpart of :func:`reference` for any transposed convolution written as
    ``compute(x, weight, bias)`` -- another framework's convention, say; see
    :func:`linear_error_bound`.

    Examples
    --------
    >>> from transposed_conv.conventions import onnx_conv_transpose
    >>> def same_upper(X, W, B):
    ...     return onnx_conv_transpose(X, W, B, strides=[2], auto_pad="SAME_UPPER")
    >>> linear_reference(same_upper, [[[0.1, 0.2]]], [[[1.0, 1.0]]], precision="float32").tolist()
    [[[0.10000000149011612, 0.10000000149011612, 0.20000000298023224, 0.20000000298023224]]]
    """
    p = _precision(precision)
    xs, ws, bs = _as_seen(x, weight, bias, p)
    return np.asarray(compute(xs, ws, bs), dtype=np.float64)


def linear_error_bound(
    compute: Compute,
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float32",
) -> np.ndarray:
    """:func:`error_bound` for any transposed convolution written as ``compute(x, weight, bias)``.

    Parameters
    ----------
    compute : callable
        ``compute(x, weight, bias)`` -> array, with ``bias`` possibly ``None``: a transposed
        convolution in any layout and convention (ONNX's, JAX's, ...; a bias argument it does
        not have can be ignored).  It must form each output element as ``b + sum_t x_t w_t``,
        a bias element plus products of one input and one weight element each, with
        coefficient 1 -- what every transposed convolution does -- and give exact integer
        results for integer inputs (the convention functions of
        :mod:`transposed_conv.conventions` and :func:`~transposed_conv.conv_transpose` do).
    x, weight, bias : array_like
        The inputs, in ``compute``'s layout.
    precision : str, float or Precision
        As for :func:`error_bound`.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``compute``'s result.

    Notes
    -----
    The derivation of the module docstring holds for every such ``compute``: the number of
    products per element is ``n = compute(ones, ones, None)`` (exact in integers) and
    ``S = compute(|x|, |w|, |b|)``.  For ``compute = conv_transpose(x, w, b, **conv_args)``
    this is :func:`error_bound` exactly.  Positions that no product reaches (an ONNX
    ``output_shape`` beyond the full output, say) get ``n = 0`` and a bound for the bias
    alone.

    Examples
    --------
    ``SAME_UPPER`` with a stride larger than the kernel: the positions between the inputs
    receive no product, so no error is allowed there:

    >>> from transposed_conv.conventions import onnx_conv_transpose
    >>> def same_upper(X, W, B):
    ...     return onnx_conv_transpose(X, W, B, strides=[3], auto_pad="SAME_UPPER")
    >>> bound = linear_error_bound(same_upper, [[[1.0, 1.0]]], [[[1.0]]], precision="float32")
    >>> (bound / 2**-24).round(2).tolist()
    [[[0.0, 2.0, 0.0, 0.0, 2.0, 0.0]]]
    """
    return answer_key(compute, x, weight, bias, precision=precision).bound


@dataclass(frozen=True)
class AnswerKey:
    """What the oracle knows about one computation, elementwise, and how it judges a result.

    Attributes
    ----------
    expected : numpy.ndarray
        The float64 reference (:func:`linear_reference`).
    bound : numpy.ndarray
        The rounding bound on ``|result - expected|`` for finite results
        (:func:`linear_error_bound`); 0 where ``exact`` holds.
    exact : numpy.ndarray
        bool: the positions that a non-finite input element reaches.  Their value is
        non-finite whatever the summation order (NaN where a NaN product arrives or
        ``+inf`` and ``-inf`` meet, else the infinity that arrives), so a result must equal
        ``expected`` there exactly: NaN for NaN, the same infinity for an infinity.
    may_overflow : numpy.ndarray
        bool: the other positions where a correct implementation in this precision can
        overflow -- where ``S = |b| + sum |x_t| |w_t|``, the bound on every partial sum,
        can reach the accumulator's largest finite value, or where the result within its
        bound can reach the output format's.  Any non-finite result is accepted there.

    Everywhere else a result must be finite and within ``bound`` of ``expected``.  Where
    ``S`` itself exceeds float64's range (float64 data beyond about ``1e154``), ``expected``
    and ``bound`` cannot hold the answer; there a finite result is judged on the problem
    scaled by powers of two, ``scaled``, with ``x`` and ``w`` at most 1 in magnitude:
    ``result * 2**-scale_exponent`` against ``scaled.expected`` within ``scaled.bound``.
    For a precision that flushes subnormals (:attr:`Precision.flushed_below`), ``flushed``
    is the reference of the inputs with their subnormals read as zero; at the ``exact``
    positions it is accepted as well (``0 * inf = NaN`` where the definition has an infinity).
    """

    expected: np.ndarray
    bound: np.ndarray
    exact: np.ndarray
    may_overflow: np.ndarray
    scaled: AnswerKey | None = None
    scale_exponent: int = 0
    flushed: np.ndarray | None = None

    def fraction(self, actual: ArrayLike) -> np.ndarray:
        """Elementwise error of ``actual`` as a fraction of what is allowed: at most 1 where it is correct.

        0 where ``actual`` matches a non-finite answer exactly or overflows where that is
        allowed; ``inf`` where it has the wrong non-finite value, or a non-finite value that
        is not allowed; ``|actual - expected| / bound`` elsewhere (``inf`` for a non-zero
        error against a zero bound).  Never NaN.
        """
        got = np.asarray(actual, dtype=np.float64)
        if got.shape != self.expected.shape:
            raise ValueError(f"actual must have the output's shape {self.expected.shape}; got actual.shape={got.shape}")
        finite = np.isfinite(got) & np.isfinite(self.expected)
        with np.errstate(invalid="ignore"):
            difference = np.where(finite, np.abs(got - self.expected), 0.0)
        fraction = _fraction(difference, self.bound)
        same = (got == self.expected) | (np.isnan(got) & np.isnan(self.expected))
        if self.flushed is not None:  # a kernel that read a subnormal as 0 may have formed 0 * inf = NaN
            same |= (got == self.flushed) | (np.isnan(got) & np.isnan(self.flushed))
        fraction[self.exact] = np.where(same, 0.0, np.inf)[self.exact]
        overflowed = ~self.exact & ~np.isfinite(got)
        fraction[overflowed] = np.where(self.may_overflow, 0.0, np.inf)[overflowed]
        if self.scaled is not None:  # S beyond float64's range: judge finite results on the scaled problem
            huge = ~self.exact & np.isfinite(got) & ~np.isfinite(self.bound)
            scaled = self.scaled.fraction(np.ldexp(np.where(huge, got, 0.0), -self.scale_exponent))
            fraction[huge] = scaled[huge]
        return fraction


def answer_key(
    compute: Compute,
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float32",
    algorithm: str = "summation",
    conv_args: dict[str, Any] | None = None,
) -> AnswerKey:
    """The :class:`AnswerKey` of ``compute(x, weight, bias)`` for an implementation computing in ``precision``.

    ``compute`` is as for :func:`linear_error_bound`.  Non-finite inputs are allowed:
    they decide :attr:`AnswerKey.exact`, and the bound is computed from the finite
    entries (the only ones the other positions receive).  ``algorithm`` picks the error
    model (:data:`ALGORITHMS`); ``"fft"`` and ``"winograd"`` read the arrays in our
    (PyTorch's) layout, so they need ``conv_args``, the keyword arguments of
    :func:`~transposed_conv.conv_transpose` that ``compute`` applies.

    Examples
    --------
    ``x = [inf, 1]`` and ``w = [1, 2]``: the exact result is ``[inf, inf, 2]``, and only that
    is accepted:

    >>> import numpy as np
    >>> from transposed_conv import conv_transpose
    >>> def full(x, w, b):
    ...     return conv_transpose(x, w, b)
    >>> key = answer_key(full, [[[np.inf, 1.0]]], [[[1.0, 2.0]]])
    >>> key.expected.tolist(), key.exact.tolist()
    ([[[inf, inf, 2.0]]], [[[True, True, False]]])
    >>> [float(key.fraction([[[np.inf, np.inf, 2.0]]]).max()) for _ in "x"]
    [0.0]
    >>> [float(key.fraction(wrong).max()) for wrong in ([[[0.0, 0.0, 2.0]]], [[[-np.inf, -np.inf, 2.0]]])]
    [inf, inf]
    """
    p = _precision(precision)
    model = _algorithm(algorithm)
    if model != "summation" and conv_args is None:
        raise ValueError(
            f"algorithm={model!r} reads the arrays in PyTorch's layout: pass conv_args, the keyword arguments of "
            "conv_transpose (bound_fraction, error_bound and assert_close do)"
        )
    xs, ws, bs = _as_seen(x, weight, bias, p)
    expected = np.asarray(compute(xs, ws, bs), dtype=np.float64)
    finite_x, finite_w = _finite_part(xs), _finite_part(ws)
    finite_b = None if bs is None else _finite_part(bs)
    counts = np.asarray(compute(np.ones(xs.shape, np.int64), np.ones(ws.shape, np.int64), None), dtype=np.float64)
    magnitude = np.asarray(
        compute(np.abs(finite_x), np.abs(finite_w), None if finite_b is None else np.abs(finite_b)), dtype=np.float64
    )
    exact = _reached_by_non_finite(compute, xs, ws, bs, expected.shape)
    algorithm_error, algorithm_overflow = None, np.zeros((), dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        if model != "summation" and conv_args is not None:
            algorithm_error, algorithm_overflow = _model_error(model, finite_x, finite_w, finite_b, conv_args, p)
            if model == "fft" and bs is not None:  # the bias is added to the transformed-back result: one rounding
                algorithm_error = algorithm_error + p.unit_roundoff * (
                    np.abs(np.where(exact, 0.0, expected)) + algorithm_error
                )
        mixed = _mixed(compute, finite_x, finite_w, finite_b, counts, magnitude, expected, p, conv_args)
        bound = _bound(counts, magnitude, np.where(exact, 0.0, expected), p, algorithm_error, mixed)
        may_overflow = (
            (magnitude * (1 + _growth(counts + 1, p.unit_roundoff)) >= p.overflow)
            | algorithm_overflow
            | (np.abs(np.where(exact, 0.0, expected)) + bound >= p.output_overflow)
        )
        if mixed is not None:  # a partial result stored before the bias may overflow the storage format
            may_overflow |= mixed.product_magnitude + bound >= p.output_overflow
    flushed = None
    if p.flushed_below > 0:
        bound = bound + _flush_error(compute, finite_x, finite_w, finite_b, counts, p.flushed_below)
        if exact.any():
            with np.errstate(invalid="ignore", over="ignore"):
                flushed = np.asarray(compute(*(_flush(a, p.flushed_below) for a in (xs, ws, bs))), dtype=np.float64)
    bound[exact] = 0.0
    scaled, exponent = None, 0
    if (~exact & ~np.isfinite(bound)).any():  # S overflowed float64: only a scaled problem can hold the answer
        scaled, exponent = _scaled_key(compute, finite_x, finite_w, finite_b, p, model, conv_args)
    return AnswerKey(expected, bound, exact, may_overflow & ~exact, scaled, exponent, flushed)


def _flush(a: np.ndarray | None, smallest_normal: float) -> Any:
    """``a`` with its subnormal entries read as zero (denormals-are-zero); ``None`` stays ``None``."""
    if a is None:
        return None
    return np.where(np.abs(a) < smallest_normal, np.zeros((), a.dtype), a)


def _flush_error(
    compute: Compute,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    counts: np.ndarray,
    smallest_normal: float,
) -> np.ndarray:
    """What flushing subnormals to zero adds to the bound (``x``, ``weight``, ``bias`` finite; docs/oracle.md).

    A subnormal input factor read as zero removes its product ``|x_t w_t|`` (counted once per factor:
    ``compute(|x| [x subnormal], |w|) + compute(|x|, |w| [w subnormal])``, a subnormal bias itself);
    each of the ``n`` products and ``n`` additions and the result, stored as zero when below the
    smallest normal number ``m``, loses less than ``m``: ``(2n + 1) m`` more, with one ``m`` of slack.
    """

    def subnormal_part(a: np.ndarray) -> np.ndarray:
        return np.where((a != 0) & (np.abs(a) < smallest_normal), np.abs(a), 0.0)

    removed = np.asarray(compute(subnormal_part(x), np.abs(weight), None), dtype=np.float64) + np.asarray(
        compute(np.abs(x), subnormal_part(weight), None), dtype=np.float64
    )
    if bias is not None:
        zeros_x, zeros_w = np.zeros(x.shape), np.zeros(weight.shape)
        removed = removed + np.asarray(compute(zeros_x, zeros_w, subnormal_part(bias)), dtype=np.float64)
    allowance = (removed * (1 + _growth(counts + 1, 2.0**-53)) + (2 * counts + 2) * smallest_normal) * (1 + 2.0**-40)
    return np.asarray(allowance, dtype=np.float64)


def _mixed(
    compute: Compute,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    counts: np.ndarray,
    magnitude: np.ndarray,
    expected: np.ndarray,
    p: Precision,
    conv_args: dict[str, Any] | None,
) -> _Mixed | None:
    """What the storage steps of ``p`` read, or ``None`` for a precision that rounds once (or never);
    ``x``, ``weight`` and ``bias`` finite."""
    if p.rounded_after in ((), ("result",)):
        return None
    if bias is None:
        product_magnitude, product_sum = magnitude, np.where(np.isfinite(expected), expected, 0.0)
    else:
        product_magnitude = np.asarray(compute(np.abs(x), np.abs(weight), None), dtype=np.float64)
        product_sum = np.asarray(compute(x, weight, None), dtype=np.float64)
    taps = counts
    if p.counts_taps:
        if conv_args is None:
            raise ValueError(
                f"precision {p.name!r} counts the kernel taps, so reads the arrays in PyTorch's layout: pass "
                "conv_args, the keyword arguments of conv_transpose (bound_fraction, error_bound and assert_close do)"
            )
        per_tap = max(weight.shape[0] // int(conv_args.get("groups", 1)), 1)  # C_in / groups products per tap
        taps = counts // per_tap
    return _Mixed(product_magnitude, product_sum, taps, bias is not None)


def _model_error(
    model: str,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    conv_args: dict[str, Any],
    p: Precision,
) -> tuple[np.ndarray, np.ndarray]:
    """The fft or winograd model's bound on the implementation's error, and where it may overflow, in the output's
    shape (batched or not, as ``x``)."""
    batched = x.ndim == weight.ndim
    xb = x if batched else x[np.newaxis]
    geometry = _geometry(xb, weight, conv_args)
    if model == "fft":
        error, overflow = _fft_error(xb, weight, geometry, p)
        if bias is not None:
            error = error + p.unit_roundoff * np.abs(bias).reshape((-1,) + (1,) * geometry.ndim)
    else:
        error, overflow = _winograd_error(xb, weight, bias, geometry, p)
    shape = (xb.shape[0], geometry.out_channels, *geometry.output_shape)
    error, overflow = np.broadcast_to(error, shape), np.broadcast_to(overflow, shape)
    return (error, overflow) if batched else (error[0], overflow[0])


def _scaled_key(
    compute: Compute,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    p: Precision,
    algorithm: str = "summation",
    conv_args: dict[str, Any] | None = None,
) -> tuple[AnswerKey, int]:
    """The answer key of ``x * 2**-a``, ``weight * 2**-b``, ``bias * 2**-(a + b)`` (all finite), and ``a + b``.

    The powers of two bring the largest magnitudes to at most 1, so nothing overflows; each
    output is the true one times ``2**-(a + b)``.  Entries pushed below float64's normal
    range lose at most ``2**-1075`` each, which adds at most ``2**-1074`` per product and
    ``2**-1075`` for the bias to the scaled bound.
    """
    a, b = (int(np.frexp(np.abs(v).max())[1]) if v.size else 0 for v in (x, weight))
    scaled_bias = None if bias is None else np.ldexp(bias, -(a + b))
    key = answer_key(
        compute,
        np.ldexp(x, -a),
        np.ldexp(weight, -b),
        scaled_bias,
        precision=p,
        algorithm=algorithm,
        conv_args=conv_args,
    )
    counts = np.asarray(compute(np.ones(x.shape, np.int64), np.ones(weight.shape, np.int64), None), dtype=np.float64)
    loss = counts * 2.0**-1074 + (0.0 if bias is None else 2.0**-1075)
    return AnswerKey(key.expected, key.bound + loss, key.exact, key.may_overflow), a + b


def _finite_part(a: np.ndarray) -> np.ndarray:
    """``a`` with its NaN and infinite entries replaced by 0."""
    return np.where(np.isfinite(a), a, 0.0)


def _reached_by_non_finite(
    compute: Compute, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, shape: tuple[int, ...]
) -> np.ndarray:
    """bool: the output positions that a NaN or infinite element of ``x``, ``weight`` or ``bias`` reaches.

    Counted exactly with the same ``compute`` on integer indicator arrays: ``compute(bad_x, 1)``
    counts the pairs with a non-finite input element, ``compute(1, bad_w)`` those with a
    non-finite tap, and ``compute(0, 0, bad_b)`` places the bias.
    """
    bad = [~np.isfinite(a) for a in (x, weight)] + ([] if bias is None else [~np.isfinite(bias)])
    if not any(b.any() for b in bad):
        return np.zeros(shape, dtype=bool)
    ones_x, ones_w = np.ones(x.shape, np.int64), np.ones(weight.shape, np.int64)
    reach = np.asarray(compute(bad[0].astype(np.int64), ones_w, None)) + np.asarray(
        compute(ones_x, bad[1].astype(np.int64), None)
    )
    if bias is not None:
        reach = reach + np.asarray(compute(0 * ones_x, 0 * ones_w, bad[2].astype(np.int64)))
    return np.asarray(reach > 0)


def linear_bound_fraction(
    actual: ArrayLike,
    compute: Compute,
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float32",
) -> np.ndarray:
    """:func:`bound_fraction` for any ``compute(x, weight, bias)`` (see :func:`linear_error_bound`).

    Examples
    --------
    >>> import numpy as np
    >>> from transposed_conv.conventions import jax_conv_transpose
    >>> def jax_same(lhs, rhs, bias):
    ...     return jax_conv_transpose(lhs, rhs, (2,), "SAME")
    >>> x, k = np.ones((1, 3, 1), np.float32), np.ones((3, 1, 1), np.float32)
    >>> float(linear_bound_fraction(jax_same(x, k, None), jax_same, x, k).max())
    0.0
    >>> float(linear_bound_fraction(jax_same(x, k, None) + 1e-3, jax_same, x, k).max()) > 1
    True
    """
    return answer_key(compute, x, weight, bias, precision=precision).fraction(actual)


class OracleMismatch(AssertionError):
    """Raised by :func:`assert_close`; carries the details as attributes.

    Attributes: ``index`` (worst element), ``actual``, ``expected``, ``bound``, ``violations``
    (how many elements exceed the bound), ``configuration`` (str) and ``reproducer`` (a script).
    """

    def __init__(
        self,
        message: str,
        *,
        index: tuple[int, ...] | None = None,
        actual: float | None = None,
        expected: float | None = None,
        bound: float | None = None,
        violations: int = 0,
        configuration: str = "",
        reproducer: str = "",
    ) -> None:
        super().__init__(message)
        self.index = index
        self.actual = actual
        self.expected = expected
        self.bound = bound
        self.violations = violations
        self.configuration = configuration
        self.reproducer = reproducer


def _describe(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, conv_args: dict[str, Any]) -> str:
    """The configuration in one line; the arguments' values as the reproducer writes them (``np.nan``, not ``nan``)."""
    script = Script()
    arguments = ", ".join(f"{key}={script.literal(value)}" for key, value in conv_args.items())
    b = "None" if bias is None else f"{bias.shape}"
    return f"x {x.shape} {x.dtype}, weight {weight.shape} {weight.dtype}, bias {b}" + (
        f", {arguments}" if arguments else ""
    )


def _precision_literal(script: Script, precision: Precision) -> str:
    """A named precision by its name; any other (a custom :class:`Precision`, a unit roundoff) rebuilt, imported."""
    if PRECISIONS.get(precision.name) == precision:
        return repr(precision.name)
    return script.literal(precision)


def _reproducer(
    actual: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    precision: Precision,
    conv_args: dict[str, Any],
    algorithm: str = "summation",
) -> str:
    """A script that runs as printed and raises the same :class:`OracleMismatch`: every array bit for bit
    (NaN, infinities, ``-0.0``, any dtype and integer size; ``transposed_conv._literals``), the arguments, the
    precision (a custom one rebuilt)."""
    script = Script()
    script.need("from transposed_conv.oracle import assert_close")
    script.assign_arrays({"x": x, "weight": weight, "actual": actual, "bias": bias})
    arguments = "".join(f", {key}={script.literal(value)}" for key, value in conv_args.items())
    name = _precision_literal(script, precision)
    model = "" if algorithm == "summation" else f", algorithm={algorithm!r}"
    script.add(f"assert_close(actual, x, weight, bias{arguments}, precision={name}{model})")
    return script.text()


def _why(key: AnswerKey, got: np.ndarray, index: tuple[int, ...]) -> str:
    """Why element ``index`` of ``got`` is wrong, in words."""
    actual, expected, bound = float(got[index]), float(key.expected[index]), float(key.bound[index])
    if key.exact[index]:
        return "where a non-finite input arrives and the IEEE result is exact, whatever the summation order"
    if not math.isfinite(actual):
        return "a non-finite result where the exact one is finite and no partial sum can overflow"
    difference = abs(actual - expected)
    return f"|difference| {difference:.3g} = {float(key.fraction(got)[index]):.3g} x the bound {bound:.3g}"


def _fraction(difference: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """``difference / bound`` with ``0/0 = 0``, ``d/0 = inf`` and NaN differences infinite."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(difference == 0, 0.0, difference / bound)
    return np.where(np.isnan(difference), np.inf, ratio)


def bound_fraction(
    actual: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float32",
    algorithm: str = "summation",
    **conv_args: Any,
) -> np.ndarray:
    """Elementwise ``|actual - reference| / error_bound``: at most 1 wherever ``actual`` is correct.

    ``actual`` must have the output's shape.  Non-finite values are judged exactly
    (:class:`AnswerKey`): where a non-finite input reaches, ``actual`` must be the same NaN
    or infinity as the reference (0 if so, ``inf`` if not); elsewhere a non-finite
    ``actual`` gives ``inf`` unless the precision could overflow there.  Never NaN.
    ``algorithm`` picks the error model, as for :func:`error_bound`.

    Examples
    --------
    >>> import numpy as np
    >>> from transposed_conv import conv_transpose
    >>> x, w = np.ones((1, 1, 3), np.float32), np.ones((1, 1, 2), np.float32)
    >>> float(bound_fraction(conv_transpose(x, w), x, w).max())
    0.0
    """
    key = answer_key(
        _torch_convention(conv_args), x, weight, bias, precision=precision, algorithm=algorithm, conv_args=conv_args
    )
    return key.fraction(actual)


def assert_close(
    actual: ArrayLike,
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    precision: str | float | Precision = "float32",
    algorithm: str = "summation",
    **conv_args: Any,
) -> None:
    """Check a transposed-convolution result against the oracle, within the rigorous rounding bound.

    Parameters
    ----------
    actual : array_like
        The result to check, of shape ``(N, C_out, *out)`` (or unbatched).
    x, weight, bias : array_like
        The inputs it was computed from, in our (PyTorch's) layout.
    precision : str, float or Precision
        How the implementation computed; see :func:`error_bound`.
    algorithm : {'summation', 'fft', 'winograd'}
        The algorithm whose error model applies; see :func:`error_bound`.
    **conv_args
        ``stride``, ``padding``, ``output_padding``, ``dilation``, ``groups``, ``output_size``.

    Raises
    ------
    OracleMismatch
        An ``AssertionError`` naming the worst element (index, actual, expected, bound), how
        many elements exceed their bound, the configuration, and a reproducer script.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    >>> w = np.ones((2, 1, 2), dtype=np.float32)
    >>> from transposed_conv import conv_transpose
    >>> assert_close(conv_transpose(x, w, stride=2), x, w, stride=2, precision="float32")
    >>> wrong = conv_transpose(x, w, stride=2) + np.float32(1e-3)
    >>> assert_close(wrong, x, w, stride=2, precision="float32")
    Traceback (most recent call last):
    ...
    transposed_conv.oracle.OracleMismatch: result differs from the oracle beyond the float32 rounding bound ...
    """
    p = _precision(precision)
    got = np.asarray(actual)
    x_arr, w_arr = _real(x, "x"), _real(weight, "weight")
    b_arr = None if bias is None else _real(bias, "bias")
    model = _algorithm(algorithm)
    key = answer_key(
        _torch_convention(conv_args), x_arr, w_arr, b_arr, precision=p, algorithm=model, conv_args=conv_args
    )
    expected, bound = key.expected, key.bound
    configuration = _describe(x_arr, w_arr, b_arr, conv_args)
    if got.shape != expected.shape:
        raise OracleMismatch(
            f"result has shape {got.shape}, but the transposed convolution has shape {expected.shape}\n"
            f"  configuration: {configuration}",
            configuration=configuration,
        )
    if got.dtype.kind not in "iuf" and not _is_bfloat16(got):
        raise OracleMismatch(f"result must be real numbers; got dtype {got.dtype}", configuration=configuration)
    ratio = key.fraction(got)
    bad = ratio > 1
    if not bad.any():
        return
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), ratio.shape))
    reproducer = _reproducer(got, x_arr, w_arr, b_arr, p, conv_args, model)
    described = "" if model == "summation" else f" ({model} error model)"
    message = (
        f"result differs from the oracle beyond the {p.name} rounding bound{described} "
        f"at {int(bad.sum())} of {got.size} elements\n"
        f"  worst element {worst}: actual {float(got[worst])!r}, expected {float(expected[worst])!r}, "
        f"{_why(key, got, worst)}\n"
        f"  configuration: {configuration}\n"
        f"reproducer:\n{reproducer}"
    )
    raise OracleMismatch(
        message,
        index=worst,
        actual=float(got[worst]),
        expected=float(expected[worst]),
        bound=float(bound[worst]),
        violations=int(bad.sum()),
        configuration=configuration,
        reproducer=reproducer,
    )
