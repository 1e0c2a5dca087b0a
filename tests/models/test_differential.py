"""Differential tests: our request models against botocore's own ParamValidator.

1. Requests generated from the botocore shapes, accepted by botocore and meeting
   the max/pattern/enum rules, are accepted by our models and ``to_api()``
   returns exactly the same dict.
2. Each single mutation that breaks one rule is rejected, naming the wire path
   and the rule.

What botocore's ParamValidator does **not** check, and we do (asserted below
for each mutation of these kinds, so the list stays true as botocore evolves):
maximum string length, maximum list size, numeric maximum, ``pattern`` and
``enum``.  Botocore does check required members, unknown keys, types and the
minimums, so those mutations are rejected by both.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import regex
from botocore.model import ListShape, OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from export_kit._shapes import OperationRequest
from export_kit.errors import RequestValidationError

from ._botocore_shapes import SCOPE, operations, structure_strategy, value_strategy

OPS = [op for svc in SCOPE for op in operations(svc)]
NOT_CHECKED_BY_BOTOCORE = {"max_length", "max_items", "max", "pattern", "enum"}
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def request_class(op: OperationModel) -> type[OperationRequest[Any]]:
    mod = importlib.import_module(f"export_kit.models.{op.service_model.service_name}")
    assert op.input_shape is not None
    cls: type[OperationRequest[Any]] = getattr(mod, op.input_shape.name)
    return cls


def botocore_accepts(params: dict[str, Any], shape: Shape) -> bool:
    return not ParamValidator().validate(params, shape).has_errors()


def validate(op: OperationModel, params: dict[str, Any]) -> RequestValidationError | None:
    cls = request_class(op)
    try:
        cls.model_validate(params)
    except RequestValidationError as exc:
        return exc
    return None


@pytest.mark.parametrize("op", OPS, ids=[f"{o.service_model.service_name}.{o.name}" for o in OPS])
@SETTINGS
@given(data=st.data())
def test_valid_requests_round_trip(op: OperationModel, data: st.DataObject) -> None:
    assert op.input_shape is not None
    params = data.draw(structure_strategy(op.input_shape))
    assume(botocore_accepts(params, op.input_shape))
    request = request_class(op).model_validate(params)
    assert request.to_api() == params


# -- mutations ------------------------------------------------------------------------------


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


@pytest.mark.parametrize("op", OPS, ids=[f"{o.service_model.service_name}.{o.name}" for o in OPS])
@SETTINGS
@given(data=st.data())
def test_each_mutation_is_rejected_with_its_path(op: OperationModel, data: st.DataObject) -> None:
    shape = op.input_shape
    assert shape is not None
    params = data.draw(structure_strategy(shape))
    assume(botocore_accepts(params, shape))
    found = list(mutations(params, shape, [], data.draw))
    assume(found)
    mutation = data.draw(st.sampled_from(found))
    broken = copy.deepcopy(params)
    mutation.apply(broken)
    error = validate(op, broken)
    assert error is not None, f"{mutation.rule} at {mutation.path} was accepted"
    assert error.operation == op.name
    at_path = {issue["rule"] for issue in error.errors() if issue["path"] == mutation.path}
    assert mutation.rule in at_path, (mutation, error.errors())
    if mutation.rule in NOT_CHECKED_BY_BOTOCORE:
        assert botocore_accepts(broken, shape), f"botocore now checks {mutation.rule}"


def test_examples_shipped_with_botocore_validate() -> None:
    """botocore's examples-1.json entries for these operations validate."""
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    checked = 0
    for op in OPS:
        service = op.service_model.service_name
        try:
            examples = loader.load_service_model(service, "examples-1").get("examples", {})
        except Exception:  # the service ships no examples file
            continue
        for example in examples.get(op.name, []):
            request_class(op).model_validate(example["input"])
            checked += 1
    if checked == 0:
        pytest.skip("botocore ships no examples for these 17 operations")
