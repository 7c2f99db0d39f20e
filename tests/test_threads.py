"""Threads and the scratch pool change no bit of any result; their settings are validated; no test here is timed.

* :func:`~transposed_conv._threads.parts` splits a range into consecutive, disjoint slices that cover it,
  never more than the threads set nor parts with less than ``MIN_PART`` of work;
* :func:`~transposed_conv._threads.run_parts` runs every part, in the caller's context (memory limit,
  NumPy's error state), raises a part's exception, and never splits again on a pool thread;
* ``conv_transpose`` (every method, with the depthwise path split into as many parts as groups) returns
  the same bits with 1, 2 or 3 threads: NaN where NaN, the same infinities, the same zero signs;
* :func:`~transposed_conv._memory.scratch` never lends one buffer to two holders, keeps at most
  ``KEPT_BYTES``, and no result is a view of a kept buffer.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_perf_paths import _with_specials
from transposed_conv import _threads, conv_transpose, get_threads, release_scratch, set_threads, threads
from transposed_conv._memory import get_memory_limit, memory_limit
from transposed_conv.methods import _buffers
from transposed_conv.methods._buffers import scratch, scratch_kept
from transposed_conv.strategies import ConvTransposeCase as Case
from transposed_conv.strategies import conv_transpose_cases as cases


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every pass worth splitting, however small: one element of work is enough for a part."""
    monkeypatch.setattr(_threads, "MIN_PART", 1)
    yield


@given(st.integers(0, 200), st.integers(0, 2**22), st.integers(1, 9))
def test_parts_cover_the_range_in_consecutive_disjoint_slices(total: int, elements: int, count: int) -> None:
    with threads(count):
        slices = _threads.parts(total, elements)
    assert slices[0].start == 0 and slices[-1].stop == total
    assert all(a.stop == b.start for a, b in itertools.pairwise(slices))
    assert all(s.stop > s.start for s in slices) or total == 0
    assert len(slices) <= max(1, min(count, total))
    if len(slices) > 1:  # every part has at least MIN_PART elements of work
        assert elements // len(slices) >= _threads.MIN_PART
        sizes = [s.stop - s.start for s in slices]
        assert max(sizes) - min(sizes) <= 1  # as even as the range allows


def test_run_parts_runs_every_part_in_the_callers_context(small_parts: None) -> None:
    seen: dict[int, tuple[int, str, int]] = {}

    def record(part: slice) -> None:
        for index in range(part.start, part.stop):
            seen[index] = (get_memory_limit(), np.geterr()["over"], threading.get_ident())

    with threads(3), memory_limit(12345), np.errstate(over="ignore"):
        _threads.run_parts(record, 6, 6)
    assert sorted(seen) == list(range(6))
    assert {limit for limit, _, _ in seen.values()} == {12345}
    assert {state for _, state, _ in seen.values()} == {"ignore"}
    idents = {ident for _, _, ident in seen.values()}
    assert threading.get_ident() in idents and len(idents) >= 2  # the caller's part, and the pool's


def test_run_parts_raises_a_parts_exception_after_every_part_finished(small_parts: None) -> None:
    finished: list[int] = []

    def fail_on_the_last(part: slice) -> None:
        if part.stop == 3:
            raise ArithmeticError("part 3")
        finished.append(part.start)

    with threads(3), pytest.raises(ArithmeticError, match="part 3"):
        _threads.run_parts(fail_on_the_last, 3, 3)
    assert sorted(finished) == [0, 1]


def test_a_part_never_splits_again_on_a_pool_thread(small_parts: None) -> None:
    inner: list[list[slice]] = []

    def outer(part: slice) -> None:
        calls: list[slice] = []
        _threads.run_parts(calls.append, 4, 4)
        inner.append(calls)

    with threads(2):
        _threads.run_parts(outer, 2, 2)
    assert sorted(len(calls) for calls in inner) == [1, 2]  # the caller's part splits, the pool's does not


@pytest.mark.parametrize(
    ("count", "error", "match"),
    [(0, ValueError, "threads"), (-2, ValueError, "threads"), (1.5, TypeError, "threads"), ("2", TypeError, "threads")],
    ids=["zero", "negative", "float", "string"],
)
def test_bad_thread_counts_are_refused_naming_the_parameter(count: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        set_threads(count)  # type: ignore[arg-type]
    with pytest.raises(error, match=match), threads(count):  # type: ignore[arg-type]
        pass


def test_set_threads_returns_the_previous_setting_and_threads_is_scoped() -> None:
    previous = set_threads(3)
    try:
        assert get_threads() == 3
        with threads(1):
            assert get_threads() == 1
        assert get_threads() == 3
    finally:
        assert set_threads(previous) == 3


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("0", 1), ("lots", None), ("", None)])
def test_the_environment_variable_sets_the_default(value: str, expected: int | None) -> None:
    environment = dict(os.environ, TRANSPOSED_CONV_NUM_THREADS=value)
    code = "from transposed_conv import get_threads; print(get_threads())"
    output = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    default = max(1, min(cpus, _threads.MAX_DEFAULT_THREADS))
    assert int(output.stdout) == (default if expected is None else expected)


