"""``tools/codegen.py`` loaded as a module, for the tests that call its functions."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


@cache
def codegen() -> ModuleType:
    """Import tools/codegen.py (a script, not a package)."""
    spec = importlib.util.spec_from_file_location(
        "export_kit_codegen", ROOT / "tools" / "codegen.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod
