"""The kit catches every mutant in the zoo, in the tier it lives in, and passes the correct implementation.

The full campaign (every mutant, the default budget, three seeds) is ``python -m tests.mutants
--kill-table``, which writes the kill table of ``docs/conformance.md``; here each mutant is hunted
once, on seed 0, and the table is checked against what the generator writes for the kills it records.
"""

from __future__ import annotations

import time

import pytest

from tests.mutants import (
    CONTROLS,
    DOCS,
    EXAMPLES,
    HABITATS,
    MUTANTS,
    SEEDS,
    control_run,
    control_table,
    documented_control_table,
    documented_controls,
    documented_kills,
    documented_table,
    habitat,
    hunt,
    kill_table,
)
from transposed_conv.testing import check_conv_transpose

#: Cases per tier when a mutant is hunted here, on seed 0: a stress region or special kind draws its share (4 and 5),
#: and what comes before the mutant's region stays cheap (the campaign hunts with the default budget, 200, on three
#: seeds).  Most of a hunt's time is hypothesis shrinking the failure, whatever the budget.
CI_EXAMPLES = {"small": EXAMPLES, "stress": 44, "special": 35}
#: Measured exceptions: with one case per stress region the wrapped index is first drawn in its own region and shrunk
#: in 0.2 s; from two per region, hypothesis first finds it in a long-sides case of 132,750 output elements and takes
#: 10 to 18 s to shrink it (every candidate a large array).
#: The 3-D depth stride bug needs a depth of 5 or more, first drawn on seed 0 at the sixth 3-D case.
HUNT_EXAMPLES = {"output_index_wraps_beyond_2_17": 11, "depth_stride_read_from_height": 66}
#: Cases for the small tier alone on a stress or special mutant: it must pass them (the campaign checks the
#: default budget on three seeds).
SMALL_ONLY_EXAMPLES = 10
OUTSIDE_THE_SMALL_TIER = sorted(name for name in MUTANTS if habitat(name).tier != "small")


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_kit_catches_the_mutant_in_its_tier(name: str) -> None:
    """On seed 0, the mutant's tier reports it as the kill table says."""
    start = time.perf_counter()
    failure = hunt(name, seed=0, examples=HUNT_EXAMPLES.get(name, CI_EXAMPLES[habitat(name).tier]))
    assert failure is not None, f"{name} survived {habitat(name).label()}"
    assert failure.reproducer
    kill = documented_kills()[name]
    assert failure.problem in kill.problems and failure.verdict in kill.verdicts, (
        f"docs/conformance.md is out of date: {name} caught as {failure.problem!r} ({failure.verdict})"
    )
    print(f"{name}: {failure.problem} ({failure.verdict}) in {time.perf_counter() - start:.1f} s; {failure.case!r}")


@pytest.mark.parametrize("name", OUTSIDE_THE_SMALL_TIER)
def test_a_stress_or_special_mutant_passes_the_small_tier(name: str) -> None:
    """The blind spot the tier closes: the small cases alone (and, for two, the default symmetric padding) do not
    see the bug."""
    check_conv_transpose(MUTANTS[name], examples=SMALL_ONLY_EXAMPLES, seed=0, **habitat(name).options("small"))


@pytest.mark.parametrize("name", sorted(n for n, h in HABITATS.items() if h.extensions))
def test_the_asymmetric_padding_mutants_live_only_outside_the_default_draw(name: str) -> None:
    """The framework-true default (symmetric padding) cannot see them: the extension is what catches them."""
    check_conv_transpose(MUTANTS[name], examples=SMALL_ONLY_EXAMPLES, seed=0)


@pytest.mark.parametrize("name", [name for name in CONTROLS if name != "pytorch_as_it_is"])  # torch: test_check_areas
def test_the_controls_pass(name: str) -> None:
    """The control group passes ``check --impl`` in every tier (6 cases per area here; the campaign runs the default
    200 on three seeds), within the bound, with exit status 0."""
    status, worst, output = control_run(name, seed=0, extra=["--examples", "6"])
    assert status == 0, output
    assert 0 <= worst <= 1 and "FAIL" not in output and "stress regions" in output and "special values" in output


def test_the_control_table_lists_every_control_passing_every_seed() -> None:
    """Every control has a row, passing on all three seeds within the bound, rendered from the control group."""
    recorded = documented_controls()
    assert list(recorded) == list(CONTROLS)
    assert all(seeds == SEEDS and 0 <= worst <= 1 for seeds, worst in recorded.values())
    assert documented_control_table() == control_table(recorded)


def test_the_kill_table_is_what_the_generator_writes() -> None:
    """Every mutant has a row, caught on all three seeds, and the rows (bug, tier) are rendered from the zoo."""
    kills = documented_kills()
    assert set(kills) == set(MUTANTS), f"rerun python -m tests.mutants --kill-table ({DOCS})"
    assert all(kill.seeds == SEEDS for kill in kills.values()), {n: k.seeds for n, k in kills.items()}
    assert documented_table() == kill_table(kills)


def test_the_zoo_is_large_and_lives_in_every_tier() -> None:
    """At least 50 bugs, a docstring naming each; a third of them outside the small tier; some run isolated."""
    assert len(MUTANTS) >= 50
    for name, mutant in MUTANTS.items():
        assert mutant.__doc__ and len(mutant.__doc__) > 20, name
    assert 3 * len(OUTSIDE_THE_SMALL_TIER) - sum(bool(HABITATS[n].extensions) for n in HABITATS) >= len(MUTANTS)
    verdicts = {verdict for kill in documented_kills().values() for verdict in kill.verdicts}
    assert {"crashed", "hung", "nondeterministic", "history-dependent"} <= verdicts
