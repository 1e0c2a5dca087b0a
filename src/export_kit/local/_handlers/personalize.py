"""Personalize: dataset export jobs.

A job name is unique per account, forever: ``ResourceAlreadyExistsException`` (the API
reference).  Jobs list by ``datasetArn``, their parent.
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
        name="personalize",
        statuses={
            "pending": "CREATE PENDING",
            "running": "CREATE IN_PROGRESS",
            "succeeded": "ACTIVE",
            "failed": "CREATE FAILED",
        },
        errors={
            "validation": "InvalidInputException",
            "not_found": "ResourceNotFoundException",
            "throttling": "ThrottlingException",
            "server": "InternalFailure",
            "next_token": "InvalidNextTokenException",
        },
        quota_code="LimitExceededException",
        parent=Parent("Dataset", "ResourceNotFoundException"),
    )
)


@handles("personalize", "CreateDatasetExportJob")
def create_dataset_export_job(state: State, params: dict[str, Any]) -> dict[str, Any]:
    state.require_parent("personalize", params["datasetArn"])
    name = params["jobName"]
    if name in state.names:
        raise error(
            "personalize",
            "ResourceAlreadyExistsException",
            f"Dataset export job {name} already exists.",
        )
    arn = f"arn:aws:personalize:{state.region}:{ACCOUNT}:dataset-export-job/{name}"
    destination = params["jobOutput"]["s3DataDestination"]["path"].rstrip("/") + f"/{name}"
    state.new_job(
        "personalize", "export", arn, params["datasetArn"], params, {"destinations": [destination]}
    )
    state.remember_name(name, arn)
    return {"datasetExportJobArn": arn}


def _summary(job: Job, now: float, full: bool) -> dict[str, Any]:
    phase, since = job.phase_at(now)
    out: dict[str, Any] = {
        "jobName": job.params["jobName"],
        "datasetExportJobArn": job.id,
        "status": job.native_status(now),
        "creationDateTime": job.created,
        "lastUpdatedDateTime": since,
    }
    if phase == "failed":
        out["failureReason"] = job.reason or DEFAULT_FAILURE
    if full:
        out["datasetArn"] = job.params["datasetArn"]
        # The API reference: "The default value is PUT."
        out["ingestionMode"] = job.params.get("ingestionMode", "PUT")
        out["roleArn"] = job.params["roleArn"]
        out["jobOutput"] = job.params["jobOutput"]
    return out


@handles("personalize", "DescribeDatasetExportJob")
def describe_dataset_export_job(state: State, params: dict[str, Any]) -> dict[str, Any]:
    job = state.find("personalize", params["datasetExportJobArn"])
    if job is None:
        raise error(
            "personalize",
            "ResourceNotFoundException",
            f"Could not find resource with ARN {params['datasetExportJobArn']}.",
        )
    return {"datasetExportJob": _summary(job, state.now(), full=True)}


@handles("personalize", "ListDatasetExportJobs")
def list_dataset_export_jobs(state: State, params: dict[str, Any]) -> dict[str, Any]:
    dataset = params.get("datasetArn")
    if dataset is None:
        jobs = state.listed("personalize", "export")
    else:
        state.require_parent("personalize", dataset)
        jobs = state.listed("personalize", "export", dataset)
    page, token = state.page("personalize", jobs, "ListDatasetExportJobs", dataset, params)
    now = state.now()
    out: dict[str, Any] = {"datasetExportJobs": [_summary(j, now, False) for j in page]}
    if token:
        out["nextToken"] = token
    return out
