"""The botocore client configuration ``ExportKit`` builds, and the HTTP backend it picks.

Defaults (the caller's ``config`` overrides any of them):

- retries: botocore ``standard`` mode, whose default is 3 attempts in all (exponential
  backoff with jitter; retries throttling, 5xx and connection errors).  A caller's
  ``retries`` dict is merged over this one, so ``{"total_max_attempts": 1}`` (no retry)
  or ``{"max_attempts": 5}`` (5 *retries*, botocore's meaning) keep ``standard`` mode;
  ``{"mode": "adaptive"}`` switches mode.  ``AWS_RETRY_MODE`` is not consulted.
- connection pool: botocore's default of 10 connections per service client; raise it
  with ``Config(max_pool_connections=...)``.
- custom ``endpoint_url`` (the emulator, LocalStack): ``inject_host_prefix=False``, so
  HealthOmics' ``control-storage-`` host prefix does not break the host name.
- under trio: aiobotocore's httpx backend (``export-kit[trio]``), since aiohttp needs asyncio.
"""

from __future__ import annotations

import importlib
from typing import Any

import sniffio
from aiobotocore.config import AioConfig
from botocore.config import Config

__all__ = ["DEFAULT_RETRIES", "client_config", "httpx_module"]

#: Retry settings used unless the caller's ``config`` says otherwise.
DEFAULT_RETRIES: dict[str, Any] = {"mode": "standard"}


def client_config(user: Config | None, *, endpoint_url: str | None) -> AioConfig:
    """Merge our defaults, the caller's config and what the running event loop needs."""
    user_options: dict[str, Any] = dict(getattr(user, "_user_provided_options", {}))
    options: dict[str, Any] = {"retries": {**DEFAULT_RETRIES, **(user_options.pop("retries", {}))}}
    if endpoint_url is not None:
        options["inject_host_prefix"] = False
    options.update(user_options)
    if "http_session_cls" not in options and _running_trio():
        options["http_session_cls"] = _httpx_session_cls()
    return AioConfig(**options)


def _running_trio() -> bool:
    try:
        return sniffio.current_async_library() == "trio"
    except sniffio.AsyncLibraryNotFoundError:
        return False


def httpx_module() -> Any:
    """The httpx (or httpx2) module aiobotocore's httpx backend uses, or ``None``."""
    return importlib.import_module("aiobotocore._httpx").httpx


def _httpx_session_cls() -> type[Any]:
    if httpx_module() is None:
        raise RuntimeError(
            "export_kit needs httpx to run under trio (aiohttp works only on asyncio): "
            "pip install 'export-kit[trio]'"
        )
    from aiobotocore.httpxsession import HttpxSession

    return HttpxSession
