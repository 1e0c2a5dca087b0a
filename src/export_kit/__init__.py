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


def _lazy_names() -> dict[str, str]:
    """Each lazily loaded public name -> its module, read from the ``TYPE_CHECKING`` block.

    That block is the one list of lazy names: type checkers read it, and so does this
    function (once, on the first lazy attribute access), so the two cannot drift apart.
    """
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    module = "." * statement.level + (statement.module or "")
                    for alias in statement.names:
                        # ``from . import local`` names a submodule, not an attribute.
                        names[alias.name] = module if statement.module else f".{alias.name}"
    return names


_LAZY: dict[str, str] = {}


def __getattr__(name: str) -> Any:
    if not _LAZY:
        _LAZY.update(_lazy_names())
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(module_name, __name__)
    value = module if module_name == f".{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
