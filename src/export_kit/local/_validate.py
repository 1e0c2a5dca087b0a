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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, cast

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
    checker(shape)(value, path, errors)
    return errors


#: Appends the problems of a value at a wire path to a list.
Check: TypeAlias = Callable[[object, str, list[FieldError]], None]


@functools.cache
def checker(shape: Any) -> Check:
    """The check of ``shape``, built once per shape from its constraints, so that a request
    pays only for the comparisons, never for reading the botocore model."""
    kind = shape.type_name
    if kind == "structure":
        return _structure_check(shape)
    if kind == "list":
        return _list_check(shape)
    if kind == "map":
        return _map_check(shape)
    if kind == "string":
        return _string_check(shape)
    if kind in ("integer", "long"):
        return _number_check(shape, "Member must be an integer", int)
    if kind in ("double", "float"):
        return _number_check(shape, "Member must be a number", int | float)
    if kind == "boolean":
        return _type_check("Member must be a boolean", bool)
    if kind == "timestamp":
        return _timestamp_check
    if kind == "blob":
        return _type_check("Member must be base64 text", str)
    return _accept


def _where(path: str) -> str:
    return path or "(request)"


def _accept(value: object, path: str, errors: list[FieldError]) -> None:
    pass


def _timestamp_check(value: object, path: str, errors: list[FieldError]) -> None:
    if parse_timestamp(value) is None:
        errors.append(FieldError(_where(path), "Member must be a timestamp"))


def _type_check(message: str, kind: type) -> Check:
    def check(value: object, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, kind):
            errors.append(FieldError(_where(path), message))

    return check


def _structure_check(shape: Any) -> Check:
    members, by_wire, required = _structure(shape)
    union = bool(shape.metadata.get("union"))
    options = ", ".join(sorted(by_wire))
    # Member checks are looked up on first use: a shape may contain itself.
    checks: dict[str, Check] = {}

    def check(value: object, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, dict):
            errors.append(FieldError(_where(path), "Member must be a structure"))
            return
        if not checks:
            checks.update((wire, checker(members[name])) for wire, name in by_wire.items())
        value = cast("dict[object, object]", value)
        present = 0
        for key, item in value.items():
            wire = str(key)
            member_check = checks.get(wire)
            if member_check is None:
                errors.append(
                    FieldError(_join(path, wire), "Member is not a known member of this structure")
                )
            elif item is not None:
                present += 1
                member_check(item, f"{path}.{wire}" if path else wire, errors)
        for wire in required:
            if value.get(wire) is None:
                errors.append(FieldError(_join(path, wire), "Member must not be null"))
        if union and present != 1:
            errors.append(
                FieldError(
                    _where(path),
                    f"Member must have exactly one of [{options}] set; {present} were set",
                )
            )

    return check


def _list_check(shape: Any) -> Check:
    size = _size_check(shape, "length")

    def check(value: object, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, list):
            errors.append(FieldError(_where(path), "Member must be a list"))
            return
        items = cast("list[object]", value)
        size(len(items), _where(path), errors)
        item_check = checker(shape.member)
        for i, item in enumerate(items):
            item_check(item, f"{path}[{i}]", errors)

    return check


def _map_check(shape: Any) -> Check:
    size = _size_check(shape, "length")

    def check(value: object, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, dict):
            errors.append(FieldError(_where(path), "Member must be a map"))
            return
        mapping = cast("dict[object, object]", value)
        size(len(mapping), _where(path), errors)
        key_check, value_check = checker(shape.key), checker(shape.value)
        for key, item in mapping.items():
            key_check(key, f"{path}.{key}", errors)
            value_check(item, f"{path}.{key}", errors)

    return check


def _string_check(shape: Any) -> Check:
    enum: tuple[str, ...] = tuple(shape.enum)
    enum_message = f"Member must satisfy enum value set: [{', '.join(enum)}]"
    size = _size_check(shape, "length")
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max", math.inf)
    source: str | None = shape.metadata.get("pattern")
    pattern = _pattern(source) if source else None
    pattern_message = f"Member must satisfy regular expression pattern: {source}"

    def check(value: object, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, str):
            errors.append(FieldError(_where(path), "Member must be a string"))
        elif enum:
            if value not in enum:
                errors.append(FieldError(_where(path), enum_message))
        elif not low <= len(value) <= high:
            size(len(value), _where(path), errors)  # the pattern is checked only within bounds
        elif pattern is not None and pattern.search(value) is None:
            errors.append(FieldError(_where(path), pattern_message))

    return check


def _number_check(shape: Any, message: str, kind: Any) -> Check:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: object, path: str, errors: list[FieldError]) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, kind)
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            errors.append(FieldError(_where(path), message))
            return
        number = cast("float", value)
        if low is not None and number < low:
            errors.append(
                FieldError(_where(path), f"Member must have value greater than or equal to {low}")
            )
        if high is not None and number > high:
            errors.append(
                FieldError(_where(path), f"Member must have value less than or equal to {high}")
            )

    return check


def _size_check(shape: Any, what: str) -> Callable[[int, str, list[FieldError]], None]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(size: int, where: str, errors: list[FieldError]) -> None:
        if low is not None and size < low:
            errors.append(
                FieldError(where, f"Member must have {what} greater than or equal to {low}")
            )
        if high is not None and size > high:
            errors.append(
                FieldError(where, f"Member must have {what} less than or equal to {high}")
            )

    return check
