"""Per-service facades (``kit.m2``, ``kit.omics``...) with the boto3 method names.

Each method is a small descriptor bound to one request class, so one generic code
path validates and sends every operation while type checkers still see the exact
response type.  Jobs code adds its ``start()`` methods to these plain classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, overload

from ._dispatch import build_request
from ._shapes import OperationRequest, ResponseShape
from .models import discovery, m2, omics, personalize, simpledbv2
from .paging import Pager

if TYPE_CHECKING:
    from ._kit import ExportKit
    from .jobs import ExportJob

__all__ = [
    "DiscoveryFacade",
    "M2Facade",
    "OmicsFacade",
    "PersonalizeFacade",
    "ServiceFacade",
    "SimpleDBv2Facade",
]

RequestT = TypeVar("RequestT", bound=OperationRequest[Any])
ResponseT = TypeVar("ResponseT", bound=ResponseShape)
ItemT = TypeVar("ItemT")


class ServiceFacade:
    """The operations of one service, sent through the owning :class:`ExportKit`."""

    service: ClassVar[str]

    def __init__(self, kit: ExportKit) -> None:
        self.kit = kit

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.kit!r}>"

    async def start(
        self, request: OperationRequest[Any] | None = None, /, **kwargs: Any
    ) -> ExportJob:
        """Start an export job (this service's start/create operation) and return it."""
        from .jobs import start
        from .services import spec_for

        model = build_request(spec_for(self.service).start_request, request, kwargs)
        return await start(self.kit, model)


# -- method descriptors -----------------------------------------------------------------------


class _Operation(Generic[RequestT, ResponseT]):
    """A facade method that sends one request and returns its typed response."""

    def __init__(self, request: type[RequestT], response: type[ResponseT]) -> None:
        if request.operation.response is not response:
            raise TypeError(f"{request.__name__} does not answer with {response.__name__}")
        self.request = request
        self.__doc__ = f"Send a ``{request.operation.name}`` request (model or keyword arguments)."

    @overload
    def __get__(self, facade: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(
        self, facade: ServiceFacade, owner: type[Any]
    ) -> _BoundOperation[RequestT, ResponseT]: ...
    def __get__(
        self, facade: ServiceFacade | None, owner: type[Any]
    ) -> Self | _BoundOperation[RequestT, ResponseT]:
        if facade is None:
            return self
        return _BoundOperation(facade.kit, self.request)


class _BoundOperation(Generic[RequestT, ResponseT]):
    __slots__ = ("_kit", "_request")

    def __init__(self, kit: ExportKit, request: type[RequestT]) -> None:
        self._kit = kit
        self._request = request

    @overload
    async def __call__(self, request: RequestT, /) -> ResponseT: ...
    @overload
    async def __call__(self, /, **kwargs: Any) -> ResponseT: ...
    async def __call__(self, request: RequestT | None = None, /, **kwargs: Any) -> ResponseT:
        built = build_request(self._request, request, kwargs)
        response: ResponseT = await self._kit.send(built)
        return response


class _Paged(Generic[RequestT, ResponseT, ItemT]):
    """A facade method for a list/describe-many operation: returns a :class:`Pager` at once."""

    def __init__(self, request: type[RequestT], page: type[ResponseT], item: type[ItemT]) -> None:
        if request.operation.response is not page:
            raise TypeError(f"{request.__name__} does not answer with {page.__name__}")
        self.request = request
        self.__doc__ = f"Page through ``{request.operation.name}`` (model or keyword arguments)."

    @overload
    def __get__(self, facade: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(
        self, facade: ServiceFacade, owner: type[Any]
    ) -> _BoundPaged[RequestT, ResponseT, ItemT]: ...
    def __get__(
        self, facade: ServiceFacade | None, owner: type[Any]
    ) -> Self | _BoundPaged[RequestT, ResponseT, ItemT]:
        if facade is None:
            return self
        return _BoundPaged(facade.kit, self.request)


class _BoundPaged(Generic[RequestT, ResponseT, ItemT]):
    __slots__ = ("_kit", "_request")

    def __init__(self, kit: ExportKit, request: type[RequestT]) -> None:
        self._kit = kit
        self._request = request

    @overload
    def __call__(self, request: RequestT, /) -> Pager[ItemT, ResponseT]: ...
    @overload
    def __call__(self, /, **kwargs: Any) -> Pager[ItemT, ResponseT]: ...
    def __call__(
        self, request: RequestT | None = None, /, **kwargs: Any
    ) -> Pager[ItemT, ResponseT]:
        return Pager(self._kit, build_request(self._request, request, kwargs))


# -- the five services ------------------------------------------------------------------------


class M2Facade(ServiceFacade):
    """Mainframe Modernization (``m2``) data set export tasks."""

    service = "m2"
    create_data_set_export_task = _Operation(
        m2.CreateDataSetExportTaskRequest, m2.CreateDataSetExportTaskResponse
    )
    get_data_set_export_task = _Operation(
        m2.GetDataSetExportTaskRequest, m2.GetDataSetExportTaskResponse
    )
    list_data_set_export_history = _Paged(
        m2.ListDataSetExportHistoryRequest,
        m2.ListDataSetExportHistoryResponse,
        m2.DataSetExportTask,
    )


class PersonalizeFacade(ServiceFacade):
    """Personalize (``personalize``) dataset export jobs."""

    service = "personalize"
    create_dataset_export_job = _Operation(
        personalize.CreateDatasetExportJobRequest, personalize.CreateDatasetExportJobResponse
    )
    describe_dataset_export_job = _Operation(
        personalize.DescribeDatasetExportJobRequest, personalize.DescribeDatasetExportJobResponse
    )
    list_dataset_export_jobs = _Paged(
        personalize.ListDatasetExportJobsRequest,
        personalize.ListDatasetExportJobsResponse,
        personalize.DatasetExportJobSummary,
    )


class DiscoveryFacade(ServiceFacade):
    """Application Discovery (``discovery``) export tasks and continuous exports."""

    service = "discovery"
    start_export_task = _Operation(
        discovery.StartExportTaskRequest, discovery.StartExportTaskResponse
    )
    describe_export_tasks = _Paged(
        discovery.DescribeExportTasksRequest,
        discovery.DescribeExportTasksResponse,
        discovery.ExportInfo,
    )
    start_continuous_export = _Operation(
        discovery.StartContinuousExportRequest, discovery.StartContinuousExportResponse
    )
    describe_continuous_exports = _Paged(
        discovery.DescribeContinuousExportsRequest,
        discovery.DescribeContinuousExportsResponse,
        discovery.ContinuousExportDescription,
    )
    stop_continuous_export = _Operation(
        discovery.StopContinuousExportRequest, discovery.StopContinuousExportResponse
    )


class SimpleDBv2Facade(ServiceFacade):
    """SimpleDB v2 (``simpledbv2``) domain exports."""

    service = "simpledbv2"
    start_domain_export = _Operation(
        simpledbv2.StartDomainExportRequest, simpledbv2.StartDomainExportResponse
    )
    get_export = _Operation(simpledbv2.GetExportRequest, simpledbv2.GetExportResponse)
    list_exports = _Paged(
        simpledbv2.ListExportsRequest, simpledbv2.ListExportsResponse, simpledbv2.ExportSummary
    )


class OmicsFacade(ServiceFacade):
    """HealthOmics (``omics``) read set export jobs."""

    service = "omics"
    start_read_set_export_job = _Operation(
        omics.StartReadSetExportJobRequest, omics.StartReadSetExportJobResponse
    )
    get_read_set_export_job = _Operation(
        omics.GetReadSetExportJobRequest, omics.GetReadSetExportJobResponse
    )
    list_read_set_export_jobs = _Paged(
        omics.ListReadSetExportJobsRequest,
        omics.ListReadSetExportJobsResponse,
        omics.ExportReadSetJobDetail,
    )
