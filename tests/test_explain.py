"""``transposed-conv explain`` and the teaching computations of ``transposed_conv.explain``.

The worked example is computed step by step in plain NumPy, independently of the methods;
here its printed output is parsed back and checked against ``conv_transpose``.
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transposed_conv import conv, conv_transpose
from transposed_conv.cli import main
from transposed_conv.explain import MAX_WIDTH, VIEWS, TooWideToPrint, convolution_matrix, explain, overlap_counts
from transposed_conv.strategies import ConvTransposeConfig, conv_transpose_configs

small_configs = conv_transpose_configs(max_ndim=2, max_groups=1, max_channels_per_group=1, max_batch=1)


def run(*argv: str) -> tuple[int, str, str]:
    """Run ``transposed-conv ARGV`` through :func:`transposed_conv.cli.main`."""
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def _value(token: str) -> float:
    return int(token) if token.lstrip("-").isdigit() else float(token)


def printed_array(text: str, heading: str) -> np.ndarray:
    """The rows of numbers printed under the line starting with ``heading``, up to the next blank line.

    A highlighted element's brackets are dropped; blocks of columns (``(columns a to b)``) are
    put back side by side.
    """
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(heading))
    blocks: list[list[list[float]]] = [[]]
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if line.strip().startswith("(columns "):
            blocks.append([]) if blocks[-1] else None
            continue
        tokens = line.replace("[", " ").replace("]", " ").split()
        try:
            blocks[-1].append([_value(token) for token in tokens])
        except ValueError:  # not a row of numbers: a "dim 0: ..." line
            continue
    rows = [[v for block in blocks for v in block[r]] for r in range(len(blocks[-1]))]
    return np.array(rows)


def _kwargs(config: ConvTransposeConfig) -> dict[str, object]:
    return {
        "stride": config.stride,
        "padding": config.padding,
        "output_padding": config.output_padding,
        "dilation": config.dilation,
    }


def _reference(x: np.ndarray, w: np.ndarray, **kwargs: object) -> np.ndarray:
    return conv_transpose(x[np.newaxis, np.newaxis], w[np.newaxis, np.newaxis], **kwargs)[0, 0]  # type: ignore[arg-type]


@given(small_configs, st.sampled_from(["range", "ones", "random"]), st.integers(0, 2**16))
def test_explained_output_equals_conv_transpose(config: ConvTransposeConfig, values: str, seed: int) -> None:
    """For drawn 1-D and 2-D configurations, the step-by-step output (and its printout) is conv_transpose."""
    e = explain(config.input_shape, config.kernel_shape, **_kwargs(config), values=values, seed=seed)  # type: ignore[arg-type]
    expected = _reference(e.x, e.weight, **_kwargs(config))
    np.testing.assert_array_equal(e.output, expected)
    np.testing.assert_array_equal(printed_array(e.text, "output y").reshape(expected.shape), expected)
    assert e.stretched.shape == tuple((i - 1) * s + 1 for i, s in zip(config.input_shape, config.stride))
    assert e.flipped.shape == tuple(d * (k - 1) + 1 for d, k in zip(config.dilation, config.kernel_shape))
    assert f"= {config.output_shape[0]}\n" in e.text.split("size: out =")[1]


@given(small_configs.filter(lambda c: all(b == e for b, e in c.padding)), st.integers(0, 2**16))
def test_the_command_prints_what_conv_transpose_computes(config: ConvTransposeConfig, seed: int) -> None:
    def flag(values: tuple[int, ...]) -> str:
        return ",".join(map(str, values))

    status, out, err = run(
        "explain",
        "--input-size",
        flag(config.input_shape),
        "--kernel-size",
        flag(config.kernel_shape),
        "--stride",
        flag(config.stride),
        "--padding",
        flag(tuple(b for b, _ in config.padding)),
        "--output-padding",
        flag(config.output_padding),
        "--dilation",
        flag(config.dilation),
        "--values",
        "random",
        "--seed",
        str(seed),
    )
    assert status == 0, err
    x = printed_array(out, "input x").reshape(config.input_shape)
    w = printed_array(out, "kernel w").reshape(config.kernel_shape)
    y = printed_array(out, "output y").reshape(config.output_shape)
    np.testing.assert_array_equal(y, _reference(x, w, **_kwargs(config)))


def test_the_issue_example() -> None:
    """explain --input-size 3 --kernel-size 3 --stride 2 --padding 1: every step, with the formula."""
    status, out, _ = run("explain", "--input-size", "3", "--kernel-size", "3", "--stride", "2", "--padding", "1")
    assert status == 0
    assert printed_array(out, "input x").tolist() == [[1, 2, 3]]
    assert printed_array(out, "1. insert").tolist()[-1] == [1, 0, 2, 0, 3]
    assert printed_array(out, "2. pad").tolist()[-1] == [0, 1, 0, 2, 0, 3, 0]
    assert printed_array(out, "3. flip").tolist()[-1] == [3, 2, 1]
    assert printed_array(out, "output y").tolist() == [[2, 5, 4, 9, 6]]
    assert "dim 0: (3 - 1)*2 - 1 - 1 + 1*(3 - 1) + 0 + 1 = 5" in out


def test_explicit_values_in_2d() -> None:
    status, out, _ = run(
        "explain", "--input-size", "2,2", "--kernel-size", "2", "--stride", "2", "--x", "1,2,3,4", "--weight", "1,0,0,1"
    )
    assert status == 0
    expected = _reference(np.array([[1, 2], [3, 4]]), np.eye(2, dtype=np.int64), stride=2)
    np.testing.assert_array_equal(printed_array(out, "output y"), expected)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--input-size", "3", "--kernel-size", "3", "--stride", "2", "--output-padding", "2"], "output_padding must"),
        (["--input-size", "3,3,3", "--kernel-size", "3"], "1-D and 2-D examples only"),
        (["--input-size", "3", "--kernel-size", "2", "--weight", "1,nan"], "weight must hold finite numbers"),
        (["--input-size", "3,3", "--kernel-size", "3,3,3"], "--kernel-size needs 1 or 2 values"),
        (["--input-size", "30", "--kernel-size", "3"], "at most 16"),
        (["--input-size", "3", "--kernel-size", "3", "--x", "1,2"], "x must have 3 values"),
        (["--input-size", "2", "--kernel-size", "3", "--padding", "3"], "at least 1 in every dimension"),
    ],
    ids=["output-padding-too-large", "3-d", "nan-weight", "kernel-dims", "too-large", "wrong-count", "empty-output"],
)
def test_bad_arguments_exit_with_status_2_and_a_message(argv: list[str], message: str) -> None:
    status, out, err = run("explain", *argv)
    assert status == 2
    assert out == ""
    assert message in err
    assert err.startswith("transposed-conv explain: error: ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stride", "1000"], "with --stride 1000, the zero-inserted input is (in - 1)*stride + 1 = (3 - 1)*1000 + 1"),
        (["--stride", "2147483647"], "choose a smaller --stride"),
        (["--dilation", "100"], "with --dilation 100, the dilated kernel is dilation*(kernel - 1) + 1 = 100*(3 - 1)"),
        (["--stride", "20", "--dilation", "10"], "the padded input is 81 wide in dim 0; choose a smaller --stride or"),
    ],
    ids=["stride", "stride-int32-max", "dilation", "padded"],
)
def test_an_example_too_large_to_print_is_refused_naming_the_option(argv: list[str], message: str) -> None:
    """``--stride 1000`` used to print 28 MB and ``--stride 2147483647`` to raise MemoryError."""
    status, out, err = run("explain", "--input-size", "3", "--kernel-size", "3", *argv)
    assert (status, out) == (2, "")
    assert err.startswith("transposed-conv explain: error: explain prints arrays at most 64 wide; ")
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seed", "3"], "--seed applies to --values random only"),
        (["--values", "ones", "--seed", "3"], "--seed applies to --values random only"),
        (["--x", "1,2,3", "--weight", "1,1,1", "--values", "ones"], "--values fills the values --x and --weight do"),
    ],
    ids=["seed-alone", "seed-with-ones", "values-with-both"],
)
def test_a_flag_that_would_be_ignored_is_refused(argv: list[str], message: str) -> None:
    status, out, err = run("explain", "--input-size", "3", "--kernel-size", "3", *argv)
    assert (status, out) == (2, "")
    assert err.startswith(f"transposed-conv explain: error: {message}")
    assert len(err.splitlines()) == 1


def test_the_library_refuses_the_same_sizes_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=r"with stride=\(1000,\), the zero-inserted input .* choose a smaller stride"):
        explain(3, 3, stride=1000)
    assert explain(16, 5, stride=3).output.shape == (50,)  # large enough to teach, within the limit


def test_the_cli_prints_the_explanations_text() -> None:
    """``transposed-conv explain`` prints :attr:`Explanation.text` of the library's :func:`explain`."""
    status, out, _ = run("explain", "--input-size", "3", "--kernel-size", "3", "--stride", "2")
    assert status == 0
    assert out == explain(3, 3, stride=2).text


