"""Turn requests into aiobotocore keyword arguments, and botocore failures into our errors.

Kept apart from ``ExportKit`` so the jobs code and tests can reuse the exact rules:
validation before sending, one client token per logical call, one error tree.  The error
tree has three entry points, one per kind of botocore failure: ``service_error`` (the
service answered with an error), ``transport_error`` (no answer) and
``configuration_error`` (the call could not be made as configured: region, profile,
credentials, client settings; nothing was sent).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from botocore import exceptions as boto
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    IncompleteReadError,
    ParamValidationError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ._config import httpx_module
from .errors import (
    ConfigurationError,
    CredentialsError,
    ExportKitError,
    RequestValidationError,
    ServiceError,
    TransportError,
    ValidationIssue,
    service_error_class,
)

if TYPE_CHECKING:  # pydantic loads with the first model, not with ExportKit
    from ._shapes import OperationInfo, OperationRequest

__all__ = [
    "api_kwargs",
    "build_request",
    "configuration_error",
    "configuration_errors",
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

    The wire dict is validated again with the request's class: pydantic checks a model
    when it is built, not when a field is assigned (``req.sequence_store_id = "bad"``) or
    copied with ``model_copy(update=...)``, so a changed request raises
    ``RequestValidationError`` here and nothing is sent.  Checking the wire dict costs about
    2 µs for a small request (docs/concepts/errors.md).

    The token is generated once here, per logical call, so botocore's own retries of
    this call resend the same token and never start a second job.
    """
    kwargs = request.to_api()
    try:
        type(request).model_validate(kwargs)
    except RequestValidationError:
        # A model that cannot read its own wire names (a serialization-only alias): check
        # it by field name before calling the request invalid.
        type(request).model_validate(request.model_dump(by_alias=False, exclude_unset=True))
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


# -- configuration and credentials ---------------------------------------------------------

# botocore's errors for a call that cannot be made as configured, most specific first; the
# first entry the error is an instance of wins.  Nothing was sent when one is raised.
_CONFIGURATION: tuple[tuple[type[BotoCoreError], type[ConfigurationError]], ...] = (
    (boto.NoCredentialsError, CredentialsError),
    (boto.PartialCredentialsError, CredentialsError),
    (boto.CredentialRetrievalError, CredentialsError),
    (boto.UnknownCredentialError, CredentialsError),
    (boto.RefreshWithMFAUnsupportedError, CredentialsError),
    (boto.MetadataRetrievalError, CredentialsError),
    (boto.SSOError, CredentialsError),  # SSOTokenLoadError, UnauthorizedSSOTokenError
    (boto.TokenRetrievalError, CredentialsError),  # an expired SSO token that cannot refresh
    (boto.NoAuthTokenError, CredentialsError),
    (boto.UnknownTokenProviderError, CredentialsError),
    (boto.LoginError, CredentialsError),
    (boto.ProfileNotFound, ConfigurationError),
    (boto.ConfigNotFound, ConfigurationError),
    (boto.ConfigParseError, ConfigurationError),
    (boto.InvalidConfigError, ConfigurationError),
    (boto.BaseEndpointResolverError, ConfigurationError),  # NoRegionError, UnknownEndpoint...
    (boto.EndpointProviderError, ConfigurationError),  # EndpointResolutionError
    (boto.InvalidRegionError, ConfigurationError),
    (boto.UnknownRegionError, ConfigurationError),
    (boto.ServiceNotInRegionError, ConfigurationError),
    (boto.InvalidEndpointConfigurationError, ConfigurationError),
    (boto.InvalidEndpointDiscoveryConfigurationError, ConfigurationError),
    (boto.InvalidRetryConfigurationError, ConfigurationError),
    (boto.InvalidDefaultsMode, ConfigurationError),
    (boto.InvalidProxiesConfigError, ConfigurationError),
    (boto.InvalidIMDSEndpointError, ConfigurationError),
    (boto.InvalidIMDSEndpointModeError, ConfigurationError),
    (boto.InvalidChecksumConfigError, ConfigurationError),
    (boto.InvalidSTSRegionalEndpointsConfigError, ConfigurationError),
    (boto.InvalidDNSNameError, ConfigurationError),
    (boto.UnknownSignatureVersionError, ConfigurationError),
    (boto.UnsupportedSignatureVersionError, ConfigurationError),
)


