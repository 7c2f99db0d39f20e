"""The frameworks registry: what each framework module declares, and who reads it.

* Every module listed in ``FRAMEWORKS`` declares its conventions, implementations and peers, and
  gives a reason for every limit; the registry's names are unique and consistent.
* The CLI's ``--framework`` and ``--convention`` choices and the kit's conventions are the
  registry's (adding a framework touches no list elsewhere).
* A framework module imports only the core and the package's own helpers, and importing the
  registry imports no framework.
* The reverse mappings refuse exactly what the declarations say the API lacks (groups).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from transposed_conv import cli, frameworks, testing
from transposed_conv.frameworks import (
    CONVENTIONS,
    FEATURES,
    FRAMEWORKS,
    IMPLEMENTATIONS,
    PEERS,
    Convention,
    Implementation,
    Inexpressible,
    Supports,
)
from transposed_conv.shapes import ConvTransposeGeometry
from transposed_conv.strategies import CONVENTION_CASES

PACKAGE = Path(frameworks.__file__).parent
#: What a framework module may import at module level: the core (Base, Arrays, Ops) and the package's helpers.
CORE = {"shapes", "_normalize", "_arguments", "_integers", "_memory", "transpose", "conv"}
FRAMEWORK_PACKAGES = ("torch", "jax", "jaxlib", "tensorflow", "keras", "onnx", "onnxruntime")


@pytest.mark.parametrize("module", FRAMEWORKS, ids=lambda module: module.__name__.rsplit(".", 1)[1])
def test_every_framework_module_declares_its_conventions_implementations_and_peers(module: Any) -> None:
    for name in ("CONVENTIONS", "IMPLEMENTATIONS", "PEERS"):
        assert isinstance(getattr(module, name), tuple), f"{module.__name__}.{name} must be a tuple"
        assert name in module.__all__
    assert module.CONVENTIONS or module.IMPLEMENTATIONS or module.PEERS, f"{module.__name__} declares nothing"
    for convention in module.CONVENTIONS:
        assert isinstance(convention, Convention)
        assert "Examples" in (inspect.getdoc(convention.function) or ""), convention.name
        assert "Examples" in (inspect.getdoc(convention.arguments) or ""), convention.name
        assert set(convention.draws) <= {"plain", "padding modes", "asymmetric"} and "plain" in convention.draws
    for implementation in module.IMPLEMENTATIONS + module.PEERS:
        assert isinstance(implementation, Implementation)
        assert isinstance(implementation.supports, Supports)
        assert implementation.impl.__module__ == module.__name__, "the wrapper lives with its framework"
    for implementation in module.PEERS:
        assert implementation.convention == "torch", "a peer is called in PyTorch's convention"


def test_the_registry_collects_every_declaration_once() -> None:
    assert list(CONVENTIONS) == [c.name for module in FRAMEWORKS for c in module.CONVENTIONS]
    assert len({i.name for i in IMPLEMENTATIONS}) == len(IMPLEMENTATIONS)
    assert list(PEERS) == [p.name for module in FRAMEWORKS for p in module.PEERS]
    assert all(implementation.convention in CONVENTIONS for implementation in IMPLEMENTATIONS + tuple(PEERS.values()))
    assert next(iter(CONVENTIONS)) == "torch", "PyTorch's convention is ours: the kit's default comes first"


def _choices(command: str, option: str) -> list[str]:
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in commands.choices[command]._actions if option in a.option_strings)
    return list(action.choices or ())


def test_the_cli_choices_are_the_registry() -> None:
    assert _choices("check", "--framework") == ["all", *PEERS, "ours"]
    assert _choices("check", "--convention") == list(CONVENTIONS)


def test_the_kit_knows_every_convention_of_the_registry() -> None:
    """``check_conv_transpose`` takes every registered convention, and each has a case strategy to draw it."""
    assert testing.CONVENTIONS == tuple(CONVENTIONS)
    assert set(CONVENTION_CASES) == set(CONVENTIONS)


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_framework_modules_import_only_the_core_and_their_helpers(path: Path) -> None:
    """No framework at module level (they are imported inside the wrappers), and nothing above the core:
    never the kit, the report, the vectors, the oracle or the CLI."""
    tree = ast.parse(path.read_text())
    for node in tree.body:  # module level only; the wrappers import their framework inside
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            assert not any(name.split(".")[0] in FRAMEWORK_PACKAGES for name in names), (path.name, names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0:
                assert module.split(".")[0] not in (*FRAMEWORK_PACKAGES, "transposed_conv"), (path.name, module)
            elif node.level == 2:  # from ..X: the core only
                assert module.split(".")[0] in CORE, (path.name, module)
            elif node.level == 1:  # from .X: the package's private helpers (the registry imports the modules)
                assert module.startswith("_") or (path.name == "__init__.py" and not module), (path.name, module)
            else:
                raise AssertionError((path.name, node.level, module))


def test_importing_the_registry_imports_no_framework() -> None:
    code = (
        "import sys, transposed_conv.frameworks\n"
        f"print(sorted(name for name in sys.modules if name.split('.')[0] in {FRAMEWORK_PACKAGES!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


GROUPED = ConvTransposeGeometry(
    input_shape=(3, 3),
    kernel_shape=(2, 2),
    stride=(2, 2),
    padding=((0, 0), (0, 0)),
    output_padding=(0, 0),
    dilation=(1, 1),
    groups=2,
    in_channels=4,
    out_channels=2,
)


@pytest.mark.parametrize("convention", list(CONVENTIONS.values()), ids=list(CONVENTIONS))
def test_a_grouped_geometry_is_expressible_exactly_where_groups_are_declared(convention: Convention) -> None:
    if convention.supports.expresses("groups"):
        assert convention.arguments(GROUPED, batch=1)
    else:
        with pytest.raises(Inexpressible, match="groups"):
            convention.arguments(GROUPED, batch=1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"lacks": {"bias": "none"}}, r"^Supports.lacks must name features from \[.*\]; got \['bias'\]"),
        ({"fails": {"groups": ""}}, r"^Supports.fails must give a reason for every limit"),
    ],
    ids=["unknown feature", "no reason"],
)
def test_a_limit_names_a_known_feature_and_gives_its_reason(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Supports(**arguments)


def test_what_an_implementation_runs_decides_the_kits_draw() -> None:
    """``lacks`` and ``fails`` both keep a feature out of ``check``'s draw; only ``lacks`` makes a report area n/a."""
    supports = Supports(lacks={"groups": "no groups"}, fails={"float64": "float32 only", "dilation": "no dilation"})
    peer = Implementation("fake", "numpy", "torch", print, supports)
    assert peer.dtypes == ("float32",)
    assert peer.draw_options == {"max_groups": 1, "max_dilation": 1}
    assert peer.features == frozenset(FEATURES) - {"groups"}
    assert Implementation("old", "numpy", "torch", print, frozenset({"groups"})).features == {"groups"}  # type: ignore[arg-type]
