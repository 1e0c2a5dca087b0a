"""``ExportOperator``: start one export job from an Airflow task and wait for it.

Idempotency across Airflow's own retries: the start request gets a client token (or, for
Personalize, a job name) derived from the task instance, ``(dag_id, task_id, run_id,
map_index)``, unless the request sets one.  A retry of a task whose start call's answer
was lost therefore sends the same token: m2, HealthOmics and SimpleDB v2 return the job
they already started, and Personalize's ``ResourceAlreadyExists`` for the same name and
parameters is adopted (``export_kit.services.personalize``).  Application Discovery's
``StartExportTask`` has neither, so a retry after a lost answer starts a second export
task.  See docs/airflow.md.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from export_kit import ExportKit, PollPolicy
from export_kit.models import SERVICES
from export_kit.services import spec_for

from ._settings import KitSettings, kit_kwargs, poll_from, poll_settings
from ._trigger import ExportJobTrigger, wait_for_outcome

if TYPE_CHECKING:
    from airflow.sdk import Context

    from export_kit._shapes import StartRequest

__all__ = ["ExportOperator", "idempotency_key"]


def idempotency_key(dag_id: str, task_id: str, run_id: str, map_index: int) -> str:
    """A client token (56 printable characters) for one task instance, the same every try."""
    raw = "\x1f".join((dag_id, task_id, run_id, str(map_index))).encode()
    return "airflow-" + hashlib.sha256(raw).hexdigest()[:48]


def _job_name(task_id: str, key: str) -> str:
    """A Personalize job name (at most 63 of ``[A-Za-z0-9_-]``) that still shows the task."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", task_id)[:30]
    return f"airflow-{readable}-{key.removeprefix('airflow-')[:24]}"


