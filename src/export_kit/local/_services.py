"""The five services' export operations: state, business rules and idempotency.

Handlers take validated wire parameters and return output dictionaries whose timestamps
are epoch floats (the protocol layer formats them).  All state sits behind one lock, so
the emulator can be driven from another thread (``advance()``, ``fail_next()``...).

Rules, as the AWS API references describe them:

* m2 ``clientToken``: the same token for the same application within 1 hour returns the
  same ``taskId``.
* SimpleDB v2 ``clientToken``: 8 hours; the same token with other parameters is a
  ``ConflictException``.
* omics ``clientToken``: the same token for the same sequence store within 8 hours returns
  the same job (AWS does not document a window; 8 hours is the emulator's choice).
* Personalize: a job name is unique per account, forever: ``ResourceAlreadyExistsException``.
* Discovery: one continuous export at a time (``ConflictErrorException``).

Scope resources (m2 applications, Personalize datasets, SimpleDB domains, omics sequence
stores) all exist unless marked missing with ``Emulator.mark_missing``.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from . import _files, _store
from ._clock import Clock
from ._errors import QUOTA_CODES, error, kind_error
from ._jobs import (
    DEFAULT_FAILURE,
    DEFAULT_PARTIAL,
    OUTCOMES,
    TERMINAL,
    Job,
    Outcome,
    continuous_status,
)
from ._pagination import InvalidToken, paginate
from ._validate import parse_timestamp

ACCOUNT: Final = "123456789012"
TOKEN_WINDOWS: Final[dict[str, float]] = {
    "m2": 3600.0,
    "simpledbv2": 8 * 3600.0,
    "omics": 8 * 3600.0,
}
DOWNLOAD_PATH: Final = "/_emulator/discovery/{export_id}.zip"


@dataclass
class Forced:
    outcome: Outcome
    reason: str | None


@dataclass
class _Token:
    job_id: str
    first_seen: float
    digest: str


@dataclass
class State:
    """Every job the emulator knows, plus forced outcomes and idempotency records."""

    durations: dict[str, float]
    clock: Clock
    seed: int
    data_dir: Path | None
    persist: bool
    base_url: Callable[[], str] = lambda: "http://127.0.0.1"
    #: At most this many unfinished export jobs per service (None: no quota).
    max_active_jobs: int | None = None
    jobs: dict[str, Job] = field(default_factory=dict[str, Job])
    tokens: dict[str, _Token] = field(default_factory=dict[str, _Token])
    names: dict[str, str] = field(default_factory=dict[str, str])
    forced: dict[str, list[Forced]] = field(default_factory=dict[str, list[Forced]])
    missing: set[tuple[str, str]] = field(default_factory=set[tuple[str, str]])
    seq: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"ids:{self.seed}")
        if self.persist and self.data_dir is not None:
            saved = _store.load(self.data_dir)
            if saved is not None:
                self.jobs = {j["id"]: Job.from_json(j) for j in saved["jobs"]}
                self.tokens = {k: _Token(**v) for k, v in saved["tokens"].items()}
                self.names = dict(saved["names"])
                self.seq = int(saved["seq"])
                self._rng.setstate(_rng_state(saved["rng"]))

    # -- bookkeeping -------------------------------------------------------------------

    def save(self) -> None:
        if not (self.persist and self.data_dir is not None):
            return
        _store.save(
            self.data_dir,
            {
                "jobs": [j.to_json() for j in self.jobs.values()],
                "tokens": {k: vars(t) for k, t in self.tokens.items()},
                "names": self.names,
                "seq": self.seq,
                "rng": _rng_json(self._rng.getstate()),
            },
        )

    def now(self) -> float:
        return self.clock.now()

    def tick(self) -> None:
        """Finish what has finished: write output files of newly terminal jobs."""
        now = self.now()
        changed = False
        with self.lock:
            for job in self.jobs.values():
                if job.finalized or job.kind != "export":
                    continue
                if job.finished_at(now) is None:
                    continue
                job.finalized = True
                changed = True
                phase = job.phase_at(now)[0]
                if self.data_dir is not None and phase in ("succeeded", "partial"):
                    failed = set(job.extra.get("failed_items", []))
                    _files.write_export(
                        self.data_dir, job, self.seed, job.extra.get("destinations", []), failed
                    )
            if changed:
                self.save()

    def _new_job(
        self, service: str, kind: str, job_id: str, scope: str, params: dict[str, Any]
    ) -> Job:
        if kind == "export" and self.max_active_jobs is not None and service in QUOTA_CODES:
            now = self.now()
            active = sum(
                1
                for j in self.jobs.values()
                if j.service == service and j.kind == "export" and j.finished_at(now) is None
            )
            if active >= self.max_active_jobs:
                raise error(
                    service,
                    QUOTA_CODES[service],
                    f"Limit of {self.max_active_jobs} export jobs in progress reached.",
                )
        self.seq += 1
        queue = self.forced.get(service, [])
        forced = queue.pop(0) if queue and kind == "export" else None
        if kind == "continuous" and service == "discovery" and queue:
            forced = queue.pop(0) if queue[0].outcome == "fail" else None
        job = Job(
            service=service,
            kind="continuous" if kind == "continuous" else "export",
            id=job_id,
            seq=self.seq,
            created=self.now(),
            duration=self.durations[service],
            scope=scope,
            params=params,
        )
        if forced is not None:
            job.outcome = forced.outcome
            job.reason = forced.reason
        self.jobs[job_id] = job
        return job

    def _find(
        self, service: str, job_id: str, scope: str | None = None, kind: str = "export"
    ) -> Job | None:
        job = self.jobs.get(job_id)
        if job is None or job.service != service or job.kind != kind:
            return None
        if scope is not None and job.scope != scope:
            return None
        return job

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _digits(self) -> str:
        while True:
            candidate = str(self._rng.randrange(10**9, 10**10))
            if candidate not in self.jobs:
                return candidate

    def _token(self, key: str, window: float, digest: str) -> _Token | None:
        record = self.tokens.get(key)
        if record is None or self.now() - record.first_seen > window:
            return None
        return record

    def _check_missing(self, service: str, resource: str, code: str, what: str) -> None:
        if (service, resource) in self.missing:
            raise error(service, code, f"{what} {resource} does not exist.")

    # -- control API (used by Emulator) --------------------------------------------------

    def force_next(self, service: str, outcome: Outcome, reason: str | None, count: int) -> None:
        if outcome not in OUTCOMES[service]:
            raise ValueError(
                f"{service} jobs cannot end {outcome!r}; possible: {sorted(OUTCOMES[service])}"
            )
        with self.lock:
            self.forced.setdefault(service, []).extend(
                Forced(outcome, reason) for _ in range(count)
            )

    def job(self, service: str, job_id: str) -> Job:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.service != service:
                raise KeyError(f"no {service} job {job_id!r}")
            return job

    def update(self, service: str, job_id: str, change: Callable[[Job], None]) -> None:
        with self.lock:
            change(self.job(service, job_id))
            self.save()

    def native_status(self, service: str, job_id: str) -> str:
        with self.lock:
            job = self.job(service, job_id)
            if job.kind == "continuous":
                return continuous_status(job, self.now())[0]
            return job.native_status(self.now())

    # -- dispatch ----------------------------------------------------------------------

    def handle(
        self, service: str, operation: str, params: dict[str, Any], region: str
    ) -> dict[str, Any]:
        """Run one validated operation and return its output members."""
        handler = getattr(self, f"_{service}_{operation}")
        self.tick()
        with self.lock:
            out: dict[str, Any] = handler(params, region)
            return out

    def _page(
        self, service: str, jobs: list[Job], operation: str, scope: object, params: dict[str, Any]
    ) -> tuple[list[Job], str | None]:
        try:
            return paginate(
                jobs,
                lambda j: j.seq,
                operation=operation,
                scope=scope,
                token=params.get("nextToken"),
                max_results=params.get("maxResults"),
            )
        except InvalidToken as exc:
            raise kind_error(service, "next_token", str(exc)) from exc

    # -- m2 --------------------------------------------------------------------------------

    def _m2_CreateDataSetExportTask(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        app = p["applicationId"]
        self._check_missing_m2(app)
        token = p.get("clientToken")
        key = f"m2|{app}|{token}"
        if token:
            record = self._token(key, TOKEN_WINDOWS["m2"], "")
            if record is not None:
                return {"taskId": record.job_id}
        config = p["exportConfig"]
        job = self._new_job("m2", "export", self._uuid(), app, p)
        if "dataSets" in config:
            job.extra["destinations"] = [
                d["externalLocation"]["s3Location"] for d in config["dataSets"]
            ]
            job.extra["total"] = len(config["dataSets"])
        else:
            job.extra["destinations"] = [config["s3Location"].rstrip("/") + ".export"]
            job.extra["total"] = 3
        if token:
            self.tokens[key] = _Token(job.id, self.now(), "")
        self.save()
        return {"taskId": job.id}

    def _check_missing_m2(self, app: str) -> None:
        if ("m2", app) in self.missing:
            raise error(
                "m2",
                "ResourceNotFoundException",
                f"Application {app} not found.",
                resourceId=app,
                resourceType="application",
            )

    def _m2_summary(self, job: Job, now: float) -> dict[str, Any]:
        total = int(job.extra.get("total", 1))
        counts = {"total": total, "pending": 0, "inProgress": 0, "succeeded": 0, "failed": 0}
        phase = job.phase_at(now)[0]
        slot = {"pending": "pending", "running": "inProgress", "succeeded": "succeeded"}.get(
            phase, "failed"
        )
        counts[slot] = total
        return counts

    def _m2_item(self, job: Job, now: float) -> dict[str, Any]:
        status = job.native_status(now)
        item: dict[str, Any] = {
            "taskId": job.id,
            "status": status,
            "summary": self._m2_summary(job, now),
        }
        if job.phase_at(now)[0] == "failed":
            item["statusReason"] = job.reason or DEFAULT_FAILURE
        return item

    def _m2_GetDataSetExportTask(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        self._check_missing_m2(p["applicationId"])
        job = self._find("m2", p["taskId"], p["applicationId"])
        if job is None:
            raise error(
                "m2",
                "ResourceNotFoundException",
                f"Data set export task {p['taskId']} not found.",
                resourceId=p["taskId"],
                resourceType="dataset-export-task",
            )
        out = self._m2_item(job, self.now())
        kms = job.params.get("kmsKeyId")
        if kms:
            out["kmsKeyArn"] = (
                kms if kms.startswith("arn:") else f"arn:aws:kms:{region}:{ACCOUNT}:key/{kms}"
            )
        return out

    def _m2_ListDataSetExportHistory(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        app = p["applicationId"]
        self._check_missing_m2(app)
        jobs = [j for j in self.jobs.values() if j.service == "m2" and j.scope == app]
        page, token = self._page("m2", jobs, "ListDataSetExportHistory", app, p)
        now = self.now()
        out: dict[str, Any] = {"dataSetExportTasks": [self._m2_item(j, now) for j in page]}
        if token:
            out["nextToken"] = token
        return out

    # -- personalize -------------------------------------------------------------------

    def _personalize_CreateDatasetExportJob(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        self._check_missing("personalize", p["datasetArn"], "ResourceNotFoundException", "Dataset")
        name = p["jobName"]
        if name in self.names:
            raise error(
                "personalize",
                "ResourceAlreadyExistsException",
                f"Dataset export job {name} already exists.",
            )
        arn = f"arn:aws:personalize:{region}:{ACCOUNT}:dataset-export-job/{name}"
        job = self._new_job("personalize", "export", arn, p["datasetArn"], p)
        job.extra["destinations"] = [
            p["jobOutput"]["s3DataDestination"]["path"].rstrip("/") + f"/{name}"
        ]
        self.names[name] = arn
        self.save()
        return {"datasetExportJobArn": arn}

    def _personalize_summary(self, job: Job, now: float, full: bool) -> dict[str, Any]:
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

    def _personalize_DescribeDatasetExportJob(
        self, p: dict[str, Any], region: str
    ) -> dict[str, Any]:
        job = self._find("personalize", p["datasetExportJobArn"])
        if job is None:
            raise error(
                "personalize",
                "ResourceNotFoundException",
                f"Could not find resource with ARN {p['datasetExportJobArn']}.",
            )
        return {"datasetExportJob": self._personalize_summary(job, self.now(), full=True)}

    def _personalize_ListDatasetExportJobs(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        dataset = p.get("datasetArn")
        jobs = [
            j
            for j in self.jobs.values()
            if j.service == "personalize" and dataset in (None, j.scope)
        ]
        page, token = self._page("personalize", jobs, "ListDatasetExportJobs", dataset, p)
        now = self.now()
        out: dict[str, Any] = {
            "datasetExportJobs": [self._personalize_summary(j, now, False) for j in page]
        }
        if token:
            out["nextToken"] = token
        return out

    # -- discovery -----------------------------------------------------------------------

    def _discovery_filters(self, filters: list[dict[str, Any]]) -> list[str]:
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

    def _discovery_StartExportTask(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        start, end = p.get("startTime"), p.get("endTime")
        if start is not None and end is not None and parse_timestamp(start) > parse_timestamp(end):  # type: ignore[operator]
            raise kind_error("discovery", "validation", "startTime must not be after endTime.")
        agents = self._discovery_filters(p.get("filters", []))
        export_id = "export-" + self._uuid()
        job = self._new_job("discovery", "export", export_id, "", p)
        job.extra["agents"] = agents
        self.save()
        return {"exportId": export_id}

    def _discovery_info(self, job: Job, now: float) -> dict[str, Any]:
        phase = job.phase_at(now)[0]
        status = job.native_status(now)
        messages = {"succeeded": "Export succeeded.", "failed": job.reason or DEFAULT_FAILURE}
        out: dict[str, Any] = {
            "exportId": job.id,
            "exportStatus": status,
            "statusMessage": messages.get(phase, "Export in progress."),
            "exportRequestTime": job.created,
            "isTruncated": False,
        }
        if phase == "succeeded":
            out["configurationsDownloadUrl"] = self.base_url() + DOWNLOAD_PATH.format(
                export_id=job.id
            )
        for src, dst in (("startTime", "requestedStartTime"), ("endTime", "requestedEndTime")):
            if job.params.get(src) is not None:
                out[dst] = parse_timestamp(job.params[src])
        return out

    def _discovery_DescribeExportTasks(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        ids: list[str] = p.get("exportIds") or []
        if len(ids) > 100:
            raise kind_error(
                "discovery", "validation", "exportIds: at most 100 export ids per call."
            )
        if p.get("maxResults") is not None and not p["maxResults"] >= 1:
            raise kind_error("discovery", "validation", "maxResults must be at least 1.")
        if p.get("maxResults") is not None:
            p = {**p, "maxResults": min(p["maxResults"], 100)}
        agents = set(self._discovery_filters(p.get("filters", [])))
        jobs = [
            j
            for j in self.jobs.values()
            if j.service == "discovery"
            and j.kind == "export"
            and (not ids or j.id in ids)
            and (not agents or agents & set(j.extra.get("agents", [])))
        ]
        page, token = self._page(
            "discovery", jobs, "DescribeExportTasks", [sorted(ids), sorted(agents)], p
        )
        now = self.now()
        out: dict[str, Any] = {"exportsInfo": [self._discovery_info(j, now) for j in page]}
        if token:
            out["nextToken"] = token
        return out

    def _discovery_StartContinuousExport(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        now = self.now()
        for job in self.jobs.values():
            if job.service == "discovery" and job.kind == "continuous":
                status = continuous_status(job, now)[0]
                if status not in ("INACTIVE", "START_FAILED"):
                    raise error(
                        "discovery",
                        "ConflictErrorException",
                        f"Continuous export {job.id} is already {status}.",
                    )
        export_id = "continuous-" + self._uuid()
        job = self._new_job("discovery", "continuous", export_id, "", {})
        job.extra["s3Bucket"] = f"aws-application-discovery-service-{export_id[-12:]}"
        self.save()
        return {
            "exportId": export_id,
            "s3Bucket": job.extra["s3Bucket"],
            "startTime": job.created,
            "dataSource": "AGENT",
            "schemaStorageConfig": {"Default": "s3"},
        }

    def _discovery_continuous(self, job: Job, now: float) -> dict[str, Any]:
        status, _ = continuous_status(job, now)
        details = {
            "START_IN_PROGRESS": "Starting the continuous export.",
            "START_FAILED": job.reason
            or "The continuous export failed to start (forced by the emulator).",
            "ACTIVE": "Exporting agent data.",
            "STOP_IN_PROGRESS": "Stopping the continuous export.",
            "INACTIVE": "The continuous export is stopped.",
        }
        out: dict[str, Any] = {
            "exportId": job.id,
            "status": status,
            "statusDetail": details.get(status, status),
            "s3Bucket": job.extra["s3Bucket"],
            "startTime": job.created,
            "dataSource": "AGENT",
            "schemaStorageConfig": {"Default": "s3"},
        }
        if job.stop_at is not None and status == "INACTIVE":
            out["stopTime"] = job.stop_at + job.pending_span
        return out

    def _discovery_DescribeContinuousExports(
        self, p: dict[str, Any], region: str
    ) -> dict[str, Any]:
        ids: list[str] = p.get("exportIds") or []
        for export_id in ids:
            if self._find("discovery", export_id, kind="continuous") is None:
                raise error(
                    "discovery",
                    "ResourceNotFoundException",
                    f"Continuous export {export_id} not found.",
                )
        jobs = [
            j
            for j in self.jobs.values()
            if j.service == "discovery" and j.kind == "continuous" and (not ids or j.id in ids)
        ]
        page, token = self._page("discovery", jobs, "DescribeContinuousExports", sorted(ids), p)
        now = self.now()
        out: dict[str, Any] = {"descriptions": [self._discovery_continuous(j, now) for j in page]}
        if token:
            out["nextToken"] = token
        return out

    def _discovery_StopContinuousExport(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        job = self._find("discovery", p["exportId"], kind="continuous")
        if job is None:
            raise error(
                "discovery",
                "ResourceNotFoundException",
                f"Continuous export {p['exportId']} not found.",
            )
        now = self.now()
        status = continuous_status(job, now)[0]
        if status in ("START_IN_PROGRESS", "STOP_IN_PROGRESS"):
            raise error(
                "discovery", "ResourceInUseException", f"Continuous export {job.id} is {status}."
            )
        if status != "ACTIVE":
            raise error(
                "discovery",
                "OperationNotPermittedException",
                f"Continuous export {job.id} is {status}.",
            )
        job.stop_at = now
        self.save()
        return {"startTime": job.created, "stopTime": now + job.pending_span}

    # -- simpledbv2 ------------------------------------------------------------------------

    def _simpledbv2_StartDomainExport(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        domain = p["domainName"]
        self._check_missing("simpledbv2", domain, "NoSuchDomainException", "Domain")
        algorithm, kms = p.get("s3SseAlgorithm"), p.get("s3SseKmsKeyId")
        if kms is not None and algorithm != "KMS":
            raise error(
                "simpledbv2",
                "InvalidParameterCombinationException",
                "s3SseKmsKeyId requires s3SseAlgorithm KMS.",
            )
        token = p.get("clientToken") or self._uuid()
        digest = _digest({k: v for k, v in p.items() if k != "clientToken"})
        key = f"simpledbv2|{token}"
        record = self._token(key, TOKEN_WINDOWS["simpledbv2"], digest)
        if record is not None:
            if record.digest != digest:
                raise error(
                    "simpledbv2",
                    "ConflictException",
                    f"clientToken {token} was already used with different parameters.",
                )
            job = self.jobs[record.job_id]
            return {"clientToken": token, "exportArn": job.id, "requestedAt": job.created}
        arn = f"arn:aws:sdb:{region}:{ACCOUNT}:domain/{domain}/export/{self._uuid()}"
        job = self._new_job("simpledbv2", "export", arn, domain, {**p, "clientToken": token})
        prefix = p.get("s3KeyPrefix", "").strip("/")
        export_key = "/".join(x for x in (prefix, "AWSSimpleDB", arn.rsplit("/", 1)[-1]) if x)
        job.extra["destinations"] = [f"s3://{p['s3Bucket']}/{export_key}"]
        job.extra["manifest"] = f"{export_key}/manifest.json"
        self.tokens[key] = _Token(arn, self.now(), digest)
        self.save()
        return {"clientToken": token, "exportArn": arn, "requestedAt": job.created}

    def _simpledbv2_summary(self, job: Job, now: float) -> dict[str, Any]:
        return {
            "exportArn": job.id,
            "exportStatus": job.native_status(now),
            "requestedAt": job.created,
            "domainName": job.scope,
        }

    def _simpledbv2_GetExport(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        job = self._find("simpledbv2", p["exportArn"])
        if job is None:
            raise error(
                "simpledbv2", "NoSuchExportException", f"Export {p['exportArn']} does not exist."
            )
        now = self.now()
        out = self._simpledbv2_summary(job, now)
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

    def _simpledbv2_ListExports(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        domain = p.get("domainName")
        if domain is not None:
            self._check_missing("simpledbv2", domain, "NoSuchDomainException", "Domain")
        jobs = [
            j for j in self.jobs.values() if j.service == "simpledbv2" and domain in (None, j.scope)
        ]
        if p.get("maxResults") is not None:
            p = {**p, "maxResults": min(p["maxResults"], 100)}
        page, token = self._page("simpledbv2", jobs, "ListExports", domain, p)
        now = self.now()
        out: dict[str, Any] = {"exportSummaries": [self._simpledbv2_summary(j, now) for j in page]}
        if token:
            out["nextToken"] = token
        return out

    # -- omics -----------------------------------------------------------------------------

    def _omics_StartReadSetExportJob(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        store = p["sequenceStoreId"]
        self._check_missing("omics", store, "ResourceNotFoundException", "Sequence store")
        token = p.get("clientToken")
        key = f"omics|{store}|{token}"
        record = self._token(key, TOKEN_WINDOWS["omics"], "") if token else None
        if record is not None:
            job = self.jobs[record.job_id]
        else:
            job = self._new_job("omics", "export", self._digits(), store, p)
            ids = [s["readSetId"] for s in p["sources"]]
            job.extra["destinations"] = [p["destination"]]
            if job.outcome == "partial":
                job.extra["failed_items"] = ids[: max(1, len(ids) // 2)]
            if token:
                self.tokens[key] = _Token(job.id, self.now(), "")
            self.save()
        return self._omics_detail(job, self.now(), completion=False)

    def _omics_detail(self, job: Job, now: float, *, completion: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": job.id,
            "sequenceStoreId": job.scope,
            "destination": job.params["destination"],
            "status": job.native_status(now),
            "creationTime": job.created,
        }
        done = job.finished_at(now)
        if completion and done is not None:
            out["completionTime"] = done
        return out

    def _omics_get(self, p: dict[str, Any]) -> Job:
        store = p["sequenceStoreId"]
        self._check_missing("omics", store, "ResourceNotFoundException", "Sequence store")
        job = self._find("omics", p["id"], store)
        if job is None:
            raise error("omics", "ResourceNotFoundException", f"Export job {p['id']} not found.")
        return job

    def _omics_GetReadSetExportJob(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        job = self._omics_get(p)
        now = self.now()
        out = self._omics_detail(job, now)
        phase = job.phase_at(now)[0]
        failed = set(job.extra.get("failed_items", []))
        item_status = {
            "pending": "NOT_STARTED",
            "running": "IN_PROGRESS",
            "succeeded": "FINISHED",
            "partial": "FINISHED",
            "failed": "FAILED",
        }
        read_sets: list[dict[str, Any]] = []
        for source in job.params["sources"]:
            rid = source["readSetId"]
            status = item_status.get(
                phase, "NOT_STARTED" if phase == "cancelled" else "IN_PROGRESS"
            )
            item: dict[str, Any] = {"id": rid, "status": status}
            if phase == "partial" and rid in failed:
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

    def _omics_ListReadSetExportJobs(self, p: dict[str, Any], region: str) -> dict[str, Any]:
        store = p["sequenceStoreId"]
        self._check_missing("omics", store, "ResourceNotFoundException", "Sequence store")
        flt: dict[str, Any] = p.get("filter") or {}
        now = self.now()
        after = parse_timestamp(flt["createdAfter"]) if "createdAfter" in flt else None
        before = parse_timestamp(flt["createdBefore"]) if "createdBefore" in flt else None
        jobs = [
            j
            for j in self.jobs.values()
            if j.service == "omics"
            and j.scope == store
            and flt.get("status") in (None, j.native_status(now))
            and (after is None or j.created >= after)
            and (before is None or j.created <= before)
        ]
        page, token = self._page("omics", jobs, "ListReadSetExportJobs", [store, flt], p)
        out: dict[str, Any] = {"exportJobs": [self._omics_detail(j, now) for j in page]}
        if token:
            out["nextToken"] = token
        return out


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _rng_json(state: tuple[Any, ...]) -> list[Any]:
    return [state[0], list(state[1]), state[2]]


def _rng_state(data: list[Any]) -> tuple[Any, ...]:
    return (data[0], tuple(data[1]), data[2])


def is_terminal(job: Job, now: float) -> bool:
    """Whether ``job`` has reached a terminal phase by ``now``."""
    return job.phase_at(now)[0] in TERMINAL
