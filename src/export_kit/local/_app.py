"""The aiohttp application: one catch-all handler that routes, guards and answers.

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
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import _files
from ._botocore import operation_model
from ._connections import ConnectionGuard
from ._errors import ApiError, error, kind_error
from ._faults import FaultInjector
from ._model import Protocol, json_targets, protocol, rest_routes, signing_names
from ._protocol import JSON_CONTENT_TYPES, error_body, parse_json_body, parse_rest, serialize
from ._sigv4 import parse as parse_auth
from ._sigv4 import verify
from ._state import State
from ._table import HANDLERS
from ._validate import FieldError, format_errors, validate

log = logging.getLogger("export_kit.local")

_DOWNLOAD = re.compile(r"^/_emulator/discovery/(?P<id>[A-Za-z0-9-]+)\.zip$")
UNKNOWN = "?"


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

    async def run(
        self, service: str, operation: str, params: dict[str, Any], region: str
    ) -> dict[str, Any]:
        """Run one validated operation: settle what is due, handle it, persist the change
        (the blocking writes run in the state's writer thread; this waits for them)."""
        state = self.state
        handler = HANDLERS[(service, operation)]
        with state.lock:
            settled = state.settle()
            state.region = region
            try:
                output = handler(state, params)
            finally:
                committed = state.commit()
        for future in (settled, committed):
            if future is not None:
                await asyncio.wrap_future(future)
        return output


@dataclass
class _Call:
    service: str | None = None
    operation: str | None = None
    proto: Protocol | None = None
    path_params: dict[str, str] = field(default_factory=dict[str, str])


def _identify(request: web.Request, scope_service: str | None) -> _Call:
    call = _Call()
    target = request.headers.get("X-Amz-Target")
    service = signing_names().get(scope_service) if scope_service else None
    if target is not None:
        found = json_targets().get(target)
        if found is not None and service in (None, found[0]):
            call.service, call.operation = found
        else:
            call.service = service
    else:
        for route in rest_routes(service):
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                call.service, call.operation = route.service, route.operation
                call.path_params = match.groupdict()
                break
            if match and call.service is None:
                call.service = route.service
        if call.service is None:
            call.service = service
    if call.service is not None:
        call.proto = protocol(call.service)
    return call


def build_app(core: Core) -> web.Application:
    """The emulator's aiohttp application."""
    app = web.Application(client_max_size=core.max_body_bytes)
    handler = _Handler(core)
    app.router.add_route("*", "/{tail:.*}", handler.handle)
    return app


class _Handler:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def handle(self, request: web.Request) -> web.StreamResponse:
        guard = self.core.guard
        if guard is None:
            return await self._handle(request)
        guard.request_started(request.protocol)
        try:
            return await self._handle(request)
        finally:
            guard.request_finished(request.protocol)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        download = _DOWNLOAD.match(request.path)
        if download and request.method in ("GET", "HEAD"):
            self.core.count("discovery", "Download")
            return self._download(download["id"], request_id)
        auth = parse_auth(request.headers.get("Authorization"))
        call = _identify(request, auth.service if auth else None)
        self.core.count(call.service or UNKNOWN, call.operation or UNKNOWN)
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
        self, request: web.Request, call: _Call, auth: Any, request_id: str
    ) -> web.StreamResponse:
        core = self.core
        if call.service is None:
            raise error(
                None,
                "UnknownOperationException",
                f"No service answers {request.method} {request.path}.",
            )
        service = call.service
        if call.operation is None:
            err = error(
                service,
                "UnknownOperationException",
                f"Unknown operation for {service}: {request.method} {request.path}.",
            )
            if call.proto == "rest-json":
                err.status = 404
            raise err
        operation = call.operation
        if call.proto == "json" and request.method != "POST":
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
        for fault in core.faults.decide(service, operation):
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
        if request.content_length is not None and request.content_length > core.max_body_bytes:
            raise error(
                service,
                "RequestEntityTooLargeException",
                f"Request body exceeds {core.max_body_bytes} bytes.",
            )
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            raise error(
                service,
                "RequestEntityTooLargeException",
                f"Request body exceeds {core.max_body_bytes} bytes.",
            ) from exc
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
        if body.strip() and request.content_type not in JSON_CONTENT_TYPES:
            raise error(
                service,
                "UnsupportedMediaTypeException",
                f"Unsupported content type {request.content_type!r}.",
            )
        op_model = operation_model(service, operation)
        shape = op_model.input_shape
        if call.proto == "json":
            params = parse_json_body(service, body)
            problems: list[FieldError] = []
        else:
            params, problems = parse_rest(
                service, shape, call.path_params, request.query, request.headers, body
            )
        problems += validate(shape, params)
        if problems:
            raise self._validation_error(service, problems)
        output = await core.run(service, operation, params, auth.region)
        if lose_answer:  # handled (state changed), but the client never hears back
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        payload: dict[str, Any] = (
            serialize(op_model.output_shape, output) if op_model.output_shape is not None else {}
        )
        return self._json(call.proto, 200, payload, {"x-amzn-RequestId": request_id})

    def _validation_error(self, service: str, problems: list[FieldError]) -> ApiError:
        err = kind_error(service, "validation", format_errors(problems))
        if service == "m2":
            err.extra = {
                "reason": "fieldValidationFailed",
                "fieldList": [{"name": p.path, "message": p.message} for p in problems],
            }
        return err

    def _error(self, call: _Call, err: ApiError, request_id: str) -> web.Response:
        body, headers = error_body(call.proto, err)
        headers["x-amzn-RequestId"] = request_id
        return self._json(call.proto, err.status, body, headers)

    @staticmethod
    def _json(
        proto: Protocol | None, status: int, payload: dict[str, Any], headers: dict[str, str]
    ) -> web.Response:
        headers["Content-Type"] = (
            "application/x-amz-json-1.1" if proto == "json" else "application/json"
        )
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=headers)


__all__ = ["Core", "build_app"]
