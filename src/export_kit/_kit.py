"""``ExportKit``: one aiobotocore session, one lazily created client per service.

Clients are shared by every task using the kit (aiobotocore clients are safe for
concurrent use) and all close together with ``aclose()`` or ``async with``.
"""

from __future__ import annotations

import warnings
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

import anyio
from aiobotocore.session import AioSession, get_session
from botocore.config import Config
from botocore.exceptions import ClientError

from ._config import client_config
from ._dispatch import api_kwargs, service_error, transport_error, transport_errors
from .waiting import PollPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

    from ._facades import (
        DiscoveryFacade,
        M2Facade,
        OmicsFacade,
        PersonalizeFacade,
        SimpleDBv2Facade,
    )
    from ._poller import Poller
    from ._shapes import OperationInfo, OperationRequest, ResponseShape
    from .jobs import ExportJob, JobOutcome
    from .paging import Pager
    from .waiting import OnUpdate

__all__ = ["ExportKit"]

ResponseT = TypeVar("ResponseT", bound="ResponseShape")

_CREDENTIALS = frozenset(
    {"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_account_id"}
)


class ExportKit:
    """Typed async access to the export APIs of m2, Personalize, Discovery, SimpleDB v2, Omics.

    ``credentials`` are ``aws_access_key_id``, ``aws_secret_access_key``,
    ``aws_session_token`` and ``aws_account_id``; without them the usual botocore chain
    (environment, ``profile_name``, instance role...) applies.  ``config`` is a botocore
    ``Config`` merged over our defaults (see ``export_kit._config``).  Use
    ``async with ExportKit(...) as kit`` or call ``await kit.aclose()`` when done.
    """

    def __init__(
        self,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        session: AioSession | None = None,
        config: Config | None = None,
        profile_name: str | None = None,
        poll: PollPolicy | None = None,
        **credentials: str | None,
    ) -> None:
        unknown = sorted(set(credentials) - _CREDENTIALS)
        if unknown:
            raise TypeError(f"ExportKit() got unexpected keyword arguments: {', '.join(unknown)}")
        if session is not None and profile_name is not None:
            raise TypeError("ExportKit() takes session or profile_name, not both")
        if poll is not None and not isinstance(poll, PollPolicy):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"ExportKit(poll=...) takes a PollPolicy, not {poll!r}")
        self.region_name = region_name
        self.endpoint_url = endpoint_url
        self._session = session
        self._profile_name = profile_name
        self._user_config = config
        self._credentials = {k: v for k, v in credentials.items() if v is not None}
        self._clients: dict[str, Any] = {}
        self._stack: AsyncExitStack | None = None
        self._lock: anyio.Lock | None = None
        self._closed = False
        self._facades: dict[str, object] = {}
        self._poll = poll
        self._poller: Poller | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every client (and its connection pool); end every wait. Safe to call twice."""
        self._closed = True
        if self._poller is not None:
            self._poller.close()
        stack, self._stack = self._stack, None
        self._clients = {}
        if stack is not None:
            await stack.aclose()

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` was called."""
        return self._closed

    def __del__(self) -> None:
        if getattr(self, "_clients", None):
            warnings.warn(
                f"{self!r} was never closed; use 'async with ExportKit(...)' "
                "or 'await kit.aclose()'",
                ResourceWarning,
                stacklevel=2,
                source=self,
            )

    def __repr__(self) -> str:
        parts = [f"region_name={self.region_name!r}"]
        if self.endpoint_url is not None:
            parts.append(f"endpoint_url={self.endpoint_url!r}")
        if self._profile_name is not None:
            parts.append(f"profile_name={self._profile_name!r}")
        state = "closed" if self._closed else f"clients={sorted(self._clients)}"
        return f"ExportKit({', '.join(parts)}, {state})"

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this ExportKit is closed; create a new one")

    # -- clients -----------------------------------------------------------------------------

    async def client(self, service: str) -> Any:
        """The aiobotocore client for a botocore service name, created on first use."""
        found = self._clients.get(service)
        if found is not None:
            return found
        return await self._open_client(service)

    async def _open_client(self, service: str) -> Any:
        self._check_open()
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            found = self._clients.get(service)
            if found is not None:
                return found
            if self._stack is None:
                self._stack = AsyncExitStack()
            if self._session is None:
                self._session = (
                    AioSession(profile=self._profile_name)
                    if self._profile_name is not None
                    else get_session()
                )
            session: Any = self._session  # the stubs overload create_client per literal name
            context = session.create_client(
                service,
                region_name=self.region_name,
                endpoint_url=self.endpoint_url,
                config=client_config(self._user_config, endpoint_url=self.endpoint_url),
                **self._credentials,
            )
            client = await self._stack.enter_async_context(context)
            self._clients[service] = client
            return client

    # -- dispatch ----------------------------------------------------------------------------

    async def _call(self, info: OperationInfo, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Send already-validated wire kwargs; map botocore failures to our error tree.

        Returns the raw aiobotocore response dict (with ``ResponseMetadata``).
        """
        client = self._clients.get(info.service) or await self._open_client(info.service)
        try:
            response: dict[str, Any] = await getattr(client, info.method)(**kwargs)
        except ClientError as exc:
            raise service_error(exc, info) from exc
        except transport_errors() as exc:
            raise transport_error(exc, info) from exc
        return response

    async def send(self, request: OperationRequest[ResponseT], /) -> ResponseT:
        """Send one request model and return its typed response (one page for list calls)."""
        info = type(request).operation
        data = await self._call(info, api_kwargs(request))
        return cast("ResponseT", info.response.from_api(data))

    def paginate(
        self, request: OperationRequest[ResponseT], /, *, max_items: int | None = None
    ) -> Pager[Any, ResponseT]:
        """A pager over every page (and item) of a list/describe-many request."""
        from .paging import Pager

        return Pager(self, request, max_items=max_items)

    # -- jobs (logic in export_kit.jobs / _poller / waiting / services) -------------------------
    # Imported on first use: they load the generated models, which ``import export_kit``
    # must not pay for.

    @property
    def poll(self) -> PollPolicy | None:
        """The kit's default ``PollPolicy`` (``None``: each service's own defaults)."""
        return self._poll

    def _waits(self) -> Poller:
        """The kit's shared poller, made on first use."""
        if self._poller is None:
            from ._poller import Poller

            self._poller = Poller(self, self._poll)
        return self._poller

    async def start(self, request: OperationRequest[Any]) -> ExportJob:
        """Send one of the five start/create requests and return its ``ExportJob``."""
        from .jobs import start

        return await start(self, request, poller=self._waits())

    def job(self, service: str, id: str, **scope: str) -> ExportJob:
        """Attach to an existing job; ``scope`` as the service needs (``applicationId=``...)."""
        from .jobs import attach

        return attach(self, service, id, poller=self._waits(), **scope)

    def resume(self, token: str) -> ExportJob:
        """The job behind a ``job.token()`` string, attached to this kit."""
        from .jobs import resume

        return resume(self, token, poller=self._waits())

    async def wait_all(
        self,
        jobs: Iterable[ExportJob],
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (seconds, as job.wait)
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
    ) -> list[JobOutcome]:
        """Wait for every job with batched polling; one ``JobOutcome`` per job, in order."""
        from .jobs import wait_all

        return await wait_all(
            self, jobs, timeout=timeout, poll=poll, on_update=on_update, poller=self._waits()
        )

    def as_completed(
        self,
        jobs: Iterable[ExportJob],
        *,
        timeout: float | None = None,
        poll: PollPolicy | None = None,
    ) -> AsyncIterator[ExportJob]:
        """Yield jobs as they finish, polling in batches (``async for job in ...``)."""
        from .jobs import as_completed

        return as_completed(self, jobs, timeout=timeout, poll=poll, poller=self._waits())

    # -- per-service facades -----------------------------------------------------------------

    def _facade(self, name: str) -> Any:
        found = self._facades.get(name)
        if found is None:
            from . import _facades

            found = self._facades[name] = getattr(_facades, name)(self)
        return found

    @property
    def m2(self) -> M2Facade:
        """Mainframe Modernization data set exports."""
        return cast("M2Facade", self._facade("M2Facade"))

    @property
    def personalize(self) -> PersonalizeFacade:
        """Personalize dataset export jobs."""
        return cast("PersonalizeFacade", self._facade("PersonalizeFacade"))

    @property
    def discovery(self) -> DiscoveryFacade:
        """Application Discovery export tasks and continuous exports."""
        return cast("DiscoveryFacade", self._facade("DiscoveryFacade"))

    @property
    def simpledbv2(self) -> SimpleDBv2Facade:
        """SimpleDB v2 domain exports."""
        return cast("SimpleDBv2Facade", self._facade("SimpleDBv2Facade"))

    @property
    def omics(self) -> OmicsFacade:
        """HealthOmics read set export jobs."""
        return cast("OmicsFacade", self._facade("OmicsFacade"))
