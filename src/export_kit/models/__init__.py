"""Generated pydantic models for every export request and response shape.

One module per service, loaded on first access so ``import export_kit`` stays
fast: ``from export_kit.models import omics`` or ``export_kit.models.omics``.
``UnknownMember`` (a union member AWS added after codegen) loads the same way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from export_kit._shapes import UnknownMember

    from . import discovery, m2, omics, personalize, simpledbv2

__all__ = ["SERVICES", "UnknownMember", "discovery", "m2", "omics", "personalize", "simpledbv2"]

#: botocore service names covered by export_kit, in the order docs/index.md lists them.
SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")


def __getattr__(name: str) -> Any:
    if name in SERVICES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "UnknownMember":  # loads pydantic, so only when asked for
        return importlib.import_module("export_kit._shapes").UnknownMember
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
