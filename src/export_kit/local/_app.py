"""The aiohttp server: one handler that routes, guards and answers every request.

It runs on aiohttp's low-level ``web.Server`` (no router, middlewares or access log: one
handler needs none of them), and what a request needs from the botocore models was
prepared once (``_operations``), so a request's cost is its own work.

Routing: the service comes from the SigV4 credential scope (falling back to the
``X-Amz-Target`` or the REST path only to shape error replies to unsigned requests);
the operation from ``X-Amz-Target`` (json) or method + URI template (rest-json).  Every
request, including rejected ones, is counted in ``Core.requests`` by (service, operation),
with ``"?"`` for what could not be identified.  Nothing a client sends can crash the
server: unexpected exceptions become the service's 5xx error.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import itertools
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import HttpVersion11, web

from . import _files
from ._connections import ConnectionGuard
from ._errors import ApiError, error, kind_error
from ._faults import FaultInjector
from ._model import Protocol
from ._operations import Call, Operation, Router
from ._protocol import JSON_CONTENT_TYPES, error_body, parse_json_body, parse_rest
from ._sigv4 import Authorization, verify
from ._sigv4 import parse as parse_auth
from ._state import State
from ._validate import FieldError, format_errors

log = logging.getLogger("export_kit.local")

_DOWNLOAD = re.compile(r"^/_emulator/discovery/(?P<id>[A-Za-z0-9-]+)\.zip$")
UNKNOWN = "?"
_ID_PREFIX = str(uuid.uuid4())[:24]  # "xxxxxxxx-xxxx-4xxx-[89ab]xxx-"
_ID_COUNTER = itertools.count(1)


@dataclass
class Core:
    """What the handler needs: state, faults, counters and the request guards' settings."""

    state: State
    faults: FaultInjector
    verify_signatures: bool
    secret_key: str
    max_body_bytes: int
    guard: ConnectionGuard | None = None
    requests: collections.Counter[tuple[str, str]] = field(
        default_factory=collections.Counter[tuple[str, str]]
    )
    count_lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, service: str, operation: str) -> None:
        with self.count_lock:
            self.requests[(service, operation)] += 1

    def run(
        self, operation: Operation, params: dict[str, Any], region: str
    ) -> tuple[dict[str, Any], tuple[concurrent.futures.Future[None] | None, ...]]:
        """Run one validated operation: settle what is due, handle it, persist the change.
        Returns its output and the writes to wait for, if any (they run in the state's
        writer thread, off the event loop)."""
        state = self.state
        with state.lock:
            settled = state.settle()
            state.region = region
            try:
                output = operation.handler(state, params)
            finally:
                committed = state.commit()
        return output, (settled, committed)


