"""Service errors as the emulator answers them, with each service's own codes and statuses.

Each service's code per generic kind is in its ``ServiceRules`` (``_rules``).

Codes and HTTP statuses come from the botocore error shapes where the service model
defines one; the rest follow the AWS "common errors" list (``ThrottlingException`` and
``InternalFailure`` for services whose model has no such shape).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ._botocore import raw_shapes
from ._rules import RULES, ErrorKind

#: Statuses for codes that no served model defines (AWS common errors).
_COMMON_STATUS: Final[dict[str, int]] = {
    "ThrottlingException": 400,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "SerializationException": 400,
    "UnknownOperationException": 400,
    "MissingAuthenticationTokenException": 403,
    "IncompleteSignatureException": 400,
    "InvalidSignatureException": 403,
    "RequestEntityTooLargeException": 413,
    "UnsupportedMediaTypeException": 415,
}


@dataclass
class ApiError(Exception):
    """An error response: code, message, HTTP status and extra body members."""

    code: str
    message: str
    status: int = 400
    extra: dict[str, Any] = field(default_factory=dict[str, Any])
    headers: dict[str, str] = field(default_factory=dict[str, str])

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def status_for(service: str | None, code: str) -> int:
    """The HTTP status ``service`` answers ``code`` with (from the error shape if any)."""
    if service is not None:
        shape = raw_shapes(service).get(code)
        if shape is not None and shape.get("exception"):
            status = shape.get("error", {}).get("httpStatusCode")
            if status is not None:
                return int(status)
            return 500 if shape.get("fault") else 400
    return _COMMON_STATUS.get(code, 400)


def error(service: str | None, code: str, message: str, **extra: Any) -> ApiError:
    """An ``ApiError`` for ``code`` with the status ``service`` uses for it."""
    return ApiError(code, message, status_for(service, code), dict(extra))


def kind_error(service: str, kind: ErrorKind, message: str, **extra: Any) -> ApiError:
    """An ``ApiError`` of a generic kind, in ``service``'s own code."""
    err = error(service, RULES[service].errors[kind], message, **extra)
    if kind == "throttling":  # a retry hint, in both spellings clients read
        err.headers["Retry-After"] = "1"
        err.headers["x-amz-retry-after"] = "1000"
    return err