# --- the other teaching computations ---------------------------------------------------------------


@given(small_configs, st.integers(0, 2**16))
def test_overlap_counts_are_the_transposed_convolution_of_ones(config: ConvTransposeConfig, seed: int) -> None:
    counts = overlap_counts(config.input_shape, config.kernel_shape, **_kwargs(config))  # type: ignore[arg-type]
    ones = _reference(np.ones(config.input_shape, np.int64), np.ones(config.kernel_shape, np.int64), **_kwargs(config))
    np.testing.assert_array_equal(counts, ones)


@given(small_configs, st.integers(0, 2**16))
def test_the_convolution_matrix_applies_conv_and_its_transpose_applies_conv_transpose(
    config: ConvTransposeConfig, seed: int
) -> None:
    """vec(conv(a)) == C @ vec(a) and vec(conv_transpose(y)) == C.T @ vec(y), for the conv that maps
    the transposed output size back to the transposed input size."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-3, 4, config.kernel_shape)
    geometry = {"stride": config.stride, "padding": config.padding, "dilation": config.dilation}
    big = config.output_shape
    matrix = convolution_matrix(big, w, **geometry)  # type: ignore[arg-type]
    a = rng.integers(-3, 4, big)
    forward = conv(a[np.newaxis, np.newaxis], w[np.newaxis, np.newaxis], **geometry)[0, 0]  # type: ignore[arg-type]
    np.testing.assert_array_equal(matrix @ a.ravel(), forward.ravel())
    y = rng.integers(-3, 4, forward.shape)
    transposed = _reference(y, w, **geometry, output_size=big)
    np.testing.assert_array_equal(matrix.T @ y.ravel(), transposed.ravel())


def test_explanation_prints_as_its_text() -> None:
    e = explain((2, 2), (2, 2), values="ones")
    assert str(e) == e.text
    assert e.output.tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]


# --- the views -----------------------------------------------------------------------------------


def _worked_terms(body: str) -> int:
    """How many terms the worked line ("for example y[...] = ... = a*b + c*d = v") adds."""
    start = body.index("   for example ")
    line = " ".join(part.strip() for part in body[start : body.index("\noutput y", start)].splitlines())
    return 0 if "(no term)" in line else line.split(" = ")[-2].count(" + ") + 1


@settings(max_examples=25, deadline=None)
@given(small_configs, st.sampled_from(["range", "random"]), st.integers(0, 2**16))
def test_every_view_computes_conv_transpose_and_fits_in_100_columns(
    config: ConvTransposeConfig, values: str, seed: int
) -> None:
    """Scatter, zero insertion, C.T @ x, im2col + col2im and phases: each prints conv_transpose, in <= 100 columns,
    and works out the same output element with as many terms as any output has."""
    e = explain(config.input_shape, config.kernel_shape, **_kwargs(config), values=values, seed=seed)  # type: ignore[arg-type]
    expected = _reference(e.x, e.weight, **_kwargs(config))
    counts = _reference((e.x != 0).astype(np.int64), (e.weight != 0).astype(np.int64), **_kwargs(config))
    assert counts[e.highlight] == counts.max() and np.argmax(counts == counts.max()) == np.ravel_multi_index(
        e.highlight, counts.shape
    )
    for name in VIEWS:
        try:
            view = e.view(name)
        except TooWideToPrint:
            assert name != "zero-insertion"
            continue
        np.testing.assert_array_equal(view.output, expected, err_msg=name)
        np.testing.assert_array_equal(printed_array(view.body, "output y").reshape(expected.shape), expected)
        assert max(map(len, view.text.splitlines())) <= MAX_WIDTH, name
        assert _worked_terms(view.body) == counts.max(), name


def test_the_worked_line_picks_an_output_with_several_terms() -> None:
    """Not ``y[0] = 1*2 = 2``: the first output with the most terms, the same in every view."""
    e = explain(3, 3, stride=2, padding=1)
    assert "for example y[1] = 1*3 + 2*1 = 5" in e.text
    assert "for example y[1] = x[0]*w[2] + x[1]*w[0] = 1*3 + 2*1 = 5" in e.view("scatter").body
    assert "C.T[1, 0]*x[0] + C.T[1, 1]*x[1] = 3*1 + 1*2 = 5" in e.view("matrix").body
    assert "col2im adds into y[1] = cols[0, 1] + cols[2, 0] = 2 + 3 = 5" in e.view("im2col").body
    assert "y[1] (phase 1, q = 1) = v[0]*x[1] + v[1]*x[0] = 1*2 + 3*1 = 5" in e.view("phases").body
    assert all("  2[5]4 9 6" in e.view(name).body for name in VIEWS)


@settings(max_examples=15, deadline=None)
@given(
    small_configs,
    st.lists(st.integers(-12, 12), min_size=256, max_size=256),
    st.lists(st.floats(-4, 4, allow_nan=False, width=32), min_size=256, max_size=256),
)
def test_real_weights_are_exact_in_every_view(
    config: ConvTransposeConfig, quarters: list[int], reals: list[float]
) -> None:
    """Weights in quarters are exact in float64: every view equals conv_transpose bit for bit; any real
    weight prints as its shortest repr and reads back as the same float."""
    k = int(np.prod(config.kernel_shape))
    e = explain(config.input_shape, config.kernel_shape, **_kwargs(config), weight=np.array(quarters[:k]) / 4)  # type: ignore[arg-type]
    expected = _reference(e.x, e.weight, **_kwargs(config))
    for name in VIEWS:
        try:
            np.testing.assert_array_equal(e.view(name).output, expected, err_msg=name)
        except TooWideToPrint:
            continue
    weight = np.array(reals[:k], dtype=np.float64)
    e = explain(config.input_shape, config.kernel_shape, **_kwargs(config), weight=weight)  # type: ignore[arg-type]
    np.testing.assert_array_equal(printed_array(e.text, "kernel w").ravel(), weight)
    np.testing.assert_allclose(e.output, _reference(e.x, e.weight, **_kwargs(config)), rtol=1e-12, atol=1e-12)


def test_integers_stay_integers_and_reals_print_shortest() -> None:
    e = explain(3, 2, stride=2, weight=[0.5, -1.25])
    assert printed_array(e.text, "output y").tolist() == [[0.5, -1.25, 1, -2.5, 1.5, -3.75]]
    assert "output y (6):\n [0.5]-1.25 1 -2.5 1.5 -3.75\n" in e.text
    assert (
        "*0.1" in explain(2, 2, weight=[0.1, 0.2]).text
        and "0.30000000000000004" in explain(2, 2, x=[1, 1], weight=[0.1, 0.2]).text
    )


def test_the_largest_examples_fit_in_100_columns() -> None:
    for e in (explain(16, 16, stride=2), explain((16, 16), (16, 16), stride=2), explain(16, 5, stride=3, dilation=2)):
        assert max(map(len, e.text.splitlines())) <= MAX_WIDTH
        for name in ("scatter", "im2col", "phases"):
            try:
                assert max(map(len, e.view(name).text.splitlines())) <= MAX_WIDTH
            except TooWideToPrint as error:
                assert "another view" in str(error)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--input-size", "16,16", "--view", "matrix"], "C.T is prod(out) x prod(in) = 324 x 256; choose a smaller"),
        (["--input-size", "16,16", "--view", "all"], "or another --view than scatter"),
        (["--input-size", "3,3", "--stride", "9,9", "--view", "phases"], "there are prod(stride) = 81 phases"),
        (["--input-size", "3", "--view", "diagonal"], "invalid choice: 'diagonal'"),
        (["--input-size", "3", "--weight", "1,x,2"], "expected comma-separated numbers"),
    ],
    ids=["matrix", "all", "phases", "bad-view", "bad-weight"],
)
def test_a_view_too_large_is_refused_naming_the_limit_and_the_options(argv: list[str], message: str) -> None:
    status, out, err = run("explain", "--kernel-size", "3", *argv)
    assert (status, out) == (2, "")
    assert message in err and len(err.splitlines()) == 1


def test_view_all_prints_every_view_once_with_one_heading() -> None:
    status, out, err = run("explain", "--input-size", "3", "--kernel-size", "3", "--stride", "2", "--view", "all")
    assert status == 0, err
    e = explain(3, 3, stride=2)
    assert out.count("input x (3):") == 1
    assert all(out.count(f"view {name}:") == 1 for name in VIEWS)
    assert out.startswith(e.view("scatter").text)


def test_real_weights_on_the_command_line() -> None:
    status, out, err = run(
        "explain", "--input-size", "3", "--kernel-size", "2", "--stride", "2", "--weight", "0.5,-1.25"
    )
    assert status == 0, err
    assert printed_array(out, "output y").ravel().tolist() == [0.5, -1.25, 1, -2.5, 1.5, -3.75]


@pytest.mark.parametrize(("flag", "magic"), [("--png", b"\x89PNG\r\n\x1a\n"), ("--gif", b"GIF89a")])
def test_png_and_gif_write_the_users_configuration(tmp_path, flag: str, magic: bytes) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    target = tmp_path / f"picture{flag.replace('--', '.')}"
    status, out, err = run("explain", "--input-size", "2,2", "--kernel-size", "2", "--stride", "2", flag, str(target))
    assert status == 0, err
    assert out.endswith(f"wrote {target}\n")
    assert target.read_bytes().startswith(magic)
    if flag == "--gif":
        from PIL import Image

        with Image.open(target) as gif:
            assert gif.n_frames == 5  # one kernel copy per input element, then the finished output


def test_png_without_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    status, out, err = run("explain", "--input-size", "3", "--kernel-size", "3", "--gif", str(tmp_path / "a.gif"))
    assert (status, out) == (2, "")
    assert "--gif needs matplotlib: pip install 'transposed-conv[viz]'" in err
    assert not (tmp_path / "a.gif").exists()
