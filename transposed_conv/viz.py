"""Figures for teaching transposed convolution (needs matplotlib: ``pip install 'transposed-conv[viz]'``).

Every function returns a :class:`matplotlib.figure.Figure` drawn with the Agg backend
(no window, no global ``pyplot`` state), built from the arrays of
:mod:`transposed_conv.explain`:

* :func:`zero_insertion_figure` -- the zero-inserted, padded input with the flipped
  kernel at one position, and the output position it computes;
* :func:`matrix_figure` -- the sparsity pattern of the convolution matrix ``C`` and of ``C.T``;
* :func:`overlap_figure` -- how many kernel taps land on each output position (the checkerboard);
* :func:`subpixel_figure` -- which kernel taps feed which output phase;
* :func:`sliding_animation` / :func:`save_sliding_gif` -- the kernel sliding over the
  padded map, position by position, as an animated GIF;
* :func:`explanation_figure` / :func:`save_explanation_png` and :func:`scatter_animation` /
  :func:`save_scatter_gif` -- the pictures of one :class:`~transposed_conv.explain.Explanation`,
  the user's own configuration and values (``transposed-conv explain --png/--gif``);
* :func:`strip_figure` of a :class:`Strip` (:func:`conv_strip`, :func:`transposed_strip`) -- one
  size relationship, the kernel at every output element, one row each, the outputs computed by
  :func:`~transposed_conv.conv` / :func:`~transposed_conv.conv_transpose` and checked against the
  drawn windows; :func:`scatter_figure` of a :class:`Scatter` (:func:`scatter_strip`) -- the kernel
  copies, summed and cropped;
* :func:`groups_figure`, :func:`same_figure` (MATLAB's and SciPy's ``'same'``),
  :func:`four_views_figure` (one output element in four views), :func:`frequency_figure` and
  :func:`layers_figure` (the checkerboard, quantitatively).

:func:`make_figures` writes all of the documentation's figures into a directory, each at most
:data:`COLUMN_PX` pixels wide with no text under :data:`SMALLEST_TEXT_PX` pixels, and records
what each was drawn from (:func:`fingerprints`) in :data:`MANIFEST`;
``python scripts/make_figures.py`` calls it for ``docs/figures/``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .explain import (
    Explanation,
    convolution_matrix,
    dilate,
    explain,
    format_number,
    overlap_counts,
    pad_or_crop,
    stretch,
)
from .shapes import Padding

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "COLUMN_PX",
    "DPI",
    "MANIFEST",
    "SMALLEST_TEXT_PX",
    "Scatter",
    "Strip",
    "conv_strip",
    "explanation_figure",
    "figure_names",
    "fingerprints",
    "four_views_figure",
    "frequency_figure",
    "groups_figure",
    "layers_figure",
    "make_figures",
    "matrix_figure",
    "overlap_figure",
    "same_figure",
    "save_explanation_png",
    "save_scatter_gif",
    "save_sliding_gif",
    "scatter_animation",
    "scatter_figure",
    "scatter_strip",
    "sliding_animation",
    "smallest_text_px",
    "strip_figure",
    "subpixel_figure",
    "transposed_strip",
    "zero_insertion_figure",
]

INPUT = "#9ecae1"  # an input element
INSERTED = "#eeeeee"  # a zero put between input elements
PADDING = "#ffffff"  # a zero added around the stretched input
KERNEL = "#d62728"  # the kernel's outline and taps
OUTPUT = "#c7e9c0"  # an output element
CURRENT = "#31a354"  # the output element being computed
EXTRA = "#fdae6b"  # an element output_padding adds
PHASES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


#: The site's content column is 688 px wide; every figure is drawn at most that wide at :data:`DPI`,
#: so it is shown at its own size, and no text in it is smaller than :data:`SMALLEST_TEXT_PX`.
COLUMN_PX = 688
DPI = 100
SMALLEST_TEXT_PX = 9.0
_COLUMN = COLUMN_PX / DPI  # inches


def _cell(cells: float, fixed: float, largest: float = 0.42) -> float:
    """The side of one drawn element (inches): ``largest``, or less so that ``cells`` of them and ``fixed`` fit."""
    return min(largest, (_COLUMN - fixed) / cells)


def _require_matplotlib() -> None:
    """ImportError naming the extra to install when matplotlib is missing."""
    try:
        import matplotlib
        import matplotlib.backends.backend_agg
        import matplotlib.figure  # noqa: F401
    except ImportError as error:
        raise ImportError("transposed_conv.viz needs matplotlib: pip install 'transposed-conv[viz]'") from error


def _new_figure(width: float, height: float) -> Figure:
    """A Figure on an Agg canvas, without pyplot (no window, no global state)."""
    _require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _as_2d(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, -1) if a.ndim == 1 else a


def _draw_cells(
    ax: Axes,
    values: np.ndarray | None,
    colours: np.ndarray,
    *,
    labelled: np.ndarray | None = None,
    fontsize: float = 9,
) -> tuple[np.ndarray, np.ndarray]:
    """One square per element, filled with ``colours[r, c]``, labelled with ``values[r, c]`` where ``labelled``.

    Returns the squares and the labels (``None`` where there is none), as object arrays shaped like ``colours``.
    """
    from matplotlib.patches import Rectangle

    rows, cols = colours.shape
    squares = np.empty((rows, cols), dtype=object)
    labels = np.full((rows, cols), None, dtype=object)
    for r, c in itertools.product(range(rows), range(cols)):
        squares[r, c] = ax.add_patch(
            Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=colours[r, c], edgecolor="#999999", linewidth=0.8)
        )
        if values is not None:
            labels[r, c] = ax.text(c, r, format_number(values[r, c]), ha="center", va="center", fontsize=fontsize)
            labels[r, c].set_visible(labelled is None or bool(labelled[r, c]))
    return squares, labels


def _frame(ax: Axes, rows: int, cols: int, title: str) -> None:
    ax.set_xlim(-0.7, cols - 0.3)
    ax.set_ylim(rows - 0.3, -0.7)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=10)


def _kinds(e: Explanation) -> np.ndarray:
    """Per padded-map cell: 2 an input element, 1 an inserted zero, 0 padding."""
    marks = stretch(np.full(e.input_size, 2, dtype=np.int64), e.stride)
    marks[marks == 0] = 1
    full = tuple(d * (k - 1) for d, k in zip(e.dilation, e.kernel_size))
    before = tuple(f - pb for f, (pb, _) in zip(full, e.padding))
    after = tuple(f - pe + a for f, (_, pe), a in zip(full, e.padding, e.output_padding))
    return pad_or_crop(marks, before, after)


def _describe(e: Explanation) -> str:
    def show(values: Sequence[int]) -> str:
        return ",".join(map(str, values))

    pads = show([b for b, _ in e.padding]) if all(b == p for b, p in e.padding) else str(e.padding)
    text = f"input {show(e.input_size)}, kernel {show(e.kernel_size)}, stride {show(e.stride)}, padding {pads}"
    if any(e.output_padding):
        text += f", output_padding {show(e.output_padding)}"
    if any(d > 1 for d in e.dilation):
        text += f", dilation {show(e.dilation)}"
    return text


class _Panels:
    """The two panels of a zero-insertion picture, drawn once; :meth:`show` moves the kernel between frames."""

    def __init__(self, axes: Sequence[Axes], e: Explanation) -> None:
        from matplotlib.patches import Rectangle

        left, right = axes
        kinds = _as_2d(_kinds(e))
        colours = np.choose(kinds, np.array([PADDING, INSERTED, INPUT], dtype=object))
        extra = (0, *e.output_padding) if len(e.output_padding) == 1 else e.output_padding
        for axis, a in enumerate(extra):  # the zeros output_padding adds at the end
            if a:
                colours[(slice(None),) * axis + (slice(kinds.shape[axis] - a, None),)] = EXTRA
        _draw_cells(left, _as_2d(e.padded), colours, labelled=kinds == 2)
        self.flipped = _as_2d(e.flipped)
        rows, cols = self.flipped.shape
        self.kernel = Rectangle((-0.5, -0.5), cols, rows, fill=False, edgecolor=KERNEL, linewidth=2.5, zorder=3)
        left.add_patch(self.kernel)
        self.taps = [
            (
                left.text(0, 0, format_number(self.flipped[r, c]), color=KERNEL, fontsize=7.5, ha="center", zorder=3),
                r,
                c,
            )
            for r, c in zip(*np.nonzero(self.flipped))
        ]
        _frame(left, kinds.shape[0], kinds.shape[1], "zero-inserted, padded input; flipped kernel (red)")
        self.output = _as_2d(e.output)
        self.squares, self.labels = _draw_cells(right, self.output, np.full(self.output.shape, OUTPUT, dtype=object))
        _frame(right, self.output.shape[0], self.output.shape[1], "output")

    def show(self, position: tuple[int, int], filled: int | None) -> None:
        """The kernel at output ``position``; outputs up to ``filled`` (row-major) shown, all when ``None``."""
        r0, c0 = position
        self.kernel.set_xy((c0 - 0.5, r0 - 0.5))
        for text, r, c in self.taps:
            text.set_position((c0 + c + 0.3, r0 + r + 0.32))
        order = np.arange(self.output.size).reshape(self.output.shape)
        done = np.ones(self.output.shape, dtype=bool) if filled is None else order <= filled
        for (r, c), square in np.ndenumerate(self.squares):
            square.set_facecolor(CURRENT if (r, c) == position else OUTPUT if done[r, c] else PADDING)
            self.labels[r, c].set_visible(bool(done[r, c]))


def zero_insertion_figure(
    input_size: int | Sequence[int] = (3, 3),
    kernel_size: int | Sequence[int] = (3, 3),
    *,
    stride: int | Sequence[int] = 2,
    padding: Padding = 1,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    position: tuple[int, int] | int = (0, 0),
) -> Figure:
    """The zero-inserted, padded input with the flipped kernel at ``position``, and the output.

    Input elements are blue (numbered 1, 2, 3, ... row by row), the inserted zeros grey,
    the padding white; the red square is the flipped kernel computing the green output
    element.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, output_padding, dilation
        As for :func:`transposed_conv.explain.explain` (1-D or 2-D).
    position : int or (int, int)
        The output element computed (row, column; an int for 1-D).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = zero_insertion_figure((3, 3), (3, 3), stride=2, padding=1, position=(1, 2))
    >>> len(fig.axes)
    2
    """
    e = explain(
        input_size, kernel_size, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    return explanation_figure(e, position=position)


def explanation_figure(e: Explanation, *, position: tuple[int, ...] | int | None = None) -> Figure:
    """The zero-insertion picture of a worked example: the user's configuration and values.

    The flipped kernel sits at ``position`` (by default ``e.highlight``, the output element the
    printed views work out).

    Examples
    --------
    >>> from transposed_conv.explain import explain
    >>> fig = explanation_figure(explain(3, 2, stride=2, weight=[0.5, -1.25]))
    >>> len(fig.axes)
    2
    """
    chosen = e.highlight if position is None else position
    where = (0, chosen) if isinstance(chosen, int) else tuple(chosen)
    where = (0, *where) if len(where) == 1 else where
    output = _as_2d(e.output)
    if len(where) != 2 or not all(0 <= p < n for p, n in zip(where, output.shape)):
        raise ValueError(f"position must index the output, of shape {e.output.shape}; got position={chosen!r}")
    kinds = _as_2d(_kinds(e))
    cell = _cell(kinds.shape[1] + output.shape[1], 1.5)
    figure = _new_figure(1.5 + cell * (kinds.shape[1] + output.shape[1]), 1.3 + cell * kinds.shape[0])
    axes = figure.subplots(1, 2, width_ratios=[kinds.shape[1], output.shape[1]])
    _Panels(axes, e).show((int(where[0]), int(where[1])), None)
    figure.suptitle(_describe(e), fontsize=10)
    return figure


def save_explanation_png(e: Explanation, path: str | Path) -> Path:
    """Write :func:`explanation_figure` of ``e`` to ``path`` as a PNG (reproducible bytes)."""
    return _save(explanation_figure(e), Path(path))


def scatter_animation(e: Explanation, *, interval: int = 900) -> FuncAnimation:
    """The scatter view of a worked example: one frame per input element, adding its kernel copy.

    Left, the input with the current element green; right, the output before cropping: the
    red outline is where ``x[i] * w`` lands (first tap at ``i*stride - padding_begin``), the
    numbers the running sum, and the grey cells the positions the padding crops. The last
    frame shows the finished output.

    Examples
    --------
    >>> from transposed_conv.explain import explain
    >>> animation = scatter_animation(explain(2, 2, stride=2))   # 2 input elements: 3 frames
    """
    _require_matplotlib()
    from matplotlib.animation import FuncAnimation
    from matplotlib.patches import Rectangle

    x, w = _as_2d(e.x), _as_2d(dilate(e.weight, e.dilation))
    stride = (1, *e.stride) if len(e.stride) == 1 else e.stride
    begins = (0, *(pb for pb, _ in e.padding)) if len(e.padding) == 1 else tuple(pb for pb, _ in e.padding)
    out = _as_2d(e.output).shape
    shape = tuple(max((i - 1) * s + k, pb + o) for i, s, k, pb, o in zip(x.shape, stride, w.shape, begins, out))
    sums = [np.zeros(shape, dtype=np.result_type(x, w))]
    elements = list(itertools.product(*(range(n) for n in x.shape)))
    for i in elements:
        step = sums[-1].copy()
        step[i[0] * stride[0] : i[0] * stride[0] + w.shape[0], i[1] * stride[1] : i[1] * stride[1] + w.shape[1]] += (
            x[i] * w
        )
        sums.append(step)
    kept = np.zeros(shape, dtype=bool)
    kept[begins[0] : begins[0] + out[0], begins[1] : begins[1] + out[1]] = True
    cell = _cell(x.shape[1] + shape[1], 1.5)
    figure = _new_figure(max(5.0, 1.5 + cell * (x.shape[1] + shape[1])), 1.8 + cell * max(x.shape[0], shape[0]))
    left, right = figure.subplots(1, 2, width_ratios=[x.shape[1], shape[1]])
    inputs, _ = _draw_cells(left, x, np.full(x.shape, INPUT, dtype=object))
    _frame(left, x.shape[0], x.shape[1], "input x")
    _, labels = _draw_cells(right, sums[-1], np.where(kept, OUTPUT, INSERTED).astype(object))
    _frame(right, shape[0], shape[1], "output before cropping\n(grey: cropped by padding)")
    outline = Rectangle((-0.5, -0.5), w.shape[1], w.shape[0], fill=False, edgecolor=KERNEL, linewidth=2.5, zorder=3)
    right.add_patch(outline)
    figure.suptitle(_describe(e) + "\nthe kernel scattered: one copy per input element", fontsize=10)

    def draw(frame: int) -> list[Any]:
        last = frame == len(elements)
        for (r, c), square in np.ndenumerate(inputs):
            square.set_facecolor(CURRENT if not last and (r, c) == elements[frame] else INPUT)
        if not last:
            r, c = elements[frame]
            outline.set_xy((c * stride[1] - 0.5, r * stride[0] - 0.5))
        outline.set_visible(not last)
        for (r, c), label in np.ndenumerate(labels):
            label.set_text(format_number(sums[min(frame + 1, len(elements))][r, c]))
        return [left, right]

    draw(0)
    figure.canvas.draw()  # lay out once, then keep the layout fixed: frames only move artists
    figure.set_layout_engine("none")
    return FuncAnimation(figure, draw, frames=len(elements) + 1, interval=interval, blit=False, repeat=True)


def save_scatter_gif(e: Explanation, path: str | Path, *, fps: int = 1, dpi: int = DPI) -> Path:
    """Write :func:`scatter_animation` of ``e`` to ``path`` as an animated GIF.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from transposed_conv.explain import explain
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     gif = save_scatter_gif(explain(2, 2, stride=2), pathlib.Path(tmp) / "s.gif")
    ...     gif.read_bytes()[:6]
    b'GIF89a'
    """
    _require_matplotlib()
    from matplotlib.animation import PillowWriter

    target = Path(path)
    scatter_animation(e).save(target, writer=PillowWriter(fps=fps), dpi=dpi)
    return target


def matrix_figure(
    input_size: int | Sequence[int] = (4, 4),
    kernel_size: int | Sequence[int] = (3, 3),
    *,
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    dilation: int | Sequence[int] = 1,
) -> Figure:
    """The sparsity pattern of the convolution matrix ``C`` and of its transpose ``C.T``.

    Each non-zero is coloured by the kernel tap it holds (tap 1 is the top-left one);
    zeros are white.  ``C`` maps the flattened input of the convolution (columns) to its
    flattened output (rows); ``C.T``, the transposed convolution, maps back.

    Examples
    --------
    >>> fig = matrix_figure((4, 4), (3, 3))
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['C (4 x 16): convolution', 'C.T (16 x 4): transposed convolution']
    """
    sizes = (input_size,) if isinstance(input_size, int) else tuple(input_size)
    kernel = (kernel_size,) * len(sizes) if isinstance(kernel_size, int) else tuple(kernel_size)
    taps = np.arange(1, int(np.prod(kernel)) + 1).reshape(kernel)
    matrix = convolution_matrix(sizes, taps, stride=stride, padding=padding, dilation=dilation)
    rows, cols = matrix.shape
    cell = _cell(cols + rows, 2.3, largest=0.22)
    figure = _new_figure(2.3 + cell * (cols + rows), 1.8 + cell * max(rows, cols))
    axes = figure.subplots(1, 2, width_ratios=[cols, rows])
    for ax, m, title in (
        (axes[0], matrix, f"C ({rows} x {cols}): convolution"),
        (axes[1], matrix.T, f"C.T ({cols} x {rows}): transposed convolution"),
    ):
        image = ax.imshow(np.ma.masked_equal(m, 0), cmap="viridis", vmin=1, vmax=taps.size, interpolation="nearest")
        ax.set_xticks(np.arange(-0.5, m.shape[1], 1), minor=True)
        ax.set_yticks(np.arange(-0.5, m.shape[0], 1), minor=True)
        ax.grid(which="minor", color="#dddddd", linewidth=0.5)
        every = 1 if cell * 100 >= 16 else 4  # tick labels 7 pt wide at most one per element
        ax.set_xticks(np.arange(0, m.shape[1], every))
        ax.set_yticks(np.arange(0, m.shape[0], every))
        ax.tick_params(which="both", length=0, labelsize=7)
        ax.set_title(title, fontsize=9)
    colourbar = figure.colorbar(image, ax=list(axes), shrink=0.8)
    colourbar.set_label("kernel tap (row-major)", fontsize=9)
    colourbar.ax.tick_params(labelsize=7)
    detail = f"input {'x'.join(map(str, sizes))}, kernel {'x'.join(map(str, kernel))}"
    figure.suptitle(f"{detail}, stride {stride}, padding {padding}", fontsize=10)
    return figure


def overlap_figure(
    configurations: Sequence[tuple[int, int]] = ((3, 2), (4, 2), (3, 3), (5, 3)),
    *,
    input_size: int = 6,
) -> Figure:
    """Overlap-count maps: how many kernel taps land on each output position, per (kernel, stride).

    Each panel is :func:`~transposed_conv.explain.overlap_counts` of a square input of
    ``input_size``, no padding.  Where the stride does not divide the kernel size the
    interior is a checkerboard.

    Examples
    --------
    >>> fig = overlap_figure([(3, 2), (4, 2)], input_size=4)
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['kernel 3, stride 2', 'kernel 4, stride 2']
    """
    if not configurations:
        raise ValueError("configurations must name at least one (kernel, stride) pair")
    across = min(2, len(configurations))
    down = -(-len(configurations) // across)
    figure = _new_figure(min(_COLUMN, 3.0 * across + 0.9), 3.0 * down + 0.5)
    axes = np.atleast_1d(figure.subplots(down, across)).ravel()
    largest = max(((k + s - 1) // s) ** 2 for k, s in configurations)  # ceil(k/s) taps per axis at most
    for ax, (k, s) in zip(axes, configurations):
        counts = overlap_counts((input_size, input_size), (k, k), stride=s)
        image = ax.imshow(counts, cmap="magma", vmin=0, vmax=largest, interpolation="nearest")
        if counts.shape[0] <= 20:
            for (r, c), v in np.ndenumerate(counts):
                colour = "white" if v < largest else "k"
                ax.text(c, r, str(int(v)), ha="center", va="center", fontsize=7, color=colour)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"kernel {k}, stride {s}", fontsize=10)
    for ax in axes[len(configurations) :]:
        ax.set_visible(False)
    bar = figure.colorbar(image, ax=list(axes), shrink=0.8, ticks=range(largest + 1))
    bar.set_label("taps landing on the position", fontsize=9)
    bar.ax.tick_params(labelsize=8)
    figure.suptitle(f"overlap counts: conv_transpose(ones({input_size}x{input_size}), ones(kxk), stride)", fontsize=10)
    return figure


def subpixel_figure(kernel_size: int = 4, stride: int = 2, *, padding: int = 1, input_size: int = 4) -> Figure:
    """Which kernel taps feed which output positions: the sub-pixel (polyphase) decomposition.

    Left: the kernel, each tap coloured by the phase ``(j_1 mod s, j_2 mod s)`` it
    belongs to.  Right: the output, each position coloured by the phase whose taps reach
    it, ``((o + padding) mod s)`` per axis.  Every colour is one stride-1 convolution with
    the taps of that colour.

    Examples
    --------
    >>> fig = subpixel_figure(4, 2)
    >>> len(fig.axes)
    2
    """
    k, s, p = kernel_size, stride, padding
    out = overlap_counts((input_size, input_size), (k, k), stride=s, padding=p).shape
    if s * s > len(PHASES):
        raise ValueError(f"subpixel_figure draws strides up to 3 (stride**2 colours); got stride={s}")
    palette = np.array(PHASES, dtype=object)
    taps = np.arange(k)
    kernel_colours = palette[(taps[:, None] % s) * s + taps[None, :] % s]
    rows, cols = np.arange(out[0]), np.arange(out[1])
    output_colours = palette[((rows[:, None] + p) % s) * s + (cols[None, :] + p) % s]
    cell = _cell(k + out[1], 1.2)
    figure = _new_figure(1.2 + cell * (k + out[1]), 1.4 + cell * max(k, out[0]))
    left, right = figure.subplots(1, 2, width_ratios=[k, out[1]])
    labels = np.arange(1, k * k + 1).reshape(k, k)
    _draw_cells(left, labels, kernel_colours)
    _frame(left, k, k, f"kernel {k}x{k}: taps by phase")
    _draw_cells(right, None, output_colours)
    _frame(right, out[0], out[1], f"output {out[0]}x{out[1]}: positions by phase")
    figure.suptitle(f"kernel {k}, stride {s}, padding {p}: {s * s} stride-1 convolutions, interleaved", fontsize=10)
    return figure


def sliding_animation(
    input_size: int | Sequence[int] = (3, 3),
    kernel_size: int | Sequence[int] = (3, 3),
    *,
    stride: int | Sequence[int] = 2,
    padding: Padding = 1,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    interval: int = 600,
) -> FuncAnimation:
    """The flipped kernel sliding over the zero-inserted, padded input, one output element per frame.

    Returns a :class:`matplotlib.animation.FuncAnimation`; :func:`save_sliding_gif`
    writes it as a GIF.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from matplotlib.animation import PillowWriter
    >>> animation = sliding_animation(3, 3, stride=2, padding=1)   # 5 output elements, 5 frames
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     animation.save(pathlib.Path(tmp) / "s.gif", writer=PillowWriter(fps=2), dpi=40)
    """
    _require_matplotlib()
    from matplotlib.animation import FuncAnimation

    e = explain(
        input_size, kernel_size, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    kinds = _as_2d(_kinds(e))
    output = _as_2d(e.output)
    cell = _cell(kinds.shape[1] + output.shape[1], 1.5)
    figure = _new_figure(1.5 + cell * (kinds.shape[1] + output.shape[1]), 1.3 + cell * kinds.shape[0])
    axes = figure.subplots(1, 2, width_ratios=[kinds.shape[1], output.shape[1]])
    figure.suptitle(_describe(e), fontsize=10)
    positions = list(itertools.product(range(output.shape[0]), range(output.shape[1])))
    panels = _Panels(axes, e)
    panels.show(positions[0], 0)
    figure.canvas.draw()  # lay out once, then keep the layout fixed: frames only move artists
    figure.set_layout_engine("none")

    def draw(frame: int) -> list[Any]:
        panels.show(positions[frame], frame)
        return list(axes)

    return FuncAnimation(figure, draw, frames=len(positions), interval=interval, blit=False, repeat=True)


def save_sliding_gif(path: str | Path, *, fps: int = 2, dpi: int = DPI, **options: Any) -> Path:
    """Write :func:`sliding_animation` (``options`` are its arguments) to ``path`` as an animated GIF.

    Uses matplotlib's ``PillowWriter`` (Pillow comes with matplotlib).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     gif = save_sliding_gif(pathlib.Path(tmp) / "s.gif", input_size=2, kernel_size=2, stride=2, padding=0)
    ...     gif.read_bytes()[:6]
    b'GIF89a'
    """
    _require_matplotlib()
    from matplotlib.animation import PillowWriter

    target = Path(path)
    sliding_animation(**options).save(target, writer=PillowWriter(fps=fps), dpi=dpi)
    return target


# --- strips: one relationship, the kernel at every output position, one row each -----------------


@dataclass(frozen=True)
class Strip:
    """What a strip figure draws (1-D): the map a kernel slides over, and the kernel at each output element.

    Row ``o`` shows the map with the window that computes output element ``o``; the column on the
    right is the output, computed by :func:`~transposed_conv.conv` or
    :func:`~transposed_conv.conv_transpose` and checked against the window sums when the strip is
    built.

    Attributes
    ----------
    title : str
        One or two lines.
    values : tuple of int
        The map: the padded input of a convolution, or the zero-inserted, padded input of a
        transposed convolution.
    kinds : tuple of str
        Per map cell: ``'input'``, ``'inserted'`` (a zero between inputs), ``'padding'`` or
        ``'extra'`` (a zero ``output_padding`` adds).
    taps : tuple of (int or None)
        The kernel as it slides (flipped for a transposed convolution), ``None`` for a gap of
        the dilation; all ``None`` values but one window for pooling.
    starts : tuple of int
        The map cell under the window's first tap, for each output element.
    output : tuple of int
        The output.
    operation : str
        ``'sum'`` (of the products) or ``'max'`` (pooling).
    kernel_label : str
        What the top row shows (``'w'``, ``'w flipped'``).
    """

    title: str
    values: tuple[int, ...]
    kinds: tuple[str, ...]
    taps: tuple[int | None, ...]
    starts: tuple[int, ...]
    output: tuple[int, ...]
    operation: str = "sum"
    kernel_label: str = "w"


_KIND_COLOURS = {"input": INPUT, "inserted": INSERTED, "padding": PADDING, "extra": EXTRA}
_KIND_NAMES = {
    "input": "input",
    "inserted": "inserted zero",
    "padding": "padding zero",
    "extra": "output_padding",
}


def _window_result(strip: Strip, o: int) -> int:
    cells = [(strip.values[strip.starts[o] + m], t) for m, t in enumerate(strip.taps) if t is not None]
    if strip.operation == "max":
        return max(v for v, _ in cells)
    return sum(v * t for v, t in cells)


def _checked(strip: Strip) -> Strip:
    """``strip``, once every row's window sum is the output computed by the library (an error otherwise)."""
    drawn = tuple(_window_result(strip, o) for o in range(len(strip.output)))
    if drawn != strip.output:
        raise AssertionError(f"{strip.title}: the windows give {drawn}, the library {strip.output}")
    return strip


