"""The conformance kit: conforming implementations pass, broken ones are caught with a reproducer."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from transposed_conv import conv_transpose
from transposed_conv.testing import NonConformance, check_conv_transpose


def ours(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    return conv_transpose(x, weight, bias, **kwargs)


def lowers_precision(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """Computes float64 inputs in float32: must fail the float64 bound."""
    b = None if bias is None else bias.astype(np.float32)
    return conv_transpose(x.astype(np.float32), weight.astype(np.float32), b, **kwargs).astype(x.dtype)


def mutates_input(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    y = conv_transpose(x, weight, bias, **kwargs)
    x *= 2
    return y


def wrong_dtype(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    return conv_transpose(x, weight, bias, **kwargs).astype(np.float64)


def rejects_groups(x, weight, bias, *, groups, **kwargs):  # type: ignore[no-untyped-def]
    if groups > 1:
        raise NotImplementedError("groups")
    return conv_transpose(x, weight, bias, groups=groups, **kwargs)


def drops_output_padding(x, weight, bias, *, output_padding, **kwargs):  # type: ignore[no-untyped-def]
    return conv_transpose(x, weight, bias, **kwargs)


@pytest.mark.parametrize(
    ("impl", "dtypes", "problem"),
    [
        (lowers_precision, ("float64",), {"values"}),
        (mutates_input, ("float64",), {"mutated"}),
        (wrong_dtype, ("float32",), {"dtype"}),
        (rejects_groups, ("float64",), {"raised"}),
        # the shrunk case may be the wrong shape, or a configuration that the dropped padding made invalid
        (drops_output_padding, ("float64",), {"shape", "raised"}),
    ],
)
def test_broken_implementations_are_caught(impl, dtypes, problem) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(impl, examples=200, seed=0, dtypes=dtypes)
    assert raised.value.problem in problem
    assert "configuration:" in str(raised.value) and "reproducer:" in str(raised.value)


def test_the_reproducer_runs_with_numpy_and_our_package() -> None:
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(lowers_precision, examples=200, seed=0, dtypes=("float64",))
    reproducer = raised.value.reproducer
    assert "from tests.test_testing import lowers_precision" in reproducer
    with pytest.raises(AssertionError, match="beyond the float64 rounding bound"):
        exec(reproducer, {})


def test_failures_are_shrunk_to_small_cases() -> None:
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(rejects_groups, examples=200, seed=0, dtypes=("float64",))
    case = raised.value.case
    assert case.groups == 2 and case.batch <= 1 and case.in_channels == 2
    assert set(case.input_shape) == {1} and set(case.kernel_shape) == {1} and set(case.stride) == {1}


def test_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="convention must be one of"):
        check_conv_transpose(ours, convention="caffe")
    with pytest.raises(ValueError, match="examples must be"):
        check_conv_transpose(ours, examples=0)
    with pytest.raises(ValueError, match="dtypes must contain only"):
        check_conv_transpose(ours, dtypes=("int8",))


def test_the_kit_checks_empty_outputs_in_the_conventions_that_have_them() -> None:
    """``empty_outputs=True`` draws JAX pads and Keras sizes that leave an empty output: our functions conform;
    one that refuses empty outputs, as PyTorch does, is caught ("raised"), with a reproducer."""
    from transposed_conv.conventions import jax_conv_transpose, keras_conv_transpose

    for convention, function in (("jax", jax_conv_transpose), ("keras", keras_conv_transpose)):
        report = check_conv_transpose(function, convention=convention, examples=30, seed=0, empty_outputs=True)
        assert report.examples == {"float64": 30, "float32": 30}

    def refuses_empty(lhs, rhs, strides, padding, **kwargs):  # type: ignore[no-untyped-def]
        y = jax_conv_transpose(lhs, rhs, strides, padding, **kwargs)
        if lhs.size and not y.size:
            raise ValueError("the output must have at least one element")
        return y

    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(
            refuses_empty,
            convention="jax",
            examples=100,
            seed=0,
            dtypes=("float64",),
            paddings=("explicit",),
            empty_outputs=True,
        )
    assert raised.value.problem == "raised" and "at least one element" in str(raised.value)
    exec(raised.value.reproducer, {})  # the call that failed, and the answer, are comments: it runs


def nan_first(x, weight, bias, **kwargs):  # type: ignore[no-untyped-def]
    """A NaN where the answer is finite."""
    y = conv_transpose(x, weight, bias, **kwargs)
    if y.size:
        y.flat[0] = np.nan
    return y


def minus_inf_first(lhs, rhs, strides, padding, **kwargs):  # type: ignore[no-untyped-def]
    from transposed_conv.conventions import jax_conv_transpose

    y = jax_conv_transpose(lhs, rhs, strides, padding, **kwargs)
    if y.size:
        y.flat[0] = -np.inf
    return y


@pytest.mark.parametrize(("impl", "convention"), [(nan_first, "torch"), (minus_inf_first, "jax")])
def test_reproducers_with_non_finite_results_run_as_printed(impl, convention) -> None:  # type: ignore[no-untyped-def]
    """The kit's reproducer writes NaN and infinities as ``np.nan`` and ``-np.inf``: executed as printed, in a fresh
    namespace, it fails again."""
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(impl, convention=convention, examples=50, seed=0, dtypes=("float32",))
    reproducer = raised.value.reproducer
    assert raised.value.problem == "values" and ("np.nan" in reproducer or "-np.inf" in reproducer)
    with pytest.raises(AssertionError, match="beyond the float32 rounding bound"):
        exec(reproducer, {})


def test_a_seed_draws_the_same_cases_whatever_else_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hypothesis draws now and then from constants it finds in the local modules imported so far; the kit leaves
    that pool out, so importing a module between two runs of one seed (a user's suite does) changes no case."""

    def cases() -> list[str]:
        seen: list[str] = []

        def record(x: Any, weight: Any, bias: Any, **kwargs: Any) -> Any:
            seen.append(f"{x.tobytes().hex()} {weight.tobytes().hex()} {sorted(kwargs.items())}")
            return conv_transpose(x, weight, bias, **kwargs)

        check_conv_transpose(record, examples=30, seed=5, dtypes=("float64",), tiers=("small", "special"))
        return seen

    before = cases()
    numbers = ", ".join(str(n) for n in range(2, 200)) + ", 1234567, 2718281828, 3141592653"
    (tmp_path / "constants_of_a_user_module.py").write_text(f"NUMBERS = [{numbers}]\nSCALE = 0.37\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("constants_of_a_user_module")
    assert cases() == before


def test_a_run_leaves_only_the_array_files_of_its_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reproducers of large cases load their arrays from ``.npz`` files.  Hypothesis meets a failure many times
    while it shrinks it; the kit removes the files of all but the failure it reports, whose reproducer loads them."""
    from tests.mutants import MUTANTS

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(
            MUTANTS["last_partial_tile_of_64_dropped"], examples=44, seed=0, dtypes=("float64",), tiers=("stress",)
        )
    left = sorted(str(path) for path in tmp_path.glob("transposed_conv_mismatch_*.npz"))
    assert left and all(path in raised.value.reproducer for path in left)
    assert len(left) == raised.value.reproducer.count("np.load(")
    namespace: dict[str, Any] = {}
    exec(raised.value.reproducer.split("\n# the implementation under test")[0], namespace)  # loads the arrays
    assert namespace["x"].size > 2000
