"""JAX: ``jax.lax.conv_transpose``, computed with our core, and the runners that call it.

Everything about JAX lives here: its default dimension numbers, :func:`jax_padding` (the
``(lo, hi)`` padding of ``'SAME'`` and ``'VALID'``), :func:`jax_conv_transpose` (the documented
semantics, computed with :func:`~transposed_conv.conv_transpose`), :func:`jax_arguments` (our
geometry as its arguments), the runners (JAX imported when called), and what it supports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._arguments import real_array
from .._normalize import as_choice, is_int
from ..shapes import effective_kernel_length, full_output_shape, spatial_arguments
from ._declarations import (
    NO_PADDING_MODES_IN_PYTORCH_CONVENTION,
    Convention,
    Geometry,
    Implementation,
    Inexpressible,
    Reading,
    Supports,
    exported_from,
)
from ._window import add_bias, as_bool, check_input_not_empty, geometry_of_call, int_pairs

__all__ = [
    "CONVENTIONS",
    "IMPLEMENTATIONS",
    "JAX_DEFAULT_DIMENSION_NUMBERS",
    "JAX_PADDING_MODES",
    "PEERS",
    "SPATIAL_LETTERS",
    "SUPPORTS",
    "jax_arguments",
    "jax_conv_transpose",
    "jax_conv_transpose_peer",
    "jax_general_arguments",
    "jax_lax",
    "jax_padding",
    "jax_reading",
]

#: ``jax.lax.conv_transpose``'s ``dimension_numbers`` when ``None``, by array rank (TensorFlow's layouts).
JAX_DEFAULT_DIMENSION_NUMBERS = {
    3: ("NHC", "HIO", "NHC"),
    4: ("NHWC", "HWIO", "NHWC"),
    5: ("NHWDC", "HWDIO", "NHWDC"),
}
#: The padding strings ``jax.lax.conv_transpose`` takes (besides explicit ``(lo, hi)`` pairs).
JAX_PADDING_MODES = ("SAME", "VALID")
#: The letters of the spatial axes in dimension-number specs, in order.
SPATIAL_LETTERS = "HWD"


def _jax_permutations(dimension_numbers: Any, rank: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """``(lhs, rhs, out)`` axis permutations to ``(N, C, *spatial)``, ``(O, I, *spatial)``, ``(N, C, *spatial)``.

    Spatial axes are ordered as they appear in the kernel's spec, as ``lax.conv_general_permutations`` does.
    """
    if dimension_numbers is None:
        if rank not in JAX_DEFAULT_DIMENSION_NUMBERS:
            raise ValueError(
                "dimension_numbers must be given for more than 3 spatial dimensions (JAX has defaults for 1 to 3); "
                f"got arrays of rank {rank}"
            )
        dimension_numbers = JAX_DEFAULT_DIMENSION_NUMBERS[rank]
    if isinstance(dimension_numbers, str) or not isinstance(dimension_numbers, Sequence) or len(dimension_numbers) != 3:
        raise TypeError(
            "dimension_numbers must be None, three strings such as ('NHWC', 'HWIO', 'NHWC'), or three "
            f"sequences of axis numbers (a ConvDimensionNumbers); got {dimension_numbers!r}"
        )
    specs = list(dimension_numbers)
    if all(isinstance(spec, str) for spec in specs):
        return _jax_permutations_from_letters(specs, rank)
    if all(isinstance(spec, Sequence) and not isinstance(spec, str) for spec in specs):
        perms = []
        for index, spec in enumerate(specs):
            if not all(is_int(axis) for axis in spec):
                raise TypeError(f"dimension_numbers[{index}] must contain only ints; got {spec!r}")
            perm = tuple(int(axis) for axis in spec)
            if sorted(perm) != list(range(rank)):
                raise ValueError(
                    f"dimension_numbers[{index}] must be a permutation of the axes 0..{rank - 1} "
                    f"(batch or out-feature axis, feature or in-feature axis, spatial axes); got {spec!r}"
                )
            perms.append(perm)
        return perms[0], perms[1], perms[2]
    raise TypeError(f"dimension_numbers must be three strings or three sequences of ints; got {dimension_numbers!r}")


def _jax_permutations_from_letters(
    specs: list[str], rank: int
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    letters = (("N", "C"), ("O", "I"), ("N", "C"))
    for index, (spec, (first, second)) in enumerate(zip(specs, letters)):
        if len(spec) != rank:
            raise ValueError(
                f"dimension_numbers[{index}] must have one letter per axis ({rank} for arrays of rank {rank}); "
                f"got {spec!r}"
            )
        if spec.count(first) != 1 or spec.count(second) != 1 or len(set(spec)) != len(spec):
            raise ValueError(
                f"dimension_numbers[{index}] must contain {first!r} and {second!r} exactly once and no letter twice; "
                f"got {spec!r}"
            )
    spatial_sets = [set(spec) - set(pair) for spec, pair in zip(specs, letters)]
    if not spatial_sets[0] == spatial_sets[1] == spatial_sets[2]:
        raise ValueError(f"dimension_numbers must name the same spatial letters in all three specs; got {tuple(specs)}")
    kernel_spec = specs[1]

    def permutation(spec: str, pair: tuple[str, str]) -> tuple[int, ...]:
        spatial = sorted((i for i, c in enumerate(spec) if c not in pair), key=lambda i: kernel_spec.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1]), *spatial)

    return permutation(specs[0], letters[0]), permutation(specs[1], letters[1]), permutation(specs[2], letters[2])


@exported_from("transposed_conv.conventions")
def jax_padding(
    padding: str | Sequence[tuple[int, int]],
    effective_kernel: Sequence[int],
    strides: Sequence[int],
    *,
    use_consistent_padding: bool = False,
) -> tuple[tuple[int, int], ...]:
    """The ``(lo, hi)`` padding ``jax.lax.conv_transpose`` applies to the zero-inserted input.

    ``effective_kernel`` is ``rhs_dilation*(k - 1) + 1`` per dimension.  ``'SAME'`` and ``'VALID'``
    follow ``jax._src.lax.convolution._conv_transpose_padding``; explicit pairs pass through, or,
    with ``use_consistent_padding=True``, are read as the forward convolution's padding ``p`` and
    become ``effective_kernel - 1 - p``.

    Examples
    --------
    >>> jax_padding("SAME", [3], [2])
    ((2, 1),)
    >>> jax_padding("VALID", [3], [2])
    ((2, 2),)
    >>> jax_padding([(1, 1)], [3], [2], use_consistent_padding=True)
    ((1, 1),)
    """
    if isinstance(padding, str):
        mode = as_choice(padding, "padding", JAX_PADDING_MODES)
        result = []
        for k, s in zip(effective_kernel, strides):
            if mode == "SAME":
                total = k + s - 2
                lo = k - 1 if s > k - 1 else -(-total // 2)
            else:
                total = k + s - 2 + max(k - s, 0)
                lo = k - 1
            result.append((lo, total - lo))
        return tuple(result)
    pairs = int_pairs(padding, "padding", len(effective_kernel))
    if use_consistent_padding:
        return tuple((k - 1 - lo, k - 1 - hi) for (lo, hi), k in zip(pairs, effective_kernel))
    return pairs


@exported_from("transposed_conv.conventions")
def jax_conv_transpose(
    lhs: ArrayLike,
    rhs: ArrayLike,
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Sequence[str] | Sequence[Sequence[int]] | None = None,
    transpose_kernel: bool = False,
    use_consistent_padding: bool = False,
) -> np.ndarray:
    """``jax.lax.conv_transpose``, computed with :func:`conv_transpose`.

    JAX computes a stride-1 convolution (a cross-correlation: the kernel is *not* flipped) of
    the input with ``strides - 1`` zeros inserted between its elements, padded by ``padding``.

    Parameters
    ----------
    lhs : array_like
        Input, rank ``n + 2``; layout by ``dimension_numbers[0]`` (default ``NHWC``).
    rhs : array_like
        Kernel, rank ``n + 2``; layout by ``dimension_numbers[1]`` (default ``HWIO``): ``I``
        matches the input's features, ``O`` is the output's -- unless ``transpose_kernel``.
    strides : sequence of int
        The fractional strides (zeros inserted between input elements are ``strides - 1``).
    padding : {'SAME', 'VALID'} or sequence of (int, int)
        ``'SAME'``: output ``i * strides``; ``'VALID'``: ``(i - 1)*strides + max(k_eff, strides)``
        with ``k_eff = rhs_dilation*(k - 1) + 1``.  Pairs ``(lo, hi)``: zeros added before and
        after the zero-inserted input (negative: removed), any integers, unless
        ``use_consistent_padding``.
    rhs_dilation : sequence of int, optional
        Kernel dilation, ``>= 1``; default all 1.
    dimension_numbers : tuple of three str, or three sequences of int, optional
        ``(lhs_spec, rhs_spec, out_spec)`` as in ``jax.lax.conv_general_dilated``, e.g.
        ``('NCHW', 'OIHW', 'NCHW')``, or a ``ConvDimensionNumbers``; the spatial axes of
        ``strides``, ``padding`` and ``rhs_dilation`` follow their order in ``rhs_spec``.
        Default: ``('NHC', 'HIO', 'NHC')``, ``('NHWC', 'HWIO', 'NHWC')`` or
        ``('NHWDC', 'HWDIO', 'NHWDC')`` by rank.
    transpose_kernel : bool
        Flip the kernel's spatial axes and swap its ``I`` and ``O`` axes first, as TensorFlow
        and Keras do: the kernel's ``O`` axis then matches the input's features.
    use_consistent_padding : bool
        Read explicit ``padding`` pairs as the forward convolution's padding, PyTorch-style.

    Returns
    -------
    numpy.ndarray
        Layout by ``dimension_numbers[2]``; spatial size
        ``max((i - 1)*strides + 1 + lo + hi - rhs_dilation*(k - 1), 0)``; dtype by the core's rules.

    Raises
    ------
    ValueError, TypeError
        For an argument JAX does not allow, naming the parameter -- also ``padding`` that
        removes more than the whole zero-inserted input.

    See Also
    --------
    jax_padding : the ``(lo, hi)`` padding of ``'SAME'`` and ``'VALID'``.

    Notes
    -----
    ``jax.lax.conv_transpose`` (https://docs.jax.dev/en/latest/_autosummary/jax.lax.conv_transpose.html;
    source ``jax/_src/lax/convolution.py``, functions ``conv_transpose`` and
    ``_conv_transpose_padding``) is ``conv_general_dilated(lhs, rhs, window_strides=1,
    padding=(lo, hi), lhs_dilation=strides, rhs_dilation=rhs_dilation)``.  Written as a
    transposed convolution, with the spatially flipped kernel and ``k_eff =
    rhs_dilation*(k - 1) + 1``, that is PyTorch's with ``padding = (k_eff - 1 - lo,
    k_eff - 1 - hi)``, which is negative when ``lo`` or ``hi`` exceed ``k_eff - 1``: the output
    then extends past the full output, with zeros.

    * ``'SAME'``: total ``k_eff + strides - 2``; ``lo = k_eff - 1`` if ``strides > k_eff - 1``, else
      ``ceil(total / 2)``; so the full output is cropped by ``floor((k_eff - s)/2)`` at the start
      and the rest at the end -- the odd element at the end, TensorFlow's ``SAME``.
    * ``'VALID'``: ``lo = k_eff - 1``, ``hi = k_eff - 1 + max(strides - k_eff, 0)``: nothing is
      cropped, and a kernel smaller than the stride is followed by ``strides - k_eff`` zeros.
    * There is no ``groups`` argument (``feature_group_count`` is 1), no bias, no
      ``output_padding``.  ``precision`` and ``preferred_element_type`` are not taken: results
      follow the core's dtype rules.  Only ``'SAME'`` and ``'VALID'`` are accepted as strings.
    * Empty outputs: JAX pads the zero-inserted input, of ``P = (i - 1)*strides + 1 + lo + hi``
      elements, and slides the dilated kernel over it; where ``0 <= P < k_eff`` no window
      position fits and JAX returns an empty output (size 0 in that dimension), and so do we.
      A negative ``P`` JAX refuses ("Negative padding is larger than the size of the
      corresponding dimension"), and so do we.

    Examples
    --------
    The default layout is channels-last, ``NHC`` and ``HIO`` in 1-D.  A ``(1, 3, 1)`` input and
    a kernel ``[1, 10, 100]``: without ``transpose_kernel`` the kernel is used unflipped on the
    zero-inserted input ``[1, 0, 2, 0, 3]``:

    >>> import numpy as np
    >>> x = np.array([1, 2, 3]).reshape(1, 3, 1)
    >>> k = np.array([1, 10, 100]).reshape(3, 1, 1)
    >>> jax_conv_transpose(x, k, (2,), "SAME").ravel().tolist()
    [100, 10, 201, 20, 302, 30]
    >>> jax_conv_transpose(x, k, (2,), "VALID").ravel().tolist()
    [100, 10, 201, 20, 302, 30, 3]

    Explicit pads apply to ``[1, 0, 2, 0, 3]``; negative ones crop it, large ones add zeros:

    >>> jax_conv_transpose(x, k, (2,), [(0, 0)]).ravel().tolist()
    [201, 20, 302]
    >>> jax_conv_transpose(x, k, (2,), [(-1, 3)]).ravel().tolist()
    [20, 302, 30, 3, 0]

    Pads that leave less of ``[1, 0, 2, 0, 3]`` than the kernel's three elements give an empty
    output, as in JAX; removing more than all five is refused, as in JAX:

    >>> jax_conv_transpose(x, k, (2,), [(-2, -2)]).shape
    (1, 0, 1)
    >>> jax_conv_transpose(x, k, (2,), [(-3, -3)])
    Traceback (most recent call last):
    ...
    ValueError: padding must remove at most the whole zero-inserted input, ...: (-1,)

    ``transpose_kernel=True`` is PyTorch's kernel orientation:

    >>> jax_conv_transpose(x, k, (2,), "VALID", transpose_kernel=True).ravel().tolist()
    [1, 10, 102, 20, 203, 30, 300]
    """
    reading = jax_reading(
        lhs, rhs, strides, padding, rhs_dilation, dimension_numbers, transpose_kernel, use_consistent_padding
    )
    return reading.compute(np.asarray(lhs), np.asarray(rhs), None)


def jax_reading(
    lhs: ArrayLike,
    rhs: ArrayLike,
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Sequence[str] | Sequence[Sequence[int]] | None = None,
    transpose_kernel: bool = False,
    use_consistent_padding: bool = False,
) -> Reading:
    """A ``jax.lax.conv_transpose`` call read as our window of the full output (:func:`jax_conv_transpose`'s rules).

    Only the arrays' shapes and dtypes enter.

    Examples
    --------
    >>> import numpy as np
    >>> reading = jax_reading(np.empty((1, 3, 1)), np.empty((3, 1, 1)), (2,), "SAME")
    >>> reading.window, reading.weight_flipped, reading.x_axes
    (((0, 6),), True, (0, 2, 1))
    """
    lhs_arr = real_array(lhs, "lhs")
    rhs_arr = real_array(rhs, "rhs")
    if lhs_arr.ndim != rhs_arr.ndim or lhs_arr.ndim < 3:
        raise ValueError(
            "lhs and rhs must have the same rank n + 2 with n >= 1 spatial dimensions; "
            f"got lhs.shape={lhs_arr.shape} and rhs.shape={rhs_arr.shape}"
        )
    lhs_perm, rhs_perm, out_perm = _jax_permutations(dimension_numbers, lhs_arr.ndim)
    ndim = lhs_arr.ndim - 2
    x = lhs_arr.transpose(lhs_perm)  # (N, C, *spatial)
    kernel = rhs_arr.transpose(rhs_perm)  # (O, I, *kernel)
    if any(size < 1 for size in kernel.shape):
        raise ValueError(f"rhs must have no empty axis; got rhs.shape={rhs_arr.shape}")
    check_input_not_empty(x, "lhs", lhs_arr.shape)
    stride, _, _, dilation = spatial_arguments(
        ndim,
        stride=strides,
        dilation=1 if rhs_dilation is None else rhs_dilation,
        names={"stride": "strides", "dilation": "rhs_dilation"},
    )
    flip = as_bool(transpose_kernel, "transpose_kernel")
    consistent = as_bool(use_consistent_padding, "use_consistent_padding")
    if flip:
        # JAX flips the spatial axes and swaps O and I; undoing the flip to write it as a
        # transposed convolution leaves the kernel as given, O (now the input features) first.
        weight, in_axis = kernel, "O"  # (C_in = O, C_out = I, *kernel)
    else:
        weight, in_axis = np.flip(kernel, axis=tuple(range(2, ndim + 2))).swapaxes(0, 1), "I"  # (I, O, *kernel)
    if weight.shape[0] != x.shape[1]:
        raise ValueError(
            f"rhs's {in_axis!r} dimension must equal lhs's feature dimension 'C' "
            f"({'with' if flip else 'without'} transpose_kernel); got lhs.shape={lhs_arr.shape} with C={x.shape[1]} "
            f"and rhs.shape={rhs_arr.shape} with {in_axis}={weight.shape[0]}"
        )
    effective = [effective_kernel_length(k, d) for k, d in zip(kernel.shape[2:], dilation)]
    pads = jax_padding(padding, effective, stride, use_consistent_padding=consistent)
    full = full_output_shape(x.shape[2:], kernel.shape[2:], stride, dilation)
    padded = [(i - 1) * s + 1 + lo + hi for i, s, (lo, hi) in zip(x.shape[2:], stride, pads)]
    if any(p < 0 for p in padded):
        raise ValueError(
            "padding must remove at most the whole zero-inserted input, (i - 1)*strides + 1 + lo + hi >= 0 in "
            f"every dimension (JAX: 'Negative padding is larger than the size'); got padding={padding!r}, "
            f"(lo, hi) = {pads} for an input of {tuple(x.shape[2:])} and strides={stride}: {tuple(padded)}"
        )
    # the window [k_eff - 1 - lo, F - (k_eff - 1) + hi): empty, as in JAX, where less than the kernel is left
    window = tuple((k - 1 - lo, max(f - (k - 1) + hi, k - 1 - lo)) for (lo, hi), k, f in zip(pads, effective, full))
    return Reading(
        batch=x.shape[0],
        in_channels=x.shape[1],
        out_channels=weight.shape[1],
        groups=1,
        input_shape=tuple(x.shape[2:]),
        kernel_shape=tuple(kernel.shape[2:]),
        stride=stride,
        dilation=dilation,
        window=window,
        x_axes=lhs_perm,
        weight_axes=rhs_perm if flip else (rhs_perm[1], rhs_perm[0], *rhs_perm[2:]),
        weight_flipped=not flip,
        out_axes=tuple(int(axis) for axis in np.argsort(out_perm)),  # (N, C, *spatial) -> out_spec's layout
        bias=False,
    )


def jax_arguments(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """``jax.lax.conv_transpose`` arguments for our geometry, with ``x`` and ``weight`` as they are (no permutation).

    With ``transpose_kernel=True`` and the dimension numbers ``('NC...', 'OI...', 'NC...')``
    JAX takes PyTorch's arrays unchanged; PyTorch's padding ``p`` and ``output_padding`` ``a``
    become JAX's padding of the zero-inserted input, ``(k_eff - 1 - p_begin, k_eff - 1 - p_end
    + a)``.  JAX has no bias (it is added to the result) and no groups: a geometry with groups
    raises :class:`~transposed_conv.frameworks.Inexpressible`.  ``batch`` does not enter.

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry(
    ...     input_shape=(4,), kernel_shape=(3,), stride=(2,), padding=((1, 0),), output_padding=(1,),
    ...     dilation=(2,), groups=1, in_channels=2, out_channels=3)
    >>> arguments = jax_arguments(geometry)
    >>> arguments["padding"], arguments["dimension_numbers"]
    ([[3, 5]], ['NCH', 'OIH', 'NCH'])
    """
    if geometry.groups != 1:
        raise Inexpressible(f"jax.lax.conv_transpose has no groups (feature_group_count); got groups={geometry.groups}")
    ndim = geometry.ndim
    letters = SPATIAL_LETTERS[:ndim]
    return {
        "lhs_axes": list(range(ndim + 2)),
        "rhs_axes": list(range(ndim + 2)),
        "strides": list(geometry.stride),
        "padding": [
            [effective_kernel_length(k, d) - 1 - pb, effective_kernel_length(k, d) - 1 - pe + a]
            for d, k, (pb, pe), a in zip(
                geometry.dilation, geometry.kernel_shape, geometry.padding, geometry.output_padding
            )
        ],
        "rhs_dilation": list(geometry.dilation),
        "dimension_numbers": ["NC" + letters, "OI" + letters, "NC" + letters],
        "transpose_kernel": True,
        "bias": "added to the result (jax.lax.conv_transpose has none)",
    }


def jax_general_arguments(geometry: Geometry, *, batch: int = 1) -> dict[str, Any]:
    """``jax.lax.conv_general_dilated`` arguments for our geometry, groups included: the transposed convolution as
    a stride-1 convolution of the zero-inserted (``lhs_dilation``), padded input with the flipped kernel.

    The kernel becomes a convolution's ``(C_out, C_in/groups, *k)``: ``weight.reshape(weight_groups)``
    (``(groups, C_in/groups, C_out/groups, *k)``), ``.transpose(weight_axes)`` (each group's in and out
    channels swapped), ``.reshape(rhs_shape)`` and flipped in every spatial axis -- the groups stay on the
    output channels' blocks, which is what ``feature_group_count`` expects.  ``batch`` does not enter.

    Examples
    --------
    >>> from transposed_conv.shapes import ConvTransposeGeometry
    >>> geometry = ConvTransposeGeometry.build((4,), (3,), stride=2, padding=1, output_padding=1, groups=2,
    ...                                        in_channels=4, out_channels=6)
    >>> arguments = jax_general_arguments(geometry)
    >>> arguments["padding"], arguments["lhs_dilation"], arguments["feature_group_count"], arguments["rhs_shape"]
    ([[1, 2]], [2], 2, [6, 2, 3])
    """
    ndim, g = geometry.ndim, geometry.groups
    letters = SPATIAL_LETTERS[:ndim]
    kernel = list(geometry.kernel_shape)
    return {
        "weight_groups": [g, geometry.in_channels // g, geometry.out_channels // g, *kernel],
        "weight_axes": [0, 2, 1, *range(3, ndim + 3)],
        "rhs_shape": [geometry.out_channels, geometry.in_channels // g, *kernel],
        "flip": list(range(2, ndim + 2)),
        "window_strides": [1] * ndim,
        "padding": [
            [effective_kernel_length(k, d) - 1 - pb, effective_kernel_length(k, d) - 1 - pe + a]
            for d, k, (pb, pe), a in zip(
                geometry.dilation, geometry.kernel_shape, geometry.padding, geometry.output_padding
            )
        ],
        "lhs_dilation": list(geometry.stride),
        "rhs_dilation": list(geometry.dilation),
        "dimension_numbers": ["NC" + letters, "OI" + letters, "NC" + letters],
        "feature_group_count": g,
        "bias": "added to the result (jax.lax.conv_general_dilated has none)",
    }


# --- the runners ----------------------------------------------------------------------------------


def jax_lax(lhs: np.ndarray, rhs: np.ndarray, strides: Any, padding: Any, **kwargs: Any) -> np.ndarray:
    """``jax.lax.conv_transpose`` on CPU; float64 under ``jax.enable_x64``."""
    import jax
    from jax import lax

    if not isinstance(padding, str):
        padding = [tuple(pair) for pair in padding]  # JAX reads padding pairs only as tuples
    with jax.enable_x64(lhs.dtype == np.float64):
        return np.asarray(lax.conv_transpose(lhs, rhs, strides, padding, **kwargs))


def jax_conv_transpose_peer(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> np.ndarray:
    """``jax.lax.conv_transpose`` with ``transpose_kernel=True`` (the gradient of ``conv``), CPU.

    PyTorch's arguments become JAX's by :func:`jax_arguments`: the padding of the zero-inserted
    input ``(d*(k - 1) - p_begin, d*(k - 1) - p_end + output_padding)``, the layouts spelled
    ``('NC...', 'OI...', 'NC...')``.  ``jax.lax.conv_transpose`` has no groups and no bias: the
    bias is added afterwards.
    """
    import jax
    from jax import lax

    geometry = geometry_of_call(
        x, weight, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation
    )
    arguments = jax_arguments(geometry)
    with jax.enable_x64(x.dtype == np.float64):
        y = lax.conv_transpose(
            x,
            weight,
            arguments["strides"],
            [tuple(pair) for pair in arguments["padding"]],
            rhs_dilation=arguments["rhs_dilation"],
            dimension_numbers=tuple(arguments["dimension_numbers"]),
            transpose_kernel=arguments["transpose_kernel"],
        )
        result = np.asarray(y)
    return add_bias(result, bias).astype(x.dtype, copy=False)


# --- what it supports -----------------------------------------------------------------------------

_NO_GROUPS = "jax.lax.conv_transpose has no groups (its feature_group_count is 1)"

#: What ``jax.lax.conv_transpose`` can express.
SUPPORTS = Supports(
    lacks={
        "groups": _NO_GROUPS,
        "large output_padding": "jax.lax.conv_transpose has no output_padding: the high padding of the "
        "zero-inserted input sets the size",
    }
)

CONVENTIONS = (
    Convention(
        "jax",
        jax_conv_transpose,
        jax_arguments,
        SUPPORTS,
        draws={"plain": {"paddings": ("VALID",)}, "padding modes": {}, "asymmetric": {"paddings": ("explicit",)}},
        pytorch_options=False,
    ),
)
IMPLEMENTATIONS = (Implementation("jax.lax.conv_transpose", "jax", "jax", jax_lax, SUPPORTS),)
PEERS = (
    Implementation(
        "jax",
        "jax",
        "torch",
        jax_conv_transpose_peer,
        Supports(lacks={"groups": _NO_GROUPS, "padding modes": NO_PADDING_MODES_IN_PYTORCH_CONVENTION}),
    ),
)
