"""The package's imports read as floors, and stay that way: each module imports only from its floor or below.

The floors, from the bottom (issue 12, ``STYLE.md``)::

    Base        shapes, _normalize, _memory, _threads, _integers  plain integers and leaf helpers
    Arrays      _arguments                                   array checks and dtype rules
    Methods     methods.*                                    one module per algorithm (Base only)
    Ops         transpose, conv                              the public operations, method choice
    Frameworks  frameworks.*, conventions, peers             one module per framework    } side by side,
    Nets        gradients, layers, export                    backward passes, the decoder } neither imports the other
    Oracle      oracle, _literals, translate                 reference results, bounds, reproducers; translations
    Public      __init__                                     the public API, re-exported
    Kit         strategies, testing, report, vectors         the conformance kit          } side by side,
    Teaching    viz, explain                                 figures and worked examples  } neither imports the other
    Face        cli, __main__                                every argparse parser

``_literals`` writes the reproducer scripts' literals (arrays bit for bit); only the oracle and the kit print
reproducers, so it sits with the oracle rather than in Base, which holds no arrays.  ``translate`` reads the
frameworks' mappings and verifies with the oracle.  ``__init__`` re-exports Ops, Frameworks, Nets and
``translate``, so it sits just above them; the kit reads ``__version__`` from it.

The imports are read with :mod:`ast`, without importing anything: ``import transposed_conv.x``, ``from . import
x``, ``from ..shapes import y``, at module level and inside functions alike (a lazy import is still a
dependency).  Imports under ``if TYPE_CHECKING:`` obey the floors too but never run, so they are left out of
the cycle check.  Importing ``transposed_conv.a.b`` also runs ``transposed_conv.a``'s ``__init__``; those
implicit parent imports are not edges here (the parent package is on the same floor, or is the public face).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "transposed_conv"
PACKAGE_DIR = Path(__file__).resolve().parent.parent / PACKAGE

#: Each floor's rank: a module may import from a lower rank or from its own floor, never from a
#: floor of the same rank but another name (Frameworks and Nets, Kit and Teaching stand side by side).
RANKS = {
    "Base": 0,
    "Arrays": 1,
    "Methods": 2,
    "Ops": 3,
    "Frameworks": 4,
    "Nets": 4,
    "Oracle": 5,
    "Public": 6,
    "Kit": 7,
    "Teaching": 7,
    "Face": 8,
}

#: Every module's floor, by its name relative to the package ("" is ``__init__``).  A name ending in
#: ``.*`` places the package and every module under it.
FLOORS = {
    "shapes": "Base",
    "_normalize": "Base",
    "_memory": "Base",
    "_threads": "Base",
    "_integers": "Base",
    "_arguments": "Arrays",
    "methods.*": "Methods",
    "transpose": "Ops",
    "conv": "Ops",
    "frameworks.*": "Frameworks",
    "conventions": "Frameworks",
    "peers": "Frameworks",
    "gradients": "Nets",
    "layers": "Nets",
    "export": "Nets",
    "": "Public",
    "oracle": "Oracle",
    "_literals": "Oracle",
    "translate": "Oracle",
    "strategies.*": "Kit",
    "testing": "Kit",
    "report": "Kit",
    "vectors": "Kit",
    "_isolation": "Kit",
    "viz": "Teaching",
    "explain": "Teaching",
    "cli": "Face",
    "__main__": "Face",
}

#: Floors that may import only from these floors (their own included), stricter than the rank rule.
ONLY_FROM = {"Methods": {"Base", "Methods"}}

#: What a floor must never import, whatever the ranks say, with the reason.
NEVER = {
    "Frameworks": {
        "Oracle": "a framework module never imports the oracle",
        "Kit": "a framework module never imports the kit or the report",
        "Face": "a framework module never imports the CLI",
    },
}

#: The only module that may import the CLI.
CLI, CLI_IMPORTERS = f"{PACKAGE}.cli", {f"{PACKAGE}.__main__"}


@dataclass(frozen=True)
class Import:
    """One import of a package module: who imports what, where, and whether it runs."""

    importer: str
    imported: str
    line: int
    lazy: bool  # inside a function (runs when called)
    type_only: bool  # under ``if TYPE_CHECKING:`` (never runs)

    def __str__(self) -> str:
        return f"{self.importer} imports {self.imported}"

    @property
    def where(self) -> str:
        """The line, and how the import runs when it does not run on import."""
        how = ", inside a function" if self.lazy else ", under TYPE_CHECKING" if self.type_only else ""
        return f"(line {self.line}{how})"


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root``, by dotted name (a package by its own name)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(
    node: ast.AST, *, lazy: bool = False, type_only: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import statement under ``node``, with whether it sits in a function or a ``TYPE_CHECKING`` block."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, lazy, type_only
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _import_nodes(ast.Module(body=[statement], type_ignores=[]), lazy=lazy, type_only=True)
            for statement in child.orelse:
                yield from _import_nodes(ast.Module(body=[statement], type_ignores=[]), lazy=lazy, type_only=type_only)
        else:
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from _import_nodes(child, lazy=inner, type_only=type_only)


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module name of ``from <node.module> import ...`` written in ``importer``."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def package_imports(root: Path, package: str) -> list[Import]:
    """Every import, in every module of the package under ``root``, of a module of that package."""
    modules = module_names(root, package)
    found = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node, lazy, type_only in _import_nodes(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                source = _resolve(importer, is_package, node)
                for alias in node.names:  # ``from pkg import sub`` imports the module pkg.sub
                    submodule = f"{source}.{alias.name}"
                    targets.append(submodule if submodule in modules else source)
            for target in dict.fromkeys(targets):
                if target == package or target.startswith(package + "."):
                    found.append(Import(importer, target, node.lineno, lazy, type_only))
    return found


def floor_of(module: str, package: str = PACKAGE, floors: dict[str, str] = FLOORS) -> str | None:
    """The floor ``module`` is assigned in ``floors``, or ``None``."""
    name = module[len(package) + 1 :] if module != package else ""
    if name in floors:
        return floors[name]
    for pattern, floor in floors.items():
        if pattern.endswith(".*") and (name == pattern[:-2] or name.startswith(pattern[:-1])):
            return floor
    return None


def layering_violations(imports: list[Import], package: str = PACKAGE, floors: dict[str, str] = FLOORS) -> list[str]:
    """Each import that breaks a floor rule, as ``'<import>: <rule>'``."""
    problems = []
    for edge in imports:
        here, there = floor_of(edge.importer, package, floors), floor_of(edge.imported, package, floors)
        if here is None or there is None or here == there:
            continue
        if there in NEVER.get(here, {}):
            problems.append(f"{edge}: {NEVER[here][there]} {edge.where}")
        elif here in ONLY_FROM and there not in ONLY_FROM[here]:
            allowed = " and ".join(sorted(ONLY_FROM[here]))
            problems.append(f"{edge}: {here} may import only {allowed}, not {there} {edge.where}")
        elif RANKS[there] > RANKS[here]:
            problems.append(f"{edge}: {here} may not import {there}, a floor above {edge.where}")
        elif RANKS[there] == RANKS[here]:
            problems.append(f"{edge}: {here} may not import {there}, which stands beside it {edge.where}")
    return sorted(problems)


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """The modules caught in import cycles, one sorted list per strongly connected component of the
    module-level import graph (lazy and ``TYPE_CHECKING`` imports left out: they run after every module loads)."""
    graph: dict[str, set[str]] = {}
    for edge in imports:
        if not (edge.lazy or edge.type_only):
            graph.setdefault(edge.importer, set()).add(edge.imported)
            graph.setdefault(edge.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def connect(module: str) -> None:  # Tarjan's algorithm
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph[module]:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return sorted(cycles)


def cli_importers(imports: list[Import], cli: str = CLI, allowed: set[str] = CLI_IMPORTERS) -> list[str]:
    """Each import of the CLI by a module other than ``allowed``."""
    return sorted(f"{edge} {edge.where}" for edge in imports if edge.imported == cli and edge.importer not in allowed)


IMPORTS = package_imports(PACKAGE_DIR, PACKAGE)


def test_every_module_is_assigned_a_floor() -> None:
    """A new module must be placed on a floor (``FLOORS``) before the layering can be checked for it."""
    unplaced = [module for module in module_names(PACKAGE_DIR, PACKAGE) if floor_of(module) is None]
    assert not unplaced, f"modules without a floor (add them to FLOORS in {Path(__file__).name}): {unplaced}"


def test_the_walk_finds_the_package_imports() -> None:
    """The walk sees the package's own imports (a walk that found nothing would pass every rule; the made-up
    package below checks each kind of import statement)."""
    edges = {(edge.importer, edge.imported) for edge in IMPORTS}
    assert (f"{PACKAGE}.transpose", f"{PACKAGE}.methods.direct") in edges  # from .methods import direct
    assert (f"{PACKAGE}.__main__", f"{PACKAGE}.cli") in edges  # from .cli import main_exit


def test_each_module_imports_only_from_its_floor_or_below() -> None:
    """Base -> Arrays -> Methods -> Ops -> Frameworks | Nets -> Oracle -> Public -> Kit | Teaching -> Face,
    lazy and ``TYPE_CHECKING`` imports included; Methods import Base only; a framework module never imports
    the oracle, the kit, the report or the CLI."""
    problems = layering_violations(IMPORTS)
    assert not problems, "imports that break the floors:\n" + "\n".join(problems)


def test_nothing_imports_the_cli() -> None:
    """The CLI is the top of the house: only ``python -m transposed_conv`` (``__main__``) imports it."""
    importers = cli_importers(IMPORTS)
    assert not importers, "only __main__ may import the CLI:\n" + "\n".join(importers)


def test_no_import_cycles() -> None:
    """The module-level import graph has no cycle (a function-level import runs after every module is loaded)."""
    cycles = import_cycles(IMPORTS)
    assert not cycles, "modules that import each other, in a cycle:\n" + "\n".join(", ".join(c) for c in cycles)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_the_rules_catch_each_kind_of_bad_import(tmp_path: Path) -> None:
    """A made-up package with one bad import of each kind: each is named, with its rule, and the cycle is found."""
    root = _write(
        tmp_path,
        {
            "__init__.py": "from .ops import run\n",
            "shapes.py": "def lazy():\n    from pkg import ops\n",  # lazy, absolute, upwards: no cycle
            "ops.py": "from .methods import fast\nfrom . import shapes\n",
            "methods/__init__.py": "",
            "methods/fast.py": "from typing import TYPE_CHECKING\nfrom .._arguments import g\n"
            "if TYPE_CHECKING:\n    from ..kit import K\n",
            "_arguments.py": "import pkg.shapes\n",
            "frameworks/__init__.py": "from . import torch\n",
            "frameworks/torch.py": "from ..kit import K\nfrom ..nets import N\n",
            "nets.py": "from .frameworks import torch\n",
            "kit.py": "from .cli import main\n",
            "cli.py": "from . import run\n",
        },
    )
    floors = {
        "shapes": "Base",
        "_arguments": "Arrays",
        "methods.*": "Methods",
        "ops": "Ops",
        "frameworks.*": "Frameworks",
        "nets": "Nets",
        "": "Public",
        "kit": "Kit",
        "cli": "Face",
    }
    imports = package_imports(root, "pkg")
    assert layering_violations(imports, "pkg", floors) == [
        "pkg.frameworks.torch imports pkg.kit: a framework module never imports the kit or the report (line 1)",
        "pkg.frameworks.torch imports pkg.nets: Frameworks may not import Nets, which stands beside it (line 2)",
        "pkg.kit imports pkg.cli: Kit may not import Face, a floor above (line 1)",
        "pkg.methods.fast imports pkg._arguments: Methods may import only Base and Methods, not Arrays (line 2)",
        "pkg.methods.fast imports pkg.kit: Methods may import only Base and Methods, not Kit "
        "(line 4, under TYPE_CHECKING)",
        "pkg.nets imports pkg.frameworks.torch: Nets may not import Frameworks, which stands beside it (line 1)",
        "pkg.shapes imports pkg.ops: Base may not import Ops, a floor above (line 2, inside a function)",
    ]
    assert cli_importers(imports, "pkg.cli", {"pkg.__main__"}) == ["pkg.kit imports pkg.cli (line 1)"]
    assert import_cycles(imports) == [["pkg.frameworks.torch", "pkg.nets"]]