class ExportOperator(BaseOperator):
    """Start an export job of one of the five services and wait for it to finish.

    Returns (as its XCom) the job's final description as JSON with the wire (camelCase)
    names: ``GetDataSetExportTask``'s response for m2, ``DescribeDatasetExportJob``'s for
    Personalize, the ``ExportInfo`` for Discovery, ``GetExport``'s for SimpleDB v2,
    ``GetReadSetExportJob``'s for HealthOmics.  The task fails with the service's reason
    when the job ends FAILED or CANCELLED (without retries: a retry would find the same
    job), or when ``timeout`` runs out or the job cannot be polled (retries apply and
    adopt the same job).

    Args:
      request: the start request, as a request model (``omics.StartReadSetExportJobRequest``...)
        or a dict of the start operation's parameters (snake_case or wire names); a dict
        is templated.
        Validated completely before anything is sent.
      service (str | None): ``m2``, ``personalize``, ``discovery``, ``simpledbv2`` or
        ``omics``; required when ``request`` is a dict.
      region_name (str | None): AWS region; templated; overrides the connection's.
      endpoint_url (str | None): a custom endpoint (the emulator); templated; overrides
        the connection's.
      aws_conn_id (str | None): an Airflow connection with the credentials (login: access
        key id, password: secret key; extra: ``aws_session_token``, ``region_name``,
        ``endpoint_url``, ``profile_name``); ``None`` uses the standard AWS chain.
      poll (PollPolicy | None): polling bounds (no clock or rng); ``None``: the service's.
      timeout (float | timedelta | None): how long to wait for the job; ``None``: no limit.
      deferrable (bool): wait in the triggerer (default) instead of holding a worker slot.

    Raises:
      ValueError: at DAG parse time for an unknown ``service``, a ``service`` that does not
        match the request model, a negative ``timeout`` or a ``poll`` with a clock.
    """

    template_fields: Collection[str] = ("request", "region_name", "endpoint_url", "aws_conn_id")
    template_fields_renderers: ClassVar[dict[str, str]] = {"request": "json"}

    def __init__(
        self,
        *,
        request: StartRequest[Any, Any] | Mapping[str, Any],
        service: str | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        aws_conn_id: str | None = None,
        poll: PollPolicy | None = None,
        timeout: float | timedelta | None = None,
        deferrable: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # pyright: ignore[reportUnknownMemberType]
        self.service = _service_of(request, service)
        self.request = request if not isinstance(request, Mapping) else dict(request)
        self.region_name = region_name
        self.endpoint_url = endpoint_url
        self.aws_conn_id = aws_conn_id
        self.poll = poll_settings(poll)
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        if seconds is not None and not seconds >= 0:
            raise ValueError(f"timeout must be >= 0 seconds, got {timeout!r}")
        self.timeout = seconds
        self.deferrable = deferrable

    # -- running ---------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        ti = context["ti"]  # pyright: ignore[reportTypedDictNotRequiredAccess]  (always set)
        map_index = ti.map_index if ti.map_index is not None else -1
        request = self.start_request(ti.dag_id, ti.task_id, ti.run_id, map_index)
        settings = KitSettings(self.region_name, self.endpoint_url, self.aws_conn_id)
        kwargs = kit_kwargs(settings)
        deadline = None if self.timeout is None else time.time() + self.timeout
        if self.deferrable:
            token = anyio.run(_start, kwargs, request)
            trigger = ExportJobTrigger(
                token=token,
                region_name=settings.region_name,
                endpoint_url=settings.endpoint_url,
                aws_conn_id=settings.aws_conn_id,
                poll=self.poll,
                deadline=deadline,
            )
            self.defer(trigger=trigger, method_name="execute_complete")
        payload = anyio.run(_start_and_wait, kwargs, request, deadline, poll_from(self.poll))
        return self.execute_complete(context, payload)

    def execute_complete(self, context: Context, event: Mapping[str, Any]) -> dict[str, Any]:
        """The job's description from the trigger's event, or fail the task with its message."""
        outcome = event.get("outcome")
        message = str(event.get("message") or f"export ended with outcome {outcome!r}")
        if outcome == "succeeded":
            self.log.info("%s", message)
            description: dict[str, Any] | None = event.get("description")
            return description or {}
        if outcome == "failed":
            raise AirflowFailException(message)
        raise AirflowException(message)

    def start_request(
        self, dag_id: str, task_id: str, run_id: str, map_index: int
    ) -> StartRequest[Any, Any]:
        """The validated start request of this task instance.

        Its client token (Personalize: job name), unless the request sets one, is derived
        from the task instance, so every try of it sends the same one.

        Raises:
          RequestValidationError: naming each wrong field; nothing was sent.
        """
        spec = spec_for(self.service)
        request_cls, field = spec.start_request, spec.idempotency_field
        key = idempotency_key(dag_id, task_id, run_id, map_index)
        if isinstance(self.request, Mapping):
            params: dict[str, Any] = dict(self.request)  # pyright: ignore[reportUnknownArgumentType]
            if field is not None and not _has(request_cls, params, field):
                params[field] = key if field == "client_token" else _job_name(task_id, key)
            request = request_cls.model_validate(params)
        else:
            request = self.request
        if field == "client_token" and getattr(request, field) is None:
            request = request.model_copy(update={field: key})
        return request


def _has(request_cls: type[StartRequest[Any, Any]], params: Mapping[str, Any], field: str) -> bool:
    """Whether ``params`` sets ``field`` under its Python or its wire name."""
    wire = request_cls.model_fields[field].alias or field
    return params.get(field) is not None or params.get(wire) is not None


def _service_of(request: object, service: str | None) -> str:
    if service is not None and service not in SERVICES:
        raise ValueError(f"service must be one of {', '.join(SERVICES)}, got {service!r}")
    for name in SERVICES:
        if isinstance(request, spec_for(name).start_request):
            if service is not None and service != name:
                raise ValueError(
                    f"service={service!r} does not match the request, a {name} "
                    f"{type(request).__name__}"  # pyright: ignore[reportUnknownArgumentType]
                )
            return name
    if not isinstance(request, Mapping):
        raise ValueError(
            "request must be a start request model (such as "
            "omics.StartReadSetExportJobRequest) or a dict of its parameters, "
            f"got {type(request).__name__}"
        )
    if service is None:
        raise ValueError("service is required when request is a dict of parameters")
    return service


async def _start(kwargs: Mapping[str, Any], request: StartRequest[Any, Any]) -> str:
    async with ExportKit(**kwargs) as kit:
        return (await kit.start(request)).token()


async def _start_and_wait(
    kwargs: Mapping[str, Any],
    request: StartRequest[Any, Any],
    deadline: float | None,
    poll: PollPolicy | None,
) -> dict[str, Any]:
    async with ExportKit(**kwargs) as kit:
        job = await kit.start(request)
        return await wait_for_outcome(job, deadline, poll)
