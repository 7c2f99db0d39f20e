"""Importing the package stays light: no SciPy sparse arrays, hypothesis, matplotlib or framework until a call
needs one, and a module that needs an extra says which when it is missing.

These are checks of what gets imported (``python -X importtime``, in a fresh interpreter), not timings: the
project makes no timed assertions.  ``method="matrix"`` imports ``scipy.sparse`` when it runs, ``viz`` imports
matplotlib when it draws, and ``peers`` imports a framework when it calls it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

#: Modules that cost a tenth of a second or more to import, or belong to an optional extra.
HEAVY = ("scipy.sparse", "hypothesis", "matplotlib", "torch", "jax", "tensorflow", "keras", "onnx", "onnxruntime")

#: Modules usable without any extra: importing one must import nothing in HEAVY.
LIGHT_MODULES = [
    "transposed_conv",
    "transposed_conv.cli",
    "transposed_conv.conventions",
    "transposed_conv.explain",
    "transposed_conv.export",
    "transposed_conv.gradients",
    "transposed_conv.layers",
    "transposed_conv.oracle",
    "transposed_conv.peers",
    "transposed_conv.viz",
]


def _import_tree(*arguments: str) -> list[tuple[int, str]]:
    """``(depth, module)`` for each line of ``python -X importtime ARGUMENTS`` (children come before parents)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tree = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or line.rstrip().endswith("imported package"):
            continue
        name = line.rsplit("|", 1)[1]
        tree.append(((len(name) - len(name.lstrip())) // 2, name.strip()))
    assert tree, f"python -X importtime printed no imports:\n{result.stderr}"
    return tree


def _heavy_imports(tree: list[tuple[int, str]]) -> list[str]:
    """Each heavy module imported, with the chain that imported it (``a -> b -> scipy.sparse``)."""
    found = []
    for index, (depth, name) in enumerate(tree):
        if not any(name == heavy or name.startswith(heavy + ".") for heavy in HEAVY):
            continue
        chain = [name]
        for later_depth, later_name in tree[index + 1 :]:  # a module's importer is printed after it, one level up
            if later_depth < depth:
                chain.insert(0, later_name)
                depth = later_depth
        if not any(any(link == heavy or link.startswith(heavy + ".") for heavy in HEAVY) for link in chain[:-1]):
            found.append(" -> ".join(chain))  # only the outermost heavy import of each chain
    return found


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_importing_a_module_imports_no_heavy_or_optional_package(module: str) -> None:
    assert _heavy_imports(_import_tree("-c", f"import {module}")) == []


def test_the_command_help_imports_no_heavy_or_optional_package() -> None:
    """``transposed-conv --help`` builds every parser but runs no command."""
    assert _heavy_imports(_import_tree("-m", "transposed_conv", "--help")) == []


def test_the_import_check_sees_a_heavy_import() -> None:
    """The check above can fail: the matrix method imports scipy.sparse when it runs, and the chain is named."""
    found = _heavy_imports(
        _import_tree(
            "-c",
            "import numpy as np, transposed_conv as t; t.conv_transpose(np.ones((1, 1, 2)), "
            "np.ones((1, 1, 2)), method='matrix')",
        )
    )
    assert found == ["scipy.sparse"], found


@pytest.mark.parametrize(
    ("module", "named"),
    [
        ("transposed_conv.strategies", "transposed_conv.strategies"),
        ("transposed_conv.testing", "transposed_conv.testing"),
        ("transposed_conv.report", "transposed_conv.strategies"),  # the first kit module it imports
    ],
)
def test_the_kit_without_hypothesis_names_the_extra_to_install(module: str, named: str) -> None:
    """Without hypothesis, importing the strategies, the kit or the report is an ImportError naming the extra."""
    code = (
        "import sys\n"
        "sys.modules['hypothesis'] = None  # as if it were not installed\n"
        "try:\n"
        f"    import {module}\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f'{named} needs hypothesis: pip install "transposed-conv[kit]"'
