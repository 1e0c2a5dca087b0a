"""SimpleDB v2: domain exports.

``clientToken``: 8 hours; the same token with other parameters is a ``ConflictException``
(the API reference).  An export's files go to ``<s3KeyPrefix>/AWSSimpleDB/<export id>``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from export_kit.local._errors import error
from export_kit.local._jobs import DEFAULT_FAILURE, Job
from export_kit.local._rules import Parent, ServiceRules, register
from export_kit.local._state import ACCOUNT, State
from export_kit.local._table import handles

RULES: Final = register(
    ServiceRules(
        name="simpledbv2",
        statuses={
            "pending": "PENDING",
            "running": "IN_PROGRESS",
            "succeeded": "SUCCEEDED",
            "failed": "FAILED",
        },
        errors={
            "validation": "InvalidParameterValueException",
            "not_found": "NoSuchExportException",
            "throttling": "ThrottlingException",
            "server": "InternalFailure",
            "next_token": "InvalidNextTokenException",
        },
        quota_code="NumberExportsLimitExceeded",
        parent=Parent("Domain", "NoSuchDomainException"),
    )
)
TOKEN_WINDOW: Final = 8 * 3600.0


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


@handles("simpledbv2", "StartDomainExport")
def start_domain_export(state: State, params: dict[str, Any]) -> dict[str, Any]:
    domain = params["domainName"]
    state.require_parent("simpledbv2", domain)
    algorithm, kms = params.get("s3SseAlgorithm"), params.get("s3SseKmsKeyId")
    if kms is not None and algorithm != "KMS":
        raise error(
            "simpledbv2",
            "InvalidParameterCombinationException",
            "s3SseKmsKeyId requires s3SseAlgorithm KMS.",
        )
    token = params.get("clientToken") or state.uuid()
    digest = _digest({k: v for k, v in params.items() if k != "clientToken"})
    key = f"simpledbv2|{token}"
    record = state.token(key, TOKEN_WINDOW)
    if record is not None:
        if record.digest != digest:
            raise error(
                "simpledbv2",
                "ConflictException",
                f"clientToken {token} was already used with different parameters.",
            )
        job = state.jobs[record.job_id]
        return {"clientToken": token, "exportArn": job.id, "requestedAt": job.created}
    arn = f"arn:aws:sdb:{state.region}:{ACCOUNT}:domain/{domain}/export/{state.uuid()}"
    prefix = params.get("s3KeyPrefix", "").strip("/")
    export_key = "/".join(x for x in (prefix, "AWSSimpleDB", arn.rsplit("/", 1)[-1]) if x)
    extra = {
        "destinations": [f"s3://{params['s3Bucket']}/{export_key}"],
        "manifest": f"{export_key}/manifest.json",
    }
    job = state.new_job(
        "simpledbv2", "export", arn, domain, {**params, "clientToken": token}, extra
    )
    state.remember_token(key, arn, digest)
    return {"clientToken": token, "exportArn": arn, "requestedAt": job.created}


def _summary(job: Job, now: float) -> dict[str, Any]:
    return {
        "exportArn": job.id,
        "exportStatus": job.native_status(now),
        "requestedAt": job.created,
        "domainName": job.scope,
    }


@handles("simpledbv2", "GetExport")
def get_export(state: State, params: dict[str, Any]) -> dict[str, Any]:
    job = state.find("simpledbv2", params["exportArn"])
    if job is None:
        raise error(
            "simpledbv2", "NoSuchExportException", f"Export {params['exportArn']} does not exist."
        )
    now = state.now()
    out = _summary(job, now)
    out["clientToken"] = job.params["clientToken"]
    out["s3Bucket"] = job.params["s3Bucket"]
    for name in ("s3KeyPrefix", "s3SseAlgorithm", "s3SseKmsKeyId", "s3BucketOwner"):
        if job.params.get(name) is not None:
            out[name] = job.params[name]
    phase = job.phase_at(now)[0]
    if phase == "failed":
        out["failureCode"] = "ExportFailed"
        out["failureMessage"] = job.reason or DEFAULT_FAILURE
    elif phase == "succeeded":
        out["exportManifest"] = job.extra["manifest"]
        out["itemsCount"] = 5
        out["exportDataCutoffTime"] = job.created
    return out


@handles("simpledbv2", "ListExports")
def list_exports(state: State, params: dict[str, Any]) -> dict[str, Any]:
    domain = params.get("domainName")
    if domain is None:
        jobs = state.listed("simpledbv2", "export")
    else:
        state.require_parent("simpledbv2", domain)
        jobs = state.listed("simpledbv2", "export", domain)
    if params.get("maxResults") is not None:
        params = {**params, "maxResults": min(params["maxResults"], 100)}
    page, token = state.page("simpledbv2", jobs, "ListExports", domain, params)
    now = state.now()
    out: dict[str, Any] = {"exportSummaries": [_summary(j, now) for j in page]}
    if token:
        out["nextToken"] = token
    return out
