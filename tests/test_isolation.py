"""Robust running: the implementation in worker processes, verdicts on failing cases, and the random seed.

Each implementation under test is written into a small module of its own (``impl_module``), so that a
worker process can import it by name, as ``check --impl MODULE:NAME`` does.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis.errors import HypothesisException

from transposed_conv import conv_transpose
from transposed_conv._isolation import NotImportable, importable
from transposed_conv.cli import main
from transposed_conv.report import check_areas
from transposed_conv.testing import NonConformance, check_conv_transpose

IMPLS = """
import os
import sys
import time

import numpy as np

from transposed_conv import conv_transpose

calls = [0]


def correct(x, weight, bias, **kwargs):
    return conv_transpose(x, weight, bias, **kwargs)


def aborts_on_groups(x, weight, bias, **kwargs):
    if kwargs["groups"] > 1:
        os.abort()
    return conv_transpose(x, weight, bias, **kwargs)


def exits(x, weight, bias, **kwargs):
    sys.exit(3)


def noisy(x, weight, bias, **kwargs):
    y = conv_transpose(x, weight, bias, **kwargs)
    return y + (1e-3 * np.random.default_rng().standard_normal(y.shape)).astype(y.dtype)


def wrong_after_five_calls(x, weight, bias, **kwargs):
    calls[0] += 1
    y = conv_transpose(x, weight, bias, **kwargs)
    return y + 1 if calls[0] > 5 else y


def wrong_every_other_call(x, weight, bias, **kwargs):
    calls[0] += 1
    y = conv_transpose(x, weight, bias, **kwargs)
    return y + 1 if calls[0] % 2 and x.shape[-1] > 1 else y


def forgets_the_bias(x, weight, bias, **kwargs):
    return conv_transpose(x, weight, None, **kwargs)


def off_with_groups(x, weight, bias, *, groups, **kwargs):
    y = conv_transpose(x, weight, bias, groups=groups, **kwargs)
    return y * 1.01 if groups > 1 else y


def hangs_on_dilation(x, weight, bias, **kwargs):
    if max(kwargs["dilation"]) > 1:
        time.sleep(60)
    return conv_transpose(x, weight, bias, **kwargs)
"""


@pytest.fixture
def impls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The module above, importable by name (from a fresh current directory, as ``--impl`` imports)."""
    name = f"isolation_impls_{tmp_path.name}".replace("-", "_")
    (tmp_path / f"{name}.py").write_text(IMPLS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    module = __import__(name)
    yield module
    sys.modules.pop(name, None)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def failure_of(impl: Callable[..., Any], **options: Any) -> NonConformance:
    with pytest.raises(NonConformance) as raised:
        check_conv_transpose(impl, **{"examples": 30, "seed": 1, "dtypes": ("float64",), **options})
    return raised.value


def test_an_abort_is_a_crashed_failure_with_the_configuration_and_a_reproducer(impls: Any) -> None:
    failure = failure_of(impls.aborts_on_groups, isolate=True, max_dims=1, only={"groups": 2}, examples=1)
    assert failure.problem == "crashed" and failure.verdict == "crashed" and failure.case.groups > 1
    assert str(failure).startswith("crashed the process it ran in (killed by signal 6 (SIGABRT))")
    assert "configuration: ConvTransposeCase(" in str(failure)
    assert "context.Process(target=aborts_on_groups" in failure.reproducer and "process.join()" in failure.reproducer
    compile(failure.reproducer, "reproducer", "exec")  # a script that runs as printed


def test_a_sys_exit_in_the_implementation_is_a_crash(impls: Any) -> None:
    failure = failure_of(impls.exits, isolate=True)
    assert failure.problem == "crashed" and "called sys.exit(3)" in str(failure)


def test_a_call_that_never_returns_is_hung(impls: Any) -> None:
    failure = failure_of(impls.hangs_on_dilation, isolate=True, timeout=0.5, only={"dilation": 2}, examples=1)
    assert failure.problem == "hung" and "no answer within 0.5 s" in str(failure)


def test_two_calls_that_differ_beyond_the_bound_are_nondeterministic(impls: Any) -> None:
    failure = failure_of(impls.noisy)  # in this process: the repeated call is enough
    assert failure.problem == "values" and failure.verdict == "nondeterministic"
    assert "verdict: nondeterministic (two calls on the same inputs differ beyond the bound" in str(failure)


def test_wrong_only_after_earlier_calls_is_history_dependent(impls: Any) -> None:
    failure = failure_of(impls.wrong_after_five_calls, isolate=True)
    assert failure.problem == "values" and failure.verdict == "history-dependent"
    assert "verdict: history-dependent (right in a fresh process" in str(failure)


def test_a_plain_bug_is_wrong_in_a_fresh_process_too(impls: Any) -> None:
    failure = failure_of(impls.forgets_the_bias, isolate=True)
    assert failure.verdict == "wrong" and "and in a fresh process" in str(failure)
    in_process = failure_of(impls.forgets_the_bias)
    assert in_process.verdict == "wrong" and "verdict" not in str(in_process)  # the message as it always was


def test_a_flaky_failure_never_escapes(impls: Any) -> None:
    """Hypothesis raises ``FlakyFailure`` when a failing case passes on replay; the kit reports a verdict."""
    try:
        check_conv_transpose(impls.wrong_every_other_call, examples=50, seed=0, dtypes=("float64",))
    except NonConformance as failure:
        assert failure.verdict == "nondeterministic"
    except HypothesisException as error:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"a hypothesis exception escaped: {type(error).__name__}")
    else:  # pragma: no cover
        pytest.fail("an implementation wrong on every other call passed")


