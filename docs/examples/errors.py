"""Service errors map onto one tree; botocore's standard retries run first."""

import anyio
from botocore.exceptions import ClientError

import export_kit as ek
from export_kit.local import Emulator


async def main() -> None:
    async with Emulator() as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        try:
            await kit.simpledbv2.get_export(
                export_arn="arn:aws:sdb:us-east-1:123456789012:domain/orders/export/missing"
            )
        except ek.NotFoundError as exc:
            print(
                type(exc).__name__,
                exc.code,
                exc.http_status,
                isinstance(exc.__cause__, ClientError),
            )

        # Two throttles are absorbed by botocore's standard mode (3 attempts in all)...
        emu.inject("throttle", service="discovery", count=2)
        await kit.discovery.describe_export_tasks().collect()
        # ...a third is not: the error is retryable, so waits keep polling through it.
        emu.inject("throttle", service="discovery", count=3)
        try:
            await kit.discovery.describe_export_tasks().collect()
        except ek.ThrottlingError as exc:
            print(type(exc).__name__, exc.code, exc.retryable)
        print(emu.requests[("discovery", "DescribeExportTasks")])  # 3 + 3

        emu.inject("drop", count=3)
        try:
            await kit.discovery.describe_export_tasks().collect()
        except ek.TransportError as exc:
            print(type(exc).__name__, exc.retryable)


anyio.run(main)
