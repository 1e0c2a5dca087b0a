"""Waits always end, and say why: errors polling cannot recover from end a wait at once,
a dead endpoint ends it after a bounded patience, ``WaitTimeout`` names the last error, no
``ExceptionGroup`` leaves a public call, and malformed policies or tokens are ``ValueError``."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import anyio
import pytest
from botocore.exceptions import NoCredentialsError

from export_kit import (
    AccessDeniedError,
    CredentialsError,
    ExportJob,
    ExportKit,
    ExportStatus,
    PollPolicy,
    TransportError,
    WaitTimeout,
)
from export_kit.local import Emulator

from ._support import APP, NO_RETRIES, STORE, EmuClock, VirtualClock, closed_port, start_kwargs

pytestmark = pytest.mark.anyio


def dead_kit() -> ExportKit:
    """A kit whose endpoint refuses every connection."""
    return ExportKit(
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
        config=NO_RETRIES,
    )


async def test_a_wait_without_timeout_on_a_dead_endpoint_ends_after_the_default_patience() -> None:
    clock = VirtualClock()
    async with dead_kit() as kit:
        job = kit.job("omics", "1234567890", sequence_store_id=STORE)
        with anyio.fail_after(30), pytest.raises(TransportError) as caught:
            await job.wait(poll=PollPolicy(clock=clock))
    assert 300 <= clock.t <= 300 + 120, "300 s of failures, then at most one more backoff"
    assert "no response" in str(caught.value)


async def test_transport_patience_is_a_policy_field() -> None:
    clock = VirtualClock()
    async with dead_kit() as kit:
        job = kit.job("m2", "task-1", application_id=APP)
        with anyio.fail_after(30), pytest.raises(TransportError):
            await job.wait(
                poll=PollPolicy(min_delay=1, max_delay=2, transport_patience=10, clock=clock)
            )
    assert 10 <= clock.t <= 12


async def test_wait_timeout_names_the_last_error_seen() -> None:
    clock = VirtualClock()
    async with dead_kit() as kit:
        job = kit.job("omics", "1234567890", sequence_store_id=STORE)
        with anyio.fail_after(30), pytest.raises(WaitTimeout) as caught:
            await job.wait(timeout=30, poll=PollPolicy(clock=clock))
    message = str(caught.value)
    assert message.startswith("omics export 1234567890 still UNKNOWN")
    assert "after 30 s; last error: omics.GetReadSetExportJob: no response" in message
    assert isinstance(caught.value.__cause__, TransportError)
    assert clock.t == pytest.approx(30)


async def test_missing_credentials_end_the_wait_at_once(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clock = VirtualClock()
    async with ExportKit(region_name="us-east-1", endpoint_url=emu.endpoint_url) as kit:
        job = kit.job("omics", "1234567890", sequence_store_id=STORE)
        with anyio.fail_after(30), pytest.raises((CredentialsError, NoCredentialsError)):
            await job.wait(poll=PollPolicy(clock=clock))
    assert clock.sleeps == []
    assert emu.total_requests == 0


# -- one failure is raised as itself ------------------------------------------------------


class Boom(Exception):
    pass


def explode(job: object) -> None:
    raise Boom("on_update failed")


async def test_a_failing_on_update_raises_itself_and_leaves_other_waiters_alone(
    kit: ExportKit, clock: EmuClock
) -> None:
    job = await kit.m2.start(**start_kwargs("m2"))
    twin = kit.resume(job.token())
    policy = PollPolicy(min_delay=1, max_delay=2, clock=clock)
    results: dict[str, object] = {}

    async def failing() -> None:
        try:
            await job.wait(600, poll=policy, on_update=explode)
        except Boom as exc:  # itself, not an ExceptionGroup around it
            results["failing"] = exc

    async def calm() -> None:
        results["calm"] = (await twin.wait(600, poll=policy)).status

    async with anyio.create_task_group() as tg:
        tg.start_soon(failing)
        tg.start_soon(calm)
    assert isinstance(results["failing"], Boom)
    assert results["calm"] is ExportStatus.SUCCEEDED


async def test_wait_all_raises_a_failing_on_update_as_itself(
    kit: ExportKit, clock: EmuClock
) -> None:
    jobs = [await kit.discovery.start() for _ in range(3)]
    with pytest.raises(Boom):
        await kit.wait_all(jobs, timeout=60, poll=PollPolicy(clock=clock), on_update=explode)


async def test_batch_errors_of_several_pages_reach_each_job_not_as_a_group() -> None:
    """150 discovery jobs are asked for in two DescribeExportTasks calls at once; both are
    refused.  Each job's outcome is the AccessDeniedError at once (an error no retry can fix),
    and the call returns normally."""
    clock = VirtualClock()
    with Emulator(clock="manual", verify_signatures=True) as emu:
        wrong = {**emu.kit_kwargs(), "aws_secret_access_key": "wrong-secret"}
        async with ExportKit(**wrong, config=NO_RETRIES) as kit:
            jobs = [kit.job("discovery", f"export-{n}") for n in range(150)]
            outcomes = await kit.wait_all(jobs, poll=PollPolicy(clock=clock))
        assert all(isinstance(o.error, AccessDeniedError) for o in outcomes)
        assert clock.sleeps == []
        assert emu.requests[("discovery", "DescribeExportTasks")] == 2


# -- input checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["min_delay", "max_delay", "not_found_grace", "transport_patience"]
)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -1.0])
def test_poll_policy_rejects_nan_infinite_and_negative_values(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        PollPolicy(**{field: value})  # type: ignore[arg-type]


def test_poll_policy_rejects_zero_delays_and_non_numbers() -> None:
    with pytest.raises(ValueError, match="min_delay must be > 0"):
        PollPolicy(min_delay=0)
    with pytest.raises(TypeError, match="max_delay"):
        PollPolicy(max_delay="5")  # type: ignore[arg-type]
    assert PollPolicy(not_found_grace=0, transport_patience=0).transport_patience == 0


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0])
async def test_a_bad_timeout_is_a_value_error_and_sends_nothing(
    bad: float, kit: ExportKit, emu: Emulator
) -> None:
    job = kit.job("omics", "1234567890", sequence_store_id=STORE)
    with pytest.raises(ValueError, match="timeout"):
        await job.wait(bad)
    with pytest.raises(ValueError, match="timeout"):
        await kit.wait_all([job], timeout=bad)
    assert emu.total_requests == 0


def _token(body: Any) -> str:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return "ekjob." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


GOOD = {"v": 1, "service": "omics", "id": "1234567890", "scope": {"sequenceStoreId": STORE}}
MALFORMED = {
    "deeply nested list": _token(b"[" * 100_000 + b"]" * 100_000),
    "deeply nested scope": _token(
        b'{"v":1,"service":"omics","id":"1","hints":{},"scope":' + b'{"a":' * 50_000 + b"1"
    ),
    "huge": "ekjob." + "A" * 5_000_000,
    "not utf-8": _token(b"\xff\xfe{}"),
    "wrong id type": _token({**GOOD, "id": 12, "hints": {}}),
    "empty id": _token({**GOOD, "id": "", "hints": {}}),
    "scope values not strings": _token({**GOOD, "scope": {"sequenceStoreId": 1}, "hints": {}}),
    "hints not a table": _token({**GOOD, "hints": ["x"]}),
    "unknown service": _token({**GOOD, "service": "s3", "hints": {}}),
    "scope missing": _token({**GOOD, "scope": {}, "hints": {}}),
    "status not a string": _token({**GOOD, "hints": {}, "status": ["RUNNING"]}),
    "version a table": _token({**GOOD, "hints": {}, "v": {"x": 1}}),
}


@pytest.mark.parametrize("token", MALFORMED.values(), ids=MALFORMED.keys())
async def test_resume_of_any_malformed_token_is_a_value_error(
    token: str, kit: ExportKit, emu: Emulator
) -> None:
    with pytest.raises(ValueError, match="token"):
        kit.resume(token)
    assert emu.total_requests == 0


@pytest.mark.parametrize("token", [None, b"ekjob.e30", 12, ["ekjob."]])
async def test_resume_of_a_non_string_is_a_value_error(token: Any, kit: ExportKit) -> None:
    with pytest.raises(ValueError, match="token"):
        kit.resume(token)


async def test_resumed_jobs_wait_on_the_kit_s_shared_poller(kit: ExportKit) -> None:
    job = kit.resume(_token({**GOOD, "hints": {}}))
    assert isinstance(job, ExportJob)
    assert job._waits() is kit._waits()  # pyright: ignore[reportPrivateUsage]
