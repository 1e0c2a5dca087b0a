"""The handler table: which function answers each (service, operation).

Handlers register with ``@handles(service, operation)`` in ``local/_handlers/<service>.py``
(the way aiohttp's ``RouteTableDef`` collects routes); ``dispatch`` looks them up here.
A handler takes the state and the validated wire parameters and returns the output
members, timestamps as epoch floats (the protocol layer formats them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from ._state import State

Handler: TypeAlias = Callable[[State, dict[str, Any]], dict[str, Any]]

#: (service, operation) -> handler, in registration order.
HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(service: str, operation: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``service``'s ``operation``."""

    def register(handler: Handler) -> Handler:
        key = (service, operation)
        if key in HANDLERS:
            raise RuntimeError(f"{service}.{operation} has two handlers")
        HANDLERS[key] = handler
        return handler

    return register
