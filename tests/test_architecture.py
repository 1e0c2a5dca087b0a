"""The layers of ``src/export_kit`` (docs/architecture.md) hold, with no import cycle.

Edges come from ``tests/_imports.py``: every import of ours, type-only and function-local ones
included.  A module may import modules of lower layers, and modules of its own group in its
own layer; nothing else.  Every module also imports on its own in a fresh interpreter, in
alphabetical and in reverse order, so no module depends on another having been imported
first.
"""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
from pathlib import Path

import pytest

from ._imports import cycles, import_graph, module_files

#: Bottom to top; each entry is one layer, a tuple of groups (fnmatch patterns).  The same
#: table, with what each layer is for, is in docs/architecture.md.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("export_kit._interfaces", "export_kit._backoff", "export_kit._config"),
    ("export_kit.errors",),
    ("export_kit._shapes",),
    (
        "export_kit.models",
        "export_kit.models.*",
        "export_kit._dispatch",
        "export_kit.paging",
        "export_kit.waiting",
    ),
    ("export_kit.services", "export_kit.services.*", "export_kit.local", "export_kit.local.*"),
    ("export_kit._poller",),
    ("export_kit.jobs",),
    ("export_kit._facades", "export_kit._facades.*"),
    ("export_kit._kit",),
    ("export_kit._demo",),
    ("export_kit",),
    ("export_kit.cli", "export_kit.airflow", "export_kit.airflow.*", "export_kit.pytest_plugin"),
)


def _place(module: str) -> tuple[int, str]:
    """(layer, group) of ``module``; the group is the pattern it matched, without ``.*``."""
    for layer, groups in enumerate(LAYERS):
        for pattern in groups:
            if fnmatch.fnmatchcase(module, pattern):
                return layer, pattern.removesuffix(".*")
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(import_graph()) == []


def test_every_import_goes_down_a_layer_or_stays_in_its_group() -> None:
    wrong: list[str] = []
    for module, imported in sorted(import_graph().items()):
        layer, group = _place(module)
        for other in sorted(imported):
            other_layer, other_group = _place(other)
            if other_layer > layer or (other_layer == layer and other_group != group):
                wrong.append(f"{module} (layer {layer}) imports {other} (layer {other_layer})")
    assert wrong == []


def test_the_leaves_import_nothing_of_ours() -> None:
    graph = import_graph()
    for leaf in LAYERS[0]:
        assert graph[leaf] == set(), leaf


@pytest.mark.parametrize("order", ["alphabetical", "reverse"])
def test_every_module_imports_in_a_fresh_interpreter(order: str) -> None:
    names = sorted(module_files())
    if order == "reverse":
        names.reverse()
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code, *names],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    root = Path(__file__).resolve().parent
    wrong: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(alias.name for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            last = {name.rpartition(".")[2] for name in names}
            if any(n.startswith("test_") or n == "conftest" for n in last):
                wrong.append(f"{path.relative_to(root)}:{node.lineno}")
    assert wrong == []


def test_docs_architecture_shows_the_same_layers() -> None:
    """The table in docs/architecture.md is ``LAYERS``, written for readers."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text()
    documented: list[tuple[str, ...]] = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            assert int(cells[0]) == len(documented), line
            names = [name.strip().strip("`") for name in cells[1].split(",")]
            documented.append(
                tuple(
                    "export_kit" + ("" if name == "export_kit" else "." + name)
                    for name in (n.replace("<service>", "*") for n in names)
                )
            )
    assert documented == list(LAYERS)
