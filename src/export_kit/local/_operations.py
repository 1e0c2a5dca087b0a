"""The served operations, each prepared once, and the router that finds a request's one.

An ``Operation`` carries everything answering it needs: its handler (``_table``), its wire
protocol, the check of its input (``_validate.checker``) and the writer of its output
(``_protocol.writer``), all built from the botocore models (``_model``) when the emulator's
application is built, so that a request walks no model.

``Router.identify`` finds the service and operation of a request the way ``_app``
documents: the service from the SigV4 credential scope, the operation from the
``X-Amz-Target`` (json) or from the method and URI template among that service's routes
(rest-json); the ``X-Amz-Target`` or the REST path name the service only to shape the
error reply of a request that is not signed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from ._botocore import operation_model
from ._handlers import OPERATIONS
from ._model import SERVICES, Protocol, json_targets, protocol, rest_routes, signing_names
from ._protocol import writer
from ._table import HANDLERS, Handler
from ._validate import Check, checker


@dataclass(frozen=True, slots=True)
class Operation:
    """One served operation and everything prepared for answering it."""

    service: str
    name: str
    protocol: Protocol
    handler: Handler
    #: The botocore input shape (rest-json reads its members' locations).
    input_shape: Any
    check: Check
    #: The handler's output as the wire wants it.
    answer: Callable[[dict[str, Any]], dict[str, Any]]


def _no_output(output: dict[str, Any]) -> dict[str, Any]:
    return {}


def _prepare(service: str, name: str) -> Operation:
    model = operation_model(service, name)
    answer: Callable[[dict[str, Any]], dict[str, Any]] = _no_output
    if model.output_shape is not None:
        write = writer(model.output_shape)
        assert write is not None  # a structure always has a writer
        answer = write
    return Operation(
        service=service,
        name=name,
        protocol=protocol(service),
        handler=HANDLERS[(service, name)],
        input_shape=model.input_shape,
        check=checker(model.input_shape),
        answer=answer,
    )


@functools.cache
def operations() -> dict[tuple[str, str], Operation]:
    """(service, operation) -> its ``Operation``, for every operation ``_handlers`` serves."""
    return {
        (service, name): _prepare(service, name)
        for service in SERVICES
        for name in OPERATIONS[service]
    }


class Call(NamedTuple):
    """What a request asks for, as far as it could be told (a tuple: every request makes one)."""

    service: str | None
    operation: Operation | None = None
    #: The URI template's parameters (rest-json).
    path_params: dict[str, str] | None = None

    @property
    def protocol(self) -> Protocol | None:
        return protocol(self.service) if self.service is not None else None


_Route = tuple[str, re.Pattern[str], Operation]


class Router:
    """Finds the service and operation of a request from tables built once."""

    def __init__(self) -> None:
        table = operations()
        self._scopes = signing_names()
        self._targets = {target: table[key] for target, key in json_targets().items()}
        self._all_routes: tuple[_Route, ...] = tuple(
            (route.method, route.pattern, table[(route.service, route.operation)])
            for route in rest_routes()
        )
        # A signed request looks only at its service's routes for its method.
        self._routes: dict[tuple[str, str], tuple[_Route, ...]] = {}
        for route in self._all_routes:
            key = (route[2].service, route[0])
            self._routes[key] = (*self._routes.get(key, ()), route)

    def identify(self, method: str, path: str, target: str | None, scope: str | None) -> Call:
        """The call of a request: its ``X-Amz-Target`` header (if any) and the service
        name of its credential scope (if signed)."""
        service = self._scopes.get(scope) if scope is not None else None
        if target is not None:
            found = self._targets.get(target)
            if found is not None and service in (None, found.service):
                return Call(found.service, found)
            return Call(service)
        if service is None:
            return self._identify_unsigned(method, path)
        for _, pattern, operation in self._routes.get((service, method), ()):
            match = pattern.match(path)
            if match is not None:
                return Call(service, operation, match.groupdict())
        return Call(service)

    def _identify_unsigned(self, method: str, path: str) -> Call:
        """Among every service's routes: the operation, or the first service whose path
        matches (to shape the error reply), or nothing."""
        service: str | None = None
        for route_method, pattern, operation in self._all_routes:
            match = pattern.match(path)
            if match is None:
                continue
            if route_method == method:
                return Call(operation.service, operation, match.groupdict())
            service = service or operation.service
        return Call(service)
