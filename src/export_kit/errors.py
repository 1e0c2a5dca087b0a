"""The exceptions export_kit raises (the tree is drawn in docs/concepts/errors.md).

Every error derives from :class:`ExportKitError`.  Errors that wrap a botocore
or transport failure keep it as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

if TYPE_CHECKING:
    from ._interfaces import JobView

__all__ = [
    "AccessDeniedError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsError",
    "EventLoopError",
    "ExportFailed",
    "ExportKitError",
    "InvalidRequestError",
    "NotFoundError",
    "QuotaExceededError",
    "RequestValidationError",
    "ResponseError",
    "ServerError",
    "ServiceError",
    "ThrottlingError",
    "TransportError",
    "ValidationIssue",
    "WaitAllTimeout",
    "WaitTimeout",
    "service_error_class",
]


class ExportKitError(Exception):
    """Base class of every export_kit error."""

    #: Whether retrying the same call later may succeed.
    retryable: ClassVar[bool] = False


# -- validation -------------------------------------------------------------------------------


class ValidationIssue(TypedDict):
    """One problem with a request: where (wire path), which rule, and what is wrong."""

    path: str
    rule: str
    message: str


class RequestValidationError(ExportKitError, ValueError):
    """The request breaks the service model's rules; nothing was sent.

    ``errors()`` lists every problem with its wire path, e.g.
    ``exportConfig.dataSets[0].datasetName``, the rule and a message.
    """

    def __init__(self, operation: str, issues: Sequence[ValidationIssue]) -> None:
        self.operation = operation
        self._issues = tuple(issues)
        count = len(self._issues)
        lines = [f"{operation} request is invalid ({count} problem{'s' * (count != 1)}):"]
        lines += [f"  {i['path'] or '<request>'}: {i['message']} [{i['rule']}]" for i in issues]
        super().__init__("\n".join(lines))

    def errors(self) -> list[ValidationIssue]:
        """Every problem found, in the order the request's fields are declared."""
        return [ValidationIssue(**issue) for issue in self._issues]


# -- service errors ---------------------------------------------------------------------------


