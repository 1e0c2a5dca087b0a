"""Generated pydantic models for every export request and response shape.

One module per service, loaded on first access so ``import export_kit`` stays
fast: ``from export_kit.models import omics`` or ``export_kit.models.omics``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import discovery, m2, omics, personalize, simpledbv2

__all__ = ["SERVICES", "discovery", "m2", "omics", "personalize", "simpledbv2"]

#: botocore service names covered by export_kit, in DESIGN.md order.
SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")


def __getattr__(name: str) -> ModuleType:
    if name in SERVICES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