def conv_strip(
    title: str,
    x: Sequence[int],
    weight: Sequence[int] | int,
    *,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
    operation: str = "sum",
) -> Strip:
    """The strip of a 1-D convolution (or, with ``operation='max'`` and a kernel size, of max pooling).

    Examples
    --------
    >>> strip = conv_strip("relationship 1", [1, 2, 3, 4], [1, 2, 3])
    >>> strip.output, strip.starts
    ((14, 20), (0, 1))
    """
    from .conv import conv

    pb, pe = (padding, padding) if isinstance(padding, int) else padding
    xs = np.asarray(x, dtype=np.int64)
    if operation == "max":
        k = int(weight) if isinstance(weight, int) else len(weight)
        window = tuple([1] * k)
        padded = np.pad(xs, (pb, pe))
        span = k
        starts = tuple(range(0, len(padded) - span + 1, stride))
        output = tuple(int(padded[t : t + k].max()) for t in starts)
        taps: tuple[int | None, ...] = window
    else:
        w = np.asarray(weight, dtype=np.int64)
        y = conv(xs[None, None], w[None, None], stride=stride, padding=[(pb, pe)], dilation=dilation)[0, 0]
        output = tuple(int(v) for v in y)
        taps = tuple(int(w[m // dilation]) if m % dilation == 0 else None for m in range(dilation * (len(w) - 1) + 1))
        starts = tuple(o * stride for o in range(len(output)))
        padded = np.pad(xs, (pb, pe))
    kinds = ("padding",) * pb + ("input",) * len(xs) + ("padding",) * pe
    label = "window" if operation == "max" else "w"
    values = tuple(int(v) for v in padded)
    return _checked(Strip(title, values, kinds, taps, starts, output, operation, label))


def transposed_strip(
    title: str,
    x: Sequence[int],
    weight: Sequence[int],
    *,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> Strip:
    """The strip of a 1-D transposed convolution: its equivalent stride-1 convolution (Dumoulin & Visin).

    The map is ``x`` with ``stride - 1`` zeros inserted, padded by ``dilation*(k - 1) - padding``
    (plus ``output_padding`` at the end); the flipped, dilated kernel slides over it with stride 1.
    The output is :func:`~transposed_conv.conv_transpose`'s.

    Examples
    --------
    >>> strip = transposed_strip("relationship 13", [1, 2, 3], [1, 2, 3], stride=2, padding=1)
    >>> strip.values, strip.taps, strip.output
    ((0, 1, 0, 2, 0, 3, 0), (3, 2, 1), (2, 5, 4, 9, 6))
    """
    from .transpose import conv_transpose

    pads = [padding] if isinstance(padding, tuple) else padding
    e = explain(
        len(x),
        len(weight),
        stride=stride,
        padding=pads,
        output_padding=output_padding,
        dilation=dilation,
        x=list(x),
        weight=list(weight),
    )
    y = conv_transpose(
        np.asarray([[x]]),
        np.asarray([[weight]]),
        stride=stride,
        padding=[e.padding[0]],
        output_padding=output_padding,
        dilation=dilation,
    )[0, 0]
    names = np.array(["padding", "inserted", "input"])[_kinds(e)]
    if output_padding:
        names[len(names) - output_padding :] = "extra"
    taps = tuple(int(v) if m % dilation == 0 else None for m, v in enumerate(e.flipped))
    strip = Strip(
        title,
        tuple(int(v) for v in e.padded),
        tuple(str(n) for n in names),
        taps,
        tuple(range(len(y))),
        tuple(int(v) for v in y),
        "sum",
        "w flipped",
    )
    return _checked(strip)


def strip_figure(strip: Strip) -> Figure:
    """Draw a :class:`Strip`: the kernel on top, one row per output element, the output on the right.

    Examples
    --------
    >>> fig = strip_figure(conv_strip("relationship 1", [1, 2, 3, 4], [1, 2, 3]))
    >>> len(fig.axes)
    1
    """
    from matplotlib.patches import Patch, Rectangle

    length, count = len(strip.values), len(strip.output)
    units_wide, units_high = length + 5.0, count + 2.2
    cell = _cell(units_wide, 0.1)
    title_height = 0.3 + 0.2 * strip.title.count("\n")
    legend_height = 0.35
    width, height = _COLUMN, cell * units_high + title_height + legend_height
    figure = _new_figure(width, height)
    figure.set_layout_engine("none")
    left = (1 - cell * units_wide / width) / 2
    ax = figure.add_axes((left, legend_height / height, cell * units_wide / width, cell * units_high / height))
    ax.set_xlim(-3.3, length + 1.7)
    ax.set_ylim(count - 0.3, -2.5)
    ax.set_axis_off()
    figure.text(0.5, 1 - 0.08 / height, strip.title, ha="center", va="top", fontsize=10)
    ax.text(-0.75, -1.5, strip.kernel_label, ha="right", va="center", fontsize=9, color=KERNEL)
    for m, tap in enumerate(strip.taps):
        if tap is None:
            continue
        ax.add_patch(Rectangle((m - 0.5, -2), 1, 1, facecolor="#fde0dd", edgecolor=KERNEL, linewidth=1.2))
        if strip.operation != "max":
            ax.text(m, -1.5, str(tap), ha="center", va="center", fontsize=9, color=KERNEL)
    ax.text(length + 0.7, -1.5, "y", ha="center", va="center", fontsize=9)
    for o in range(count):
        ax.text(-0.75, o, f"y[{o}]", ha="right", va="center", fontsize=9)
        for t, (value, kind) in enumerate(zip(strip.values, strip.kinds)):
            ax.add_patch(
                Rectangle(
                    (t - 0.5, o - 0.45), 1, 0.9, facecolor=_KIND_COLOURS[kind], edgecolor="#aaaaaa", linewidth=0.6
                )
            )
            ax.text(
                t,
                o,
                str(value),
                ha="center",
                va="center",
                fontsize=9,
                color="#333333" if kind == "input" else "#888888",
            )
        for m, tap in enumerate(strip.taps):
            if tap is not None:
                ax.add_patch(
                    Rectangle((strip.starts[o] + m - 0.5, o - 0.45), 1, 0.9, fill=False, edgecolor=KERNEL, linewidth=2)
                )
        ax.add_patch(Rectangle((length + 0.2, o - 0.45), 1, 0.9, facecolor=OUTPUT, edgecolor="#888888", linewidth=0.6))
        ax.text(length + 0.7, o, str(strip.output[o]), ha="center", va="center", fontsize=9)
    present = [kind for kind in _KIND_NAMES if kind in strip.kinds]
    handles = [Patch(facecolor=_KIND_COLOURS[k], edgecolor="#aaaaaa", label=_KIND_NAMES[k]) for k in present]
    handles.append(Patch(facecolor="none", edgecolor=KERNEL, linewidth=2, label="window"))
    figure.legend(
        handles=handles,
        loc="lower center",
        ncols=len(handles),
        fontsize=8,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
        borderaxespad=0.2,
    )
    return figure


@dataclass(frozen=True)
class Scatter:
    """What a scatter figure draws (1-D): one scaled kernel copy per input element, summed, then cropped.

    Row ``i`` holds ``x[i] * w`` from uncropped position ``i*stride``; the last row is their sum,
    and the cells outside ``[padding_begin, padding_begin + len(output))`` are the ones the
    padding crops.  ``output`` is :func:`~transposed_conv.conv_transpose`'s.
    """

    title: str
    x: tuple[int, ...]
    copies: tuple[tuple[int | None, ...], ...]
    full: tuple[int, ...]
    begin: int
    output: tuple[int, ...]
    highlight: int | None = None


def scatter_strip(
    title: str,
    x: Sequence[int],
    weight: Sequence[int],
    *,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
    highlight: int | None = None,
) -> Scatter:
    """The kernel copies of a 1-D transposed convolution (its scatter view), summed and cropped.

    Examples
    --------
    >>> scatter = scatter_strip("gaps", [1, 2, 3], [1, 1], stride=3)
    >>> scatter.full, scatter.output
    ((1, 1, 0, 2, 2, 0, 3, 3), (1, 1, 0, 2, 2, 0, 3, 3))
    """
    from .transpose import conv_transpose

    pb, pe = (padding, padding) if isinstance(padding, int) else padding
    xs, w = np.asarray(x, dtype=np.int64), dilate(np.asarray(weight, dtype=np.int64), dilation)
    length = (len(xs) - 1) * stride + len(w)
    copies, full = [], np.zeros(length, dtype=np.int64)
    for i, v in enumerate(xs):
        row: list[int | None] = [None] * length
        for m, tap in enumerate(w):
            if m % dilation == 0:
                row[i * stride + m] = int(v * tap)
                full[i * stride + m] += v * tap
        copies.append(tuple(row))
    y = conv_transpose(
        xs[None, None], np.asarray(weight)[None, None], stride=stride, padding=[(pb, pe)], dilation=dilation
    )[0, 0]
    if not np.array_equal(full[pb : length - pe], y):
        raise AssertionError(f"{title}: the copies sum to {full.tolist()}, conv_transpose gives {y.tolist()}")
    return Scatter(
        title,
        tuple(int(v) for v in xs),
        tuple(copies),
        tuple(int(v) for v in full),
        pb,
        tuple(int(v) for v in y),
        highlight,
    )


def _draw_scatter(ax: Axes, scatter: Scatter, *, label_x: float = -0.75) -> None:
    from matplotlib.patches import Rectangle

    length, count = len(scatter.full), len(scatter.copies)
    kept = range(scatter.begin, scatter.begin + len(scatter.output))
    chosen = None if scatter.highlight is None else scatter.begin + scatter.highlight
    for t in range(length):
        ax.text(t, -1, str(t - scatter.begin), ha="center", va="center", fontsize=8, color="#555555")
    for i, row in enumerate(scatter.copies):
        ax.text(label_x, i, f"x[{i}]={scatter.x[i]}", ha="right", va="center", fontsize=9)
        for t, value in enumerate(row):
            if value is None:
                continue
            edge = KERNEL if t == chosen else "#aaaaaa"
            ax.add_patch(
                Rectangle(
                    (t - 0.5, i - 0.45),
                    1,
                    0.9,
                    facecolor="#fde0dd",
                    edgecolor=edge,
                    linewidth=2 if t == chosen else 0.6,
                )
            )
            ax.text(t, i, str(value), ha="center", va="center", fontsize=9)
    ax.text(label_x, count + 0.2, "sum", ha="right", va="center", fontsize=9)
    for t, value in enumerate(scatter.full):
        colour = (CURRENT if t == chosen else OUTPUT) if t in kept else INSERTED
        ax.add_patch(Rectangle((t - 0.5, count - 0.25), 1, 0.9, facecolor=colour, edgecolor="#888888", linewidth=0.6))
        ax.text(
            t,
            count + 0.2,
            str(value),
            ha="center",
            va="center",
            fontsize=9,
            color="#333333" if t in kept else "#888888",
        )
    ax.set_xlim(-3.6, length)
    ax.set_ylim(count + 0.8, -1.6)
    ax.set_axis_off()


def scatter_figure(scatter: Scatter) -> Figure:
    """Draw a :class:`Scatter`: the copies, their sum, and (grey) what the padding crops.

    Examples
    --------
    >>> fig = scatter_figure(scatter_strip("gaps", [1, 2, 3], [1, 1], stride=3))
    >>> len(fig.axes)
    1
    """
    length, count = len(scatter.full), len(scatter.copies)
    cell = _cell(length + 3.6, 0.1)
    title_height = 0.3 + 0.2 * scatter.title.count("\n")
    width, height = _COLUMN, cell * (count + 2.4) + title_height
    figure = _new_figure(width, height)
    figure.set_layout_engine("none")
    left = (1 - cell * (length + 3.6) / width) / 2
    ax = figure.add_axes((left, 0.0, cell * (length + 3.6) / width, cell * (count + 2.4) / height))
    _draw_scatter(ax, scatter)
    figure.text(0.5, 1 - 0.08 / height, scatter.title, ha="center", va="top", fontsize=10)
    return figure


def _groups_content(channels: int = 4, groups: int = 2, out_per_group: int = 3) -> dict[str, Any]:
    """Which input channel reaches which output channel, found by :func:`conv_transpose` of one-hot inputs."""
    from .transpose import conv_transpose

    weight = np.ones((channels, out_per_group, 2), dtype=np.int64)  # (C_in, C_out/G, k)
    reach = np.zeros((out_per_group * groups, channels), dtype=np.int64)  # (C_out, C_in)
    for c in range(channels):
        x = np.zeros((1, channels, 3), dtype=np.int64)
        x[0, c] = 1
        reach[:, c] = conv_transpose(x, weight, stride=2, groups=groups)[0].any(axis=1)
    return {"channels": channels, "groups": groups, "out_per_group": out_per_group, "reach": reach}


def groups_figure(channels: int = 4, groups: int = 2, out_per_group: int = 3) -> Figure:
    """Grouped transposed convolution: which input channels reach which output channels.

    Found by running :func:`~transposed_conv.conv_transpose` on one input channel at a time:
    each group's ``C_in/G`` inputs reach only its own ``C_out/G`` outputs (a block-diagonal
    connection), through its own slice ``weight[g*C_in/G : (g+1)*C_in/G]``.

    Examples
    --------
    >>> fig = groups_figure()
    >>> len(fig.axes)
    1
    """
    from matplotlib.patches import Rectangle

    content = _groups_content(channels, groups, out_per_group)
    reach = content["reach"]
    rows, cols = reach.shape
    cell = 0.42
    width, height = cell * (cols + 9), cell * (rows + 3.6)
    figure = _new_figure(width, height)
    figure.set_layout_engine("none")
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(-5, cols + 4)
    ax.set_ylim(rows + 0.6, -3.0)
    ax.set_axis_off()
    per_in = cols // groups
    for (o, c), connected in np.ndenumerate(reach):
        g = c // per_in
        colour = PHASES[g] if connected else PADDING
        ax.add_patch(
            Rectangle(
                (c - 0.5, o - 0.5),
                1,
                1,
                facecolor=colour,
                alpha=0.55 if connected else 1,
                edgecolor="#999999",
                linewidth=0.6,
            )
        )
    for c in range(cols):
        ax.text(c, -0.9, f"in {c}", ha="center", va="center", fontsize=9, rotation=90)
    for o in range(rows):
        ax.text(-0.8, o, f"out {o}", ha="right", va="center", fontsize=9)
    for g in range(groups):
        ax.text(
            cols + 0.2,
            g * out_per_group + (out_per_group - 1) / 2,
            f"group {g}",
            ha="left",
            va="center",
            fontsize=9,
            color=PHASES[g],
        )
    ax.text(
        (cols - 1) / 2,
        -2.6,
        f"C_in {cols}, groups {groups}, C_out {rows}: weight ({cols}, {out_per_group}, k)",
        ha="center",
        va="center",
        fontsize=10,
    )
    return figure


def _same_content(a: Sequence[int] = (1, 2, 3, 4, 5), kernel: Sequence[int] = (1, 2, 3, 4)) -> dict[str, Any]:
    """``'full'``, and the two ``'same'`` crops of it, each by :func:`conv_transpose` with its padding."""
    from .transpose import conv_transpose

    x, w = np.asarray([[a]]), np.asarray([[kernel]])
    n = len(kernel)
    crops = {"MATLAB": (n // 2, n - 1 - n // 2), "SciPy": ((n - 1) // 2, n // 2)}
    full = conv_transpose(x, w)[0, 0]
    same = {name: conv_transpose(x, w, padding=[pair])[0, 0] for name, pair in crops.items()}
    for name, (before, after) in crops.items():
        if not np.array_equal(same[name], full[before : len(full) - after]):
            raise AssertionError(f"{name} 'same' is not 'full' cropped by {(before, after)}")
    return {"a": list(a), "kernel": list(kernel), "full": full, "crops": crops, "same": same}


def same_figure(a: Sequence[int] = (1, 2, 3, 4, 5), kernel: Sequence[int] = (1, 2, 3, 4)) -> Figure:
    """``'same'`` with an even kernel: MATLAB and SciPy keep different parts of ``'full'``.

    Examples
    --------
    >>> fig = same_figure()
    >>> len(fig.axes)
    1
    """
    from matplotlib.patches import Rectangle

    content = _same_content(a, kernel)
    full = content["full"]
    cell = 0.42
    cell = _cell(len(full) + 9, 0.0)
    width, height = cell * (len(full) + 9), cell * 5.2
    figure = _new_figure(width, height)
    figure.set_layout_engine("none")
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(-6, len(full) + 3)
    ax.set_ylim(3.6, -1.6)
    ax.set_axis_off()
    ax.text(
        (len(full) - 1) / 2,
        -1.1,
        f"a = {content['a']}, kernel = {content['kernel']} (n = 4)",
        ha="center",
        va="center",
        fontsize=10,
    )
    rows = [("'full'", (0, 0)), *((f"{name} 'same'", pair) for name, pair in content["crops"].items())]
    for r, (label, (before, after)) in enumerate(rows):
        ax.text(-0.8, r, label, ha="right", va="center", fontsize=9)
        for t, v in enumerate(full):
            kept = before <= t < len(full) - after
            ax.add_patch(
                Rectangle(
                    (t - 0.5, r - 0.42),
                    1,
                    0.84,
                    facecolor=OUTPUT if kept else INSERTED,
                    edgecolor="#999999",
                    linewidth=0.6,
                )
            )
            ax.text(t, r, str(int(v)), ha="center", va="center", fontsize=9, color="#333333" if kept else "#999999")
        if r:
            ax.text(len(full) - 0.2, r, f"crop {before}, {after}", ha="left", va="center", fontsize=8, color="#555555")
    return figure


# --- four views of one output element ----------------------------------------------------------


def _four_views_content(
    x: Sequence[int] = (1, 2, 3), weight: Sequence[int] = (1, 2, 3), stride: int = 2, padding: int = 1
) -> dict[str, Any]:
    """The one example the four views show, each view's arrays, and the output element they all compute."""
    from .transpose import conv_transpose

    e = explain(len(x), len(weight), stride=stride, padding=padding, x=list(x), weight=list(weight))
    (o,) = e.highlight
    y = conv_transpose(np.asarray([[x]]), np.asarray([[weight]]), stride=stride, padding=padding)[0, 0]
    ct = convolution_matrix(len(y), np.asarray(weight), stride=stride, padding=padding).T  # (out, in)
    t = o + padding  # the uncropped position
    phase = t % stride
    terms = [(i, j) for i in range(len(x)) for j in range(len(weight)) if i * stride + j == t]
    views = {name: e.view(name).output for name in ("scatter", "zero-insertion", "matrix", "phases")}
    for name, out in views.items():
        if not np.array_equal(out, y):
            raise AssertionError(f"the {name} view gives {out.tolist()}, conv_transpose {y.tolist()}")
    if not np.array_equal(ct @ np.asarray(x), y):
        raise AssertionError("C.T @ x is not conv_transpose")
    return {
        "x": list(x),
        "weight": list(weight),
        "stride": stride,
        "padding": padding,
        "o": o,
        "output": y,
        "padded": e.padded,
        "flipped": e.flipped,
        "kinds": _kinds(e),
        "ct": ct,
        "phase": phase,
        "terms": terms,
    }


def four_views_figure(
    x: Sequence[int] = (1, 2, 3), weight: Sequence[int] = (1, 2, 3), stride: int = 2, padding: int = 1
) -> Figure:
    """One output element of one transposed convolution, seen four ways, highlighted in each.

    1. the scatter: the kernel copies ``x[i] * w`` that reach it;
    2. zero insertion: the flipped kernel's window over the stretched, padded input;
    3. the matrix: row ``o`` of ``C.T`` (column ``o`` of ``C``) times ``x``;
    4. the phases: the sub-kernel ``w[r::s]`` of its phase ``r = (o + padding) mod s``, a
       stride-1 convolution.

    Examples
    --------
    >>> fig = four_views_figure()
    >>> len(fig.axes)
    4
    """
    from matplotlib.patches import Rectangle

    c = _four_views_content(x, weight, stride, padding)
    o, y, xs, w = c["o"], c["output"], c["x"], c["weight"]
    terms = c["terms"]
    products = " + ".join(f"{xs[i]}*{w[j]}" for i, j in terms)
    result = f"y[{o}] = {products} = {int(y[o])}"
    figure = _new_figure(_COLUMN, 7.0)
    figure.set_layout_engine("none")
    boxes = [(0.02, 0.7, 0.96, 0.21), (0.02, 0.47, 0.96, 0.16), (0.02, 0.0, 0.5, 0.38), (0.55, 0.0, 0.43, 0.38)]
    axes = [figure.add_axes(box) for box in boxes]
    titles = [
        f"1. scatter: x[i] adds x[i]*w from position i*s - p; red: the products that reach y[{o}]",
        f"2. zero insertion: the flipped kernel over the stretched, padded input, at y[{o}]",
        f"3. C.T @ x: row {o} of C.T (column {o} of C)",
        f"4. phases: y[{o}]'s sub-kernel",
    ]
    for (left, bottom, _, height), title in zip(boxes, titles):
        figure.text(left, bottom + height + 0.012, title, ha="left", va="bottom", fontsize=9, fontweight="bold")
    figure.text(
        0.5,
        0.99,
        f"x = {xs}, w = {w}, stride {stride}, padding {padding}: {result}",
        ha="center",
        va="top",
        fontsize=10,
    )
    # 1. scatter
    scatter = scatter_strip("", xs, w, stride=stride, padding=padding, highlight=o)
    _draw_scatter(axes[0], scatter, label_x=-0.9)
    for ax in axes:
        ax.set_aspect("equal")
    # 2. zero insertion
    ax = axes[1]
    padded, flipped, kinds = c["padded"], c["flipped"], c["kinds"]
    colours = np.array([PADDING, INSERTED, INPUT], dtype=object)[kinds]
    for t, v in enumerate(padded):
        ax.add_patch(Rectangle((t - 0.5, -0.45), 1, 0.9, facecolor=colours[t], edgecolor="#aaaaaa", linewidth=0.6))
        ax.text(t, 0, str(int(v)), ha="center", va="center", fontsize=9)
    for m, tap in enumerate(flipped):
        ax.add_patch(Rectangle((o + m - 0.5, -0.45), 1, 0.9, fill=False, edgecolor=KERNEL, linewidth=2))
        ax.text(o + m, -1.0, str(int(tap)), ha="center", va="center", fontsize=9, color=KERNEL)
    ax.text(-0.9, 0, "map", ha="right", va="center", fontsize=9)
    ax.text(-0.9, -1.0, "w flipped", ha="right", va="center", fontsize=9, color=KERNEL)
    for t in range(len(y)):
        colour = CURRENT if t == o else OUTPUT
        ax.add_patch(Rectangle((t - 0.5, 0.85), 1, 0.9, facecolor=colour, edgecolor="#888888", linewidth=0.6))
        ax.text(t, 1.3, str(int(y[t])), ha="center", va="center", fontsize=9)
    ax.text(-0.9, 1.3, "y", ha="right", va="center", fontsize=9)
    ax.set_xlim(-3.6, len(scatter.full))
    ax.set_ylim(1.9, -1.6)
    ax.set_axis_off()
    # 3. the matrix C.T: rows are outputs, columns inputs
    ax = axes[2]
    ct = c["ct"]
    for (r, col), v in np.ndenumerate(ct):
        colour = CURRENT if r == o and v else OUTPUT if r == o else "#fde0dd" if v else PADDING
        ax.add_patch(Rectangle((col - 0.5, r - 0.5), 1, 1, facecolor=colour, edgecolor="#aaaaaa", linewidth=0.6))
        ax.text(col, r, str(int(v)), ha="center", va="center", fontsize=9, color="#333333" if v else "#aaaaaa")
    for r in range(ct.shape[0]):
        ax.text(-0.8, r, f"y[{r}]", ha="right", va="center", fontsize=9, fontweight="bold" if r == o else "normal")
    for col in range(ct.shape[1]):
        ax.text(col, -0.9, f"x[{col}]", ha="center", va="center", fontsize=9)
    ax.add_patch(Rectangle((-0.5, o - 0.5), ct.shape[1], 1, fill=False, edgecolor=KERNEL, linewidth=2))
    ax.set_xlim(-2.2, ct.shape[1] + 0.2)
    ax.set_ylim(ct.shape[0], -1.5)
    ax.set_axis_off()
    # 4. the phases
    ax = axes[3]
    phase, s = c["phase"], stride
    ax.text(-0.8, 0, "w", ha="right", va="center", fontsize=9)
    for j, tap in enumerate(w):
        mine = j % s == phase
        ax.add_patch(
            Rectangle(
                (j - 0.5, -0.45),
                1,
                0.9,
                facecolor=PHASES[j % s],
                alpha=0.6 if mine else 0.15,
                edgecolor=KERNEL if mine else "#aaaaaa",
                linewidth=2 if mine else 0.6,
            )
        )
        ax.text(j, 0, str(tap), ha="center", va="center", fontsize=9)
    sub = w[phase::s]
    ax.text(-0.8, 1.5, f"w[{phase}::{s}]", ha="right", va="center", fontsize=9)
    for m, tap in enumerate(sub):
        ax.add_patch(
            Rectangle((m - 0.5, 1.05), 1, 0.9, facecolor=PHASES[phase], alpha=0.6, edgecolor=KERNEL, linewidth=2)
        )
        ax.text(m, 1.5, str(tap), ha="center", va="center", fontsize=9)
    lines = [
        f"y[{o}]: uncropped position {o} + {padding} = {o + padding},",
        f"phase r = {o + padding} mod {s} = {phase}: taps j = {phase}, {phase} + {s}, ...",
        f"a stride-1 convolution of x with w[{phase}::{s}]",
        f"y[{o}] = " + " + ".join(f"x[{i}]*w[{j}]" for i, j in terms),
    ]
    for n, line in enumerate(lines):
        ax.text(-2.6, 2.9 + 0.75 * n, line, ha="left", va="center", fontsize=9)
    ax.set_xlim(-2.6, 6.5)
    ax.set_ylim(6.0, -1.0)
    ax.set_axis_off()
    return figure


# --- checkerboard, quantitatively -----------------------------------------------------------------


def _frequency_content(kernels: Sequence[Sequence[int]] = ((1, 2, 3), (1, 2, 1)), stride: int = 2) -> dict[str, Any]:
    """Per kernel: the output of a constant input, the phase sums, and ``|W(f)|`` on a grid and at ``m/s``."""
    from .transpose import conv_transpose

    rows = []
    for w in kernels:
        y = conv_transpose(np.ones((1, 1, 8), dtype=np.int64), np.asarray([[w]]), stride=stride)[0, 0]
        sums = [int(sum(w[r::stride])) for r in range(stride)]
        grid = np.arange(64) / 64
        spectrum = np.abs(np.exp(-2j * np.pi * np.outer(grid, np.arange(len(w)))) @ np.asarray(w, dtype=float))
        at = [float(abs(sum(v * np.exp(-2j * np.pi * m * j / stride) for j, v in enumerate(w)))) for m in range(stride)]
        rows.append({"w": list(w), "y": y, "sums": sums, "spectrum": np.round(spectrum, 6), "at": np.round(at, 6)})
    return {"stride": stride, "rows": rows}


def frequency_figure(kernels: Sequence[Sequence[int]] = ((1, 2, 3), (1, 2, 1)), stride: int = 2) -> Figure:
    """A constant input, transposed-convolved: flat exactly when ``|W(f)|`` vanishes at ``f = m/s``, ``m != 0``.

    Left, ``conv_transpose(ones(8), w, stride)``; right, the magnitude of the kernel's Fourier
    transform ``W(f) = sum_j w[j] exp(-2 pi i f j)``, with the frequencies ``m/s`` marked.

    Examples
    --------
    >>> fig = frequency_figure()
    >>> len(fig.axes)
    4
    """
    content = _frequency_content(kernels, stride)
    figure = _new_figure(_COLUMN, 1.0 + 1.9 * len(content["rows"]))
    axes = figure.subplots(len(content["rows"]), 2, squeeze=False)
    for (left, right), row in zip(axes, content["rows"]):
        y = row["y"]
        left.bar(np.arange(len(y)), y, color=[PHASES[t % stride] for t in range(len(y))], edgecolor="#555555")
        left.set_title(f"conv_transpose(ones(8), w = {row['w']}, stride {stride})", fontsize=9)
        left.set_xlabel(f"output position (colour: phase); phase sums {row['sums']}", fontsize=9)
        left.tick_params(labelsize=8)
        grid = np.arange(len(row["spectrum"])) / len(row["spectrum"])
        right.plot(grid, row["spectrum"], color="#333333")
        for m in range(1, stride):
            right.axvline(m / stride, color=KERNEL, linestyle="--", linewidth=1)
            right.plot([m / stride], [row["at"][m]], "o", color=KERNEL)
        right.set_title(f"|W(f)|: {format_number(row['at'][1])} at f = 1/{stride}", fontsize=9)
        right.set_xlabel("frequency f (cycles per sample)", fontsize=9)
        right.tick_params(labelsize=8)
    return figure


def _layers_content(seed: int = 0) -> dict[str, Any]:
    """A constant input through the seed's three layers (kernel 4, stride 2, padding 1, ReLU between), and the
    input gradient of a stride-2 convolution with a 3 x 3 kernel of ones for a gradient of ones."""
    from .gradients import conv_backward
    from .transpose import conv_transpose

    rng = np.random.default_rng(seed)
    a = np.ones((1, 1, 4, 4), dtype=np.int64)
    weights = [rng.integers(-2, 4, (1, 1, 4, 4)) for _ in range(3)]
    for n, w in enumerate(weights):
        a = conv_transpose(a, w, stride=2, padding=1)
        if n < 2:
            a = np.maximum(a, 0)
    x = np.zeros((1, 1, 15, 15), dtype=np.int64)
    w = np.ones((1, 1, 3, 3), dtype=np.int64)
    grad = conv_backward(np.ones((1, 1, 7, 7), dtype=np.int64), x, w, stride=2).grad_input
    return {"weights": weights, "decoded": a[0, 0], "gradient": grad[0, 0]}


def layers_figure(seed: int = 0) -> Figure:
    """The checkerboard through the seed's three stacked layers, and in the input gradient of a strided convolution.

    Examples
    --------
    >>> fig = layers_figure()
    >>> len(fig.axes)
    4
    """
    content = _layers_content(seed)
    figure = _new_figure(_COLUMN, 3.9)
    left, right = figure.subplots(1, 2)
    for ax, image, title in (
        (left, content["decoded"], "ones(4x4) through three layers\nkernel 4, stride 2, padding 1, ReLU: 32x32"),
        (right, content["gradient"], "input gradient of conv(x, ones(3x3), stride 2)\nfor a gradient of ones: 15x15"),
    ):
        shown = ax.imshow(image, cmap="magma", interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        bar = figure.colorbar(shown, ax=ax, shrink=0.7)
        bar.ax.tick_params(labelsize=8)
    return figure


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI, metadata={"Software": None})
    return path


# --- the documentation's figures ----------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """One figure of the site: its file name, the data it is drawn from, and how to draw it (``fps`` > 0: a GIF)."""

    name: str
    content: Callable[[], Any]
    draw: Callable[[Any], Any]
    fps: int = 0


def _rng(n: int) -> list[int]:
    return list(range(1, n + 1))


def _relationship_specs() -> list[_Spec]:
    def conv_spec(name: str, title: str, i: int, k: int, **options: Any) -> _Spec:
        return _Spec(name, lambda: conv_strip(title, _rng(i), _rng(k), **options), strip_figure)

    def transposed_spec(name: str, title: str, i: int, k: int, **options: Any) -> _Spec:
        return _Spec(name, lambda: transposed_strip(title, _rng(i), _rng(k), **options), strip_figure)

    pool = "relationship 7, max pooling: i = 5, k = 3, s = 2, o = floor((5 - 3)/2) + 1 = 2"
    return [
        conv_spec("relationship_01.png", "relationship 1: i = 4, k = 3, o = (4 - 3) + 1 = 2", 4, 3),
        conv_spec("relationship_02.png", "relationship 2: i = 5, k = 4, p = 2, o = (5 - 4) + 2*2 + 1 = 6", 5, 4,
                  padding=2),
        conv_spec("relationship_03.png", "relationship 3, half padding: i = 5, k = 3, p = 1, o = i = 5", 5, 3,
                  padding=1),
        conv_spec("relationship_04.png", "relationship 4, full padding: i = 5, k = 3, p = 2, o = 5 + 2 = 7", 5, 3,
                  padding=2),
        conv_spec("relationship_05.png", "relationship 5: i = 5, k = 3, s = 2, o = floor((5 - 3)/2) + 1 = 2", 5, 3,
                  stride=2),
        conv_spec("relationship_06.png", "relationship 6: i = 6, k = 3, s = 2, p = 1, o = floor(5/2) + 1 = 3\n"
                  "(i = 5 gives 3 as well)", 6, 3, stride=2, padding=1),
        _Spec("relationship_07.png", lambda: conv_strip(pool, [2, 7, 1, 8, 2], 3, stride=2, operation="max"),
              strip_figure),
        conv_spec("relationship_15.png", "relationship 15, dilation: i = 7, k = 3, d = 2 (span 5), o = 3", 7, 3,
                  dilation=2),
        transposed_spec("relationship_08.png", "relationship 8: i' = 2, k = 3, p' = k - 1 = 2 (full), o' = 4", 2, 3),
        transposed_spec("relationship_09.png", "relationship 9: i' = 6, k = 4, p = 2, p' = 1, o' = 6 + 3 - 4 = 5",
                        6, 4, padding=2),
        transposed_spec("relationship_10.png", "relationship 10, half padding: i' = 5, k = 3, p = p' = 1, o' = 5", 5,
                        3, padding=1),
        transposed_spec("relationship_11.png", "relationship 11, full padding: i' = 7, k = 3, p = 2, p' = 0, o' = 5",
                        7, 3, padding=2),
        transposed_spec("relationship_12.png", "relationship 12: i' = 2, k = 3, s = 2: one zero inserted,\n"
                        "p' = 2, o' = 2(2 - 1) + 3 = 5", 2, 3, stride=2),
        transposed_spec("relationship_13.png", "relationship 13: i' = 3, k = 3, s = 2, p = 1, p' = 1,\n"
                        "o' = 2(3 - 1) + 3 - 2 = 5", 3, 3, stride=2, padding=1),
        transposed_spec("relationship_14.png", "relationship 14: i' = 3, k = 3, s = 2, p = 1, a = 1,\n"
                        "o' = 2(3 - 1) + 1 + 3 - 2 = 6", 3, 3, stride=2, padding=1, output_padding=1),
        transposed_spec("dilated_transposed.png", "transposed convolution with dilation: i' = 3, k = 3, d = 2,\n"
                        "p' = d(k - 1) = 4, o' = (3 - 1) + 2(3 - 1) + 1 = 7", 3, 3, dilation=2),
        transposed_spec("asymmetric_padding.png", "asymmetric padding (p_b, p_e) = (0, 1): i' = 3, k = 3, s = 2,\n"
                        "o' = 2(3 - 1) - 0 - 1 + 2 + 1 = 6 (twice the input)", 3, 3, stride=2, padding=(0, 1)),
        _Spec("stride_gaps.png", lambda: scatter_strip("stride 3 > kernel 2: x = [1, 2, 3], w = [1, 1];\n"
              "no copy reaches every third position", [1, 2, 3], [1, 1], stride=3), scatter_figure),
    ]  # fmt: skip


def _explanation_content(**options: Any) -> dict[str, Any]:
    position = options.pop("position", None)
    e = explain(**options)
    return {"options": options, "position": position, "padded": e.padded, "flipped": e.flipped, "output": e.output}


def _figures() -> list[_Spec]:
    """Every figure of the documentation."""

    def explained(**options: Any) -> Callable[[], dict[str, Any]]:
        return lambda: _explanation_content(**options)

    def matrix(**options: Any) -> Callable[[], dict[str, Any]]:
        def content() -> dict[str, Any]:
            taps = np.arange(1, 10).reshape(3, 3)
            sizes = options["input_size"]
            geometry = {k: v for k, v in options.items() if k in ("stride", "padding")}
            return {"options": options, "matrix": convolution_matrix(sizes, taps, **geometry)}

        return content

    overlaps = ((3, 2), (4, 2), (3, 3), (5, 3))
    return [
        _Spec(
            "zero_insertion.png",
            explained(input_size=(3, 3), kernel_size=(3, 3), stride=2, padding=1, position=(1, 2)),
            lambda c: zero_insertion_figure(**c["options"], position=c["position"]),
        ),
        _Spec(
            "zero_insertion_decoder.png",
            explained(input_size=(3, 3), kernel_size=(4, 4), stride=2, padding=1, position=(2, 3)),
            lambda c: zero_insertion_figure(**c["options"], position=c["position"]),
        ),
        _Spec(
            "output_padding.png",
            explained(input_size=(3, 3), kernel_size=(3, 3), stride=2, padding=1, output_padding=1, position=(5, 2)),
            lambda c: zero_insertion_figure(**c["options"], position=c["position"]),
        ),
        _Spec("matrix.png", matrix(input_size=(4, 4)), lambda c: matrix_figure(c["options"]["input_size"], (3, 3))),
        _Spec(
            "matrix_strided.png",
            matrix(input_size=(5, 5), stride=2, padding=1),
            lambda c: matrix_figure((5, 5), (3, 3), stride=2, padding=1),
        ),
        _Spec(
            "overlap.png",
            lambda: {"counts": [overlap_counts((6, 6), (k, k), stride=s) for k, s in overlaps]},
            lambda c: overlap_figure(overlaps),
        ),
        _Spec(
            "subpixel.png",
            lambda: {"output": overlap_counts((4, 4), (4, 4), stride=2, padding=1).shape},
            lambda c: subpixel_figure(4, 2, padding=1, input_size=4),
        ),
        _Spec(
            "sliding.gif",
            explained(input_size=(3, 3), kernel_size=(3, 3), stride=2, padding=1),
            lambda c: sliding_animation(**c["options"]),
            fps=2,
        ),
        *_relationship_specs(),
        _Spec("groups.png", _groups_content, lambda c: groups_figure()),
        _Spec("same_even_kernel.png", _same_content, lambda c: same_figure()),
        _Spec("four_views.png", _four_views_content, lambda c: four_views_figure()),
        _Spec("checkerboard_frequency.png", _frequency_content, lambda c: frequency_figure()),
        _Spec("checkerboard_layers.png", _layers_content, lambda c: layers_figure()),
    ]


def _plain(value: Any) -> Any:
    """``value`` as JSON data: arrays as their dtype kind, shape and values; dataclasses as dicts."""
    if isinstance(value, np.ndarray):
        return {"shape": list(value.shape), "kind": value.dtype.kind, "values": value.ravel().tolist()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def fingerprints(names: Sequence[str] | None = None) -> dict[str, str]:
    """The SHA-256 of the data each figure is drawn from (computed by the library; no drawing, no matplotlib).

    A figure's picture is a function of this data and of the drawing code: if a change in the
    library changes a figure's numbers, its fingerprint no longer matches the one recorded in
    ``docs/figures/figures.json`` when the figures were last generated.

    Examples
    --------
    >>> sorted(fingerprints(["relationship_01.png"]).items())  # doctest: +ELLIPSIS
    [('relationship_01.png', '...')]
    """
    wanted = None if names is None else set(names)
    found = {}
    for spec in _figures():
        if wanted is None or spec.name in wanted:
            text = json.dumps(_plain(spec.content()), sort_keys=True)
            found[spec.name] = hashlib.sha256(text.encode()).hexdigest()
    if wanted is not None and wanted - set(found):
        raise ValueError(f"no figure named {sorted(wanted - set(found))}; the figures are {figure_names()}")
    return found


def smallest_text_px(figure: Figure, dpi: float = DPI) -> float:
    """The smallest text of ``figure`` in pixels, as shown in the content column (scaled down if wider).

    Examples
    --------
    >>> round(smallest_text_px(groups_figure()), 1)
    12.5
    """
    from matplotlib.text import Text

    width = figure.get_figwidth() * dpi
    scale = min(1.0, COLUMN_PX / width)
    sizes = [float(t.get_fontsize()) for t in figure.findobj(Text) if t.get_text().strip()]
    return min(sizes) * dpi / 72 * scale


def figure_names() -> list[str]:
    """The file names :func:`make_figures` writes.

    Examples
    --------
    >>> names = figure_names()
    >>> len(names), names[:3]
    (31, ['zero_insertion.png', 'zero_insertion_decoder.png', 'output_padding.png'])
    """
    return [spec.name for spec in _figures()]


#: The file, beside the figures, that records what each was drawn from (see :func:`make_figures`).
MANIFEST = "figures.json"


def _write(spec: _Spec, path: Path) -> dict[str, Any]:
    """Draw ``spec`` into ``path``; its size in pixels, frames and smallest text (refused under 9 px)."""
    drawn = spec.draw(spec.content())
    figure = drawn if spec.fps == 0 else drawn._fig  # a FuncAnimation keeps its figure there
    smallest = smallest_text_px(figure)
    if smallest < SMALLEST_TEXT_PX or figure.get_figwidth() * DPI > COLUMN_PX + 0.5:
        raise ValueError(
            f"{spec.name}: figures must be at most {COLUMN_PX} px wide with text of {SMALLEST_TEXT_PX} px or more; "
            f"got {figure.get_figwidth() * DPI:.0f} px wide, smallest text {smallest:.1f} px"
        )
    if spec.fps == 0:
        _save(figure, path)
    else:
        from matplotlib.animation import PillowWriter

        drawn.save(path, writer=PillowWriter(fps=spec.fps), dpi=DPI)
    from PIL import Image

    with Image.open(path) as image:
        size, frames = image.size, getattr(image, "n_frames", 1)
    return {"width": size[0], "height": size[1], "frames": frames, "smallest_text_px": round(smallest, 2)}


def make_figures(directory: str | Path = "docs/figures", names: Sequence[str] | None = None) -> list[Path]:
    """Write the documentation's figures (all, or ``names``) into ``directory``; return the paths written.

    ``python scripts/make_figures.py`` calls this for ``docs/figures/``.  Each figure is drawn at
    most :data:`COLUMN_PX` pixels wide with no text under :data:`SMALLEST_TEXT_PX` pixels (a
    figure that breaks the rule is refused).  Writing them all also writes :data:`MANIFEST`:
    per figure, the :func:`fingerprints` of its data, the SHA-256 of its file, its size and its
    smallest text, and the matplotlib version that drew them -- so ``tests/test_viz.py`` checks
    every committed figure against the library without drawing it, and redraws a few to compare
    bytes.  The files are byte-for-byte reproducible (no timestamps or version strings in them).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [path.name for path in make_figures(tmp, ["relationship_01.png"])]
    ['relationship_01.png']
    """
    _require_matplotlib()
    import matplotlib

    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    specs = _figures()
    if names is not None:
        unknown = sorted(set(names) - {spec.name for spec in specs})
        if unknown:
            raise ValueError(f"no figure named {unknown}; the figures are {figure_names()}")
        specs = [spec for spec in specs if spec.name in set(names)]
    written, entries = [], {}
    prints = fingerprints([spec.name for spec in specs])
    for spec in specs:
        path = target / spec.name
        entries[spec.name] = {"content": prints[spec.name], **_write(spec, path)}
        entries[spec.name]["file"] = hashlib.sha256(path.read_bytes()).hexdigest()
        written.append(path)
    if names is None:
        manifest = {"matplotlib": matplotlib.__version__, "figures": entries}
        (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return written
