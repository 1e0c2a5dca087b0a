"""Application Discovery Service export tasks.

Default polling: 2 s to 60 s.  There is no botocore waiter; exports of discovered data
usually finish within seconds to a few minutes.  ``DescribeExportTasks`` is both the
describe-one and the describe-many operation: up to 100 ``exportIds`` per call, and an id
missing from its answer does not exist.  A job's ``description`` is its ``ExportInfo``.
Continuous exports are not jobs (they run until stopped) and are not tracked here.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, ClassVar

import anyio

from export_kit._interfaces import ExportStatus
from export_kit.models import discovery
from export_kit.paging import Pager
from export_kit.waiting import PollPolicy

from ._base import Observation, Seen, ServiceSpec, Started

if TYPE_CHECKING:
    from export_kit._interfaces import JobRef
    from export_kit._shapes import Sender

DEFAULT_POLL = PollPolicy(min_delay=2.0, max_delay=60.0)

STATUSES: dict[str, ExportStatus] = {
    "IN_PROGRESS": ExportStatus.RUNNING,
    "SUCCEEDED": ExportStatus.SUCCEEDED,
    "FAILED": ExportStatus.FAILED,
}


class Discovery(ServiceSpec):
    name = "discovery"
    start_request = discovery.StartExportTaskRequest
    statuses: ClassVar[Mapping[str, ExportStatus]] = STATUSES
    default_poll = DEFAULT_POLL
    page_size = 100
    item_id = "export_id"
    item_status = "export_status"
    batch_is_authoritative = True

    def started(
        self, request: discovery.StartExportTaskRequest, response: discovery.StartExportTaskResponse
    ) -> Started:
        if not response.export_id:
            raise ValueError("StartExportTask returned no exportId")
        return Started(response.export_id, {})

    def describe_request(self, job: JobRef) -> discovery.DescribeExportTasksRequest:
        return discovery.DescribeExportTasksRequest(export_ids=[job.id])

    def observe(self, job: JobRef, response: discovery.DescribeExportTasksResponse) -> Observation:
        for info in response.exports_info or ():
            if info.export_id == job.id:
                return self._seen(info)
        raise self._missing(job)

    @staticmethod
    def _seen(info: discovery.ExportInfo) -> Observation:
        failed = info.export_status == "FAILED"
        return Observation(info.export_status, info.status_message if failed else None, info)

    async def observe_many(
        self, sender: Sender, key: Hashable, jobs: Sequence[JobRef], seen: Seen
    ) -> None:
        ids = sorted({job.id for job in jobs})
        chunks = [ids[i : i + self.page_size] for i in range(0, len(ids), self.page_size)]
        errors: list[Exception] = []

        async def one(chunk: list[str]) -> None:
            request = discovery.DescribeExportTasksRequest(
                export_ids=chunk, max_results=self.page_size
            )
            try:
                async with aclosing(Pager(sender, request).pages()) as pages:
                    async for response in pages:
                        for info in response.exports_info or ():
                            seen(info.export_id, self._seen(info))
            except Exception as exc:  # raised alone below, never as an ExceptionGroup
                errors.append(exc)

        async with anyio.create_task_group() as tg:
            for chunk in chunks:
                tg.start_soon(one, chunk)
        if errors:
            raise errors[0]


SPEC = Discovery()
