"""The botocore service models the emulator reads its wire formats from (cached, a leaf).

Everything the emulator knows about wire formats comes from the botocore JSON models that
aiobotocore installs, so the emulator and the official clients agree by construction.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session


@functools.cache
def _session() -> Any:
    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> Any:
    """The botocore ``ServiceModel`` for ``service`` (cached)."""
    return _session().get_service_model(service)


@functools.cache
def raw_shapes(service: str) -> dict[str, Any]:
    """The service model's raw shape definitions (keeps keys botocore's Shape drops, e.g. ``fault``)."""
    shapes: dict[str, Any] = _session().get_service_data(service)["shapes"]
    return shapes


def operation_model(service: str, operation: str) -> Any:
    """The botocore ``OperationModel`` of one served operation."""
    return service_model(service).operation_model(operation)
