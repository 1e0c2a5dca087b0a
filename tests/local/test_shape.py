"""The emulator's structure: one handler table fed by one module per service, the service
list from ``export_kit.models.SERVICES``, every operation prepared once and found by the
router, and no model module ever imported."""

from __future__ import annotations

import re
import subprocess
import sys

import export_kit.local
from export_kit.local import OPERATIONS
from export_kit.local._botocore import operation_model, service_model
from export_kit.local._handlers import omics
from export_kit.local._operations import Router, operations
from export_kit.local._rules import RULES
from export_kit.local._table import HANDLERS
from export_kit.local._validate import FieldError, member_wire_name
from export_kit.models import SERVICES


def test_every_service_of_the_one_list_has_its_rules_and_handlers() -> None:
    assert tuple(OPERATIONS) == SERVICES
    assert tuple(RULES) == SERVICES
    assert set(HANDLERS) == {(s, op) for s, ops in OPERATIONS.items() for op in ops}
    assert HANDLERS[("omics", "GetReadSetExportJob")] is omics.get_read_set_export_job


def test_every_operation_of_every_service_is_prepared_with_its_handler_protocol_and_check() -> None:
    table = operations()
    assert list(table) == [(s, op) for s in SERVICES for op in OPERATIONS[s]]
    for (service, name), operation in table.items():
        assert (operation.service, operation.name) == (service, name)
        assert operation.handler is HANDLERS[(service, name)]
        model = operation_model(service, name)
        wire_protocol = service_model(service).metadata["protocol"]
        assert operation.protocol == ("json" if wire_protocol == "json" else "rest-json")
        problems: list[FieldError] = []
        operation.check({}, "", problems)
        required = model.input_shape.required_members
        members = model.input_shape.members
        assert {p.path for p in problems} == {member_wire_name(m, members[m]) for m in required}


def test_the_router_finds_every_prepared_operation_from_what_a_signed_request_carries() -> None:
    router = Router()
    for (service, name), operation in operations().items():
        meta = service_model(service).metadata
        scope = meta.get("signingName", meta["endpointPrefix"])
        if operation.protocol == "json":
            call = router.identify("POST", "/", f"{meta['targetPrefix']}.{name}", scope)
        else:
            http = operation_model(service, name).http
            path = re.sub(r"\{[^}]+\}", "x-1", http["requestUri"].split("?", 1)[0])
            call = router.identify(http["method"], path, None, scope)
        assert call.operation is operation, (service, name)


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
