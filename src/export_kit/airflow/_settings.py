"""Where a kit for Airflow comes from: its settings, the connection, the shared kits.

A trigger carries only :class:`KitSettings` (region, endpoint, connection id), never a
secret; the credentials are read again wherever the kit is made: in the worker with
``BaseHook.get_connection``, in the triggerer with ``BaseHook.aget_connection``.

Every trigger of one triggerer process that has the same settings uses one ``ExportKit``
(:func:`shared_kit`), so all their ``job.wait()`` calls go through that kit's poller.  The
kit is made in the running event loop by the first trigger that needs it and closed when
the last one ends (or is cancelled), so nothing outlives the triggers that used it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from airflow.sdk import BaseHook

from export_kit import ConfigurationError, ExportKit, PollPolicy

__all__ = ["KitSettings", "kit_kwargs", "poll_from", "poll_settings", "shared_kit"]

#: Connection ``extra`` keys we read (the names the Amazon provider's ``aws`` connection uses).
_EXTRA_KEYS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "region_name",
    "endpoint_url",
    "profile_name",
)
#: Extra keys that would change who the calls run as; ignoring them would be a surprise.
_UNSUPPORTED_EXTRA = ("role_arn", "assume_role_method", "assume_role_kwargs", "session_kwargs")


@dataclass(frozen=True)
class KitSettings:
    """What a kit is made from, besides secrets: explicit values win over the connection's."""

    region_name: str | None = None
    endpoint_url: str | None = None
    aws_conn_id: str | None = None


def connection_kwargs(
    conn_id: str, login: str | None, password: str | None, extra: Mapping[str, Any]
) -> dict[str, str]:
    """``ExportKit`` keyword arguments from an Airflow connection's fields.

    ``login``/``password`` are the access key and secret (``extra`` may hold them instead);
    ``extra`` may add ``aws_session_token``, ``region_name``, ``endpoint_url`` and
    ``profile_name``.

    Raises:
      ConfigurationError: for role-assumption keys, which this integration does not do.
    """
    unsupported = sorted(k for k in _UNSUPPORTED_EXTRA if extra.get(k))
    if unsupported:
        raise ConfigurationError(
            f"Airflow connection {conn_id!r}: extra {', '.join(unsupported)} is not supported "
            "by export_kit.airflow (give the access key, secret and session token of the role, "
            "or leave aws_conn_id unset to use the standard AWS credential chain)"
        )
    out = {k: str(extra[k]) for k in _EXTRA_KEYS if extra.get(k)}
    if login:
        out["aws_access_key_id"] = login
    if password:
        out["aws_secret_access_key"] = password
    return out


def kit_kwargs(settings: KitSettings) -> dict[str, Any]:
    """``ExportKit`` keyword arguments, reading the connection with Airflow's sync API."""
    found: dict[str, str] = {}
    if settings.aws_conn_id is not None:
        conn = BaseHook.get_connection(settings.aws_conn_id)
        # extra_dejson also registers the extra's secret values with Airflow's log masker.
        extra: dict[str, Any] = conn.extra_dejson  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        found = connection_kwargs(settings.aws_conn_id, conn.login, conn.password, extra)
    return _merge(settings, found)


async def kit_kwargs_async(settings: KitSettings) -> dict[str, Any]:
    """The same from inside an event loop (the triggerer), with Airflow's async API."""
    found: dict[str, str] = {}
    if settings.aws_conn_id is not None:
        conn = await BaseHook.aget_connection(settings.aws_conn_id)
        extra: dict[str, Any] = await conn.aextra_dejson()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        found = connection_kwargs(settings.aws_conn_id, conn.login, conn.password, extra)
    return _merge(settings, found)


def _merge(settings: KitSettings, found: Mapping[str, str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(found)
    if settings.region_name is not None:
        kwargs["region_name"] = settings.region_name
    if settings.endpoint_url is not None:
        kwargs["endpoint_url"] = settings.endpoint_url
    return kwargs


# -- poll policies cross processes as plain numbers -------------------------------------------


def poll_settings(poll: PollPolicy | None) -> dict[str, float] | None:
    """The serializable part of a ``PollPolicy``.

    Raises:
      ValueError: if ``poll`` has a ``clock`` or ``rng``: they cannot travel to the triggerer.
    """
    if poll is None:
        return None
    if poll.clock is not None or poll.rng is not None:
        raise ValueError(
            "poll: a PollPolicy with a clock or rng cannot be sent to the Airflow triggerer; "
            "give only min_delay, max_delay, not_found_grace and transport_patience"
        )
    numbers = ("min_delay", "max_delay", "not_found_grace", "transport_patience")
    out: dict[str, float] = {}
    for name in numbers:
        value: float | None = getattr(poll, name)
        if value is not None:
            out[name] = value
    return out


def poll_from(settings: Mapping[str, float] | None) -> PollPolicy | None:
    """The ``PollPolicy`` back from :func:`poll_settings`.

    Raises:
      ValueError: for a key that is not a ``PollPolicy`` bound, or a bound it rejects.
    """
    if settings is None:
        return None
    numbers = {"min_delay", "max_delay", "not_found_grace", "transport_patience"}
    unknown = sorted(set(settings) - numbers)
    if unknown:
        raise ValueError(f"poll: unknown setting {', '.join(unknown)}")
    return PollPolicy(
        min_delay=settings.get("min_delay"),
        max_delay=settings.get("max_delay"),
        not_found_grace=settings.get("not_found_grace"),
        transport_patience=settings.get("transport_patience"),
    )


# -- one kit per settings per event loop -------------------------------------------------------


@dataclass
class _Shared:
    ready: anyio.Event = field(default_factory=anyio.Event)
    kit: ExportKit | None = None
    users: int = 1


_SHARED: dict[tuple[int, KitSettings], _Shared] = {}


@asynccontextmanager
async def shared_kit(settings: KitSettings) -> AsyncGenerator[ExportKit]:
    """The kit every trigger with these settings uses in this event loop.

    Made by the first user (credentials read then), closed when the last user leaves,
    also on cancellation.  Users that arrive while it is being made all start together
    once it is ready, so their first polls fall in the same poll round.
    """
    key = (id(asyncio.get_running_loop()), settings)
    entry = await _join(key, settings)
    try:
        assert entry.kit is not None
        yield entry.kit
    finally:
        await _leave(key, entry)


async def _join(key: tuple[int, KitSettings], settings: KitSettings) -> _Shared:
    while True:
        entry = _SHARED.get(key)
        if entry is None:
            return await _make(key, settings)
        entry.users += 1
        try:
            await entry.ready.wait()
        except BaseException:
            await _leave(key, entry)
            raise
        if entry.kit is not None:
            return entry
        # Its maker failed (and raised its error): leave, and make the kit again.
        await _leave(key, entry)


async def _make(key: tuple[int, KitSettings], settings: KitSettings) -> _Shared:
    entry = _SHARED[key] = _Shared()
    try:
        entry.kit = ExportKit(**await kit_kwargs_async(settings))
    except BaseException:
        # No kit: forget this entry now, so the users waiting for it make their own.
        del _SHARED[key]
        entry.users -= 1
        raise
    finally:
        entry.ready.set()
    return entry


async def _leave(key: tuple[int, KitSettings], entry: _Shared) -> None:
    entry.users -= 1
    if entry.users:
        return
    if _SHARED.get(key) is entry:
        del _SHARED[key]
    if entry.kit is not None:
        with anyio.CancelScope(shield=True):
            await entry.kit.aclose()
