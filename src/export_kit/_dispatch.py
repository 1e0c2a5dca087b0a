"""Turn requests into aiobotocore keyword arguments, and botocore failures into our errors.

Kept apart from ``ExportKit`` so the jobs code and tests can reuse the exact rules:
validation before sending, one client token per logical call, one error tree.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    IncompleteReadError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ._config import httpx_module
from .errors import ServiceError, TransportError, service_error_class

if TYPE_CHECKING:  # pydantic loads with the first model, not with ExportKit
    from ._shapes import OperationInfo, OperationRequest

__all__ = [
    "api_kwargs",
    "build_request",
    "retry_after",
    "service_error",
    "transport_error",
    "transport_errors",
]

RequestT = TypeVar("RequestT", bound="OperationRequest[Any]")


@cache
def transport_errors() -> tuple[type[BaseException], ...]:
    """Exceptions meaning "no answer came back": mapped to :class:`TransportError`.

    Computed on first use: it imports the httpx backend only if it is installed.
    """
    errors: list[type[BaseException]] = [
        HTTPClientError,  # ConnectionClosedError, ReadTimeoutError, ...
        BotocoreConnectionError,  # EndpointConnectionError, ConnectTimeoutError, ...
        IncompleteReadError,
    ]
    try:
        import aiohttp

        errors.append(aiohttp.ClientError)
    except ImportError:  # pragma: no cover - aiohttp ships with aiobotocore
        pass
    httpx = httpx_module()
    if httpx is not None:
        errors.append(httpx.TransportError)
    return tuple(errors)


def build_request(
    request_cls: type[RequestT], request: object | None, kwargs: Mapping[str, Any]
) -> RequestT:
    """One validated request from either a model instance or keyword arguments (not both)."""
    if request is not None:
        if kwargs:
            raise TypeError(
                f"{request_cls.operation.method}() takes a request model or keyword "
                "arguments, not both"
            )
        if not isinstance(request, request_cls):
            raise TypeError(
                f"{request_cls.operation.method}() expects a {request_cls.__name__}, "
                f"got {type(request).__name__}"
            )
        return request
    return request_cls.model_validate(kwargs)  # raises RequestValidationError


def api_kwargs(request: OperationRequest[Any]) -> dict[str, Any]:
    """The aiobotocore keyword arguments, with a fresh client token if the caller set none.

    The token is generated once here, per logical call, so botocore's own retries of
    this call resend the same token and never start a second job.
    """
    kwargs = request.to_api()
    token = type(request).operation.client_token
    if token is not None and not kwargs.get(token):
        kwargs[token] = str(uuid.uuid4())
    return kwargs


def service_error(exc: ClientError, info: OperationInfo) -> ServiceError:
    """The :class:`ServiceError` subclass for a botocore ``ClientError``."""
    response: Mapping[str, Any] = exc.response  # pyright: ignore[reportAssignmentType]
    error: Mapping[str, Any] = response.get("Error") or {}
    meta: Mapping[str, Any] = response.get("ResponseMetadata") or {}
    status = meta.get("HTTPStatusCode")
    code = str(error.get("Code") or (f"HTTP{status}" if status else "Unknown"))
    message = str(error.get("Message") or error.get("message") or "")
    headers: Mapping[str, str] = meta.get("HTTPHeaders") or {}
    request_id = meta.get("RequestId") or headers.get("x-amzn-requestid")
    cls = service_error_class(code, status if isinstance(status, int) else None)
    return cls(
        message,
        service=info.service,
        operation=info.name,
        code=code,
        http_status=status if isinstance(status, int) else None,
        request_id=request_id or None,
        retry_after=retry_after(headers),
    )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The server's retry hint in seconds: ``x-amz-retry-after`` (ms) or ``Retry-After`` (s).

    botocore's standard mode reads ``x-amz-retry-after`` only behind an internal flag, so
    the waiter applies the hint itself.  HTTP-date forms of ``Retry-After`` are ignored.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("x-amz-retry-after", 1000.0), ("retry-after", 1.0)):
        raw = lowered.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) / scale
        except ValueError:
            continue
        if value >= 0:
            return value
    return None


def transport_error(exc: BaseException, info: OperationInfo) -> TransportError:
    """A :class:`TransportError` naming the operation that got no answer."""
    return TransportError(f"{info.service}.{info.name}: no response ({exc})")
