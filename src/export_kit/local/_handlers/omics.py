"""HealthOmics: read set export jobs under a sequence store.

``clientToken``: the same token for the same sequence store within 8 hours returns the
same job (AWS documents no window; 8 hours is the emulator's choice).  A forced partial
outcome fails half the job's read sets (at least one).  Without a ``filter`` a list page
costs only the jobs on it; ``status``, ``createdAfter`` and ``createdBefore`` walk the
store's jobs from the page start until the page is full.
"""

from __future__ import annotations

from typing import Any, Final

from export_kit.local._errors import error
from export_kit.local._jobs import DEFAULT_FAILURE, DEFAULT_PARTIAL, Job
from export_kit.local._rules import TERMINAL, Parent, Phase, ServiceRules, register
from export_kit.local._state import State
from export_kit.local._table import handles
from export_kit.local._validate import parse_timestamp

RULES: Final = register(
    ServiceRules(
        name="omics",
        statuses={
            "pending": "SUBMITTED",
            "running": "IN_PROGRESS",
            "succeeded": "COMPLETED",
            "partial": "COMPLETED_WITH_FAILURES",
            "failed": "FAILED",
            "cancelling": "CANCELLING",
            "cancelled": "CANCELLED",
        },
        errors={
            "validation": "ValidationException",
            "not_found": "ResourceNotFoundException",
            "throttling": "ThrottlingException",
            "server": "InternalServerException",
            "next_token": "ValidationException",
        },
        quota_code="ServiceQuotaExceededException",
        parent=Parent("Sequence store", "ResourceNotFoundException"),
    )
)
TOKEN_WINDOW: Final = 8 * 3600.0
_ITEM_STATUS: Final = {
    "pending": "NOT_STARTED",
    "running": "IN_PROGRESS",
    "succeeded": "FINISHED",
    "partial": "FINISHED",
    "failed": "FAILED",
    "cancelling": "IN_PROGRESS",
    "cancelled": "NOT_STARTED",
}


@handles("omics", "StartReadSetExportJob")
def start_read_set_export_job(state: State, params: dict[str, Any]) -> dict[str, Any]:
    store = params["sequenceStoreId"]
    state.require_parent("omics", store)
    token = params.get("clientToken")
    key = f"omics|{store}|{token}"
    record = state.token(key, TOKEN_WINDOW) if token else None
    if record is not None:
        job = state.jobs[record.job_id]
    else:
        job = state.new_job(
            "omics",
            "export",
            state.digits(),
            store,
            params,
            {"destinations": [params["destination"]]},
        )
        if job.outcome == "partial":
            ids = [s["readSetId"] for s in params["sources"]]
            job.extra["failed_items"] = ids[: max(1, len(ids) // 2)]
        if token:
            state.remember_token(key, job.id)
    return _detail(job, state.now(), completion=False)


def _detail(
    job: Job, now: float, *, completion: bool = True, phase: tuple[Phase, float] | None = None
) -> dict[str, Any]:
    current, since = phase or job.phase_at(now)
    out: dict[str, Any] = {
        "id": job.id,
        "sequenceStoreId": job.scope,
        "destination": job.params["destination"],
        "status": job.status_override or RULES.statuses[current],
        "creationTime": job.created,
    }
    if completion and current in TERMINAL:
        out["completionTime"] = since
    return out


@handles("omics", "GetReadSetExportJob")
def get_read_set_export_job(state: State, params: dict[str, Any]) -> dict[str, Any]:
    store = params["sequenceStoreId"]
    state.require_parent("omics", store)
    job = state.find("omics", params["id"], store)
    if job is None:
        raise error("omics", "ResourceNotFoundException", f"Export job {params['id']} not found.")
    now = state.now()
    current = job.phase_at(now)
    out = _detail(job, now, phase=current)
    phase = current[0]
    failed = set(job.extra.get("failed_items", [])) if phase == "partial" else set[str]()
    read_sets: list[dict[str, Any]] = []
    for source in job.params["sources"]:
        rid = source["readSetId"]
        item: dict[str, Any] = {"id": rid, "status": _ITEM_STATUS[phase]}
        if rid in failed:
            item["status"] = "FAILED"
            item["statusMessage"] = "Read set export failed."
        read_sets.append(item)
    out["readSets"] = read_sets
    if phase == "failed":
        out["statusMessage"] = job.reason or DEFAULT_FAILURE
    elif phase == "partial":
        out["statusMessage"] = job.reason or DEFAULT_PARTIAL
    elif phase in ("cancelling", "cancelled"):
        out["statusMessage"] = "The export job was cancelled."
    return out


@handles("omics", "ListReadSetExportJobs")
def list_read_set_export_jobs(state: State, params: dict[str, Any]) -> dict[str, Any]:
    store = params["sequenceStoreId"]
    state.require_parent("omics", store)
    flt: dict[str, Any] = params.get("filter") or {}
    now = state.now()
    status = flt.get("status")
    after = parse_timestamp(flt["createdAfter"]) if "createdAfter" in flt else None
    before = parse_timestamp(flt["createdBefore"]) if "createdBefore" in flt else None

    def match(job: Job) -> bool:
        return (
            (status is None or job.native_status(now) == status)
            and (after is None or job.created >= after)
            and (before is None or job.created <= before)
        )

    jobs = state.listed("omics", "export", store)
    page, token = state.page(
        "omics",
        jobs,
        "ListReadSetExportJobs",
        [store, flt],
        params,
        match if (status, after, before) != (None, None, None) else None,
    )
    out: dict[str, Any] = {"exportJobs": [_detail(j, now) for j in page]}
    if token:
        out["nextToken"] = token
    return out
