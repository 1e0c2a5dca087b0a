"""The five services' export operations, one module per service.

Each module registers its service's facts (``_rules.register``) and its operations'
handlers (``@handles``); this package loads one module for every name in
``export_kit.models.SERVICES`` (the one list of services; importing the ``models``
package loads no model module).  Adding a service means adding its module here.
"""

from __future__ import annotations

import importlib
from typing import Final

from export_kit.local._rules import RULES
from export_kit.local._table import HANDLERS
from export_kit.models import SERVICES

for _service in SERVICES:
    importlib.import_module(f"{__name__}.{_service}")

#: Service (botocore name) -> the export operations the emulator serves.
OPERATIONS: Final[dict[str, tuple[str, ...]]] = {
    service: tuple(op for (owner, op) in HANDLERS if owner == service) for service in SERVICES
}

_incomplete = [s for s in SERVICES if s not in RULES or not OPERATIONS[s]]
if _incomplete:
    raise RuntimeError(f"local/_handlers has no rules or handlers for {_incomplete}")
