"""``ExportKit``: one aiobotocore session, one lazily created client per service.

Clients are shared by every task using the kit (aiobotocore clients are safe for
concurrent use) and all close together with ``aclose()`` or ``async with``.

The per-service facades (``kit.omics``...) are generated modules in ``_facades/``; each
property imports its own module on first use, so the kit never imports its facades at
module level (they import ``ExportKit`` only for type checkers: no cycle), and a process
that calls one service builds only that service's models.
"""

from __future__ import annotations

import asyncio
import warnings
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

import anyio
import anyio.lowlevel
import sniffio
from aiobotocore.session import AioSession, get_session
from botocore.config import Config
from botocore.context import get_context
from botocore.exceptions import ClientError
from botocore.useragent import UserAgentString
from botocore.utils import parse_timestamp

from ._config import client_config, read_data_as_plain_dicts
from ._dispatch import (
    api_kwargs,
    configuration_error,
    configuration_errors,
    service_error,
    transport_error,
    transport_errors,
)
from .errors import EventLoopError
from .waiting import PollPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

    from ._facades import ServiceFacade
    from ._facades.discovery import DiscoveryFacade
    from ._facades.m2 import M2Facade
    from ._facades.omics import OmicsFacade
    from ._facades.personalize import PersonalizeFacade
    from ._facades.simpledbv2 import SimpleDBv2Facade
    from ._poller import Poller
    from ._shapes import OperationInfo, OperationRequest, ResponseShape, StartRequest
    from .jobs import ExportJob, JobOutcome, OnUpdate
    from .paging import Pager

__all__ = ["ExportKit"]

