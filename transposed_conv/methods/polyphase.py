"""Transposed convolution by its polyphase (sub-pixel) decomposition: one GEMM per output phase.

Split the output of each dimension into its ``stride`` phases, ``o = stride*q + r``.
Output ``o`` receives tap ``j`` from input ``i`` exactly when
``o + p_begin = i*stride + j*dilation``, so phase ``r`` only receives the taps with
``j*dilation = r + p_begin (mod stride)``, each from input ``i = q + shift_r + e*step``
for the tap's slot ``e`` in the phase (:func:`~transposed_conv.methods._windows.phases`).
Every phase is therefore an ordinary *stride-1* correlation of the input with a small
sub-kernel -- the sub-pixel convolution view of Shi et al. (2016) -- and no two taps of
a phase write the same output, so there is no scatter-add at all::

    y[:, :, r::stride] = W_r @ windows_r(x)

with ``W_r`` of shape ``(C_out, C_in * E)`` (the phase's taps, zero in unused slots)
and ``windows_r(x)`` the ``E`` shifted copies of the input the phase reads.  The
windows of all phases are gathered once, as ``E = max taps per phase`` copies of the
input shifted by ``e*step``; the phases differ only by where they start in it.

In ``d >= 2`` dimensions a phase's window is a box inside the gathered grid.  Flattening
the grid turns the box into one contiguous run of columns, so each phase is one GEMM
on a view (no copy); the run also covers the few grid columns between the box's rows,
whose results are computed and dropped (``1/M`` of the work for an ``M``-wide grid).

Cost: the same multiply-adds as ``im2col`` when every phase has the same number of
taps (``stride`` divides ``kernel*dilation/gcd``, e.g. kernel 4 with stride 2), plus the
dropped columns; memory traffic is ``E**d`` copies of the input and one write of the
output, instead of ``im2col``'s read-add-write of ``C_out * prod(kernel)`` column values
per input position.  Zero slots of unevenly split kernels multiply zeros, which are not
products of the definition: as with zero insertion,
:func:`~transposed_conv.methods._nonfinite.ieee_special_values` gives non-finite inputs the
definition's IEEE result.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from .._memory import chunk_count, chunks
from .._threads import run_parts
from ..shapes import ConvTransposeGeometry
from ._buffers import scratch
from ._nonfinite import all_finite, ieee_special_values
from ._windows import Phase, phases

__all__ = [
    "DEPTHWISE_BLOCK",
    "Plan",
    "conv_transpose",
    "conv_transpose_depthwise",
    "conv_transpose_depthwise_clipped",
    "conv_transpose_stacked",
    "padded_reads",
    "plan",
    "slot_reads",
]

Slots = tuple[slice, ...]


class Plan:
    """The gathered grid and the phases of one geometry (integers only).

    Per dimension: ``step``, ``slots`` (``E``), ``base`` (the input position of grid
    column 0 in slot 0), ``grid`` (``M``) and the phases that receive at least one tap.
    Only taps that land inside the output from some input are planned, so every slot
    offset lies in ``(-count, L)`` and ``M < L + 2*O``: the plan and its buffers are
    bounded by the input and output sizes, never by the stride, dilation or padding.
    """

    def __init__(self, geometry: ConvTransposeGeometry) -> None:
        self.steps: list[int] = []
        self.slots: list[int] = []
        self.bases: list[int] = []
        self.grid: list[int] = []
        self.phases: list[tuple[Phase, ...]] = []
        ndim = geometry.ndim
        for axis, (k, i, o, s, d, pb) in enumerate(geometry.dimensions):
            live, step = phases(k, i, o, s, d, pb)  # only the phases some tap reaches: O(k), whatever the stride
            base = min((p.shift for p in live), default=0)
            grid = max((p.shift - base + p.count for p in live), default=1)
            self.steps.append(step)
            self.slots.append(max((len(p.taps) for p in live), default=1))
            self.bases.append(base)
            self.grid.append(grid + (1 if axis == 0 and ndim > 1 else 0))  # room for the last run's tail
            self.phases.append(live)

        self.combos: list[tuple[Phase, ...]] = list(itertools.product(*self.phases))
        strides = [math.prod(self.grid[axis + 1 :]) for axis in range(ndim)]
        #: Where each phase's run of flattened grid columns starts, and how long it is.
        self.starts = [sum((p.shift - b) * st for p, b, st in zip(c, self.bases, strides)) for c in self.combos]
        self.runs = [self.run_length(tuple(p.count for p in combo)) for combo in self.combos]
        #: The columns ``[0, span)`` that the stacked GEMM computes: every phase's run lies inside.
        self.span = max((start + run for start, run in zip(self.starts, self.runs)), default=0)

    @property
    def slot_volume(self) -> int:
        """``prod(E)``: shifted copies of the input in the gathered grid."""
        return math.prod(self.slots)

    @property
    def grid_size(self) -> int:
        """``prod(M)``: positions per copy."""
        return math.prod(self.grid)

    def run_length(self, counts: tuple[int, ...]) -> int:
        """Columns of the flattened grid one phase covers: ``count_1 * M_2 * ... * M_d``."""
        return counts[0] * math.prod(self.grid[1:])

    def multiply_adds(self, geometry: ConvTransposeGeometry, batch: int) -> int:
        """Scalar multiply-adds of the stacked GEMMs (including zero slots and dropped columns)."""
        rows = len(self.combos) * geometry.out_channels
        return batch * rows * geometry.in_channels // geometry.groups * self.slot_volume * self.span

    def fixed_bytes(self, geometry: ConvTransposeGeometry, itemsize: int) -> int:
        """The weights in tap-major order and the stacked phase weight matrices, built once per call."""
        per_pair = len(self.combos) * self.slot_volume + math.prod(geometry.kernel_shape)
        return geometry.out_channels * geometry.in_channels // geometry.groups * per_pair * itemsize

    def item_bytes(self, geometry: ConvTransposeGeometry, itemsize: int) -> int:
        """Temporaries per batch element: the gathered grid and the stacked GEMM's result."""
        grid = geometry.in_channels * self.slot_volume * self.grid_size
        return (grid + len(self.combos) * geometry.out_channels * self.span) * itemsize


