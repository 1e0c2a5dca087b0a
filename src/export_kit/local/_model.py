"""How requests route to the served operations: SigV4 scope, ``X-Amz-Target`` and URI
templates, all read from the botocore models (``_botocore``) of the operations that
``local/_handlers`` registers."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final, Literal

from ._botocore import operation_model, service_model
from ._handlers import OPERATIONS

Protocol = Literal["json", "rest-json"]

SERVICES: Final = tuple(OPERATIONS)


@dataclass(frozen=True)
class Route:
    """One REST-JSON operation: its HTTP method and compiled request-URI template."""

    service: str
    operation: str
    method: str
    pattern: re.Pattern[str]


@functools.cache
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
def rest_routes(service: str | None = None) -> tuple[Route, ...]:
    """The REST-JSON operations' routes (of ``service`` only, when given), in model order."""
    routes: list[Route] = []
    for name in SERVICES if service is None else (service,):
        if protocol(name) != "rest-json":
            continue
        for op in OPERATIONS[name]:
            http = operation_model(name, op).http
            routes.append(Route(name, op, http["method"], _compile_uri(http["requestUri"])))
    return tuple(routes)
