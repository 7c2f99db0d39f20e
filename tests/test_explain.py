"""``transposed-conv explain`` and the teaching computations of ``transposed_conv.explain``.

The worked example is computed step by step in plain NumPy, independently of the methods;
here its printed output is parsed back and checked against ``conv_transpose``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transposed_conv import conv, conv_transpose
from transposed_conv.cli import main
from transposed_conv.explain import convolution_matrix, explain, overlap_counts
from transposed_conv.strategies import ConvTransposeConfig, conv_transpose_configs

small_configs = conv_transpose_configs(max_ndim=2, max_groups=1, max_channels_per_group=1, max_batch=1)


def run(*argv: str) -> tuple[int, str, str]:
    """Run ``transposed-conv ARGV`` through :func:`transposed_conv.cli.main`."""
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def printed_array(text: str, heading: str) -> np.ndarray:
    """The rows of integers printed under the line starting with ``heading``, up to the next blank line."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if all(token.lstrip("-").isdigit() for token in line.split()):  # not a "dim 0: ..." line
            rows.append([int(v) for v in line.split()])
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
        (["--input-size", "3,3", "--kernel-size", "3,3,3"], "--kernel-size needs 1 or 2 values"),
        (["--input-size", "30", "--kernel-size", "3"], "at most 16"),
        (["--input-size", "3", "--kernel-size", "3", "--x", "1,2"], "x must have 3 values"),
        (["--input-size", "2", "--kernel-size", "3", "--padding", "3"], "at least 1 in every dimension"),
    ],
    ids=["output-padding-too-large", "3-d", "kernel-dims", "too-large", "wrong-count", "empty-output"],
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