@functools.lru_cache(maxsize=256)
def plan(geometry: ConvTransposeGeometry) -> Plan:
    """The :class:`Plan` of ``geometry`` (cached: layers call with the same geometry again and again)."""
    return Plan(geometry)


def gather(x: np.ndarray, layout: Plan, grid: np.ndarray | None = None) -> np.ndarray:
    """``(n, C, *L)`` -> ``(n, C, *E, *M)``: entry ``[.., e, m] = x[.., m + base + e*step]``, zero outside ``x``.

    Writes every entry of ``grid`` when given, whatever it held: the window of ``x`` each
    slot reads, and zeros in the thin slabs around it (no pass over the whole buffer).
    """
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    if grid is None:
        grid = np.empty((n, c, *layout.slots, *layout.grid), dtype=x.dtype)  # (n, C, *E, *M)
    everything = (slice(None), slice(None))
    for slot in itertools.product(*(range(e) for e in layout.slots)):
        targets, sources = [], []
        for e, base, step, m, size in zip(slot, layout.bases, layout.steps, layout.grid, spatial):
            start = base + e * step  # the input position of grid column 0
            first, last = max(0, -start), min(m, size - start)
            targets.append(slice(first, max(first, last)))
            sources.append(slice(first + start, max(first, last) + start))
        grid[everything + slot + tuple(targets)] = x[everything + tuple(sources)]
        for axis, inside in enumerate(targets):  # the slabs before and after the window, axis by axis
            for outside in (slice(0, inside.start), slice(inside.stop, None)):
                slab = (*targets[:axis], outside, *(slice(None),) * (len(targets) - axis - 1))
                grid[everything + slot + slab] = 0
    return grid