def test_an_implementation_a_worker_cannot_import_is_refused_with_the_way_out() -> None:
    def local(x: Any, weight: Any, bias: Any, **kwargs: Any) -> Any:
        return conv_transpose(x, weight, bias, **kwargs)

    assert importable(local) is None and importable(conv_transpose) is conv_transpose
    with pytest.raises(NotImportable, match=r"cannot be imported by name .* pass isolate=False"):
        check_conv_transpose(local, isolate=True)
    with pytest.raises(ValueError, match="jobs > 1 runs the implementation in worker processes"):
        check_conv_transpose(local, jobs=2, isolate=False)


def test_jobs_give_the_verdicts_of_one_job(impls: Any) -> None:
    """Areas in two worker processes draw the cases of one: the same cells, passing and failing (an implementation
    wrong with groups passes the areas that draw none)."""
    one = check_areas(impls.off_with_groups, examples=10, seed=3, dtypes=("float64",), isolate=True)
    two = check_areas(impls.off_with_groups, examples=10, seed=3, dtypes=("float64",), jobs=2)
    cells = {a: (c.status, c.problem, c.cases) for a, c in one.cells.items()}
    assert cells == {a: (c.status, c.problem, c.cases) for a, c in two.cells.items()}
    assert {"pass", "fail"} <= {status for status, _, _ in cells.values()}
    report = check_conv_transpose(impls.correct, examples=10, seed=3, jobs=2, values="special")
    assert report.examples == {"float64": 10, "float32": 10} and report.seed == 3
    assert sum(report.coverage.values()) >= 20  # every share's coverage counts, merged


def test_the_default_seed_is_random_printed_and_repeatable(impls: Any) -> None:
    status, out, _ = run("check", "--impl", f"{impls.__name__}:correct", "--examples", "5", "--dtype", "float64")
    assert status == 0
    seed = int(re.search(r"seed (\d+) \(repeat with --seed \1\)", out).group(1))  # type: ignore[union-attr]
    first, second = (check_conv_transpose(impls.correct, examples=5).seed for _ in range(2))
    assert first != second  # random each time (equal with probability 2**-32)
    drawn: list[list[str]] = []
    for _ in range(2):
        cases: list[str] = []

        def record(x: Any, weight: Any, bias: Any, cases: list[str] = cases, **kwargs: Any) -> Any:
            cases.append(f"{x.shape} {weight.shape} {kwargs}")
            return conv_transpose(x, weight, bias, **kwargs)

        assert check_conv_transpose(record, examples=10, seed=seed, dtypes=("float64",)).seed == seed
        drawn.append(cases)
    assert drawn[0] == drawn[1]
