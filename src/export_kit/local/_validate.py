"""Request validation from the botocore shapes, done by the emulator's own code.

It checks what a service checks server-side: required members, JSON types, string
length and list size bounds, numeric ranges, ``pattern`` (Smithy patterns have search
semantics and may use ``\\p{L}``-style classes, hence the ``regex`` module), enums, unknown
keys and "exactly one member" for unions.  Every problem is reported with its wire path,
e.g. ``exportConfig.dataSets[0].datasetName``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import regex


@dataclass(frozen=True)
class FieldError:
    """One validation problem: the member's wire path and AWS-style constraint text."""

    path: str
    message: str


def format_errors(errors: list[FieldError]) -> str:
    """Render errors the way AWS validation messages read."""
    n = len(errors)
    head = f"{n} validation error{'s' if n != 1 else ''} detected: "
    return head + "; ".join(
        f"Value at '{e.path}' failed to satisfy constraint: {e.message}" for e in errors
    )


@functools.cache
def _pattern(source: str) -> regex.Pattern[str]:
    return regex.compile(source)


def member_wire_name(name: str, member: Any) -> str:
    """The name a member has on the wire (``locationName`` when the model gives one)."""
    return str(member.serialization.get("name", name))


@functools.cache
def _structure(shape: Any) -> tuple[dict[str, Any], dict[str, str], tuple[str, ...]]:
    """A structure's members, wire name -> member name, and required wire names (cached:
    the botocore shapes are built once per process)."""
    members: dict[str, Any] = dict(shape.members)
    by_wire = {member_wire_name(n, m): n for n, m in members.items()}
    required = tuple(member_wire_name(n, members[n]) for n in shape.required_members)
    return members, by_wire, required


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def parse_timestamp(value: object) -> float | None:
    """Epoch seconds from a wire timestamp (number, numeric string or ISO 8601), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None
        return parsed.timestamp()
    return None


def validate(shape: Any, value: object, path: str = "") -> list[FieldError]:
    """All problems of ``value`` against botocore ``shape`` (an empty list when valid)."""
    errors: list[FieldError] = []
    _check(shape, value, path, errors)
    return errors


def _check(shape: Any, value: object, path: str, errors: list[FieldError]) -> None:
    kind = shape.type_name
    where = path or "(request)"
    if kind == "structure":
        _check_structure(shape, value, path, errors)
    elif kind == "list":
        if not isinstance(value, list):
            errors.append(FieldError(where, "Member must be a list"))
            return
        items = cast("list[object]", value)
        _check_size(shape, len(items), where, errors, "length")
        for i, item in enumerate(items):
            _check(shape.member, item, f"{path}[{i}]", errors)
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append(FieldError(where, "Member must be a map"))
            return
        mapping = cast("dict[object, object]", value)
        _check_size(shape, len(mapping), where, errors, "length")
        for key, item in mapping.items():
            _check(shape.key, key, f"{path}.{key}", errors)
            _check(shape.value, item, f"{path}.{key}", errors)
    elif kind == "string":
        _check_string(shape, value, where, errors)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(where, "Member must be an integer"))
            return
        _check_range(shape, value, where, errors)
    elif kind in ("double", "float"):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            errors.append(FieldError(where, "Member must be a number"))
            return
        _check_range(shape, value, where, errors)
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(FieldError(where, "Member must be a boolean"))
    elif kind == "timestamp":
        if parse_timestamp(value) is None:
            errors.append(FieldError(where, "Member must be a timestamp"))
    elif kind == "blob" and not isinstance(value, str):
        errors.append(FieldError(where, "Member must be base64 text"))


def _check_structure(shape: Any, value: object, path: str, errors: list[FieldError]) -> None:
    where = path or "(request)"
    if not isinstance(value, dict):
        errors.append(FieldError(where, "Member must be a structure"))
        return
    value = cast("dict[object, object]", value)
    members, by_wire, required = _structure(shape)
    present: list[str] = []
    for key, item in value.items():
        name = by_wire.get(str(key))
        if name is None:
            errors.append(
                FieldError(_join(path, str(key)), "Member is not a known member of this structure")
            )
            continue
        if item is None:
            continue
        present.append(name)
        _check(members[name], item, _join(path, str(key)), errors)
    for wire in required:
        if value.get(wire) is None:
            errors.append(FieldError(_join(path, wire), "Member must not be null"))
    if shape.metadata.get("union") and len(present) != 1:
        options = ", ".join(sorted(by_wire))
        errors.append(
            FieldError(
                where, f"Member must have exactly one of [{options}] set; {len(present)} were set"
            )
        )


def _check_string(shape: Any, value: object, where: str, errors: list[FieldError]) -> None:
    if not isinstance(value, str):
        errors.append(FieldError(where, "Member must be a string"))
        return
    enum: list[str] = list(shape.enum)
    if enum and value not in enum:
        errors.append(FieldError(where, f"Member must satisfy enum value set: [{', '.join(enum)}]"))
        return
    before = len(errors)
    _check_size(shape, len(value), where, errors, "length")
    pattern = shape.metadata.get("pattern")
    if pattern and len(errors) == before and _pattern(pattern).search(value) is None:
        errors.append(
            FieldError(where, f"Member must satisfy regular expression pattern: {pattern}")
        )


def _check_size(shape: Any, size: int, where: str, errors: list[FieldError], what: str) -> None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is not None and size < low:
        errors.append(FieldError(where, f"Member must have {what} greater than or equal to {low}"))
    if high is not None and size > high:
        errors.append(FieldError(where, f"Member must have {what} less than or equal to {high}"))


def _check_range(shape: Any, number: float, where: str, errors: list[FieldError]) -> None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is not None and number < low:
        errors.append(FieldError(where, f"Member must have value greater than or equal to {low}"))
    if high is not None and number > high:
        errors.append(FieldError(where, f"Member must have value less than or equal to {high}"))
