"""Mainframe Modernization data set export tasks.

Default polling: 5 s to 120 s.  There is no botocore waiter; a data set export takes from
tens of seconds to many minutes, so a 5 s start catches short exports without spamming.
Batch: ``ListDataSetExportHistory`` per ``applicationId`` (up to 2,000 tasks a page); its
items carry status and ``statusReason``, so they stand in for ``GetDataSetExportTask``
(copied field by field, not validated again).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from export_kit._interfaces import ExportStatus
from export_kit.models import m2
from export_kit.waiting import PollPolicy

from ._base import Observation, Seen, ServiceSpec, Started, as_shape, list_until_found

if TYPE_CHECKING:
    from export_kit._interfaces import JobRef
    from export_kit._shapes import Sender

DEFAULT_POLL = PollPolicy(min_delay=5.0, max_delay=120.0)

STATUSES: dict[str, ExportStatus] = {
    "Creating": ExportStatus.PENDING,
    "Running": ExportStatus.RUNNING,
    "Completed": ExportStatus.SUCCEEDED,
    "Failed": ExportStatus.FAILED,
}


class M2(ServiceSpec):
    name = "m2"
    start_request = m2.CreateDataSetExportTaskRequest
    statuses: ClassVar[Mapping[str, ExportStatus]] = STATUSES
    scope_keys = ("applicationId",)
    default_poll = DEFAULT_POLL
    page_size = 2000
    item_id = "task_id"
    item_status = "status"

    def started(
        self,
        request: m2.CreateDataSetExportTaskRequest,
        response: m2.CreateDataSetExportTaskResponse,
    ) -> Started:
        return Started(response.task_id, {"applicationId": request.application_id})

    def describe_request(self, job: JobRef) -> m2.GetDataSetExportTaskRequest:
        return m2.GetDataSetExportTaskRequest(
            application_id=job.scope["applicationId"], task_id=job.id
        )

    def observe(self, job: JobRef, response: m2.GetDataSetExportTaskResponse) -> Observation:
        return Observation(response.status, response.status_reason, response)

    async def observe_many(
        self, sender: Sender, key: Hashable, jobs: Sequence[JobRef], seen: Seen
    ) -> None:
        request = m2.ListDataSetExportHistoryRequest(
            application_id=jobs[0].scope["applicationId"], max_results=self.page_size
        )

        def found(task_id: str, item: m2.DataSetExportTask) -> None:
            description = as_shape(m2.GetDataSetExportTaskResponse, item)
            seen(task_id, Observation(item.status, item.status_reason, description))

        await list_until_found(
            sender,
            request,
            lambda r: r.data_set_export_tasks,
            lambda item: item.task_id,
            (job.id for job in jobs),
            self.page_size,
            found,
        )


SPEC = M2()
