"""Single-rule mutations of a valid request, shared by the differential and agreement tests.

``mutations(value, shape, path, draw)`` yields every violation of one botocore rule that is
reachable at or below ``path``, each with the rule name and the wire path a validator must
report.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import regex
from botocore.model import ListShape, Shape, StructureShape

from ._botocore_shapes import value_strategy


@dataclass(frozen=True)
class Mutation:
    rule: str
    path: str
    apply: Callable[[dict[str, Any]], None]


def _setter(
    container_path: list[str | int], key: str | int, value: Any
) -> Callable[[dict[str, Any]], None]:
    def apply(root: dict[str, Any]) -> None:
        target: Any = root
        for part in container_path:
            target = target[part]
        target[key] = value

    return apply


def _deleter(container_path: list[str | int], key: str) -> Callable[[dict[str, Any]], None]:
    def apply(root: dict[str, Any]) -> None:
        target: Any = root
        for part in container_path:
            target = target[part]
        del target[key]

    return apply


def render(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def violating_string(shape: Shape) -> str | None:
    """A string of allowed length that breaks the shape's (Java) pattern."""
    meta = shape.metadata
    low, high = int(meta.get("min", 0)), int(meta.get("max", 64))
    for candidate in (" ", "\t", "!", "a b", "x" * 3 + " ", "é", "", "A" * max(low, 1)):
        fits = low <= len(candidate) <= high
        if fits and regex.search(meta["pattern"], candidate, flags=regex.ASCII) is None:
            return candidate
    return None


def mutations(value: Any, shape: Shape, path: list[str | int], draw: Any) -> Iterator[Mutation]:
    """Every single-rule violation reachable at or below ``path``."""
    meta = shape.metadata
    parent, key = path[:-1], path[-1] if path else None
    if isinstance(shape, StructureShape):
        if meta.get("union"):
            if key is not None:
                yield Mutation("union", render(path), _setter(parent, key, {}))
                others = [n for n in shape.members if n not in value]
                if others:
                    both = dict(value)
                    both[others[0]] = draw(value_strategy(shape.members[others[0]]))
                    yield Mutation("union", render(path), _setter(parent, key, both))
        else:
            for name in shape.required_members:
                yield Mutation("required", render([*path, name]), _deleter(path, name))
            yield Mutation("unknown_key", render([*path, "bogusKey"]), _setter(path, "bogusKey", 1))
        for name, sub in value.items():
            yield from mutations(sub, shape.members[name], [*path, name], draw)
        return
    if key is None:
        return
    if isinstance(shape, ListShape):
        if "max" in meta and value:
            longer = [copy.deepcopy(value[0]) for _ in range(int(meta["max"]) + 1)]
            yield Mutation("max_items", render(path), _setter(parent, key, longer))
        if meta.get("min", 0) > 0:
            yield Mutation("min_items", render(path), _setter(parent, key, []))
        for index, item in enumerate(value):
            yield from mutations(item, shape.member, [*path, index], draw)
        return
    kind = shape.type_name
    if kind == "string":
        if meta.get("enum"):
            yield Mutation("enum", render(path), _setter(parent, key, "NOT_A_VALID_VALUE"))
            return
        if "max" in meta:
            yield Mutation(
                "max_length", render(path), _setter(parent, key, "a" * (int(meta["max"]) + 1))
            )
        if meta.get("min", 0) > 0:
            yield Mutation("min_length", render(path), _setter(parent, key, ""))
        if "pattern" in meta:
            bad = violating_string(shape)
            if bad is not None:
                yield Mutation("pattern", render(path), _setter(parent, key, bad))
    elif kind in {"integer", "long", "double", "float"}:
        if "max" in meta:
            yield Mutation("max", render(path), _setter(parent, key, type(value)(meta["max"] + 1)))
        if "min" in meta:
            yield Mutation("min", render(path), _setter(parent, key, type(value)(meta["min"] - 1)))
