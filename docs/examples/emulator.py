"""Drive the emulator from boto3 (sync) and fake time with a manual clock."""

# pyright: basic
# (boto3 ships no type hints, so pyright's strict mode cannot check code that calls it)

from typing import Any, cast

import anyio
import boto3

import export_kit as ek
from export_kit.local import Emulator

# Sync callers: `with Emulator()` serves from a background thread.
with Emulator(job_duration=0) as emu:
    client = cast(Any, boto3.client("simpledbv2", **emu.client_kwargs()))
    started = client.start_domain_export(domainName="orders", s3Bucket="bucket")
    export = client.get_export(exportArn=started["exportArn"])
    print(export["exportStatus"], emu.requests[("simpledbv2", "StartDomainExport")])
    print(sorted(emu.env()))  # for the AWS CLI: AWS_ENDPOINT_URL and friends


async def manual_clock() -> None:
    async with (
        Emulator(clock="manual", job_duration=600) as emu,
        ek.ExportKit(**emu.kit_kwargs()) as kit,
    ):
        job = await kit.discovery.start()
        print((await job.refresh()).native_status)
        emu.advance(600)  # ten minutes pass at once
        print((await job.refresh()).native_status)


anyio.run(manual_clock)
