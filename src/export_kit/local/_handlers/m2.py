"""Mainframe Modernization (m2): data set export tasks under an application.

``clientToken``: the same token for the same application within 1 hour returns the same
``taskId`` (the API reference).  A task exporting ``dataSets`` counts one data set per
entry; one exporting an ``s3Location`` list file counts 3.
"""

from __future__ import annotations

from typing import Any, Final

from export_kit.local._errors import error
from export_kit.local._jobs import DEFAULT_FAILURE, Job
from export_kit.local._rules import Parent, ServiceRules, register
from export_kit.local._state import ACCOUNT, State
from export_kit.local._table import handles

RULES: Final = register(
    ServiceRules(
        name="m2",
        statuses={
            "pending": "Creating",
            "running": "Running",
            "succeeded": "Completed",
            "failed": "Failed",
        },
        errors={
            "validation": "ValidationException",
            "not_found": "ResourceNotFoundException",
            "throttling": "ThrottlingException",
            "server": "InternalServerException",
            "next_token": "ValidationException",
        },
        quota_code="ServiceQuotaExceededException",
        parent=Parent("Application", "ResourceNotFoundException"),
    )
)
TOKEN_WINDOW: Final = 3600.0


@handles("m2", "CreateDataSetExportTask")
def create_data_set_export_task(state: State, params: dict[str, Any]) -> dict[str, Any]:
    app = params["applicationId"]
    state.require_parent("m2", app)
    token = params.get("clientToken")
    key = f"m2|{app}|{token}"
    if token:
        record = state.token(key, TOKEN_WINDOW)
        if record is not None:
            return {"taskId": record.job_id}
    config = params["exportConfig"]
    if "dataSets" in config:
        extra = {
            "destinations": [d["externalLocation"]["s3Location"] for d in config["dataSets"]],
            "total": len(config["dataSets"]),
        }
    else:
        extra = {"destinations": [config["s3Location"].rstrip("/") + ".export"], "total": 3}
    job = state.new_job("m2", "export", state.uuid(), app, params, extra)
    if token:
        state.remember_token(key, job.id)
    return {"taskId": job.id}


def _summary(job: Job, now: float) -> dict[str, Any]:
    total = int(job.extra.get("total", 1))
    counts = {"total": total, "pending": 0, "inProgress": 0, "succeeded": 0, "failed": 0}
    phase = job.phase_at(now)[0]
    slot = {"pending": "pending", "running": "inProgress", "succeeded": "succeeded"}.get(
        phase, "failed"
    )
    counts[slot] = total
    return counts


def _item(job: Job, now: float) -> dict[str, Any]:
    item: dict[str, Any] = {
        "taskId": job.id,
        "status": job.native_status(now),
        "summary": _summary(job, now),
    }
    if job.phase_at(now)[0] == "failed":
        item["statusReason"] = job.reason or DEFAULT_FAILURE
    return item


@handles("m2", "GetDataSetExportTask")
def get_data_set_export_task(state: State, params: dict[str, Any]) -> dict[str, Any]:
    state.require_parent("m2", params["applicationId"])
    job = state.find("m2", params["taskId"], params["applicationId"])
    if job is None:
        raise error(
            "m2",
            "ResourceNotFoundException",
            f"Data set export task {params['taskId']} not found.",
            resourceId=params["taskId"],
            resourceType="dataset-export-task",
        )
    out = _item(job, state.now())
    kms = job.params.get("kmsKeyId")
    if kms:
        out["kmsKeyArn"] = (
            kms if kms.startswith("arn:") else f"arn:aws:kms:{state.region}:{ACCOUNT}:key/{kms}"
        )
    return out


@handles("m2", "ListDataSetExportHistory")
def list_data_set_export_history(state: State, params: dict[str, Any]) -> dict[str, Any]:
    app = params["applicationId"]
    state.require_parent("m2", app)
    jobs = state.listed("m2", "export", app)
    page, token = state.page("m2", jobs, "ListDataSetExportHistory", app, params)
    now = state.now()
    out: dict[str, Any] = {"dataSetExportTasks": [_item(j, now) for j in page]}
    if token:
        out["nextToken"] = token
    return out