@given(cases(values="normal"), st.integers(0, 2**32 - 1), st.booleans(), st.sampled_from(["auto", "im2col"]))
def test_results_are_the_same_bits_with_any_number_of_threads(
    case: Case, seed: int, depthwise: bool, method: str
) -> None:
    """Split into parts as small as one group (MIN_PART = 1), the sums are the same sums in the same order."""
    rng = np.random.default_rng(seed)
    x = _with_specials(case.x, rng)
    if depthwise:  # one input channel per group: the threaded path
        groups = case.in_channels
        w = _with_specials(rng.standard_normal((groups, 2, *case.kernel_shape)), rng)
    else:
        groups = case.groups
        w = _with_specials(case.weight, rng)
    kwargs = case.kwargs | {"groups": groups}
    saved, _threads.MIN_PART = _threads.MIN_PART, 1
    try:
        results = []
        for count in (1, 2, 3):
            with threads(count):
                results.append(conv_transpose(x, w, method=method, **kwargs))
    finally:
        _threads.MIN_PART = saved
    for other in results[1:]:
        np.testing.assert_array_equal(other, results[0])  # NaN equals NaN here
        number = ~np.isnan(results[0])  # a NaN's sign bit means nothing
        np.testing.assert_array_equal(np.signbit(other[number]), np.signbit(results[0][number]))


def test_scratch_never_lends_one_buffer_twice_and_keeps_at_most_kept_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    release_scratch()
    monkeypatch.setattr(_buffers, "KEPT_BYTES", 10_000)
    with scratch((100,), np.float64) as a, scratch((100,), np.float64) as b:
        assert not np.shares_memory(a, b)
        a.fill(1)
        b.fill(2)
        assert a.sum() == 100 and b.sum() == 200
    assert scratch_kept() == 1600
    with scratch((10,), np.float64) as small:  # the smallest buffer that fits is lent: the other stays kept
        assert scratch_kept() == 800 and small.size == 10
    with scratch((2000,), np.float64):  # larger than KEPT_BYTES: never kept
        pass
    assert scratch_kept() <= 10_000
    with scratch((5, 4), np.float32, zeroed=True) as zeros:
        assert zeros.shape == (5, 4) and not zeros.any()
    assert release_scratch() > 0 and scratch_kept() == 0


def test_no_result_is_a_view_of_a_kept_buffer() -> None:
    """A second call reuses the kept buffers: the first call's result must not change."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 16, 12, 12)).astype(np.float32)
    for groups, method in ((1, "im2col"), (1, "polyphase"), (16, "polyphase"), (4, "auto")):
        w = rng.standard_normal((16, 16 // groups, 4, 4)).astype(np.float32)
        first = conv_transpose(x, w, stride=2, padding=1, groups=groups, method=method)
        kept = first.copy()
        conv_transpose(-x, -w, stride=2, padding=1, groups=groups, method=method)
        np.testing.assert_array_equal(first, kept, err_msg=f"{method}, {groups} groups")


#: Run in a fresh interpreter, so that no other library's threads (JAX's, in this suite) are forked too.
FORK_AFTER_THE_POOL_RAN = """
import os, signal, sys
import numpy as np
from transposed_conv import _threads, conv_transpose, threads
_threads.MIN_PART = 1
def total():
    with threads(2):
        return float(conv_transpose(np.ones((1, 8, 5, 5)), np.ones((8, 1, 4, 4)), stride=2, groups=8).sum())
expected = total()  # the parent's pool has run
child = os.fork()
if child == 0:
    signal.alarm(30)  # a child waiting on threads it does not have dies here
    os._exit(0 if total() == expected else 3)
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_starts_its_own_pool_instead_of_waiting_on_the_parents_threads() -> None:
    """After the parent's pool has run, a child made by fork (multiprocessing's default on Linux) still splits."""
    done = subprocess.run([sys.executable, "-c", FORK_AFTER_THE_POOL_RAN], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the forked child ended with {done.returncode}: {done.stderr[-2000:]}"