def stacked_weights(weight: np.ndarray, geometry: ConvTransposeGeometry, layout: Plan, out: np.ndarray) -> np.ndarray:
    """Every phase's ``W_r`` stacked, transposed: into ``out`` of shape ``(G, C_in/G * prod(E), phases * C_out/G)``.

    Column block ``r`` is phase ``r``'s matrix ``W_r.T``: row ``(c, e)`` holds the phase's tap
    ``taps[e]`` of ``weight[c]``, zero for unused slots.  The GEMM reads it transposed (BLAS
    takes either orientation), so building it moves rows of ``C_out/G`` contiguous values:
    one swap of the weight's last two axes, then one copy per (phase, slot).
    """
    g = geometry.groups
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    per_tap = weight.reshape(g, c_in_g, c_out_g, -1)  # (G, C_in/G, C_out/G, prod(k))
    blocks = out.reshape(g, c_in_g, *layout.slots, len(layout.combos), c_out_g)  # (G, C_in/G, *E, phases, C_out/G)
    with scratch((g, c_in_g, per_tap.shape[-1], c_out_g), weight.dtype) as taps_first:  # (G, C_in/G, prod(k), C_out/G)
        np.copyto(taps_first, np.swapaxes(per_tap, 2, 3))
        for index, combo in enumerate(layout.combos):
            used = set(itertools.product(*(range(len(p.taps)) for p in combo)))
            for slot in itertools.product(*(range(e) for e in layout.slots)):
                where: tuple[slice | int, ...] = (slice(None), slice(None), *slot, index)
                if slot not in used:
                    blocks[where] = 0  # this phase has fewer taps than slots here
                    continue
                tap = int(np.ravel_multi_index(tuple(p.taps[e] for p, e in zip(combo, slot)), geometry.kernel_shape))
                blocks[where] = taps_first[:, :, tap]
    return out


#: Batch elements per chunk are also capped so that a chunk's gathered grid stays near this size (bytes):
#: the GEMMs run per batch element anyway, and buffers reused while they are still in cache are cheaper.
CACHE_TARGET = 4 * 2**20