ResponseT = TypeVar("ResponseT", bound="ResponseShape")
DescriptionT = TypeVar("DescriptionT", bound="ResponseShape")
FacadeT = TypeVar("FacadeT", bound="ServiceFacade")

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
        self._lock: AbstractAsyncContextManager[Any] | None = None
        self._closed = False
        self._facades: dict[str, ServiceFacade] = {}
        #: The event loop the clients belong to (set when the first one is opened).
        self._loop: object | None = None
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

    def _check_loop(self) -> None:
        """Raise ``EventLoopError`` unless we run in the loop the clients were opened in."""
        if self._loop is not None and _current_loop() is not self._loop:
            raise EventLoopError(
                f"{self!r} was opened in another event loop, and its clients and "
                "connections belong to that loop; create the kit inside the loop that "
                "uses it (e.g. 'async with ExportKit() as kit:' inside each asyncio.run())"
            )

    # -- clients -----------------------------------------------------------------------------

    async def client(self, service: str) -> Any:
        """The aiobotocore client for a botocore service name, created on first use."""
        found = self._clients.get(service)
        if found is not None:
            self._check_loop()
            return found
        return await self._open_client(service)

    async def _open_client(self, service: str) -> Any:
        self._check_open()
        self._check_loop()
        if self._lock is None:
            self._lock = _client_lock()
        async with self._lock:
            found = self._clients.get(service)
            if found is not None:
                return found
            if self._stack is None:
                self._stack = AsyncExitStack()
            if self._session is None:
                self._session = _own_session(self._profile_name)
            session: Any = self._session  # the stubs overload create_client per literal name
            config = client_config(self._user_config, endpoint_url=self.endpoint_url)
            try:
                context = session.create_client(
                    service,
                    region_name=self.region_name,
                    endpoint_url=self.endpoint_url,
                    config=config,
                    **self._credentials,
                )
                client = await self._stack.enter_async_context(context)
            except Exception as exc:  # botocore raises ValueError for a bad endpoint URL
                mapped = configuration_error(exc, service, creating=True)
                if mapped is None:
                    raise
                raise mapped from exc
            self._loop = self._loop or _current_loop()
            self._clients[service] = client
            return client

    # -- dispatch ----------------------------------------------------------------------------

    async def _call(self, info: OperationInfo, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Send already-validated wire kwargs; map botocore failures to our error tree.

        Returns the raw aiobotocore response dict (with ``ResponseMetadata``).
        """
        client = self._clients.get(info.service)
        if client is None:
            client = await self._open_client(info.service)
        else:
            self._check_loop()
        try:
            response: dict[str, Any] = await getattr(client, info.method)(**kwargs)
        except ClientError as exc:
            raise service_error(exc, info) from exc
        except transport_errors() as exc:
            raise transport_error(exc, info) from exc
        except configuration_errors() as exc:
            mapped = configuration_error(exc, info.service, info.name)
            if mapped is None:  # a KeyError that is not botocore's credential cache
                raise
            raise mapped from exc
        return response

    async def send(self, request: OperationRequest[ResponseT], /) -> ResponseT:
        """Send one request model and return its typed response (one page for list calls)."""
        info = type(request).operation
        data = await self._call(info, api_kwargs(request))
        return cast("ResponseT", info.response.from_api(data, operation=info.name))

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

    async def start(self, request: StartRequest[Any, DescriptionT], /) -> ExportJob[DescriptionT]:
        """Send one of the five start/create requests and return its ``ExportJob``.

        The job's ``description`` has the type the request names: ``ExportJob[
        omics.GetReadSetExportJobResponse]`` for an ``omics.StartReadSetExportJobRequest``.
        """
        from .jobs import start

        job = await start(self, request, poller=self._waits())
        return cast("ExportJob[DescriptionT]", job)

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
        jobs: Iterable[ExportJob[DescriptionT]],
        *,
        timeout: float | None = None,
        poll: PollPolicy | None = None,
    ) -> AsyncIterator[ExportJob[DescriptionT]]:
        """Yield jobs as they finish, polling in batches (``async for job in ...``).

        The jobs come back as given, so their description type is kept.
        """
        from .jobs import as_completed

        finished = as_completed(self, jobs, timeout=timeout, poll=poll, poller=self._waits())
        return cast("AsyncIterator[ExportJob[DescriptionT]]", finished)

    # -- per-service facades -----------------------------------------------------------------

    def _facade(self, cls: type[FacadeT]) -> FacadeT:
        found = self._facades.get(cls.service)
        if not isinstance(found, cls):
            found = self._facades[cls.service] = cls(self)
        return found

    @property
    def m2(self) -> M2Facade:
        """Mainframe Modernization data set exports."""
        from ._facades.m2 import M2Facade

        return self._facade(M2Facade)

    @property
    def personalize(self) -> PersonalizeFacade:
        """Personalize dataset export jobs."""
        from ._facades.personalize import PersonalizeFacade

        return self._facade(PersonalizeFacade)

    @property
    def discovery(self) -> DiscoveryFacade:
        """Application Discovery export tasks and continuous exports."""
        from ._facades.discovery import DiscoveryFacade

        return self._facade(DiscoveryFacade)

    @property
    def simpledbv2(self) -> SimpleDBv2Facade:
        """SimpleDB v2 domain exports."""
        from ._facades.simpledbv2 import SimpleDBv2Facade

        return self._facade(SimpleDBv2Facade)

    @property
    def omics(self) -> OmicsFacade:
        """HealthOmics read set export jobs."""
        from ._facades.omics import OmicsFacade

        return self._facade(OmicsFacade)


# -- helpers ----------------------------------------------------------------------------------


def _own_session(profile_name: str | None) -> AioSession:
    """The session a kit creates when the caller passed none, cheaper to start and per call.

    Only this session reads botocore's data files as plain dicts
    (:func:`read_data_as_plain_dicts`) and gets :func:`_parse_timestamp` and
    :class:`_RememberedUserAgent`; a session the caller passes in is used exactly as
    configured.
    """
    session = AioSession(profile=profile_name) if profile_name is not None else get_session()
    read_data_as_plain_dicts(session)  # cheaper to load and to keep (``_config``)
    factory: Any = session.get_component("response_parser_factory")
    factory.set_parser_defaults(timestamp_parser=_parse_timestamp)
    # botocore's own component for this (``Session._register_user_agent_creator``).
    session.register_component("user_agent_creator", _RememberedUserAgent.from_environment())
    return session


class _RememberedUserAgent(UserAgentString):
    """botocore's User-Agent builder, building each distinct string once.

    botocore builds the header twice per request (when the request is serialized, and
    again once it is signed, so features registered meanwhile are named; SigV4 does not
    sign the header), about 30 µs each (benchmarks/RESULTS.md, section 1).  The string depends on the builder's own
    settings, fixed once a client exists (botocore gives each client a copy made with its
    config), and on the feature ids of the client and of the request's context, which
    are the key here.  Setting any attribute (what ``set_session_config``,
    ``set_client_features`` and ``with_client_config`` do) forgets every string built.
    """

    _built: dict[frozenset[str], str]

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name != "_built":
            super().__setattr__("_built", {})

    def to_string(self) -> str:
        context = get_context()
        client_features: set[str] | None = getattr(self, "_client_features", None)
        features = frozenset(client_features or ())
        if context is not None:
            features = features.union(context.features)
        built = self._built.get(features)
        if built is None:
            if len(self._built) >= 64:  # a bound, in case features keep changing
                self._built.clear()
            built = self._built[features] = super().to_string()
        return built


def _parse_timestamp(value: Any) -> Any:
    """botocore's timestamp parser, with the two wire forms of our services done in C.

    rest-json bodies (m2, SimpleDB v2, omics) carry ISO 8601 strings and json ones
    (Personalize, Discovery) epoch seconds; botocore parses both through dateutil, about
    two thirds of its time parsing a small response.  ``datetime.fromisoformat`` and
    ``datetime.fromtimestamp`` give equal aware datetimes (``UTC`` for ``tzutc()``) for a
    hundredth of that; anything else (RFC 822 headers, numeric strings) goes to botocore.
    """
    if isinstance(value, str):
        if len(value) > 10 and value[4] == "-":  # YYYY-MM-DDT...; not an epoch string
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
    elif isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return parse_timestamp(cast("str", value))  # it takes numbers too, as above


def _client_lock() -> AbstractAsyncContextManager[Any]:
    """The lock that serializes client creation, for the running event loop.

    Under asyncio it is asyncio's own: ``anyio.Lock`` would import anyio's asyncio backend,
    15-20 ms of a one-call process's start-up (``benchmarks/cold_start.py``).
    """
    if sniffio.current_async_library() == "asyncio":
        return asyncio.Lock()
    return anyio.Lock()


def _current_loop() -> object:
    """The running event loop: asyncio's loop object, or trio's token (cheap on asyncio)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # not asyncio (trio)
        return anyio.lowlevel.current_token().native_token
