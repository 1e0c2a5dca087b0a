"""The emulator's structure: one handler table fed by one module per service, the service
list from ``export_kit.models.SERVICES``, and no model module ever imported."""

from __future__ import annotations

import subprocess
import sys

import export_kit.local
from export_kit.local import OPERATIONS
from export_kit.local._handlers import omics
from export_kit.local._rules import RULES
from export_kit.local._table import HANDLERS
from export_kit.models import SERVICES


def test_every_service_of_the_one_list_has_its_rules_and_handlers() -> None:
    assert tuple(OPERATIONS) == SERVICES
    assert tuple(RULES) == SERVICES
    assert set(HANDLERS) == {(s, op) for s, ops in OPERATIONS.items() for op in ops}
    assert HANDLERS[("omics", "GetReadSetExportJob")] is omics.get_read_set_export_job


def test_the_emulator_never_imports_a_model_module() -> None:
    code = (
        "import sys, export_kit.local as l; l.Emulator(clock='manual'); "
        "print(sorted(m for m in sys.modules if m.startswith('export_kit.models.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_clock_protocol_is_named_emulator_clock() -> None:
    assert "EmulatorClock" in export_kit.local.__all__
    assert "Clock" not in export_kit.local.__all__
