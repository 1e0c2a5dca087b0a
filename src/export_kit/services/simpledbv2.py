"""SimpleDB v2 domain exports.

Default polling: 30 s to 120 s, starting at botocore's own ``ExportSucceeded`` waiter delay
(30 s).  Batch: ``ListExports`` per ``domainName`` (100 a page; without a known domain, all
exports of the account).  Its summaries lack the failure code and message, so a job seen
terminal there is described once more with ``GetExport``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from export_kit._interfaces import ExportStatus
from export_kit.models import simpledbv2
from export_kit.waiting import PollPolicy

from ._base import Observation, Seen, ServiceSpec, Started, list_until_found

if TYPE_CHECKING:
    from export_kit._interfaces import JobRef
    from export_kit._shapes import Sender

DEFAULT_POLL = PollPolicy(min_delay=30.0, max_delay=120.0)

STATUSES: dict[str, ExportStatus] = {
    "PENDING": ExportStatus.PENDING,
    "IN_PROGRESS": ExportStatus.RUNNING,
    "SUCCEEDED": ExportStatus.SUCCEEDED,
    "FAILED": ExportStatus.FAILED,
}


def failure_reason(response: simpledbv2.GetExportResponse) -> str | None:
    """``failureCode: failureMessage`` (either part alone when the other is missing)."""
    parts = [p for p in (response.failure_code, response.failure_message) if p]
    return ": ".join(parts) or None


class SimpleDBv2(ServiceSpec):
    name = "simpledbv2"
    start_request = simpledbv2.StartDomainExportRequest
    statuses: ClassVar[Mapping[str, ExportStatus]] = STATUSES
    hint_keys = ("domainName",)
    default_poll = DEFAULT_POLL
    page_size = 100
    item_id = "export_arn"
    item_status = "export_status"

    def started(
        self,
        request: simpledbv2.StartDomainExportRequest,
        response: simpledbv2.StartDomainExportResponse,
    ) -> Started:
        return Started(response.export_arn, {}, {"domainName": request.domain_name})

    def describe_request(self, job: JobRef) -> simpledbv2.GetExportRequest:
        return simpledbv2.GetExportRequest(export_arn=job.id)

    def observe(self, job: JobRef, response: simpledbv2.GetExportResponse) -> Observation:
        return Observation(
            response.export_status,
            failure_reason(response),
            response,
            {"domainName": response.domain_name},
        )

    def batch_key(self, job: JobRef) -> Hashable:
        return job.hints.get("domainName")

    async def observe_many(
        self, sender: Sender, key: Hashable, jobs: Sequence[JobRef], seen: Seen
    ) -> None:
        domain = jobs[0].hints.get("domainName")
        request = simpledbv2.ListExportsRequest(domain_name=domain, max_results=self.page_size)

        def found(arn: str, item: simpledbv2.ExportSummary) -> None:
            seen(arn, Observation(item.export_status, hints={"domainName": item.domain_name}))

        await list_until_found(
            sender,
            request,
            lambda r: r.export_summaries,
            lambda item: item.export_arn,
            (job.id for job in jobs),
            self.page_size,
            found,
        )


SPEC = SimpleDBv2()
