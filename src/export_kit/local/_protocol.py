"""Wire formats: reading requests and writing responses for the ``json`` and ``rest-json``
protocols exactly as the botocore models describe them.

* json 1.1: ``POST /``, ``X-Amz-Target: <prefix>.<Operation>``, the body is the input;
  errors are ``{"__type": code, "message": ...}``.
* rest-json: method + URI template; members bound to ``uri``, ``querystring`` and
  ``header`` locations, the rest in a JSON body; errors carry ``x-amzn-ErrorType``.

Timestamps go out as epoch seconds unless the shape says otherwise (omics uses ISO 8601).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeAlias, cast
from urllib.parse import unquote

from aiohttp import web

from ._errors import ApiError, error
from ._model import Protocol
from ._validate import FieldError, member_wire_name

JSON_CONTENT_TYPES = frozenset(
    {"application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json"}
)


def parse_json_body(service: str | None, body: bytes) -> dict[str, Any]:
    """The JSON object in ``body`` (empty body -> ``{}``), or a SerializationException."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise error(
            service, "SerializationException", f"The request body is not valid JSON: {exc}"
        ) from exc
    if not isinstance(value, dict):
        raise error(service, "SerializationException", "The request body must be a JSON object.")
    return cast("dict[str, Any]", value)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def parse_rest(
    service: str,
    shape: Any,
    path_params: Mapping[str, str],
    request: web.BaseRequest,
    body: bytes,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Assemble a rest-json operation's input from URI, query string, headers and body
    (the query string is parsed only for an operation that has members bound to it)."""
    params: dict[str, Any] = {}
    problems: list[FieldError] = []
    bound, body_members = _rest_members(shape)
    for name, wire, location, kind in bound:
        raw: str | list[str] | None
        if location == "uri":
            raw = unquote(path_params[wire]) if wire in path_params else None
        elif location == "querystring":
            query = request.query
            raw = query.getall(wire, None) if kind == "list" else query.get(wire)
        else:
            raw = request.headers.get(wire)
        if raw is None:
            continue
        if kind == "string" and isinstance(raw, str):
            params[name] = raw
            continue
        value, problem = _from_text(kind, raw, name)
        if problem is not None:
            problems.append(problem)
        else:
            params[name] = value
    if not body:
        return params, problems
    has_body_members = bool(body_members)
    payload = parse_json_body(service, body)
    if payload and not has_body_members:
        problems += [
            FieldError(str(k), "Member is not a known member of this structure") for k in payload
        ]
    for key, value in payload.items():
        if key in body_members:
            params[key] = value
        elif has_body_members:
            problems.append(FieldError(str(key), "Member is not a known member of this structure"))
    return params, problems


@functools.cache
def _rest_members(shape: Any) -> tuple[tuple[tuple[str, str, str, str], ...], frozenset[str]]:
    """A rest-json input's (name, wire name, location, type) bound to the URI, query
    string or headers, and the wire names of its body members (cached per shape)."""
    bound: list[tuple[str, str, str, str]] = []
    body: set[str] = set()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member_wire_name(name, member)
        if location in ("uri", "querystring", "header"):
            bound.append((name, wire, location, member.type_name))
        else:
            body.add(wire)
    return tuple(bound), frozenset(body)


def _from_text(kind: str, raw: str | list[str], name: str) -> tuple[Any, FieldError | None]:
    if kind == "list" and isinstance(raw, list):
        return raw, None
    text = raw if isinstance(raw, str) else raw[0]
    if kind == "string":
        return text, None
    if kind in ("integer", "long"):
        try:
            return int(text), None
        except ValueError:
            return None, FieldError(name, "Member must be an integer")
    if kind in ("double", "float"):
        try:
            number = float(text)
        except ValueError:
            return None, FieldError(name, "Member must be a number")
        return (
            (number, None)
            if math.isfinite(number)
            else (None, FieldError(name, "Member must be a number"))
        )
    if kind == "boolean":
        if text not in ("true", "false"):
            return None, FieldError(name, "Member must be a boolean")
        return text == "true", None
    return text, None


@functools.lru_cache(maxsize=4096)
def _iso(ts: float) -> str:
    # Cached: a job's timestamps go out again on every poll of it.
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def serialize(shape: Any, value: Any) -> Any:
    """``value`` as the wire wants it: members renamed, ``None`` dropped, timestamps formatted."""
    write = writer(shape)
    return value if write is None else write(value)


#: Turns a handler's value into its wire form; ``None`` where the value goes out as it is.
Write: TypeAlias = Callable[[Any], Any] | None


@functools.cache
def writer(shape: Any) -> Write:
    """How ``shape``'s values go on the wire, built once per shape from the model, so that
    a response pays only for the members it has."""
    kind = shape.type_name
    if kind == "structure":
        return _structure_writer(shape)
    if kind == "list":
        item = writer(shape.member)
        return None if item is None else lambda value: [item(v) for v in value]
    if kind == "map":
        entry = writer(shape.value)
        return None if entry is None else lambda value: {k: entry(v) for k, v in value.items()}
    if kind == "timestamp":
        if shape.serialization.get("timestampFormat") == "iso8601":
            return lambda value: _iso(float(value))
        return lambda value: round(float(value), 3)
    return None


def _structure_writer(shape: Any) -> Write:
    # Resolved on first use (a shape may contain itself): the body members that go out as
    # they are under their own name, and the others as (name, wire name, writer).  Members
    # bound to headers or the URI, and names the model lacks, stay out.
    plain: set[str] = set()
    special: list[tuple[str, str, Write]] = []

    def write(value: dict[str, Any]) -> dict[str, Any]:
        if not plain and not special:
            for name, member in shape.members.items():
                if member.serialization.get("location") is not None:
                    continue
                wire, member_write = member_wire_name(name, member), writer(member)
                if wire == name and member_write is None:
                    plain.add(name)
                else:
                    special.append((name, wire, member_write))
        out = {k: v for k, v in value.items() if v is not None and k in plain}
        for name, wire, member_write in special:
            item = value.get(name)
            if item is not None:
                out[wire] = item if member_write is None else member_write(item)
        return out

    return write


def error_body(proto: Protocol | None, err: ApiError) -> tuple[dict[str, Any], dict[str, str]]:
    """Body and headers of an error response in ``proto``'s shape (both when unknown)."""
    body: dict[str, Any] = {"message": err.message, **err.extra}
    headers = dict(err.headers)
    if proto in ("json", None):
        body = {"__type": err.code, **body}
    if proto in ("rest-json", None):
        headers["x-amzn-ErrorType"] = err.code
    return body, headers
