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
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote

from multidict import MultiMapping

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
    query: MultiMapping[str],
    headers: Mapping[str, str],
    body: bytes,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Assemble a rest-json operation's input from URI, query string, headers and body."""
    params: dict[str, Any] = {}
    problems: list[FieldError] = []
    bound, body_members = _rest_members(shape)
    for name, wire, location, member in bound:
        raw: str | list[str] | None
        if location == "uri":
            raw = unquote(path_params[wire]) if wire in path_params else None
        elif location == "querystring":
            raw = query.getall(wire, None) if member.type_name == "list" else query.get(wire)
        else:
            raw = headers.get(wire)
        if raw is None:
            continue
        value, problem = _from_text(member, raw, name)
        if problem is not None:
            problems.append(problem)
        else:
            params[name] = value
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
def _rest_members(shape: Any) -> tuple[tuple[tuple[str, str, str, Any], ...], frozenset[str]]:
    """A rest-json input's (name, wire name, location, member) bound to the URI, query
    string or headers, and the wire names of its body members (cached per shape)."""
    bound: list[tuple[str, str, str, Any]] = []
    body: set[str] = set()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member_wire_name(name, member)
        if location in ("uri", "querystring", "header"):
            bound.append((name, wire, location, member))
        else:
            body.add(wire)
    return tuple(bound), frozenset(body)


def _from_text(member: Any, raw: str | list[str], name: str) -> tuple[Any, FieldError | None]:
    kind = member.type_name
    if kind == "list" and isinstance(raw, list):
        return raw, None
    text = raw if isinstance(raw, str) else raw[0]
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


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@functools.cache
def _body_members(shape: Any) -> tuple[tuple[str, str, Any], ...]:
    """(name, wire name, member) of a structure's body members (cached per shape)."""
    return tuple(
        (name, member_wire_name(name, member), member)
        for name, member in shape.members.items()
        if member.serialization.get("location") is None
    )


def serialize(shape: Any, value: Any) -> Any:
    """``value`` as the wire wants it: members renamed, ``None`` dropped, timestamps formatted."""
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, wire, member in _body_members(shape):
            item = value.get(name)
            if item is not None:
                out[wire] = serialize(member, item)
        return out
    if kind == "list":
        return [serialize(shape.member, item) for item in value]
    if kind == "map":
        return {k: serialize(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        if shape.serialization.get("timestampFormat") == "iso8601":
            return _iso(float(value))
        return round(float(value), 3)
    return value


def error_body(proto: Protocol | None, err: ApiError) -> tuple[dict[str, Any], dict[str, str]]:
    """Body and headers of an error response in ``proto``'s shape (both when unknown)."""
    body: dict[str, Any] = {"message": err.message, **err.extra}
    headers = dict(err.headers)
    if proto in ("json", None):
        body = {"__type": err.code, **body}
    if proto in ("rest-json", None):
        headers["x-amzn-ErrorType"] = err.code
    return body, headers
