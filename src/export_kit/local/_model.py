"""The botocore service models the emulator serves, and how requests route to them.

Everything the emulator knows about wire formats comes from the botocore JSON models
that aiobotocore installs, so the emulator and the official clients agree by construction.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

import botocore.session

Protocol = Literal["json", "rest-json"]

#: Service (botocore name) -> the export operations the emulator serves.
OPERATIONS: Final[dict[str, tuple[str, ...]]] = {
    "m2": ("CreateDataSetExportTask", "GetDataSetExportTask", "ListDataSetExportHistory"),
    "personalize": ("CreateDatasetExportJob", "DescribeDatasetExportJob", "ListDatasetExportJobs"),
    "discovery": (
        "StartExportTask",
        "DescribeExportTasks",
        "StartContinuousExport",
        "DescribeContinuousExports",
        "StopContinuousExport",
    ),
    "simpledbv2": ("StartDomainExport", "GetExport", "ListExports"),
    "omics": ("StartReadSetExportJob", "GetReadSetExportJob", "ListReadSetExportJobs"),
}

SERVICES: Final = tuple(OPERATIONS)


@dataclass(frozen=True)
class Route:
    """One REST-JSON operation: its HTTP method and compiled request-URI template."""

    service: str
    operation: str
    method: str
    pattern: re.Pattern[str]


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


def protocol(service: str) -> Protocol:
    """The wire protocol of ``service``: ``json`` or ``rest-json``."""
    proto = service_model(service).metadata["protocol"]
    return "json" if proto == "json" else "rest-json"


@functools.cache
def signing_names() -> dict[str, str]:
    """SigV4 credential-scope service name -> botocore service name (``sdb`` -> simpledbv2)."""
    out: dict[str, str] = {}
    for service in SERVICES:
        meta = service_model(service).metadata
        out[meta.get("signingName", meta["endpointPrefix"])] = service
    return out


@functools.cache
def json_targets() -> dict[str, tuple[str, str]]:
    """``X-Amz-Target`` value -> (service, operation) for the JSON-protocol services."""
    out: dict[str, tuple[str, str]] = {}
    for service in SERVICES:
        if protocol(service) != "json":
            continue
        prefix = service_model(service).metadata["targetPrefix"]
        for op in OPERATIONS[service]:
            out[f"{prefix}.{op}"] = (service, op)
    return out


def _compile_uri(template: str) -> re.Pattern[str]:
    path = template.split("?", 1)[0]
    out = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            name = part[1:-1]
            if name.endswith("+"):
                out += f"(?P<{name[:-1]}>.+)"
            else:
                out += f"(?P<{name}>[^/]+)"
        else:
            out += re.escape(part)
    return re.compile(f"^{out}$")


@functools.cache
def rest_routes() -> tuple[Route, ...]:
    """Every REST-JSON operation's route, in model order."""
    routes: list[Route] = []
    for service in SERVICES:
        if protocol(service) != "rest-json":
            continue
        for op in OPERATIONS[service]:
            http = operation_model(service, op).http
            routes.append(Route(service, op, http["method"], _compile_uri(http["requestUri"])))
    return tuple(routes)
