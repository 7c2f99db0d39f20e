"""The kit catches every mutant in the zoo, and passes the correct implementations."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.mutants import MUTANTS, correct
from transposed_conv.testing import NonConformance, check_conv_transpose

EXAMPLES = 200  # the CI budget, whatever the profile: the kill table is a claim about this budget
KILL_TABLE = Path(__file__).resolve().parent.parent / "docs" / "conformance.md"
#: Mutants that only mishandle (begin, end) padding pairs, which PyTorch's API does not take: the torch
#: convention's default draw is framework-true (symmetric), so they are checked with the opt-in extension.
ASYMMETRIC_ONLY = {"end_padding_taken_from_begin", "odd_padding_on_the_wrong_side"}


def documented_problems() -> dict[str, str]:
    """mutant name -> 'caught as' from the kill table in docs/conformance.md."""
    rows = re.findall(r"^\| `(\w+)` \| .* \| `(\w+)` \| .* \|$", KILL_TABLE.read_text(), flags=re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_kit_catches_the_mutant(name: str) -> None:
    """With the CI example budget and a fixed seed, the kit reports this bug."""
    start = time.perf_counter()
    with pytest.raises(NonConformance) as raised:
        extensions = ["asymmetric padding"] if name in ASYMMETRIC_ONLY else []
        check_conv_transpose(MUTANTS[name], examples=EXAMPLES, seed=0, extensions=extensions)
    assert raised.value.reproducer
    assert raised.value.problem == documented_problems()[name], "docs/conformance.md is out of date"
    print(f"{name}: caught as {raised.value.problem!r} in {time.perf_counter() - start:.1f} s; {raised.value.case!r}")


def test_the_correct_implementation_passes() -> None:
    """The control: the same budget and seed pass a correct implementation, within the bound, and say so."""
    report = check_conv_transpose(correct, examples=EXAMPLES, seed=0)
    assert report.examples == {"float64": EXAMPLES, "float32": EXAMPLES}
    assert all(0 <= worst <= 1 for worst in report.worst_fraction.values())
    assert "conforms" in str(report)


def test_the_kill_table_lists_every_mutant() -> None:
    assert set(documented_problems()) == set(MUTANTS)


@pytest.mark.parametrize("name", sorted(ASYMMETRIC_ONLY))
def test_the_asymmetric_padding_mutants_live_only_outside_the_default_draw(name: str) -> None:
    """The framework-true default (symmetric padding) cannot see them: the extension is what catches them."""
    check_conv_transpose(MUTANTS[name], examples=50, seed=0)


def test_every_mutant_has_a_docstring_naming_its_bug() -> None:
    assert len(MUTANTS) >= 20
    for name, mutant in MUTANTS.items():
        assert mutant.__doc__ and len(mutant.__doc__) > 20, name
