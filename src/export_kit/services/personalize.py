"""Personalize dataset export jobs.

Default polling: 10 s to 120 s.  There is no botocore waiter; Personalize exports take
minutes, so polling faster than every 10 s only spends request quota.  Batch:
``ListDatasetExportJobs`` per ``datasetArn`` (100 a page; without a known dataset, all
jobs of the account); its summaries carry status and ``failureReason``.

``CreateDatasetExportJob`` has no client token.  When a retry of a create whose answer was
lost gets ``ResourceAlreadyExists`` for the same job name, the existing job is adopted if
its parameters match the request; otherwise the ``ConflictError`` stands.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, ClassVar

from export_kit._interfaces import ExportStatus
from export_kit.errors import ConflictError
from export_kit.models import personalize
from export_kit.paging import Pager
from export_kit.waiting import PollPolicy

from ._base import Observation, Seen, ServiceSpec, Started, as_shape, list_until_found

if TYPE_CHECKING:
    from export_kit._interfaces import JobRef
    from export_kit._shapes import OperationRequest, Sender

DEFAULT_POLL = PollPolicy(min_delay=10.0, max_delay=120.0)

STATUSES: dict[str, ExportStatus] = {
    "CREATE PENDING": ExportStatus.PENDING,
    "CREATE IN_PROGRESS": ExportStatus.RUNNING,
    "ACTIVE": ExportStatus.SUCCEEDED,
    "CREATE FAILED": ExportStatus.FAILED,
}


def _same_job(
    request: personalize.CreateDatasetExportJobRequest, job: personalize.DatasetExportJob
) -> bool:
    """Whether an existing job is what ``request`` asked for (so adopting it is safe).

    An unset ``ingestionMode`` matches any: the service picks the default.
    """
    want_output = request.job_output.s3_data_destination
    have_output = job.job_output.s3_data_destination if job.job_output else None
    return (
        job.job_name == request.job_name
        and job.dataset_arn == request.dataset_arn
        and job.role_arn == request.role_arn
        and (request.ingestion_mode is None or job.ingestion_mode == request.ingestion_mode)
        and have_output is not None
        and have_output.path == want_output.path
        and have_output.kms_key_arn == want_output.kms_key_arn
    )


class Personalize(ServiceSpec):
    name = "personalize"
    start_request = personalize.CreateDatasetExportJobRequest
    statuses: ClassVar[Mapping[str, ExportStatus]] = STATUSES
    hint_keys = ("datasetArn",)
    default_poll = DEFAULT_POLL
    page_size = 100

    @property
    def idempotency_field(self) -> str:
        """The job name: a repeated create with it finds the job (see the module docs)."""
        return "job_name"

    item_id = "dataset_export_job_arn"
    item_status = "status"

    async def start(self, sender: Sender, request: OperationRequest[Any]) -> Started:
        assert isinstance(request, personalize.CreateDatasetExportJobRequest)
        try:
            return await super().start(sender, request)
        except ConflictError as exc:
            if exc.code.removesuffix("Exception") != "ResourceAlreadyExists":
                raise
            existing = await self._find(sender, request)
            if existing is None:
                raise
            described = await sender.send(
                personalize.DescribeDatasetExportJobRequest(dataset_export_job_arn=existing)
            )
            job = described.dataset_export_job
            if job is None or not _same_job(request, job):
                raise
            return Started(
                existing,
                {},
                {"datasetArn": request.dataset_arn},
                Observation(job.status or "", job.failure_reason, described),
            )

    async def _find(
        self, sender: Sender, request: personalize.CreateDatasetExportJobRequest
    ) -> str | None:
        """The ARN of the dataset's export job named like the request, if any."""
        listing = personalize.ListDatasetExportJobsRequest(
            dataset_arn=request.dataset_arn, max_results=self.page_size
        )
        async with aclosing(Pager(sender, listing).pages()) as pages:
            async for page in pages:
                for item in page.dataset_export_jobs or ():
                    if item.job_name == request.job_name and item.dataset_export_job_arn:
                        return item.dataset_export_job_arn
        return None

    def started(
        self,
        request: personalize.CreateDatasetExportJobRequest,
        response: personalize.CreateDatasetExportJobResponse,
    ) -> Started:
        if not response.dataset_export_job_arn:
            raise ValueError("CreateDatasetExportJob returned no datasetExportJobArn")
        return Started(response.dataset_export_job_arn, {}, {"datasetArn": request.dataset_arn})

    def describe_request(self, job: JobRef) -> personalize.DescribeDatasetExportJobRequest:
        return personalize.DescribeDatasetExportJobRequest(dataset_export_job_arn=job.id)

    def observe(
        self, job: JobRef, response: personalize.DescribeDatasetExportJobResponse
    ) -> Observation:
        found = response.dataset_export_job
        if found is None:
            raise self._missing(job)
        return Observation(
            found.status or "",
            found.failure_reason,
            response,
            {"datasetArn": found.dataset_arn or ""},
        )

    def batch_key(self, job: JobRef) -> Hashable:
        return job.hints.get("datasetArn")

    async def observe_many(
        self, sender: Sender, key: Hashable, jobs: Sequence[JobRef], seen: Seen
    ) -> None:
        dataset = jobs[0].hints.get("datasetArn")
        request = personalize.ListDatasetExportJobsRequest(
            dataset_arn=dataset, max_results=self.page_size
        )

        def found(arn: str, item: personalize.DatasetExportJobSummary) -> None:
            job = as_shape(personalize.DatasetExportJob, item, dataset_arn=dataset)
            description = personalize.DescribeDatasetExportJobResponse.model_construct(
                dataset_export_job=job
            )
            seen(arn, Observation(item.status or "", item.failure_reason, description))

        await list_until_found(
            sender,
            request,
            lambda r: r.dataset_export_jobs,
            lambda item: item.dataset_export_job_arn,
            (job.id for job in jobs),
            self.page_size,
            found,
        )


SPEC = Personalize()
