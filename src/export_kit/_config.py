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

The kit's own session (never one the caller passes in) also reads botocore's data files
(``endpoints.json``, the service models) with :class:`PlainJSONFileLoader`
(:func:`read_data_as_plain_dicts`).
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any

import sniffio
from aiobotocore.config import AioConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError
from botocore.loaders import JSONFileLoader

__all__ = [
    "DEFAULT_RETRIES",
    "PlainJSONFileLoader",
    "client_config",
    "httpx_module",
    "read_data_as_plain_dicts",
]

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


class PlainJSONFileLoader(JSONFileLoader):
    """botocore's JSON data file loader, building plain dicts instead of ``OrderedDict``.

    botocore parses every data file with ``object_pairs_hook=OrderedDict``, though it only
    reads the result as a mapping (dicts keep their order).  Its ``endpoints.json`` alone is
    17,000 objects, loaded on a process's first client and kept for its life: as plain dicts
    they parse in half the time, and the garbage collector tracks about 7,000 fewer objects
    (9,000 in a process with one omics client), which it walks at every full collection and
    at interpreter exit (benchmarks/RESULTS.md, section 6).  Same files, same search paths,
    equal values.
    """

    def _load_file(self, full_path: str, open_method: Any) -> Any:
        # botocore's ``load_file`` tries each extension it knows (``.json``, ``.json.gz``)
        # through this method; only the parsing differs from botocore's own.
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as source:
            return json.loads(source.read().decode("utf-8"))


def read_data_as_plain_dicts(session: Any) -> None:
    """Give ``session``'s data loader a :class:`PlainJSONFileLoader` (the kit's own session).

    Nothing is read yet: the loader reads files when the first client is created.  Making
    the loader reads the session's configuration (``data_path``); a profile that does not
    exist or an unreadable config file fails here as it does in ``create_client``, which
    raises it again where the kit maps it to a ``ConfigurationError``.
    """
    try:
        loader: Any = session.get_component("data_loader")
    except BotoCoreError:
        return
    loader.file_loader = PlainJSONFileLoader()