def conv_transpose(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """The polyphase decomposition (no bias): :func:`conv_transpose_stacked`, or with one input channel
    per group (depthwise), its fast path :func:`conv_transpose_depthwise`."""
    if geometry.in_channels == geometry.groups:
        return conv_transpose_depthwise(x, weight, geometry)
    return conv_transpose_stacked(x, weight, geometry)


@ieee_special_values  # the zeros it multiplies are not products of the definition: see _nonfinite
def conv_transpose_stacked(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """All output phases in one GEMM per batch element, on the gathered, shifted copies of the input (no bias).

    The phase weight matrices are stacked, so one GEMM computes every phase over the
    columns ``[0, span)`` that any phase needs; phase ``r`` then keeps its rows and its
    own run of columns ``[start_r, start_r + run_r)``.  The batch is processed in chunks
    under :func:`~transposed_conv._memory.get_memory_limit` (and near :data:`CACHE_TARGET`),
    reusing one grid buffer and one result buffer.
    """
    g = geometry.groups
    n = x.shape[0]
    c_in_g, c_out_g = geometry.in_channels // g, geometry.out_channels // g
    out = geometry.output_shape
    y = np.zeros((n, geometry.out_channels, *out), dtype=x.dtype)  # (N, C_out, *O); phases without taps stay zero
    layout = plan(geometry)
    combos, span = layout.combos, layout.span
    if n == 0 or not combos:
        return y
    itemsize = x.dtype.itemsize
    item_bytes = layout.item_bytes(geometry, itemsize)
    batch_chunk = min(
        n, chunk_count(item_bytes, layout.fixed_bytes(geometry, itemsize)), max(1, CACHE_TARGET // item_bytes)
    )
    y_groups = y.reshape(n, g, c_out_g, *out)  # (N, G, C_out/G, *O)
    rows = len(combos) * c_out_g
    with (
        scratch((g, c_in_g * layout.slot_volume, rows), x.dtype) as stacked,  # (G, C_in/G * prod(E), phases*C_out/G)
        scratch((batch_chunk, geometry.in_channels, *layout.slots, *layout.grid), x.dtype) as grid,
        scratch((batch_chunk, g, rows, span), x.dtype) as results,  # (n_b, G, phases * C_out/G, span)
    ):
        stacked_weights(weight, geometry, layout, stacked)
        for batch in chunks(n, batch_chunk):
            nb = batch.stop - batch.start
            gather(x[batch], layout, grid[:nb])  # (n_b, C_in, *E, *M), zero outside x
            columns = grid[:nb].reshape(nb, g, c_in_g * layout.slot_volume, layout.grid_size)  # (n_b, G, C_in/G*E, M)
            every = np.matmul(np.swapaxes(stacked, 1, 2), columns[..., :span], out=results[:nb])  # (n_b, G, rows, span)
            write_phases(every, y_groups[batch], geometry, layout)
    return y


def write_phases(every: np.ndarray, y_groups: np.ndarray, geometry: ConvTransposeGeometry, layout: Plan) -> None:
    """Phase ``r``'s rows of the stacked GEMM's result, its own run of columns, into its strided slice of ``y``.

    ``every`` is ``(n_b, G, phases * C_out/G, span)``, ``y_groups`` ``(n_b, G, C_out/G, *O)``.
    """
    c_out_g = y_groups.shape[2]
    for index, (combo, start, run) in enumerate(zip(layout.combos, layout.starts, layout.runs)):
        counts = tuple(p.count for p in combo)
        rows = every[:, :, index * c_out_g : (index + 1) * c_out_g, start : start + run]  # (n_b, G, C_out/G, run)
        phase = rows.reshape(*rows.shape[:3], counts[0], *layout.grid[1:])  # (n_b, G, C_out/G, count_1, *M[1:])
        kept = tuple(slice(0, q) for q in counts[1:])
        targets = tuple(slice(p.residue, None, s) for p, s in zip(combo, geometry.stride))
        y_groups[(slice(None), slice(None), slice(None), *targets)] = phase[(slice(None),) * 4 + kept]


# --- the depthwise path ----------------------------------------------------------------------------------


def slot_reads(
    combo: tuple[Phase, ...], layout: Plan, input_shape: tuple[int, ...]
) -> list[tuple[tuple[int, ...], Slots, Slots]]:
    """``(tap, phase positions, inputs)`` for each tap of the phases ``combo``, in increasing flattened tap order.

    Slot ``e`` of a phase reads input ``q + shift + e*step`` for its output ``q``: the
    positions ``q < count`` whose input lies inside ``x``, as slices of the phase and of ``x``.
    Taps whose inputs all lie outside ``x`` in some dimension are left out.
    """
    reads: list[tuple[tuple[int, ...], Slots, Slots]] = []
    for slot in itertools.product(*(range(len(p.taps)) for p in combo)):
        phase_positions, inputs = [], []
        for p, e, step, size in zip(combo, slot, layout.steps, input_shape):
            first = p.shift + e * step  # the input of position q = 0
            start, stop = max(0, -first), min(p.count, size - first)
            phase_positions.append(slice(start, max(start, stop)))
            inputs.append(slice(start + first, max(start, stop) + first))
        if all(s.stop > s.start for s in phase_positions):
            reads.append((tuple(p.taps[e] for p, e in zip(combo, slot)), tuple(phase_positions), tuple(inputs)))
    kernel = tuple(max(p.taps) + 1 for p in combo)  # any shape that orders taps as C order does
    return sorted(reads, key=lambda read: int(np.ravel_multi_index(read[0], kernel)))


def padded_reads(geometry: ConvTransposeGeometry, layout: Plan) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` per dimension: the zeros around ``x`` that every slot of every phase reads inside.

    Slot ``e`` of a phase reads inputs ``shift + e*step`` to ``shift + e*step + count - 1``; the
    padding covers the lowest and the highest of them, so it is bounded by the plan's grid.
    """
    pads = []
    for live, step, size in zip(layout.phases, layout.steps, geometry.input_shape):
        low = min((p.shift for p in live), default=0)
        high = max((p.shift + (len(p.taps) - 1) * step + p.count - 1 for p in live), default=0)
        pads.append((max(0, -low), max(0, high - (size - 1))))
    return tuple(pads)


#: :func:`conv_transpose_depthwise` accumulates a block of groups at a time, its accumulator at most this many
#: bytes: larger blocks make fewer NumPy calls, which cost more than the cache misses they save (measured on 2
#: CPUs, two threads, 256 channels of 32 x 32, kernel 4, stride 2, float32: 64 KiB blocks 4.8 ms, 256 KiB
#: 2.4 ms, 512 KiB 1.9 ms, 1 MiB and more 1.5 ms).
DEPTHWISE_BLOCK = 2**21


class DepthwiseRuns:
    """Integers only: where each tap of each phase reads the flattened, zero-padded input of one channel.

    The input of a channel, zero-padded by :func:`padded_reads` to ``padded_shape`` and flattened,
    is one row of ``length`` values (the padded size plus ``tail`` zeros, room for the last run).
    Phase ``r``'s outputs ``q`` are computed over a *run*: ``count_1`` rows of the padded width
    ``prod(padded_shape[1:])``, of which the first ``count_2, ...`` positions are kept; slot ``e``
    of the phase reads the ``run`` values starting at ``start``, so each tap is one contiguous
    multiply-add over the run.  ``phases`` lists ``(counts, run, targets, ((tap, start), ...))``
    with the taps in increasing order.
    """

    def __init__(self, geometry: ConvTransposeGeometry) -> None:
        layout = plan(geometry)
        self.pads = padded_reads(geometry, layout)
        self.padded_shape = tuple(size + b + a for size, (b, a) in zip(geometry.input_shape, self.pads))
        width = math.prod(self.padded_shape[1:])  # values per padded row of the first dimension
        flat_strides = [math.prod(self.padded_shape[axis + 1 :]) for axis in range(geometry.ndim)]
        self.phases: list[tuple[tuple[int, ...], int, tuple[slice, ...], tuple[tuple[int, int], ...]]] = []
        for combo in layout.combos:
            counts = tuple(p.count for p in combo)
            reads = []
            for slot in itertools.product(*(range(len(p.taps)) for p in combo)):
                tap = int(np.ravel_multi_index(tuple(p.taps[e] for p, e in zip(combo, slot)), geometry.kernel_shape))
                first = (p.shift + b + e * step for p, (b, _), e, step in zip(combo, self.pads, slot, layout.steps))
                reads.append((tap, sum(position * st for position, st in zip(first, flat_strides))))
            targets = tuple(slice(p.residue, None, s) for p, s in zip(combo, geometry.stride))
            self.phases.append((counts, counts[0] * width, targets, tuple(sorted(reads))))
        size = math.prod(self.padded_shape)
        reach = max((start + run for _, run, _, reads in self.phases for _, start in reads), default=0)
        self.tail = max(0, reach - size)
        self.length = size + self.tail
        #: The longest run: the accumulator's size per output channel.
        self.longest = max((run for _, run, _, _ in self.phases), default=0)


@functools.lru_cache(maxsize=256)
def depthwise_runs(geometry: ConvTransposeGeometry) -> DepthwiseRuns:
    """The :class:`DepthwiseRuns` of ``geometry`` (cached)."""
    return DepthwiseRuns(geometry)


def phase_output(x: np.ndarray, geometry: ConvTransposeGeometry, layout: Plan) -> np.ndarray:
    """``(N, C_out, *O)`` for the phases to fill: uninitialised when every phase has taps, else zeros (a phase without
    taps stays zero)."""
    out = geometry.output_shape
    every_phase = all(len(live) == min(s, o) for live, s, o in zip(layout.phases, geometry.stride, out))
    allocate = np.empty if every_phase and x.shape[0] > 0 else np.zeros
    return allocate((x.shape[0], geometry.out_channels, *out), dtype=x.dtype)


def conv_transpose_depthwise(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """The polyphase split with one input channel per group (depthwise), fast path: no GEMM (no bias).

    With ``C_in/G = 1`` each phase's GEMM multiplies ``(C_out/G, E)`` by ``(E, positions)`` per
    group -- as many tiny matrices as groups, slow in BLAS.  Here each phase is summed as what
    it is, a weighted sum of shifted inputs.  The input of each group is zero-padded once
    (:func:`padded_reads`) and flattened, so that every tap's window of a phase is one
    contiguous run of it (:class:`DepthwiseRuns`): for each tap, in increasing tap order, one
    multiply of the run by the tap's weight of each output channel and one add into the
    phase's accumulator; the accumulator plus zero is then written into the phase's strided
    slice of the output -- ``0 + p_1 + p_2 + ...``, the order in which
    :func:`~transposed_conv.methods.im2col.col2im` adds the products (adding the zero last
    instead of first changes only the sign of a zero sum, to what starting from zero gives).
    The padding's zeros meet only finite weights (non-finite weights run
    :func:`conv_transpose_depthwise_clipped`), so they add signed zeros, which change no sum;
    the columns between the rows of a run are computed and dropped.  The result equals
    ``"im2col"``'s bit for bit, special values included.  Blocks of groups (near
    :data:`DEPTHWISE_BLOCK` of accumulator) are split over threads
    (:mod:`transposed_conv._threads`); each batch element is one pass.
    """
    if not all_finite(weight):
        return conv_transpose_depthwise_clipped(x, weight, geometry)
    g = geometry.groups
    n = x.shape[0]
    c_out_g = geometry.out_channels // g
    layout = plan(geometry)
    y = phase_output(x, geometry, layout)  # (N, C_out, *O)
    if n == 0 or not layout.combos:
        return y
    runs = depthwise_runs(geometry)
    inside = tuple(slice(b, b + size) for size, (b, _) in zip(geometry.input_shape, runs.pads))
    per_tap = weight.reshape(g, c_out_g, -1)  # (G, C_out/G, prod(k))
    items = x.reshape(n, g, *geometry.input_shape)  # (N, G, *L)
    per_group = c_out_g * runs.longest * x.dtype.itemsize  # accumulator bytes of one group
    block_groups = max(1, min(g, DEPTHWISE_BLOCK // max(per_group, 1)))

    def accumulate(groups: slice) -> None:
        for block in chunks(groups.stop - groups.start, block_groups):
            block = slice(groups.start + block.start, groups.start + block.stop)
            gb = block.stop - block.start
            with (
                scratch((gb, runs.length), x.dtype, zeroed=True) as flat,  # (g_b, padded length): zeros around x
                scratch((gb, c_out_g, runs.longest), x.dtype) as acc,
                scratch((gb, c_out_g, runs.longest), x.dtype) as product,
            ):
                padded = flat[:, : math.prod(runs.padded_shape)].reshape(gb, *runs.padded_shape)
                source = flat[:, np.newaxis, :]  # (g_b, 1, length)
                for item in range(n):
                    padded[(slice(None), *inside)] = items[item, block]
                    for counts, run, targets, reads in runs.phases:
                        total, scaled = acc[..., :run], product[..., :run]  # (g_b, C_out/G, run)
                        for index, (tap, start) in enumerate(reads):
                            w_tap = per_tap[block, :, tap, np.newaxis]  # (g_b, C_out/G, 1)
                            window = source[..., start : start + run]  # (g_b, 1, run)
                            if index == 0:
                                np.multiply(window, w_tap, out=total)
                            else:
                                total += np.multiply(window, w_tap, out=scaled)
                        phase = total.reshape(gb * c_out_g, counts[0], *runs.padded_shape[1:])
                        rows: tuple[slice, ...] = (slice(None), slice(None), *(slice(0, q) for q in counts[1:]))
                        channels = slice(block.start * c_out_g, block.stop * c_out_g)
                        into: tuple[int | slice, ...] = (item, channels, *targets)
                        np.add(phase[rows], 0, out=y[into])  # + 0: a zero sum is +0 (.., *count)

    run_parts(accumulate, g, y.size * layout.slot_volume)  # about one product per output and slot
    return y


def conv_transpose_depthwise_clipped(x: np.ndarray, weight: np.ndarray, geometry: ConvTransposeGeometry) -> np.ndarray:
    """:func:`conv_transpose_depthwise` tap by tap, each window clipped to ``x``: for non-finite weights (no bias).

    With ``C_in/G = 1`` each phase's GEMM multiplies ``(C_out/G, E)`` by ``(E, positions)`` per
    group -- as many tiny matrices as groups, slow in BLAS.  Here each phase is summed as what
    it is, a weighted sum of shifted inputs: for each tap of the phase, one broadcast multiply
    of the input window the tap reads by that tap's weight of every channel, added into the
    phase's contiguous accumulator, which is then written once into its strided slice of the
    output.  Only the definition's products are formed (windows are clipped to the input, no
    zero slot is multiplied), so non-finite inputs give the definition's IEEE result as they
    are; the taps of each output are added in increasing tap order, starting from zero, as
    :func:`~transposed_conv.methods.im2col.col2im` adds them: the result equals ``"im2col"``'s
    bit for bit.  The batch is processed in chunks whose two phase buffers stay under
    :func:`~transposed_conv._memory.get_memory_limit`.
    """
    g = geometry.groups
    n = x.shape[0]
    c_out_g = geometry.out_channels // g
    ndim = geometry.ndim
    layout = plan(geometry)
    y = phase_output(x, geometry, layout)  # (N, C_out, *O)
    if n == 0 or not layout.combos:
        return y
    largest = max(math.prod(p.count for p in combo) for combo in layout.combos)
    batch_chunk = min(n, chunk_count(2 * geometry.out_channels * largest * x.dtype.itemsize))
    per_tap = weight.reshape(g, c_out_g, -1)  # (G, C_out/G, prod(k))
    trailing = (np.newaxis,) * ndim
    everything = (slice(None),) * 3
    for combo in layout.combos:
        counts = tuple(p.count for p in combo)
        targets = tuple(slice(p.residue, None, s) for p, s in zip(combo, geometry.stride))
        reads = slot_reads(combo, layout, geometry.input_shape)
        taps = [int(np.ravel_multi_index(tap, geometry.kernel_shape)) for tap, _, _ in reads]
        for batch in chunks(n, batch_chunk):
            nb = batch.stop - batch.start
            items = x[batch].reshape(nb, g, 1, *geometry.input_shape)  # (n_b, G, 1, *L)
            acc = np.empty((nb, g, c_out_g, *counts), dtype=x.dtype)  # (n_b, G, C_out/G, *count)
            product = np.empty_like(acc)
            for index, (tap, (_, positions, inputs)) in enumerate(zip(taps, reads)):
                w_tap = per_tap[(slice(None), slice(None), tap, *trailing)]  # (G, C_out/G, 1, ..., 1)
                window = items[everything + inputs]  # (n_b, G, 1, *window)
                if index == 0 and all(p.stop - p.start == q for p, q in zip(positions, counts)):
                    np.multiply(window, w_tap, out=acc)  # the first tap reaches every position ...
                    acc += 0  # ... and 0 + p is p, except that 0 + -0 is +0
                    continue
                if index == 0:
                    acc.fill(0)
                where = everything + positions
                acc[where] += np.multiply(window, w_tap, out=product[where])  # (n_b, G, C_out/G, *window)
            y[(batch, slice(None), *targets)] = acc.reshape(nb, geometry.out_channels, *counts)
    return y