class ServiceError(ExportKitError):
    """AWS (or the emulator) answered with an error."""

    def __init__(
        self,
        message: str,
        *,
        service: str,
        operation: str,
        code: str,
        http_status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.service = service
        self.operation = operation
        self.code = code
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        #: Seconds the service asked us to wait before retrying (``x-amz-retry-after`` or
        #: ``Retry-After``), if it said; the waiter never polls again sooner.
        self.retry_after = retry_after
        super().__init__(f"{service}.{operation} failed with {code}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_service_error,
            (type(self), self.message, self.service, self.operation, self.code),
            {
                "http_status": self.http_status,
                "request_id": self.request_id,
                "retry_after": self.retry_after,
            },
        )


def _rebuild_service_error(
    cls: type[ServiceError], message: str, service: str, operation: str, code: str
) -> ServiceError:
    return cls(message, service=service, operation=operation, code=code)


class NotFoundError(ServiceError):
    """The job, domain, application or store does not exist (e.g. ResourceNotFound)."""


class ConflictError(ServiceError):
    """The request conflicts with existing state (e.g. ResourceAlreadyExists)."""


class ThrottlingError(ServiceError):
    """The service asked us to slow down."""

    retryable = True


class QuotaExceededError(ServiceError):
    """An account or service quota was reached (e.g. LimitExceeded)."""


class AccessDeniedError(ServiceError):
    """The credentials are not allowed to call this operation."""


class InvalidRequestError(ServiceError):
    """The service rejected the request's values (its own validation)."""


class ServerError(ServiceError):
    """The service failed internally (5xx)."""

    retryable = True


class ConfigurationError(ExportKitError):
    """The kit cannot make a call as configured: no region, unknown profile, bad settings.

    Nothing was sent.  The botocore error, if any, is the ``__cause__``.
    """


class CredentialsError(ConfigurationError):
    """No usable credentials: none found, partial, or an expired SSO token."""


class EventLoopError(ExportKitError, RuntimeError):
    """The kit was used from an event loop other than the one its clients were opened in.

    aiobotocore clients (and their connection pools) belong to one event loop.  A kit used
    by two ``asyncio.run()`` calls fails at once with this error, before anything is sent:
    create the kit inside the loop that uses it (``async with ExportKit() as kit:`` in each
    ``asyncio.run()``).
    """


class ResponseError(ExportKitError):
    """A response that cannot be read as the operation's response shape.

    ``payload`` is the raw response (``ResponseMetadata`` removed); ``operation`` names
    the call whose answer it was.
    """

    def __init__(self, message: str, *, operation: str, payload: Any) -> None:
        self.operation = operation
        self.payload = payload
        super().__init__(f"{operation}: unreadable response: {message}")


class TransportError(ExportKitError):
    """The request never got an answer: connection refused or reset, read timeout."""

    retryable = True


# Exact codes only, never substrings: a code is looked up without its "Exception" or
# "Fault" suffix, then as sent; a code not listed falls back on its HTTP status (5xx is a
# ServerError, 429 a ThrottlingError) and is otherwise a plain ServiceError.
_BY_CODE: dict[str, type[ServiceError]] = {
    "ResourceNotFound": NotFoundError,
    "NoSuchExport": NotFoundError,
    "NoSuchDomain": NotFoundError,
    "Conflict": ConflictError,
    "ConflictError": ConflictError,
    "ResourceAlreadyExists": ConflictError,
    "ResourceInUse": ConflictError,
    "Throttling": ThrottlingError,
    "ThrottlingError": ThrottlingError,
    "TooManyRequests": ThrottlingError,
    "RequestLimitExceeded": ThrottlingError,
    "SlowDown": ThrottlingError,
    "ServiceQuotaExceeded": QuotaExceededError,
    "LimitExceeded": QuotaExceededError,
    "NumberExportsLimitExceeded": QuotaExceededError,
    "AccessDenied": AccessDeniedError,
    "AuthorizationError": AccessDeniedError,
    "UnrecognizedClient": AccessDeniedError,
    "InvalidClientTokenId": AccessDeniedError,
    "InvalidSignature": AccessDeniedError,
    "SignatureDoesNotMatch": AccessDeniedError,
    "ExpiredToken": AccessDeniedError,
    "MissingAuthenticationToken": AccessDeniedError,
    "Validation": InvalidRequestError,
    "InvalidInput": InvalidRequestError,
    "InvalidParameter": InvalidRequestError,
    "InvalidParameterValue": InvalidRequestError,
    "InvalidParameterCombination": InvalidRequestError,
    "InvalidNextToken": InvalidRequestError,
    "TooManyTags": InvalidRequestError,
    "OperationNotPermitted": InvalidRequestError,
    "HomeRegionNotSet": InvalidRequestError,
    "SerializationException": InvalidRequestError,
    "InternalServer": ServerError,
    "InternalFailure": ServerError,
    "ServerInternalError": ServerError,
    "ServiceUnavailable": ServerError,
    "RequestTimeout": ServerError,
}


def service_error_class(code: str, http_status: int | None = None) -> type[ServiceError]:
    """The most specific :class:`ServiceError` subclass for an AWS error code."""
    bare = code.removesuffix("Exception").removesuffix("Fault")
    found = _BY_CODE.get(bare) or _BY_CODE.get(code)
    if found is not None:
        return found
    if http_status is not None and (http_status >= 500 or http_status == 429):
        return ServerError if http_status >= 500 else ThrottlingError
    return ServiceError


# -- jobs -------------------------------------------------------------------------------------


class ExportFailed(ExportKitError):
    """The job ended FAILED or CANCELLED; ``reason`` is the service's own explanation."""

    def __init__(self, job: JobView, reason: str | None) -> None:
        self.job = job
        self.reason = reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"{job.service} export {job.id} ended {job.status.value}{detail}")


class WaitTimeout(ExportKitError, TimeoutError):
    """The deadline passed before the job reached a terminal state; ``job`` is the last seen."""

    def __init__(self, job: JobView, timeout: float) -> None:
        self.job = job
        self.timeout = timeout
        super().__init__(
            f"{job.service} export {job.id} still {job.status.value} "
            f"({job.native_status!r}) after {timeout:g} s"
        )


class WaitAllTimeout(WaitTimeout):
    """``as_completed`` reached its deadline; ``pending`` lists the jobs still unfinished."""

    def __init__(self, pending: Sequence[JobView], timeout: float) -> None:
        super().__init__(pending[0], timeout)
        self.pending = tuple(pending)
        if len(pending) > 1:
            self.args = (f"{len(pending)} exports still unfinished after {timeout:g} s",)
