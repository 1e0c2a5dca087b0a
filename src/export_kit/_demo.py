"""``export-kit demo``: one export on each service against the embedded emulator.

Shows the whole library at work: typed requests, ``kit.start``, batched waiting
with live progress, and the files the emulator wrote.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.live import Live
from rich.table import Table

from ._kit import ExportKit
from ._shapes import StartRequest
from .jobs import ExportJob, ExportStatus, JobOutcome
from .local import Emulator
from .models import discovery, m2, omics, personalize, simpledbv2
from .waiting import PollPolicy

ACCOUNT = "123456789012"
BUCKET = "demo-exports"


@dataclass(frozen=True)
class Scenario:
    """One demo export: the request, and where its output lands."""

    request: StartRequest[Any, Any]
    location: str


def scenarios(region: str) -> list[Scenario]:
    role = f"arn:aws:iam::{ACCOUNT}:role/ExportRole"
    return [
        Scenario(
            m2.CreateDataSetExportTaskRequest(
                application_id="demo-app",
                export_config=m2.DataSetExportConfigDataSets(
                    data_sets=[
                        m2.DataSetExportItem(
                            dataset_name="DEMO.CUSTOMER.MASTER",
                            external_location=m2.ExternalLocationS3Location(
                                s3_location=f"s3://{BUCKET}/m2/customer-master/"
                            ),
                        )
                    ]
                ),
            ),
            f"s3://{BUCKET}/m2/customer-master/",
        ),
        Scenario(
            personalize.CreateDatasetExportJobRequest(
                job_name="demo-interactions-export",
                dataset_arn=f"arn:aws:personalize:{region}:{ACCOUNT}:dataset/demo/INTERACTIONS",
                role_arn=role,
                job_output=personalize.DatasetExportJobOutput(
                    s3_data_destination=personalize.S3DataConfig(path=f"s3://{BUCKET}/personalize/")
                ),
            ),
            f"s3://{BUCKET}/personalize/",
        ),
        Scenario(discovery.StartExportTaskRequest(), "configurationsDownloadUrl"),
        Scenario(
            simpledbv2.StartDomainExportRequest(
                domain_name="demo-domain", s3_bucket=BUCKET, s3_key_prefix="simpledb/"
            ),
            f"s3://{BUCKET}/simpledb/",
        ),
        Scenario(
            omics.StartReadSetExportJobRequest(
                sequence_store_id="1234567890",
                destination=f"s3://{BUCKET}/omics/",
                role_arn=role,
                sources=[omics.ExportReadSet(read_set_id="1234567890")],
            ),
            f"s3://{BUCKET}/omics/",
        ),
    ]


def _table(rows: list[tuple[ExportJob, float, str]], title: str) -> Table:
    table = Table(title=title)
    for column in ("service", "job id", "status", "native status", "elapsed"):
        table.add_column(column, no_wrap=True)
    table.add_column("output", overflow="fold")
    for job, elapsed, location in rows:
        style = {
            ExportStatus.SUCCEEDED: "green",
            ExportStatus.FAILED: "red",
            ExportStatus.CANCELLED: "red",
        }.get(job.status, "yellow")
        table.add_row(
            job.service,
            _short(job.id),
            f"[{style}]{job.status.value}[/]",
            job.native_status,
            f"{elapsed:5.1f} s",
            location,
        )
    return table


def _short(job_id: str) -> str:
    """ARNs are long: show their last path segment (the full id is in ``--json`` output)."""
    tail = job_id.rsplit("/", 1)[-1]
    return tail if len(tail) <= 24 else tail[:11] + "…" + tail[-12:]


def _output_location(job: ExportJob, fallback: str) -> str:
    if fallback == "configurationsDownloadUrl":
        info = job.description
        url = getattr(info, "configurations_download_url", None)
        return str(url).split("?", 1)[0] if url else "(download URL)"
    return fallback


async def run_demo(
    console: Console,
    *,
    job_duration: float,
    data_dir: Path,
    timeout: float,  # noqa: ASYNC109 (seconds handed to wait_all, as job.wait takes them)
) -> int:
    """Run the demo; 0 when every job SUCCEEDED, 1 otherwise.  ``data_dir`` is absolute."""
    async with (
        Emulator(job_duration=job_duration, data_dir=data_dir, persist=False) as emu,
        ExportKit(**emu.kit_kwargs()) as kit,
    ):
        console.print(f"Emulator on [bold]{emu.endpoint_url}[/], files under {data_dir}")
        plans = scenarios(emu.region)
        started_at = time.time() - 1  # file times have coarse resolution on some systems
        begun = time.monotonic()
        jobs = list(await _start_all(kit, plans))
        locations = {id(job): plan.location for job, plan in zip(jobs, plans, strict=True)}
        finished: dict[int, float] = {}

        def rows() -> list[tuple[ExportJob, float, str]]:
            now = time.monotonic()
            return [
                (job, finished.get(id(job), now) - begun, _output_location(job, locations[id(job)]))
                for job in jobs
            ]

        poll = PollPolicy(min_delay=0.25, max_delay=1.0)
        outcomes: list[JobOutcome] = []
        with Live(_table(rows(), "Exports in progress"), console=console, transient=True) as live:

            def update(job: ExportJob) -> None:
                if job.status.is_terminal:
                    finished.setdefault(id(job), time.monotonic())
                live.update(_table(rows(), "Exports in progress"))

            async with anyio.create_task_group() as tg:

                async def refresh_display() -> None:
                    while True:
                        live.update(_table(rows(), "Exports in progress"))
                        await anyio.sleep(0.2)

                tg.start_soon(refresh_display)
                outcomes = await kit.wait_all(jobs, timeout=timeout, poll=poll, on_update=update)
                tg.cancel_scope.cancel()
        console.print(_table(rows(), "Finished exports"))
        for outcome in outcomes:
            if outcome.error is not None:
                console.print(f"[red]{outcome.job.service}: {outcome.error}[/]")
        files = await anyio.to_thread.run_sync(_files_under, data_dir, started_at)
        console.print(f"{len(files)} exported files under {data_dir}:")
        for path in files[:12]:
            console.print(f"  {path.relative_to(data_dir)}")
        ok = all(
            outcome.ok and outcome.job.status is ExportStatus.SUCCEEDED for outcome in outcomes
        )
        console.print("[green]All five exports succeeded.[/]" if ok else "[red]Demo failed.[/]")
        return 0 if ok else 1


def _files_under(root: Path, since: float) -> list[Path]:
    """Files this run wrote (an earlier demo's files may share the directory)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime >= since)


async def _start_all(kit: ExportKit, plans: list[Scenario]) -> list[ExportJob]:
    started: list[ExportJob | None] = [None] * len(plans)

    async def one(index: int, request: StartRequest[Any, Any]) -> None:
        started[index] = await kit.start(request)

    async with anyio.create_task_group() as tg:
        for index, plan in enumerate(plans):
            tg.start_soon(one, index, plan.request)
    return [job for job in started if job is not None]
