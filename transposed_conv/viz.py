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
  the user's own configuration and values (``transposed-conv explain --png/--gif``).

:func:`make_figures` writes all of the documentation's figures into a directory;
``python scripts/make_figures.py`` calls it for ``docs/figures/``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
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
    "explanation_figure",
    "figure_names",
    "make_figures",
    "matrix_figure",
    "overlap_figure",
    "save_explanation_png",
    "save_scatter_gif",
    "save_sliding_gif",
    "scatter_animation",
    "sliding_animation",
    "subpixel_figure",
    "zero_insertion_figure",
]

INPUT = "#9ecae1"  # an input element
INSERTED = "#eeeeee"  # a zero put between input elements
PADDING = "#ffffff"  # a zero added around the stretched input
KERNEL = "#d62728"  # the kernel's outline and taps
OUTPUT = "#c7e9c0"  # an output element
CURRENT = "#31a354"  # the output element being computed
PHASES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


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
        _draw_cells(left, _as_2d(e.padded), colours, labelled=kinds == 2)
        self.flipped = _as_2d(e.flipped)
        rows, cols = self.flipped.shape
        self.kernel = Rectangle((-0.5, -0.5), cols, rows, fill=False, edgecolor=KERNEL, linewidth=2.5, zorder=3)
        left.add_patch(self.kernel)
        self.taps = [
            (left.text(0, 0, format_number(self.flipped[r, c]), color=KERNEL, fontsize=7, ha="center", zorder=3), r, c)
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
    figure = _new_figure(1.5 + 0.45 * (kinds.shape[1] + output.shape[1]), 1.3 + 0.45 * kinds.shape[0])
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
    figure = _new_figure(max(5.0, 1.5 + 0.45 * (x.shape[1] + shape[1])), 1.8 + 0.45 * max(x.shape[0], shape[0]))
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


def save_scatter_gif(e: Explanation, path: str | Path, *, fps: int = 1, dpi: int = 72) -> Path:
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
    figure = _new_figure(2.5 + 0.22 * (cols + rows), 1.8 + 0.22 * max(rows, cols))
    axes = figure.subplots(1, 2, width_ratios=[cols, rows])
    for ax, m, title in (
        (axes[0], matrix, f"C ({rows} x {cols}): convolution"),
        (axes[1], matrix.T, f"C.T ({cols} x {rows}): transposed convolution"),
    ):
        image = ax.imshow(np.ma.masked_equal(m, 0), cmap="viridis", vmin=1, vmax=taps.size, interpolation="nearest")
        ax.set_xticks(np.arange(-0.5, m.shape[1], 1), minor=True)
        ax.set_yticks(np.arange(-0.5, m.shape[0], 1), minor=True)
        ax.grid(which="minor", color="#dddddd", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelsize=7)
        ax.set_title(title, fontsize=10)
    colourbar = figure.colorbar(image, ax=list(axes), shrink=0.8)
    colourbar.set_label("kernel tap (row-major)")
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
    figure = _new_figure(3.2 * len(configurations) + 0.8, 3.6)
    axes = np.atleast_1d(figure.subplots(1, len(configurations)))
    largest = max(((k + s - 1) // s) ** 2 for k, s in configurations)  # ceil(k/s) taps per axis at most
    for ax, (k, s) in zip(axes, configurations):
        counts = overlap_counts((input_size, input_size), (k, k), stride=s)
        image = ax.imshow(counts, cmap="magma", vmin=0, vmax=largest, interpolation="nearest")
        if counts.shape[0] <= 20:
            for (r, c), v in np.ndenumerate(counts):
                ax.text(c, r, str(int(v)), ha="center", va="center", fontsize=6, color="white" if v < largest else "k")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"kernel {k}, stride {s}", fontsize=10)
    figure.colorbar(image, ax=list(axes), shrink=0.8, label="taps landing on the position", ticks=range(largest + 1))
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
    figure = _new_figure(1.2 + 0.45 * (k + out[1]), 1.4 + 0.45 * max(k, out[0]))
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
    figure = _new_figure(1.5 + 0.45 * (kinds.shape[1] + output.shape[1]), 1.3 + 0.45 * kinds.shape[0])
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


def save_sliding_gif(path: str | Path, *, fps: int = 2, dpi: int = 72, **options: Any) -> Path:
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


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=110, metadata={"Software": None})
    return path


def _figures() -> list[tuple[str, Callable[[Path], Path]]]:
    """Every figure of the documentation: its file name and how to write it."""

    def png(make: Callable[[], Figure]) -> Callable[[Path], Path]:
        return lambda path: _save(make(), path)

    return [
        (
            "zero_insertion.png",
            png(lambda: zero_insertion_figure((3, 3), (3, 3), stride=2, padding=1, position=(1, 2))),
        ),
        (
            "zero_insertion_decoder.png",
            png(lambda: zero_insertion_figure((3, 3), (4, 4), stride=2, padding=1, position=(2, 3))),
        ),
        ("matrix.png", png(lambda: matrix_figure((4, 4), (3, 3)))),
        ("matrix_strided.png", png(lambda: matrix_figure((5, 5), (3, 3), stride=2, padding=1))),
        ("overlap.png", png(overlap_figure)),
        ("subpixel.png", png(lambda: subpixel_figure(4, 2, padding=1, input_size=4))),
        (
            "sliding.gif",
            lambda path: save_sliding_gif(path, input_size=(3, 3), kernel_size=(3, 3), stride=2, padding=1),
        ),
    ]


def figure_names() -> list[str]:
    """The file names :func:`make_figures` writes.

    Examples
    --------
    >>> figure_names()  # doctest: +NORMALIZE_WHITESPACE
    ['zero_insertion.png', 'zero_insertion_decoder.png', 'matrix.png', 'matrix_strided.png', 'overlap.png',
     'subpixel.png', 'sliding.gif']
    """
    return [name for name, _ in _figures()]


def make_figures(directory: str | Path = "docs/figures") -> list[Path]:
    """Write every figure of the documentation into ``directory``; return the paths written.

    ``python scripts/make_figures.py`` calls this for ``docs/figures/``; ``tests/test_viz.py``
    runs that command into a temporary directory and checks every image.  The files are
    byte-for-byte reproducible (no timestamps or version strings in them).  The names are
    :func:`figure_names`.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    return [write(target / name) for name, write in _figures()]
