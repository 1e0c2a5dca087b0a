"""Test helpers that read botocore's service models directly (never our codegen).

They give the conformance and differential tests an independent view of the
scope: which structures are reachable, and hypothesis strategies that build
requests from the botocore shapes alone.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from hypothesis import strategies as st

from export_kit.local import OPERATIONS

#: The 17 operations in scope, as the emulator lists them: independent of tools/codegen.py
#: (``test_codegen`` checks that both lists agree with each other).
SCOPE: Mapping[str, tuple[str, ...]] = OPERATIONS


@cache
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def operations(service: str) -> Iterator[OperationModel]:
    model = service_model(service)
    for name in SCOPE[service]:
        yield model.operation_model(name)


def reachable(shape: Shape | None) -> Iterator[Shape]:
    """Every shape reachable from ``shape`` (depth first, each once)."""
    seen: set[str] = set()
    todo = [shape] if shape is not None else []
    while todo:
        current = todo.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        yield current
        if isinstance(current, StructureShape):
            todo.extend(current.members.values())
        elif isinstance(current, ListShape):
            todo.append(current.member)
        elif isinstance(current, MapShape):
            todo.extend((current.key, current.value))


@dataclass(frozen=True)
class Reach:
    shape: StructureShape
    inputs: bool
    outputs: bool


def structures(service: str) -> dict[str, Reach]:
    """Structures reachable from the scope's inputs and outputs."""
    found: dict[str, Reach] = {}
    for op in operations(service):
        for shape, is_input in ((op.input_shape, True), (op.output_shape, False)):
            for sub in reachable(shape):
                if isinstance(sub, StructureShape):
                    old = found.get(sub.name, Reach(sub, False, False))
                    found[sub.name] = Reach(
                        sub, old.inputs or is_input, old.outputs or not is_input
                    )
    return found


# -- generating requests from botocore shapes -------------------------------------------------

# Stand-ins for the Unicode classes Python's `re` lacks: each generates a subset of
# the class, so a generated string still matches the original service pattern.
_UNICODE_SUBSETS = {
    r"\p{L}": "a-zA-Zé",
    r"\p{M}": "\u0301",
    r"\p{Z}": " ",
    r"\p{S}": "+$",
    r"\p{N}": "0-9",
    r"\p{P}": ".,!",
    r"\p{ASCII}": "[ -~]",  # only used outside brackets in this scope
}


def python_regex(pattern: str) -> str:
    """A Python ``re`` pattern whose matches all match the (Java) service pattern."""
    out = pattern.replace("||", r"\|")  # a literal pipe inside a class, without set-op warnings
    for java, subset in _UNICODE_SUBSETS.items():
        out = out.replace(java, subset)
    # Java's \S \d \w are ASCII; keep the generator inside ASCII.
    ascii_classes = {"S": "!-~", "d": "0-9", "w": "A-Za-z0-9_"}
    result: list[str] = []
    depth, i = 0, 0
    while i < len(out):
        ch = out[i]
        if ch == "\\" and i + 1 < len(out):
            nxt = out[i + 1]
            if nxt in ascii_classes:
                body = ascii_classes[nxt]
                result.append(body if depth else f"[{body}]")
            else:
                result.append(ch + nxt)
            i += 2
            continue
        depth += ch == "["
        depth -= ch == "]" and depth > 0
        result.append(ch)
        i += 1
    return "".join(result)


_SAFE_TEXT = string.ascii_letters + string.digits + "-_./:"


def string_strategy(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    enum: list[str] | None = meta.get("enum")
    if enum:
        return st.sampled_from(enum)
    low = int(meta.get("min", 0))
    high = int(meta.get("max", max(low, 24)))
    high = min(high, max(low, 64))
    pattern = meta.get("pattern")
    if pattern is None:
        return st.text(alphabet=_SAFE_TEXT, min_size=low, max_size=high)
    regex = python_regex(pattern)
    if r"\p{" in regex:
        raise AssertionError(f"no generator for pattern {pattern!r}")
    repeated = re.fullmatch(r"\^?(\[[^\]]+\])[+*]\$?", regex)
    if repeated:
        # A plain character-class repeat: draw characters, so min/max lengths are cheap.
        chars = st.from_regex(repeated.group(1), fullmatch=True)
        return st.text(
            alphabet=chars,
            min_size=max(low, 1 if regex.endswith("+") or "+$" in regex else 0),
            max_size=high,
        )
    anchored = regex if regex.startswith("^") else f"^(?:{regex})$"
    return st.from_regex(anchored.replace("^^", "^"), fullmatch=True).filter(
        lambda s: low <= len(s) <= int(meta.get("max", 10**9)) and "\n" not in s
    )


def value_strategy(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values botocore's ParamValidator accepts and that meet max/pattern/enum too."""
    kind = shape.type_name
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        return structure_strategy(shape, depth)
    if isinstance(shape, ListShape):
        low = int(meta.get("min", 0))
        high = min(int(meta.get("max", 3)), low + 3)
        return st.lists(value_strategy(shape.member, depth + 1), min_size=low, max_size=high)
    if isinstance(shape, MapShape):
        return st.dictionaries(
            value_strategy(shape.key, depth + 1), value_strategy(shape.value, depth + 1), max_size=2
        )
    if kind == "string":
        return string_strategy(shape)
    if kind in {"integer", "long"}:
        return st.integers(int(meta.get("min", -(2**31))), int(meta.get("max", 2**31 - 1)))
    if kind in {"double", "float"}:
        return st.floats(float(meta.get("min", -1e9)), float(meta.get("max", 1e9)), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        )
    if kind == "blob":
        return st.binary(max_size=16)
    raise AssertionError(f"unhandled shape type {kind}")


def structure_strategy(shape: StructureShape, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    members = shape.members
    if shape.metadata.get("union", False):
        return st.one_of(
            [
                st.builds(lambda v, n=name: {n: v}, value_strategy(m, depth + 1))
                for name, m in members.items()
            ]
        )
    required = set(shape.required_members)
    fixed = {name: value_strategy(members[name], depth + 1) for name in required}
    optional = {
        name: value_strategy(m, depth + 1) for name, m in members.items() if name not in required
    }
    return st.fixed_dictionaries(fixed, optional=optional)
