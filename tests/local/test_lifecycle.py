"""Every operation, driven by aiobotocore, through each service's full job lifecycle."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

import aiohttp
import pytest

from export_kit.local import Emulator, FaultConfig

from ._support import (
    DATASET,
    STORE,
    AioClientFactory,
    m2_request,
    omics_request,
    personalize_request,
    simpledb_request,
)

pytestmark = pytest.mark.asyncio


async def test_m2_lifecycle_and_files(emulator: Emulator, aio_client: AioClientFactory) -> None:
    m2 = await aio_client("m2")
    task = (await m2.create_data_set_export_task(**m2_request(kmsKeyId="key-1")))["taskId"]
    seen = []
    for step in (0, 2, 6):
        emulator.advance(step)
        got = await m2.get_data_set_export_task(applicationId="app-1", taskId=task)
        seen.append(got["status"])
    assert seen == ["Creating", "Running", "Completed"]
    assert got["summary"] == {
        "total": 1,
        "succeeded": 1,
        "failed": 0,
        "pending": 0,
        "inProgress": 0,
    }
    assert got["kmsKeyArn"] == "arn:aws:kms:us-east-1:123456789012:key/key-1"
    listed = await m2.list_data_set_export_history(applicationId="app-1")
    assert [t["taskId"] for t in listed["dataSetExportTasks"]] == [task]
    assert emulator.data_dir is not None
    manifest = json.loads((emulator.data_dir / "bucket/m2/ds1/manifest.json").read_text())
    assert manifest["jobId"] == task
    assert manifest["records"] == 5


async def test_m2_forced_failure(emulator: Emulator, aio_client: AioClientFactory) -> None:
    m2 = await aio_client("m2")
    emulator.fail_next("m2", reason="data set locked")
    task = (await m2.create_data_set_export_task(**m2_request()))["taskId"]
    emulator.advance(8)
    got = await m2.get_data_set_export_task(applicationId="app-1", taskId=task)
    assert (got["status"], got["statusReason"], got["summary"]["failed"]) == (
        "Failed",
        "data set locked",
        1,
    )


async def test_personalize_lifecycle(emulator: Emulator, aio_client: AioClientFactory) -> None:
    pz = await aio_client("personalize")
    arn = (await pz.create_dataset_export_job(**personalize_request()))["datasetExportJobArn"]
    assert arn == "arn:aws:personalize:us-east-1:123456789012:dataset-export-job/job-1"
    statuses = []
    for step in (0, 2, 6):
        emulator.advance(step)
        job = (await pz.describe_dataset_export_job(datasetExportJobArn=arn))["datasetExportJob"]
        statuses.append(job["status"])
    assert statuses == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert job["ingestionMode"] == "PUT"  # the documented default
    assert job["datasetArn"] == DATASET
    assert isinstance(job["creationDateTime"], datetime)
    assert job["lastUpdatedDateTime"] > job["creationDateTime"]
    emulator.fail_next("personalize", reason="no data")
    failed = (await pz.create_dataset_export_job(**personalize_request("job-2")))[
        "datasetExportJobArn"
    ]
    emulator.advance(8)
    listed = (await pz.list_dataset_export_jobs(datasetArn=DATASET))["datasetExportJobs"]
    assert [(j["jobName"], j["status"]) for j in listed] == [
        ("job-2", "CREATE FAILED"),
        ("job-1", "ACTIVE"),
    ]
    assert listed[0]["failureReason"] == "no data"
    assert listed[0]["datasetExportJobArn"] == failed
    assert emulator.data_dir is not None
    assert (emulator.data_dir / "bucket/personalize/job-1/data-00000.jsonl").exists()


async def test_discovery_export_and_download(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    dc = await aio_client("discovery")
    export_id = (
        await dc.start_export_task(
            exportDataFormat=["CSV"], startTime=datetime(2025, 1, 1), endTime=datetime(2025, 2, 1)
        )
    )["exportId"]
    info = (await dc.describe_export_tasks(exportIds=[export_id]))["exportsInfo"][0]
    assert info["exportStatus"] == "IN_PROGRESS"
    assert "configurationsDownloadUrl" not in info
    assert info["requestedStartTime"] == datetime(2025, 1, 1).astimezone()
    emulator.advance(8)
    info = (await dc.describe_export_tasks(exportIds=[export_id]))["exportsInfo"][0]
    assert info["exportStatus"] == "SUCCEEDED"
    assert info["isTruncated"] is False
    url = info["configurationsDownloadUrl"]
    assert url.startswith(emulator.endpoint_url)
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert resp.status == 200
        archive = zipfile.ZipFile(io.BytesIO(await resp.read()))
    assert set(archive.namelist()) == {"Server.csv", "Application.csv"}
    assert archive.read("Server.csv").startswith(b"serverId,")
    emulator.fail_next("discovery", reason="agent offline")
    failed = (await dc.start_export_task())["exportId"]
    emulator.advance(8)
    info = (await dc.describe_export_tasks(exportIds=[failed]))["exportsInfo"][0]
    assert (info["exportStatus"], info["statusMessage"]) == ("FAILED", "agent offline")
    async with (
        aiohttp.ClientSession() as session,
        session.get(url.replace(export_id, failed)) as resp,
    ):
        assert resp.status == 404


async def test_discovery_agent_filters(emulator: Emulator, aio_client: AioClientFactory) -> None:
    dc = await aio_client("discovery")
    flt = [{"name": "agentIds", "values": ["agent-1"], "condition": "EQUALS"}]
    mine = (await dc.start_export_task(filters=flt))["exportId"]
    await dc.start_export_task()
    got = (await dc.describe_export_tasks(filters=flt))["exportsInfo"]
    assert [i["exportId"] for i in got] == [mine]


async def test_discovery_continuous_export(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    dc = await aio_client("discovery")
    started = await dc.start_continuous_export()
    export_id = started["exportId"]
    assert started["dataSource"] == "AGENT"
    assert started["s3Bucket"].startswith("aws-application-discovery-service-")

    async def status() -> str:
        descs = (await dc.describe_continuous_exports(exportIds=[export_id]))["descriptions"]
        return str(descs[0]["status"])

    assert await status() == "START_IN_PROGRESS"
    with pytest.raises(dc.exceptions.ResourceInUseException):
        await dc.stop_continuous_export(exportId=export_id)
    with pytest.raises(dc.exceptions.ConflictErrorException):
        await dc.start_continuous_export()
    emulator.advance(2)
    assert await status() == "ACTIVE"
    stopped = await dc.stop_continuous_export(exportId=export_id)
    assert stopped["stopTime"] > stopped["startTime"]
    assert await status() == "STOP_IN_PROGRESS"
    emulator.advance(2)
    assert await status() == "INACTIVE"
    with pytest.raises(dc.exceptions.OperationNotPermittedException):
        await dc.stop_continuous_export(exportId=export_id)
    with pytest.raises(dc.exceptions.ResourceNotFoundException):
        await dc.describe_continuous_exports(exportIds=["continuous-nope"])
    with pytest.raises(dc.exceptions.ResourceNotFoundException):
        await dc.stop_continuous_export(exportId="continuous-nope")
    emulator.fail_next("discovery", reason="no agents")
    second = (await dc.start_continuous_export())["exportId"]
    emulator.advance(2)
    desc = (await dc.describe_continuous_exports(exportIds=[second]))["descriptions"][0]
    assert (desc["status"], desc["statusDetail"]) == ("START_FAILED", "no agents")
    assert len((await dc.describe_continuous_exports())["descriptions"]) == 2


async def test_simpledb_lifecycle(emulator: Emulator, aio_client: AioClientFactory) -> None:
    sdb = await aio_client("simpledbv2")
    started = await sdb.start_domain_export(**simpledb_request())
    arn = started["exportArn"]
    assert arn.startswith("arn:aws:sdb:us-east-1:123456789012:domain/orders/export/")
    statuses = []
    for step in (0, 2, 6):
        emulator.advance(step)
        got = await sdb.get_export(exportArn=arn)
        statuses.append(got["exportStatus"])
    assert statuses == ["PENDING", "IN_PROGRESS", "SUCCEEDED"]
    assert got["clientToken"] == started["clientToken"]
    assert got["itemsCount"] == 5
    assert emulator.data_dir is not None
    assert (emulator.data_dir / "bucket" / got["exportManifest"]).exists()
    emulator.fail_next("simpledbv2", reason="domain busy")
    failed = (await sdb.start_domain_export(**simpledb_request()))["exportArn"]
    emulator.advance(8)
    got = await sdb.get_export(exportArn=failed)
    assert (got["exportStatus"], got["failureCode"], got["failureMessage"]) == (
        "FAILED",
        "ExportFailed",
        "domain busy",
    )
    listed = (await sdb.list_exports(domainName="orders"))["exportSummaries"]
    assert [s["exportArn"] for s in listed] == [failed, arn]
    assert len((await sdb.list_exports())["exportSummaries"]) == 2


async def test_omics_lifecycle_partial_and_cancel(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    om = await aio_client("omics")
    started = await om.start_read_set_export_job(**omics_request())
    assert started["status"] == "SUBMITTED"
    assert started["creationTime"].tzinfo is not None
    job_id = started["id"]
    emulator.advance(2)
    got = await om.get_read_set_export_job(sequenceStoreId=STORE, id=job_id)
    assert got["status"] == "IN_PROGRESS"
    assert {r["status"] for r in got["readSets"]} == {"IN_PROGRESS"}
    emulator.advance(6)
    got = await om.get_read_set_export_job(sequenceStoreId=STORE, id=job_id)
    assert got["status"] == "COMPLETED"
    assert got["completionTime"] > got["creationTime"]
    assert {r["status"] for r in got["readSets"]} == {"FINISHED"}

    emulator.partial_next(reason="one read set missing")
    partial = (await om.start_read_set_export_job(**omics_request()))["id"]
    emulator.cancel_next()
    cancelled = (await om.start_read_set_export_job(**omics_request()))["id"]
    running = (await om.start_read_set_export_job(**omics_request()))["id"]
    emulator.advance(3)
    emulator.cancel_job(running)
    assert emulator.status("omics", running) == "CANCELLING"
    emulator.advance(5)
    got = await om.get_read_set_export_job(sequenceStoreId=STORE, id=partial)
    assert (got["status"], got["statusMessage"]) == (
        "COMPLETED_WITH_FAILURES",
        "one read set missing",
    )
    assert [r["status"] for r in got["readSets"]] == ["FAILED", "FINISHED"]
    assert emulator.status("omics", cancelled) == "CANCELLING"
    assert emulator.status("omics", running) == "CANCELLED"
    emulator.advance(2)
    assert emulator.status("omics", cancelled) == "CANCELLED"
    with pytest.raises(ValueError, match="already finished"):
        emulator.cancel_job(job_id)
    jobs = (
        await om.list_read_set_export_jobs(sequenceStoreId=STORE, filter={"status": "CANCELLED"})
    )["exportJobs"]
    assert {j["id"] for j in jobs} == {cancelled, running}
    later = await om.list_read_set_export_jobs(
        sequenceStoreId=STORE, filter={"createdAfter": datetime.fromtimestamp(emulator.now())}
    )
    assert later["exportJobs"] == []
    emulator.fail_next("omics", reason="bad role")
    failed = (await om.start_read_set_export_job(**omics_request()))["id"]
    emulator.advance(8)
    got = await om.get_read_set_export_job(sequenceStoreId=STORE, id=failed)
    assert (got["status"], got["statusMessage"]) == ("FAILED", "bad role")


async def test_unknown_status_injection(emulator: Emulator, aio_client: AioClientFactory) -> None:
    om = await aio_client("omics")
    job_id = (await om.start_read_set_export_job(**omics_request()))["id"]
    emulator.set_status("omics", job_id, "ARCHIVED_SOMEHOW")
    got = await om.get_read_set_export_job(sequenceStoreId=STORE, id=job_id)
    assert got["status"] == "ARCHIVED_SOMEHOW"
    emulator.set_status("omics", job_id, None)
    assert emulator.status("omics", job_id) == "SUBMITTED"
    assert emulator.job_ids("omics") == [job_id]
    with pytest.raises(KeyError):
        emulator.set_status("m2", job_id, "X")
    with pytest.raises(ValueError, match="unknown service"):
        emulator.fail_next("s3")


async def test_reset_controls_drops_armed_outcomes_and_faults_and_keeps_what_happened(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    om = await aio_client("omics")
    earlier = (await om.start_read_set_export_job(**omics_request()))["id"]
    emulator.set_status("omics", earlier, "ARCHIVED_SOMEHOW")
    emulator.fail_next("omics", reason="never taken", count=2)
    emulator.partial_next()
    emulator.cancel_next()
    emulator.inject("throttle", service="omics", count=3)
    emulator.set_faults("omics", FaultConfig(error_rate=1.0))
    emulator.reset_controls()
    job_id = (await om.start_read_set_export_job(**omics_request()))["id"]  # not throttled
    emulator.advance(8)
    got = await om.get_read_set_export_job(sequenceStoreId=STORE, id=job_id)
    assert got["status"] == "COMPLETED"  # no forced outcome was left to take
    assert emulator.status("omics", earlier) == "ARCHIVED_SOMEHOW"
    assert emulator.requests[("omics", "StartReadSetExportJob")] == 2


async def test_missing_scope_resources(emulator: Emulator, aio_client: AioClientFactory) -> None:
    m2, pz = await aio_client("m2"), await aio_client("personalize")
    sdb, om = await aio_client("simpledbv2"), await aio_client("omics")
    emulator.mark_missing("m2", "ghost-app")
    emulator.mark_missing("personalize", DATASET)
    emulator.mark_missing("simpledbv2", "ghost")
    emulator.mark_missing("omics", "9999999999")
    with pytest.raises(m2.exceptions.ResourceNotFoundException) as m2_err:
        await m2.list_data_set_export_history(applicationId="ghost-app")
    assert m2_err.value.response["resourceType"] == "application"
    with pytest.raises(pz.exceptions.ResourceNotFoundException):
        await pz.create_dataset_export_job(**personalize_request())
    with pytest.raises(sdb.exceptions.NoSuchDomainException):
        await sdb.start_domain_export(**simpledb_request("ghost"))
    with pytest.raises(sdb.exceptions.NoSuchDomainException):
        await sdb.list_exports(domainName="ghost")
    with pytest.raises(om.exceptions.ResourceNotFoundException):
        await om.list_read_set_export_jobs(sequenceStoreId="9999999999")
    emulator.mark_missing("simpledbv2", "ghost", missing=False)
    await sdb.start_domain_export(**simpledb_request("ghost"))
