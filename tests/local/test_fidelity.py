"""Fidelity to references no one here wrote: SimpleDB v2's published smoke tests and
examples (its Smithy model), declared parent resources, and Discovery's continuous
exports as the botocore model documents them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from export_kit.local import Emulator

from ._support import DATASET, STORE, raw

#: Copied from the SimpleDB v2 Smithy model; the file's "_source" names where.
EXAMPLES = json.loads((Path(__file__).parent / "data" / "simpledbv2_examples.json").read_text())


async def _sdb(emu: Emulator, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, headers, answer = await raw(
        emu, "POST", f"/v2/{operation}", service="simpledbv2", body=body
    )
    if status != 200:
        answer = {**answer, "_code": headers.get("x-amzn-ErrorType", "").split(":")[0]}
    return status, answer


@pytest.mark.asyncio
@pytest.mark.parametrize("smoke", EXAMPLES["smokeTests"], ids=lambda s: s["id"])
async def test_simpledb_smoke_tests_pass_when_resources_are_declared(smoke: dict[str, Any]) -> None:
    async with Emulator(clock="manual", resources="declared") as emu:
        status, answer = await _sdb(emu, smoke["operation"], smoke["params"])
        if "success" in smoke["expect"]:
            assert status == 200, answer
        else:
            code = smoke["expect"]["failure"]["errorId"].split("#", 1)[1]
            assert (status, answer["_code"]) == (400, code), answer


def _same_shape(example: dict[str, Any], got: dict[str, Any]) -> None:
    for key, value in example.items():
        assert key in got, (key, got)
        if isinstance(value, list):
            assert got[key], key
            _same_shape(value[0], got[key][0])
        elif isinstance(value, int | float):
            assert isinstance(got[key], int | float), (key, got[key])
        else:
            assert isinstance(got[key], type(value)), (key, got[key])


@pytest.mark.asyncio
async def test_simpledb_examples_of_its_smithy_model_hold() -> None:
    examples = EXAMPLES["examples"]
    async with Emulator(clock="manual", job_duration=4) as emu:
        start = examples["StartDomainExport"]
        status, started = await _sdb(emu, "StartDomainExport", start["input"])
        assert status == 200, started
        _same_shape(start["output"], started)
        assert started["exportArn"].startswith("arn:aws:sdb:us-east-1:123456789012:")
        emu.advance(4)
        get = examples["GetExport"]
        status, got = await _sdb(emu, "GetExport", {"exportArn": started["exportArn"]})
        assert status == 200, got
        _same_shape(get["output"], got)
        for key in ("exportStatus", "domainName", "s3Bucket"):
            assert got[key] == get["output"][key], key
        listed = examples["ListExports"]
        status, page = await _sdb(emu, "ListExports", listed["input"])
        assert status == 200, page
        _same_shape(listed["output"], page)
        summary = page["exportSummaries"][0]
        assert (summary["domainName"], summary["exportStatus"]) == ("my-domain", "SUCCEEDED")


@pytest.mark.asyncio
async def test_declared_mode_gives_each_services_not_found_until_declared() -> None:
    async with Emulator(clock="manual", resources="declared") as emu:
        checks: list[tuple[str, str, str, str | None, dict[str, Any], str, tuple[str, str]]] = [
            (
                "GET",
                "/applications/app-1/dataset-export-tasks",
                "m2",
                None,
                {},
                "ResourceNotFoundException",
                ("m2", "app-1"),
            ),
            (
                "POST",
                "/",
                "personalize",
                "ListDatasetExportJobs",
                {"datasetArn": DATASET},
                "ResourceNotFoundException",
                ("personalize", DATASET),
            ),
            (
                "POST",
                "/v2/ListExports",
                "simpledbv2",
                None,
                {"domainName": "orders"},
                "NoSuchDomainException",
                ("simpledbv2", "orders"),
            ),
            (
                "POST",
                f"/sequencestore/{STORE}/exportjobs",
                "omics",
                None,
                {},
                "ResourceNotFoundException",
                ("omics", STORE),
            ),
        ]
        for method, path, service, target, body, code, resource in checks:
            status, headers, answer = await raw(
                emu, method, path, service=service, target=target, body=body or None
            )
            assert status in (400, 404), (service, status)
            assert answer.get("__type", headers.get("x-amzn-ErrorType", "").split(":")[0]) == code
            emu.declare(*resource)
            status, _, answer = await raw(
                emu, method, path, service=service, target=target, body=body or None
            )
            assert status == 200, (service, answer)
    with pytest.raises(ValueError, match="resources"):
        Emulator(resources="strict")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no parent"):
        Emulator().declare("discovery", "x")


@pytest.mark.asyncio
async def test_declared_resources_can_be_given_up_front_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    async with Emulator(
        clock="manual", resources="declared", declared=[("simpledbv2", "orders")], data_dir=tmp_path
    ) as emu:
        status, _ = await _sdb(
            emu, "StartDomainExport", {"domainName": "orders", "s3Bucket": "b-1"}
        )
        assert status == 200
        emu.declare("simpledbv2", "later")
    async with Emulator(clock="manual", resources="declared", data_dir=tmp_path) as emu:
        for domain in ("orders", "later"):
            status, _ = await _sdb(emu, "ListExports", {"domainName": domain})
            assert status == 200, domain


async def _continuous(emu: Emulator, export_id: str) -> dict[str, Any]:
    status, _, body = await raw(
        emu,
        "POST",
        "/",
        service="discovery",
        target="DescribeContinuousExports",
        body={"exportIds": [export_id]},
    )
    assert status == 200, body
    description: dict[str, Any] = body["descriptions"][0]
    return description


async def _discovery(emu: Emulator, target: str, body: dict[str, Any]) -> dict[str, Any]:
    status, _, answer = await raw(emu, "POST", "/", service="discovery", target=target, body=body)
    assert status == 200, answer
    return answer


@pytest.mark.asyncio
async def test_continuous_exports_use_the_documented_keys_and_failure_codes() -> None:
    async with Emulator(clock="manual", job_duration=8) as emu:
        emu.fail_next("discovery")
        failed = await _discovery(emu, "StartContinuousExport", {})
        assert failed["schemaStorageConfig"] == {
            "databaseName": "application_discovery_service_database"
        }
        emu.advance(2)
        described = await _continuous(emu, failed["exportId"])
        assert (described["status"], described["statusDetail"]) == (
            "START_FAILED",
            "INTERNAL_FAILURE",
        )
        assert "databaseName" in described["schemaStorageConfig"]

        export_id = (await _discovery(emu, "StartContinuousExport", {}))["exportId"]
        emu.advance(2)
        active = await _continuous(emu, export_id)
        assert active["status"] == "ACTIVE"
        assert "statusDetail" not in active  # it reports errors only
        emu.fail_job("discovery", export_id, "FIREHOSE_ROLE_MISSING")
        error = await _continuous(emu, export_id)
        assert (error["status"], error["statusDetail"]) == ("ERROR", "FIREHOSE_ROLE_MISSING")

        await _discovery(emu, "StopContinuousExport", {"exportId": export_id})  # recovers
        stopping = await _continuous(emu, export_id)
        assert stopping["status"] == "STOP_IN_PROGRESS"
        emu.fail_job("discovery", export_id)
        stop_failed = await _continuous(emu, export_id)
        assert (stop_failed["status"], stop_failed["statusDetail"]) == (
            "STOP_FAILED",
            "INTERNAL_FAILURE",
        )
        await _discovery(emu, "StopContinuousExport", {"exportId": export_id})  # again
        emu.advance(2)
        assert (await _continuous(emu, export_id))["status"] == "INACTIVE"
        with pytest.raises(ValueError, match="INACTIVE"):
            emu.fail_job("discovery", export_id)