# What to do about the commonest ones, appended to botocore's message.
def _from_credential_cache(exc: KeyError) -> bool:
    """Whether botocore's credential and SSO token cache raised ``exc``.

    Its ``JSONFileCache`` says it holds a key whose file then fails to parse (a corrupt
    ``~/.aws/sso/cache`` file), so a bare ``KeyError`` escapes botocore.
    """
    from botocore.utils import JSONFileCache

    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and isinstance(tb.tb_frame.f_locals.get("self"), JSONFileCache)


_HINTS: dict[type[BotoCoreError], str] = {
    boto.NoRegionError: "pass region_name=, set AWS_REGION or give the profile a region",
    boto.NoCredentialsError: (
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or pass credentials"
    ),
    boto.ProfileNotFound: "check the profile name and AWS_CONFIG_FILE",
}


@cache
def configuration_errors() -> tuple[type[BaseException], ...]:
    """The botocore exceptions :func:`configuration_error` maps (for ``except`` clauses)."""
    return (*(boto_cls for boto_cls, _ in _CONFIGURATION), ParamValidationError, KeyError)


def configuration_error(
    exc: BaseException, service: str, operation: str | None = None, *, creating: bool = False
) -> ExportKitError | None:
    """Our error for a botocore failure that happened before anything was sent, or ``None``.

    Credentials problems (none found, partial, an expired SSO token, or the bare
    ``KeyError`` botocore raises for a corrupt token cache file) are a
    :class:`CredentialsError`; a missing region, unknown profile, unreadable config file or
    bad client setting a :class:`ConfigurationError`; botocore's own parameter check
    (``ParamValidationError``) a :class:`RequestValidationError`.  While a client is being
    created (``creating``) any other botocore error, and the ``ValueError`` botocore raises
    for an invalid endpoint URL, is a :class:`ConfigurationError` too.  docs/concepts/errors.md
    lists the table.
    """
    where = f"{service}.{operation}" if operation else f"{service} client"
    if isinstance(exc, KeyError) and _from_credential_cache(exc):
        return CredentialsError(
            f"{where}: a cached credential or SSO token file could not be read "
            "(sign in again, e.g. 'aws sso login', to replace it)"
        )
    if isinstance(exc, ParamValidationError):
        return RequestValidationError(operation or service, _param_issues(exc))
    for boto_cls, our_cls in _CONFIGURATION:
        if isinstance(exc, boto_cls):
            hint = _HINTS.get(type(exc))
            return our_cls(f"{where}: {exc}" + (f" ({hint})" if hint else ""))
    if creating and isinstance(exc, (BotoCoreError, ValueError)):
        return ConfigurationError(f"{where}: {exc}")
    return None


# botocore's report lines name the member as 'parameter in input: "id"',
# 'parameter in sources[0]: "readSetId"' or 'for parameter sources[0].readSetId, ...'.
_IN_STRUCTURE = re.compile(r'parameter in ([^:]+): "([^"]+)"')
_FOR_PARAMETER = re.compile(r"for parameter ([^,\s]+)")


def _param_path(line: str) -> str:
    found = _IN_STRUCTURE.search(line)
    if found is not None:
        parent, member = found.groups()
        return member if parent == "input" else f"{parent}.{member}"
    found = _FOR_PARAMETER.search(line)
    return found.group(1) if found is not None else ""


def _param_issues(exc: ParamValidationError) -> list[ValidationIssue]:
    """One issue per line of botocore's report (its first line is a heading)."""
    report = str(exc.kwargs.get("report") or exc)
    issues: list[ValidationIssue] = []
    for line in report.splitlines():
        if not line.strip() or line.startswith("Parameter validation failed"):
            continue
        issues.append(
            ValidationIssue(path=_param_path(line), rule="botocore", message=line.strip())
        )
    return issues or [ValidationIssue(path="", rule="botocore", message=str(exc))]
