"""Application Discovery: export tasks and continuous exports.

Export tasks have no pending state (IN_PROGRESS at once) and no parent resource.
``DescribeExportTasks`` takes at most 100 ``exportIds``; ``maxResults`` 0 means "not set"
(the Smithy default of the ``Integer`` shape), larger values are capped at 100.

One continuous export runs at a time (``ConflictErrorException``).  Its status follows
``_jobs.continuous_status``; ``statusDetail`` is present only for the failure statuses
(START_FAILED, ERROR, STOP_FAILED) and holds one of the codes the API documents
(``INTERNAL_FAILURE`` unless the forced failure gave another).  The schema lives in the
Glue database named under ``schemaStorageConfig["databaseName"]``.
"""

from __future__ import annotations

import heapq
from typing import Any, Final

from export_kit.local._errors import error, kind_error
from export_kit.local._jobs import DEFAULT_FAILURE, Job, continuous_status
from export_kit.local._rules import ServiceRules, register
from export_kit.local._state import State
from export_kit.local._table import handles
from export_kit.local._validate import parse_timestamp

RULES: Final = register(
    ServiceRules(
        name="discovery",
        statuses={
            "pending": "IN_PROGRESS",
            "running": "IN_PROGRESS",
            "succeeded": "SUCCEEDED",
            "failed": "FAILED",
        },
        errors={
            "validation": "InvalidParameterValueException",
            "not_found": "ResourceNotFoundException",
            "throttling": "ThrottlingException",
            "server": "ServerInternalErrorException",
            "next_token": "InvalidParameterValueException",
        },
    )
)
DOWNLOAD_PATH: Final = "/_emulator/discovery/{export_id}.zip"
MAX_EXPORT_IDS: Final = 100
#: What ``statusDetail`` says for a forced failure that names no documented code.
DEFAULT_DETAIL: Final = "INTERNAL_FAILURE"
#: The Glue database continuous exports describe their schema in.
DATABASE_NAME: Final = "application_discovery_service_database"
_FAILURES: Final = frozenset({"START_FAILED", "ERROR", "STOP_FAILED"})


def _filters(filters: list[dict[str, Any]]) -> list[str]:
    agents: list[str] = []
    for i, f in enumerate(filters):
        if f["name"] not in ("agentIds", "AgentId"):
            raise kind_error(
                "discovery",
                "validation",
                f"filters[{i}].name: unsupported filter {f['name']!r}; use agentIds.",
            )
        if f["condition"] != "EQUALS":
            raise kind_error(
                "discovery",
                "validation",
                f"filters[{i}].condition: unsupported condition {f['condition']!r}; use EQUALS.",
            )
        agents += f["values"]
    return agents


@handles("discovery", "StartExportTask")
def start_export_task(state: State, params: dict[str, Any]) -> dict[str, Any]:
    start, end = params.get("startTime"), params.get("endTime")
    if start is not None and end is not None:
        first, last = parse_timestamp(start), parse_timestamp(end)
        if first is not None and last is not None and first > last:
            raise kind_error("discovery", "validation", "startTime must not be after endTime.")
    agents = sorted(set(_filters(params.get("filters", []))))
    export_id = "export-" + state.uuid()
    state.new_job("discovery", "export", export_id, "", params, {"agents": agents})
    return {"exportId": export_id}


def _info(state: State, job: Job, now: float) -> dict[str, Any]:
    phase = job.phase_at(now)[0]
    messages = {"succeeded": "Export succeeded.", "failed": job.reason or DEFAULT_FAILURE}
    out: dict[str, Any] = {
        "exportId": job.id,
        "exportStatus": job.native_status(now),
        "statusMessage": messages.get(phase, "Export in progress."),
        "exportRequestTime": job.created,
        "isTruncated": False,
    }
    if phase == "succeeded":
        out["configurationsDownloadUrl"] = state.base_url() + DOWNLOAD_PATH.format(export_id=job.id)
    for src, dst in (("startTime", "requestedStartTime"), ("endTime", "requestedEndTime")):
        if job.params.get(src) is not None:
            out[dst] = parse_timestamp(job.params[src])
    return out


def _scope_jobs(state: State, ids: list[str], agents: list[str]) -> list[Job]:
    """The export tasks matching ``exportIds`` and agent filters, oldest first."""
    if ids:
        found = {i: job for i in ids if (job := state.find("discovery", i)) is not None}
        jobs = sorted(found.values(), key=lambda j: j.seq)
        return [j for j in jobs if not agents or set(agents) & set(j.extra.get("agents", []))]
    if not agents:
        return state.listed("discovery", "export")
    lists = [state.listed("discovery", "export", "agent", a) for a in sorted(set(agents))]
    if len(lists) == 1:
        return lists[0]
    merged: list[Job] = []
    for job in heapq.merge(*lists, key=lambda j: j.seq):
        if not merged or merged[-1] is not job:
            merged.append(job)
    return merged


