"""HealthOmics read set export jobs.

Default polling: 30 s to 120 s, starting at botocore's own ``ReadSetExportJobCompleted``
waiter delay (30 s).  Batch: ``ListReadSetExportJobs`` per ``sequenceStoreId`` (100 a page);
its items lack ``statusMessage`` and the read sets, so a job seen terminal there is
described once more for its full description and failure reason.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from export_kit._interfaces import ExportStatus
from export_kit.models import omics
from export_kit.waiting import PollPolicy

from ._base import Observation, Seen, ServiceSpec, Started, list_until_found

if TYPE_CHECKING:
    from export_kit._interfaces import JobRef
    from export_kit._shapes import Sender

DEFAULT_POLL = PollPolicy(min_delay=30.0, max_delay=120.0)

STATUSES: dict[str, ExportStatus] = {
    "SUBMITTED": ExportStatus.PENDING,
    "IN_PROGRESS": ExportStatus.RUNNING,
    "CANCELLING": ExportStatus.CANCELLING,
    "COMPLETED": ExportStatus.SUCCEEDED,
    "COMPLETED_WITH_FAILURES": ExportStatus.PARTIAL,
    "FAILED": ExportStatus.FAILED,
    "CANCELLED": ExportStatus.CANCELLED,
}


class Omics(ServiceSpec):
    name = "omics"
    start_request = omics.StartReadSetExportJobRequest
    statuses: ClassVar[Mapping[str, ExportStatus]] = STATUSES
    scope_keys = ("sequenceStoreId",)
    default_poll = DEFAULT_POLL
    page_size = 100
    item_id = "id"
    item_status = "status"

    def started(
        self,
        request: omics.StartReadSetExportJobRequest,
        response: omics.StartReadSetExportJobResponse,
    ) -> Started:
        return Started(
            response.id,
            {"sequenceStoreId": request.sequence_store_id},
            seen=Observation(response.status),
        )

    def describe_request(self, job: JobRef) -> omics.GetReadSetExportJobRequest:
        return omics.GetReadSetExportJobRequest(
            sequence_store_id=job.scope["sequenceStoreId"], id=job.id
        )

    def observe(self, job: JobRef, response: omics.GetReadSetExportJobResponse) -> Observation:
        return Observation(response.status, response.status_message, response)

    async def observe_many(
        self, sender: Sender, key: Hashable, jobs: Sequence[JobRef], seen: Seen
    ) -> None:
        request = omics.ListReadSetExportJobsRequest(
            sequence_store_id=jobs[0].scope["sequenceStoreId"], max_results=self.page_size
        )
        await list_until_found(
            sender,
            request,
            lambda r: r.export_jobs,
            lambda item: item.id,
            (job.id for job in jobs),
            self.page_size,
            lambda job_id, item: seen(job_id, Observation(item.status)),
        )


SPEC = Omics()
