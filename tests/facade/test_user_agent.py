"""The User-Agent header: the kit's own session builds each string once, to the same header.

botocore builds the header twice per request; the kit's own session remembers the strings
it built (``export_kit._kit._RememberedUserAgent``).  What reaches the wire must stay
exactly what a plain aiobotocore session sends with the same client settings, retries
included, and a session the caller passes in keeps botocore's own builder.
"""

from __future__ import annotations

from typing import Any

import aiobotocore.session
import pytest
from botocore.config import Config
from botocore.useragent import UserAgentString

from export_kit import ExportKit
from export_kit.local import Emulator
from export_kit.models import omics

from ._support import STORE

pytestmark = pytest.mark.anyio

#: Client settings that change the header: none, an app id and extra, botocore's legacy
#: override of the whole string.
SETTINGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "appid and extra": {"user_agent_appid": "my-app#1", "user_agent_extra": "my-tool/2.0"},
    "legacy override": {"user_agent": "my-agent/3.0"},
}


async def _sent_user_agents(kit: ExportKit, calls: int = 1) -> list[str]:
    """The User-Agent header of every HTTP request (each attempt) of ``calls`` calls."""
    seen: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        seen.append(request.headers["User-Agent"].decode())

    client = await kit.client("omics")
    client.meta.events.register("before-send.omics", capture)
    for _ in range(calls):
        await kit.send(omics.ListReadSetExportJobsRequest(sequence_store_id=STORE))
    return seen


def _components(user_agent: str) -> list[object]:
    """The header's parts in order; the feature list (``m/...``) as a set (botocore joins
    a set, so its order is not fixed)."""
    return [
        frozenset(part[2:].split(",")) if part.startswith("m/") else part
        for part in user_agent.split(" ")
    ]


@pytest.mark.parametrize("settings", list(SETTINGS.values()), ids=list(SETTINGS))
async def test_the_header_equals_a_plain_sessions_for_the_same_settings(
    emu: Emulator, settings: dict[str, Any]
) -> None:
    config = Config(**settings)
    async with ExportKit(**emu.kit_kwargs(), config=config) as kit:
        ours = await _sent_user_agents(kit, calls=2)
    plain = aiobotocore.session.get_session()
    async with ExportKit(**emu.kit_kwargs(), config=config, session=plain) as kit:
        theirs = await _sent_user_agents(kit, calls=2)
    assert len(ours) == len(theirs) == 2
    assert [_components(ua) for ua in ours] == [_components(ua) for ua in theirs]
    if "user_agent_appid" in settings:
        assert "app/my-app#1" in ours[0]
        assert ours[0].endswith(" my-tool/2.0")
    if "user_agent" in settings:
        assert ours[0].startswith("my-agent/3.0")


async def test_a_retried_request_carries_the_same_header_as_a_plain_sessions(
    emu: Emulator,
) -> None:
    headers: dict[str, list[str]] = {}
    for name, session in (("ours", None), ("plain", aiobotocore.session.get_session())):
        emu.inject("throttle", service="omics", count=1)
        async with ExportKit(**emu.kit_kwargs(), session=session) as kit:
            headers[name] = await _sent_user_agents(kit)
    assert len(headers["ours"]) == 2  # the throttled attempt and its retry
    assert [_components(ua) for ua in headers["ours"]] == [
        _components(ua) for ua in headers["plain"]
    ]


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count how often botocore assembles a User-Agent string (``to_string`` starts with
    ``_build_sdk_metadata``)."""
    builds = [0]
    original: Any = UserAgentString.__dict__["_build_sdk_metadata"]

    def counted(self: UserAgentString) -> Any:
        builds[0] += 1
        return original(self)

    monkeypatch.setattr(UserAgentString, "_build_sdk_metadata", counted)
    return builds


async def test_the_kits_own_session_builds_each_header_once(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ExportKit(**emu.kit_kwargs()) as kit:
        await _sent_user_agents(kit)  # the client exists and has sent once
        builds = _count_builds(monkeypatch)
        sent = await _sent_user_agents(kit, calls=5)
    assert len(sent) == 5
    assert builds[0] == 0  # botocore built it twice per request before


async def test_a_session_passed_in_keeps_botocores_own_builder(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    session: Any = aiobotocore.session.get_session()
    async with ExportKit(**emu.kit_kwargs(), session=session) as kit:
        await _sent_user_agents(kit)
        builds = _count_builds(monkeypatch)
        await _sent_user_agents(kit, calls=5)
    assert type(session.get_component("user_agent_creator")) is UserAgentString
    assert builds[0] == 10  # twice per request, as botocore does