def _request_id() -> str:
    """A version-4-shaped UUID, as AWS request ids are: a random prefix drawn once per
    process and a counter, so ids never repeat and cost no entropy per request."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFF_FFFF_FFFF:012x}"


def build_server(core: Core, **kwargs: Any) -> web.Server:
    """The emulator's aiohttp server: aiohttp's low-level ``web.Server`` around one handler,
    so a request pays for no router, middleware chain or access log (``kwargs`` go to
    aiohttp's ``RequestHandler``, for example ``keepalive_timeout``)."""
    handler = _Handler(core)
    loop = asyncio.get_running_loop()

    def make_request(
        message: Any, payload: Any, protocol: Any, writer: Any, task: Any
    ) -> web.BaseRequest:
        return web.BaseRequest(
            message, payload, protocol, writer, task, loop, client_max_size=core.max_body_bytes
        )

    return web.Server(handler.handle, request_factory=make_request, access_log=None, **kwargs)


class _Handler:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.router = Router()

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        guard = self.core.guard
        if guard is None:
            return await self._handle(request)
        guard.request_started(request.protocol)
        try:
            return await self._handle(request)
        finally:
            guard.request_finished(request.protocol)

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        request_id = _request_id()
        headers = request.headers
        if headers.get("Expect") is not None:
            await _expect(request)
        path = request.path
        if path.startswith("/_emulator/"):
            download = _DOWNLOAD.match(path)
            if download and request.method in ("GET", "HEAD"):
                self.core.count("discovery", "Download")
                return self._download(download["id"], request_id)
        auth = parse_auth(headers.get("Authorization"))
        call = self.router.identify(
            request.method, path, headers.get("X-Amz-Target"), auth.service if auth else None
        )
        operation = call.operation
        self.core.count(call.service or UNKNOWN, operation.name if operation else UNKNOWN)
        try:
            return await self._dispatch(request, call, auth, request_id)
        except ApiError as err:
            return self._error(call, err, request_id)
        except ConnectionResetError:  # the client went away mid-request: nothing to answer
            log.debug("client disconnected during %s %s", request.method, request.path)
            return web.Response(status=499)
        except Exception:  # never let a request take the server down
            log.exception("emulator error handling %s %s", request.method, request.path)
            service = call.service
            failure = (
                kind_error(service, "server", "Internal error.")
                if service
                else error(None, "InternalFailure", "Internal error.")
            )
            return self._error(call, failure, request_id)

    def _download(self, export_id: str, request_id: str) -> web.Response:
        state = self.core.state
        with state.lock:
            job = state.jobs.get(export_id)
            ready = (
                job is not None
                and job.service == "discovery"
                and job.phase_at(state.now())[0] == "succeeded"
            )
        if not ready:
            return web.Response(
                status=404,
                text="NoSuchKey: the export does not exist or has not succeeded.",
                headers={"x-amzn-RequestId": request_id},
            )
        return web.Response(
            body=_files.discovery_zip(state.seed, export_id),
            content_type="application/zip",
            headers={
                "x-amzn-RequestId": request_id,
                "Content-Disposition": f'attachment; filename="{export_id}.zip"',
            },
        )

    async def _dispatch(
        self, request: web.BaseRequest, call: Call, auth: Authorization | None, request_id: str
    ) -> web.StreamResponse:
        core = self.core
        service = call.service
        if service is None:
            raise error(
                None,
                "UnknownOperationException",
                f"No service answers {request.method} {request.path}.",
            )
        operation = call.operation
        if operation is None:
            err = error(
                service,
                "UnknownOperationException",
                f"Unknown operation for {service}: {request.method} {request.path}.",
            )
            if call.protocol == "rest-json":
                err.status = 404
            raise err
        proto = operation.protocol
        if proto == "json" and request.method != "POST":
            # json 1.1 operations are POST only; AWS answers other methods 405.
            raise ApiError(
                "UnknownOperationException",
                f"{service} operations accept only POST, not {request.method}.",
                405,
                headers={"Allow": "POST"},
            )
        if auth is None:
            raise error(
                service, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        lose_answer = False
        for fault in core.faults.decide(service, operation.name):
            if fault.kind == "lose":
                lose_answer = True
            elif fault.kind == "latency":
                await asyncio.sleep(fault.latency)
            elif fault.kind == "drop":
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            elif fault.kind == "throttle":
                raise kind_error(service, "throttling", "Rate exceeded")
            else:
                raise kind_error(
                    service, "server", "Internal server error (injected by the emulator)."
                )
        body = await self._body(request, service) if request.body_exists else b""
        if core.verify_signatures:
            url = f"{request.scheme}://{request.host}{request.raw_path}"
            if not verify(
                auth,
                secret_key=core.secret_key,
                method=request.method,
                url=url,
                headers=request.headers,
                body=body,
            ):
                raise error(
                    service,
                    "InvalidSignatureException",
                    "The request signature we calculated does not match the signature you provided.",
                )
        if body and body.strip() and request.content_type not in JSON_CONTENT_TYPES:
            raise error(
                service,
                "UnsupportedMediaTypeException",
                f"Unsupported content type {request.content_type!r}.",
            )
        if proto == "json":
            params = parse_json_body(service, body)
            problems: list[FieldError] = []
        else:
            params, problems = parse_rest(
                service, operation.input_shape, call.path_params or {}, request, body
            )
        operation.check(params, "", problems)
        if problems:
            raise self._validation_error(service, problems)
        output, writes = core.run(operation, params, auth.region)
        for write in writes:
            if write is not None:
                await asyncio.wrap_future(write)
        if lose_answer:  # handled (state changed), but the client never hears back
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        return _json(proto, 200, operation.answer(output), {"x-amzn-RequestId": request_id})

    async def _body(self, request: web.BaseRequest, service: str) -> bytes:
        limit = self.core.max_body_bytes
        length = request.content_length
        if length is None or length <= limit:
            try:
                return await request.read()
            except web.HTTPRequestEntityTooLarge:
                pass  # a chunked body over the limit
        raise error(
            service, "RequestEntityTooLargeException", f"Request body exceeds {limit} bytes."
        )

    def _validation_error(self, service: str, problems: list[FieldError]) -> ApiError:
        err = kind_error(service, "validation", format_errors(problems))
        if service == "m2":
            err.extra = {
                "reason": "fieldValidationFailed",
                "fieldList": [{"name": p.path, "message": p.message} for p in problems],
            }
        return err

    def _error(self, call: Call, err: ApiError, request_id: str) -> web.Response:
        proto = call.protocol
        body, headers = error_body(proto, err)
        headers["x-amzn-RequestId"] = request_id
        return _json(proto, err.status, body, headers)


async def _expect(request: web.BaseRequest) -> None:
    """Answer ``Expect: 100-continue`` as aiohttp's routed applications do."""
    expect = request.headers.get("Expect", "")
    if request.version != HttpVersion11:
        return
    if expect.lower() != "100-continue":
        raise web.HTTPExpectationFailed(text=f"Unknown Expect: {expect}")
    await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    request.writer.output_size = 0  # the answer's own size starts after this line


#: One encoder for every answer (compact, like the services' own JSON).
_ENCODE = json.JSONEncoder(check_circular=False, separators=(",", ":")).encode


def _json(
    proto: Protocol | None, status: int, payload: dict[str, Any], headers: dict[str, str]
) -> web.Response:
    headers["Content-Type"] = (
        "application/x-amz-json-1.1" if proto == "json" else "application/json"
    )
    return web.Response(status=status, body=_ENCODE(payload).encode(), headers=headers)


__all__ = ["Core", "build_server"]
