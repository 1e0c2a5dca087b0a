"""``ExportJobTrigger``: waits for one export job in the Airflow triggerer.

Serialized, a trigger is the job's resume token (``job.token()``: service, id, scope, last
seen status; no secrets), the kit settings (region, endpoint, connection id), the poll
settings and the absolute deadline, so a triggerer restart keeps the original timeout.
Running, it resumes the job on the kit shared by every trigger with the same settings in
this triggerer process (see ``export_kit.airflow._settings``), so N deferred export tasks
are polled by that kit's one poller, and fires one event whose payload is
:func:`outcome_payload`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from export_kit import ExportFailed, ExportJob, ExportKitError, PollPolicy, WaitTimeout

from ._settings import KitSettings, poll_from, shared_kit

__all__ = ["ExportJobTrigger", "outcome_payload", "wait_for_outcome"]

CLASSPATH = "export_kit.airflow.ExportJobTrigger"


class ExportJobTrigger(BaseTrigger):
    """Fires once the export job behind ``token`` is terminal, fails to poll, or times out.

    Args:
      token (str): the job's ``job.token()``.
      region_name (str | None): AWS region; overrides the connection's ``region_name``.
      endpoint_url (str | None): endpoint; overrides the connection's ``endpoint_url``.
      aws_conn_id (str | None): Airflow connection holding the credentials; ``None`` uses
        the standard AWS credential chain of the triggerer.
      poll (dict | None): ``min_delay``, ``max_delay``, ``not_found_grace`` of a
        ``PollPolicy``; ``None`` uses each service's default.
      deadline (float | None): Unix time at which the wait times out; ``None``: never.
    """

    def __init__(
        self,
        *,
        token: str,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        aws_conn_id: str | None = None,
        poll: Mapping[str, float] | None = None,
        deadline: float | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # (Airflow's is untyped)
        self.token = token
        self.settings = KitSettings(region_name, endpoint_url, aws_conn_id)
        self.poll = dict(poll) if poll is not None else None
        self.deadline = deadline
        # Fail here, not in the triggerer, on a bad policy.
        poll_from(self.poll)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            CLASSPATH,
            {
                "token": self.token,
                "region_name": self.settings.region_name,
                "endpoint_url": self.settings.endpoint_url,
                "aws_conn_id": self.settings.aws_conn_id,
                "poll": self.poll,
                "deadline": self.deadline,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        async with shared_kit(self.settings) as kit:
            job = kit.resume(self.token)
            self.log.info("waiting for %s export %s", job.service, job.id)
            payload = await wait_for_outcome(job, self.deadline, poll_from(self.poll))
        yield TriggerEvent(payload)  # type: ignore[no-untyped-call]


async def wait_for_outcome(
    job: ExportJob, deadline: float | None, poll: PollPolicy | None
) -> dict[str, Any]:
    """Wait for ``job`` until ``deadline`` (Unix time); the event payload of how it ended."""
    timeout = None if deadline is None else max(0.0, deadline - time.time())
    try:
        await job.wait(timeout=timeout, poll=poll)
    except ExportFailed as exc:
        reason = exc.reason or "the service gave no reason"
        return outcome_payload(job, "failed", f"ended {_status(job)}: {reason}")
    except WaitTimeout:
        return outcome_payload(
            job, "timeout", f"was still {_status(job)} when the timeout ({timeout:g} s) ran out"
        )
    except ExportKitError as exc:
        return outcome_payload(job, "error", f"could not be polled: {type(exc).__name__}: {exc}")
    return outcome_payload(job, "succeeded", f"ended {_status(job)}")


def _status(job: ExportJob) -> str:
    return f"{job.status} ({job.native_status})" if job.native_status else str(job.status)


def outcome_payload(job: ExportJob, outcome: str, message: str) -> dict[str, Any]:
    """A JSON-able event: ``outcome`` is succeeded, failed, timeout or error.

    ``description`` is the job's last typed description as wire-named JSON (what the
    operator returns as its XCom), ``token`` lets the task pick the job up again.
    """
    return {
        "outcome": outcome,
        "service": job.service,
        "id": job.id,
        "status": job.status.value,
        "native_status": job.native_status,
        "failure_reason": job.failure_reason,
        "message": f"{job.service} export {job.id} {message}",
        "token": job.token(),
        "description": (
            job.description.model_dump(mode="json", by_alias=True, exclude_none=True)
            if job.description is not None
            else None
        ),
    }
