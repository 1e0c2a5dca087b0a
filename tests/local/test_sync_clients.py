"""boto3 (sync, emulator in a thread) and the AWS CLI against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from export_kit.local import Emulator

from ._support import (
    DATASET,
    ROLE,
    STORE,
    m2_request,
    omics_request,
    personalize_request,
    simpledb_request,
)

AWS = str(Path(sys.executable).with_name("aws"))


def _client(emu: Emulator, service: str) -> Any:
    session: Any = boto3.session.Session()
    return session.client(service, **emu.client_kwargs())


def test_boto3_drives_every_service(threaded_emulator: Emulator) -> None:
    emu = threaded_emulator
    m2 = _client(emu, "m2")
    task = m2.create_data_set_export_task(**m2_request())["taskId"]
    pz = _client(emu, "personalize")
    arn = pz.create_dataset_export_job(**personalize_request())["datasetExportJobArn"]
    dc = _client(emu, "discovery")
    export_id = dc.start_export_task()["exportId"]
    sdb = _client(emu, "simpledbv2")
    export_arn = sdb.start_domain_export(**simpledb_request())["exportArn"]
    om = _client(emu, "omics")
    job_id = om.start_read_set_export_job(**omics_request())["id"]
    emu.advance(8)
    assert m2.get_data_set_export_task(applicationId="app-1", taskId=task)["status"] == "Completed"
    assert (
        pz.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"]["status"]
        == "ACTIVE"
    )
    assert (
        dc.describe_export_tasks(exportIds=[export_id])["exportsInfo"][0]["exportStatus"]
        == "SUCCEEDED"
    )
    assert sdb.get_export(exportArn=export_arn)["exportStatus"] == "SUCCEEDED"
    assert om.get_read_set_export_job(sequenceStoreId=STORE, id=job_id)["status"] == "COMPLETED"
    paginator = pz.get_paginator("list_dataset_export_jobs")
    assert sum(len(p["datasetExportJobs"]) for p in paginator.paginate(datasetArn=DATASET)) == 1
    with pytest.raises(ClientError) as info:
        pz.create_dataset_export_job(**personalize_request())
    assert info.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    for client in (m2, pz, dc, sdb, om):
        client.close()


def test_signature_verification(tmp_path: Path) -> None:
    with Emulator(verify_signatures=True, clock="manual") as emu:
        good = _client(emu, "omics")
        assert good.list_read_set_export_jobs(sequenceStoreId=STORE)["exportJobs"] == []
        kwargs = emu.client_kwargs()
        kwargs["aws_secret_access_key"] = "wrong"
        bad = boto3.session.Session().client("simpledbv2", **kwargs)
        with pytest.raises(ClientError) as info:
            bad.list_exports(domainName="d")
        assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        good_sdb = _client(emu, "simpledbv2")
        good_sdb.start_domain_export(**simpledb_request())
        for client in (good, bad, good_sdb):
            client.close()


def _aws(emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **emu.env(),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_PROFILE", None)
    return subprocess.run(
        [AWS, *args, "--endpoint-url", emu.endpoint_url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_aws_cli(threaded_emulator: Emulator) -> None:
    emu = threaded_emulator
    started = _aws(
        emu,
        "omics",
        "start-read-set-export-job",
        "--sequence-store-id",
        STORE,
        "--destination",
        "s3://bucket/cli/",
        "--role-arn",
        ROLE,
        "--sources",
        "readSetId=1111111111",
    )
    assert started.returncode == 0, started.stderr
    job_id = json.loads(started.stdout)["id"]
    emu.advance(8)
    got = _aws(
        emu, "omics", "get-read-set-export-job", "--sequence-store-id", STORE, "--id", job_id
    )
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["status"] == "COMPLETED"
    config = json.dumps(
        {"dataSets": [{"datasetName": "DS1", "externalLocation": {"s3Location": "s3://b/k"}}]}
    )
    created = _aws(
        emu,
        "m2",
        "create-data-set-export-task",
        "--application-id",
        "app-9",
        "--export-config",
        config,
    )
    assert created.returncode == 0, created.stderr
    listed = _aws(emu, "m2", "list-data-set-export-history", "--application-id", "app-9")
    assert (
        json.loads(listed.stdout)["dataSetExportTasks"][0]["taskId"]
        == json.loads(created.stdout)["taskId"]
    )
    missing = _aws(
        emu,
        "simpledbv2",
        "get-export",
        "--export-arn",
        "arn:aws:sdb:us-east-1:123456789012:domain/d/export/x",
    )
    assert missing.returncode != 0
    assert "NoSuchExportException" in missing.stderr
