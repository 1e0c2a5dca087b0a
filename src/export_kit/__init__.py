"""export_kit: typed async client for the AWS export-job APIs of five services.

Public names are declared here once.  Heavy modules (the aiobotocore facade,
generated models, the emulator) load on first use so ``import export_kit`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    AccessDeniedError,
    ConfigurationError,
    ConflictError,
    CredentialsError,
    EventLoopError,
    ExportFailed,
    ExportKitError,
    InvalidRequestError,
    NotFoundError,
    QuotaExceededError,
    RequestValidationError,
    ResponseError,
    ServerError,
    ServiceError,
    ThrottlingError,
    TransportError,
    WaitTimeout,
)

if TYPE_CHECKING:
    from . import local, models
    from ._kit import ExportKit
    from .jobs import ExportJob, ExportStatus, JobOutcome
    from .paging import Pager
    from .waiting import PollPolicy, WaitAllTimeout

__version__ = "0.1.0"

__all__ = [
    "AccessDeniedError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsError",
    "EventLoopError",
    "ExportFailed",
    "ExportJob",
    "ExportKit",
    "ExportKitError",
    "ExportStatus",
    "InvalidRequestError",
    "JobOutcome",
    "NotFoundError",
    "Pager",
    "PollPolicy",
    "QuotaExceededError",
    "RequestValidationError",
    "ResponseError",
    "ServerError",
    "ServiceError",
    "ThrottlingError",
    "TransportError",
    "WaitAllTimeout",
    "WaitTimeout",
    "__version__",
    "local",
    "models",
]

_LAZY = {
    "ExportKit": "._kit",
    "ExportJob": ".jobs",
    "ExportStatus": ".jobs",
    "JobOutcome": ".jobs",
    "WaitAllTimeout": ".waiting",
    "Pager": ".paging",
    "PollPolicy": ".waiting",
    "local": ".local",
    "models": ".models",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(module_name, __name__)
    value = module if name in {"local", "models"} else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