@handles("discovery", "DescribeExportTasks")
def describe_export_tasks(state: State, params: dict[str, Any]) -> dict[str, Any]:
    ids: list[str] = params.get("exportIds") or []
    if len(ids) > MAX_EXPORT_IDS:
        raise kind_error(
            "discovery",
            "validation",
            f"exportIds: at most {MAX_EXPORT_IDS} export ids per call, got {len(ids)}.",
        )
    size = params.get("maxResults")
    if size is not None and size < 0:
        raise kind_error("discovery", "validation", "maxResults must not be negative.")
    params = {**params, "maxResults": min(size, 100) if size else None}
    agents = _filters(params.get("filters", []))
    jobs = _scope_jobs(state, ids, agents)
    page, token = state.page(
        "discovery", jobs, "DescribeExportTasks", [sorted(ids), sorted(set(agents))], params
    )
    now = state.now()
    out: dict[str, Any] = {"exportsInfo": [_info(state, j, now) for j in page]}
    if token:
        out["nextToken"] = token
    return out


def _storage() -> dict[str, str]:
    return {"databaseName": DATABASE_NAME}


@handles("discovery", "StartContinuousExport")
def start_continuous_export(state: State, params: dict[str, Any]) -> dict[str, Any]:
    now = state.now()
    for job in state.listed("discovery", "continuous"):
        status = continuous_status(job, now)[0]
        if status not in ("INACTIVE", "START_FAILED"):
            raise error(
                "discovery",
                "ConflictErrorException",
                f"Continuous export {job.id} is already {status}.",
            )
    export_id = "continuous-" + state.uuid()
    bucket = f"aws-application-discovery-service-{export_id[-12:]}"
    job = state.new_job("discovery", "continuous", export_id, "", {}, {"s3Bucket": bucket})
    return {
        "exportId": export_id,
        "s3Bucket": bucket,
        "startTime": job.created,
        "dataSource": "AGENT",
        "schemaStorageConfig": _storage(),
    }


def _continuous(job: Job, now: float) -> dict[str, Any]:
    status, _ = continuous_status(job, now)
    out: dict[str, Any] = {
        "exportId": job.id,
        "status": status,
        "s3Bucket": job.extra["s3Bucket"],
        "startTime": job.created,
        "dataSource": "AGENT",
        "schemaStorageConfig": _storage(),
    }
    if status in _FAILURES:
        out["statusDetail"] = job.reason or DEFAULT_DETAIL
    if job.stop_at is not None and status == "INACTIVE":
        out["stopTime"] = job.stop_at + job.pending_span
    return out


@handles("discovery", "DescribeContinuousExports")
def describe_continuous_exports(state: State, params: dict[str, Any]) -> dict[str, Any]:
    ids: list[str] = params.get("exportIds") or []
    found: dict[str, Job] = {}
    for export_id in ids:
        job = state.find("discovery", export_id, kind="continuous")
        if job is None:
            raise error(
                "discovery",
                "ResourceNotFoundException",
                f"Continuous export {export_id} not found.",
            )
        found[job.id] = job
    jobs = (
        sorted(found.values(), key=lambda j: j.seq)
        if ids
        else state.listed("discovery", "continuous")
    )
    page, token = state.page("discovery", jobs, "DescribeContinuousExports", sorted(ids), params)
    now = state.now()
    out: dict[str, Any] = {"descriptions": [_continuous(j, now) for j in page]}
    if token:
        out["nextToken"] = token
    return out


@handles("discovery", "StopContinuousExport")
def stop_continuous_export(state: State, params: dict[str, Any]) -> dict[str, Any]:
    job = state.find("discovery", params["exportId"], kind="continuous")
    if job is None:
        raise error(
            "discovery",
            "ResourceNotFoundException",
            f"Continuous export {params['exportId']} not found.",
        )
    now = state.now()
    status = continuous_status(job, now)[0]
    if status in ("START_IN_PROGRESS", "STOP_IN_PROGRESS"):
        raise error(
            "discovery", "ResourceInUseException", f"Continuous export {job.id} is {status}."
        )
    if status not in ("ACTIVE", "ERROR", "STOP_FAILED"):
        raise error(
            "discovery",
            "OperationNotPermittedException",
            f"Continuous export {job.id} is {status}.",
        )
    # The API reference: after ERROR or STOP_FAILED, stop (again) to recover.
    job.failed_at = None
    job.reason = None
    job.stop_at = now
    state.changed(job)
    return {"startTime": job.created, "stopTime": now + job.pending_span}
